//! Changed bytes are never run or composed as the old ones.
//!
//! astc trusts a digest it remembered for a file only while the file's identity (device,
//! inode, size, modification and change times) is unchanged, the file had settled when it
//! was hashed, and the clock has not gone back (see `astc_resolver::file_digests`). These
//! tests change a component's bytes in the ways that keep what a weaker fingerprint looks
//! at, after astc has come to trust its digest, and check that the new bytes are what runs
//! and what is composed.

#![cfg(unix)]

use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use astc_resolver::Digest;
use astc_resolver::file_digests::SETTLE;

const ASTC: &str = env!("CARGO_BIN_EXE_astc");
const TARGET: &str = "acme:num/api@1.0.0#f";

/// A component whose `acme:num/api@1.0.0#f` returns `n`: the same size for every `n` < 64.
fn component(n: u32) -> Vec<u8> {
    assert!(n < 64, "one LEB128 byte keeps the size");
    wat::parse_str(format!(
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const {n}))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (instance $api (export "f" (func $f)))
            (export "acme:num/api@1.0.0" (instance $api)))"#
    ))
    .unwrap()
}

fn astc(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(ASTC)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("ASTC_CACHE_DIR", dir.join("cache"))
        .env_remove("ASTC_NO_CACHE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`astc {}` failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn call(dir: &Path, file: &str) -> String {
    let out = astc(dir, &["call", file, TARGET, "[]"]);
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Sets the modification time, as `touch -d` would.
fn set_mtime(path: &Path, t: SystemTime) {
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

/// Waits until what was just hashed has settled, then has astc hash it once more: from
/// then on astc trusts the remembered digest without reading the file.
fn settle(run: impl Fn()) {
    std::thread::sleep(SETTLE + Duration::from_millis(100));
    run();
}

/// The digest astc remembers for `file`, if it trusts one (the record under the cache's
/// `files/` directory that names the file).
fn remembered(dir: &Path, file: &Path) -> Option<Digest> {
    let file = fs::canonicalize(file).unwrap();
    for e in fs::read_dir(dir.join("cache").join("files")).ok()? {
        let record: serde_json::Value =
            serde_json::from_slice(&fs::read(e.unwrap().path()).unwrap()).unwrap();
        if Path::new(record["path"].as_str().unwrap()) == file {
            return Digest::parse(record["digest"].as_str().unwrap()).ok();
        }
    }
    None
}

#[test]
fn a_run_never_uses_code_compiled_for_other_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &fs::canonicalize(tmp.path()).unwrap();
    let file = dir.join("num.wasm");
    let long_ago = SystemTime::now() - Duration::from_secs(3600);
    fs::write(&file, component(1)).unwrap();
    set_mtime(&file, long_ago);
    assert_eq!(call(dir, "num.wasm"), "1");
    settle(|| assert_eq!(call(dir, "num.wasm"), "1"));
    assert_eq!(remembered(dir, &file), Some(Digest::of(&component(1))));
    assert_eq!(call(dir, "num.wasm"), "1");

    // Other bytes in place, same size, modification time put back.
    fs::write(&file, component(2)).unwrap();
    set_mtime(&file, long_ago);
    assert_eq!(
        call(dir, "num.wasm"),
        "2",
        "same size and time, other bytes"
    );
    settle(|| assert_eq!(call(dir, "num.wasm"), "2"));

    // Replaced by rename with a file of the same size and modification time.
    let new = dir.join("num.wasm.new");
    fs::write(&new, component(3)).unwrap();
    set_mtime(&new, long_ago);
    fs::rename(&new, &file).unwrap();
    assert_eq!(call(dir, "num.wasm"), "3", "replaced by rename");
    settle(|| assert_eq!(call(dir, "num.wasm"), "3"));
    assert_eq!(remembered(dir, &file), Some(Digest::of(&component(3))));

    // The clock went back since the digest was remembered: a record from the future
    // proves nothing. Here the record names other bytes (as a record made before the clock
    // went back and the file was rewritten within the same tick would): it must not be
    // trusted.
    fs::write(&file, component(4)).unwrap();
    let meta = fs::metadata(&file).unwrap();
    let records = dir.join("cache").join("files");
    let record = fs::read_dir(&records)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            fs::read_to_string(p)
                .unwrap()
                .contains(file.to_str().unwrap())
        })
        .unwrap();
    let mut forged: serde_json::Value =
        serde_json::from_slice(&fs::read(&record).unwrap()).unwrap();
    use std::os::unix::fs::MetadataExt;
    let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
    forged["identity"] = serde_json::json!({
        "dev": meta.dev(),
        "ino": meta.ino(),
        "len": meta.len(),
        "mtime_ns": ns(meta.mtime(), meta.mtime_nsec()),
        "ctime_ns": ns(meta.ctime(), meta.ctime_nsec()),
    });
    let an_hour_ahead = ns(meta.ctime() + 3600, 0);
    forged["recorded_ns"] = serde_json::from_str(&an_hour_ahead.to_string()).unwrap();
    fs::write(&record, serde_json::to_vec(&forged).unwrap()).unwrap();
    assert_eq!(call(dir, "num.wasm"), "4", "a record from the future");
}

#[test]
fn a_compose_never_says_fresh_for_other_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &fs::canonicalize(tmp.path()).unwrap();
    fs::write(
        dir.join("astc.toml"),
        "[package]\nname = \"acme:num\"\nversion = \"1.0.0\"\ncomponent = \"num.wasm\"\n",
    )
    .unwrap();
    let file = dir.join("num.wasm");
    let long_ago = SystemTime::now() - Duration::from_secs(3600);
    fs::write(&file, component(1)).unwrap();
    set_mtime(&file, long_ago);
    astc(dir, &["compose"]);
    settle(|| {
        astc(dir, &["compose"]);
    });
    let fresh = astc(dir, &["compose"]);
    assert!(
        String::from_utf8_lossy(&fresh.stderr).contains("up to date"),
        "nothing changed: {}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    assert_eq!(call(dir, "num.composed.wasm"), "1");

    fs::write(&file, component(2)).unwrap();
    set_mtime(&file, long_ago);
    let again = astc(dir, &["compose"]);
    assert!(
        !String::from_utf8_lossy(&again.stderr).contains("up to date"),
        "same size and time, other bytes: {}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(call(dir, "num.composed.wasm"), "2");
}
