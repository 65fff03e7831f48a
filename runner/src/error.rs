//! How a run fails: [`RunError`], and the classification of wasmtime's errors into it.
//!
//! Classification never reads wasmtime's message text to decide: traps are typed
//! ([`Trap`]), and the store's [`Limiter`](crate::limits::Limiter) records which limit it
//! refused ([`LimitHit`]). The message text is only shown, as the detail.

use std::path::PathBuf;
use std::time::Duration;

use wasmtime::Trap;

use crate::limits::{LimitHit, count_exceeded};
use crate::sandbox::Sandbox;

fn components_help(available: &[String]) -> String {
    if available.is_empty() {
        "the component was not composed by astc: name it by its WIT package (`ns:name`)".into()
    } else {
        format!(
            "the composition holds {}",
            astc_resolver::diagnostic::quoted_list(available)
        )
    }
}

fn ambiguous_help(candidates: &[String]) -> String {
    format!(
        "name one of them in full: {}",
        candidates
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Why running a component failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RunError {
    /// The component could not be read.
    #[error("failed to read `{}`", path.display())]
    #[diagnostic(code(astc::run::io))]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The key-value store (`--kv`) cannot be used.
    #[error("cannot use the key-value store `{}`: {message}", dir.display())]
    #[diagnostic(code(astc::run::kv_store))]
    KvStore {
        /// The store's directory.
        dir: PathBuf,
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// The file is not a valid component.
    #[error("`{}` is not a valid component", path.display())]
    #[diagnostic(code(astc::run::invalid))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: astc_compiler::InspectError,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// The engine could not be set up, or the component not compiled.
    #[error("failed to {what}: {message}")]
    #[diagnostic(code(astc::run::engine))]
    Engine {
        /// What was being done.
        what: &'static str,
        /// wasmtime's message.
        message: String,
    },
    /// The component's imports cannot all be satisfied.
    #[error("failed to instantiate the component: {message}")]
    #[diagnostic(
        code(astc::run::instantiate),
        help(
            "the runner provides WASI 0.2 (with wasi:http), wasi:keyvalue@0.2.0-draft, asterai:host/api@0.1.0 and @1.0.0, asterai:host-cron and asterai:host-ws; `astc inspect` shows what the component imports"
        )
    )]
    Instantiate {
        /// wasmtime's message.
        message: String,
    },
    /// The component does not export `wasi:cli/run`.
    #[error("`{program}` does not export `wasi:cli/run`, so it cannot be run")]
    #[diagnostic(code(astc::run::no_run_export), help("{help}"))]
    NoRunExport {
        /// The program, as named on the command line.
        program: String,
        /// What it exports instead.
        help: String,
    },
    /// The function to call does not exist.
    #[error("the component exports no function `{target}`")]
    #[diagnostic(code(astc::run::no_such_function), help("{available}"))]
    NoSuchFunction {
        /// What was asked for.
        target: String,
        /// The functions it does export, with signatures.
        available: String,
    },
    /// No component of the composition has that name.
    #[error("no component named `{name}`")]
    #[diagnostic(
        code(astc::run::no_such_component),
        help("{}", components_help(available))
    )]
    NoSuchComponent {
        /// What was asked for.
        name: String,
        /// The components there are.
        available: Vec<String>,
    },
    /// A short function name fits several exported functions.
    #[error("`{target}` is ambiguous: {} exported functions have that name", candidates.len())]
    #[diagnostic(
        code(astc::run::ambiguous_function),
        help("{}", ambiguous_help(candidates))
    )]
    AmbiguousFunction {
        /// What was asked for.
        target: String,
        /// The full names it fits.
        candidates: Vec<String>,
    },
    /// The arguments do not fit the function.
    #[error("invalid arguments for `{target}`: {message}")]
    #[diagnostic(code(astc::run::invalid_args), help("{help}"))]
    InvalidArgs {
        /// The function.
        target: String,
        /// What is wrong.
        message: String,
        /// The function's signature.
        help: String,
    },
    /// The result has no JSON form.
    #[error("cannot print the result of `{target}`: {message}")]
    #[diagnostic(code(astc::run::result), help("use `--wave` to print results as WAVE"))]
    Result {
        /// The function.
        target: String,
        /// What is wrong.
        message: String,
    },
    /// The guest trapped.
    #[error("the guest trapped: {message}")]
    #[diagnostic(
        code(astc::run::trap),
        help("set ASTC_BACKTRACE=1 to see the wasm backtrace")
    )]
    Trap {
        /// The trap and its wasm backtrace.
        message: String,
    },
    /// The guest ran out of stack.
    #[error("the guest overflowed its stack (unbounded recursion?)")]
    #[diagnostic(code(astc::run::stack_overflow))]
    StackOverflow,
    /// The guest tried to use more memory than allowed.
    #[error("the guest exceeded its memory limit of {limit} bytes ({detail})")]
    #[diagnostic(
        code(astc::run::memory_limit),
        help("raise the limit with `--max-memory`, e.g. `--max-memory 2GiB`")
    )]
    MemoryLimit {
        /// The limit.
        limit: usize,
        /// wasmtime's message.
        detail: String,
    },
    /// The guest exceeded a table or instance limit.
    #[error("the guest exceeded a resource limit: {detail}")]
    #[diagnostic(code(astc::run::resource_limit), help("{help}"))]
    ResourceLimit {
        /// wasmtime's message.
        detail: String,
        /// Which flag raises the limit, if any.
        help: String,
    },
    /// The invocation ran out of time.
    #[error("the guest timed out after {}", humanize(*after))]
    #[diagnostic(
        code(astc::run::timeout),
        help(
            "raise the limit with `--timeout`, e.g. `--timeout 10m`, or disable it with `--timeout 0`"
        )
    )]
    Timeout {
        /// The limit.
        after: Duration,
    },
    /// A host function failed.
    #[error("the guest failed: {message}")]
    #[diagnostic(code(astc::run::host))]
    Host {
        /// The error chain.
        message: String,
    },
}

