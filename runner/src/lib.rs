//! astc's runner: executes a composed component on wasmtime, in a sandbox, with WASI 0.2,
//! wasi:http and the asterai host API.
//!
//! Data flows one way through astc: manifest → resolver → compiler → **runner**. A runner is
//! built in three steps, as in wasmtime's own CLI: an [`Runner`] (the engine and the linker,
//! once per process), a [`Program`] (a compiled component, from the compiled-code cache when
//! possible), then [`Runner::run`] or [`Runner::call`] with a [`Sandbox`] (a fresh store per
//! invocation).
//!
//! # Sandbox
//!
//! Nothing is granted by default: no directories, no environment variables, no network, no
//! HTTP. Memory, tables, instances and wall time are limited. A guest that traps, loops or
//! exhausts a limit ends the invocation with an error naming the cause; the host process is
//! never at risk. Wall time is enforced twice: by epoch interruption while wasm runs, and by
//! a watchdog around the whole invocation for guests blocked in a host call.
//!
//! # Composition-aware host API
//!
//! A component composed by astc carries its provenance; `list-components`,
//! `get-component` and `component-implements` answer from it, and
//! `call-component-function` instantiates the called component (with what it imports from
//! the composition) afresh for each call, as asterai does.
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

mod cache;
mod diagnostic;
mod host;
mod http;
pub mod json;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use astc_compiler::compose::{Bytes, Part, compose_parts};
use astc_compiler::provenance::{self, Provenance};
use astc_resolver::{ComponentId, Digest, InterfaceName, LockedImport, PackageName};
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, ComponentExportIndex, Instance, Linker, ResourceTable, Val};
use wasmtime::{Config, Engine, Store, StoreLimitsBuilder, Trap};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};
use wasmtime_wasi_http::WasiHttpCtx;

pub use cache::default_dir as default_cache_dir;
use host::{CallError, CallErrorKind, ComponentInfo, FunctionInfo, Host, ParamInfo};
use http::HttpPolicy;

/// How deep `call-component-function` may nest before the call fails.
const MAX_CALL_DEPTH: u32 = 16;

/// A directory granted to the guest.
#[derive(Debug, Clone)]
pub struct DirGrant {
    /// The directory on the host.
    pub host: PathBuf,
    /// Where the guest sees it.
    pub guest: String,
    /// Whether the guest may only read.
    pub read_only: bool,
}

/// What a guest may do. The default grants nothing and sets the default limits.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// Directories the guest can open.
    pub dirs: Vec<DirGrant>,
    /// Environment variables the guest sees.
    pub env: Vec<(String, String)>,
    /// Hosts the guest may send HTTP requests to.
    pub allow_http: Vec<String>,
    /// Maximum size of each linear memory, in bytes.
    pub max_memory: usize,
    /// Maximum number of elements of each table.
    pub max_table_elements: usize,
    /// Maximum number of (core) instances.
    pub max_instances: usize,
    /// Maximum number of tables.
    pub max_tables: usize,
    /// Maximum number of linear memories.
    pub max_memories: usize,
    /// Wall-clock limit for the whole invocation; `None` for none.
    pub timeout: Option<Duration>,
}

impl Sandbox {
    /// The default memory limit: 512 MiB per linear memory.
    pub const DEFAULT_MAX_MEMORY: usize = 512 << 20;
    /// The default wall-clock limit: 5 minutes.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox {
            dirs: Vec::new(),
            env: Vec::new(),
            allow_http: Vec::new(),
            max_memory: Self::DEFAULT_MAX_MEMORY,
            max_table_elements: 1_000_000,
            max_instances: 10_000,
            max_tables: 10_000,
            max_memories: 10_000,
            timeout: Some(Self::DEFAULT_TIMEOUT),
        }
    }
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
            "the runner provides WASI 0.2 (with wasi:http) and asterai:host/api@0.1.0 and @1.0.0; `astc inspect` shows what the component imports"
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

/// The engine and linker, shared by every program of a process.
#[derive(Clone)]
pub struct Runner {
    inner: Arc<RunnerData>,
}

struct RunnerData {
    engine: Engine,
    linker: Linker<Host>,
    cache_dir: Option<PathBuf>,
}

