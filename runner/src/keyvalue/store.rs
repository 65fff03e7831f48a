//! The key-value store behind `wasi:keyvalue`: an embedded SQLite database (rusqlite, SQLite
//! compiled in), in memory for one process or in a directory on disk.
//!
//! Why SQLite (docs/performance.md compares it with redb on the same operations): several
//! processes may share one store at once (`astc serve` and an `astc call` on the same
//! `--kv`), with one writer at a time and readers alongside it, which redb's exclusive file
//! lock does not allow; and its write-ahead log keeps every committed transaction through a
//! crash or kill -9. Every commit is synced (`synchronous=FULL`).
//!
//! One table holds every bucket. A key is unique within its bucket; `id`, the row id, gives
//! `list-keys` a stable cursor (an upsert keeps a row's id). Reads and writes of one key are
//! single statements; `increment` and the batch writes run in one `BEGIN IMMEDIATE`
//! transaction each, so they are atomic across threads and processes; `get-many` reads one
//! snapshot.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};

/// The largest value a guest may store: 32 MiB.
pub const MAX_VALUE: usize = 32 << 20;
/// The longest key: 64 KiB of UTF-8.
pub const MAX_KEY: usize = 64 << 10;
/// Keys per `list-keys` page.
pub(crate) const PAGE: usize = 1000;
/// The database file inside a `--kv` directory.
pub const FILE_NAME: &str = "keyvalue.sqlite3";
/// How long a write waits for another process's write transaction to end.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle connections kept for reuse.
const POOL: usize = 8;
/// `PRAGMA application_id` of astc's stores ("astc"), so a stranger's database is refused.
const APPLICATION_ID: i32 = 0x6173_7463;
/// `PRAGMA user_version`: the schema's version.
const SCHEMA_VERSION: i32 = 1;

const SCHEMA: &str = "
    CREATE TABLE kv (
        id INTEGER PRIMARY KEY,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        UNIQUE (bucket, key)
    );
    CREATE INDEX kv_bucket_id ON kv (bucket, id);
";

/// A key and its value.
pub(crate) type Pair = (String, Vec<u8>);

/// A key-value store: cheap to clone, shared by every call of a process.
#[derive(Clone)]
pub struct KvStore {
    inner: Arc<Inner>,
}

enum Inner {
    /// One connection to a private in-memory database, opened on first use.
    Memory(OnceLock<Result<Mutex<Connection>, String>>),
    /// A database file; connections are pooled, one per concurrent operation.
    File {
        dir: PathBuf,
        pool: Mutex<Vec<Connection>>,
    },
}

impl std::fmt::Debug for KvStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.inner {
            Inner::Memory(_) => f.write_str("KvStore(memory)"),
            Inner::File { dir, .. } => write!(f, "KvStore({})", dir.display()),
        }
    }
}

/// Why a store could not be opened: the message, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenError {
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

/// Why an operation failed; the guest receives it as `error::other` with this text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpError(pub(crate) String);

impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl KvStore {
    /// A store in memory, private to this value and its clones: it lasts as long as they do.
    pub fn memory() -> Self {
        KvStore {
            inner: Arc::new(Inner::Memory(OnceLock::new())),
        }
    }

    /// The store kept in `dir` (created if missing), checked before any guest runs.
    pub fn open(dir: &Path) -> Result<Self, crate::RunError> {
        Self::try_open(dir).map_err(|e| crate::RunError::KvStore {
            dir: dir.to_path_buf(),
            message: e.message,
            help: e.help,
        })
    }

    fn try_open(dir: &Path) -> Result<Self, OpenError> {
        let problem = |message: String, help: &str| OpenError {
            message,
            help: Some(help.to_string()),
        };
        match std::fs::metadata(dir) {
            Ok(m) if !m.is_dir() => {
                return Err(problem(
                    "it is not a directory".into(),
                    "`--kv` takes a directory; astc keeps the store in `DIR/keyvalue.sqlite3`",
                ));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| problem(format!("cannot create it: {e}"), "check the path"))?;
            }
            Err(e) => {
                return Err(problem(
                    format!("{e}"),
                    "check the path and its permissions",
                ));
            }
        }
        let file = dir.join(FILE_NAME);
        // SQLite's own message for an unreadable file is vague; the OS error is not.
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&file)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(problem(
                    format!("cannot open `{}`: {e}", file.display()),
                    "astc needs to read and write the store's file",
                ));
            }
        }
        let conn = connect(&file).and_then(|c| init(&c).map(|()| c));
        let conn = conn.map_err(|e| open_error(&file, e))?;
        Ok(KvStore {
            inner: Arc::new(Inner::File {
                dir: dir.to_path_buf(),
                pool: Mutex::new(vec![conn]),
            }),
        })
    }

    /// The directory of a persistent store; `None` in memory.
    pub fn dir(&self) -> Option<&Path> {
        match &*self.inner {
            Inner::Memory(_) => None,
            Inner::File { dir, .. } => Some(dir),
        }
    }

    /// Runs `f` on a connection of this store.
    fn with<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R>,
    ) -> Result<R, OpError> {
        match &*self.inner {
            Inner::Memory(cell) => {
                let conn = cell.get_or_init(|| {
                    let c = Connection::open_in_memory().map_err(|e| e.to_string())?;
                    init(&c).map_err(|e| match e {
                        SetupError::Sql(e) => e.to_string(),
                        SetupError::Refused(why) => why,
                    })?;
                    Ok(Mutex::new(c))
                });
                let conn = conn
                    .as_ref()
                    .map_err(|e| OpError(format!("the in-memory store failed: {e}")))?;
                let mut guard = lock(conn);
                f(&mut guard).map_err(|e| op_error(None, e))
            }
            Inner::File { dir, pool } => {
                let taken = lock(pool).pop();
                let mut conn = match taken {
                    Some(c) => c,
                    None => connect(&dir.join(FILE_NAME)).map_err(|e| match e {
                        SetupError::Sql(e) => op_error(Some(dir), e),
                        SetupError::Refused(why) => {
                            OpError(format!("the key-value store `{}`: {why}", dir.display()))
                        }
                    })?,
                };
                let result = f(&mut conn).map_err(|e| op_error(Some(dir), e));
                // A connection left inside a transaction (an error mid-way) is dropped, which
                // rolls the transaction back.
                if conn.is_autocommit() {
                    let mut pool = lock(pool);
                    if pool.len() < POOL {
                        pool.push(conn);
                    }
                }
                result
            }
        }
    }

    pub(crate) fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, OpError> {
        check_key(key)?;
        self.with(|c| {
            c.prepare_cached("SELECT value FROM kv WHERE bucket = ?1 AND key = ?2")?
                .query_row(params![bucket, key], |r| r.get(0))
                .optional()
        })
    }

    pub(crate) fn set(&self, bucket: &str, key: &str, value: &[u8]) -> Result<(), OpError> {
        check_key(key)?;
        check_value(key, value)?;
        self.with(|c| upsert(c, bucket, key, value).map(drop))
    }

    pub(crate) fn delete(&self, bucket: &str, key: &str) -> Result<(), OpError> {
        check_key(key)?;
        self.with(|c| delete(c, bucket, key).map(drop))
    }

    pub(crate) fn exists(&self, bucket: &str, key: &str) -> Result<bool, OpError> {
        check_key(key)?;
        self.with(|c| {
            c.prepare_cached("SELECT 1 FROM kv WHERE bucket = ?1 AND key = ?2")?
                .exists(params![bucket, key])
        })
    }

    /// A page of keys after `cursor` (in insertion order), and the cursor of the next page.
    pub(crate) fn list_keys(
        &self,
        bucket: &str,
        cursor: Option<u64>,
    ) -> Result<(Vec<String>, Option<u64>), OpError> {
        let after = i64::try_from(cursor.unwrap_or(0)).unwrap_or(i64::MAX);
        let mut rows: Vec<(i64, String)> = self.with(|c| {
            c.prepare_cached(
                "SELECT id, key FROM kv WHERE bucket = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            )?
            .query_map(params![bucket, after, PAGE as i64 + 1], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect()
        })?;
        let more = rows.len() > PAGE;
        rows.truncate(PAGE);
        let next = more
            .then(|| rows.last().map(|(id, _)| *id as u64))
            .flatten();
        Ok((rows.into_iter().map(|(_, k)| k).collect(), next))
    }

    /// Adds `delta` to the decimal number stored at `key` (0 when missing), atomically.
    pub(crate) fn increment(&self, bucket: &str, key: &str, delta: u64) -> Result<u64, OpError> {
        check_key(key)?;
        let mut bad = None;
        let out = self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let old: Option<Vec<u8>> = tx
                .prepare_cached("SELECT value FROM kv WHERE bucket = ?1 AND key = ?2")?
                .query_row(params![bucket, key], |r| r.get(0))
                .optional()?;
            let new = match counter(key, old.as_deref(), delta) {
                Ok(n) => n,
                Err(e) => {
                    bad = Some(e);
                    return Ok(0);
                }
            };
            upsert(&tx, bucket, key, new.to_string().as_bytes())?;
            tx.commit()?;
            Ok(new)
        })?;
        match bad {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// The values of `keys`, from one snapshot.
    pub(crate) fn get_many(
        &self,
        bucket: &str,
        keys: Vec<String>,
    ) -> Result<Vec<Option<Pair>>, OpError> {
        for k in &keys {
            check_key(k)?;
        }
        self.with(|c| {
            let tx = c.transaction()?;
            let mut out = Vec::with_capacity(keys.len());
            {
                let mut get =
                    tx.prepare_cached("SELECT value FROM kv WHERE bucket = ?1 AND key = ?2")?;
                for k in keys {
                    let v: Option<Vec<u8>> =
                        get.query_row(params![bucket, k], |r| r.get(0)).optional()?;
                    out.push(v.map(|v| (k, v)));
                }
            }
            tx.commit()?;
            Ok(out)
        })
    }

    /// Sets every pair in one transaction: all of them or none.
    pub(crate) fn set_many(
        &self,
        bucket: &str,
        pairs: &[(String, Vec<u8>)],
    ) -> Result<(), OpError> {
        for (k, v) in pairs {
            check_key(k)?;
            check_value(k, v)?;
        }
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (k, v) in pairs {
                upsert(&tx, bucket, k, v)?;
            }
            tx.commit()
        })
    }

    /// Deletes every key in one transaction.
    pub(crate) fn delete_many(&self, bucket: &str, keys: &[String]) -> Result<(), OpError> {
        for k in keys {
            check_key(k)?;
        }
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for k in keys {
                delete(&tx, bucket, k)?;
            }
            tx.commit()
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves the connection as SQLite left it: usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn upsert(c: &Connection, bucket: &str, key: &str, value: &[u8]) -> rusqlite::Result<usize> {
    c.prepare_cached(
        "INSERT INTO kv (bucket, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![bucket, key, value])
}

fn delete(c: &Connection, bucket: &str, key: &str) -> rusqlite::Result<usize> {
    c.prepare_cached("DELETE FROM kv WHERE bucket = ?1 AND key = ?2")?
        .execute(params![bucket, key])
}

/// The new value of a counter: `old` is a decimal `u64` (as wasmtime-wasi-keyvalue stores
/// it), or missing for 0.
fn counter(key: &str, old: Option<&[u8]>, delta: u64) -> Result<u64, OpError> {
    let old = match old {
        None => 0,
        Some(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| {
                OpError(format!(
                    "cannot increment `{key}`: its value is not a decimal number from 0 to {}",
                    u64::MAX
                ))
            })?,
    };
    old.checked_add(delta).ok_or_else(|| {
        OpError(format!(
            "cannot increment `{key}`: {old} + {delta} overflows a u64"
        ))
    })
}

fn check_key(key: &str) -> Result<(), OpError> {
    if key.len() > MAX_KEY {
        return Err(OpError(format!(
            "a key of {} bytes is longer than the limit of {MAX_KEY} bytes",
            key.len()
        )));
    }
    Ok(())
}

fn check_value(key: &str, value: &[u8]) -> Result<(), OpError> {
    if value.len() > MAX_VALUE {
        return Err(OpError(format!(
            "the value for `{}` is {} bytes, over the limit of {MAX_VALUE} bytes (32 MiB)",
            shorten(key),
            value.len()
        )));
    }
    Ok(())
}

/// A key for a message: at most 80 characters.
fn shorten(key: &str) -> String {
    match key.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &key[..i]),
        None => key.to_string(),
    }
}

