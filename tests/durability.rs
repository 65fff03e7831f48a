//! Durability: what astc writes survives `kill -9` at any moment and concurrent processes on
//! one registry, and files replaced behind astc's back are reported.
//!
//! - `kill_compose` / `kill_publish`: start `astc compose` (over the output of an earlier,
//!   different compose) or `astc publish` (of a fresh version), send SIGKILL after a random
//!   delay within the command's measured duration, then check that every file is either the
//!   complete old or the complete new bytes, that registry entries are absent or complete
//!   and match the registry's record, and that the next normal run succeeds.
//! - `concurrent_publish_and_compose`: publishers of distinct versions, of one version with
//!   identical bytes and of one version with different bytes (exactly one wins, the others
//!   fail cleanly with the immutability error), and composers, all at once on one registry.
//! - `tampered_registry_file`: a registry file replaced with another valid component is
//!   refused by every command that reads it, even without a lock.
//! - `kill_keyvalue_batches`: a component writing batches to a `--kv` store in a loop is
//!   killed at a random moment, over and over; every batch is then whole or absent, and the
//!   store opens and counts on. `keyvalue_full_disk`: a write that does not fit is an error
//!   the guest sees, and the store keeps what it had.
//!
//! The defaults keep the run short. To run longer (a release build makes each trial faster,
//! so the kills land at more distinct moments):
//!
//! ```text
//! ASTC_KILL_TRIALS=500 ASTC_CONCURRENCY_ROUNDS=20 \
//!     cargo test --release --test durability -- --nocapture
//! ```
//!
//! `ASTC_KILL_SEED=N` replays the delays of an earlier run (each run prints its seed).

#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use astc_resolver::Digest;

const ASTC: &str = env!("CARGO_BIN_EXE_astc");

/// The tests measure durations and kill processes at moments chosen from them: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const GREETER: &str = "package acme:greeter@1.0.0;

interface api {
    f: func() -> u32;
}

world component {
    export api;
}
";

const OTHER_GREETER: &str = "package acme:greeter@1.0.0;

interface api {
    f: func() -> u32;
}

world component {
    export extra: func();
    export api;
}
";

fn app_wit(extra: bool) -> String {
    format!(
        "package acme:app@0.1.0;

interface api {{
    run: func() -> u32;
    {}
}}

world component {{
    import acme:greeter/api@1.0.0;
    export api;
}}

package acme:greeter@1.0.0 {{
    interface api {{
        f: func() -> u32;
    }}
}}
",
        if extra {
            "extra: func() -> string;"
        } else {
            ""
        }
    )
}

const MANIFEST: &str = "[package]
name = \"acme:app\"
version = \"0.1.0\"
component = \"app.wasm\"

[dependencies]
\"acme:greeter\" = \"^1.0\"

[registry]
path = \"registry\"
";

// ---------------------------------------------------------------------------------------
// Helpers

