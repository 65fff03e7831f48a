use std::process::ExitCode;

use astc_compiler::build::check_project;

use super::ProjectArgs;
use crate::ui;

/// Resolve the project and type-check every import against the export wired to it.
///
/// Writes nothing. Reports every mismatch, each with the importing component, the interface,
/// the function and the path inside the type.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc check
  astc check --manifest app/astc.toml --locked")]
pub struct Args {
    #[command(flatten)]
    project: ProjectArgs,
    /// Fail if astc.lock is missing or out of date.
    #[arg(long)]
    locked: bool,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let project = self.project.load_locked(self.locked)?;
        let checked = check_project(&project, self.locked)?;
        ui::warnings(&checked.resolution.warnings);
        let n = checked.resolution.components.len();
        let wires: usize = checked
            .resolution
            .components
            .iter()
            .map(|c| c.imports.iter().filter(|i| !i.host).count())
            .sum();
        ui::status(
            "Checked",
            format!(
                "{n} component{}, {wires} import{} wired",
                if n == 1 { "" } else { "s" },
                if wires == 1 { "" } else { "s" }
            ),
        );
        if checked.lock_changed {
            ui::status(
                "Note",
                "astc.lock is out of date; `astc lock` or `astc compose` updates it",
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
