use std::path::PathBuf;
use std::process::ExitCode;

use astc_compiler::build::{default_output, verify};

use super::ProjectArgs;
use crate::ui;

/// Check that a composed component is exactly what astc.lock composes to.
///
/// Re-composes from the lock in memory (failing if the lock is out of date) and compares
/// the result with the existing output byte for byte, then prints its digest. The result
/// depends only on the lock's inputs, never on the time, path or machine: the check a
/// release pipeline or a remote build cache runs.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc verify
  astc verify -o dist/app.wasm")]
pub struct Args {
    #[command(flatten)]
    project: ProjectArgs,
    /// The composed component to check [default: `<name>.composed.wasm` beside the manifest].
    #[arg(short, long, value_name = "OUT.wasm")]
    output: Option<PathBuf>,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let project = self.project.load()?;
        let path = self
            .output
            .clone()
            .unwrap_or_else(|| default_output(&project.manifest));
        let verified = ui::spin("Verifying", || verify(&project, &path))?;
        ui::print(format_args!("{}\n", verified.digest))?;
        ui::status(
            "Verified",
            format!(
                "{} is what astc.lock composes to ({} components)",
                path.display(),
                verified.components
            ),
        );
        Ok(ExitCode::SUCCESS)
    }
}
