//! astc's runner: executes a composed component on wasmtime, in a sandbox, with WASI 0.2,
//! wasi:http and the asterai host API.
//!
//! Data flows one way through astc: manifest → resolver → compiler → **runner**. A runner is
//! built in three steps, as in wasmtime's own CLI: a [`Runner`] (the engine and the linker,
//! once per process), a [`Program`] (a compiled component, from the compiled-code cache when
//! possible), then [`Runner::run`] or [`Runner::call`] with a [`Sandbox`] (a fresh store per
//! invocation). `Runner` and `Program` are `Send + Sync`: one of each can serve many
//! concurrent calls from several threads, each with its own store, limits and deadline.
//!
//! # Modules
//!
//! - `sandbox`: what a guest may do, and the fresh store of each invocation;
//! - `limits`, `deadline`: the store's resource limiter (which records the limit hit), its
//!   own wall-clock deadline, the shared epoch ticker and the watchdog;
//! - `linker`: the capability registry, linking each entry of
//!   [`astc_compiler::capabilities`] to its implementation (`asterai_api`, wasmtime-wasi);
//! - `composition`: the asterai environment, answered from the composition's provenance;
//! - `invoke`, `json_text`, `json_values`: calling a function with JSON or WAVE arguments
//!   (the JSON text read strictly, then mapped to WIT values and back);
//! - `error`: [`RunError`] and the classification of failures; `diagnostic`: its exit class
//!   and JSON record for the command line;
//! - `input`, `code_cache`, `http`: the program's file (read only when needed), compiled
//!   code kept on disk, and the outgoing-HTTP policy.
//!
//! # Sandbox
//!
//! Nothing is granted by default: no directories, no environment variables, no network, no
//! HTTP. Memory, tables, instances and wall time are limited. A guest that traps, loops or
//! exhausts a limit ends the invocation with an error naming the cause; the host process is
//! never at risk. Wall time is enforced twice: by epoch interruption while wasm runs, and by
//! a watchdog around the whole invocation for guests blocked in a host call.
//!
//! ```no_run
//! # fn demo() -> Result<(), astc_runner::RunError> {
//! use astc_runner::{Runner, Sandbox};
//! let runner = Runner::new(None)?;
//! let program = runner.load("app.composed.wasm".as_ref())?;
//! let code = runner.run(&program, &["app".into()], &Sandbox::default())?;
//! # let _ = code; Ok(()) }
//! ```

#![deny(missing_docs)]
#![allow(clippy::result_large_err)]

mod asterai_api;
mod code_cache;
mod composition;
mod deadline;
mod diagnostic;
mod error;
mod http;
mod input;
mod invoke;
mod json_text;
mod json_values;
mod keyvalue;
mod limits;
mod linker;
mod sandbox;
mod schedule;
pub mod serve;
mod websocket;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use astc_resolver::ComponentId;
use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime::{Config, Engine};
use wasmtime_wasi::I32Exit;

pub use error::{RunError, humanize};
pub use keyvalue::KvStore;
pub use sandbox::{DirGrant, Sandbox};

use asterai_api::ComponentInfo;
use composition::Composition;
use deadline::{Ticker, guarded};
use error::{classify, instantiate_error};
use input::Input;
use invoke::{export_names, find_function, invoke, resolve_target};
use sandbox::{Host, Invocation};

/// The cache directory astc uses when none is given: see
/// [`astc_compiler::cache_dir::default_dir`] for the rule.
pub fn default_cache_dir() -> Option<PathBuf> {
    astc_compiler::cache_dir::default_dir()
}

/// The engine and linker, shared by every program of a process.
#[derive(Clone)]
pub struct Runner {
    inner: Arc<RunnerData>,
}

pub(crate) struct RunnerData {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<Host>,
    pub(crate) cache_dir: Option<PathBuf>,
    /// The epoch ticker, when the engine supports timeouts.
    pub(crate) ticker: Option<Ticker>,
    /// Timeouts are enforced by the watchdog alone ([`Runner::one_shot`]).
    pub(crate) watchdog_only: bool,
}

/// A compiled component, ready to run or call.
#[derive(Clone)]
pub struct Program {
    data: Arc<ProgramData>,
}

