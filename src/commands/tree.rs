use std::process::ExitCode;

use astc_resolver::LockMode;

use super::ProjectArgs;
use crate::ui;

/// Print the resolved dependency tree: each component with the interfaces it provides.
///
/// Reads astc.lock if there is one (and keeps its versions) but never writes it.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc tree
  astc tree --manifest env.toml")]
pub struct Args {
    #[command(flatten)]
    project: ProjectArgs,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let project = self.project.load()?;
        let locked = project.lock(LockMode::ReadOnly)?;
        ui::warnings(&locked.resolution.warnings);
        ui::print(astc_resolver::tree::render(&locked.resolution))?;
        Ok(ExitCode::SUCCESS)
    }
}
