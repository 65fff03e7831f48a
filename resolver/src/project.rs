//! A project: a manifest with its local components, its sources and its lock, ready to
//! resolve.
//!
//! It is long because it holds every way a command moves the lock (`lock`, `update` and the
//! changes `update` reports), so the rules for reading and writing it stay in one place.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use semver::Version;

use crate::file_digests::FileDigests;
use crate::fs::slashes;
use crate::lockfile::{self, LockError, Lockfile};
use crate::manifest::{Dependency, Manifest, ManifestError, ManifestFormat};
use crate::name::{ComponentId, PackageName};
use crate::registry::Registry;
use crate::resolve::{LocalComponent, Request, Resolution, ResolveError, Unlock, resolve};
use crate::source::location::RegistryLocation;
use crate::source::{AsteraiStore, Sources};
use crate::source::{OciOptions, OciRegistry, SourceId};
use crate::summary::{BoxError, Inspector};
use crate::version::CompatClass;

/// Settings from the command line that override the manifest.
#[derive(Debug, Clone, Default)]
pub struct ProjectOptions {
    /// Use this registry (a directory or an OCI registry) instead of the manifest's.
    pub registry: Option<RegistryLocation>,
    /// Also read this asterai local store.
    pub asterai_store: Option<PathBuf>,
    /// The cache directory: downloads from remote registries (`<dir>/oci/`) and the digests
    /// of files read before (`<dir>/files/`); `None` for none.
    pub cache_dir: Option<PathBuf>,
    /// Read remote registries from the cache only.
    pub offline: bool,
    /// `--locked`: fetch remote components by the digests in the lock.
    pub locked: bool,
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
    /// `astc update NAME` names a component the project does not have.
    #[error("no component `{name}` in `{}` to update", lock.display())]
    #[diagnostic(code(astc::project::update_unknown))]
    UnknownUpdate {
        /// The name given.
        name: PackageName,
        /// The lock searched.
        lock: PathBuf,
        /// A close name, or the names there are.
        #[help]
        help: String,
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

/// What [`Project::update`] did.
#[derive(Debug)]
pub struct Updated {
    /// The new resolution and lock, and whether the lock was written.
    pub locked: Locked,
    /// The versions that changed, sorted by name.
    pub changes: Vec<Change>,
}

/// One component version that `astc update` moves, adds or drops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A component the lock did not have.
    Adding(ComponentId),
    /// A component the lock no longer needs.
    Removing(ComponentId),
    /// A newer version in the same compatibility class.
    Updating(PackageName, Version, Version),
    /// An older version in the same compatibility class (the newer one no longer fits).
    Downgrading(PackageName, Version, Version),
}

impl Change {
    /// The status verb cargo uses for it: `Adding`, `Removing`, `Updating`, `Downgrading`.
    pub fn verb(&self) -> &'static str {
        match self {
            Change::Adding(_) => "Adding",
            Change::Removing(_) => "Removing",
            Change::Updating(..) => "Updating",
            Change::Downgrading(..) => "Downgrading",
        }
    }

    /// The changes from `old` to `new`, by version only: per name, a removed and an added
    /// version of one compatibility class pair into an update (or downgrade); anything
    /// else is added or removed.
    pub fn between(old: Option<&Lockfile>, new: &Lockfile) -> Vec<Change> {
        let versions = |lock: Option<&Lockfile>| -> BTreeSet<(PackageName, Version)> {
            lock.into_iter()
                .flat_map(|l| &l.components)
                .map(|c| (c.name.clone(), c.version.clone()))
                .collect()
        };
        let (old, new) = (versions(old), versions(Some(new)));
        let mut removed: Vec<_> = old.difference(&new).cloned().collect();
        let mut changes = Vec::new();
        for (name, to) in new.difference(&old) {
            let class = CompatClass::of(to);
            let paired = removed
                .iter()
                .position(|(n, v)| n == name && CompatClass::of(v) == class);
            changes.push(match paired.map(|i| removed.remove(i)) {
                Some((_, from)) if from < *to => Change::Updating(name.clone(), from, to.clone()),
                Some((_, from)) => Change::Downgrading(name.clone(), from, to.clone()),
                None => Change::Adding(ComponentId::new(name.clone(), to.clone())),
            });
        }
        changes.extend(
            removed
                .into_iter()
                .map(|(n, v)| Change::Removing(ComponentId::new(n, v))),
        );
        changes.sort_by(|a, b| a.key().cmp(&b.key()));
        changes
    }

