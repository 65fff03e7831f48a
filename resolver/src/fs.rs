//! File-system helpers shared by every crate that writes: atomic writes and the registry's
//! lock.
//!
//! Every file astc writes (registry entries, records, `astc.lock`, composed output) lands
//! in a temporary file in the destination's directory, then is renamed over the
//! destination. A reader, or a process killed at any moment, sees the old file or the new
//! one, never a mix. What cannot be made again (registry entries, records, locks) is also
//! flushed to disk before the rename; build artifacts are not (see
//! [`stage_artifact_with`]).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use crate::digest::Digest;

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename). The file ends up
/// readable by everyone (mode 0644 on Unix), like a file written with `fs::write`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = stage(path, bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_parent(path);
    Ok(())
}

/// Like [`write_atomic`], but fails with [`io::ErrorKind::AlreadyExists`] instead of replacing
/// an existing file: how published versions stay immutable even between two racing
/// publishers.
pub fn write_new_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = stage(path, bytes)?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    sync_parent(path);
    Ok(())
}

/// `p` with `/` separators, as locks record paths, so a lock reads the same on every
/// machine.
pub fn slashes(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// Reads a whole file into a shared buffer, in one copy (`Arc::from(Vec)` would copy a
/// large component again), and computes its digest on a second thread while it is read:
/// for a large component, reading and hashing take about as long each.
pub fn read_hashed(path: &Path) -> io::Result<(Arc<[u8]>, Digest)> {
    use std::io::Read;
    /// Below this, a thread costs more than it saves.
    const PIPELINE_FROM: usize = 1 << 20;
    const CHUNK: usize = 1 << 20;
    let mut file = File::open(path)?;
    let len = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
    if len < PIPELINE_FROM || len > isize::MAX as usize {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let digest = Digest::of(&bytes);
        return Ok((bytes.into(), digest));
    }
    // SAFETY: zeroed memory is a valid `[u8]`.
    let mut buf: Arc<[u8]> = unsafe { Arc::new_zeroed_slice(len).assume_init() };
    let unique = Arc::get_mut(&mut buf).expect("a new Arc is unique");
    let read = std::thread::scope(|scope| -> io::Result<Option<Digest>> {
        let (send, receive) = std::sync::mpsc::channel::<&[u8]>();
        let hasher = scope.spawn(move || {
            let mut hasher = Sha256::new();
            for chunk in receive {
                hasher.update(chunk);
            }
            Digest::from_bytes(hasher.finalize().into())
        });
        for chunk in unique.chunks_mut(CHUNK) {
            match file.read_exact(chunk) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                Err(e) => return Err(e),
            }
            let _ = send.send(chunk);
        }
        drop(send);
        let digest = hasher.join().expect("hashing does not panic");
        Ok((file.read(&mut [0u8; 1])? == 0).then_some(digest))
    })?;
    match read {
        Some(digest) => Ok((buf, digest)),
        None => {
            // The file changed size while being read: read it again, whatever it holds now.
            let bytes = fs::read(path)?;
            let digest = Digest::of(&bytes);
            Ok((bytes.into(), digest))
        }
    }
}

/// A file written in full to a temporary file beside its destination, not yet in place.
/// Staging every output of a command first, then committing them together, means a failure
/// on any of them (a read-only directory, a full disk) leaves every destination untouched.
#[derive(Debug)]
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Staged {
    /// Where the file goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file into place.
    pub fn commit(self) -> io::Result<()> {
        self.tmp.persist(&self.path).map_err(|e| e.error)?;
        sync_parent(&self.path);
        Ok(())
    }
}

/// Writes `bytes` into a temporary file beside `path`, to be [committed](Staged::commit).
pub fn stage_bytes(path: &Path, bytes: &[u8]) -> io::Result<Staged> {
    Ok(Staged {
        tmp: stage(path, bytes)?,
        path: path.to_path_buf(),
    })
}

