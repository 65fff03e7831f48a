//! The exit status of every diagnostic code against docs/reference.md, and the rendering of
//! labels, causes and help.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use astc_compiler::build::BuildError;
use astc_compiler::check::CheckError;
use astc_compiler::compose::ComposeError;
use astc_compiler::{FileError, InspectError};
use astc_resolver::diagnostic::Hints;
use astc_resolver::lockfile::LockError;
use astc_resolver::manifest::ManifestError;
use astc_resolver::name::NameError;
use astc_resolver::resolve::ResolveError;
use astc_resolver::version::CompatClass;
use astc_resolver::{
    ComponentId, Digest, InterfaceName, Manifest, PackageName, ProjectError, PublishError,
    RegistryError, Version,
};
use astc_runner::RunError;
use astc_runner::serve::StartError;

use super::*;

fn io() -> std::io::Error {
    std::io::Error::other("denied")
}

fn p(s: &str) -> PathBuf {
    PathBuf::from(s)
}

fn name() -> PackageName {
    PackageName::parse("acme:x").unwrap()
}

fn id() -> ComponentId {
    ComponentId::parse("acme:x@1.0.0").unwrap()
}

fn v() -> Version {
    Version::new(1, 0, 0)
}

fn digest() -> Digest {
    Digest::of(b"")
}

fn invalid_manifest() -> ManifestError {
    Manifest::parse(Path::new("astc.toml"), "[package]\nname = 1\n").unwrap_err()
}