pub(crate) struct ProgramData {
    /// The file the program was loaded from: its bytes are read only when needed.
    pub(crate) input: Input,
    pub(crate) component: Component,
    /// `component` linked once, so each call only instantiates.
    pub(crate) pre: OnceLock<InstancePre<Host>>,
    /// The composition's name, or the component's WIT package: how servers address it.
    pub(crate) name: Option<String>,
    pub(crate) composition: Option<Composition>,
    /// The schedules of `asterai:host-cron`, set only while a server keeps the program
    /// running (in a one-shot run a schedule could never fire).
    pub(crate) scheduler: OnceLock<schedule::Scheduler>,
    /// The `asterai:host-ws` connections, likewise only while a server runs.
    pub(crate) connections: OnceLock<websocket::Connections>,
    /// `list-components`, computed on first use.
    pub(crate) infos: OnceLock<Vec<ComponentInfo>>,
    /// Components of the composition compiled for `call-component-function`, linked.
    pub(crate) subs: Mutex<BTreeMap<ComponentId, (Component, InstancePre<Host>)>>,
}

impl RunnerData {
    /// How long past a timeout the watchdog waits: epochs interrupt running wasm at the
    /// deadline, and the watchdog only catches a guest blocked in a host call; without
    /// epochs the watchdog is the deadline.
    fn grace(&self) -> Duration {
        if self.watchdog_only {
            Duration::ZERO
        } else {
            deadline::GRACE
        }
    }
}

impl ProgramData {
    /// The program's component linked with `linker`, once.
    pub(crate) fn pre(&self, linker: &Linker<Host>) -> wasmtime::Result<InstancePre<Host>> {
        if let Some(pre) = self.pre.get() {
            return Ok(pre.clone());
        }
        let pre = linker.instantiate_pre(&self.component)?;
        Ok(self.pre.get_or_init(|| pre).clone())
    }
}

/// The result of [`Runner::call`].
#[derive(Debug, Clone)]
pub struct CallOutput {
    /// The result, as JSON or WAVE text.
    pub result: String,
    /// Responses sent with `asterai:host/api@0.1.0#send-response`.
    pub responses: Vec<String>,
    /// Whether the component can send responses (imports asterai:host/api@0.1.x).
    pub sends_responses: bool,
    /// For a JSON call returning one value: that value, with a `result`'s `err` told apart.
    pub outcome: Option<Outcome>,
}

/// A JSON call's one result, with a WIT `result` unwrapped.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The value, or a `result`'s `ok` payload (`null` when it has none).
    Ok(serde_json::Value),
    /// A `result`'s `err` payload (`null` when it has none).
    Err(serde_json::Value),
}

/// How arguments to [`Runner::call`] are written.
#[derive(Debug, Clone)]
pub enum CallArgs {
    /// A JSON array, one element per parameter (asterai's mapping).
    Json(String),
    /// A WAVE call expression, `name(arg, ...)`.
    Wave(String),
    /// One object with a value per parameter name, as MCP tools take them; an `option`
    /// parameter may be left out, for `none`.
    Object(serde_json::Map<String, serde_json::Value>),
    /// One value per parameter, as asterai's `env call` takes them from the shell: a string
    /// parameter takes the text as it is (or, when it is a quoted JSON string, what it
    /// quotes); any other takes JSON, or the text as a JSON string (`red` for an enum).
    Values(Vec<String>),
}

fn engine_error(what: &'static str) -> impl FnOnce(wasmtime::Error) -> RunError {
    move |e| RunError::Engine {
        what,
        message: format!("{e:#}"),
    }
}

impl Runner {
    /// Sets up the engine (with epoch interruption, for timeouts) and the linker; compiled
    /// components are cached in `cache_dir` when given.
    pub fn new(cache_dir: Option<PathBuf>) -> Result<Self, RunError> {
        Self::build(cache_dir, true)
    }

    /// As [`Runner::new`], for sandboxes that never set a timeout: the compiled code has no
    /// epoch checks, so it runs a little faster. A sandbox with a timeout is refused.
    pub fn without_timeouts(cache_dir: Option<PathBuf>) -> Result<Self, RunError> {
        Self::build(cache_dir, false)
    }

    /// A runner for a process that makes one run or call and then exits, as `astc run` and
    /// `astc call` do. Its compiled code has no epoch checks (they cost start-up time and
    /// run time); a sandbox's timeout is enforced by the watchdog alone, which stops
    /// waiting at the deadline and returns [`RunError::Timeout`] while the guest thread is
    /// left running: the process must exit then, and not use the runner again.
    pub fn one_shot(cache_dir: Option<PathBuf>) -> Result<Self, RunError> {
        let mut runner = Self::build(cache_dir, false)?;
        Arc::get_mut(&mut runner.inner)
            .expect("a new runner is not shared")
            .watchdog_only = true;
        Ok(runner)
    }

