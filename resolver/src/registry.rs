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
//! The registry is a [`Source`] and the one [`Publish`] source today; an asterai local store
//! ([`crate::source::AsteraiStore`]) can be chained after it ([`crate::source::Sources`]).
//!
//! # Writes
//!
//! Publishing takes the registry's lock, refuses to replace an existing version with other
//! bytes, asks the caller to check the new version against its neighbours in the same
//! compatibility class (breaking changes), then writes the file and its record atomically.
//!
//! The module is long for its error types: [`RegistryError`] and [`PublishError`] serve
//! every source and publish, each way a file can be wrong with its own variant.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::file_digests::FileDigests;
use crate::fs::{FileLock, write_atomic, write_new_atomic};
use crate::name::PackageName;
use crate::source::{
    CompatCheck, Loaded, Publish, Release, Source, SourceId, io_err, list_versions, namespace_dirs,
    read_entry, scan_names,
};
use crate::summary::{BoxError, ComponentSummary};
use crate::version::{CompatClass, parse_version};

/// The longest file name most file systems allow, in bytes (ext4, XFS, APFS, NTFS).
const MAX_FILE_NAME: usize = 255;

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
    /// A remote registry failed: unreachable, slow, an error answer, corrupted data.
    #[error("registry `{url}`, for {component}: {message}")]
    #[diagnostic(code(astc::registry::remote))]
    Remote {
        /// The registry.
        url: String,
        /// The component (and version) being read or written.
        component: String,
        /// What happened.
        message: String,
        /// What to do.
        #[help]
        help: Option<String>,
    },
    /// A remote registry refused the credentials astc sent, or wants some.
    #[error("registry `{url}` refused access to {component} with {credentials}")]
    #[diagnostic(
        code(astc::registry::unauthorized),
        help(
            "set ASTC_REGISTRY_USERNAME and ASTC_REGISTRY_PASSWORD (or ASTC_REGISTRY_TOKEN), or log in so that ~/.docker/config.json has an `auths` entry for the registry"
        )
    )]
    Unauthorized {
        /// The registry.
        url: String,
        /// The component.
        component: String,
        /// Where the credentials came from (never the credentials).
        credentials: String,
    },
    /// A tag of a remote registry points to other bytes than it did.
    #[error(
        "registry `{url}`: `{reference}` ({name} {version}) now points to {actual}, but {by} has {recorded}: the version was changed on the registry"
    )]
    #[diagnostic(
        code(astc::registry::tag_moved),
        help(
            "published versions are immutable; ask the registry's owner to restore the original, or publish the new bytes under a new version"
        )
    )]
    TagMoved {
        /// The registry.
        url: String,
        /// `HOST/REPOSITORY:TAG`.
        reference: String,
        /// The component.
        name: PackageName,
        /// The version.
        version: Version,
        /// The digest astc had recorded.
        recorded: Digest,
        /// The digest the tag points to now.
        actual: Digest,
        /// Who recorded it: the cache or the lock.
        by: String,
    },
    /// `--offline`, and the cache lacks what is needed.
    #[error("{what} from `{url}` is not in the cache, and `--offline` forbids fetching it")]
    #[diagnostic(
        code(astc::registry::offline),
        help("run once without `--offline` to fetch it into the cache")
    )]
    Offline {
        /// The registry.
        url: String,
        /// What is missing.
        what: String,
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
    /// The version is too long to be a file name in a registry directory.
    #[error(
        "version `{version}` of `{name}` is too long for a registry directory: its file name would have {bytes} bytes, and file systems allow {}",
        MAX_FILE_NAME
    )]
    #[diagnostic(
        code(astc::publish::name_too_long),
        help("use a shorter pre-release tag")
    )]
    TooLong {
        /// The name.
        name: PackageName,
        /// The version, elided for the message.
        version: String,
        /// The length of the file name it needs, with the temporary file's affixes.
        bytes: usize,
    },
    /// The version cannot be an OCI tag (a `+build` suffix).
    #[error("version {version} of `{name}` cannot be a tag of `{url}`: OCI tags cannot hold `+`")]
    #[diagnostic(
        code(astc::publish::bad_tag),
        help("publish it without the build metadata (the part after `+`)")
    )]
    BadTag {
        /// The name.
        name: PackageName,
        /// The version.
        version: Version,
        /// The registry.
        url: String,
    },
    /// The registry could not be read or written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Registry(#[from] RegistryError),
}

