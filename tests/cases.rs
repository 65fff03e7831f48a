//! End-to-end cases: each directory under `tests/cases/` drives the real `astc` binary.
//!
//! A case directory holds:
//!
//! - `case.toml`: the steps, in order. Each step is one of
//!   - `run = ["lock", "--locked"]`: run astc with these arguments in the case directory;
//!   - `cat = "astc.lock"`: print a file into the transcript;
//!   - `copy = ["from", "to"]`, `remove = "path"`, `write = ["path", "text"]`: change files
//!     between runs (to tamper with a registry, edit a manifest, ...);
//!   - `same = ["a.wasm", "b.wasm"]`: fail unless the two files are byte-identical;
//!   - `symlink = ["target", "link"]`: create a symbolic link;
//!   - `touch = "path"`: move a file's modification time forward without changing it;
//!   - `instances = "out.wasm"`: print how many components the file instantiates at its top
//!     level, and which (by the names astc gives them);
//! - fixture sources: every `*.wit` and `*.wat` is built into a `.wasm` beside it (see
//!   `astc-fixtures`), so `component = "app.wasm"` in a manifest refers to `app.wit`;
//! - `publish/<ns>/<name>/<version>.wit`: published with `astc publish` into `registry/`
//!   before the steps, in version order;
//! - `guests = { "dest.wasm" = "probe" }` in `case.toml`: real components built from
//!   `fixtures/guests` (Rust, wasm32-wasip2), or from an example's workspace
//!   (`"burger-shop/consumer"`), copied in before publishing;
//! - `home/`: the `$HOME` astc sees (where asterai's default local store is);
//! - `expected.txt`: the transcript, each step's command, exit status, stdout and stderr,
//!   with the case directory shown as `[ROOT]`.
//!
//! Run with `BLESS=1` to rewrite the transcripts. Every step that fails must leave the case
//! directory exactly as it was: the harness compares the whole tree, bytes included.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use support::{changed, snapshot};

mod support;

const ASTC: &str = env!("CARGO_BIN_EXE_astc");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// Guest components (built from `fixtures/guests`) to copy in: destination → guest name.
    #[serde(default)]
    guests: BTreeMap<String, String>,
    step: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    run: Option<Vec<String>>,
    cat: Option<String>,
    copy: Option<[String; 2]>,
    remove: Option<String>,
    write: Option<[String; 2]>,
    same: Option<[String; 2]>,
    instances: Option<String>,
    symlink: Option<[String; 2]>,
    touch: Option<String>,
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.toml").exists())
        .collect();
    dirs.sort();
    let mut trials: Vec<Trial> = dirs
        .into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            Trial::test(name, move || run_case(&dir))
        })
        .collect();
    trials.push(Trial::test(
        "example-readme-matches-transcript",
        readme_matches,
    ));
    libtest_mimic::run(&args, trials).exit();
}

