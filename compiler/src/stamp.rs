//! The no-op fast path: a record of what the last `astc compose` read and wrote.
//!
//! After a successful compose, the size, modification time and digest of every input (the
//! manifest, the lock, each component, the registry records) and output (the composed
//! component, the lock), and the modification times of the registry directories whose
//! listing resolution depends on, are written to `.astc/stamps/<key>.json` beside the
//! manifest. The next compose with the same options checks them before doing anything:
//! files whose size and time are unchanged are trusted; a file touched but unchanged is
//! re-hashed and still counts as the same; anything else, or a directory that changed,
//! means work to do. That check reads no component and takes milliseconds.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use astc_resolver::Digest;
use astc_resolver::fs::write_atomic;
use serde::{Deserialize, Serialize};

const FORMAT: u32 = 1;

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
    len: u64,
    mtime_ns: u128,
    digest: Digest,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct DirStamp {
    path: PathBuf,
    mtime_ns: u128,
}

fn mtime_ns(meta: &fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
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
pub fn is_fresh(stamp: &Path, key: &str) -> bool {
    let Ok(bytes) = fs::read(stamp) else {
        return false;
    };
    let Ok(stamp) = serde_json::from_slice::<Stamp>(&bytes) else {
        return false;
    };
    if stamp.format != FORMAT || stamp.tool != tool() || stamp.key != key {
        return false;
    }
    for d in &stamp.dirs {
        match fs::metadata(&d.path) {
            Ok(m) if mtime_ns(&m) == d.mtime_ns => {}
            _ => return false,
        }
    }
    for f in &stamp.files {
        let Ok(meta) = fs::metadata(&f.path) else {
            return false;
        };
        if meta.len() != f.len {
            return false;
        }
        if mtime_ns(&meta) != f.mtime_ns
            && fs::read(&f.path).map(|b| Digest::of(&b)).ok() != Some(f.digest)
        {
            return false;
        }
    }
    true
}

/// Records `files` (with their digests, hashing those not given) and `dirs` under `stamp`.
/// Failing to write a stamp is not an error: the next compose just does the work.
pub fn record(stamp: &Path, key: &str, files: &[(PathBuf, Option<Digest>)], dirs: &[PathBuf]) {
    let mut out = Stamp {
        format: FORMAT,
        tool: tool(),
        key: key.to_string(),
        files: Vec::new(),
        dirs: Vec::new(),
    };
    for (path, digest) in files {
        let Ok(meta) = fs::metadata(path) else { return };
        let digest = match digest {
            Some(d) => *d,
            None => match fs::read(path) {
                Ok(b) => Digest::of(&b),
                Err(_) => return,
            },
        };
        out.files.push(FileStamp {
            path: path.clone(),
            len: meta.len(),
            mtime_ns: mtime_ns(&meta),
            digest,
        });
    }
    for dir in dirs {
        let Ok(meta) = fs::metadata(dir) else { return };
        out.dirs.push(DirStamp {
            path: dir.clone(),
            mtime_ns: mtime_ns(&meta),
        });
    }
    if let Some(parent) = stamp.parent()
        && fs::create_dir_all(parent).is_ok()
    {
        let mut json = serde_json::to_vec_pretty(&out).expect("stamps serialize");
        json.push(b'\n');
        let _ = write_atomic(stamp, &json);
    }
}