/// Stages a build artifact that can be made again, its content streamed by `write`: the
/// rename is atomic, so a killed process leaves the old file or the new one, but the data
/// is not forced to disk first (as cargo does not), which for a large output costs more
/// than the rest of the build. Registry entries and locks, which cannot be made again, use
/// [`stage_bytes`] and [`write_atomic`], which are.
pub fn stage_artifact_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<Staged> {
    let mut tmp = temp_in(path)?;
    write(tmp.as_file_mut())?;
    set_mode(&tmp)?;
    Ok(Staged {
        tmp,
        path: path.to_path_buf(),
    })
}

fn stage(path: &Path, bytes: &[u8]) -> io::Result<tempfile::NamedTempFile> {
    let mut tmp = temp_in(path)?;
    tmp.write_all(bytes)?;
    finish(&tmp)?;
    Ok(tmp)
}

/// Flushes the temporary file to disk and gives it the permissions of a normal file.
fn finish(tmp: &tempfile::NamedTempFile) -> io::Result<()> {
    tmp.as_file().sync_all()?;
    set_mode(tmp)
}

/// Gives the temporary file the permissions of a normal file.
fn set_mode(tmp: &tempfile::NamedTempFile) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o644))?;
    }
    Ok(())
}

/// A temporary file beside `path`, named after it.
fn temp_in(path: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("directory `{}` does not exist", dir.display()),
        ));
    }
    // tempfile's errors name the random temporary path; name the directory instead.
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot create a file in `{}`: {}", dir.display(), e.kind()),
            )
        })
}

/// The directory `path` is in: `.` for a bare file name.
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Makes the rename itself durable; best effort, as not every file system supports it.
fn sync_parent(path: &Path) {
    if let Ok(dir) = File::open(parent_dir(path)) {
        let _ = dir.sync_all();
    }
}

/// Writes a Make-style depfile: `targets: deps`, with spaces, `#` and `$` escaped, so
/// Make, Ninja and Bazel rebuild exactly when an input changes.
pub fn write_depfile(path: &Path, targets: &[PathBuf], deps: &[PathBuf]) -> io::Result<()> {
    write_atomic(path, depfile_text(targets, deps).as_bytes())
}

/// The text of a Make-style depfile (see [`write_depfile`]).
pub fn depfile_text(targets: &[PathBuf], deps: &[PathBuf]) -> String {
    fn escape(p: &Path) -> String {
        let s = p.to_string_lossy().replace('\\', "/");
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                ' ' => out.push_str("\\ "),
                '#' => out.push_str("\\#"),
                '$' => out.push_str("$$"),
                c => out.push(c),
            }
        }
        out
    }
    let mut text = targets
        .iter()
        .map(|t| escape(t))
        .collect::<Vec<_>>()
        .join(" ");
    text.push(':');
    for d in deps {
        text.push_str(" \\\n  ");
        text.push_str(&escape(d));
    }
    text.push('\n');
    text
}

/// An exclusive advisory lock on a file, released on drop. Concurrent publishers to one
/// registry take it in turn.
#[derive(Debug)]
pub struct FileLock {
    file: File,
    path: PathBuf,
}

impl FileLock {
    /// Blocks until the lock on `path` (created if missing) is held.
    pub fn exclusive(path: &Path) -> io::Result<Self> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        file.lock()?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.wasm");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["out.wasm"]);
    }

    #[test]
    fn depfiles_escape_special_characters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.d");
        write_depfile(
            &path,
            &[PathBuf::from("out.wasm"), PathBuf::from("astc.lock")],
            &[PathBuf::from("my dir/a#1.wasm"), PathBuf::from("b$.wasm")],
        )
        .unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "out.wasm astc.lock: \\\n  my\\ dir/a\\#1.wasm \\\n  b$$.wasm\n"
        );
    }

    #[test]
    fn write_new_refuses_to_replace() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1.0.0.wasm");
        write_new_atomic(&path, b"one").unwrap();
        let err = write_new_atomic(&path, b"two").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"one");
    }
}
