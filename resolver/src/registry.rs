//! Registries: where published component versions live.
//!
//! # Layout
//!
//! A registry is a directory laid out like wkg's local backend, so other tools can read it:
//!
//! ```text
//! <registry>/<namespace>/<name>/<version>.wasm     the component, immutable once published
//! <registry>/.astc/records/<namespace>/<name>.json digest and interface summary per version
//! <registry>/.astc/lock                            serializes publishers
//! ```
//!
//! The `.wasm` files are the truth about which versions exist; the records are astc's memory
//! of what was published: a file whose bytes no longer match its record was replaced behind
//! the registry's back and is reported, never used. Files that another tool put there have no
//! record; they are inspected when read.
//!
//! An asterai local store (`<dir>/<namespace>/<name>@<version>/component.wasm`) can be read as
//! a second, read-only source.
//!
//! # Writes
//!
//! Publishing takes the registry's lock, refuses to replace an existing version with other
//! bytes, asks the caller to check the new version against its neighbours in the same
//! compatibility class (breaking changes), then writes the file and its record atomically.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::fs::{FileLock, write_atomic, write_new_atomic};
use crate::name::PackageName;
use crate::summary::{BoxError, ComponentSummary, Inspector};
use crate::version::{CompatClass, parse_version};

/// Where a component's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// An astc (wkg-layout) registry directory.
    Registry(PathBuf),
    /// An asterai local store.
    AsteraiStore(PathBuf),
}

/// Something went wrong reading or writing a registry.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RegistryError {
    /// A file or directory could not be read or written.
    #[error("failed to access `{}`", path.display())]
    #[diagnostic(code(astc::registry::io))]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A registry entry is not a regular file.
    #[error("registry entry `{}` is not a regular file", path.display())]
    #[diagnostic(
        code(astc::registry::not_a_file),
        help("remove it or replace it with the component file")
    )]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// A registry entry is a symbolic link that leads outside the registry.
    #[error("registry entry `{}` leads through a symbolic link to `{}`, outside the registry", path.display(), target.display())]
    #[diagnostic(
        code(astc::registry::escapes),
        help("registries hold their files; replace the link with the file itself")
    )]
    Escapes {
        /// The link.
        path: PathBuf,
        /// Where it leads.
        target: PathBuf,
    },
    /// A registry file is not a valid component.
    #[error("registry file `{}` is not a valid component", path.display())]
    #[diagnostic(code(astc::registry::invalid_component))]
    InvalidComponent {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// A registry file's bytes do not match the digest recorded when it was published.
    #[error(
        "`{name}` {version} in `{}` was modified after it was published: recorded {recorded}, found {actual}",
        path.display()
    )]
    #[diagnostic(
        code(astc::registry::tampered),
        help(
            "published versions are immutable; restore the original file, or publish the new bytes under a new version"
        )
    )]
    Tampered {
        /// The component.
        name: PackageName,
        /// The version.
        version: Version,
        /// The file.
        path: PathBuf,
        /// The digest in the registry's record.
        recorded: Digest,
        /// The digest of the file now.
        actual: Digest,
    },
    /// A registry record could not be parsed.
    #[error("registry record `{}` is corrupt: {message}", path.display())]
    #[diagnostic(
        code(astc::registry::corrupt_record),
        help("records are written by `astc publish`; restore the file from a backup")
    )]
    CorruptRecord {
        /// The record file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Two sources hold the same version with different bytes.
    #[error(
        "`{name}` {version} differs between `{}` ({first_digest}) and `{}` ({second_digest})",
        first.display(), second.display()
    )]
    #[diagnostic(
        code(astc::registry::conflict),
        help("a version must have one content everywhere; remove the wrong copy")
    )]
    Conflict {
        /// The component.
        name: PackageName,
        /// The version.
        version: Version,
        /// One file.
        first: PathBuf,
        /// Its digest.
        first_digest: Digest,
        /// The other file.
        second: PathBuf,
        /// Its digest.
        second_digest: Digest,
    },
    /// The version does not exist.
    #[error("`{name}` {version} is not in {location}")]
    #[diagnostic(code(astc::registry::missing_version))]
    Missing {
        /// The component.
        name: PackageName,
        /// The version.
        version: Version,
        /// Where it was looked for.
        location: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> RegistryError + '_ {
    move |source| RegistryError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Why a publish was refused.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PublishError {
    /// The version exists with other bytes.
    #[error(
        "`{name}` {version} is already published with different contents: published {existing}, new {new}"
    )]
    #[diagnostic(
        code(astc::publish::immutable),
        help(
            "published versions are immutable; publish the new contents as a new version, e.g. {suggestion}"
        )
    )]
    Immutable {
        /// The component.
        name: PackageName,
        /// The version.
        version: Version,
        /// Digest of what is published.
        existing: Digest,
        /// Digest of what was offered.
        new: Digest,
        /// A version to use instead.
        suggestion: Version,
    },
    /// The new version breaks the interfaces of a release it is meant to be compatible with.
    #[error(
        "`{name}` {version} is not compatible with {other}, published in the same {class} series"
    )]
    #[diagnostic(code(astc::publish::breaking_change), help("{help}"))]
    Breaking {
        /// The component.
        name: PackageName,
        /// The version being published.
        version: Version,
        /// The release it breaks.
        other: Version,
        /// The compatibility class.
        class: CompatClass,
        /// How to fix it.
        help: String,
        /// What changed.
        #[source]
        source: BoxError,
    },
    /// Host interface namespaces cannot be published as components.
    #[error("`{name}` names a host interface package and cannot be published")]
    #[diagnostic(
        code(astc::publish::reserved_name),
        help(
            "`wasi:*` and `asterai:host*` are provided by the runtime; choose your own namespace"
        )
    )]
    Reserved {
        /// The name.
        name: PackageName,
    },
    /// The registry could not be read or written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Registry(#[from] RegistryError),
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The version was added.
    Added {
        /// The new file.
        path: PathBuf,
        /// Its digest.
        digest: Digest,
    },
    /// The same bytes were already published: nothing changed.
    Unchanged {
        /// The existing file.
        path: PathBuf,
        /// Its digest.
        digest: Digest,
    },
}

