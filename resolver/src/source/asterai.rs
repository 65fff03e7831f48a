//! The asterai local store as a read-only source:
//! `<dir>/<namespace>/<name>@<version>/component.wasm`.
//!
//! The store keeps no record of what was published, so its files are checked only against
//! other sources holding the same version (see [`super::Sources`]) and against the lock.

use std::path::{Path, PathBuf};

use semver::Version;

use super::{Loaded, Source, SourceId, list_versions, namespace_dirs, read_entry, scan_names};
use crate::file_digests::FileDigests;
use crate::name::PackageName;
use crate::registry::RegistryError;
use crate::version::parse_version;

/// An asterai local store.
#[derive(Debug, Clone)]
pub struct AsteraiStore {
    dir: PathBuf,
    id: SourceId,
    digests: FileDigests,
}

impl AsteraiStore {
    /// Reads the store at `dir`, which the lock records as given.
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        let id = SourceId::AsteraiStore(crate::fs::slashes(&dir));
        AsteraiStore {
            dir,
            id,
            digests: FileDigests::default(),
        }
    }

    /// Trusts the digests remembered in `digests` for files that did not change.
    pub fn remembering(mut self, digests: FileDigests) -> Self {
        self.digests = digests;
        self
    }

    /// Has the lock record the store as `label` (relative to the manifest's directory).
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.id = SourceId::AsteraiStore(label.into());
        self
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, name: &PackageName, version: &Version) -> PathBuf {
        self.dir
            .join(name.namespace())
            .join(format!("{}@{version}", name.name()))
            .join("component.wasm")
    }
}

impl Source for AsteraiStore {
    fn id(&self) -> &SourceId {
        &self.id
    }

    fn location(&self) -> String {
        format!("asterai store `{}`", self.dir.display())
    }

    fn names(&self) -> Result<Vec<PackageName>, RegistryError> {
        Ok(scan_names(&self.dir, |entry| {
            Some(entry.split_once('@').map_or(entry, |(base, _)| base))
        }))
    }

    fn versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        let prefix = format!("{}@", name.name());
        list_versions(&self.dir.join(name.namespace()), |entry, file_name| {
            let v = parse_version(file_name.strip_prefix(&prefix)?).ok()?;
            entry.path().join("component.wasm").exists().then_some(v)
        })
    }

    fn fetch(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<Loaded>, RegistryError> {
        let path = self.path_of(name, version);
        if !path.exists() {
            return Ok(None);
        }
        let (bytes, digest) = read_entry(&self.dir, &path, &self.digests)?;
        Ok(Some(Loaded {
            bytes,
            digest,
            path,
            source: self.id.clone(),
        }))
    }

    fn listing_dirs(&self, name: Option<&PackageName>) -> Vec<PathBuf> {
        match name {
            // A version is a directory in the namespace directory, listed already.
            Some(_) => Vec::new(),
            None => namespace_dirs(&self.dir),
        }
    }
}
