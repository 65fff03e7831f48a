//! File-system helpers shared by every crate that reads or writes files: reads that refuse
//! anything but a regular file, atomic writes, depfiles and the registry's lock. They are
//! one module, past a few hundred lines, because every rule about what a path may be
//! (regular file, symbolic link, device, FIFO) must hold the same for every command.
//!
//! Every file astc writes (registry entries, records, `astc.lock`, composed output) lands
//! in a temporary file in the destination's directory, then is renamed over the
//! destination. A reader, or a process killed at any moment, sees the old file or the new
//! one, never a mix. What cannot be made again (registry entries, records, locks) is also
//! flushed to disk before the rename; build artifacts are not (see
//! [`stage_artifact_with`]).
//!
//! As a compiler's `-o` does, a write follows a symbolic link and replaces its target, and
//! a write to a device or a FIFO (`-o /dev/null`, `-o pipe`) goes through to it: such a
//! destination is never replaced by a regular file.

use std::fs::{self, File};
use std::io::{self, Read as _, Seek as _, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use crate::digest::Digest;

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename). The file ends up
/// readable by everyone (mode 0644 on Unix), like a file written with `fs::write`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    stage_bytes(path, bytes)?.commit()
}

/// Like [`write_atomic`], but fails with [`io::ErrorKind::AlreadyExists`] instead of replacing
/// an existing file: how published versions stay immutable even between two racing
/// publishers.
pub fn write_new_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = stage_beside(path, bytes)?;
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
    let file = open_regular(path)?;
    let meta = file.metadata()?;
    read_hashed_from(path, file, &meta)
}

/// [`read_hashed`] of `file`, opened from `path` and described by `meta`.
pub(crate) fn read_hashed_from(
    path: &Path,
    mut file: File,
    meta: &fs::Metadata,
) -> io::Result<(Arc<[u8]>, Digest)> {
    /// Below this, a thread costs more than it saves.
    const PIPELINE_FROM: usize = 1 << 20;
    const CHUNK: usize = 1 << 20;
    let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
    if len < PIPELINE_FROM || len > isize::MAX as usize {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let digest = Digest::of(&bytes);
        return Ok((bytes.into(), digest));
    }
    let mut buf = large_buffer(len);
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
            let bytes = read_regular(path)?;
            let digest = Digest::of(&bytes);
            Ok((bytes.into(), digest))
        }
    }
}

/// Reads all of `file` (`len` bytes by its metadata) into a shared buffer in one copy, or
/// `None` if it does not hold exactly `len` bytes (it changed while being read).
pub(crate) fn read_whole(file: &mut File, len: u64) -> io::Result<Option<Arc<[u8]>>> {
    let Ok(len) = usize::try_from(len) else {
        return Ok(None);
    };
    if len > isize::MAX as usize {
        return Ok(None);
    }
    let mut buf = large_buffer(len);
    let unique = Arc::get_mut(&mut buf).expect("a new Arc is unique");
    match file.read_exact(unique) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    Ok((file.read(&mut [0u8; 1])? == 0).then_some(buf))
}

/// A zeroed buffer of `len` bytes to read a file into. A large one is backed by huge pages
/// where the system allows it: reading 18 MiB into fresh 4 KiB pages costs thousands of
/// page faults, more than the copy itself.
fn large_buffer(len: usize) -> Arc<[u8]> {
    // SAFETY: zeroed memory is a valid `[u8]`.
    let mut buf: Arc<[u8]> = unsafe { Arc::new_zeroed_slice(len).assume_init() };
    #[cfg(target_os = "linux")]
    if len >= 4 << 20 {
        let unique = Arc::get_mut(&mut buf).expect("a new Arc is unique");
        // The whole pages inside the buffer: advice applies to pages.
        const PAGE: usize = 4096;
        let start = unique.as_mut_ptr() as usize;
        let first = start.div_ceil(PAGE) * PAGE;
        let end = (start + len) / PAGE * PAGE;
        if end > first {
            // SAFETY: the range lies within memory this buffer owns and nothing has touched
            // yet; the advice changes how it is backed, never its contents. Best effort: an
            // error (no transparent huge pages) only leaves it as it was.
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    buf
}

/// Reads a whole file, refusing anything but a regular file (see [`open_regular`]).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens `path` for reading, refusing anything but a regular file before a byte is read: a
/// FIFO would block until a writer comes, a device may never end. The file is opened
/// without blocking and the open file is checked, not the path, so a path swapped between
/// a check and the open cannot hang either.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let mut options = File::options();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", describe(kind)),
        ));
    }
    Ok(file)
}

