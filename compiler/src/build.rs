//! The whole pipeline for a project: resolve, check, compose, write.
//!
//! `astc check` runs the first two steps and writes nothing. `astc compose` runs all four
//! and writes the output and `astc.lock` only once everything succeeded, each atomically: a
//! failed run leaves both files as they were.

use std::path::{Path, PathBuf};

use std::io::Write as _;

use astc_resolver::fs::{depfile_text, parent_dir, stage_artifact_with, stage_bytes};
use astc_resolver::{
    Digest, FileDigests, LockMode, Lockfile, Manifest, Project, ProjectError, ProjectOptions,
    Resolution,
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
    /// An output would overwrite one of the files the build reads.
    #[error("`{}` is an input of this build; refusing to overwrite it", path.display())]
    #[diagnostic(
        code(astc::usage::output_is_input),
        help("choose another path, e.g. `-o {}`", suggestion.display())
    )]
    OutputIsInput {
        /// The output path given.
        path: PathBuf,
        /// A path that would be fine.
        suggestion: PathBuf,
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
    let warnings = check(&result.resolution, &decoded, &project.sources)?;
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
/// time is unchanged. Reads no component whose digest `digests` remembers.
pub fn is_fresh(manifest: &Manifest, key: &str, digests: &FileDigests) -> bool {
    stamp::is_fresh(&stamp_path(manifest, key), key, digests)
}

/// Records what a successful compose read and wrote, for [`is_fresh`].
pub fn record_fresh(project: &Project, built: &Built, key: &str, remembered: &FileDigests) {
    let Some(output) = &built.output else {
        return;
    };
    // A device or FIFO (`-o /dev/null`) keeps nothing to compare next time, and reading a
    // FIFO to check it would block: such a compose always runs.
    if !std::fs::metadata(output).is_ok_and(|m| m.is_file()) {
        return;
    }
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
        remembered,
    );
}

/// Writes a Make-style depfile with `targets` depending on `inputs`.
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

/// Refuses outputs that would overwrite a file the build reads or writes (the manifest, the
/// lock, a component, a registry record), compared as canonical paths so `./app.wasm` and
/// `app.wasm` are one file.
pub fn check_outputs(
    project: &Project,
    resolution: &Resolution,
    outputs: &[&Path],
) -> Result<(), BuildError> {
    // The lock is written too, whether or not it exists yet.
    let inputs: Vec<PathBuf> = project
        .inputs(resolution)
        .iter()
        .chain([&project.manifest.path, &project.lock_path()])
        .filter_map(|p| canonical_target(p))
        .collect();
    for output in outputs {
        refuse_input(output, &inputs, "composed.wasm")?;
    }
    refuse_stores(project, outputs)
}

/// Refuses outputs inside a registry or the cache (the directories of every source of
/// `project`, and the cache directory): a file there would pass for a published version, a
/// registry's own file or a cache entry that no record vouches for.
pub fn refuse_stores(project: &Project, outputs: &[&Path]) -> Result<(), BuildError> {
    let stores: Vec<(&'static str, PathBuf)> = project
        .sources
        .listing_dirs(std::iter::empty())
        .into_iter()
        .map(|d| ("registry directory", d))
        .chain(crate::cache_dir::default_dir().map(|d| ("cache directory", d)))
        .filter_map(|(what, d)| Some((what, std::fs::canonicalize(d).ok()?)))
        .collect();
    for output in outputs {
        let Some(target) = canonical_target(output) else {
            continue;
        };
        if let Some((store, dir)) = stores.iter().find(|(_, d)| target.starts_with(d)) {
            return Err(BuildError::Write {
                path: output.to_path_buf(),
                source: std::io::Error::other(format!(
                    "it is inside {store} `{}`, where only `astc publish` and the cache write",
                    dir.display()
                )),
            });
        }
    }
    Ok(())
}

/// Refuses, before any work, an output path that cannot be written: a directory, a path
/// whose directory does not exist, or one of `inputs`. For outputs written after other
/// files (`lock --depfile`), so a bad path fails before anything changes.
pub fn check_writable(path: &Path, inputs: &[&Path]) -> Result<(), BuildError> {
    let error = |message: &str| BuildError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(message.to_string()),
    };
    if path.is_dir() {
        return Err(error("it is a directory"));
    }
    let parent = parent_dir(path);
    if !parent.is_dir() {
        return Err(error(&format!(
            "directory `{}` does not exist",
            parent.display()
        )));
    }
    let inputs: Vec<PathBuf> = inputs.iter().filter_map(|i| canonical_target(i)).collect();
    refuse_input(path, &inputs, "d")
}