/// A duration as people write it: `300ms`, `5s`, `2m`.
pub fn humanize(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(60_000) && ms >= 60_000 {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// wasmtime's error with its causes, on one line.
pub(crate) fn chain(e: &wasmtime::Error) -> String {
    format!("{e:#}")
}

/// Names a failure of instantiation: as [`classify`], but an unclassified error means the
/// imports could not be satisfied.
pub(crate) fn instantiate_error(
    e: wasmtime::Error,
    sandbox: &Sandbox,
    hit: Option<LimitHit>,
) -> RunError {
    match classify(e, sandbox, hit) {
        RunError::Host { message } => RunError::Instantiate { message },
        other => other,
    }
}

/// Names a failure: timeout, stack overflow, a limit (`hit`, as the store's limiter
/// recorded it), trap, or a host error.
pub(crate) fn classify(e: wasmtime::Error, sandbox: &Sandbox, hit: Option<LimitHit>) -> RunError {
    if let Some(hit) = hit.or_else(|| count_exceeded(&e)) {
        let detail = e.root_cause().to_string();
        return match hit {
            LimitHit::Memory => RunError::MemoryLimit {
                limit: sandbox.max_memory,
                detail,
            },
            LimitHit::TableElements => RunError::ResourceLimit {
                detail,
                help: "raise the limit with `--max-table-elements`, e.g. `--max-table-elements 10000000`"
                    .to_string(),
            },
            LimitHit::Instances => RunError::ResourceLimit {
                detail,
                help: "raise the limit with `--max-instances`, e.g. `--max-instances 100000`"
                    .to_string(),
            },
            LimitHit::Memories | LimitHit::Tables => RunError::ResourceLimit {
                detail,
                help: format!(
                    "a run may create at most {} linear memories and {} tables",
                    sandbox.max_memories, sandbox.max_tables
                ),
            },
        };
    }
    if let Some(trap) = e.downcast_ref::<Trap>() {
        return match trap {
            Trap::Interrupt => RunError::Timeout {
                after: sandbox.timeout.unwrap_or_default(),
            },
            Trap::StackOverflow => RunError::StackOverflow,
            // The trap itself; the wasm backtrace only on request, as it is long and
            // mostly useful with a guest's debug build.
            _ if std::env::var_os("ASTC_BACKTRACE").is_some() => {
                RunError::Trap { message: chain(&e) }
            }
            _ => RunError::Trap {
                message: trap
                    .to_string()
                    .trim_start_matches("wasm trap: ")
                    .to_string(),
            },
        };
    }
    // A host function's own error; its wasm backtrace, as for traps, only on request.
    // wasmtime adds the backtrace as the outermost context.
    if std::env::var_os("ASTC_BACKTRACE").is_none()
        && e.downcast_ref::<wasmtime::WasmBacktrace>().is_some()
    {
        let message: Vec<String> = e.chain().skip(1).map(|c| c.to_string()).collect();
        return RunError::Host {
            message: message.join(": "),
        };
    }
    RunError::Host { message: chain(&e) }
}