/// One error of every kind, for every diagnostic code.
fn samples() -> Vec<Error> {
    let iface = || InterfaceName::parse("acme:x/api@1.0.0").unwrap();
    vec![
        ManifestError::Read {
            path: p("astc.toml"),
            source: io(),
        }
        .into(),
        invalid_manifest().into(),
        LockError::Io {
            path: p("astc.lock"),
            source: io(),
        }
        .into(),
        LockError::Invalid {
            path: p("astc.lock"),
            message: "bad".into(),
        }
        .into(),
        LockError::FutureFormat {
            path: p("astc.lock"),
            found: 9,
        }
        .into(),
        FileError::Read {
            path: p("x.wasm"),
            source: io(),
        }
        .into(),
        FileError::Invalid {
            path: p("x.wasm"),
            source: InspectError::Empty,
            help: None,
        }
        .into(),
        InspectError::Empty.into(),
        InspectError::NotWasm { found: "00".into() }.into(),
        InspectError::CoreModule.into(),
        InspectError::WitPackage.into(),
        InspectError::Invalid {
            message: "bad".into(),
        }
        .into(),
        InspectError::BadName {
            kind: "import",
            name: "x".into(),
            source: NameError::MissingColon("x".into()),
        }
        .into(),
        InspectError::BadProvenance("bad".into()).into(),
        ProjectError::ReadLocal {
            what: "root component".into(),
            path: p("app.wasm"),
            manifest: p("astc.toml"),
            source: io(),
        }
        .into(),
        ProjectError::InvalidLocal {
            what: "root component".into(),
            path: p("app.wasm"),
            source: Box::new(InspectError::CoreModule),
        }
        .into(),
        ProjectError::UnknownLocalVersion {
            name: name(),
            path: p("x.wasm"),
        }
        .into(),
        ProjectError::LockOutdated {
            changes: Vec::new(),
        }
        .into(),
        ProjectError::UnknownUpdate {
            name: name(),
            lock: p("astc.lock"),
            help: "did you mean `acme:y`?".into(),
        }
        .into(),
        RegistryError::Io {
            path: p("registry"),
            source: io(),
        }
        .into(),
        RegistryError::NotAFile {
            path: p("registry/x"),
        }
        .into(),
        RegistryError::Escapes {
            path: p("registry/x"),
            target: p("/etc"),
        }
        .into(),
        RegistryError::InvalidComponent {
            path: p("registry/x"),
            source: Box::new(InspectError::Empty),
        }
        .into(),
        RegistryError::CorruptRecord {
            path: p("registry/x.json"),
            message: "bad".into(),
        }
        .into(),
        RegistryError::Tampered {
            name: name(),
            version: v(),
            path: p("registry/x"),
            recorded: digest(),
            actual: digest(),
        }
        .into(),
        RegistryError::Conflict {
            name: name(),
            version: v(),
            first: p("a"),
            first_digest: digest(),
            second: p("b"),
            second_digest: digest(),
        }
        .into(),
        RegistryError::Missing {
            name: name(),
            version: v(),
            location: "registry".into(),
        }
        .into(),
        RegistryError::Remote {
            url: "oci://127.0.0.1:5000".into(),
            component: "acme:app".into(),
            message: "down".into(),
            help: None,
        }
        .into(),
        RegistryError::Unauthorized {
            url: "oci://127.0.0.1:5000".into(),
            component: "acme:app".into(),
            credentials: "none".into(),
        }
        .into(),
        RegistryError::TagMoved {
            url: "oci://127.0.0.1:5000".into(),
            reference: "127.0.0.1:5000/acme/app:1.0.0".into(),
            name: name(),
            version: v(),
            recorded: digest(),
            actual: digest(),
            by: "the cache".into(),
        }
        .into(),
        RegistryError::Offline {
            url: "oci://127.0.0.1:5000".into(),
            what: "`acme:app`".into(),
        }
        .into(),
        PublishError::Immutable {
            name: name(),
            version: v(),
            existing: digest(),
            new: digest(),
            suggestion: v(),
        }
        .into(),
        PublishError::Breaking {
            name: name(),
            version: v(),
            other: v(),
            class: CompatClass::of(&v()),
            help: "bump".into(),
            source: "changed".into(),
        }
        .into(),
        PublishError::Reserved { name: name() }.into(),
        PublishError::BadTag {
            name: name(),
            version: v(),
            url: "oci://127.0.0.1:5000".into(),
        }
        .into(),
        PublishError::TooLong {
            name: name(),
            version: "1.0.0-a".into(),
            bytes: 300,
        }
        .into(),
        ResolveError::NoSolution {
            report: "none".into(),
            help: None,
        }
        .into(),
        ResolveError::Ambiguous {
            importer: "acme:app".into(),
            import: iface(),
            candidates: vec![name()],
        }
        .into(),
        ResolveError::Cycle {
            cycle: vec![id(), id()],
        }
        .into(),
        ResolveError::Unsatisfied {
            problems: Vec::new(),
            help: None,
        }
        .into(),
        ResolveError::LockDigestMismatch {
            id: id(),
            path: p("registry/x"),
            locked: digest(),
            actual: digest(),
        }
        .into(),
        CheckError::Mismatch {
            problems: Vec::new(),
            help: None,
        }
        .into(),
        CheckError::Invalid {
            id: id(),
            source: InspectError::Empty,
        }
        .into(),
        ComposeError::Load {
            id: id(),
            message: "bad".into(),
        }
        .into(),
        ComposeError::Wire {
            importer: id(),
            import: "acme:x/api".into(),
            provider: id(),
            message: "bad".into(),
        }
        .into(),
        ComposeError::ExportConflict {
            name: "run".into(),
            first: id(),
            second: id(),
        }
        .into(),
        ComposeError::Encode {
            message: "bad".into(),
        }
        .into(),
        BuildError::Write {
            path: p("out.wasm"),
            source: io(),
        }
        .into(),
        BuildError::Differs {
            path: p("out.wasm"),
            expected: digest(),
            found: digest(),
        }
        .into(),
        BuildError::ReadOutput {
            path: p("out.wasm"),
            source: io(),
        }
        .into(),
        BuildError::OutputIsInput {
            path: p("app.wasm"),
            suggestion: p("out.wasm"),
        }
        .into(),
        RunError::Read {
            path: p("app.wasm"),
            source: io(),
        }
        .into(),
        RunError::Invalid {
            path: p("app.wasm"),
            source: InspectError::Empty,
            help: None,
        }
        .into(),
        RunError::KvStore {
            dir: p("data"),
            message: "it is not a directory".into(),
            help: None,
        }
        .into(),
        RunError::Engine {
            what: "compile",
            message: "bad".into(),
        }
        .into(),
        RunError::Instantiate {
            message: "bad".into(),
        }
        .into(),
        RunError::NoRunExport {
            program: "app.wasm".into(),
            help: "call it".into(),
        }
        .into(),
        RunError::NoSuchFunction {
            target: "f".into(),
            available: "g".into(),
        }
        .into(),
        RunError::AmbiguousFunction {
            target: "f".into(),
            candidates: vec!["a:b/c@1.0.0#f".into(), "a:b/d@1.0.0#f".into()],
        }
        .into(),
        RunError::NoSuchComponent {
            name: "a:x".into(),
            available: vec!["a:b@1.0.0".into()],
        }
        .into(),
        StartError::NothingToServe {
            program: "x.wasm".into(),
        }
        .into(),
        StartError::Listen {
            addr: "127.0.0.1:1".into(),
            source: io(),
        }
        .into(),
        StartError::Mcp {
            message: "closed".into(),
        }
        .into(),
        RunError::InvalidArgs {
            target: "f".into(),
            message: "bad".into(),
            help: "f: func()".into(),
        }
        .into(),
        RunError::Result {
            target: "f".into(),
            message: "bad".into(),
        }
        .into(),
        RunError::Trap {
            message: "unreachable".into(),
        }
        .into(),
        RunError::StackOverflow.into(),
        RunError::MemoryLimit {
            limit: 1,
            detail: "grow".into(),
        }
        .into(),
        RunError::ResourceLimit {
            detail: "table".into(),
            help: "raise it".into(),
        }
        .into(),
        RunError::Timeout {
            after: Duration::from_secs(1),
        }
        .into(),
        RunError::Host {
            message: "bad".into(),
        }
        .into(),
        Error::usage("astc::usage::binary_to_terminal", "tty".into(), "redirect"),
        Error::usage("astc::usage::dir", "not a dir".into(), "pass a dir"),
        Error::usage("astc::usage::env", "empty".into(), "name it"),
        Error::usage("astc::usage::wit", "no WIT".into(), "look elsewhere"),
    ]
    .into_iter()
    .chain(crate::commands::error_samples())
    .collect()
}