/// What a file that is not a regular file is, for messages.
fn describe(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// A file written in full to a temporary file, not yet in place. Staging every output of a
/// command first, then committing them together, means a failure on any of them (a
/// read-only directory, a full disk) leaves every destination untouched.
#[derive(Debug)]
pub struct Staged {
    tmp: Temp,
    path: PathBuf,
    /// Whether the rename is forced to disk too (not for artifacts).
    durable: bool,
}

/// Where a staged file waits, by what its destination is.
#[derive(Debug)]
enum Temp {
    /// Beside a regular file (or none yet), to be renamed over it. `target` is the
    /// destination with symbolic links followed.
    Beside {
        tmp: tempfile::NamedTempFile,
        target: PathBuf,
    },
    /// An unnamed file, copied at commit into a device or FIFO, which stays what it is.
    Through { tmp: File, target: PathBuf },
}

impl Temp {
    /// A temporary file for a write to `path`.
    fn new(path: &Path) -> io::Result<Self> {
        Ok(match destination(path)? {
            Destination::Replace(target) => Temp::Beside {
                tmp: temp_in(&target)?,
                target,
            },
            Destination::Through(target) => Temp::Through {
                tmp: tempfile::tempfile()?,
                target,
            },
        })
    }

    fn file_mut(&mut self) -> &mut File {
        match self {
            Temp::Beside { tmp, .. } => tmp.as_file_mut(),
            Temp::Through { tmp, .. } => tmp,
        }
    }
}

impl Staged {
    /// Where the file goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file into place, or copies it into a device or FIFO.
    pub fn commit(self) -> io::Result<()> {
        match self.tmp {
            Temp::Beside { tmp, target } => {
                if self.durable {
                    tmp.persist(&target).map_err(|e| e.error)?;
                    sync_parent(&target);
                } else if !exchange(tmp.path(), &target) {
                    tmp.persist(&target).map_err(|e| e.error)?;
                }
                // After an exchange the temporary name holds the old file, which dropping
                // `tmp` deletes.
            }
            Temp::Through { mut tmp, target } => {
                tmp.rewind()?;
                // No `create`: if the device went away, fail rather than make a file.
                let mut out = File::options().write(true).open(&target)?;
                io::copy(&mut tmp, &mut out)?;
                out.flush()?;
            }
        }
        Ok(())
    }
}

/// Writes `bytes` into a temporary file for `path`, to be [committed](Staged::commit).
pub fn stage_bytes(path: &Path, bytes: &[u8]) -> io::Result<Staged> {
    let mut tmp = Temp::new(path)?;
    tmp.file_mut().write_all(bytes)?;
    if let Temp::Beside { tmp, .. } = &tmp {
        finish(tmp)?;
    }
    Ok(Staged {
        tmp,
        path: path.to_path_buf(),
        durable: true,
    })
}

/// Writes `bytes` to `path` atomically, as [`write_atomic`], but without forcing them to
/// disk: for files that can be made again and are checked when read (no-op stamps,
/// remembered digests), where a crash may lose the file but never leaves a mix.
pub fn write_artifact(path: &Path, bytes: &[u8]) -> io::Result<()> {
    stage_artifact_with(path, |f| f.write_all(bytes))?.commit()
}

/// Stages a build artifact that can be made again, its content streamed by `write`: the
/// rename is atomic, so a killed process leaves the old file or the new one, but neither
/// the data nor the rename is forced to disk (as cargo does not), which for a large output
/// costs more than the rest of the build. Registry entries and locks, which cannot be made
/// again, use [`stage_bytes`] and [`write_atomic`], which are.
pub fn stage_artifact_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<Staged> {
    let mut tmp = Temp::new(path)?;
    write(tmp.file_mut())?;
    if let Temp::Beside { tmp, .. } = &tmp {
        set_mode(tmp)?;
    }
    Ok(Staged {
        tmp,
        path: path.to_path_buf(),
        durable: false,
    })
}

/// What a write to a path replaces.
enum Destination {
    /// A regular file, or nothing yet: replaced by a rename.
    Replace(PathBuf),
    /// A device, FIFO or socket: written through.
    Through(PathBuf),
}

/// Follows symbolic links from `path` to what a write replaces. A dangling link leads to
/// its target, which the write creates, as `cc -o link` does.
fn destination(path: &Path) -> io::Result<Destination> {
    /// Linux's limit, so a loop of links fails as the system would fail it.
    const MAX_LINKS: usize = 40;
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let kind = match fs::symlink_metadata(&p) {
            Ok(meta) => meta.file_type(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Destination::Replace(p)),
            Err(e) => return Err(e),
        };
        if kind.is_symlink() {
            let link = fs::read_link(&p)?;
            p = parent_dir(&p).join(link);
        } else if kind.is_file() {
            return Ok(Destination::Replace(p));
        } else if kind.is_dir() {
            return Err(io::Error::other("it is a directory"));
        } else if is_socket(kind) {
            // A socket cannot be opened for writing: refuse it now, before any output is
            // committed, rather than when its turn to be committed comes.
            return Err(io::Error::other("it is a socket"));
        } else {
            return Ok(Destination::Through(p));
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

fn is_socket(kind: fs::FileType) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        kind.is_socket()
    }
    #[cfg(not(unix))]
    {
        let _ = kind;
        false
    }
}

/// A temporary file beside `path` holding `bytes`, flushed to disk.
fn stage_beside(path: &Path, bytes: &[u8]) -> io::Result<tempfile::NamedTempFile> {
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

/// The random part of a temporary file's name: `.<name>.<RANDOM>.tmp`.
const RANDOM_LEN: usize = 6;

/// How long a temporary file of astc's naming must have been left unmodified before a
/// later write to the same destination removes it. A writer modifies its temporary file
/// until it is complete and renames it at once, so one untouched this long was left by a
/// process that was killed.
const STALE_AFTER: Duration = Duration::from_secs(60 * 60);

/// A temporary file beside `path`, named after it. Stale ones of the same name, left by a
/// killed process, are removed first.
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
    let prefix = format!(".{name}.");
    remove_stale(dir, &prefix);
    // tempfile's errors name the random temporary path; name the directory instead.
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .rand_bytes(RANDOM_LEN)
        .tempfile_in(dir)
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot create a file in `{}`: {}", dir.display(), e.kind()),
            )
        })
}

