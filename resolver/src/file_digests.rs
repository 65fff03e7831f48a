//! Digests of files remembered by identity, so that an unchanged file is not read again
//! only to learn its digest.
//!
//! A file's *identity* is what the file system says about it without reading it: device,
//! inode, size, and modification and change times, as git's index and cargo's fingerprints
//! use. astc remembers the digest it computed for a path under `<cache>/files/` together
//! with that identity and the time it was computed. A later read trusts the digest only if
//!
//! - the identity is the same: other bytes written in place change the change time (which
//!   no user can set), a file replaced by rename has another inode;
//! - the file had settled when the digest was computed: both times lie more than
//!   [`SETTLE`] before it. A file written again within the same timestamp tick as the
//!   bytes that were hashed would keep its times (they are as coarse as a kernel tick), so
//!   a digest computed that close to a write is never trusted: the file is hashed again
//!   and remembered anew ("racily clean", in git's words);
//! - the clock has not gone back since: a record from the future proves nothing.
//!
//! Anything else means hashing the file again. Records are written atomically and are
//! only ever a shortcut: a missing, unreadable or foreign record costs one hash.

use std::fs::{self, File, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::fs::{open_regular, read_hashed_from, read_whole, write_artifact};

/// How long before a digest is computed a file must have been last written for the digest
/// to be trusted later: well above the coarsest timestamp tick of a local file system.
pub const SETTLE: Duration = Duration::from_secs(1);

const FORMAT: u32 = 1;

/// What identifies a file's contents without reading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl FileIdentity {
    /// The identity of the file `meta` describes, where the platform gives one.
    pub fn of(meta: &Metadata) -> Option<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
            Some(FileIdentity {
                dev: meta.dev(),
                ino: meta.ino(),
                len: meta.len(),
                mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
                ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }

    /// Whether a digest computed at `recorded_ns` for a file with this identity still
    /// holds for a file whose identity is `now`, the clock reading `now_ns`.
    pub fn vouches_for(&self, now: &FileIdentity, recorded_ns: i128, now_ns: i128) -> bool {
        let settle = SETTLE.as_nanos() as i128;
        self == now
            && now_ns >= recorded_ns
            && self.mtime_ns < recorded_ns - settle
            && self.ctime_ns < recorded_ns - settle
    }
}

/// The clock, in nanoseconds since the epoch (negative before it).
pub fn now_ns() -> i128 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    format: u32,
    path: PathBuf,
    identity: FileIdentity,
    recorded_ns: i128,
    digest: Digest,
}

/// The remembered digests of one cache directory (or none: every file is hashed).
#[derive(Debug, Clone, Default)]
pub struct FileDigests {
    dir: Option<PathBuf>,
}

impl FileDigests {
    /// Digests remembered under the cache directory `cache_dir`, or nowhere.
    pub fn new(cache_dir: Option<&Path>) -> Self {
        FileDigests {
            dir: cache_dir.map(|d| d.join("files")),
        }
    }

    /// Reads the regular file at `path` and gives its digest, hashing the bytes only when
    /// no trusted digest is remembered for the file as it is.
    pub fn read(&self, path: &Path) -> io::Result<(Arc<[u8]>, Digest)> {
        let mut file = open_regular(path)?;
        let before = file.metadata()?;
        let Some(slot) = self.slot(path, &before) else {
            return read_hashed_from(path, file, &before);
        };
        if let Some(digest) = slot.known {
            // Bytes written while they were read change the identity (or the length): read
            // and hash what is there now.
            if let Some(bytes) = read_whole(&mut file, before.len())?
                && FileIdentity::of(&file.metadata()?) == Some(slot.identity)
            {
                return Ok((bytes, digest));
            }
            return crate::fs::read_hashed(path);
        }
        let (bytes, digest) = read_hashed_from(path, file.try_clone()?, &before)?;
        slot.remember(&file, digest);
        Ok((bytes, digest))
    }

    /// The digest of the regular file at `path`, reading it only when no trusted digest is
    /// remembered.
    pub fn digest(&self, path: &Path) -> io::Result<Digest> {
        self.digest_or_read(path).map(|(digest, _)| digest)
    }

    /// The digest of the regular file at `path`, and its bytes when they had to be read to
    /// learn it (no trusted digest remembered): one open either way.
    pub fn digest_or_read(&self, path: &Path) -> io::Result<(Digest, Option<Arc<[u8]>>)> {
        let file = open_regular(path)?;
        let before = file.metadata()?;
        let slot = self.slot(path, &before);
        if let Some(digest) = slot.as_ref().and_then(|s| s.known) {
            return Ok((digest, None));
        }
        let (bytes, digest) = read_hashed_from(path, file.try_clone()?, &before)?;
        if let Some(slot) = slot {
            slot.remember(&file, digest);
        }
        Ok((digest, Some(bytes)))
    }

    /// The digest remembered for the file at `path` if it is trusted now, without reading
    /// the file.
    pub fn known(&self, path: &Path) -> Option<Digest> {
        let file = open_regular(path).ok()?;
        let meta = file.metadata().ok()?;
        self.slot(path, &meta)?.known
    }