/// A compiled component, ready to run or call.
pub struct Program {
    data: Arc<ProgramData>,
}

struct ProgramData {
    bytes: Arc<[u8]>,
    component: Component,
    composition: Option<Composition>,
    infos: OnceLock<Vec<ComponentInfo>>,
    subs: Mutex<BTreeMap<ComponentId, Component>>,
}

/// What a composition holds: provenance and where each component's bytes are.
struct Composition {
    provenance: Provenance,
    ranges: BTreeMap<Digest, std::ops::Range<usize>>,
}

/// One invocation's view: runner, program and sandbox.
pub(crate) struct Shared {
    runner: Arc<RunnerData>,
    program: Arc<ProgramData>,
    sandbox: Sandbox,
    stdout_to_stderr: bool,
    responses: Arc<Mutex<Vec<String>>>,
    echo_responses: bool,
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
}

/// How arguments to [`Runner::call`] are written.
#[derive(Debug, Clone)]
pub enum CallArgs {
    /// A JSON array, one element per parameter (asterai's mapping).
    Json(String),
    /// A WAVE call expression, `name(arg, ...)`.
    Wave(String),
}

fn engine_error(what: &'static str) -> impl FnOnce(wasmtime::Error) -> RunError {
    move |e| RunError::Engine {
        what,
        message: format!("{e:#}"),
    }
}

impl Runner {
    /// Sets up the engine (with epoch interruption for timeouts) and the linker; compiled
    /// components are cached in `cache_dir` when given.
    pub fn new(cache_dir: Option<PathBuf>) -> Result<Self, RunError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(engine_error("set up the engine"))?;
        let mut linker = Linker::new(&engine);
        host::link(&mut linker).map_err(engine_error("link the host API"))?;
        Ok(Runner {
            inner: Arc::new(RunnerData {
                engine,
                linker,
                cache_dir,
            }),
        })
    }

    /// Reads, validates and compiles the component at `path`.
    pub fn load(&self, path: &Path) -> Result<Program, RunError> {
        let (bytes, digest) =
            astc_resolver::fs::read_hashed(path).map_err(|source| RunError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        let inspected = astc_compiler::inspect_with_digest(&bytes, digest).map_err(|source| {
            RunError::Invalid {
                path: path.to_path_buf(),
                help: miette::Diagnostic::help(&source).map(|h| h.to_string()),
                source,
            }
        })?;
        let composition = inspected.provenance.map(|provenance| Composition {
            ranges: provenance::embedded_components(&bytes).unwrap_or_default(),
            provenance,
        });
        let component = cache::load(
            &self.inner.engine,
            self.inner.cache_dir.as_deref(),
            &bytes,
            &inspected.digest,
        )
        .map_err(engine_error("compile the component"))?;
        Ok(Program {
            data: Arc::new(ProgramData {
                bytes,
                component,
                composition,
                infos: OnceLock::new(),
                subs: Mutex::default(),
            }),
        })
    }

    fn shared(&self, program: &Program, sandbox: &Sandbox, call: bool) -> Arc<Shared> {
        Arc::new(Shared {
            runner: self.inner.clone(),
            program: program.data.clone(),
            sandbox: sandbox.clone(),
            stdout_to_stderr: call,
            responses: Arc::default(),
            echo_responses: !call,
        })
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
                    exports
                        .iter()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(RunError::NoRunExport {
                program: args.first().cloned().unwrap_or_default(),
                help,
            });
        }
        let shared = self.shared(program, sandbox, false);
        let args = args.to_vec();
        guarded(sandbox.timeout, move || {
            let root = shared.root();
            let mut store = shared.store(&args, true, root, 0)?;
            let command = wasmtime_wasi::p2::bindings::sync::Command::instantiate(
                &mut store,
                &shared.program.component,
                &shared.runner.linker,
            )
            .map_err(|e| instantiate_error(e, &shared.sandbox))?;
            match command.wasi_cli_run().call_run(&mut store) {
                Ok(Ok(())) => Ok(0),
                Ok(Err(())) => Ok(1),
                Err(e) => match e.downcast_ref::<I32Exit>() {
                    Some(I32Exit(code)) => Ok(*code),
                    None => Err(classify(e, &shared.sandbox)),
                },
            }
        })
    }

    /// Calls the exported function `target` (`ns:pkg/iface@x.y.z#func`, or a world-level
    /// function by its name) with `args`, and returns its result as JSON (or WAVE, when the
    /// arguments were WAVE).
    pub fn call(
        &self,
        program: &Program,
        target: &str,
        args: &CallArgs,
        sandbox: &Sandbox,
    ) -> Result<CallOutput, RunError> {
        let engine = &self.inner.engine;
        let component = &program.data.component;
        let Some(index) = find_function(component, target) else {
            return Err(RunError::NoSuchFunction {
                target: target.to_string(),
                available: function_list(engine, component),
            });
        };
        let sends_responses = component
            .component_type()
            .imports(engine)
            .any(|(name, _)| name.starts_with("asterai:host/api@0.1"));
        let shared = self.shared(program, sandbox, true);
        let target = target.to_string();
        let args = args.clone();
        let responses = shared.responses.clone();
        let result = guarded(sandbox.timeout, move || {
            let root = shared.root();
            let mut store = shared.store(&[], false, root, 0)?;
            let instance = shared
                .runner
                .linker
                .instantiate(&mut store, &shared.program.component)
                .map_err(|e| instantiate_error(e, &shared.sandbox))?;
            invoke(
                &mut store,
                &instance,
                &index,
                &target,
                &args,
                &shared.sandbox,
            )
        })?;
        let responses = responses.lock().unwrap().clone();
        Ok(CallOutput {
            result,
            responses,
            sends_responses,
        })
    }

    /// Every function the component exports, as `name: func(...) -> ...`, sorted.
    pub fn functions(&self, program: &Program) -> String {
        function_list(&self.inner.engine, &program.data.component)
    }
}