fn run_case(src: &Path) -> Result<(), Failed> {
    let case: Case = toml::from_str(&fs::read_to_string(src.join("case.toml"))?)?;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("case");
    astc_fixtures::materialize(src, &dir)?;
    fs::remove_file(dir.join("expected.txt")).ok();
    for (dest, guest) in &case.guests {
        // `probe` is a test guest; `burger-shop/consumer` a component of an example.
        let built = match guest.split_once('/') {
            Some((example, name)) => {
                let ws = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("examples")
                    .join(example);
                astc_fixtures::guests::build_workspace(&ws)?.join(format!("{name}.wasm"))
            }
            None => astc_fixtures::guests::build()?.join(format!("{guest}.wasm")),
        };
        let to = dir.join(dest);
        fs::create_dir_all(to.parent().unwrap())?;
        fs::copy(built, &to)?;
    }
    publish_all(&dir)?;
    let cache = tmp.path().join("cache");

    let mut transcript = String::new();
    for step in &case.step {
        if let Some(args) = &step.run {
            let before = snapshot(&dir);
            let out = Command::new(ASTC)
                .args(args)
                .current_dir(&dir)
                .env("NO_COLOR", "1")
                .env("ASTC_CACHE_DIR", &cache)
                // asterai's default local store is under `$HOME`: the case's own `home/`.
                .env("HOME", dir.join("home"))
                .env_remove("ASTC_BACKTRACE")
                .output()?;
            let status = out.status.code().unwrap_or(-1);
            if status == 101 {
                return Err(format!(
                    "astc panicked on `{}`:\n{}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                )
                .into());
            }
            if status != 0 {
                let after = snapshot(&dir);
                if before != after {
                    return Err(format!(
                        "`astc {}` failed (status {status}) but changed files: {:?}",
                        args.join(" "),
                        changed(&before, &after)
                    )
                    .into());
                }
            }
            if args.windows(2).any(|w| w == ["--message-format", "json"]) {
                check_json_diagnostics(&out.stderr)?;
            }
            transcript.push_str(&format!("$ astc {}\n", args.join(" ")));
            transcript.push_str(&format!("status: {status}\n"));
            section(&mut transcript, "stdout", &out.stdout);
            section(&mut transcript, "stderr", &out.stderr);
        }
        if let Some(file) = &step.cat {
            transcript.push_str(&format!("$ cat {file}\n"));
            let text = fs::read_to_string(dir.join(file))
                .unwrap_or_else(|e| format!("<cannot read: {e}>\n"));
            transcript.push_str(&text);
        }
        if let Some([from, to]) = &step.copy {
            fs::create_dir_all(dir.join(to).parent().unwrap())?;
            fs::copy(dir.join(from), dir.join(to))?;
            transcript.push_str(&format!("$ cp {from} {to}\n"));
        }
        if let Some(path) = &step.remove {
            fs::remove_file(dir.join(path))?;
            transcript.push_str(&format!("$ rm {path}\n"));
        }
        if let Some(file) = &step.touch {
            let f = fs::File::options().write(true).open(dir.join(file))?;
            let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
            f.set_modified(later)?;
            transcript.push_str(&format!("$ touch {file}\n"));
        }
        if let Some([target, link]) = &step.symlink {
            #[cfg(unix)]
            std::os::unix::fs::symlink(target, dir.join(link))?;
            transcript.push_str(&format!("$ ln -s {target} {link}\n"));
        }
        if let Some([a, b]) = &step.same {
            if fs::read(dir.join(a))? != fs::read(dir.join(b))? {
                return Err(format!("`{a}` and `{b}` differ").into());
            }
            transcript.push_str(&format!("$ cmp {a} {b}\n"));
        }
        if let Some(file) = &step.instances {
            transcript.push_str(&format!("$ instances {file}\n"));
            transcript.push_str(&count_instances(&fs::read(dir.join(file))?)?);
        }
        if let Some([path, text]) = &step.write {
            fs::create_dir_all(dir.join(path).parent().unwrap())?;
            fs::write(dir.join(path), text)?;
            transcript.push_str(&format!("$ write {path}\n"));
        }
        transcript.push('\n');
    }
    let transcript = transcript.replace(&dir.display().to_string(), "[ROOT]");
    compare(&src.join("expected.txt"), &transcript)
}

/// With `--message-format json`, stderr must hold only diagnostics, one JSON object per
/// line, each with exactly the documented keys and value types.
fn check_json_diagnostics(stderr: &[u8]) -> Result<(), Failed> {
    use serde_json::Value;
    const STRINGS: &[&str] = &[
        "code",
        "message",
        "component",
        "interface",
        "function",
        "provider",
        "file",
        "help",
    ];
    for line in String::from_utf8_lossy(stderr).lines() {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| format!("not a JSON diagnostic ({e}): {line}"))?;
        let obj = v
            .as_object()
            .ok_or_else(|| format!("not an object: {line}"))?;
        let mut keys: Vec<&str> = obj.keys().map(|k| k.as_str()).collect();
        keys.sort();
        let mut want = vec![
            "causes",
            "code",
            "column",
            "component",
            "file",
            "function",
            "help",
            "interface",
            "level",
            "line",
            "message",
            "provider",
            "type_path",
        ];
        want.sort();
        if keys != want {
            return Err(format!("keys {keys:?} differ from the schema {want:?}").into());
        }
        if !matches!(obj["level"].as_str(), Some("error" | "warning")) {
            return Err(format!("bad level in {line}").into());
        }
        for k in STRINGS {
            if !(obj[*k].is_string() || obj[*k].is_null()) {
                return Err(format!("`{k}` must be a string or null in {line}").into());
            }
        }
        for k in ["line", "column"] {
            if !(obj[k].is_u64() || obj[k].is_null()) {
                return Err(format!("`{k}` must be a number or null in {line}").into());
            }
        }
        for k in ["type_path", "causes"] {
            if !obj[k]
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string))
            {
                return Err(format!("`{k}` must be an array of strings in {line}").into());
            }
        }
        if !obj["message"].is_string() {
            return Err(format!("`message` is required in {line}").into());
        }
    }
    Ok(())
}