    fn slot(&self, path: &Path, meta: &Metadata) -> Option<Slot> {
        let dir = self.dir.as_ref()?;
        let identity = FileIdentity::of(meta)?;
        let path = std::path::absolute(path).ok()?;
        let key = Digest::of(path.as_os_str().as_encoded_bytes()).to_string();
        let record = dir.join(format!("{}.json", &key[7..39]));
        let known = fs::read(&record)
            .ok()
            .and_then(|b| serde_json::from_slice::<Record>(&b).ok())
            .filter(|r| {
                r.format == FORMAT
                    && r.path == path
                    && r.identity.vouches_for(&identity, r.recorded_ns, now_ns())
            })
            .map(|r| r.digest);
        Some(Slot {
            path,
            record,
            identity,
            known,
        })
    }
}

/// Where the digest of one file is remembered, and what the file looked like when opened.
struct Slot {
    path: PathBuf,
    record: PathBuf,
    identity: FileIdentity,
    known: Option<Digest>,
}

impl Slot {
    /// Remembers `digest` for the file, if it is still the file that was hashed. Best
    /// effort: a cache that cannot be written only costs a hash next time.
    fn remember(self, file: &File, digest: Digest) {
        let Some(now) = file.metadata().ok().and_then(|m| FileIdentity::of(&m)) else {
            return;
        };
        if now != self.identity {
            return;
        }
        let record = Record {
            format: FORMAT,
            path: self.path,
            identity: self.identity,
            recorded_ns: now_ns(),
            digest,
        };
        let Some(dir) = self.record.parent() else {
            return;
        };
        if fs::create_dir_all(dir).is_ok() {
            let json = serde_json::to_vec(&record).expect("records serialize");
            let _ = write_artifact(&self.record, &json);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ino: u64, len: u64, mtime_ns: i128, ctime_ns: i128) -> FileIdentity {
        FileIdentity {
            dev: 1,
            ino,
            len,
            mtime_ns,
            ctime_ns,
        }
    }

    const S: i128 = 1_000_000_000;

    #[test]
    fn only_a_settled_unchanged_file_is_vouched_for() {
        let then = id(7, 100, 10 * S, 10 * S);
        // Unchanged, hashed two seconds after its last write, checked later: trusted.
        assert!(then.vouches_for(&then, 12 * S, 20 * S));
        // Other bytes in place: the change time moved, even with size and mtime restored.
        assert!(!then.vouches_for(&id(7, 100, 10 * S, 15 * S), 12 * S, 20 * S));
        // Replaced by rename: another inode.
        assert!(!then.vouches_for(&id(8, 100, 10 * S, 10 * S), 12 * S, 20 * S));
        // Another size.
        assert!(!then.vouches_for(&id(7, 101, 10 * S, 10 * S), 12 * S, 20 * S));
        // Hashed within the settling time of a write: a second write in the same tick
        // would look identical, so the digest is never trusted.
        assert!(!then.vouches_for(&then, 10 * S + S / 2, 20 * S));
        // A modification time in the future (the clock went back after the write).
        let future = id(7, 100, 30 * S, 10 * S);
        assert!(!future.vouches_for(&future, 12 * S, 40 * S));
        // The clock went back since the digest was recorded.
        assert!(!then.vouches_for(&then, 12 * S, 11 * S));
    }

    fn set_times(path: &Path, mtime: SystemTime) {
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }

    #[test]
    fn digests_are_remembered_and_never_stale() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileDigests::new(Some(&dir.path().join("cache")));
        let file = dir.path().join("a.wasm");
        fs::write(&file, b"first bytes").unwrap();
        // Written long ago, as far as its modification time says; the change time is now.
        let old = SystemTime::now() - Duration::from_secs(3600);
        set_times(&file, old);
        let first = Digest::of(b"first bytes");
        assert_eq!(cache.read(&file).unwrap().1, first);
        // Hashed within a second of its change time: not trusted yet.
        assert_eq!(cache.known(&file), None);
        std::thread::sleep(SETTLE + Duration::from_millis(50));
        assert_eq!(cache.digest(&file).unwrap(), first);
        assert_eq!(cache.known(&file), Some(first));
        assert_eq!(cache.read(&file).unwrap().1, first);

        // Same size, same modification time, other bytes.
        fs::write(&file, b"other bytes").unwrap();
        set_times(&file, old);
        assert_eq!(cache.known(&file), None);
        assert_eq!(cache.read(&file).unwrap().1, Digest::of(b"other bytes"));

        // Replaced by rename with a file of the same size and time.
        let new = dir.path().join("b.wasm");
        fs::write(&new, b"third bytes").unwrap();
        set_times(&new, old);
        fs::rename(&new, &file).unwrap();
        assert_eq!(cache.digest(&file).unwrap(), Digest::of(b"third bytes"));

        // Without a cache directory nothing is remembered.
        assert_eq!(FileDigests::new(None).known(&file), None);
    }
}
