//! The bad-input corpus: every file under `tests/bad-inputs/*.toml` lists cases of input
//! that astc must refuse cleanly.
//!
//! Each case starts from a copy of one valid project (`tests/bad-inputs/base/`: a manifest,
//! an app, a provider published into `registry/`, then locked and composed), breaks it with
//! `setup` steps, runs astc once and checks that
//!
//! - the exit status is the expected one (never 0, never 101: a panic fails the case);
//! - stderr holds every word of `message` (the file or value at fault, what is wrong);
//! - nothing in the project changed: the whole tree (bytes, symbolic links, permissions) is
//!   compared before and after.
//!
//! ```toml
//! [[case]]
//! name = "truncated-component"         # unique within the file
//! setup = [                            # applied in order, relative to the project
//!   { copy = "registry/acme/greeter/1.0.0.wasm", to = "t.wasm" },
//!   { truncate = "t.wasm", len = 20 },
//! ]
//! run = ["publish", "t.wasm", "--name", "acme:x", "--version", "1.0.0"]
//! status = 3
//! message = ["t.wasm", "unexpected end"]
//! ```
//!
//! Setup steps: `{ write = PATH, text | hex | wat | wit | from_repo = ..., }` (`from_repo`
//! copies a file of this repository, e.g. a fuzzing regression), `{ write = PATH, random =
//! LEN, seed = N }`, `{ write = PATH, deep_types = N }` (a component whose type is `N` nested
//! lists), `{ truncate = PATH, len = N }`, `{ flip = PATH, at = OFFSET }`, `{ flip_digest = PATH }` (the first
//! `sha256:` digest in the file changes by one digit), `{ edit = PATH,
//! replace = OLD, with = NEW }`, `{ copy = FROM, to = TO }`, `{ remove = PATH }`, `{ mkdir =
//! PATH }`, `{ symlink = LINK, to = TARGET }`, `{ chmod = PATH, mode = 0o000 }`, `{ mkfifo = PATH }`. A case with
//! `needs_permissions = true` depends on file modes, which do not bind root: it is ignored
//! when the tests run with privileges.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use support::{changed, snapshot};

mod support;

/// The astc binary: `ASTC_TEST_BIN` when the corpus runs from a copy (as
/// `scripts/test.sh` runs it for an unprivileged user, who may not read the build
/// directory), else the one Cargo built.
fn astc_bin() -> PathBuf {
    std::env::var_os("ASTC_TEST_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_astc")), PathBuf::from)
}

/// The repository the corpus and `from_repo` files are read from: `ASTC_TEST_REPO` for a
/// copy (see [`astc_bin`]), else this one.
fn repo() -> PathBuf {
    std::env::var_os("ASTC_TEST_REPO")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}
/// The issue this corpus answers asks for at least this many cases.
const MIN_CASES: usize = 150;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    setup: Vec<Setup>,
    run: Vec<String>,
    status: i32,
    message: Vec<String>,
    #[serde(default)]
    needs_permissions: bool,
    /// Run with standard output a pipe whose reader is already closed, as in
    /// `astc tree | head -0`: the command must stop quietly (status 0, nothing on stderr).
    #[serde(default)]
    closed_stdout: bool,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Setup {
    write: Option<String>,
    text: Option<String>,
    hex: Option<String>,
    wat: Option<String>,
    wit: Option<String>,
    from_repo: Option<String>,
    random: Option<usize>,
    seed: Option<u64>,
    deep_types: Option<usize>,
    truncate: Option<String>,
    len: Option<u64>,
    flip: Option<String>,
    at: Option<usize>,
    flip_digest: Option<String>,
    edit: Option<String>,
    replace: Option<String>,
    with: Option<String>,
    copy: Option<String>,
    to: Option<String>,
    remove: Option<String>,
    mkdir: Option<String>,
    symlink: Option<String>,
    chmod: Option<String>,
    mode: Option<u32>,
    mkfifo: Option<String>,
}

