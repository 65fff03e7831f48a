//! The whole pipeline for a project: resolve, check, compose, write.
//!
//! `astc check` runs the first two steps and writes nothing. `astc compose` runs all four
//! and writes the output and `astc.lock` only once everything succeeded, each atomically: a
//! failed run leaves both files as they were.

use std::path::{Path, PathBuf};

use std::io::Write as _;

use astc_resolver::fs::write_atomic_with;
use astc_resolver::{
    Digest, LockMode, Lockfile, Manifest, Project, ProjectError, ProjectOptions, Resolution,
};

use crate::check::{CheckError, Decoded, check};
use crate::compose::{ComposeError, Composed, compose};
use crate::stamp;

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
    /// `astc verify`: the output differs from what the lock composes to.
    #[error(
        "`{}` is not what astc.lock composes to: expected {expected}, found {found}",
        path.display()
    )]
    #[diagnostic(
        code(astc::verify::differs),
        help(
            "an input or the output changed since it was composed; run `astc compose --locked` to rebuild it from the lock"
        )
    )]
    Differs {
        /// The output checked.
        path: PathBuf,
        /// The digest composing from the lock gives.
        expected: Digest,
        /// The digest of the file.
        found: Digest,
    },
    /// `astc verify`: the output could not be read.
    #[error("failed to read `{}`", path.display())]
    #[diagnostic(
        code(astc::verify::io),
        help("compose it first with `astc compose --locked`, or pass its path with `-o`")
    )]
    ReadOutput {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
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
pub fn default_output(manifest: &Manifest) -> PathBuf {
    manifest
        .dir()
        .join(format!("{}.composed.wasm", manifest.name.name()))
}

/// Where [`compose_project`] puts the output.
pub enum Output<'a> {
    /// A file, written atomically.
    File(&'a Path),
    /// Nowhere: the caller takes the bytes.
    Memory,
}

/// The identity of a compose invocation for the no-op check: what decides its result
/// besides the files it reads.
pub fn compose_key(
    manifest: &Path,
    output: &Path,
    options: &ProjectOptions,
    locked: bool,
) -> String {
    format!(
        "manifest={}\noutput={}\nregistry={:?}\nasterai-store={:?}\nlocked={locked}",
        manifest.display(),
        output.display(),
        options.registry,
        options.asterai_store
    )
}

/// Where the no-op stamp of a compose with `key` is kept.
pub fn stamp_path(manifest: &Manifest, key: &str) -> PathBuf {
    stamp::path(manifest.dir(), key)
}

/// Whether the compose with `key` has nothing to do: every file it read and wrote last
/// time is unchanged. Reads no component.
pub fn is_fresh(manifest: &Manifest, key: &str) -> bool {
    stamp::is_fresh(&stamp_path(manifest, key), key)
}

/// Records what a successful compose read and wrote, for [`is_fresh`].
pub fn record_fresh(project: &Project, built: &Built, key: &str) {
    let Some(output) = &built.output else {
        return;
    };
    let resolution = &built.checked.resolution;
    let digests: std::collections::BTreeMap<&Path, Digest> = resolution
        .components
        .iter()
        .map(|c| (c.path.as_path(), c.digest))
        .collect();
    let mut files: Vec<(PathBuf, Option<Digest>)> = project
        .inputs(resolution)
        .into_iter()
        .map(|p| {
            let d = digests.get(p.as_path()).copied();
            (p, d)
        })
        .collect();
    files.push((output.clone(), Some(built.digest)));
    let lock = project.lock_path();
    if !files.iter().any(|(p, _)| *p == lock) {
        files.push((lock, None));
    }
    stamp::record(
        &stamp_path(&project.manifest, key),
        key,
        &files,
        &project.input_dirs(resolution),
    );
}

/// Writes a Make-style depfile naming the output and lock as targets and every input.
pub fn write_depfile(project: &Project, built: &Built, depfile: &Path) -> Result<(), BuildError> {
    let mut targets: Vec<PathBuf> = built.output.iter().cloned().collect();
    targets.push(project.lock_path());
    write_depfile_for(
        depfile,
        &targets,
        &project.inputs(&built.checked.resolution),
    )
}

/// Writes a depfile with `targets` depending on `inputs`.
pub fn write_depfile_for(
    depfile: &Path,
    targets: &[PathBuf],
    inputs: &[PathBuf],
) -> Result<(), BuildError> {
    astc_resolver::fs::write_depfile(depfile, targets, inputs).map_err(|source| BuildError::Write {
        path: depfile.to_path_buf(),
        source,
    })
}

/// What [`verify`] found.
pub struct Verified {
    /// The digest of the output, identical to what the lock composes to.
    pub digest: Digest,
    /// The number of components.
    pub components: usize,
}

/// Re-composes from `astc.lock` in memory and checks that `output` is byte-identical. The
/// result depends only on the lock's inputs, never on time, path or machine.
pub fn verify(project: &Project, output: &Path) -> Result<Verified, BuildError> {
    let built = compose_project(project, true, Output::Memory)?;
    let existing = std::fs::read(output).map_err(|source| BuildError::ReadOutput {
        path: output.to_path_buf(),
        source,
    })?;
    let found = Digest::of(&existing);
    if found != built.digest {
        return Err(BuildError::Differs {
            path: output.to_path_buf(),
            expected: built.digest,
            found,
        });
    }
    Ok(Verified {
        digest: found,
        components: built.checked.resolution.components.len(),
    })
}

/// Checks and composes `project`, then writes the output and `astc.lock`.
pub fn compose_project(
    project: &Project,
    locked: bool,
    output: Output<'_>,
) -> Result<Built, BuildError> {
    let checked = check_project(project, locked)?;
    let composed = compose(&checked.resolution)?;
    let (digest, output) = match output {
        Output::File(path) => {
            let mut digest = None;
            write_atomic_with(path, |file| {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
                digest = Some(composed.write_to(&mut w)?);
                w.flush()
            })
            .map_err(|source| BuildError::Write {
                path: path.to_path_buf(),
                source,
            })?;
            (digest.expect("written"), Some(path.to_path_buf()))
        }
        Output::Memory => (composed.digest(), None),
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
