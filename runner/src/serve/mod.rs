//! `astc serve`: one program served, for as long as the process runs, to HTTP clients
//! (asterai's call API), to `wasi:http` clients (when the component handles HTTP), and to
//! AI agents (MCP).
//!
//! Every call runs as `astc call` does: a fresh store from the program's pre-linked
//! component, with the sandbox's grants and limits and its own deadline, on a blocking
//! thread; at most `max_concurrency` run at once. Nothing is shared between calls but what
//! the component keeps through granted capabilities. A failed call (bad input, a trap, a
//! limit) is one error response; the server goes on.
//!
//! Connections are served by hyper with a header-read timeout, so a slow client cannot hold
//! a connection open without sending; bodies are read with a size limit and a timeout. On
//! shutdown the listener closes, connections finish their requests in flight (up to a grace
//! period), then [`serve`] returns.

mod call_api;
mod mcp;
mod proxy;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::input;
use crate::schedule::Scheduler;
use crate::websocket::{Connections, Deliver, Event};
use crate::{CallArgs, Program, RunError, Runner, Sandbox};

/// How a server behaves.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Calls running at once; more wait for a free slot.
    pub max_concurrency: usize,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// How long a client may take to send a request's headers, or its body.
    pub read_timeout: Duration,
    /// How long calls in flight may take to finish after shutdown begins.
    pub grace: Duration,
    /// The bearer token the call API requires (asterai's `ASTERAI_RUNTIME_SECRET`).
    pub secret: Option<String>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_concurrency: std::thread::available_parallelism()
                .map(|n| n.get() * 4)
                .unwrap_or(8),
            max_body: 16 << 20,
            read_timeout: Duration::from_secs(30),
            grace: Duration::from_secs(30),
            secret: None,
        }
    }
}

/// What every request handler shares.
pub(crate) struct Shared {
    pub(crate) runner: Runner,
    pub(crate) program: Program,
    pub(crate) sandbox: Sandbox,
    pub(crate) options: ServeOptions,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) proxy: Option<proxy::Proxy>,
}

impl Shared {
    /// Runs `f` on a blocking thread once a concurrency slot is free. The slot is held by
    /// the call itself, not by the request waiting for it: a client that goes away does not
    /// free a slot its call still occupies.
    pub(crate) async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Shared) -> T + Send + 'static,
    ) -> Result<T, ServeError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ServeError::Closing)?;
        let shared = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&shared)
        })
        .await
        .map_err(|e| ServeError::Internal(format!("the call panicked: {e}")))
    }

    /// Calls `function` of `component` for the server itself (a schedule firing, a
    /// WebSocket delivery), as any call of the server; the failure as text, for the log.
    pub(crate) async fn call_in_background(
        self: &Arc<Self>,
        component: &str,
        function: &str,
        args: CallArgs,
    ) -> Result<crate::CallOutput, String> {
        let (component, function) = (component.to_string(), function.to_string());
        match self
            .blocking(move |s| {
                s.runner
                    .call_component(&s.program, &component, &function, &args, &s.sandbox)
            })
            .await
        {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Why a server cannot start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StartError {
    /// The component offers nothing to serve.
    #[error("`{program}` exports nothing `astc serve` can serve")]
    #[diagnostic(
        code(astc::serve::nothing_to_serve),
        help(
            "astc serve calls exported functions (through the call API and MCP) and handles HTTP \
             for a component exporting `wasi:http/incoming-handler@0.2.x`; this component \
             exports neither"
        )
    )]
    NothingToServe {
        /// The program.
        program: String,
    },
    /// The address cannot be listened on.
    #[error("cannot listen on `{addr}`")]
    #[diagnostic(
        code(astc::serve::listen),
        help("pick another address or port with `--listen`; `127.0.0.1:0` picks a free port")
    )]
    Listen {
        /// The address asked for.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// MCP over stdio failed.
    #[error("MCP over stdio failed: {message}")]
    #[diagnostic(code(astc::serve::mcp))]
    Mcp {
        /// Why.
        message: String,
    },
    /// The runner failed to prepare the component.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] RunError),
}

/// A request that failed before or around a call, as the HTTP status it is answered with.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServeError {
    #[error("the server is shutting down")]
    Closing,
    #[error("{0}")]
    Internal(String),
}

impl IntoResponse for ServeError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            ServeError::Closing => (
                StatusCode::SERVICE_UNAVAILABLE,
                "astc::serve::closing",
                "the server is shutting down".to_string(),
            ),
            ServeError::Internal(m) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "astc::serve::internal",
                m,
            ),
        };
        call_api::error_response(status, code, &message, None)
    }
}