/// Runs `f` on a thread with a large stack and waits for it, at most `timeout` plus a grace
/// period: a guest blocked in a host call (a long sleep, a stuck read) cannot hang the
/// caller. Epoch interruption ends wasm that is running; this ends everything else.
fn guarded<T: Send + 'static>(
    timeout: Option<Duration>,
    f: impl FnOnce() -> Result<T, RunError> + Send + 'static,
) -> Result<T, RunError> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("astc-guest".into())
        .stack_size(16 << 20)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| RunError::Engine {
            what: "start the guest thread",
            message: e.to_string(),
        })?;
    match timeout {
        None => rx.recv().unwrap_or_else(|_| {
            Err(RunError::Host {
                message: "the guest thread ended without a result".into(),
            })
        }),
        Some(t) => match rx.recv_timeout(t + Duration::from_secs(2)) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(RunError::Timeout { after: t }),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(RunError::Host {
                message: "the guest thread ended without a result".into(),
            }),
        },
    }
}

impl Shared {
    /// A fresh store with the sandbox's WASI context and limits.
    fn store(
        self: &Arc<Self>,
        args: &[String],
        stdin: bool,
        current: Option<ComponentId>,
        depth: u32,
    ) -> Result<Store<Host>, RunError> {
        let sandbox = &self.sandbox;
        let mut wasi = WasiCtxBuilder::new();
        wasi.args(args);
        for (k, v) in &sandbox.env {
            wasi.env(k, v);
        }
        if stdin {
            wasi.inherit_stdin();
        }
        if self.stdout_to_stderr {
            wasi.stdout(std::io::stderr());
        } else {
            wasi.inherit_stdout();
        }
        wasi.inherit_stderr();
        for d in &sandbox.dirs {
            let perms = if d.read_only {
                FsPerms::ReadOnly
            } else {
                FsPerms::ReadWrite
            };
            wasi.preopened_dir(&d.host, &d.guest, perms)
                .map_err(|e| RunError::Engine {
                    what: "grant a directory",
                    message: format!("`{}`: {e:#}", d.host.display()),
                })?;
        }
        let limits = StoreLimitsBuilder::new()
            .memory_size(sandbox.max_memory)
            .table_elements(sandbox.max_table_elements)
            .instances(sandbox.max_instances)
            .tables(sandbox.max_tables)
            .memories(sandbox.max_memories)
            .trap_on_grow_failure(true)
            .build();
        let host = Host {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            http_policy: HttpPolicy::new(&sandbox.allow_http),
            limits,
            responses: self.responses.clone(),
            echo_responses: self.echo_responses,
            shared: self.clone(),
            current,
            depth,
        };
        let mut store = Store::new(&self.runner.engine, host);
        store.limiter(|h| &mut h.limits);
        match sandbox.timeout {
            Some(t) => {
                store.set_epoch_deadline(1);
                let engine = self.runner.engine.weak();
                std::thread::spawn(move || {
                    std::thread::sleep(t);
                    if let Some(engine) = engine.upgrade() {
                        engine.increment_epoch();
                    }
                });
            }
            None => store.set_epoch_deadline(u64::MAX / 2),
        }
        Ok(store)
    }