/// splitmix64: a small seeded generator, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn from_env() -> Self {
        let seed = std::env::var("ASTC_KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("durability: seed {seed} (replay with ASTC_KILL_SEED={seed})");
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A delay in `0..=max`.
    fn delay(&mut self, max: Duration) -> Duration {
        let micros = max.as_micros().max(1) as u64;
        Duration::from_micros(self.next() % (micros + 1))
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn astc_cmd(dir: &Path, cache: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(ASTC);
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("ASTC_CACHE_DIR", cache)
        .env_remove("ASTC_BACKTRACE")
        .env_remove("ASTC_NO_CACHE");
    cmd
}

fn astc(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    astc_cmd(dir, cache, args).output().unwrap()
}

/// Runs astc and fails the test unless it succeeds.
fn ok(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    let out = astc(dir, cache, args);
    assert!(
        out.status.success(),
        "`astc {}` in {} failed ({:?}):\n{}",
        args.join(" "),
        dir.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let ty = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if ty.is_dir() {
            copy_dir(&e.path(), &dest);
        } else if ty.is_file() {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Every file under `dir`, relative to it.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// Temporary files left by interrupted atomic writes (`.<name>.<random>.tmp`).
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with('.') && n.ends_with(".tmp")
        })
        .collect()
}

/// `bytes` with a custom section appended: another valid component, with the same type.
fn with_custom_section(bytes: &[u8], label: &str) -> Vec<u8> {
    use wasm_encoder::Section as _;
    let mut out = bytes.to_vec();
    wasm_encoder::CustomSection {
        name: "astc-durability".into(),
        data: label.as_bytes().into(),
    }
    .append_to(&mut out);
    out
}

/// The registry's record of `acme:greeter`: version → digest. The record must be complete
/// JSON whenever it exists.
fn record(registry: &Path) -> BTreeMap<String, Digest> {
    let path = registry.join(".astc/records/acme/greeter.json");
    let Ok(bytes) = fs::read(&path) else {
        return BTreeMap::new();
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("record {} is not complete JSON: {e}", path.display()));
    v["versions"]
        .as_object()
        .expect("a record has versions")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Digest::parse(v["digest"].as_str().expect("a digest")).unwrap(),
            )
        })
        .collect()
}

/// Checks the registry: every `<version>.wasm` of `acme:greeter` is one of `expected` (or the
/// version being published, `pending`, absent or complete), with bytes matching the record
/// when recorded; every record entry names an existing file (but the pending one's, written
/// first); nothing else looks like a version.
fn check_registry(
    registry: &Path,
    expected: &BTreeMap<String, Vec<u8>>,
    pending: Option<(&str, &[u8])>,
) {
    let record = record(registry);
    let dir = registry.join("acme/greeter");
    for e in fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let Some(version) = name.strip_suffix(".wasm") else {
            assert!(
                name.starts_with('.') && name.ends_with(".tmp"),
                "unexpected file {name} in the registry"
            );
            continue;
        };
        let bytes = fs::read(dir.join(&name)).unwrap();
        let want = match pending {
            Some((v, b)) if v == version => b,
            _ => expected
                .get(version)
                .unwrap_or_else(|| panic!("unexpected version {version} in the registry")),
        };
        assert!(
            bytes == want,
            "registry/acme/greeter/{name} is not the complete published bytes ({} of {} bytes)",
            bytes.len(),
            want.len()
        );
        if let Some(d) = record.get(version) {
            assert_eq!(*d, Digest::of(&bytes), "record of {version} differs");
        }
    }
    for (version, d) in &record {
        let path = dir.join(format!("{version}.wasm"));
        // The record is written before the file: a publish killed between the two leaves
        // the entry of the version it was publishing, which lists nothing.
        if !path.exists() && pending.is_some_and(|(v, b)| v == version && *d == Digest::of(b)) {
            continue;
        }
        let bytes = fs::read(&path)
            .unwrap_or_else(|_| panic!("the record names {version}, which has no file"));
        assert_eq!(*d, Digest::of(&bytes));
    }
    for version in expected.keys() {
        assert!(
            record.contains_key(version),
            "published version {version} has no record"
        );
    }
}

/// Runs `cmd`, killing it with SIGKILL after `delay`. Whether it finished first.
fn run_and_kill(mut cmd: Command, delay: Duration) -> bool {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap().is_some();
    if !finished {
        child.kill().unwrap();
    }
    let status = child.wait().unwrap();
    if finished {
        assert!(
            status.success(),
            "the command failed on its own: {status:?}"
        );
    }
    finished
}

/// The median wall time of `n` runs of `f`.
fn measure(n: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[n / 2]
}

/// A project directory: the manifest, `app.wasm` (with or without `extra`) and a registry
/// holding `acme:greeter` 1.0.0.
fn project(dir: &Path, cache: &Path, extra: bool) -> Vec<u8> {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("astc.toml"), MANIFEST).unwrap();
    let app = astc_fixtures::component_from_wit("app.wit", &app_wit(extra)).unwrap();
    fs::write(dir.join("app.wasm"), &app).unwrap();
    let greeter = astc_fixtures::component_from_wit("greeter.wit", GREETER).unwrap();
    fs::write(dir.join("greeter.wasm"), &greeter).unwrap();
    ok(
        dir,
        cache,
        &[
            "publish",
            "greeter.wasm",
            "--name",
            "acme:greeter",
            "--version",
            "1.0.0",
        ],
    );
    greeter
}

