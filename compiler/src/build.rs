//! The whole pipeline for a project: resolve, check, compose, write.
//!
//! `astc check` runs the first two steps and writes nothing. `astc compose` runs all four
//! and writes the output and `astc.lock` only once everything succeeded, each atomically: a
//! failed run leaves both files as they were.

use std::path::{Path, PathBuf};

use astc_resolver::fs::write_atomic;
use astc_resolver::{Digest, LockMode, Lockfile, Project, ProjectError, Resolution};

use crate::check::{CheckError, Decoded, check};
use crate::compose::{ComposeError, Composed, compose};

/// Why a build failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BuildError {
    /// Loading or resolving the project failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Project(#[from] ProjectError),
    /// Type checking failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckError),
    /// Composition failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Compose(#[from] ComposeError),
    /// Writing an output failed.
    #[error("failed to write `{}`", path.display())]
    #[diagnostic(
        code(astc::compose::io),
        help("check that the directory exists and is writable, or choose another path with `-o`")
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A project that resolved and type-checked.
pub struct Checked {
    /// The resolution.
    pub resolution: Resolution,
    /// The lock it gives.
    pub lock: Lockfile,
    /// Whether that lock differs from `astc.lock`.
    pub lock_changed: bool,
}

/// Resolves `project` (keeping locked versions; with `locked`, failing if the lock would
/// change) and type-checks every import. Writes nothing.
pub fn check_project(project: &Project, locked: bool) -> Result<Checked, BuildError> {
    let mode = if locked {
        LockMode::Locked
    } else {
        LockMode::ReadOnly
    };
    let mut result = project.lock(mode)?;
    let decoded = Decoded::new(&result.resolution)?;
    let warnings = check(&result.resolution, &decoded, &project.registry)?;
    result.resolution.warnings.extend(warnings);
    Ok(Checked {
        lock_changed: result.changed,
        resolution: result.resolution,
        lock: result.lock,
    })
}

/// What [`compose_project`] produced.
pub struct Built {
    /// The checked project.
    pub checked: Checked,
    /// The composed component.
    pub composed: Composed,
    /// Where it was written, if it was.
    pub output: Option<PathBuf>,
    /// The digest of the output.
    pub digest: Digest,
    /// Whether `astc.lock` was written.
    pub lock_written: bool,
}

/// The default output path: `<name>.composed.wasm` beside the manifest.
pub fn default_output(project: &Project) -> PathBuf {
    project
        .manifest
        .dir()
        .join(format!("{}.composed.wasm", project.manifest.name.name()))
}

/// Where [`compose_project`] puts the output.
pub enum Output<'a> {
    /// A file, written atomically.
    File(&'a Path),
    /// Nowhere: the caller takes the bytes.
    Memory,
}

/// Checks and composes `project`, then writes the output and `astc.lock`.
pub fn compose_project(
    project: &Project,
    locked: bool,
    output: Output<'_>,
) -> Result<Built, BuildError> {
    let checked = check_project(project, locked)?;
    let composed = compose(&checked.resolution)?;
    let digest = Digest::of(&composed.bytes);
    let output = match output {
        Output::File(path) => {
            write_atomic(path, &composed.bytes).map_err(|source| BuildError::Write {
                path: path.to_path_buf(),
                source,
            })?;
            Some(path.to_path_buf())
        }
        Output::Memory => None,
    };
    let lock_written = if locked {
        false
    } else {
        checked
            .lock
            .write(&project.lock_path())
            .map_err(ProjectError::from)?
    };
    Ok(Built {
        checked,
        composed,
        output,
        digest,
        lock_written,
    })
}