/// A server for `program`, ready to [`Server::serve`].
pub struct Server {
    shared: Arc<Shared>,
    agent: mcp::Agent,
    /// Ends MCP requests in flight and the firing of schedules at shutdown.
    stop: CancellationToken,
}

impl Server {
    /// Prepares `program`: links it once, and finds what it can serve.
    pub fn new(
        runner: Runner,
        program: Program,
        sandbox: Sandbox,
        options: ServeOptions,
        program_name: &str,
    ) -> Result<Server, StartError> {
        let proxy = proxy::Proxy::new(&runner, &program)?;
        let inspected = program.data.input.inspect().map_err(|e| match e {
            input::Inspect::Read(e) => e,
            input::Inspect::Invalid(e) => RunError::Engine {
                what: "read the component's WIT",
                message: e.to_string(),
            },
        })?;
        let functions = astc_compiler::schema::exported_functions(&inspected);
        if proxy.is_none() && functions.is_empty() {
            return Err(StartError::NothingToServe {
                program: program_name.to_string(),
            });
        }
        // While served, `asterai:host-cron` schedules are kept, and fired by `serve`.
        let _ = program.data.scheduler.set(Scheduler::default());
        let shared = Arc::new(Shared {
            permits: Arc::new(Semaphore::new(options.max_concurrency.max(1))),
            runner,
            program,
            sandbox,
            options,
            proxy,
        });
        Ok(Server {
            agent: mcp::Agent::new(shared.clone(), functions),
            shared,
            stop: CancellationToken::new(),
        })
    }

    /// Speaks MCP on stdin and stdout until the client closes stdin.
    pub fn run_stdio(self) -> Result<(), StartError> {
        use rmcp::ServiceExt;
        let io_error = |e: &dyn std::fmt::Display| StartError::Mcp {
            message: e.to_string(),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| io_error(&e))?;
        let served = runtime.block_on(async {
            self.start_background();
            let running = self
                .agent
                .clone()
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| io_error(&e))?;
            running.waiting().await.map_err(|e| io_error(&e))?;
            self.stop.cancel();
            Ok(())
        });
        runtime.shutdown_background();
        served
    }

    /// Listens on `addr`, tells `on_listening` the address bound (the port picked, for
    /// port 0), and serves until SIGINT or SIGTERM.
    pub fn run_until_signal(
        self,
        addr: &str,
        on_listening: impl FnOnce(SocketAddr),
    ) -> Result<(), StartError> {
        let listen_error = |source| StartError::Listen {
            addr: addr.to_string(),
            source,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(listen_error)?;
        let served = runtime.block_on(async {
            let listener = TcpListener::bind(addr).await.map_err(listen_error)?;
            on_listening(listener.local_addr().map_err(listen_error)?);
            self.serve(listener, shutdown_signal())
                .await
                .map_err(listen_error)
        });
        // Calls still running after the grace period (a guest blocked past its deadline)
        // do not hold the exit.
        runtime.shutdown_background();
        served
    }

    /// Starts what runs beside requests, on the current runtime: schedules firing, and
    /// WebSocket connections delivering to the components that opened them.
    fn start_background(&self) {
        tokio::spawn(fire_schedules(self.shared.clone(), self.stop.clone()));
        // Weak: the connections belong to the program the shared state holds.
        let weak = Arc::downgrade(&self.shared);
        let deliver: Deliver = Arc::new(move |owner, id, event| {
            let weak = weak.clone();
            Box::pin(async move {
                let Some(shared) = weak.upgrade() else { return };
                deliver_ws(shared, owner, id, event).await;
            })
        });
        let connections = Connections::new(
            tokio::runtime::Handle::current(),
            deliver,
            self.stop.clone(),
        );
        let _ = self.shared.program.data.connections.set(connections);
    }

    fn router(&self, local: SocketAddr) -> Router {
        let shared = self.shared.clone();
        let agent = self.agent.clone();
        // Stateless: every request stands alone (tools need no session), so the server
        // keeps nothing per client and answers with plain JSON.
        let mut config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(false)
            .with_json_response(true)
            .with_cancellation_token(self.stop.child_token())
            .with_max_request_body_bytes(shared.options.max_body);
        // rmcp refuses Host headers other than loopback names (against DNS rebinding); a
        // server listening on another address is reached by other names.
        if !local.ip().is_loopback() {
            config = config.disable_allowed_hosts();
        }
        let mcp = StreamableHttpService::new(
            move || Ok(agent.clone()),
            Arc::new(NeverSessionManager::default()),
            config,
        );
        let mcp =
            Router::new()
                .nest_service("/mcp", mcp)
                .layer(axum::middleware::from_fn_with_state(
                    shared.clone(),
                    call_api::require_token,
                ));
        let router = call_api::routes()
            .route("/v1/{*rest}", axum::routing::any(not_found))
            .merge(mcp);
        match &shared.proxy {
            Some(_) => router.fallback(proxy::handle).with_state(shared),
            None => router.fallback(not_found).with_state(shared),
        }
    }

    /// Serves on `listener` until `shutdown` completes, then lets requests in flight finish
    /// for the grace period.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        let local = listener.local_addr()?;
        let router = self.router(local);
        self.start_background();
        let options = &self.shared.options;
        let graceful = GracefulShutdown::new();
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(options.read_timeout);
        tokio::pin!(shutdown);
        loop {
            let (stream, _peer): (_, SocketAddr) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    // A failed accept (a client gone, too many files open) is not the
                    // server's end: wait a little and go on.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            // Responses are written as they come (headers, then the body as the component
            // writes it): without NODELAY, Nagle's algorithm would hold each small write
            // back until the client's delayed ACK, 40 ms.
            let _ = stream.set_nodelay(true);
            let service = TowerToHyperService::new(router.clone());
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                // A connection that ends badly (a client that goes away mid-request) ends
                // only itself.
                let _ = conn.await;
            });
        }
        drop(listener);
        // Calls in flight (MCP's too) finish within the grace period; then schedules,
        // connections and MCP requests still open end.
        let _ = tokio::time::timeout(options.grace, graceful.shutdown()).await;
        self.stop.cancel();
        self.shared.permits.close();
        Ok(())
    }
}

