use std::path::PathBuf;
use std::process::ExitCode;

use crate::ui;

use astc_compiler::inspect_file;

/// Show a component's imports and exports with their WIT signatures.
///
/// World-level (bare) functions are marked: only named interfaces can be imported by other
/// components. A component composed by astc also lists what it was composed from.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc inspect build/app.wasm
  astc inspect --verbose app.composed.wasm")]
pub struct Args {
    /// The component file.
    file: PathBuf,
    /// Also list the functions of host interfaces (wasi:*, asterai:host*).
    #[arg(long, short)]
    verbose: bool,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let (_, inspected) = inspect_file(&self.file)?;
        ui::print(inspected.render(self.verbose))?;
        Ok(ExitCode::SUCCESS)
    }
}
