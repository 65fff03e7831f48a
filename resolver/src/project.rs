//! A project: a manifest with its local components, its sources and its lock, ready to
//! resolve.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use semver::Version;

use crate::fs::slashes;
use crate::lockfile::{self, LockError, Lockfile};
use crate::manifest::{Dependency, Manifest, ManifestError};
use crate::name::PackageName;
use crate::registry::Registry;
use crate::resolve::{LocalComponent, Request, Resolution, ResolveError, resolve};
use crate::source::{AsteraiStore, Sources};
use crate::summary::{BoxError, Inspector};

/// Settings from the command line that override the manifest.
#[derive(Debug, Clone, Default)]
pub struct ProjectOptions {
    /// Use this registry directory instead of the manifest's.
    pub registry: Option<PathBuf>,
    /// Also read this asterai local store.
    pub asterai_store: Option<PathBuf>,
}

/// How to treat `astc.lock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// Keep locked versions that still fit; write the lock if it changed.
    Update,
    /// Keep locked versions; fail if the lock would change (`--locked`).
    Locked,
    /// Keep locked versions that still fit; never write.
    ReadOnly,
}

/// Why a project could not be loaded or resolved.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ProjectError {
    /// The manifest is missing or invalid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Manifest(#[from] ManifestError),
    /// The lock is unreadable or invalid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lock(#[from] LockError),
    /// Resolution failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Resolve(#[from] ResolveError),
    /// A local component file could not be read.
    #[error("failed to read {what} `{}`", path.display())]
    #[diagnostic(
        code(astc::project::read),
        help("check the path in `{}`; paths are relative to the manifest's directory", manifest.display())
    )]
    ReadLocal {
        /// Which component: "root component", "path dependency `x`".
        what: String,
        /// The file.
        path: PathBuf,
        /// The manifest naming it.
        manifest: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A local component file is not a valid component.
    #[error("{what} `{}` is not a valid component", path.display())]
    #[diagnostic(code(astc::project::invalid_component))]
    InvalidLocal {
        /// Which component.
        what: String,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// A path dependency's version cannot be told from its exports.
    #[error("cannot tell the version of path dependency `{name}` (`{}`): it exports no versioned interface of package `{name}`", path.display())]
    #[diagnostic(
        code(astc::project::unknown_version),
        help("give it in astc.toml: `\"{name}\" = {{ path = \"{}\", version = \"1.0.0\" }}`", path.display())
    )]
    UnknownLocalVersion {
        /// The dependency.
        name: PackageName,
        /// Its file.
        path: PathBuf,
    },
    /// `--locked` was given but the lock is missing or out of date.
    #[error("astc.lock needs to be updated but --locked was passed{}", if changes.is_empty() { String::new() } else { format!(":\n{}", changes.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n")) })]
    #[diagnostic(
        code(astc::project::lock_outdated),
        help("run `astc lock` to update astc.lock, then commit it")
    )]
    LockOutdated {
        /// What would change.
        changes: Vec<String>,
    },
}

/// A loaded project.
pub struct Project<'a> {
    /// The manifest.
    pub manifest: Manifest,
    /// Where published components come from: the registry directory, then the asterai
    /// store if one is used.
    pub sources: Sources<'a>,
    /// The root component.
    pub root: Option<LocalComponent>,
    /// Path dependencies.
    pub locals: BTreeMap<PackageName, LocalComponent>,
}

/// What [`Project::lock`] did.
#[derive(Debug)]
pub struct Locked {
    /// The resolution.
    pub resolution: Resolution,
    /// The lock it gives.
    pub lock: Lockfile,
    /// Whether this lock differs from `astc.lock` as it was.
    pub changed: bool,
    /// Whether `astc.lock` was written.
    pub written: bool,
}

impl<'a> Project<'a> {
    /// Reads the manifest, its root component and path dependencies, and opens its registry.
    pub fn load(
        manifest_path: &Path,
        options: &ProjectOptions,
        inspector: &'a dyn Inspector,
    ) -> Result<Project<'a>, ProjectError> {
        let manifest = Manifest::load(manifest_path)?;
        let dir = manifest.dir().to_path_buf();

        let (registry_path, registry_label) = match &options.registry {
            Some(p) => (p.clone(), relative_label(&dir, p)),
            None => (dir.join(&manifest.registry), slashes(&manifest.registry)),
        };
        let store = options
            .asterai_store
            .clone()
            .map(|p| (p.clone(), relative_label(&dir, &p)))
            .or_else(|| {
                manifest
                    .asterai_store
                    .as_ref()
                    .map(|p| (dir.join(p), slashes(p)))
            });
        let mut sources =
            Sources::new(inspector).with(Registry::open(registry_path).labelled(registry_label));
        if let Some((path, label)) = store {
            sources = sources.with(AsteraiStore::open(path).labelled(label));
        }