// ---------------------------------------------------------------------------------------
// kill -9

#[test]
fn kill_compose() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let trials = env_usize("ASTC_KILL_TRIALS", 40);
    let mut rng = Rng::from_env();
    let tmp = tempfile::tempdir().unwrap();
    let warm = tmp.path().join("cache");

    // The template: composed with the old app (out.wasm and astc.lock from it), then the app
    // replaced, so the next compose writes different bytes over both.
    let template = tmp.path().join("template");
    project(&template, &warm, false);
    ok(&template, &warm, &["compose", "-o", "out.wasm"]);
    let old_out = fs::read(template.join("out.wasm")).unwrap();
    let old_lock = fs::read(template.join("astc.lock")).unwrap();
    let app2 = astc_fixtures::component_from_wit("app.wit", &app_wit(true)).unwrap();
    fs::write(template.join("app.wasm"), app2).unwrap();

    // The new bytes, and how long a compose takes with a warm and a cold cache.
    let reference = tmp.path().join("reference");
    copy_dir(&template, &reference);
    ok(&reference, &warm, &["compose", "-o", "out.wasm"]);
    let new_out = fs::read(reference.join("out.wasm")).unwrap();
    let new_lock = fs::read(reference.join("astc.lock")).unwrap();
    assert_ne!(old_out, new_out);
    assert_ne!(old_lock, new_lock);
    let warm_time = measure(3, || {
        ok(&reference, &warm, &["compose", "-o", "out.wasm", "--force"]);
    });
    let mut n = 0;
    let cold_time = measure(3, || {
        n += 1;
        let cold = tmp.path().join(format!("cold-{n}"));
        ok(&reference, &cold, &["compose", "-o", "out.wasm", "--force"]);
    });
    eprintln!(
        "kill_compose: {trials} trials; compose takes {warm_time:?} (warm cache), {cold_time:?} (cold)"
    );

    let mut finished = 0;
    let mut combos: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut leftovers = 0;
    for trial in 0..trials {
        let dir = tmp.path().join(format!("trial-{trial}"));
        copy_dir(&template, &dir);
        // Odd trials start with an empty cache, so the kill can land in cache writes too;
        // the recovery below reuses that cache.
        let (cache, max) = if trial % 2 == 0 {
            (warm.clone(), warm_time)
        } else {
            (tmp.path().join(format!("cache-{trial}")), cold_time)
        };
        let delay = rng.delay(max + max / 5);
        if run_and_kill(
            astc_cmd(&dir, &cache, &["compose", "-o", "out.wasm"]),
            delay,
        ) {
            finished += 1;
        }
        let out = fs::read(dir.join("out.wasm")).unwrap();
        let lock = fs::read(dir.join("astc.lock")).unwrap();
        let out_state = if out == old_out {
            "old"
        } else if out == new_out {
            "new"
        } else {
            panic!(
                "trial {trial} (delay {delay:?}): out.wasm is neither the old nor the new output ({} bytes)",
                out.len()
            )
        };
        let lock_state = if lock == old_lock {
            "old"
        } else if lock == new_lock {
            "new"
        } else {
            panic!(
                "trial {trial} (delay {delay:?}): astc.lock is neither the old nor the new lock:\n{}",
                String::from_utf8_lossy(&lock)
            )
        };
        *combos.entry((out_state, lock_state)).or_default() += 1;
        leftovers += temp_files(&dir).len();

        // A normal run afterwards finishes the job, and its result verifies.
        ok(&dir, &cache, &["compose", "-o", "out.wasm"]);
        assert_eq!(fs::read(dir.join("out.wasm")).unwrap(), new_out);
        assert_eq!(fs::read(dir.join("astc.lock")).unwrap(), new_lock);
        ok(&dir, &cache, &["verify", "-o", "out.wasm"]);
        let again = ok(&dir, &cache, &["compose", "-o", "out.wasm"]);
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("Fresh"),
            "trial {trial}: a second compose is not a no-op"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
    eprintln!(
        "kill_compose: {trials} trials, {} killed, {finished} finished before the kill; \
         (output, lock) states after the kill: {combos:?}; {leftovers} temporary files left; \
         every trial recovered",
        trials - finished
    );
}