/// What the resolver needs from a registry. Implemented by [`Registry`] and, for tests, by
/// [`MemoryRegistry`].
pub trait ComponentSource {
    /// Where versions are looked for, for messages: "registry directory `registry`".
    fn location(&self) -> String;
    /// Every version of `name`, ascending. An unknown name has none.
    fn versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError>;
    /// The interfaces `name` `version` imports and exports.
    fn summary(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Arc<ComponentSummary>, RegistryError>;
    /// Every component name, for did-you-mean suggestions.
    fn names(&self) -> Result<Vec<PackageName>, RegistryError>;
    /// The bytes of `name` `version`, checked against what the source recorded.
    fn load(&self, name: &PackageName, version: &Version) -> Result<Loaded, RegistryError>;
}

/// A published component's bytes, checked against the registry's record.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The bytes.
    pub bytes: Arc<[u8]>,
    /// Their digest.
    pub digest: Digest,
    /// The file they were read from.
    pub path: PathBuf,
    /// The source holding it.
    pub origin: Origin,
}

/// The record astc keeps for one component: per version, the digest and summary.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    versions: BTreeMap<Version, VersionRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionRecord {
    digest: Digest,
    summary: ComponentSummary,
}

/// An astc registry directory, optionally backed by an asterai local store.
pub struct Registry<'a> {
    root: PathBuf,
    asterai: Option<PathBuf>,
    inspector: &'a dyn Inspector,
    records: Mutex<BTreeMap<PackageName, Arc<Record>>>,
    summaries: Mutex<BTreeMap<(PackageName, Version), Arc<ComponentSummary>>>,
}

impl<'a> Registry<'a> {
    /// Opens the registry at `root` (which need not exist yet); `inspector` summarizes files
    /// that have no record.
    pub fn open(root: impl Into<PathBuf>, inspector: &'a dyn Inspector) -> Self {
        Registry {
            root: root.into(),
            asterai: None,
            inspector,
            records: Mutex::default(),
            summaries: Mutex::default(),
        }
    }

    /// Also reads components from an asterai local store.
    pub fn with_asterai_store(mut self, dir: impl Into<PathBuf>) -> Self {
        self.asterai = Some(dir.into());
        self
    }

    /// The asterai store, if one is read.
    pub fn asterai_store(&self) -> Option<&Path> {
        self.asterai.as_deref()
    }

    /// The registry directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file `name` `version` is (or would be) published at.
    pub fn path_of(&self, name: &PackageName, version: &Version) -> PathBuf {
        self.package_dir(name).join(format!("{version}.wasm"))
    }

    fn package_dir(&self, name: &PackageName) -> PathBuf {
        self.root.join(name.namespace()).join(name.name())
    }

