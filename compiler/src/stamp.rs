//! The no-op fast path: a record of what the last `astc compose` read and wrote.
//!
//! After a successful compose, the digest of every input (the manifest, the lock, each
//! component, the registry records) and output (the composed component, the lock), and
//! the names in the registry directories whose listing resolution depends on, are
//! written to `.astc/stamps/<key>.json` beside the manifest. The next compose with the
//! same options checks them before doing anything: each file's digest is the remembered
//! one when the file is unchanged by identity (see [`astc_resolver::file_digests`]), else
//! the file is hashed again (touched but unchanged still counts as the same); a directory
//! must list the same names.
//! Anything else means work to do. On a warm cache that check reads no component and
//! takes milliseconds.

use std::fs;
use std::path::{Path, PathBuf};

use astc_resolver::Digest;
use astc_resolver::FileDigests;
use astc_resolver::fs::write_artifact;
use serde::{Deserialize, Serialize};

const FORMAT: u32 = 2;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Stamp {
    format: u32,
    tool: String,
    key: String,
    files: Vec<FileStamp>,
    dirs: Vec<DirStamp>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct FileStamp {
    path: PathBuf,
    digest: Digest,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct DirStamp {
    path: PathBuf,
    /// The digest of the sorted names in the directory: its listing is what resolution
    /// depends on, and reading it is cheap and exact.
    listing: Digest,
}

/// The digest of the names in `dir`, sorted.
fn listing(dir: &Path) -> Option<Digest> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .ok()?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .ok()?;
    names.sort();
    let mut all = Vec::new();
    for n in names {
        all.extend_from_slice(n.as_encoded_bytes());
        all.push(0);
    }
    Some(Digest::of(&all))
}

/// Where the stamp for `key` lives, beside the manifest in `manifest_dir`.
pub fn path(manifest_dir: &Path, key: &str) -> PathBuf {
    let name = Digest::of(key.as_bytes()).short();
    manifest_dir
        .join(".astc")
        .join("stamps")
        .join(format!("{name}.json"))
}

fn tool() -> String {
    format!("astc {}", env!("CARGO_PKG_VERSION"))
}

/// Whether everything recorded under `stamp` is unchanged: the last compose with the same
/// key is still up to date.
pub fn is_fresh(stamp: &Path, key: &str, digests: &FileDigests) -> bool {
    let Ok(bytes) = fs::read(stamp) else {
        return false;
    };
    let Ok(stamp) = serde_json::from_slice::<Stamp>(&bytes) else {
        return false;
    };
    if stamp.format != FORMAT || stamp.tool != tool() || stamp.key != key {
        return false;
    }
    if stamp
        .dirs
        .iter()
        .any(|d| listing(&d.path) != Some(d.listing))
    {
        return false;
    }
    stamp
        .files
        .iter()
        .all(|f| digests.digest(&f.path).ok() == Some(f.digest))
}

/// Records `files` (with their digests, hashing those not given) and `dirs` under `stamp`.
/// Failing to write a stamp is not an error: the next compose just does the work.
pub fn record(
    stamp: &Path,
    key: &str,
    files: &[(PathBuf, Option<Digest>)],
    dirs: &[PathBuf],
    digests: &FileDigests,
) {
    let mut out = Stamp {
        format: FORMAT,
        tool: tool(),
        key: key.to_string(),
        files: Vec::new(),
        dirs: Vec::new(),
    };
    for (path, digest) in files {
        let digest = match digest {
            Some(d) => *d,
            None => match digests.digest(path) {
                Ok(d) => d,
                Err(_) => return,
            },
        };
        out.files.push(FileStamp {
            path: path.clone(),
            digest,
        });
    }
    for dir in dirs {
        let Some(listing) = listing(dir) else {
            return;
        };
        out.dirs.push(DirStamp {
            path: dir.clone(),
            listing,
        });
    }
    if let Some(parent) = stamp.parent()
        && fs::create_dir_all(parent).is_ok()
    {
        let mut json = serde_json::to_vec_pretty(&out).expect("stamps serialize");
        json.push(b'\n');
        let _ = write_artifact(stamp, &json);
    }
}