async fn not_found(uri: axum::http::Uri) -> Response {
    call_api::error_response(
        StatusCode::NOT_FOUND,
        "astc::serve::not_found",
        &format!("nothing is served at `{}`", uri.path()),
        Some(
            "the call API is `POST /v1/environment/{ns}/{name}/call`, health is `GET /health`; \
             this component does not handle other HTTP requests (it does not export \
             wasi:http/incoming-handler)",
        ),
    )
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// Fires the program's `asterai:host-cron` schedules until `stop`: each firing calls the
/// schedule's function with its arguments, as a call of the server (a fresh instance, the
/// sandbox's limits, a concurrency slot), and logs the outcome on stderr, as asterai does.
async fn fire_schedules(shared: Arc<Shared>, stop: CancellationToken) {
    let Some(scheduler) = shared.program.data.scheduler.get().cloned() else {
        return;
    };
    loop {
        let (due, next) = scheduler.due(chrono::Utc::now());
        for info in due {
            let shared = shared.clone();
            let scheduler = scheduler.clone();
            tokio::spawn(async move {
                let args = CallArgs::Json(info.args.clone());
                let result = match shared
                    .call_in_background(&info.component, &info.function, args)
                    .await
                {
                    Ok(out) => out.result,
                    Err(e) => format!("failed: {e}"),
                };
                eprintln!(
                    "schedule {} (`{}`): {} {} -> {result}",
                    info.id, info.cron, info.component, info.function
                );
                scheduler.finished(info.id);
            });
        }
        // Sleep until the next one is due, or a schedule is added or cancelled.
        let wait = match next {
            Some(t) => (t - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO),
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = scheduler.changed() => {}
            () = stop.cancelled() => return,
        }
    }
}

/// Calls `owner`'s `asterai:host-ws/incoming-handler` with `event` of connection `id`, as a
/// call of the server; a failure is logged on stderr.
async fn deliver_ws(shared: Arc<Shared>, owner: String, id: u64, event: Event) {
    let (function, args) = match event {
        Event::Open => ("on-open", serde_json::json!([id])),
        Event::Message(data) => ("on-message", serde_json::json!([id, data])),
        Event::Close(code, reason) => ("on-close", serde_json::json!([id, code, reason])),
        Event::Error(message) => ("on-error", serde_json::json!([id, message])),
    };
    let target = format!("asterai:host-ws/incoming-handler@0.1.0#{function}");
    let args = CallArgs::Json(args.to_string());
    let Err(failure) = shared.call_in_background(&owner, &target, args).await else {
        return;
    };
    eprintln!("ws connection {id}: {owner} {function} failed: {failure}");
}