#[test]
fn kill_publish() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let trials = env_usize("ASTC_KILL_TRIALS", 40);
    let mut rng = Rng::from_env();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let dir = tmp.path().join("project");
    let greeter = project(&dir, &cache, false);
    let registry = dir.join("registry");
    let mut expected: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    expected.insert("1.0.0".into(), greeter.clone());

    let publish = |version: &str, file: &str| {
        astc_cmd(
            &dir,
            &cache,
            &[
                "publish",
                file,
                "--name",
                "acme:greeter",
                "--version",
                version,
            ],
        )
    };
    // How long publishing a fresh version takes.
    let mut n = 0;
    let time = measure(3, || {
        n += 1;
        let version = format!("1.0.{n}");
        let bytes = with_custom_section(&greeter, &version);
        fs::write(dir.join("new.wasm"), &bytes).unwrap();
        let out = publish(&version, "new.wasm").output().unwrap();
        assert!(out.status.success());
        expected.insert(version, bytes);
    });
    eprintln!("kill_publish: {trials} trials; publish takes {time:?}");

    let mut finished = 0;
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    for trial in 0..trials {
        let version = format!("1.1.{trial}");
        let bytes = with_custom_section(&greeter, &version);
        let file = format!("v{trial}.wasm");
        fs::write(dir.join(&file), &bytes).unwrap();
        let delay = rng.delay(time + time / 5);
        if run_and_kill(publish(&version, &file), delay) {
            finished += 1;
        }
        check_registry(&registry, &expected, Some((&version, &bytes)));
        let path = registry.join(format!("acme/greeter/{version}.wasm"));
        let state = match (path.exists(), record(&registry).contains_key(&version)) {
            (false, false) => "absent",
            (true, false) => panic!("trial {trial}: {version} has a file but no record"),
            (true, true) => "published",
            // The record is written first; the version is not visible without its file.
            (false, true) => "record without file",
        };
        *states.entry(state).or_default() += 1;

        // Other bytes under that version: refused once the file exists, else published.
        if trial % 4 == 3 {
            let other = with_custom_section(&greeter, "other");
            fs::write(dir.join("other.wasm"), &other).unwrap();
            let out = publish(&version, "other.wasm").output().unwrap();
            if path.exists() && fs::read(&path).unwrap() == bytes {
                assert_eq!(out.status.code(), Some(4), "{out:?}");
                assert!(String::from_utf8_lossy(&out.stderr).contains("already published"));
            } else {
                assert!(out.status.success(), "{out:?}");
                expected.insert(version.clone(), other);
                check_registry(&registry, &expected, None);
                continue;
            }
        }
        // Publishing again succeeds, and completes an interrupted publish.
        let out = publish(&version, &file).output().unwrap();
        assert!(
            out.status.success(),
            "trial {trial}: publishing {version} again failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        expected.insert(version.clone(), bytes);
        check_registry(&registry, &expected, None);
        if trial % 10 == 9 {
            ok(&dir, &cache, &["lock"]);
        }
    }
    // The registry serves every version, temporary files left by the kills notwithstanding:
    // resolve, compose and verify against it.
    let leftovers = temp_files(&registry).len();
    ok(&dir, &cache, &["lock"]);
    ok(&dir, &cache, &["compose", "-o", "out.wasm"]);
    ok(&dir, &cache, &["verify", "-o", "out.wasm"]);
    eprintln!(
        "kill_publish: {trials} trials, {} killed, {finished} finished before the kill; \
         states after the kill: {states:?}; {leftovers} temporary files left in the registry; \
         every trial recovered",
        trials - finished
    );
}