    /// The record astc keeps for `name`: digests and summaries of its versions.
    pub fn record_path(&self, name: &PackageName) -> PathBuf {
        self.root
            .join(".astc")
            .join("records")
            .join(name.namespace())
            .join(format!("{}.json", name.name()))
    }

    fn asterai_path(&self, dir: &Path, name: &PackageName, version: &Version) -> PathBuf {
        dir.join(name.namespace())
            .join(format!("{}@{version}", name.name()))
            .join("component.wasm")
    }

    fn record(&self, name: &PackageName) -> Result<Arc<Record>, RegistryError> {
        if let Some(r) = self.records.lock().unwrap().get(name) {
            return Ok(r.clone());
        }
        let path = self.record_path(name);
        let record = match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<Record>(&bytes).map_err(|e| {
                RegistryError::CorruptRecord {
                    path: path.clone(),
                    message: e.to_string(),
                }
            })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Record::default(),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let record = Arc::new(record);
        self.records
            .lock()
            .unwrap()
            .insert(name.clone(), record.clone());
        Ok(record)
    }

    /// Fails when the registry's record of `name` `version` names another digest than the
    /// file's: the file was replaced after it was published.
    fn check_record(
        &self,
        name: &PackageName,
        version: &Version,
        path: &Path,
        actual: Digest,
    ) -> Result<(), RegistryError> {
        match self.record(name)?.versions.get(version) {
            Some(rec) if rec.digest != actual => Err(RegistryError::Tampered {
                name: name.clone(),
                version: version.clone(),
                path: path.to_path_buf(),
                recorded: rec.digest,
                actual,
            }),
            _ => Ok(()),
        }
    }

