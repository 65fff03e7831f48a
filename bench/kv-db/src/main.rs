//! `kv-db OP BACKEND STORAGE N`: runs N operations OP (`get`, `set`, `increment`) on one key,
//! each in a transaction of its own, on BACKEND (`sqlite` or `redb`) kept in STORAGE (`file`
//! or `memory`), and prints the operations per second.
//!
//! The SQLite side runs astc's statements with astc's settings (runner/src/keyvalue/store.rs:
//! WAL, `synchronous=FULL`, the same table and index, `BEGIN IMMEDIATE` for increment); redb
//! runs the same operations with its defaults (every commit durable, `Durability::Immediate`).

use std::time::Instant;

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

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
const GET: &str = "SELECT value FROM kv WHERE bucket = ?1 AND key = ?2";
const UPSERT: &str = "INSERT INTO kv (bucket, key, value) VALUES (?1, ?2, ?3)
     ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value";
const TABLE: TableDefinition<&str, &[u8]> = TableDefinition::new("bench");

fn sqlite(c: &mut Connection, op: &str, n: u32) -> u64 {
    let mut last = 0;
    for i in 0..n {
        last = match op {
            "get" => c
                .prepare_cached(GET)
                .unwrap()
                .query_row(params!["bench", "key"], |r| r.get::<_, Vec<u8>>(0))
                .optional()
                .unwrap()
                .map_or(0, |v| v.len() as u64),
            "set" => {
                c.prepare_cached(UPSERT)
                    .unwrap()
                    .execute(params!["bench", "key", &u64::from(i).to_le_bytes()[..]])
                    .unwrap();
                u64::from(i)
            }
            "increment" => {
                let tx = c
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .unwrap();
                let old: Option<Vec<u8>> = tx
                    .prepare_cached(GET)
                    .unwrap()
                    .query_row(params!["bench", "count"], |r| r.get(0))
                    .optional()
                    .unwrap();
                let old: u64 = old.map_or(0, |v| String::from_utf8(v).unwrap().parse().unwrap());
                let new = old + 1;
                tx.prepare_cached(UPSERT)
                    .unwrap()
                    .execute(params!["bench", "count", new.to_string().as_bytes()])
                    .unwrap();
                tx.commit().unwrap();
                new
            }
            other => panic!("unknown operation {other}"),
        };
    }
    last
}

fn redb(db: &redb::Database, op: &str, n: u32) -> u64 {
    let mut last = 0;
    for i in 0..n {
        last = match op {
            "get" => {
                let tx = db.begin_read().unwrap();
                let t = tx.open_table(TABLE).unwrap();
                t.get("key").unwrap().map_or(0, |v| v.value().len() as u64)
            }
            "set" => {
                let tx = db.begin_write().unwrap();
                tx.open_table(TABLE)
                    .unwrap()
                    .insert("key", &u64::from(i).to_le_bytes()[..])
                    .unwrap();
                tx.commit().unwrap();
                u64::from(i)
            }
            "increment" => {
                let tx = db.begin_write().unwrap();
                let new = {
                    let mut t = tx.open_table(TABLE).unwrap();
                    let old: u64 = t
                        .get("count")
                        .unwrap()
                        .map_or(0, |v| std::str::from_utf8(v.value()).unwrap().parse().unwrap());
                    let new = old + 1;
                    t.insert("count", new.to_string().as_bytes()).unwrap();
                    new
                };
                tx.commit().unwrap();
                new
            }
            other => panic!("unknown operation {other}"),
        };
    }
    last
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, op, backend, storage, n] = &args[..] else {
        eprintln!("usage: kv-db get|set|increment sqlite|redb file|memory N");
        std::process::exit(2);
    };
    let n: u32 = n.parse().unwrap();
    let dir = tempfile::tempdir_in(std::env::var("KV_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    let elapsed = match backend.as_str() {
        "sqlite" => {
            let mut c = if storage == "file" {
                let c = Connection::open(dir.path().join("keyvalue.sqlite3")).unwrap();
                c.pragma_update(None, "journal_mode", "WAL").unwrap();
                c.pragma_update(None, "synchronous", "FULL").unwrap();
                c
            } else {
                Connection::open_in_memory().unwrap()
            };
            c.execute_batch(SCHEMA).unwrap();
            // The value `get` reads, as the component's benchmark first sets it.
            sqlite(&mut c, "set", 1);
            let t = Instant::now();
            std::hint::black_box(sqlite(&mut c, op, n));
            t.elapsed()
        }
        "redb" => {
            let db = if storage == "file" {
                redb::Database::create(dir.path().join("kv.redb")).unwrap()
            } else {
                redb::Database::builder()
                    .create_with_backend(redb::backends::InMemoryBackend::new())
                    .unwrap()
            };
            redb(&db, "set", 1);
            let t = Instant::now();
            std::hint::black_box(redb(&db, op, n));
            t.elapsed()
        }
        other => panic!("unknown backend {other}"),
    };
    println!("{:.0}", f64::from(n) / elapsed.as_secs_f64());
}