/// The published releases a new `version` of `name` must stay compatible with: the nearest
/// lower and higher ones of its compatibility class in `source`, with their bytes.
pub(crate) fn neighbours(
    source: &dyn Source,
    name: &PackageName,
    version: &Version,
) -> Result<Vec<Release>, RegistryError> {
    let class = CompatClass::of(version);
    let versions = source.versions(name)?;
    let lower = versions
        .iter()
        .rev()
        .find(|v| *v < version && class.contains(v));
    let higher = versions.iter().find(|v| *v > version && class.contains(v));
    let mut out = Vec::new();
    for v in lower.into_iter().chain(higher) {
        let loaded = source
            .fetch(name, v)?
            .ok_or_else(|| RegistryError::Missing {
                name: name.clone(),
                version: v.clone(),
                location: source.location(),
            })?;
        out.push((v.clone(), loaded.bytes));
    }
    Ok(out)
}

/// The patch release after `v`: what to publish instead of an existing version.
pub(crate) fn next_patch(v: &Version) -> Version {
    Version::new(v.major, v.minor, v.patch + 1)
}

/// The error for a new `version` that breaks `other`, published in the same class.
pub(crate) fn breaking_error(
    name: &PackageName,
    version: &Version,
    other: Version,
    source: BoxError,
) -> PublishError {
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
        class: CompatClass::of(version),
        help,
        source,
    }
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

/// An astc registry directory.
pub struct Registry {
    root: PathBuf,
    id: SourceId,
    records: Mutex<BTreeMap<PackageName, Arc<Record>>>,
    digests: FileDigests,
}

impl Registry {
    /// Opens the registry at `root` (which need not exist yet); the lock records it as
    /// given.
    pub fn open(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Registry {
            id: SourceId::Registry(crate::fs::slashes(&root)),
            root,
            records: Mutex::default(),
            digests: FileDigests::default(),
        }
    }

    /// Trusts the digests remembered in `digests` for entries that did not change, rather
    /// than hashing every entry it reads.
    pub fn remembering(mut self, digests: FileDigests) -> Self {
        self.digests = digests;
        self
    }

    /// Has the lock record the registry as `label` (relative to the manifest's directory).
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.id = SourceId::Registry(label.into());
        self
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

    /// Puts back the record of `name` as it was before a publish that failed.
    fn restore_record(
        &self,
        name: &PackageName,
        record: &Arc<Record>,
    ) -> Result<(), RegistryError> {
        let path = self.record_path(name);
        if record.versions.is_empty() {
            // There was none.
            fs::remove_file(&path).map_err(io_err(&path))?;
        } else {
            let mut json = serde_json::to_vec_pretty(&**record).expect("records serialize");
            json.push(b'\n');
            write_atomic(&path, &json).map_err(io_err(&path))?;
        }
        self.records
            .lock()
            .unwrap()
            .insert(name.clone(), record.clone());
        Ok(())
    }
}

impl Source for Registry {
    fn id(&self) -> &SourceId {
        &self.id
    }

    fn location(&self) -> String {
        let mut s = format!("registry directory `{}`", self.root.display());
        if !self.root.exists() {
            s.push_str(" (which does not exist)");
        }
        s
    }

    fn names(&self) -> Result<Vec<PackageName>, RegistryError> {
        Ok(scan_names(&self.root, |entry| Some(entry)))
    }