fn main() {
    let args = Arguments::from_args();
    let root = repo().join("tests/bad-inputs");
    let mut files: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let privileged = privileged();
    let template: Arc<OnceLock<Result<tempfile::TempDir, String>>> = Arc::default();
    let mut trials = Vec::new();
    let mut total = 0;
    for file in files {
        let group = file.file_stem().unwrap().to_string_lossy().into_owned();
        let parsed: File = toml::from_str(&fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in parsed.case {
            total += 1;
            let name = format!("{group}::{}", case.name);
            let ignored = case.needs_permissions && privileged;
            let template = template.clone();
            trials.push(
                Trial::test(name, move || {
                    let template = template.get_or_init(build_template);
                    let template = template.as_ref().map_err(|e| e.clone())?;
                    run_case(template.path(), &case)
                })
                .with_ignored_flag(ignored),
            );
        }
    }
    trials.push(Trial::test("corpus-size", move || {
        if total >= MIN_CASES {
            Ok(())
        } else {
            Err(format!("the corpus has {total} cases, fewer than {MIN_CASES}").into())
        }
    }));
    libtest_mimic::run(&args, trials).exit();
}

/// Whether file modes fail to bind this process (root): then a file with mode 000 opens.
fn privileged() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe");
    fs::write(&path, "x").unwrap();
    set_mode(&path, 0o000);
    let open = fs::read(&path).is_ok();
    set_mode(&path, 0o644);
    open
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// The valid project every case starts from: built, published, locked and composed once.
fn build_template() -> Result<tempfile::TempDir, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let src = repo().join("tests/bad-inputs/base");
    let dir = tmp.path();
    astc_fixtures::materialize(&src, dir).map_err(|e| format!("{e:#}"))?;
    let cache = tmp.path().join(".cache");
    let astc = |args: &[&str]| -> Result<(), String> {
        let out = Command::new(astc_bin())
            .args(args)
            .current_dir(dir)
            .env("ASTC_CACHE_DIR", &cache)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "setting up the base project: `astc {}` failed:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    astc(&[
        "publish",
        "greeter.wasm",
        "--name",
        "acme:greeter",
        "--version",
        "1.0.0",
    ])?;
    astc(&["compose"])?;
    fs::remove_dir_all(&cache).map_err(|e| e.to_string())?;
    Ok(tmp)
}

fn run_case(template: &Path, case: &Case) -> Result<(), Failed> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("project");
    copy_tree(template, &dir)?;
    for step in &case.setup {
        apply(&dir, step).map_err(|e| format!("setup step failed: {e:?}"))?;
    }
    let before = snapshot(&dir);
    let mut command = Command::new(astc_bin());
    command
        .args(&case.run)
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("ASTC_CACHE_DIR", tmp.path().join("cache"))
        // An env.toml reads asterai's store under `$HOME`: never the user's own.
        .env("HOME", tmp.path().join("home"))
        .env_remove("ASTC_BACKTRACE")
        .env_remove("RUST_BACKTRACE");
    if case.closed_stdout {
        let (reader, writer) = std::io::pipe()?;
        drop(reader);
        command.stdout(writer);
    }
    let out = command.output()?;
    let after = snapshot(&dir);
    // Restore permissions so the temporary directory can be removed.
    for step in &case.setup {
        if let Some(path) = &step.chmod {
            set_mode(&dir.join(path), 0o755);
        }
    }
    let status = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "[ROOT]");
    let context = || format!("`astc {}`\nstderr:\n{stderr}", case.run.join(" "));
    if status == 101 || stderr.contains("panicked") {
        return Err(format!("astc panicked: {}", context()).into());
    }
    if status != case.status {
        return Err(format!("status {status}, expected {}: {}", case.status, context()).into());
    }
    let missing: Vec<&String> = case
        .message
        .iter()
        .filter(|w| !stderr.contains(w.as_str()))
        .collect();
    if !missing.is_empty() {
        return Err(format!("the message lacks {missing:?}: {}", context()).into());
    }
    if case.closed_stdout && !stderr.trim().is_empty() {
        return Err(format!("a closed pipe must end the command quietly: {}", context()).into());
    }
    if before != after {
        return Err(format!(
            "files changed: {:?}: {}",
            changed(&before, &after),
            context()
        )
        .into());
    }
    Ok(())
}