/// Fails when `output` is one of the canonical `inputs`, suggesting a name with `extension`.
fn refuse_input(output: &Path, inputs: &[PathBuf], extension: &str) -> Result<(), BuildError> {
    if canonical_target(output).is_some_and(|c| inputs.contains(&c)) {
        let name = output.file_stem().unwrap_or_default().to_string_lossy();
        return Err(BuildError::OutputIsInput {
            path: output.to_path_buf(),
            suggestion: output.with_file_name(format!("{name}.{extension}")),
        });
    }
    Ok(())
}

/// The canonical path `path` would be written to, following symbolic links at the end too,
/// dangling ones included (the write creates their target); `None` when its directory does
/// not exist (writing reports that).
fn canonical_target(path: &Path) -> Option<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        if let Ok(p) = std::fs::canonicalize(&path) {
            return Some(p);
        }
        match std::fs::read_link(&path) {
            Ok(link) => path = parent_dir(&path).join(link),
            Err(_) => {
                return Some(
                    std::fs::canonicalize(parent_dir(&path))
                        .ok()?
                        .join(path.file_name()?),
                );
            }
        }
    }
    None
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
    let built = compose_project(project, true, Output::Memory, None)?;
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
    depfile: Option<&Path>,
) -> Result<Built, BuildError> {
    let checked = check_project(project, locked)?;
    let lock_path = project.lock_path();
    let file = match output {
        Output::File(path) => Some(path),
        Output::Memory => None,
    };
    let outputs: Vec<&Path> = file.into_iter().chain(depfile).collect();
    check_outputs(project, &checked.resolution, &outputs)?;
    let env = crate::compose::Environment {
        name: Some(project.manifest.name.clone()),
        vars: project.manifest.vars.clone(),
    };
    let composed = compose(&checked.resolution, &env)?;
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Write { path, source }
    };
    // Stage every file first and rename them into place only when all are written, so a
    // failure while writing any (a read-only directory, a full disk) changes none. The
    // renames that follow are within each file's own directory and do not fail in practice;
    // if one did, the files renamed before it stay renamed. The lock goes last: it is what
    // the next run trusts.
    let mut staged = Vec::new();
    let (digest, output) = match output {
        Output::File(path) => {
            let mut digest = None;
            staged.push(
                stage_artifact_with(path, |file| {
                    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
                    digest = Some(composed.write_to(&mut w)?);
                    w.flush()
                })
                .map_err(write_error(path))?,
            );
            (digest.expect("written"), Some(path.to_path_buf()))
        }
        Output::Memory => (composed.digest(), None),
    };
    let staged_lock = if locked {
        None
    } else {
        checked.lock.stage(&lock_path).map_err(ProjectError::from)?
    };
    let lock_written = staged_lock.is_some();
    if let Some(depfile) = depfile {
        let mut targets: Vec<PathBuf> = output.iter().cloned().collect();
        targets.push(lock_path.clone());
        // The lock is read by the next run; list it even when this run writes it first.
        let mut inputs = project.inputs(&checked.resolution);
        if !inputs.contains(&lock_path) && (lock_written || lock_path.exists()) {
            inputs.insert(1, lock_path.clone());
        }
        let text = depfile_text(&targets, &inputs).map_err(write_error(depfile))?;
        staged.push(stage_bytes(depfile, text.as_bytes()).map_err(write_error(depfile))?);
    }
    staged.extend(staged_lock);
    for file in staged {
        let path = file.path().to_path_buf();
        file.commit().map_err(write_error(&path))?;
    }
    Ok(Built {
        checked,
        composed,
        output,
        digest,
        lock_written,
    })
}
