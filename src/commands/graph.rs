use std::process::ExitCode;

use astc_resolver::LockMode;

use super::ProjectArgs;
use crate::ui;

/// How to print the graph.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Graphviz DOT: `astc graph | dot -Tsvg > graph.svg`.
    Dot,
    /// JSON: components, wiring edges and host imports.
    Json,
}

/// Print the composition as a graph: components, versions, and wiring edges labelled by
/// interface.
///
/// Reads astc.lock if there is one (and keeps its versions) but never writes it.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc graph | dot -Tsvg > composition.svg
  astc graph --format json")]
pub struct Args {
    #[command(flatten)]
    project: ProjectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "dot")]
    format: Format,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let project = self.project.load()?;
        let locked = project.lock(LockMode::ReadOnly)?;
        ui::warnings(&locked.resolution.warnings);
        match self.format {
            Format::Dot => ui::print(astc_resolver::graph::dot(&locked.resolution))?,
            Format::Json => ui::print(astc_resolver::graph::json(&locked.resolution))?,
        }
        Ok(ExitCode::SUCCESS)
    }
}