    fn composition(&self) -> Option<&Composition> {
        self.program.composition.as_ref()
    }

    /// The composition's root component: the one a top-level run or call enters.
    fn root(&self) -> Option<ComponentId> {
        self.composition()?
            .provenance
            .components
            .iter()
            .find(|c| c.root)
            .map(|c| ComponentId::new(c.name.clone(), c.version.clone()))
    }

    /// `list-components`: every component of the composition, from its provenance.
    pub(crate) fn component_infos(&self) -> Vec<ComponentInfo> {
        self.program
            .infos
            .get_or_init(|| {
                let Some(comp) = self.composition() else {
                    return Vec::new();
                };
                comp.provenance
                    .components
                    .iter()
                    .map(|entry| {
                        let functions = comp
                            .ranges
                            .get(&entry.digest)
                            .and_then(|r| {
                                astc_compiler::inspect(&self.program.bytes[r.clone()]).ok()
                            })
                            .map(|i| function_infos(&i))
                            .unwrap_or_default();
                        ComponentInfo {
                            name: entry.name.to_string(),
                            version: entry.version.to_string(),
                            interfaces: entry.exports.iter().map(|e| e.to_string()).collect(),
                            description: None,
                            functions,
                        }
                    })
                    .collect()
            })
            .clone()
    }

    /// `get-component`.
    pub(crate) fn component_info(&self, name: &str) -> Option<ComponentInfo> {
        let id = self.find_component(name)?;
        self.component_infos()
            .into_iter()
            .find(|c| c.name == id.name.to_string() && c.version == id.version.to_string())
    }