/// Removes the regular files in `dir` named `<prefix><RANDOM>.tmp`, as [`temp_in`] names
/// them, that are older than [`STALE_AFTER`]. Best effort: what cannot be removed stays.
fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(random) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|n| n.strip_suffix(".tmp"))
        else {
            continue;
        };
        if random.len() != RANDOM_LEN || !random.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        // `DirEntry::metadata` does not follow a symbolic link.
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let stale = meta
            .modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if meta.is_file() && stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The directory `path` is in: `.` for a bare file name.
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Swaps `tmp` and an existing `target` in one atomic step, where the system can: the
/// target then has the new bytes and `tmp` the old ones. For artifacts only. Renaming a
/// file over an existing one makes ext4 write the new file's data out first
/// (`auto_da_alloc`), a durability guarantee artifacts do not promise and which costs more
/// than 10 ms for an 18 MiB output; an exchange is as atomic for readers and a killed
/// process, without it. `false` when nothing was swapped (no target yet, or no support).
fn exchange(tmp: &Path, target: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let (Ok(from), Ok(to)) = (
            CString::new(tmp.as_os_str().as_bytes()),
            CString::new(target.as_os_str().as_bytes()),
        ) else {
            return false;
        };
        // SAFETY: both are valid NUL-terminated paths, relative to the working directory.
        unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                from.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                libc::RENAME_EXCHANGE,
            ) == 0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (tmp, target);
        false
    }
}