    fn versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        // Temporary files of an interrupted write start with a dot; foreign files are not
        // versions.
        list_versions(&self.package_dir(name), |_, file_name| {
            parse_version(file_name.strip_suffix(".wasm")?).ok()
        })
    }

    /// Reads `name` `version`, checking its bytes against the registry's record.
    fn fetch(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<Loaded>, RegistryError> {
        let path = self.path_of(name, version);
        match fs::symlink_metadata(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        }
        let (bytes, digest) = read_entry(&self.root, &path, &self.digests)?;
        self.check_record(name, version, &path, digest)?;
        Ok(Some(Loaded {
            bytes,
            digest,
            path,
            source: self.id.clone(),
        }))
    }

    fn recorded_summary(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<ComponentSummary>, RegistryError> {
        Ok(match self.record(name)?.versions.get(version) {
            Some(rec) if self.path_of(name, version).exists() => Some(rec.summary.clone()),
            _ => None,
        })
    }

    fn inputs(&self, name: &PackageName, _version: &Version) -> Vec<PathBuf> {
        let record = self.record_path(name);
        if record.exists() {
            vec![record]
        } else {
            Vec::new()
        }
    }

    fn listing_dirs(&self, name: Option<&PackageName>) -> Vec<PathBuf> {
        match name {
            Some(name) => vec![self.package_dir(name)],
            None => namespace_dirs(&self.root),
        }
    }
}

impl Publish for Registry {
    /// Under the registry's lock, so concurrent publishers see each other's versions; the
    /// file and its record are written atomically.
    fn publish(
        &self,
        name: &PackageName,
        version: &Version,
        bytes: &[u8],
        summary: &ComponentSummary,
        check: &mut CompatCheck<'_>,
    ) -> Result<Published, PublishError> {
        if name.is_host() {
            return Err(PublishError::Reserved { name: name.clone() });
        }
        // `.<version>.wasm.XXXXXX.tmp` is staged beside `<version>.wasm`: both must fit.
        let file_name = format!(".{version}.wasm.XXXXXX.tmp").len();
        if file_name > MAX_FILE_NAME {
            return Err(PublishError::TooLong {
                name: name.clone(),
                version: crate::diagnostic::elide(&version.to_string()).into_owned(),
                bytes: file_name,
            });
        }
        let lock_path = self.root.join(".astc").join("lock");
        let _lock = FileLock::exclusive(&lock_path).map_err(io_err(&lock_path))?;
        // Forget cached state: another process may have published while we waited.
        self.records.lock().unwrap().remove(name);

        let digest = Digest::of(bytes);
        let path = self.path_of(name, version);
        if fs::symlink_metadata(&path).is_ok() {
            let (_, existing) = read_entry(&self.root, &path, &self.digests)?;
            // A file replaced behind the registry's back is reported as such, whatever is
            // being published: its bytes were never published, so they must neither count
            // as "unchanged" nor be quoted as what is published.
            self.check_record(name, version, &path, existing)?;
            if existing != digest {
                let versions = self.versions(name)?;
                let latest = versions.last().unwrap_or(version);
                let suggestion = next_patch(latest);
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

        let neighbours = neighbours(self, name, version)?;
        check(&neighbours)
            .map_err(|(other, source)| breaking_error(name, version, other, source))?;

        // The record first, then the file: a version is visible only once its file is in
        // place, and by then its digest is recorded, so no reader ever takes an unrecorded
        // file for a published version. A record whose file never came (a write failed, the
        // process was killed) lists nothing and is overwritten by the next publish of that
        // version; a failed write also takes its entry back out.
        let previous = self.record(name)?;
        self.write_record(name, version, digest, summary)?;
        let dir = self.package_dir(name);
        let written = fs::create_dir_all(&dir)
            .map_err(io_err(&dir))
            .and_then(|()| write_new_atomic(&path, bytes).map_err(io_err(&path)));
        if let Err(e) = written {
            let _ = self.restore_record(name, &previous);
            return Err(e.into());
        }
        Ok(Published::Added { path, digest })
    }
}