/// The diagnostic codes of docs/reference.md's table, with their exit statuses.
fn documented() -> BTreeMap<String, u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/reference.md")).unwrap();
    let mut documented = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if let [_, code, exit, ..] = cells.as_slice()
            && let Some(code) = code
                .strip_prefix("`astc::")
                .and_then(|c| c.strip_suffix('`'))
            && let Ok(exit) = exit.parse::<u8>()
        {
            documented.insert(format!("astc::{code}"), exit);
        }
    }
    assert!(documented.len() > 40, "the table was not found");
    documented
}

/// Every error's exit status is the one docs/reference.md gives its code, and every
/// documented code has an error here.
#[test]
fn exit_statuses_match_the_documented_codes() {
    let documented = documented();
    let mut seen = BTreeSet::new();
    for e in samples() {
        let code = e
            .report
            .code()
            .expect("every astc error has a code")
            .to_string();
        let exit = documented
            .get(&code)
            .unwrap_or_else(|| panic!("`{code}` is not documented"));
        assert_eq!(e.exit_class().code(), *exit, "exit status of `{code}`");
        seen.insert(code);
    }
    let missing: Vec<_> = documented.keys().filter(|c| !seen.contains(*c)).collect();
    assert!(missing.is_empty(), "no sample error for {missing:?}");
    assert_eq!(Error::other(io()).exit_class(), ExitClass::Failure);
}

/// Every code the sources use is documented in docs/reference.md.
#[test]
fn used_codes_are_documented() {
    let documented = documented();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = BTreeSet::new();
    for dir in ["src", "resolver/src", "compiler/src", "runner/src"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                for (i, _) in text.match_indices("astc::") {
                    let rest = &text[i..];
                    let end = rest
                        .find(|c: char| !(c.is_ascii_lowercase() || c == ':' || c == '_'))
                        .unwrap_or(rest.len());
                    let code = rest[..end].trim_end_matches(':');
                    if code.matches("::").count() == 2 && !code.starts_with("astc::warn") {
                        used.insert(code.to_string());
                    }
                }
            }
        }
    }
    // Codes of HTTP error responses (`astc serve`) are documented with their statuses.
    let doc = std::fs::read_to_string(root.join("docs/reference.md")).unwrap();
    for code in &used {
        assert!(
            documented.contains_key(code) || doc.contains(&format!("`{code}`")),
            "`{code}` is used but not documented in docs/reference.md"
        );
    }
}

fn rendered(e: &Error) -> String {
    let mut out = String::new();
    render(&*e.report, &e.hints(), &mut out).unwrap();
    anstream::adapter::strip_str(&out).to_string()
}