        let root = match &manifest.component {
            Some(rel) => Some(read_local(
                &manifest,
                inspector,
                "root component".into(),
                rel,
                manifest.name.clone(),
                Some(manifest.version.clone()),
            )?),
            None => None,
        };
        let mut locals = BTreeMap::new();
        for (name, dep) in &manifest.dependencies {
            if let Dependency::Path { path, version } = dep {
                let local = read_local(
                    &manifest,
                    inspector,
                    format!("path dependency `{name}`"),
                    path,
                    name.clone(),
                    version.clone(),
                )?;
                locals.insert(name.clone(), local);
            }
        }
        Ok(Project {
            manifest,
            sources,
            root,
            locals,
        })
    }

    /// Where the lock lives: `astc.lock` beside `astc.toml`; a manifest with another name,
    /// `NAME.toml`, gets `NAME.lock`, so several manifests can share a directory.
    pub fn lock_path(&self) -> PathBuf {
        let file = match self.manifest.path.file_stem().and_then(|s| s.to_str()) {
            Some("astc") | None => lockfile::FILE_NAME.to_string(),
            Some(stem) => format!("{stem}.lock"),
        };
        self.manifest.dir().join(file)
    }

    /// Every file resolving and composing reads: the manifest, the lock, each selected
    /// component, and the source records consulted. Sorted. For depfiles and the no-op
    /// check.
    pub fn inputs(&self, resolution: &Resolution) -> Vec<PathBuf> {
        let mut files = vec![self.manifest.path.clone()];
        let lock = self.lock_path();
        if lock.exists() {
            files.push(lock);
        }
        for c in &resolution.components {
            files.push(c.path.clone());
            if let Some(source) = self.sources.get(&c.source) {
                files.extend(source.inputs(&c.id.name, &c.id.version));
            }
        }
        files.sort();
        files.dedup();
        files
    }

    /// The directories whose listing resolution depends on: the sources' roots, their
    /// namespace directories, and the package directories of selected components. A
    /// version published since changes one of them.
    pub fn input_dirs(&self, resolution: &Resolution) -> Vec<PathBuf> {
        self.sources.listing_dirs(
            resolution
                .components
                .iter()
                .map(|c| (&c.id.name, &c.source)),
        )
    }

    /// Reads the existing lock, if any.
    pub fn read_lock(&self) -> Result<Option<Lockfile>, LockError> {
        Lockfile::load(&self.lock_path())
    }

    /// Resolves, preferring the versions in `lock`.
    pub fn resolve(&self, lock: Option<&Lockfile>) -> Result<Resolution, ResolveError> {
        let request = Request {
            manifest: &self.manifest,
            root: self.root.clone(),
            locals: self.locals.clone(),
            lock,
        };
        resolve(&request, &self.sources)
    }

    /// Resolves against the existing lock and, depending on `mode`, writes the new lock or
    /// fails if it differs.
    pub fn lock(&self, mode: LockMode) -> Result<Locked, ProjectError> {
        let existing = self.read_lock()?;
        let resolution = self.resolve(existing.as_ref())?;
        let lock = resolution.to_lock();
        let written = match mode {
            LockMode::Update => lock.write(&self.lock_path())?,
            LockMode::ReadOnly => false,
            LockMode::Locked => {
                match &existing {
                    Some(old) if *old == lock => {}
                    Some(old) => {
                        return Err(ProjectError::LockOutdated {
                            changes: old.diff(&lock),
                        });
                    }
                    None => {
                        return Err(ProjectError::LockOutdated {
                            changes: vec![format!("create `{}`", self.lock_path().display())],
                        });
                    }
                }
                false
            }
        };
        Ok(Locked {
            changed: existing.as_ref() != Some(&lock),
            resolution,
            lock,
            written,
        })
    }
}

fn read_local(
    manifest: &Manifest,
    inspector: &dyn Inspector,
    what: String,
    rel: &Path,
    name: PackageName,
    version: Option<Version>,
) -> Result<LocalComponent, ProjectError> {
    let path = manifest.dir().join(rel);
    let (bytes, digest) =
        crate::fs::read_hashed(&path).map_err(|source| ProjectError::ReadLocal {
            what: what.clone(),
            path: path.clone(),
            manifest: manifest.path.clone(),
            source,
        })?;
    let summary = inspector
        .summarize(&path, &bytes, digest)
        .map_err(|source| ProjectError::InvalidLocal {
            what: what.clone(),
            path: path.clone(),
            source,
        })?
        .normalize();
    let version = match version {
        Some(v) => v,
        None => summary
            .exports
            .iter()
            .filter(|e| e.package() == &name)
            .filter_map(|e| e.version())
            .max()
            .cloned()
            .ok_or_else(|| ProjectError::UnknownLocalVersion {
                name: name.clone(),
                path: path.clone(),
            })?,
    };
    Ok(LocalComponent {
        name,
        version,
        label: slashes(rel),
        path,
        digest,
        bytes,
        summary: Arc::new(summary),
    })
}

/// `path` relative to `base` when both resolve, so a lock written from any working directory
/// says the same; otherwise `path` as given.
fn relative_label(base: &Path, path: &Path) -> String {
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let abs = |p: &Path| {
        fs::canonicalize(p).ok().or_else(|| {
            // The registry may not exist yet: resolve its parent instead.
            let parent = p
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Some(fs::canonicalize(parent).ok()?.join(p.file_name()?))
        })
    };
    let (Some(base), Some(path)) = (abs(base), abs(path)) else {
        return slashes(path);
    };
    let b: Vec<Component> = base.components().collect();
    let p: Vec<Component> = path.components().collect();
    let common = b.iter().zip(&p).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        ".".into()
    } else {
        slashes(&out)
    }
}
