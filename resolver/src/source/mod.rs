//! Sources: where published component versions come from, and how the resolver sees them.
//!
//! Three layers, each with one job:
//!
//! - a [`Source`] stores versions: it lists names and versions and hands out a version's
//!   bytes with their digest, checked against what it recorded when they were published. A
//!   [`Publish`] source also takes new versions. The registry directory
//!   ([`crate::registry::Registry`]), the asterai local store ([`AsteraiStore`]) and a remote
//!   OCI registry ([`OciRegistry`]) are the implementations.
//! - [`Sources`] chains several sources in a fixed order of precedence and gives each
//!   component's bytes with the [`SourceId`] of the source that served them, which the lock
//!   records.
//! - a [`ComponentSource`] is what the resolver asks: versions and interface summaries.
//!   [`Sources`] implements it over real sources (summaries from the sources' records, else
//!   from the bytes), [`MemoryRegistry`] over summaries alone, for tests.
//!
//! Registry locations given by the user are parsed by [`location`], which keeps URLs from
//! being taken for directories.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use semver::Version;

use crate::digest::Digest;
use crate::file_digests::FileDigests;
use crate::name::PackageName;
use crate::registry::{PublishError, Published, RegistryError};
use crate::summary::{BoxError, ComponentSummary};

mod asterai;
mod chain;
mod id;
pub mod location;
mod memory;
mod oci;

pub use asterai::AsteraiStore;
pub use chain::Sources;
pub use id::SourceId;
pub use memory::MemoryRegistry;
pub use oci::{OciOptions, OciRegistry};

/// One place published component versions are stored.
pub trait Source {
    /// This source as the lock records it.
    fn id(&self) -> &SourceId;
    /// Where versions are looked for, for messages: "registry directory `registry`".
    fn location(&self) -> String;
    /// Every component name it holds, for did-you-mean suggestions; unreadable parts are
    /// skipped.
    fn names(&self) -> Result<Vec<PackageName>, RegistryError>;
    /// Every version of `name` it holds, ascending. An unknown name has none.
    fn versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError>;
    /// The versions of `name` known without asking anyone (a remote source's cache); `None`
    /// when [`versions`](Source::versions) is as cheap. Enough when a lock pins a version.
    fn cached_versions(&self, _name: &PackageName) -> Option<Vec<Version>> {
        None
    }
    /// The bytes of `name` `version` and their digest, checked against what the source
    /// recorded at publish; `None` when it does not hold that version.
    fn fetch(&self, name: &PackageName, version: &Version)
    -> Result<Option<Loaded>, RegistryError>;
    /// The interface summary recorded when `name` `version` was published, if the source
    /// keeps one and holds the version; otherwise the caller inspects the bytes.
    fn recorded_summary(
        &self,
        _name: &PackageName,
        _version: &Version,
    ) -> Result<Option<ComponentSummary>, RegistryError> {
        Ok(None)
    }
    /// Files besides the component itself that fetching `name` `version` read (records),
    /// for depfiles and the no-op check.
    fn inputs(&self, _name: &PackageName, _version: &Version) -> Vec<PathBuf> {
        Vec::new()
    }
    /// Directories whose listing decides which versions exist: a version published since
    /// changes one of them. With `name`, those of that component only.
    fn listing_dirs(&self, name: Option<&PackageName>) -> Vec<PathBuf>;
}

/// A published version with its bytes.
pub type Release = (Version, Arc<[u8]>);

/// Checks a new version against its published neighbours in the same compatibility class
/// (see [`Publish::publish`]); fails with the neighbour it breaks and why.
pub type CompatCheck<'a> = dyn FnMut(&[Release]) -> Result<(), (Version, BoxError)> + 'a;

/// A source that takes new versions.
pub trait Publish: Source {
    /// Publishes `bytes` as `name` `version`, whose interfaces are `summary`.
    ///
    /// Published versions are immutable: identical bytes already published are a no-op,
    /// other bytes under an existing version are refused. Otherwise `check` is called with
    /// the nearest lower and higher published versions of the same compatibility class (the
    /// releases the new one must stay compatible with) before anything is written.
    fn publish(
        &self,
        name: &PackageName,
        version: &Version,
        bytes: &[u8],
        summary: &ComponentSummary,
        check: &mut CompatCheck<'_>,
    ) -> Result<Published, PublishError>;
}

/// What the resolver needs from its sources. Implemented by [`Sources`] and, for tests, by
/// [`MemoryRegistry`].
pub trait ComponentSource {
    /// Where versions are looked for, for messages: "registry directory `registry`".
    fn location(&self) -> String;
    /// Every version of `name`, ascending. An unknown name has none.
    fn versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError>;
    /// The versions of `name` known without network access, if every source can tell.
    fn cached_versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        self.versions(name)
    }
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

/// A published component's bytes, checked against the record of the source holding them.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The bytes.
    pub bytes: Arc<[u8]>,
    /// Their digest.
    pub digest: Digest,
    /// The file they were read from.
    pub path: PathBuf,
    /// The source that served them.
    pub source: SourceId,
}

/// Reads a file of the source directory `base`, refusing directories and links that lead
/// out of `base`: what is read is what the source holds.
pub(crate) fn read_entry(
    base: &Path,
    path: &Path,
    digests: &FileDigests,
) -> Result<(Arc<[u8]>, Digest), RegistryError> {
    // A link anywhere on the way (the file, its package or namespace directory) must not
    // lead out of the source.
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
    digests.read(path).map_err(io_err(path))
}

/// The names in a `<root>/<namespace>/<entry>` layout, where `entry` gives the name part
/// (`None` to skip the entry). Unreadable directories are skipped: names only feed
/// suggestions.
pub(crate) fn scan_names(root: &Path, entry: impl Fn(&str) -> Option<&str>) -> Vec<PackageName> {
    let mut out = Vec::new();
    let Ok(namespaces) = fs::read_dir(root) else {
        return out;
    };
    for ns in namespaces.flatten() {
        let Ok(entries) = fs::read_dir(ns.path()) else {
            continue;
        };
        for e in entries.flatten() {
            let file_name = e.file_name().to_string_lossy().into_owned();
            let Some(n) = entry(&file_name) else {
                continue;
            };
            let full = format!("{}:{n}", ns.file_name().to_string_lossy());
            if let Ok(name) = PackageName::parse(&full) {
                out.push(name);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `root` and its namespace directories (not those starting with a dot), if `root` is a
/// directory: their listings decide which names exist.
pub(crate) fn namespace_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if !root.is_dir() {
        return dirs;
    }
    dirs.push(root.to_path_buf());
    if let Ok(entries) = fs::read_dir(root) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir())
                && !e.file_name().to_string_lossy().starts_with('.')
            {
                dirs.push(e.path());
            }
        }
    }
    dirs
}

/// Lists the entries of `dir` with `version_of` (the version an entry name stands for, if
/// any), ascending; a missing directory holds none.
pub(crate) fn list_versions(
    dir: &Path,
    version_of: impl Fn(&fs::DirEntry, &str) -> Option<Version>,
) -> Result<Vec<Version>, RegistryError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(Vec::new());
        }
        Err(e) => return Err(io_err(dir)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_err(dir))?;
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        if let Some(v) = version_of(&entry, file_name) {
            out.push(v);
        }
    }
    out.sort();
    Ok(out)
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> RegistryError + '_ {
    move |source| RegistryError::Io {
        path: path.to_path_buf(),
        source,
    }
}