/// A manifest error shows the line of its label with a marker under the labelled span.
#[test]
fn manifest_error_shows_its_line() {
    let text = "[package]\nname = \"acme:app\"\nversion = \"0.1\"\ncomponent = \"app.wasm\"\n";
    let e: Error = Manifest::parse(Path::new("astc.toml"), text)
        .unwrap_err()
        .into();
    assert_eq!(
        rendered(&e),
        "error: invalid manifest `astc.toml`: `package.version`: invalid version `0.1`: \
         expected MAJOR.MINOR.PATCH, e.g. `0.1.0`\n \
         --> line 3, column 11\n  \
         |\n\
         3 | version = \"0.1\"\n  \
         |           ^^^^^\n"
    );
    let records = e.records();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (
            records[0].file.as_deref(),
            records[0].line,
            records[0].column
        ),
        (Some("astc.toml"), Some(3), Some(11))
    );
    assert!(!records[0].message.contains("-->"));
}

/// A huge value is echoed elided, and its source line is cut around the span.
#[test]
fn long_values_are_elided() {
    let req = format!("^{}", "1".repeat(5_000_000));
    let text = format!(
        "[package]\nname = \"acme:app\"\nversion = \"0.1.0\"\ncomponent = \"app.wasm\"\n\
         [dependencies]\n\"acme:x\" = \"{req}\"\n"
    );
    let e: Error = Manifest::parse(Path::new("astc.toml"), &text)
        .unwrap_err()
        .into();
    let out = rendered(&e);
    assert!(out.len() < 1_000, "{} bytes: {}", out.len(), &out[..2000]);
    assert!(out.contains("(5000001 characters)"), "{out}");
    assert!(
        out.contains("6 | \"acme:x\" = \"^1111111111111111111111111111111111111111"),
        "{out}"
    );
    assert!(out.contains("1111…\n"), "{out}");
}

/// The marker counts characters, stops at the end of the line, and is never empty.
#[test]
fn snippet_marker() {
    let text = "[package]\nnamé = \"x\"\n\"k\" = { a = 1,\n b = 2 }\n";
    let at = |from: usize, to: usize| snippet(&text.to_string(), (from..to).into()).unwrap();
    let eq = text.find('=').unwrap();
    assert_eq!(
        at(eq, eq),
        " --> line 2, column 6\n  |\n2 | namé = \"x\"\n  |      ^\n"
    );
    let brace = text.find('{').unwrap();
    assert_eq!(
        at(brace, text.len() - 1),
        " --> line 3, column 7\n  |\n3 | \"k\" = { a = 1,\n  |       ^^^^^^^^\n"
    );
}

/// Causes are listed once each, numbered when there are several; help comes last, one
/// line per hint.
#[test]
fn causes_and_help() {
    let e: Error = ProjectError::InvalidLocal {
        what: "root component".into(),
        path: p("app.wasm"),
        source: Box::new(InspectError::CoreModule),
    }
    .into();
    let text = rendered(&e);
    assert!(
        text.starts_with(
            "error: root component `app.wasm` is not a valid component\n\nCaused by:\n    \
             this is a core WebAssembly module, not a component\nhelp: turn it into"
        ),
        "{text}"
    );
    let records = e.records();
    assert_eq!(records[0].file.as_deref(), Some("app.wasm"));
    assert!(
        records[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("turn it into")
    );

    let e: Error = ResolveError::NoSolution {
        report: "none fit".into(),
        help: Hints::of(vec![
            "publish one".into(),
            "or relax the requirement".into(),
        ]),
    }
    .into();
    assert_eq!(
        rendered(&e),
        "error: failed to select component versions\n\nnone fit\n\
         help: publish one\nhelp: or relax the requirement\n"
    );
    // The JSON record keeps `help` one string, as its schema says.
    assert_eq!(
        e.records()[0].help.as_deref(),
        Some("publish one\nhelp: or relax the requirement")
    );
    // A hint may itself hold a newline: it stays one hint, never split into two.
    let e: Error = ResolveError::NoSolution {
        report: "none fit".into(),
        help: Hints::of(vec!["add this:\n  [wire]".into()]),
    }
    .into();
    assert!(rendered(&e).ends_with("help: add this:\n  [wire]\n"));
}