// ---------------------------------------------------------------------------------------
// Concurrency

#[test]
fn concurrent_publish_and_compose() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rounds = env_usize("ASTC_CONCURRENCY_ROUNDS", 3);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let root = tmp.path().join("root");
    let greeter = project(&root, &cache, false);
    let registry = root.join("registry");
    let composers: Vec<PathBuf> = (0..3)
        .map(|i| {
            let d = tmp.path().join(format!("composer-{i}"));
            fs::create_dir_all(&d).unwrap();
            fs::write(
                d.join("astc.toml"),
                MANIFEST.replace("path = \"registry\"", "path = \"../root/registry\""),
            )
            .unwrap();
            fs::copy(root.join("app.wasm"), d.join("app.wasm")).unwrap();
            d
        })
        .collect();
    let mut expected: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    expected.insert("1.0.0".into(), greeter.clone());

    let mut processes = 0;
    for round in 1..=rounds {
        // (version, bytes) per publisher.
        let mut jobs: Vec<(String, Vec<u8>)> = Vec::new();
        for i in 0..4 {
            let v = format!("1.{round}.{}", 10 + i);
            jobs.push((v.clone(), with_custom_section(&greeter, &v)));
        }
        let same = format!("1.{round}.0");
        for _ in 0..3 {
            jobs.push((same.clone(), with_custom_section(&greeter, &same)));
        }
        let contested = format!("1.{round}.1");
        for i in 0..3 {
            jobs.push((
                contested.clone(),
                with_custom_section(&greeter, &format!("{contested}-{i}")),
            ));
        }
        let mut children = Vec::new();
        for (i, (version, bytes)) in jobs.iter().enumerate() {
            let file = format!("r{round}-{i}.wasm");
            fs::write(root.join(&file), bytes).unwrap();
            let args = [
                "publish",
                &file,
                "--name",
                "acme:greeter",
                "--version",
                version,
            ];
            let cmd = astc_cmd(&root, &cache, &args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            children.push(cmd);
        }
        let mut compose_children = Vec::new();
        for d in &composers {
            compose_children.push(
                astc_cmd(d, &cache, &["compose", "-o", "out.wasm"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
        }
        processes = children.len() + compose_children.len();
        let outs: Vec<Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        for c in compose_children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: a concurrent compose failed ({:?}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut winners = Vec::new();
        for (i, ((version, bytes), out)) in jobs.iter().zip(&outs).enumerate() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.code().is_some() && out.status.code() != Some(101),
                "round {round}: publisher {i} crashed ({:?}):\n{stderr}",
                out.status
            );
            if *version == contested {
                if out.status.success() {
                    winners.push(i);
                    expected.insert(version.clone(), bytes.clone());
                } else {
                    assert_eq!(out.status.code(), Some(4), "{stderr}");
                    assert!(
                        stderr.contains("is already published with different contents"),
                        "round {round}: a losing publisher failed with the wrong error:\n{stderr}"
                    );
                }
            } else {
                assert!(
                    out.status.success(),
                    "round {round}: publishing {version} failed:\n{stderr}"
                );
                expected.insert(version.clone(), bytes.clone());
            }
        }
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one publisher of {contested} must win"
        );
        check_registry(&registry, &expected, None);
        for d in &composers {
            ok(d, &cache, &["verify", "-o", "out.wasm"]);
        }
    }
    // The registry works afterwards.
    ok(&root, &cache, &["lock"]);
    ok(&root, &cache, &["compose", "-o", "out.wasm"]);
    ok(&root, &cache, &["verify", "-o", "out.wasm"]);
    for d in &composers {
        ok(d, &cache, &["compose", "-o", "out.wasm"]);
        ok(d, &cache, &["verify", "-o", "out.wasm"]);
    }
    eprintln!(
        "concurrent_publish_and_compose: {rounds} rounds x {processes} processes (10 \
         publishers, 3 composers); every version intact, one winner per contested version"
    );
}

// ---------------------------------------------------------------------------------------
// Direct replacement

#[test]
fn tampered_registry_file() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let dir = tmp.path().join("project");
    project(&dir, &cache, false);
    ok(&dir, &cache, &["compose", "-o", "out.wasm"]);
    let file = dir.join("registry/acme/greeter/1.0.0.wasm");
    let original = fs::read(&file).unwrap();
    let other = astc_fixtures::component_from_wit("other.wit", OTHER_GREETER).unwrap();
    fs::write(dir.join("other.wasm"), &other).unwrap();
    fs::write(&file, &other).unwrap();

    let check = |args: &[&str], without_lock: bool| {
        if without_lock {
            fs::remove_file(dir.join("astc.lock")).ok();
        }
        let out = astc(&dir, &cache, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(4),
            "`astc {}` must refuse the replaced file:\n{stderr}",
            args.join(" ")
        );
        assert!(
            stderr.contains("registry/acme/greeter/1.0.0.wasm")
                && stderr.contains(&Digest::of(&original).to_string())
                && stderr.contains(&Digest::of(&other).to_string()),
            "`astc {}` must name the file and both digests:\n{stderr}",
            args.join(" ")
        );
    };
    check(&["compose", "-o", "out.wasm", "--locked"], false);
    check(&["verify", "-o", "out.wasm"], false);
    check(&["check"], false);
    check(&["compose", "-o", "out.wasm", "--force"], false);
    check(&["lock"], true);
    check(&["check"], true);
    check(&["tree"], true);
    check(&["graph"], true);
    check(&["compose", "-o", "out.wasm"], true);
    // Publishing next to it reads it as a neighbour; publishing its bytes as that version
    // must not pretend they were published.
    check(
        &[
            "publish",
            "greeter.wasm",
            "--name",
            "acme:greeter",
            "--version",
            "1.0.1",
        ],
        false,
    );
    check(
        &[
            "publish",
            "other.wasm",
            "--name",
            "acme:greeter",
            "--version",
            "1.0.0",
        ],
        false,
    );
    check(
        &[
            "publish",
            "greeter.wasm",
            "--name",
            "acme:greeter",
            "--version",
            "1.0.0",
        ],
        false,
    );
    // Restored, everything works again.
    fs::write(&file, &original).unwrap();
    ok(&dir, &cache, &["compose", "-o", "out.wasm"]);
    ok(&dir, &cache, &["verify", "-o", "out.wasm"]);
}

