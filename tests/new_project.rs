//! A new user's first component, end to end with the real binary and toolchain:
//! `astc new hello && cd hello && astc build && astc compose && astc call ...`.
//!
//! Building the Rust guest needs the wasm32-wasip2 target and takes a minute or so the first
//! time; its Cargo target directory is kept under Cargo's `CARGO_TARGET_TMPDIR`, so later runs
//! only rebuild the component.

use std::path::Path;
use std::process::{Command, Output};

const ASTC: &str = env!("CARGO_BIN_EXE_astc");

fn astc(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(ASTC)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("ASTC_CACHE_DIR", dir.join(".cache"))
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("new-project"),
        )
        // The guest build must not inherit the host build's settings.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .expect("astc runs");
    assert!(
        out.status.success(),
        "`astc {}` failed ({}):\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn rust_project_builds_composes_and_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = astc(tmp.path(), &["new", "hello"]);
    assert!(stderr(&out).contains("Created Rust component `hello` in hello"));
    let dir = tmp.path().join("hello");
    for file in [
        "astc.toml",
        "wit/world.wit",
        "Cargo.toml",
        "src/lib.rs",
        ".gitignore",
    ] {
        assert!(dir.join(file).is_file(), "`astc new` wrote no {file}");
    }

    let out = astc(&dir, &["build"]);
    let err = stderr(&out);
    // Cargo's own progress is shown, then where the component went.
    assert!(err.contains("Finished `release` profile"), "{err}");
    assert!(err.contains("Built build/hello.wasm"), "{err}");
    assert!(dir.join("build/hello.wasm").is_file());

    let out = astc(&dir, &["compose"]);
    assert!(stderr(&out).contains("Composed 1 component into hello.composed.wasm"));

    let out = astc(
        &dir,
        &[
            "call",
            "hello.composed.wasm",
            "my:hello/api@0.1.0#greet",
            r#"["world"]"#,
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "\"Hello, world!\"\n");
}

/// The guide's "Your first component" shows exactly the commands and output the test above
/// runs, so a newcomer following it cannot meet a step that was never tested.
#[test]
fn the_guide_shows_the_tested_walk() {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/guide.md")).unwrap();
    let walk = "```sh\nastc new hello\ncd hello\nastc build\nastc compose\n\
                astc call hello.composed.wasm 'my:hello/api@0.1.0#greet' '[\"world\"]'\n```\n\
                \nThe last command prints `\"Hello, world!\"`.";
    assert!(
        guide.contains(walk),
        "docs/guide.md no longer shows:\n{walk}"
    );
}

#[test]
fn init_names_the_project_after_its_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("greeter");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join(".gitignore"), "/notes\n").unwrap();
    let out = astc(&dir, &["init", "--namespace", "acme", "--lang", "python"]);
    assert!(stderr(&out).contains("Created Python component `greeter`"));
    let wit = std::fs::read_to_string(dir.join("wit/world.wit")).unwrap();
    assert!(wit.starts_with("package acme:greeter@0.1.0;"), "{wit}");
    assert!(wit.contains("export api;"));
    let manifest = std::fs::read_to_string(dir.join("astc.toml")).unwrap();
    assert!(manifest.contains("name = \"acme:greeter\""), "{manifest}");
    assert!(manifest.contains("component = \"build/greeter.wasm\""));
    assert!(dir.join("app.py").is_file());
    // An existing .gitignore keeps its lines and gains the project's.
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(ignore.starts_with("/notes\n/build/\n"), "{ignore}");
}

/// The same walk in Python, when componentize-py is installed (`pip install
/// componentize-py`); skipped, saying so, otherwise.
#[test]
fn python_project_builds_composes_and_answers() {
    if Command::new("componentize-py")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: componentize-py is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    astc(tmp.path(), &["new", "hello", "--lang", "python"]);
    let dir = tmp.path().join("hello");
    let out = astc(&dir, &["build"]);
    assert!(stderr(&out).contains("Built build/hello.wasm"));
    astc(&dir, &["compose"]);
    let out = astc(
        &dir,
        &[
            "call",
            "hello.composed.wasm",
            "my:hello/api@0.1.0#greet",
            r#"["world"]"#,
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "\"Hello, world!\"\n");
}

/// The same walk in JavaScript. `astc build` installs componentize-js with npm (some
/// hundred megabytes), so this runs only with `ASTC_POLYGLOT=1`, like tests/polyglot.rs.
#[test]
fn js_project_builds_composes_and_answers() {
    if std::env::var_os("ASTC_POLYGLOT").is_none_or(|v| v != "1") {
        eprintln!("skipped: set ASTC_POLYGLOT=1 to install componentize-js and run it");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    astc(tmp.path(), &["new", "hello", "--lang", "js"]);
    let dir = tmp.path().join("hello");
    let out = astc(&dir, &["build"]);
    let err = stderr(&out);
    assert!(
        err.contains("Installing componentize-js (npm install)"),
        "{err}"
    );
    assert!(err.contains("Built build/hello.wasm"), "{err}");
    astc(&dir, &["compose"]);
    let out = astc(
        &dir,
        &[
            "call",
            "hello.composed.wasm",
            "my:hello/api@0.1.0#greet",
            r#"["world"]"#,
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "\"Hello, world!\"\n");
}