    /// The component a name (`ns:name`, or `ns:name@version`) refers to: the highest version
    /// when several are composed.
    fn find_component(&self, name: &str) -> Option<ComponentId> {
        let comp = self.composition()?;
        let (name, version) = match name.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (name, None),
        };
        let name = PackageName::parse(name).ok()?;
        comp.provenance
            .components
            .iter()
            .filter(|c| c.name == name && version.is_none_or(|v| c.version.to_string() == v))
            .map(|c| ComponentId::new(c.name.clone(), c.version.clone()))
            .max()
    }

    /// `component-implements`: whether the component exports the interface, named with or
    /// without version.
    pub(crate) fn implements(&self, component: &str, interface: &str) -> bool {
        let Some(id) = self.find_component(component) else {
            return false;
        };
        let Some(entry) = self.entry(&id) else {
            return false;
        };
        entry
            .exports
            .iter()
            .any(|e| e.to_string() == interface || e.unversioned() == interface)
    }

    fn entry(&self, id: &ComponentId) -> Option<&astc_compiler::provenance::ProvenanceEntry> {
        self.composition()?
            .provenance
            .components
            .iter()
            .find(|c| c.name == id.name && c.version == id.version)
    }

    /// The component `target` composed with everything below it, compiled (once per
    /// program).
    fn sub_component(&self, target: &ComponentId) -> Result<Component, String> {
        if let Some(c) = self.program.subs.lock().unwrap().get(target) {
            return Ok(c.clone());
        }
        let comp = self.composition().ok_or("not a composition")?;
        let mut wanted = vec![target.clone()];
        let mut ids: Vec<ComponentId> = Vec::new();
        while let Some(id) = wanted.pop() {
            if ids.contains(&id) {
                continue;
            }
            let entry = self
                .entry(&id)
                .ok_or_else(|| format!("`{id}` is not in the composition"))?;
            wanted.extend(entry.imports.iter().map(|i| i.provider.clone()));
            ids.push(id);
        }
        ids.sort();
        let mut parts = Vec::new();
        for id in &ids {
            let entry = self.entry(id).expect("listed above");
            let range = comp
                .ranges
                .get(&entry.digest)
                .ok_or_else(|| format!("the bytes of `{id}` are not in the composition"))?;
            parts.push(Part {
                id: id.clone(),
                bytes: Bytes::slice(self.program.bytes.clone(), range.clone()),
                digest: entry.digest,
                root: id == target,
                member: false,
                exports: entry.exports.clone(),
                imports: entry
                    .imports
                    .iter()
                    .map(|i| LockedImport {
                        name: i.name.clone(),
                        host: false,
                        provider: Some(i.provider.clone()),
                        export: Some(i.export.clone()),
                    })
                    .collect(),
            });
        }
        let component = if parts.len() == 1 {
            let p = &parts[0];
            cache::load(
                &self.runner.engine,
                self.runner.cache_dir.as_deref(),
                p.bytes.as_slice(),
                &p.digest,
            )
            .map_err(|e| format!("{e:#}"))?
        } else {
            let composed = compose_parts(&parts).map_err(|e| e.to_string())?;
            let bytes = composed.to_vec();
            cache::load(
                &self.runner.engine,
                self.runner.cache_dir.as_deref(),
                &bytes,
                &Digest::of(&bytes),
            )
            .map_err(|e| format!("{e:#}"))?
        };
        self.program
            .subs
            .lock()
            .unwrap()
            .insert(target.clone(), component.clone());
        Ok(component)
    }

    /// `call-component-function`, asterai style: `function` is `interface/func` (the
    /// interface's short or full name) or a world-level `func`; `args` is a JSON array.
    pub(crate) fn call_component_function(
        self: &Arc<Self>,
        component: &str,
        function: &str,
        args: &str,
        depth: u32,
    ) -> Result<String, CallError> {
        use CallErrorKind::*;
        if depth >= MAX_CALL_DEPTH {
            return Err(CallError::new(
                InvocationFailed,
                format!("call depth limit of {MAX_CALL_DEPTH} reached"),
            ));
        }
        let id = self.find_component(component).ok_or_else(|| {
            CallError::new(
                ComponentNotFound,
                format!("no component named `{component}` in this composition"),
            )
        })?;
        let entry = self.entry(&id).expect("found above");
        let target = match function.rsplit_once('/') {
            Some((iface, func)) => {
                let export = entry.exports.iter().find(|e| {
                    e.interface() == iface || e.unversioned() == iface || e.to_string() == iface
                });
                match export {
                    Some(e) => format!("{e}#{func}"),
                    None => {
                        return Err(CallError::new(
                            FunctionNotFound,
                            format!("`{id}` exports no interface `{iface}`"),
                        ));
                    }
                }
            }
            None => function.to_string(),
        };
        let sub = self
            .sub_component(&id)
            .map_err(|e| CallError::new(InvocationFailed, e))?;
        let Some(index) = find_function(&sub, &target) else {
            return Err(CallError::new(
                FunctionNotFound,
                format!("`{id}` exports no function `{function}`"),
            ));
        };
        let mut store = self
            .store(&[], false, Some(id.clone()), depth + 1)
            .map_err(|e| CallError::new(InvocationFailed, e.to_string()))?;
        let instance = self
            .runner
            .linker
            .instantiate(&mut store, &sub)
            .map_err(|e| CallError::new(InvocationFailed, format!("{e:#}")))?;
        let func = instance.get_func(&mut store, index).ok_or_else(|| {
            CallError::new(FunctionNotFound, format!("`{function}` is not a function"))
        })?;
        let ty = func.ty(&store);
        let params = json_params(&ty, args).map_err(|m| CallError::new(InvalidArgs, m))?;
        let mut results = vec![Val::Bool(false); ty.results().len()];
        func.call(&mut store, &params, &mut results).map_err(|e| {
            CallError::new(InvocationFailed, classify(e, &self.sandbox).to_string())
        })?;
        json_results(&ty, &results).map_err(|m| CallError::new(SerializationFailed, m))
    }
}