// ---------------------------------------------------------------------------------------
// What an output path is: a symbolic link, a FIFO, a device, a killed run's leftovers

/// `-o` and `--depfile` through a symbolic link write its target, as a compiler does; the
/// link stays a link.
#[test]
fn output_through_symlink_writes_its_target() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("p"), tmp.path().join("cache"));
    project(&dir, &cache, false);
    ok(&dir, &cache, &["compose", "-o", "plain.wasm"]);
    let expected = fs::read(dir.join("plain.wasm")).unwrap();
    std::os::unix::fs::symlink("real.wasm", dir.join("link.wasm")).unwrap();
    std::os::unix::fs::symlink("real.d", dir.join("link.d")).unwrap();
    ok(
        &dir,
        &cache,
        &[
            "compose",
            "--force",
            "-o",
            "link.wasm",
            "--depfile",
            "link.d",
        ],
    );
    for link in ["link.wasm", "link.d"] {
        let meta = fs::symlink_metadata(dir.join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} was replaced");
    }
    assert_eq!(fs::read(dir.join("real.wasm")).unwrap(), expected);
    let depfile = fs::read_to_string(dir.join("real.d")).unwrap();
    assert!(depfile.starts_with("link.wasm "), "{depfile}");
    assert_eq!(temp_files(&dir), Vec::<PathBuf>::new());
}

