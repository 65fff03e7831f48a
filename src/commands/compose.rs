use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use astc_compiler::build::{
    Output, compose_key, compose_project, default_output, is_fresh, record_fresh,
};
use astc_resolver::{FileDigests, Manifest};

use super::ProjectArgs;
use crate::diagnostic::Error;
use crate::ui;

/// Resolve, type-check and fuse the project into one self-contained component.
///
/// Writes the output (default `<name>.composed.wasm` beside the manifest) and astc.lock,
/// each atomically and only if everything succeeded. The same inputs always give the same
/// bytes. When nothing changed since the last compose (every input and output has the
/// digest recorded then), it does nothing and says so.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc compose
  astc compose -o dist/app.wasm --locked --depfile dist/app.wasm.d
  astc compose -o - > app.wasm")]
pub struct Args {
    #[command(flatten)]
    project: ProjectArgs,
    /// Where to write the composed component; `-` writes it to standard output.
    #[arg(short, long, value_name = "OUT.wasm")]
    output: Option<PathBuf>,
    /// Fail if astc.lock is missing or out of date, and never write it.
    #[arg(long)]
    locked: bool,
    /// Also write a Make-style depfile listing every file read.
    #[arg(long, value_name = "PATH")]
    depfile: Option<PathBuf>,
    /// Compose even if nothing changed since the last run.
    #[arg(long)]
    force: bool,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let to_stdout = self.output.as_deref() == Some(std::path::Path::new("-"));
        if to_stdout && std::io::stdout().is_terminal() {
            return Err(Error::usage(
                "astc::usage::binary_to_terminal",
                "refusing to write a binary component to a terminal".into(),
                "redirect standard output to a file, or pass `-o FILE`",
            ));
        }
        let options = self.project.options();
        let manifest = Manifest::load(&self.project.manifest)?;
        let path = self
            .output
            .clone()
            .unwrap_or_else(|| default_output(&manifest));
        let key = compose_key(&self.project.manifest, &path, &options, self.locked);
        let depfile_ok = self.depfile.as_ref().is_none_or(|d| d.exists());
        let digests = FileDigests::new(options.cache_dir.as_deref());
        if !to_stdout && !self.force && depfile_ok && is_fresh(&manifest, &key, &digests) {
            ui::status(
                "Fresh",
                format!("{} is up to date (no input changed)", path.display()),
            );
            return Ok(ExitCode::SUCCESS);
        }

        let project = self.project.load_locked(self.locked)?;
        let output = if to_stdout {
            Output::Memory
        } else {
            Output::File(&path)
        };
        let built = ui::spin("Composing", || {
            compose_project(&project, self.locked, output, self.depfile.as_deref())
        })?;
        ui::warnings(&built.checked.resolution.warnings);
        if to_stdout {
            let mut out = std::io::stdout().lock();
            built.composed.write_to(&mut out).map_err(Error::output)?;
            out.flush().map_err(Error::output)?;
        }
        if !to_stdout {
            record_fresh(&project, &built, &key, &digests);
        }
        let n = built.checked.resolution.components.len();
        ui::status(
            "Composed",
            format!(
                "{n} component{} into {} ({} bytes, {})",
                if n == 1 { "" } else { "s" },
                if to_stdout {
                    "standard output".to_string()
                } else {
                    path.display().to_string()
                },
                built.composed.len(),
                built.digest
            ),
        );
        if built.lock_written {
            ui::status("Locked", project.lock_path().display());
        }
        Ok(ExitCode::SUCCESS)
    }
}