    /// Reads a registry file, refusing directories and links that leave `base`.
    fn read_entry(&self, base: &Path, path: &Path) -> Result<(Arc<[u8]>, Digest), RegistryError> {
        // A link anywhere on the way (the file, its package or namespace directory) must
        // not lead out of the registry: what is read is what the registry holds.
        let target = fs::canonicalize(path).map_err(io_err(path))?;
        let base = fs::canonicalize(base).map_err(io_err(base))?;
        if !target.starts_with(&base) {
            return Err(RegistryError::Escapes {
                path: path.to_path_buf(),
                target,
            });
        }
        let meta = fs::metadata(path).map_err(io_err(path))?;
        if !meta.is_file() {
            return Err(RegistryError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        crate::fs::read_hashed(path).map_err(io_err(path))
    }

    fn dir_versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        let dir = self.package_dir(name);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_err(&dir))?;
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            // Temporary files of an interrupted write start with a dot; foreign files are
            // not versions.
            if let Some(stem) = file_name.strip_suffix(".wasm")
                && let Ok(v) = parse_version(stem)
            {
                out.push(v);
            }
        }
        out.sort();
        Ok(out)
    }

    fn asterai_versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        let Some(store) = &self.asterai else {
            return Ok(Vec::new());
        };
        let dir = store.join(name.namespace());
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(Vec::new());
            }
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let prefix = format!("{}@", name.name());
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_err(&dir))?;
            if let Some(v) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.strip_prefix(&prefix))
                .and_then(|v| parse_version(v).ok())
                && entry.path().join("component.wasm").exists()
            {
                out.push(v);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Reads `name` `version`, checking its bytes against the registry's record and, when
    /// both sources hold it, against the other copy.
    fn load_checked(&self, name: &PackageName, version: &Version) -> Result<Loaded, RegistryError> {
        let path = self.path_of(name, version);
        let in_dir = match fs::symlink_metadata(&path) {
            Ok(_) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_err(&path)(e)),
        };
        let from_store = self
            .asterai
            .as_ref()
            .map(|dir| (dir, self.asterai_path(dir, name, version)))
            .filter(|(_, p)| p.exists());
        let first = if in_dir {
            let (bytes, digest) = self.read_entry(&self.root, &path)?;
            self.check_record(name, version, &path, digest)?;
            Some(Loaded {
                bytes,
                digest,
                path,
                origin: Origin::Registry(self.root.clone()),
            })
        } else {
            None
        };
        let second = match from_store {
            Some((dir, p)) => {
                let (bytes, digest) = self.read_entry(dir, &p)?;
                Some(Loaded {
                    digest,
                    bytes,
                    path: p,
                    origin: Origin::AsteraiStore(dir.clone()),
                })
            }
            None => None,
        };
        match (first, second) {
            (Some(a), Some(b)) if a.digest != b.digest => Err(RegistryError::Conflict {
                name: name.clone(),
                version: version.clone(),
                first: a.path,
                first_digest: a.digest,
                second: b.path,
                second_digest: b.digest,
            }),
            (Some(a), _) | (None, Some(a)) => Ok(a),
            (None, None) => Err(RegistryError::Missing {
                name: name.clone(),
                version: version.clone(),
                location: self.location(),
            }),
        }
    }

    /// Publishes `bytes` as `name` `version`.
    ///
    /// Under the registry's lock: identical bytes already published are a no-op; other bytes
    /// under an existing version are refused; otherwise `check` is called with the nearest
    /// lower and higher published versions of the same compatibility class (the releases the
    /// new one must stay compatible with), and the file and its record are written
    /// atomically.
    pub fn publish(
        &self,
        name: &PackageName,
        version: &Version,
        bytes: &[u8],
        summary: &ComponentSummary,
        check: impl FnOnce(&[(Version, Arc<[u8]>)]) -> Result<(), (Version, BoxError)>,
    ) -> Result<Published, PublishError> {
        if name.is_host() {
            return Err(PublishError::Reserved { name: name.clone() });
        }
        let dir = self.package_dir(name);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let lock_path = self.root.join(".astc").join("lock");
        let _lock = FileLock::exclusive(&lock_path).map_err(io_err(&lock_path))?;
        // Forget cached state: another process may have published while we waited.
        self.records.lock().unwrap().remove(name);

        let digest = Digest::of(bytes);
        let path = self.path_of(name, version);
        if fs::symlink_metadata(&path).is_ok() {
            let (_, existing) = self.read_entry(&self.root, &path)?;
            // A file replaced behind the registry's back is reported as such, whatever is
            // being published: its bytes were never published, so they must neither count
            // as "unchanged" nor be quoted as what is published.
            self.check_record(name, version, &path, existing)?;
            if existing != digest {
                let versions = self.dir_versions(name)?;
                let latest = versions.last().unwrap_or(version);
                let suggestion = Version::new(latest.major, latest.minor, latest.patch + 1);
                return Err(PublishError::Immutable {
                    name: name.clone(),
                    version: version.clone(),
                    existing,
                    new: digest,
                    suggestion,
                });
            }
            // Same bytes: nothing to do, but restore a record lost to an interrupted publish.
            if !self.record(name)?.versions.contains_key(version) {
                self.write_record(name, version, digest, summary)?;
            }
            return Ok(Published::Unchanged { path, digest });
        }

        let class = CompatClass::of(version);
        let versions = self.dir_versions(name)?;
        let lower = versions
            .iter()
            .rev()
            .find(|v| *v < version && class.contains(v));
        let higher = versions.iter().find(|v| *v > version && class.contains(v));
        let mut neighbours = Vec::new();
        for v in lower.into_iter().chain(higher) {
            neighbours.push((v.clone(), self.load_checked(name, v)?.bytes));
        }
        check(&neighbours).map_err(|(other, source)| {
            let help = if &other < version {
                let next = if version.major > 0 {
                    Version::new(version.major + 1, 0, 0)
                } else if version.minor > 0 {
                    Version::new(0, version.minor + 1, 0)
                } else {
                    Version::new(0, 0, version.patch + 1)
                };
                format!(
                    "a breaking change needs a new major version: publish it as {next}, or keep the old functions and signatures"
                )
            } else {
                format!(
                    "{other} is already published and must stay compatible with {version}; publish under a version after {other}"
                )
            };
            PublishError::Breaking {
                name: name.clone(),
                version: version.clone(),
                other,
                class: class.clone(),
                help,
                source,
            }
        })?;

        match write_new_atomic(&path, bytes) {
            Ok(()) => {}
            Err(e) => return Err(io_err(&path)(e).into()),
        }
        self.write_record(name, version, digest, summary)?;
        Ok(Published::Added { path, digest })
    }

    fn write_record(
        &self,
        name: &PackageName,
        version: &Version,
        digest: Digest,
        summary: &ComponentSummary,
    ) -> Result<(), RegistryError> {
        let mut record = (*self.record(name)?).clone();
        record.versions.insert(
            version.clone(),
            VersionRecord {
                digest,
                summary: summary.clone().normalize(),
            },
        );
        let path = self.record_path(name);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let mut json = serde_json::to_vec_pretty(&record).expect("records serialize");
        json.push(b'\n');
        write_atomic(&path, &json).map_err(io_err(&path))?;
        self.records
            .lock()
            .unwrap()
            .insert(name.clone(), Arc::new(record));
        Ok(())
    }
}

