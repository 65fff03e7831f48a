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
  astc inspect --verbose app.composed.wasm
  astc inspect --format json app.composed.wasm")]
pub struct Args {
    /// The component file.
    file: PathBuf,
    /// Also list the functions of host interfaces (wasi:*, asterai:host*).
    #[arg(long, short)]
    verbose: bool,
    /// `text` for people; `json` for tools, with every callable function's JSON Schemas
    /// (the tools `astc serve` offers AI agents).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// How `inspect` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let (_, inspected) = inspect_file(&self.file)?;
        match self.format {
            Format::Text => ui::print(inspected.render(self.verbose))?,
            Format::Json => {
                let json = serde_json::to_string_pretty(&inspected.to_json())
                    .expect("JSON values serialize");
                ui::print(format_args!("{json}\n"))?;
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