    /// As [`Runner::new`] (or [`Runner::without_timeouts`]), for a server running many calls
    /// at once, each in its own store within `sandbox`'s limits: instances, memories and
    /// tables come from wasmtime's pooling allocator, reserved once and reused, so that a
    /// call's instantiation costs little (as `wasmtime serve` does). Where the pool cannot be
    /// reserved (a limit on virtual memory), instances are allocated on demand instead.
    pub fn pooled(
        cache_dir: Option<PathBuf>,
        timeouts: bool,
        sandbox: &Sandbox,
    ) -> Result<Self, RunError> {
        match Self::build_with(cache_dir.clone(), timeouts, Some(sandbox)) {
            Ok(r) => Ok(r),
            Err(_) => Self::build(cache_dir, timeouts),
        }
    }

    fn build(cache_dir: Option<PathBuf>, timeouts: bool) -> Result<Self, RunError> {
        Self::build_with(cache_dir, timeouts, None)
    }

    fn build_with(
        cache_dir: Option<PathBuf>,
        timeouts: bool,
        pool_for: Option<&Sandbox>,
    ) -> Result<Self, RunError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(timeouts);
        if let Some(sandbox) = pool_for {
            // wasmtime's defaults (1000 of each, shared by every store), with the sandbox's
            // sizes, and room for modules with several memories or tables.
            let mut pool = wasmtime::PoolingAllocationConfig::default();
            pool.max_memory_size(sandbox.max_memory)
                .table_elements(sandbox.max_table_elements)
                .max_memories_per_module(16)
                .max_tables_per_module(16);
            config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        }
        let engine = Engine::new(&config).map_err(engine_error("set up the engine"))?;
        let linker = linker::linker(&engine).map_err(engine_error("link the host API"))?;
        let ticker = timeouts.then(|| Ticker::new(engine.weak()));
        Ok(Runner {
            inner: Arc::new(RunnerData {
                engine,
                linker,
                cache_dir,
                ticker,
                watchdog_only: false,
            }),
        })
    }

    /// Reads, validates and compiles the component at `path`.
    ///
    /// A file astc has seen before, unchanged (see [`astc_resolver::file_digests`]), is not
    /// read at all: its digest finds what was learned about it and its compiled code.
    pub fn load(&self, path: &Path) -> Result<Program, RunError> {
        let input = Input::open(path, self.inner.cache_dir.as_deref())?;
        let inspected = input.inspect().map_err(|e| match e {
            input::Inspect::Read(e) => e,
            input::Inspect::Invalid(source) => RunError::Invalid {
                path: path.to_path_buf(),
                help: miette::Diagnostic::help(&source).map(|h| h.to_string()),
                source,
            },
        })?;
        let name = inspected.name();
        let composition = inspected.provenance.map(|provenance| Composition {
            ranges: OnceLock::new(),
            provenance,
        });
        let component = code_cache::load(
            &self.inner.engine,
            self.inner.cache_dir.as_deref(),
            &inspected.digest,
            || input.bytes(),
        )?;
        Ok(Program {
            data: Arc::new(ProgramData {
                input,
                component,
                composition,
                pre: OnceLock::new(),
                scheduler: OnceLock::new(),
                connections: OnceLock::new(),
                name,
                infos: OnceLock::new(),
                subs: Mutex::default(),
            }),
        })
    }

    fn invocation(
        &self,
        program: &Program,
        sandbox: &Sandbox,
        call: bool,
    ) -> Result<Arc<Invocation>, RunError> {
        Invocation::new(self.inner.clone(), program.data.clone(), sandbox, call)
    }

    /// Runs the component's `wasi:cli/run` export with `args` (`args[0]` is the program
    /// name) and returns its exit code.
    pub fn run(
        &self,
        program: &Program,
        args: &[String],
        sandbox: &Sandbox,
    ) -> Result<i32, RunError> {
        let exports = export_names(&self.inner.engine, &program.data.component);
        if !exports.iter().any(|e| e.starts_with("wasi:cli/run@0.2")) {
            let help = if exports.is_empty() {
                "it exports nothing".to_string()
            } else {
                format!(
                    "it exports {}; call one of its functions with `astc call`",
                    astc_resolver::diagnostic::quoted_list(&exports)
                )
            };
            return Err(RunError::NoRunExport {
                program: args.first().cloned().unwrap_or_default(),
                help,
            });
        }
        let inv = self.invocation(program, sandbox, false)?;
        let args = args.to_vec();
        guarded(sandbox.timeout, self.inner.grace(), move || {
            let mut store = inv.store(&args, true, inv.root(), 0)?;
            let command = wasmtime_wasi::p2::bindings::sync::Command::instantiate(
                &mut store,
                &inv.program.component,
                &inv.runner.linker,
            )
            .map_err(|e| instantiate_error(e, &inv.sandbox, store.data().limiter.hit()))?;
            match command.wasi_cli_run().call_run(&mut store) {
                Ok(Ok(())) => Ok(0),
                Ok(Err(())) => Ok(1),
                Err(e) => match e.downcast_ref::<I32Exit>() {
                    Some(I32Exit(code)) => Ok(*code),
                    None => Err(classify(e, &inv.sandbox, store.data().limiter.hit())),
                },
            }
        })
    }

    /// Calls the exported function `target` (`ns:pkg/iface@x.y.z#func`, a world-level
    /// function by its name, or one of asterai's short forms, `func` and `iface/func`, when
    /// it fits one function only) with `args`, and returns its result as JSON (or WAVE, when
    /// the arguments were WAVE).
    pub fn call(
        &self,
        program: &Program,
        target: &str,
        args: &CallArgs,
        sandbox: &Sandbox,
    ) -> Result<CallOutput, RunError> {
        let inv = self.invocation(program, sandbox, true)?;
        let pre = program
            .data
            .pre(&self.inner.linker)
            .map_err(|e| instantiate_error(e, sandbox, None))?;
        let current = inv.root();
        self.call_linked(&inv, &program.data.component, pre, current, target, args)
    }

    /// Calls `function` of the component named `component` (`ns:name`, as asterai's call
    /// API and `call-component-function` name them) with `args`. In a composition that is
    /// any of its components, with what it imports; otherwise the component itself, by its
    /// WIT package's name. `function` takes the forms [`Runner::call`] does.
    pub fn call_component(
        &self,
        program: &Program,
        component: &str,
        function: &str,
        args: &CallArgs,
        sandbox: &Sandbox,
    ) -> Result<CallOutput, RunError> {
        let inv = self.invocation(program, sandbox, true)?;
        let unknown = || RunError::NoSuchComponent {
            name: astc_resolver::diagnostic::elide(component).into_owned(),
            available: program.components(),
        };
        if program.data.composition.is_none() {
            if program.data.name.as_deref() != Some(component) {
                return Err(unknown());
            }
            return self.call(program, function, args, sandbox);
        }
        let id = inv.find_component(component).ok_or_else(unknown)?;
        let (sub, pre) = inv.sub_component(&id).map_err(|message| RunError::Engine {
            what: "prepare the component",
            message,
        })?;
        self.call_linked(&inv, &sub, pre, Some(id), function, args)
    }

    fn call_linked(
        &self,
        inv: &Arc<Invocation>,
        component: &Component,
        pre: InstancePre<Host>,
        current: Option<ComponentId>,
        target: &str,
        args: &CallArgs,
    ) -> Result<CallOutput, RunError> {
        let engine = &self.inner.engine;
        let target = resolve_target(engine, component, target)?;
        let index = find_function(component, &target).expect("resolved above");
        let sends_responses = component
            .component_type()
            .imports(engine)
            .any(|(name, _)| name.starts_with("asterai:host/api@0.1"));
        let args = args.clone();
        let guest = inv.clone();
        let (result, outcome) = guarded(inv.sandbox.timeout, self.inner.grace(), move || {
            let inv = guest;
            let mut store = inv.store(&[], false, current, 0)?;
            let instance = pre
                .instantiate(&mut store)
                .map_err(|e| instantiate_error(e, &inv.sandbox, store.data().limiter.hit()))?;
            invoke(&mut store, &instance, &index, &target, &args, &inv.sandbox)
        })?;
        let responses = inv.responses.lock().unwrap().clone();
        Ok(CallOutput {
            result,
            responses,
            sends_responses,
            outcome,
        })
    }
}

impl Program {
    /// The name a server addresses it by: the composition's (its root component's, or the
    /// environment's), or the component's WIT package, as `ns:name`.
    pub fn name(&self) -> Option<&str> {
        self.data.name.as_deref()
    }

    /// The names (`ns:name@version`) of the components of a composition; empty for a
    /// component astc did not compose.
    pub fn components(&self) -> Vec<String> {
        self.data
            .composition
            .as_ref()
            .map(|c| {
                c.provenance
                    .components
                    .iter()
                    .map(|e| format!("{}@{}", e.name, e.version))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server shares one runner and one program between threads.
    #[test]
    fn runner_and_program_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Runner>();
        check::<Program>();
    }
}
