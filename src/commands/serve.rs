use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use astc_runner::serve::{ServeOptions, Server};

use super::sandbox::{SandboxArgs, parse_duration, parse_size};
use crate::ui;

/// Serve a component for as long as the process runs: asterai's call API, MCP and wasi:http.
///
/// Routes: `GET /health` answers `ok`; `POST /v1/environment/{ns}/{name}/call` with
/// `{"component": "ns:name", "function": "iface/func", "args": [...]}` calls a function and
/// answers `{"output": ...}` (asterai's call API; `{ns}/{name}` is the composition's name);
/// `/mcp` is MCP's streamable HTTP transport, every exported function a tool; a component
/// exporting `wasi:http/incoming-handler` handles every other request. With `--mcp`, MCP is
/// spoken on stdin and stdout instead.
///
/// Each call runs as `astc call` does, in a fresh sandbox with the grants and limits given
/// here; at most `--max-concurrency` run at once. With ASTERAI_RUNTIME_SECRET set, the call
/// API requires it as a bearer token. SIGINT or SIGTERM stops accepting, lets calls in
/// flight finish for `--grace`, and exits 0.
#[derive(Debug, clap::Args)]
#[command(after_help = r#"Examples:
  astc serve shop.wasm
  astc serve shop.wasm --listen 0.0.0.0:8080 --allow-http api.example.com
  astc serve shop.wasm --mcp
  curl -s localhost:8080/v1/environment/example/burger-shop/call \
    -d '{"component": "example:burger-shop", "function": "api/order-burger", "args": [...]}'"#)]
pub struct Args {
    /// The component to serve.
    file: PathBuf,
    /// Speak MCP on stdin and stdout instead of serving HTTP (for an agent that starts the
    /// server itself).
    #[arg(long, conflicts_with = "listen")]
    mcp: bool,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Calls running at once; more wait for a slot [default: 4 per CPU].
    #[arg(long, value_name = "N")]
    max_concurrency: Option<usize>,
    /// The largest request body accepted, e.g. `16MiB`.
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = parse_size)]
    max_body: usize,
    /// How long a client may take to send a request's headers, or its body.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    read_timeout: Duration,
    /// How long calls in flight may take to finish once SIGINT or SIGTERM arrives.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    grace: Duration,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let sandbox = self.sandbox.sandbox()?;
        let runner = self.sandbox.server_runner(&sandbox)?;
        let program = runner.load(&self.file)?;
        let mut options = ServeOptions {
            max_body: self.max_body,
            read_timeout: self.read_timeout,
            grace: self.grace,
            // asterai's runtime reads the same variable; an empty one means none.
            secret: std::env::var("ASTERAI_RUNTIME_SECRET")
                .ok()
                .filter(|s| !s.is_empty()),
            ..ServeOptions::default()
        };
        if let Some(n) = self.max_concurrency {
            options.max_concurrency = n;
        }
        let server = Server::new(
            runner,
            program,
            sandbox,
            options,
            &self.file.display().to_string(),
        )?;
        if self.mcp {
            server.run_stdio()?;
            return Ok(ExitCode::SUCCESS);
        }
        server.run_until_signal(&self.listen, |addr| {
            // One line, flushed, so a script can wait for it and read the port.
            let _ = ui::print(format_args!("http://{addr}\n"));
        })?;
        Ok(ExitCode::SUCCESS)
    }
}
