//! What a guest may do ([`Sandbox`]), and the fresh store each invocation (and each nested
//! `call-component-function`) runs in: its WASI context, its limits, its own deadline.
//!
//! Stores share nothing but the [`Invocation`] they belong to, so calls on one
//! [`Runner`](crate::Runner) from several threads cannot see one another.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use astc_resolver::ComponentId;
use wasmtime::Store;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::deadline::{self, Ticking};
use crate::http::HttpPolicy;
use crate::keyvalue::KvStore;
use crate::limits::Limiter;
use crate::{ProgramData, RunError, RunnerData};

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
    /// Environment variables the guest sees, besides (and over) a composition's own.
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
    /// The key-value store of `wasi:keyvalue`: in memory unless opened from a directory
    /// (`--kv`). Clones share it.
    pub kv: KvStore,
    /// The buckets the guest may open (`--kv-bucket`); empty for any.
    pub kv_buckets: Vec<String>,
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
            kv: KvStore::memory(),
            kv_buckets: Vec::new(),
        }
    }
}

/// One invocation (`run` or `call`): what all its stores share.
pub(crate) struct Invocation {
    pub(crate) runner: Arc<RunnerData>,
    pub(crate) program: Arc<ProgramData>,
    pub(crate) sandbox: Sandbox,
    /// When the invocation's time is up, for every store of it.
    deadline: Option<Instant>,
    /// Guest stdout goes to stderr (`call`, whose stdout is the result).
    stdout_to_stderr: bool,
    /// Print responses as they arrive (`run`) rather than only collecting them.
    pub(crate) echo_responses: bool,
    /// Responses sent with `asterai:host/api@0.1.0#send-response`.
    pub(crate) responses: Mutex<Vec<String>>,
}

impl Invocation {
    /// Starts an invocation now: its deadline runs from here.
    pub(crate) fn new(
        runner: Arc<RunnerData>,
        program: Arc<ProgramData>,
        sandbox: &Sandbox,
        call: bool,
    ) -> Result<Arc<Self>, RunError> {
        if sandbox.timeout.is_some() && runner.ticker.is_none() && !runner.watchdog_only {
            return Err(RunError::Engine {
                what: "enforce the timeout",
                message: "the runner was built without timeouts".into(),
            });
        }
        Ok(Arc::new(Invocation {
            runner,
            program,
            sandbox: sandbox.clone(),
            deadline: deadline::deadline(sandbox.timeout),
            stdout_to_stderr: call,
            echo_responses: !call,
            responses: Mutex::default(),
        }))
    }

    /// A fresh store for this invocation, running `current` (a component of the composition,
    /// if known) at call depth `depth`, with `args` and, if `stdin`, the host's stdin.
    pub(crate) fn store(
        self: &Arc<Self>,
        args: &[String],
        stdin: bool,
        current: Option<ComponentId>,
        depth: u32,
    ) -> Result<Store<Host>, RunError> {
        let sandbox = &self.sandbox;
        let mut wasi = WasiCtxBuilder::new();
        wasi.args(args);
        // A composition's own variables (an asterai environment's `[vars]`), then the
        // sandbox's: an explicit `--env` wins over a variable of the same name.
        let mut env: Vec<(&str, &str)> = Vec::new();
        if let Some(c) = &self.program.composition {
            env.extend(
                c.provenance
                    .vars
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            );
        }
        for (k, v) in &sandbox.env {
            env.retain(|(name, _)| name != k);
            env.push((k, v));
        }
        for (k, v) in env {
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
        let host = Host {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            http_policy: HttpPolicy::new(&sandbox.allow_http),
            limiter: Limiter::new(sandbox),
            invocation: self.clone(),
            current,
            depth,
            _ticking: None,
        };
        let mut store = Store::new(&self.runner.engine, host);
        store.limiter(|h| &mut h.limiter);
        let ticking =
            deadline::set_deadline(&mut store, self.runner.ticker.as_ref(), self.deadline);
        store.data_mut()._ticking = ticking;
        Ok(store)
    }
}

/// The store's data: everything host functions need.
pub(crate) struct Host {
    wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    http: WasiHttpCtx,
    pub(crate) http_policy: HttpPolicy,
    pub(crate) limiter: Limiter,
    /// The invocation this store belongs to, for nested calls and responses.
    pub(crate) invocation: Arc<Invocation>,
    /// The component this store runs, when it is part of a composition.
    pub(crate) current: Option<ComponentId>,
    /// How deep in `call-component-function` this store is.
    pub(crate) depth: u32,
    /// Keeps the epoch ticker running while this store has a deadline.
    _ticking: Option<Ticking>,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_policy,
        }
    }
}