/// Reads a FIFO to its end on another thread, as a consumer of `-o pipe` would.
fn read_fifo(path: &Path) -> std::thread::JoinHandle<Vec<u8>> {
    let path = path.to_path_buf();
    std::thread::spawn(move || fs::read(path).unwrap())
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    fs::symlink_metadata(path).unwrap().file_type().is_fifo()
}

/// `-o pipe` and `--depfile pipe` write into the FIFO: the reader gets the whole output,
/// and the FIFO stays a FIFO.
#[test]
fn output_into_fifo_writes_through() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("p"), tmp.path().join("cache"));
    project(&dir, &cache, false);
    ok(&dir, &cache, &["compose", "-o", "plain.wasm"]);
    let expected = fs::read(dir.join("plain.wasm")).unwrap();
    for name in ["out.pipe", "dep.pipe"] {
        let status = Command::new("mkfifo").arg(dir.join(name)).status().unwrap();
        assert!(status.success());
    }
    let output = read_fifo(&dir.join("out.pipe"));
    let depfile = read_fifo(&dir.join("dep.pipe"));
    ok(
        &dir,
        &cache,
        &[
            "compose",
            "--force",
            "-o",
            "out.pipe",
            "--depfile",
            "dep.pipe",
        ],
    );
    // Checked before joining: a reader of a FIFO replaced by a file would wait forever.
    assert!(is_fifo(&dir.join("out.pipe")) && is_fifo(&dir.join("dep.pipe")));
    assert_eq!(output.join().unwrap(), expected);
    let depfile = String::from_utf8(depfile.join().unwrap()).unwrap();
    assert!(depfile.starts_with("out.pipe "), "{depfile}");
    assert_eq!(temp_files(&dir), Vec::<PathBuf>::new());
}

/// `-o null` and `--depfile null` where `null` is a character device like /dev/null: the
/// device stays a device. Making a device needs root; elsewhere the test only says so.
#[test]
fn output_into_device_writes_through() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("p"), tmp.path().join("cache"));
    project(&dir, &cache, false);
    for name in ["null", "null.d"] {
        let made = Command::new("mknod")
            .args(["-m666"])
            .arg(dir.join(name))
            .args(["c", "1", "3"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            eprintln!("skipped: cannot make a device node here (not root)");
            return;
        }
    }
    ok(
        &dir,
        &cache,
        &["compose", "-o", "null", "--depfile", "null.d"],
    );
    ok(
        &dir,
        &cache,
        &["compose", "-o", "null", "--depfile", "null.d"],
    );
    for name in ["null", "null.d"] {
        let kind = fs::symlink_metadata(dir.join(name)).unwrap().file_type();
        assert!(kind.is_char_device(), "{name} is no longer a device");
    }
    assert_eq!(temp_files(&dir), Vec::<PathBuf>::new());
}

/// The temporary file of a compose killed long ago is removed by the next compose to the
/// same output; one that may belong to a compose still running (recent), and files of
/// other names, stay.
#[test]
fn stale_temporary_files_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("p"), tmp.path().join("cache"));
    project(&dir, &cache, false);
    let stale = dir.join(".app.composed.wasm.aB3dE9.tmp");
    let recent = dir.join(".app.composed.wasm.Zz9yX8.tmp");
    let other = dir.join(".app.composed.wasm.notours.tmp");
    for path in [&stale, &recent, &other] {
        fs::write(path, vec![0u8; 4096]).unwrap();
    }
    let long_ago = std::time::SystemTime::now() - Duration::from_secs(3 * 60 * 60);
    for path in [&stale, &other] {
        fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
    }
    ok(&dir, &cache, &["compose"]);
    assert!(!stale.exists(), "the stale temporary file was left");
    assert!(recent.exists(), "a recent temporary file was removed");
    assert!(
        other.exists(),
        "a file not named as astc names them was removed"
    );
}