impl ComponentSource for Registry<'_> {
    fn location(&self) -> String {
        let mut s = format!("registry directory `{}`", self.root.display());
        if !self.root.exists() {
            s.push_str(" (which does not exist)");
        }
        if let Some(store) = &self.asterai {
            s.push_str(&format!(" and asterai store `{}`", store.display()));
        }
        s
    }

    fn versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        let mut v = self.dir_versions(name)?;
        v.extend(self.asterai_versions(name)?);
        v.sort();
        v.dedup();
        Ok(v)
    }

    fn summary(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Arc<ComponentSummary>, RegistryError> {
        let key = (name.clone(), version.clone());
        if let Some(s) = self.summaries.lock().unwrap().get(&key) {
            return Ok(s.clone());
        }
        let summary = match self.record(name)?.versions.get(version) {
            Some(rec) if self.path_of(name, version).exists() => Arc::new(rec.summary.clone()),
            _ => {
                let loaded = self.load_checked(name, version)?;
                let summary = self
                    .inspector
                    .summarize(&loaded.path, &loaded.bytes, loaded.digest)
                    .map_err(|source| RegistryError::InvalidComponent {
                        path: loaded.path.clone(),
                        source,
                    })?;
                Arc::new(summary.normalize())
            }
        };
        self.summaries.lock().unwrap().insert(key, summary.clone());
        Ok(summary)
    }

    fn names(&self) -> Result<Vec<PackageName>, RegistryError> {
        let mut out = Vec::new();
        let mut scan = |dir: &Path, asterai: bool| -> Result<(), RegistryError> {
            let Ok(namespaces) = fs::read_dir(dir) else {
                return Ok(());
            };
            for ns in namespaces.flatten() {
                let Ok(entries) = fs::read_dir(ns.path()) else {
                    continue;
                };
                for entry in entries.flatten() {
                    let file_name = entry.file_name();
                    let mut n = file_name.to_string_lossy().into_owned();
                    if asterai && let Some((base, _)) = n.split_once('@') {
                        n = base.to_string();
                    }
                    let full = format!("{}:{n}", ns.file_name().to_string_lossy());
                    if let Ok(name) = PackageName::parse(&full) {
                        out.push(name);
                    }
                }
            }
            Ok(())
        };
        scan(&self.root, false)?;
        if let Some(store) = &self.asterai {
            scan(store, true)?;
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn load(&self, name: &PackageName, version: &Version) -> Result<Loaded, RegistryError> {
        self.load_checked(name, version)
    }
}

/// An in-memory registry for tests and benchmarks: summaries without bytes.
#[derive(Debug, Default, Clone)]
pub struct MemoryRegistry {
    packages: BTreeMap<PackageName, BTreeMap<Version, Arc<ComponentSummary>>>,
}

impl MemoryRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `name` `version` with `summary`.
    pub fn add(&mut self, name: PackageName, version: Version, summary: ComponentSummary) {
        self.packages
            .entry(name)
            .or_default()
            .insert(version, Arc::new(summary.normalize()));
    }
}

impl ComponentSource for MemoryRegistry {
    fn location(&self) -> String {
        "the in-memory registry".into()
    }

    fn versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        Ok(self
            .packages
            .get(name)
            .map(|v| v.keys().cloned().collect())
            .unwrap_or_default())
    }

    fn summary(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Arc<ComponentSummary>, RegistryError> {
        self.packages
            .get(name)
            .and_then(|v| v.get(version))
            .cloned()
            .ok_or_else(|| RegistryError::Missing {
                name: name.clone(),
                version: version.clone(),
                location: self.location(),
            })
    }

    fn names(&self) -> Result<Vec<PackageName>, RegistryError> {
        Ok(self.packages.keys().cloned().collect())
    }

    /// Memory components have no bytes; the digest stands for the name and version.
    fn load(&self, name: &PackageName, version: &Version) -> Result<Loaded, RegistryError> {
        self.summary(name, version)?;
        let bytes: Arc<[u8]> = Arc::from(Vec::new());
        Ok(Loaded {
            digest: Digest::of(format!("{name}@{version}").as_bytes()),
            bytes,
            path: PathBuf::from(format!("memory/{name}@{version}")),
            origin: Origin::Registry(PathBuf::from("memory")),
        })
    }
}