/// Why a connection could not be set up: SQLite's error, or a file astc does not accept.
enum SetupError {
    Sql(rusqlite::Error),
    Refused(String),
}

impl From<rusqlite::Error> for SetupError {
    fn from(e: rusqlite::Error) -> Self {
        SetupError::Sql(e)
    }
}

/// A connection to the database file, set up for concurrent, durable use.
fn connect(file: &Path) -> Result<Connection, SetupError> {
    let c = Connection::open(file)?;
    c.busy_timeout(BUSY_TIMEOUT)?;
    // WAL: readers alongside one writer, across processes; the mode is kept in the file.
    let mode: String = c.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(SetupError::Refused(format!(
            "cannot use a write-ahead log (journal mode `{mode}`)"
        )));
    }
    // Sync the log at every commit: a committed write survives a power loss too.
    c.pragma_update(None, "synchronous", "FULL")?;
    Ok(c)
}

/// Creates the schema in a new database, or checks that an old one is astc's.
fn init(c: &Connection) -> Result<(), SetupError> {
    let app: i32 = c.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i32 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: i64 = c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if tables == 0 && app == 0 {
        // Two processes may both find the file empty: the second one's CREATE fails inside
        // its transaction and it checks again.
        c.execute_batch(&format!(
            "BEGIN IMMEDIATE;
             {SCHEMA}
             PRAGMA application_id = {APPLICATION_ID};
             PRAGMA user_version = {SCHEMA_VERSION};
             COMMIT;"
        ))
        .or_else(|e| {
            let _ = c.execute_batch("ROLLBACK");
            let app: i32 = c.pragma_query_value(None, "application_id", |r| r.get(0))?;
            if app == APPLICATION_ID {
                Ok(())
            } else {
                Err(e)
            }
        })?;
        return Ok(());
    }
    if app != APPLICATION_ID {
        return Err(SetupError::Refused(
            "it is an SQLite database, but not an astc key-value store".into(),
        ));
    }
    if version > SCHEMA_VERSION {
        return Err(SetupError::Refused(format!(
            "it was written by a newer astc (store version {version}; this astc reads {SCHEMA_VERSION})"
        )));
    }
    Ok(())
}