/// `-o` into the cache directory is refused: a file there would pass for a cache entry.
#[test]
fn output_into_cache_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("p"), tmp.path().join("cache"));
    project(&dir, &cache, false);
    fs::create_dir_all(cache.join("components")).unwrap();
    let target = cache.join("components").join("x.wasm");
    let out = astc(&dir, &cache, &["compose", "-o", target.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains("cache directory"), "{stderr}");
    assert!(!target.exists());
}

// The key-value store

/// `astc call counter.wasm FUNCTION ARGS --kv KV`: the JSON result.
fn kv_call(cache: &Path, kv: &Path, function: &str, args: &str) -> serde_json::Value {
    let counter = astc_fixtures::guests::build().unwrap().join("counter.wasm");
    let dir = kv.parent().unwrap();
    let out = ok(
        dir,
        cache,
        &[
            "call",
            counter.to_str().unwrap(),
            function,
            args,
            "--kv",
            kv.to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["result"].clone()
}

#[test]
fn kill_keyvalue_batches() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let trials = env_usize("ASTC_KILL_TRIALS", 40) / 2;
    let mut rng = Rng::from_env();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let kv = tmp.path().join("kv");
    let counter = astc_fixtures::guests::build().unwrap().join("counter.wasm");
    const N: u32 = 50;
    let batch_loop = || {
        let mut cmd = astc_cmd(tmp.path(), &cache, &["run", counter.to_str().unwrap()]);
        cmd.args([
            "--kv",
            kv.to_str().unwrap(),
            "--",
            "batch-loop",
            &N.to_string(),
        ]);
        cmd
    };
    // How long until the loop writes its first batch (compiled code cached).
    let started = |cmd: &mut Command| {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        assert_eq!(line, "writing\n");
        child
    };
    let mut child = started(&mut batch_loop());
    child.kill().unwrap();
    child.wait().unwrap();
    let startup = measure(3, || {
        let mut child = started(&mut batch_loop());
        child.kill().unwrap();
        child.wait().unwrap();
    });
    let mut seen = std::collections::BTreeSet::new();
    for trial in 0..trials {
        // Half the kills land anywhere from the start (opening the store, the first
        // batches), half while batches are being written.
        if trial % 2 == 0 {
            assert!(!run_and_kill(batch_loop(), rng.delay(startup * 2)));
        } else {
            let mut child = started(&mut batch_loop());
            std::thread::sleep(rng.delay(Duration::from_millis(30)));
            child.kill().unwrap();
            child.wait().unwrap();
        }
        let values = kv_call(&cache, &kv, "read-batch", &format!("[{N}]"));
        let values = values.as_array().unwrap_or_else(|| panic!("{values}"));
        let first = &values[0];
        assert!(
            values.iter().all(|v| v == first),
            "trial {trial}: a batch was cut: {values:?}"
        );
        seen.insert(first.to_string());
        // The store still takes writes.
        assert_eq!(kv_call(&cache, &kv, "visit", "after"), trial as u64 + 1);
    }
    eprintln!("kill_keyvalue_batches: {trials} kills, batch generations seen: {seen:?}");
}

#[test]
fn keyvalue_full_disk() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let kv = tmp.path().join("kv");
    let counter = astc_fixtures::guests::build().unwrap().join("counter.wasm");
    assert_eq!(
        kv_call(&cache, &kv, "set", r#"["b", "k", "before"]"#),
        serde_json::Value::Null
    );
    // A file-size limit stands in for a full disk: writes past it fail (EFBIG), as they do
    // with ENOSPC; the signal it would raise is ignored, as a full disk raises none.
    let script = format!(
        "trap '' XFSZ; ulimit -f 256; exec '{ASTC}' call '{}' set-bytes '[\"b\", \"k\", 4000000]' --kv '{}'",
        counter.display(),
        kv.display()
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("ASTC_CACHE_DIR", &cache)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("the key-value store") && stdout.contains("disk"),
        "{stdout}"
    );
    assert_eq!(
        kv_call(&cache, &kv, "get", r#"["b", "k"]"#),
        serde_json::Value::String("before".into())
    );
}