/// The burger-shop README shows output "copied from a run": every output line of the
/// example's case transcript must appear in it verbatim, so the README cannot drift.
fn readme_matches() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("examples/burger-shop/README.md"))?;
    let transcript = fs::read_to_string(root.join("tests/cases/example-burger-shop/expected.txt"))?;
    let mut missing = Vec::new();
    for line in transcript.lines() {
        let output = !(line.starts_with("$ ")
            || line.starts_with("status: ")
            || line.starts_with("--- ")
            || line.is_empty());
        if output && !readme.contains(line) {
            missing.push(line);
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "examples/burger-shop/README.md lacks these lines of the example's output:\n{}",
            missing.join("\n")
        )
        .into())
    }
}

/// Publishes `publish/<ns>/<name>/<version>.wasm` into `registry/`, in version order.
fn publish_all(dir: &Path) -> Result<(), Failed> {
    let publish = dir.join("publish");
    if !publish.exists() {
        return Ok(());
    }
    let mut items = Vec::new();
    for ns in fs::read_dir(&publish)? {
        let ns = ns?;
        for name in fs::read_dir(ns.path())? {
            let name = name?;
            for file in fs::read_dir(name.path())? {
                let path = file?.path();
                if path.extension().is_some_and(|e| e == "wasm") {
                    let version =
                        semver::Version::parse(path.file_stem().unwrap().to_str().unwrap())?;
                    let full = format!(
                        "{}:{}",
                        ns.file_name().to_string_lossy(),
                        name.file_name().to_string_lossy()
                    );
                    items.push((full, version, path));
                }
            }
        }
    }
    items.sort();
    for (name, version, path) in items {
        let out = Command::new(ASTC)
            .args(["publish", path.to_str().unwrap(), "--name", &name])
            .args(["--version", &version.to_string(), "--registry", "registry"])
            .current_dir(dir)
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "publishing {name} {version} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
    }
    Ok(())
}

/// The component instantiations at the top level of a component: one per composed
/// component, so a diamond's shared provider must appear once.
fn count_instances(bytes: &[u8]) -> Result<String, Failed> {
    use wasmparser::{ComponentInstance, Parser, Payload};
    let mut depth = 0usize;
    let mut count = 0;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentInstanceSection(s) if depth == 0 => {
                for instance in s {
                    if matches!(instance?, ComponentInstance::Instantiate { .. }) {
                        count += 1;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(format!("{count} component instantiations\n"))
}

fn section(out: &mut String, title: &str, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    out.push_str(&format!("--- {title}\n"));
    out.push_str(&String::from_utf8_lossy(bytes));
    if !bytes.ends_with(b"\n") {
        out.push('\n');
    }
}

fn compare(expected: &Path, actual: &str) -> Result<(), Failed> {
    if std::env::var_os("BLESS").is_some() {
        if fs::read_to_string(expected).ok().as_deref() != Some(actual) {
            fs::write(expected, actual)?;
        }
        return Ok(());
    }
    let want = fs::read_to_string(expected).map_err(|e| {
        format!(
            "cannot read `{}` ({e}); run with BLESS=1 to create it",
            expected.display()
        )
    })?;
    if want != actual {
        let diff = pretty_assertions::StrComparison::new(&want, actual);
        return Err(format!(
            "transcript differs from `{}` (BLESS=1 updates it):\n{diff}",
            expected.display()
        )
        .into());
    }
    Ok(())
}