fn function_infos(i: &astc_compiler::Inspected) -> Vec<FunctionInfo> {
    use wit_types::*;
    let w = &i.resolve.worlds[i.world];
    let mut out = Vec::new();
    let info = |f: &Function, interface: Option<String>| FunctionInfo {
        name: f.name.clone(),
        interface_name: interface,
        description: f.docs.contents.clone(),
        inputs: f
            .params
            .iter()
            .map(|p| ParamInfo {
                name: p.name.clone(),
                type_description: astc_compiler::wit::type_name(&i.resolve, &p.ty),
            })
            .collect(),
        output: f
            .result
            .as_ref()
            .map(|t| astc_compiler::wit::type_name(&i.resolve, t)),
    };
    for (key, item) in &w.exports {
        match (key, item) {
            (WorldKey::Interface(id), WorldItem::Interface { .. }) => {
                let name = i.resolve.id_of(*id);
                for f in i.resolve.interfaces[*id].functions.values() {
                    out.push(info(f, name.clone()));
                }
            }
            (WorldKey::Name(_), WorldItem::Function(f)) => out.push(info(f, None)),
            _ => {}
        }
    }
    out
}

/// The WIT types of `astc_compiler::inspect`'s worlds.
mod wit_types {
    pub use wit_parser::{Function, WorldItem, WorldKey};
}

