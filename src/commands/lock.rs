use std::process::ExitCode;

use astc_resolver::LockMode;

use super::ProjectArgs;
use crate::ui;

/// Resolve the project's components and write `astc.lock`.
///
/// Versions already in the lock are kept while they still satisfy every import and
/// requirement; otherwise the highest compatible version wins.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc lock
  astc lock --manifest app/astc.toml --locked")]
pub struct Args {
    #[command(flatten)]
    project: ProjectArgs,
    /// Fail instead of changing astc.lock.
    #[arg(long)]
    locked: bool,
    /// Also write a Make-style depfile listing every file read.
    #[arg(long, value_name = "PATH")]
    depfile: Option<std::path::PathBuf>,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let project = self.project.load_locked(self.locked)?;
        let mode = if self.locked {
            LockMode::Locked
        } else {
            LockMode::Update
        };
        if let Some(depfile) = &self.depfile {
            astc_compiler::build::check_writable(
                depfile,
                &[&project.manifest.path, &project.lock_path()],
            )?;
            astc_compiler::build::refuse_stores(&project, &[depfile])?;
        }
        let locked = project.lock(mode)?;
        ui::warnings(&locked.resolution.warnings);
        if let Some(depfile) = &self.depfile {
            astc_compiler::build::write_depfile_for(
                depfile,
                &[project.lock_path()],
                &project.inputs(&locked.resolution),
            )?;
        }
        let n = locked.lock.components.len();
        let what = format!(
            "{n} component{} in {}",
            if n == 1 { "" } else { "s" },
            project.lock_path().display()
        );
        if locked.written {
            ui::status("Locked", what);
        } else {
            ui::status("Unchanged", what);
        }
        Ok(ExitCode::SUCCESS)
    }
}
