//! The local cache of a remote registry: component bytes by digest, and what each tag
//! pointed to when astc last read it.
//!
//! ```text
//! <cache>/oci/blobs/sha256/<hex>                                  the component's bytes
//! <cache>/oci/tags/<registry>/<repository>/<version>.json          {"manifest": ..., "layer": ...}
//! ```
//!
//! Blobs are content-addressed and checked against their name when read, so a damaged one is
//! fetched again rather than used. Every file is written to a temporary name and renamed,
//! so a reader (another compose at the same time) sees a whole file or none, and a killed
//! process leaves no partial entry. A tag record is written only after its blob.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::file_digests::FileDigests;
use crate::fs::write_atomic;
use crate::name::PackageName;
use crate::source::location::OciUrl;
use crate::version::parse_version;

/// What a tag pointed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TagRecord {
    /// The manifest's digest.
    pub(crate) manifest: String,
    /// The component layer's digest: the digest of the component's bytes.
    pub(crate) layer: Digest,
}

/// The cache of one registry, or none (`ASTC_NO_CACHE=1`: everything is fetched again).
pub(crate) struct Cache {
    root: Option<PathBuf>,
    url: OciUrl,
    digests: FileDigests,
}

impl Cache {
    pub(crate) fn new(cache_dir: Option<PathBuf>, url: OciUrl) -> Self {
        Cache {
            digests: FileDigests::new(cache_dir.as_deref()),
            root: cache_dir.map(|d| d.join("oci")),
            url,
        }
    }

    pub(crate) fn blob_path(&self, digest: &Digest) -> Option<PathBuf> {
        let hex = digest.to_string();
        let hex = hex.strip_prefix("sha256:").unwrap_or(&hex).to_string();
        Some(self.root.as_ref()?.join("blobs").join("sha256").join(hex))
    }

    fn tag_dir(&self, name: &PackageName) -> Option<PathBuf> {
        let mut dir = self.root.as_ref()?.join("tags").join(&self.url.registry);
        for part in self
            .url
            .repository(name.namespace(), name.name())
            .split('/')
        {
            dir.push(part);
        }
        Some(dir)
    }

    pub(crate) fn tag_dir_of(&self, name: &PackageName) -> Option<PathBuf> {
        self.tag_dir(name)
    }

    /// The bytes of `digest`, if cached and intact.
    pub(crate) fn blob(&self, digest: &Digest) -> Option<Arc<[u8]>> {
        let path = self.blob_path(digest)?;
        let (bytes, actual) = self.digests.read(&path).ok()?;
        if actual != *digest {
            // Damaged (a disk error, a hand edit): drop it so it is fetched again.
            let _ = fs::remove_file(&path);
            return None;
        }
        Some(bytes)
    }

    /// Stores verified bytes under their digest.
    pub(crate) fn put_blob(&self, digest: &Digest, bytes: &[u8]) -> io::Result<()> {
        let Some(path) = self.blob_path(digest) else {
            return Ok(());
        };
        if path.exists() {
            return Ok(());
        }
        fs::create_dir_all(path.parent().expect("blob paths have a parent"))?;
        write_atomic(&path, bytes)
    }

    /// What `name`'s tag `version` pointed to when last read.
    pub(crate) fn tag(&self, name: &PackageName, version: &Version) -> Option<TagRecord> {
        let path = self.tag_dir(name)?.join(format!("{version}.json"));
        serde_json::from_slice(&fs::read(path).ok()?).ok()
    }

    pub(crate) fn put_tag(
        &self,
        name: &PackageName,
        version: &Version,
        record: &TagRecord,
    ) -> io::Result<()> {
        let Some(dir) = self.tag_dir(name) else {
            return Ok(());
        };
        fs::create_dir_all(&dir)?;
        let mut json = serde_json::to_vec_pretty(record).expect("records serialize");
        json.push(b'\n');
        write_atomic(&dir.join(format!("{version}.json")), &json)
    }

    /// The versions of `name` with a cached record and blob, ascending.
    pub(crate) fn versions(&self, name: &PackageName) -> Vec<Version> {
        let Some(dir) = self.tag_dir(name) else {
            return Vec::new();
        };
        let Ok(entries) = fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut out: Vec<Version> = entries
            .flatten()
            .filter_map(|e| {
                let file = e.file_name().to_str()?.to_string();
                let v = parse_version(file.strip_suffix(".json")?).ok()?;
                let record = self.tag(name, &v)?;
                self.blob_path(&record.layer)?.exists().then_some(v)
            })
            .collect();
        out.sort();
        out
    }
}