/// Top-level export names.
fn export_names(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Finds `iface#func` or a world-level `func`; interface lookups accept any semver-compatible
/// version, as wasmtime's do.
fn find_function(component: &Component, target: &str) -> Option<ComponentExportIndex> {
    match target.split_once('#') {
        Some((iface, func)) => {
            let (_, iface_index) = component.get_export(None, iface)?;
            let (item, index) = component.get_export(Some(&iface_index), func)?;
            matches!(item, ComponentItem::ComponentFunc(_)).then_some(index)
        }
        None => {
            let (item, index) = component.get_export(None, target)?;
            matches!(item, ComponentItem::ComponentFunc(_)).then_some(index)
        }
    }
}

fn signature(f: &ComponentFunc) -> String {
    let params: Vec<String> = f
        .params()
        .map(|(n, t)| format!("{n}: {}", json::type_desc(&t)))
        .collect();
    let mut s = format!("func({})", params.join(", "));
    let results: Vec<String> = f.results().map(|t| json::type_desc(&t)).collect();
    if !results.is_empty() {
        let _ = write!(s, " -> {}", results.join(", "));
    }
    s
}

/// "exported functions:" and one `target: signature` line per function.
fn function_list(engine: &Engine, component: &Component) -> String {
    let mut lines = Vec::new();
    for (name, ext) in component.component_type().exports(engine) {
        match ext.ty {
            ComponentItem::ComponentFunc(f) => lines.push(format!("  {name}: {}", signature(&f))),
            ComponentItem::ComponentInstance(i) => {
                for (fname, e) in i.exports(engine) {
                    if let ComponentItem::ComponentFunc(f) = e.ty {
                        lines.push(format!("  {name}#{fname}: {}", signature(&f)));
                    }
                }
            }
            _ => {}
        }
    }
    lines.sort();
    if lines.is_empty() {
        "the component exports no functions".into()
    } else {
        format!("exported functions:\n{}", lines.join("\n"))
    }
}

fn json_params(ty: &ComponentFunc, args: &str) -> Result<Vec<Val>, String> {
    let value: serde_json::Value = if args.trim().is_empty() {
        serde_json::Value::Array(Vec::new())
    } else {
        serde_json::from_str(args).map_err(|e| format!("arguments are not valid JSON: {e}"))?
    };
    let serde_json::Value::Array(items) = value else {
        return Err("arguments must be a JSON array with one element per parameter".into());
    };
    let params: Vec<_> = ty.params().collect();
    if items.len() != params.len() {
        return Err(format!(
            "expected {} argument{}, found {}",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            items.len()
        ));
    }
    params
        .iter()
        .zip(&items)
        .map(|((name, t), v)| json::to_val(t, v, name).map_err(|e| e.to_string()))
        .collect()
}

fn json_results(ty: &ComponentFunc, results: &[Val]) -> Result<String, String> {
    let types: Vec<_> = ty.results().collect();
    let value = match (results, types.as_slice()) {
        ([], _) => serde_json::Value::Null,
        ([one], [t]) => json::from_val(one, t, "result").map_err(|e| e.to_string())?,
        (many, types) => serde_json::Value::Array(
            many.iter()
                .zip(types)
                .map(|(v, t)| json::from_val(v, t, "result"))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?,
        ),
    };
    Ok(value.to_string())
}

fn invoke(
    store: &mut Store<Host>,
    instance: &Instance,
    index: &ComponentExportIndex,
    target: &str,
    args: &CallArgs,
    sandbox: &Sandbox,
) -> Result<String, RunError> {
    let func = instance
        .get_func(&mut *store, index)
        .ok_or_else(|| RunError::NoSuchFunction {
            target: target.to_string(),
            available: String::new(),
        })?;
    let ty = func.ty(&*store);
    let invalid = |message: String| RunError::InvalidArgs {
        target: target.to_string(),
        message,
        help: format!("`{target}` is `{}`", signature(&ty)),
    };
    let params = match args {
        CallArgs::Json(text) => json_params(&ty, text).map_err(invalid)?,
        CallArgs::Wave(text) => {
            use wasmtime::component::wasm_wave::untyped::UntypedFuncCall;
            let call = UntypedFuncCall::parse(text).map_err(|e| invalid(e.to_string()))?;
            let types: Vec<_> = ty.params().map(|(_, t)| t).collect();
            call.to_wasm_params::<Val>(&types)
                .map_err(|e| invalid(e.to_string()))?
        }
    };
    let mut results = vec![Val::Bool(false); ty.results().len()];
    func.call(&mut *store, &params, &mut results)
        .map_err(|e| classify(e, sandbox))?;
    match args {
        CallArgs::Json(_) => json_results(&ty, &results).map_err(|message| RunError::Result {
            target: target.to_string(),
            message,
        }),
        CallArgs::Wave(_) => {
            let parts: Result<Vec<String>, _> = results
                .iter()
                .map(wasmtime::component::wasm_wave::to_string)
                .collect();
            let parts = parts.map_err(|e| RunError::Result {
                target: target.to_string(),
                message: e.to_string(),
            })?;
            Ok(match parts.len() {
                0 => "()".into(),
                1 => parts.into_iter().next().unwrap(),
                _ => format!("({})", parts.join(", ")),
            })
        }
    }
}

fn chain(e: &wasmtime::Error) -> String {
    format!("{e:#}")
}

fn instantiate_error(e: wasmtime::Error, sandbox: &Sandbox) -> RunError {
    match classify(e, sandbox) {
        RunError::Host { message } => RunError::Instantiate { message },
        other => other,
    }
}

/// Names a failure: exit, timeout, stack overflow, limits, trap, or a host error.
fn classify(e: wasmtime::Error, sandbox: &Sandbox) -> RunError {
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
    let root = e.root_cause().to_string();
    if root.contains("forcing trap when growing memory") || root.contains("exceeds memory limits") {
        return RunError::MemoryLimit {
            limit: sandbox.max_memory,
            detail: root,
        };
    }
    if root.contains("forcing trap when growing table")
        || root.contains("resource limit exceeded")
        || root.contains("exceeds table limits")
    {
        let help = if root.contains("instance count") {
            "raise the limit with `--max-instances`, e.g. `--max-instances 100000`".to_string()
        } else if root.contains("memory count") || root.contains("table count") {
            format!(
                "a run may create at most {} linear memories and {} tables",
                sandbox.max_memories, sandbox.max_tables
            )
        } else {
            "raise the limit with `--max-table-elements`, e.g. `--max-table-elements 10000000`"
                .to_string()
        };
        return RunError::ResourceLimit { detail: root, help };
    }
    RunError::Host { message: chain(&e) }
}

/// Interfaces a name refers to in `call` targets: `ns:pkg/iface@x.y.z#func`.
pub fn parse_target(target: &str) -> Result<(Option<InterfaceName>, String), String> {
    match target.split_once('#') {
        Some((iface, func)) => {
            let iface = InterfaceName::parse(iface).map_err(|e| e.to_string())?;
            Ok((Some(iface), func.to_string()))
        }
        None => Ok((None, target.to_string())),
    }
}