    fn key(&self) -> (&PackageName, &Version) {
        match self {
            Change::Adding(id) | Change::Removing(id) => (&id.name, &id.version),
            Change::Updating(n, from, _) | Change::Downgrading(n, from, _) => (n, from),
        }
    }
}

/// The message after the verb: `acme:greeter v1.0.0 -> v1.1.0`.
impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Adding(id) | Change::Removing(id) => write!(f, "{} v{}", id.name, id.version),
            Change::Updating(n, from, to) | Change::Downgrading(n, from, to) => {
                write!(f, "{n} v{from} -> v{to}")
            }
        }
    }
}

/// asterai's local stores under `$HOME` that exist, current first, each with the label the
/// lock records (the same on every machine): `~/.asterai/bin/artifacts`, where asterai keeps
/// artifacts today, and `~/.local/bin/asterai/artifacts`, where it kept them before.
pub fn default_asterai_stores() -> Vec<(PathBuf, String)> {
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
        return Vec::new();
    };
    let home = PathBuf::from(home);
    [".asterai/bin/artifacts", ".local/bin/asterai/artifacts"]
        .into_iter()
        .map(|rel| (home.join(rel), format!("~/{rel}")))
        .filter(|(path, _)| path.is_dir())
        .collect()
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

        // The registries, in order: the directory, then the remote registry (the manifest's
        // two, or the one `--registry` names).
        let (registry_dir, url) = match &options.registry {
            Some(RegistryLocation::Dir(p)) => (Some((p.clone(), relative_label(&dir, p))), None),
            Some(RegistryLocation::Oci(u)) => (None, Some(u.clone())),
            None => (
                Some((dir.join(&manifest.registry), slashes(&manifest.registry))),
                manifest.registry_url.clone(),
            ),
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
        let digests = FileDigests::new(options.cache_dir.as_deref());
        let mut sources = Sources::new(inspector);
        if let Some((path, label)) = registry_dir {
            sources = sources.with(
                Registry::open(path)
                    .labelled(label)
                    .remembering(digests.clone()),
            );
        }
        if let Some(url) = url {
            let mut pins = BTreeMap::new();
            if options.locked {
                let id = SourceId::Oci(url.to_string());
                let lock_path = lock_path_of(&manifest);
                for c in Lockfile::load(&lock_path)?
                    .into_iter()
                    .flat_map(|l| l.components)
                    .filter(|c| c.source == id)
                {
                    pins.insert((c.name, c.version), c.digest);
                }
            }
            sources = sources.with(OciRegistry::new(
                url,
                OciOptions {
                    cache_dir: options.cache_dir.clone(),
                    offline: options.offline,
                    pins,
                },
            ));
        }
        match store {
            Some((path, label)) => {
                sources = sources.with(
                    AsteraiStore::open(path)
                        .labelled(label)
                        .remembering(digests.clone()),
                );
            }
            // An asterai environment names components asterai keeps in its own store.
            None if manifest.format == ManifestFormat::AsteraiEnv => {
                for (path, label) in default_asterai_stores() {
                    sources = sources.with(
                        AsteraiStore::open(path)
                            .labelled(label)
                            .remembering(digests.clone()),
                    );
                }
            }
            None => {}
        }

        let root = match &manifest.component {
            Some(rel) => Some(read_local(
                &manifest,
                &digests,
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
                    &digests,
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
        lock_path_of(&self.manifest)
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
        self.resolve_unlocking(lock, Unlock::Nothing)
    }

    fn resolve_unlocking(
        &self,
        lock: Option<&Lockfile>,
        unlock: Unlock,
    ) -> Result<Resolution, ResolveError> {
        let request = Request {
            manifest: &self.manifest,
            root: self.root.clone(),
            locals: self.locals.clone(),
            lock,
            unlock,
        };
        resolve(&request, &self.sources)
    }

    /// Re-resolves releasing the locked versions `unlock` names (see [`Unlock`]), and
    /// writes the new lock unless `dry_run`. Every name of [`Unlock::Only`] must be in the
    /// existing lock or the new one; otherwise nothing is written.
    pub fn update(&self, unlock: Unlock, dry_run: bool) -> Result<Updated, ProjectError> {
        let existing = self.read_lock()?;
        let names = match &unlock {
            Unlock::Only(names) => names.clone(),
            Unlock::Nothing | Unlock::All => BTreeSet::new(),
        };
        let resolution = self.resolve_unlocking(existing.as_ref(), unlock)?;
        let lock = resolution.to_lock();
        let known: BTreeSet<String> = existing
            .iter()
            .chain([&lock])
            .flat_map(|l| &l.components)
            .map(|c| c.name.to_string())
            .collect();
        if let Some(name) = names.iter().find(|n| !known.contains(&n.to_string())) {
            let help =
                crate::suggest::did_you_mean(&name.to_string(), known.iter().map(|n| n.as_str()))
                    .unwrap_or_else(|| {
                        format!(
                            "its components are {}",
                            crate::diagnostic::quoted_list(&known)
                        )
                    });
            return Err(ProjectError::UnknownUpdate {
                name: name.clone(),
                lock: self.lock_path(),
                help,
            });
        }
        let written = !dry_run && lock.write(&self.lock_path())?;
        Ok(Updated {
            changes: Change::between(existing.as_ref(), &lock),
            locked: Locked {
                changed: existing.as_ref() != Some(&lock),
                resolution,
                lock,
                written,
            },
        })
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

/// The lock of `manifest`: see [`Project::lock_path`].
fn lock_path_of(manifest: &Manifest) -> PathBuf {
    let file = match manifest.path.file_stem().and_then(|s| s.to_str()) {
        Some("astc") | None => lockfile::FILE_NAME.to_string(),
        Some(stem) => format!("{stem}.lock"),
    };
    manifest.dir().join(file)
}

fn read_local(
    manifest: &Manifest,
    digests: &FileDigests,
    inspector: &dyn Inspector,
    what: String,
    rel: &Path,
    name: PackageName,
    version: Option<Version>,
) -> Result<LocalComponent, ProjectError> {
    let path = manifest.dir().join(rel);
    let (bytes, digest) = digests
        .read(&path)
        .map_err(|source| ProjectError::ReadLocal {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;
    use crate::lockfile::{FORMAT_VERSION, LockedComponent, LockedSource};

    fn lock(ids: &[&str]) -> Lockfile {
        Lockfile {
            version: FORMAT_VERSION,
            components: ids
                .iter()
                .map(|id| {
                    let id = ComponentId::parse(id).unwrap();
                    LockedComponent {
                        name: id.name,
                        version: id.version,
                        root: false,
                        member: false,
                        source: LockedSource::Registry("registry".into()),
                        digest: Digest::of(b""),
                        imports: Vec::new(),
                    }
                })
                .collect(),
        }
    }

    fn lines(old: Option<&Lockfile>, new: &Lockfile) -> Vec<String> {
        Change::between(old, new)
            .iter()
            .map(|c| format!("{} {c}", c.verb()))
            .collect()
    }

    #[test]
    fn changes_pair_versions_within_a_class() {
        let old = lock(&[
            "acme:a@1.0.0",
            "acme:b@1.2.0",
            "acme:c@1.0.0",
            "acme:d@1.0.0",
        ]);
        let new = lock(&[
            "acme:a@1.1.0",
            "acme:b@1.1.0",
            "acme:c@2.0.0",
            "acme:e@0.1.0",
        ]);
        assert_eq!(
            lines(Some(&old), &new),
            [
                "Updating acme:a v1.0.0 -> v1.1.0",
                "Downgrading acme:b v1.2.0 -> v1.1.0",
                "Removing acme:c v1.0.0",
                "Adding acme:c v2.0.0",
                "Removing acme:d v1.0.0",
                "Adding acme:e v0.1.0",
            ]
        );
        assert!(Change::between(Some(&new), &new).is_empty());
        assert_eq!(
            lines(None, &lock(&["acme:a@1.0.0"])),
            ["Adding acme:a v1.0.0"]
        );
    }
}