/// Makes the rename itself durable; best effort, as not every file system supports it.
fn sync_parent(path: &Path) {
    if let Ok(dir) = File::open(parent_dir(path)) {
        let _ = dir.sync_all();
    }
}

/// Writes a Make-style depfile: `targets: deps`, with spaces, `#` and `$` escaped, so
/// Make, Ninja and Bazel rebuild exactly when an input changes. Fails, writing nothing,
/// when a path cannot be expressed (see [`depfile_text`]).
pub fn write_depfile(path: &Path, targets: &[PathBuf], deps: &[PathBuf]) -> io::Result<()> {
    write_atomic(path, depfile_text(targets, deps)?.as_bytes())
}

/// The text of a Make-style depfile (see [`write_depfile`]). Spaces, `#` and `$` are
/// escaped as GCC escapes them, which Make and Ninja both read. A path holding a line break,
/// or on Unix a `:` or a `\`, has no spelling both read the same (Make takes `a:b` for two
/// rules, a line break ends the rule, a `\` escapes), so it is refused with
/// [`io::ErrorKind::InvalidInput`], naming the path.
pub fn depfile_text(targets: &[PathBuf], deps: &[PathBuf]) -> io::Result<String> {
    fn escape(p: &Path) -> io::Result<String> {
        let s = p.to_string_lossy();
        #[cfg(windows)]
        let s = s.replace('\\', "/");
        let refuse = |what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "`{}` cannot be written in a depfile: it contains {what}, which Make and Ninja would misread",
                    p.display()
                ),
            )
        };
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '\n' | '\r' => return Err(refuse("a line break")),
                ':' if cfg!(unix) => return Err(refuse("a `:`")),
                '\\' if cfg!(unix) => return Err(refuse("a `\\`")),
                ' ' => out.push_str("\\ "),
                '#' => out.push_str("\\#"),
                '$' => out.push_str("$$"),
                c => out.push(c),
            }
        }
        Ok(out)
    }
    let mut text = targets
        .iter()
        .map(|t| escape(t))
        .collect::<io::Result<Vec<_>>>()?
        .join(" ");
    text.push(':');
    for d in deps {
        text.push_str(" \\\n  ");
        text.push_str(&escape(d)?);
    }
    text.push('\n');
    Ok(text)
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
    fn artifacts_replace_the_file_whole_and_leave_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.wasm");
        write_artifact(&path, b"one").unwrap();
        // A reader holding the old file (here a second link) keeps the old bytes: the new
        // ones arrive as another file, swapped in, never written over the old.
        let old = dir.path().join("old.wasm");
        fs::hard_link(&path, &old).unwrap();
        write_artifact(&path, b"two, longer").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two, longer");
        assert_eq!(fs::read(&old).unwrap(), b"one");
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, vec!["old.wasm", "out.wasm"]);
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
    fn depfiles_refuse_paths_make_would_misread() {
        for bad in ["build/a:b.wasm", "a\nb.wasm: evil", "a\\b.wasm"] {
            let err =
                depfile_text(&[PathBuf::from("out.wasm")], &[PathBuf::from(bad)]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
            assert!(err.to_string().contains("depfile"), "{err}");
            let err = depfile_text(&[PathBuf::from(bad)], &[]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn writes_refuse_a_socket_and_reads_refuse_a_fifo_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("out.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let err = stage_bytes(&socket, b"x").unwrap_err();
        assert!(err.to_string().contains("socket"), "{err}");
        let fifo = dir.path().join("in.wasm");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let err = read_hashed(&fifo).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
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
