use std::process::ExitCode;

use astc_resolver::resolve::Unlock;
use astc_resolver::{PackageName, Warning};

use super::ProjectArgs;
use crate::ui;

/// Move locked components to the newest compatible versions, as `cargo update` does.
///
/// With no NAME every component is re-resolved: each takes the highest version that
/// satisfies every import and requirement. With NAMEs only those are released; every other
/// locked version is kept while it still fits. Each change is printed; `--dry-run` prints
/// them and writes nothing.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc update
  astc update acme:greeter --dry-run
  astc update --manifest env.toml --asterai-store store")]
pub struct Args {
    #[command(flatten)]
    project: ProjectArgs,
    /// Components to update, `namespace:name` [default: all].
    #[arg(value_name = "NAME", value_parser = PackageName::parse)]
    names: Vec<PackageName>,
    /// Print what would change without writing the lock.
    #[arg(long)]
    dry_run: bool,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let project = self.project.load()?;
        let unlock = if self.names.is_empty() {
            Unlock::All
        } else {
            Unlock::Only(self.names.into_iter().collect())
        };
        let updated = project.update(unlock, self.dry_run)?;
        let locked = &updated.locked;
        ui::warnings(&locked.resolution.warnings);
        for change in &updated.changes {
            ui::status(change.verb(), change);
        }
        if updated.changes.is_empty() {
            let n = locked.lock.components.len();
            let what = format!(
                "{n} component{} in {}",
                if n == 1 { "" } else { "s" },
                project.lock_path().display()
            );
            // The versions stay, but the lock may still change (a wiring, a new lock).
            ui::status(
                if locked.changed {
                    "Locked"
                } else {
                    "Unchanged"
                },
                what,
            );
        }
        if self.dry_run {
            ui::warning(&Warning::new(
                "astc::warn::dry_run",
                "aborting update due to dry run",
            ));
        }
        Ok(ExitCode::SUCCESS)
    }
}
