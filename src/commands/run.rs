use std::path::PathBuf;
use std::process::ExitCode;

use super::sandbox::SandboxArgs;

/// Run a component's `wasi:cli/run` export; its exit code becomes astc's.
///
/// The guest gets only what is granted: no directories, environment variables or network
/// unless given with `--dir`, `--env` and `--allow-http`; memory and time are limited.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc run app.composed.wasm
  astc run app.composed.wasm --dir ./data::/data --env LANG=C -- --verbose input.txt")]
pub struct Args {
    /// The component to run.
    file: PathBuf,
    /// Arguments for the guest (after `--`).
    #[arg(last = true)]
    args: Vec<String>,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let runner = self.sandbox.runner()?;
        let sandbox = self.sandbox.sandbox()?;
        let program = runner.load(&self.file)?;
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "component".into());
        let mut argv = vec![name];
        argv.extend(self.args);
        let code = runner.run(&program, &argv, &sandbox)?;
        Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
    }
}