fn apply(dir: &Path, s: &Setup) -> Result<(), Failed> {
    let at = |p: &str| dir.join(p);
    if let Some(path) = &s.write {
        let bytes = if let Some(text) = &s.text {
            text.clone().into_bytes()
        } else if let Some(hex) = &s.hex {
            hex.split_whitespace()
                .map(|b| u8::from_str_radix(b, 16))
                .collect::<Result<Vec<u8>, _>>()?
        } else if let Some(wat) = &s.wat {
            wat::parse_str(wat)?
        } else if let Some(wit) = &s.wit {
            astc_fixtures::component_from_wit(path, wit)?
        } else if let Some(file) = &s.from_repo {
            fs::read(repo().join(file))?
        } else if let Some(len) = s.random {
            random_bytes(len, s.seed.unwrap_or(1))
        } else if let Some(depth) = s.deep_types {
            wat::parse_str(deep_types(depth))?
        } else {
            return Err(format!("`write = {path:?}` needs content").into());
        };
        if let Some(parent) = at(path).parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(at(path), bytes)?;
    }
    if let Some(path) = &s.truncate {
        let f = fs::File::options().write(true).open(at(path))?;
        f.set_len(s.len.ok_or("`truncate` needs `len`")?)?;
    }
    if let Some(path) = &s.flip {
        let mut bytes = fs::read(at(path))?;
        let i = s.at.ok_or("`flip` needs `at`")?;
        bytes[i] ^= 0xff;
        fs::write(at(path), bytes)?;
    }
    if let Some(path) = &s.flip_digest {
        // Same length and alphabet, different value: a digest that no longer matches.
        let text = fs::read_to_string(at(path))?;
        let i = text.find("sha256:").ok_or("no digest to change")? + "sha256:".len();
        let c = if &text[i..=i] == "0" { "1" } else { "0" };
        fs::write(at(path), format!("{}{c}{}", &text[..i], &text[i + 1..]))?;
    }
    if let Some(path) = &s.edit {
        let text = fs::read_to_string(at(path))?;
        let old = s.replace.as_deref().ok_or("`edit` needs `replace`")?;
        if !text.contains(old) {
            return Err(format!("`{path}` does not contain {old:?}:\n{text}").into());
        }
        fs::write(
            at(path),
            text.replacen(old, s.with.as_deref().unwrap_or(""), 1),
        )?;
    }
    if let Some(from) = &s.copy {
        let to = at(s.to.as_deref().ok_or("`copy` needs `to`")?);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(at(from), to)?;
    }
    if let Some(path) = &s.remove {
        let p = at(path);
        if p.is_dir() && !p.is_symlink() {
            fs::remove_dir_all(p)?;
        } else {
            fs::remove_file(p)?;
        }
    }
    if let Some(path) = &s.mkdir {
        fs::create_dir_all(at(path))?;
    }
    if let Some(link) = &s.symlink {
        std::os::unix::fs::symlink(s.to.as_deref().ok_or("`symlink` needs `to`")?, at(link))?;
    }
    if let Some(path) = &s.chmod {
        set_mode(&at(path), s.mode.ok_or("`chmod` needs `mode`")?);
    }
    if let Some(path) = &s.mkfifo {
        let status = Command::new("mkfifo").arg(at(path)).status()?;
        if !status.success() {
            return Err(format!("`mkfifo {path}` failed").into());
        }
    }
    Ok(())
}

/// Deterministic pseudo-random bytes (xorshift64*), which never start with the wasm magic.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// A component importing a function whose parameter is `depth` nested lists, each a named
/// type, so the text stays flat however deep the type is.
fn deep_types(depth: usize) -> String {
    let mut wat = String::from("(component\n  (type $t0 (list u8))\n");
    for i in 1..depth {
        wat.push_str(&format!("  (type $t{i} (list $t{}))\n", i - 1));
    }
    wat.push_str(&format!(
        "  (import \"acme:deep/api@1.0.0\" (instance (export \"f\" (func (param \"x\" $t{})))))\n)",
        depth - 1
    ));
    wat
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type()?.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}