fn open_error(file: &Path, e: SetupError) -> OpenError {
    let e = match e {
        SetupError::Sql(e) => e,
        SetupError::Refused(why) => {
            return OpenError {
                message: format!("`{}`: {why}", file.display()),
                help: Some("give `--kv` a directory of its own".into()),
            };
        }
    };
    let (message, help) = match sqlite_code(&e) {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => (
            format!(
                "`{}` is not a key-value store, or it is corrupted ({e})",
                file.display()
            ),
            "move the file away (astc then starts an empty store) or restore it from a backup",
        ),
        Some(ErrorCode::DiskFull) => (
            format!("`{}`: the disk is full", file.display()),
            "free some space",
        ),
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => (
            format!("cannot write `{}` ({e})", file.display()),
            "astc needs to read and write the directory and its files",
        ),
        _ => (
            format!("`{}`: {e}", file.display()),
            "move the file away (astc then starts an empty store) or restore it from a backup",
        ),
    };
    OpenError {
        message,
        help: Some(help.into()),
    }
}

fn sqlite_code(e: &rusqlite::Error) -> Option<ErrorCode> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    }
}

/// An operation's error, as the guest reads it: what went wrong with which store.
fn op_error(dir: Option<&Path>, e: rusqlite::Error) -> OpError {
    let store = match dir {
        Some(d) => format!("the key-value store `{}`", d.display()),
        None => "the in-memory key-value store".into(),
    };
    OpError(match sqlite_code(&e) {
        Some(ErrorCode::DiskFull) => format!("{store}: the disk is full"),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => format!(
            "{store} is busy: another process held it for over {}s",
            BUSY_TIMEOUT.as_secs()
        ),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            format!("{store} is corrupted ({e})")
        }
        _ => format!("{store}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_decimal_and_checked() {
        assert_eq!(counter("k", None, 3), Ok(3));
        assert_eq!(counter("k", Some(b"5"), 2), Ok(7));
        let e = counter("k", Some(b"five"), 1).unwrap_err();
        assert!(e.0.contains("not a decimal number"), "{e}");
        let e = counter("k", Some(u64::MAX.to_string().as_bytes()), 1).unwrap_err();
        assert!(e.0.contains("overflows"), "{e}");
        assert!(counter("k", Some(b"-1"), 1).is_err());
    }

    fn stores() -> (tempfile::TempDir, Vec<KvStore>) {
        let dir = tempfile::tempdir().unwrap();
        let file = KvStore::open(&dir.path().join("kv")).unwrap();
        (dir, vec![KvStore::memory(), file])
    }

    #[test]
    fn operations_on_both_backings() {
        let (_dir, stores) = stores();
        for s in stores {
            assert_eq!(s.get("b", "k").unwrap(), None);
            s.set("b", "k", b"v\0\xff").unwrap();
            assert_eq!(s.get("b", "k").unwrap().as_deref(), Some(&b"v\0\xff"[..]));
            // Buckets are separate; keys may hold any characters.
            assert_eq!(s.get("c", "k").unwrap(), None);
            s.set("b", "k\0é", b"").unwrap();
            assert!(s.exists("b", "k\0é").unwrap());
            assert_eq!(s.increment("b", "n", 5).unwrap(), 5);
            assert_eq!(s.increment("b", "n", 1).unwrap(), 6);
            assert_eq!(s.get("b", "n").unwrap().as_deref(), Some(&b"6"[..]));
            let e = s.increment("b", "k", 1).unwrap_err();
            assert!(e.0.contains("not a decimal"), "{e}");
            // The failed increment changed nothing.
            assert_eq!(s.get("b", "k").unwrap().as_deref(), Some(&b"v\0\xff"[..]));
            s.delete("b", "k").unwrap();
            s.delete("b", "missing").unwrap();
            assert!(!s.exists("b", "k").unwrap());
            let got = s.get_many("b", vec!["n".into(), "k".into()]).unwrap();
            assert_eq!(got, vec![Some(("n".into(), b"6".to_vec())), None]);
            s.delete_many("b", &["n".into(), "k\0é".into()]).unwrap();
            assert_eq!(s.list_keys("b", None).unwrap(), (vec![], None));
        }
    }

    #[test]
    fn limits_are_errors_and_write_nothing() {
        let (_dir, stores) = stores();
        for s in stores {
            let big = vec![0u8; MAX_VALUE + 1];
            let e = s.set("b", "k", &big).unwrap_err();
            assert!(e.0.contains("over the limit of 33554432 bytes"), "{e}");
            let pairs = vec![("a".to_string(), b"1".to_vec()), ("k".to_string(), big)];
            assert!(s.set_many("b", &pairs).is_err());
            assert!(!s.exists("b", "a").unwrap());
            let long = "x".repeat(MAX_KEY + 1);
            assert!(
                s.get("b", &long)
                    .unwrap_err()
                    .0
                    .contains("longer than the limit")
            );
        }
    }

    #[test]
    fn list_keys_pages_with_a_cursor() {
        let (_dir, stores) = stores();
        for s in stores {
            let pairs: Vec<(String, Vec<u8>)> = (0..PAGE * 2 + 5)
                .map(|i| (format!("key{i}"), vec![]))
                .collect();
            s.set_many("b", &pairs).unwrap();
            s.set("other", "x", b"").unwrap();
            let mut all = Vec::new();
            let mut cursor = None;
            let mut pages = 0;
            loop {
                let (keys, next) = s.list_keys("b", cursor).unwrap();
                pages += 1;
                all.extend(keys);
                match next {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            assert_eq!(pages, 3);
            let want: Vec<String> = pairs.into_iter().map(|(k, _)| k).collect();
            assert_eq!(all, want);
        }
    }

    #[test]
    fn a_store_persists_and_strangers_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let kv = dir.path().join("kv");
        KvStore::open(&kv).unwrap().set("b", "k", b"v").unwrap();
        let again = KvStore::open(&kv).unwrap();
        assert_eq!(again.get("b", "k").unwrap().as_deref(), Some(&b"v"[..]));
        // Two stores on one directory at once (as two processes would be) both work.
        assert_eq!(again.increment("b", "n", 1).unwrap(), 1);
        assert_eq!(
            KvStore::open(&kv).unwrap().increment("b", "n", 1).unwrap(),
            2
        );

        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let e = KvStore::try_open(&file).unwrap_err();
        assert_eq!(e.message, "it is not a directory");

        let garbage = dir.path().join("garbage");
        std::fs::create_dir(&garbage).unwrap();
        std::fs::write(garbage.join(FILE_NAME), vec![7u8; 8192]).unwrap();
        let e = KvStore::try_open(&garbage).unwrap_err();
        assert!(
            e.message
                .contains("is not a key-value store, or it is corrupted"),
            "{e:?}"
        );

        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        Connection::open(other.join(FILE_NAME))
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let e = KvStore::try_open(&other).unwrap_err();
        assert!(e.message.contains("not an astc key-value store"), "{e:?}");
    }
}
