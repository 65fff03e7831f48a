//! Resolution against in-memory registries: semver rules, sharing, side-by-side majors,
//! locks, wiring choices and the explanations given when nothing fits.

#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use astc_resolver::lockfile::Lockfile;
use astc_resolver::resolve::{LocalComponent, Request, Unlock, resolve};
use astc_resolver::{
    ComponentSummary, Digest, InterfaceName, Manifest, MemoryRegistry, PackageName, Resolution,
    ResolveError, Version,
};

fn iface(s: &str) -> InterfaceName {
    InterfaceName::parse(s).unwrap()
}

fn summary(imports: &[&str], exports: &[&str]) -> ComponentSummary {
    ComponentSummary {
        imports: imports.iter().map(|s| iface(s)).collect(),
        exports: exports.iter().map(|s| iface(s)).collect(),
        ..Default::default()
    }
}

/// `pkg("acme:c", "1.2.0", &["acme:d/x@1.0.0"])`: a component exporting `acme:c/api@1.2.0`
/// and importing the given interfaces.
fn registry(pkgs: &[(&str, &str, &[&str])]) -> MemoryRegistry {
    let mut r = MemoryRegistry::new();
    for (name, version, imports) in pkgs {
        let export = format!("{name}/api@{version}");
        r.add(
            PackageName::parse(name).unwrap(),
            Version::parse(version).unwrap(),
            summary(imports, &[&export]),
        );
    }
    r
}

fn manifest(extra: &str) -> Manifest {
    let text = format!(
        "[package]\nname = \"acme:app\"\nversion = \"0.1.0\"\ncomponent = \"app.wasm\"\n{extra}"
    );
    Manifest::parse(Path::new("astc.toml"), &text).unwrap()
}

fn local(name: &str, version: &str, s: ComponentSummary) -> LocalComponent {
    LocalComponent {
        name: PackageName::parse(name).unwrap(),
        version: Version::parse(version).unwrap(),
        label: format!("{name}.wasm"),
        path: PathBuf::from(format!("{name}.wasm")),
        digest: Digest::of(name.as_bytes()),
        bytes: Arc::from(Vec::new()),
        summary: Arc::new(s),
    }
}

fn run(
    m: &Manifest,
    root_imports: &[&str],
    reg: &MemoryRegistry,
    lock: Option<&Lockfile>,
) -> Result<Resolution, ResolveError> {
    let req = Request {
        manifest: m,
        root: Some(local("acme:app", "0.1.0", summary(root_imports, &[]))),
        locals: BTreeMap::new(),
        lock,
        unlock: Unlock::Nothing,
    };
    resolve(&req, reg)
}

/// The selection as `name@version` strings, root excluded.
fn selected(r: &Resolution) -> Vec<String> {
    r.components
        .iter()
        .filter(|c| !c.root)
        .map(|c| c.id.to_string())
        .collect()
}

fn error(r: Result<Resolution, ResolveError>) -> String {
    let e = r.unwrap_err();
    let help = match &e {
        ResolveError::NoSolution { help, .. } | ResolveError::Unsatisfied { help, .. } => help
            .clone()
            .map(|h| format!("\nhelp: {h}"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    format!("{e}{help}")
}

#[test]
fn highest_compatible_version_wins() {
    let reg = registry(&[
        ("acme:greeter", "1.0.0", &[]),
        ("acme:greeter", "1.2.0", &[]),
        ("acme:greeter", "1.3.0-rc.1", &[]),
        ("acme:greeter", "2.0.0", &[]),
    ]);
    let r = run(&manifest(""), &["acme:greeter/api@1.0.0"], &reg, None).unwrap();
    assert_eq!(selected(&r), ["acme:greeter@1.2.0"]);
    let app = r.root().unwrap();
    assert_eq!(app.imports.len(), 1);
    assert_eq!(
        app.imports[0].provider.as_ref().unwrap().to_string(),
        "acme:greeter@1.2.0"
    );
    assert_eq!(
        app.imports[0].export.as_ref().unwrap().to_string(),
        "acme:greeter/api@1.2.0"
    );
}

#[test]
fn zero_versions_follow_component_model_rules() {
    let reg = registry(&[
        ("acme:a", "0.2.1", &[]),
        ("acme:a", "0.2.7", &[]),
        ("acme:a", "0.3.0", &[]),
        ("acme:b", "0.0.3", &[]),
        ("acme:b", "0.0.4", &[]),
    ]);
    let r = run(
        &manifest(""),
        &["acme:a/api@0.2.1", "acme:b/api@0.0.3"],
        &reg,
        None,
    )
    .unwrap();
    assert_eq!(selected(&r), ["acme:a@0.2.7", "acme:b@0.0.3"]);
}

#[test]
fn diamond_shares_one_version() {
    let reg = registry(&[
        ("acme:left", "1.0.0", &["acme:base/api@1.1.0"]),
        ("acme:right", "1.0.0", &["acme:base/api@1.3.0"]),
        ("acme:base", "1.1.0", &[]),
        ("acme:base", "1.3.0", &[]),
        ("acme:base", "1.4.2", &[]),
        ("acme:base", "2.0.0", &[]),
    ]);
    let r = run(
        &manifest(""),
        &["acme:left/api@1.0.0", "acme:right/api@1.0.0"],
        &reg,
        None,
    )
    .unwrap();
    assert_eq!(
        selected(&r),
        ["acme:base@1.4.2", "acme:left@1.0.0", "acme:right@1.0.0"]
    );
}

#[test]
fn incompatible_majors_sit_side_by_side() {
    let reg = registry(&[
        ("acme:greeter", "1.0.0", &[]),
        ("acme:greeter", "1.5.0", &[]),
        ("acme:greeter", "2.0.0", &[]),
        ("acme:greeter", "2.1.0", &[]),
    ]);
    let r = run(
        &manifest(""),
        &["acme:greeter/api@1.0.0", "acme:greeter/api@2.0.0"],
        &reg,
        None,
    )
    .unwrap();
    assert_eq!(selected(&r), ["acme:greeter@1.5.0", "acme:greeter@2.1.0"]);
}

#[test]
fn manifest_requirements_constrain() {
    let reg = registry(&[
        ("acme:greeter", "1.0.0", &[]),
        ("acme:greeter", "1.2.0", &[]),
        ("acme:greeter", "1.4.0", &[]),
    ]);
    let m = manifest("[dependencies]\n\"acme:greeter\" = \"~1.2\"\n");
    let r = run(&m, &["acme:greeter/api@1.0.0"], &reg, None).unwrap();
    assert_eq!(selected(&r), ["acme:greeter@1.2.0"]);
}

#[test]
fn conflict_is_explained_with_the_chain_of_imports() {
    let reg = registry(&[
        ("acme:left", "1.0.0", &["acme:base/api@1.3.0"]),
        ("acme:base", "1.0.0", &[]),
        ("acme:base", "1.2.0", &[]),
    ]);
    let e = error(run(&manifest(""), &["acme:left/api@1.0.0"], &reg, None));
    for needle in [
        "failed to select component versions",
        "`acme:left` 1.0.0 (importing `acme:base/api@1.3.0`) needs `acme:base` ^1.3.0",
        "no version of `acme:base` matches ^1.3.0 (available: 1.2.0, 1.0.0)",
        "`acme:left` has no other 1.x version (available: 1.0.0)",
        "`acme:app` (importing `acme:left/api@1.0.0`) needs `acme:left` 1.0.0, `acme:app` cannot be composed",
        "location searched: the in-memory registry",
        "help: publish a version that satisfies every import",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    }
}

#[test]
fn manifest_requirement_shows_in_explanation() {
    let reg = registry(&[("acme:base", "1.0.0", &[]), ("acme:base", "1.5.0", &[])]);
    let m = manifest("[dependencies]\n\"acme:base\" = \"<1.2\"\n");
    let e = error(run(&m, &["acme:base/api@1.3.0"], &reg, None));
    assert!(
        e.contains("available: 1.5.0, 1.0.0; astc.toml requires `acme:base` <1.2"),
        "{e}"
    );
}

#[test]
fn unknown_component_suggests_similar_names() {
    let reg = registry(&[("acme:greeter", "1.0.0", &[])]);
    let e = error(run(&manifest(""), &["acme:greter/api@1.0.0"], &reg, None));
    assert!(e.contains("no component named `acme:greter` exists"), "{e}");
    assert!(
        e.contains("help: components with similar names: `acme:greeter`"),
        "{e}"
    );
    let e = error(run(&manifest(""), &["zzz:nothing/api@1.0.0"], &reg, None));
    assert!(
        e.contains("help: publish `zzz:nothing` with `astc publish"),
        "{e}"
    );
}

#[test]
fn cycles_are_rejected_naming_the_cycle() {
    let reg = registry(&[
        ("acme:a", "1.0.0", &["acme:b/api@1.0.0"]),
        ("acme:b", "1.0.0", &["acme:a/api@1.0.0"]),
    ]);
    let e = run(&manifest(""), &["acme:a/api@1.0.0"], &reg, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "components import each other in a cycle: acme:a@1.0.0 -> acme:b@1.0.0 -> acme:a@1.0.0"
    );
    let reg = registry(&[("acme:a", "1.0.0", &["acme:a/other@1.0.0"])]);
    let e = run(&manifest(""), &["acme:a/api@1.0.0"], &reg, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "components import each other in a cycle: acme:a@1.0.0 -> acme:a@1.0.0"
    );
}

#[test]
fn host_imports_are_never_resolved() {
    let reg = registry(&[]);
    let r = run(
        &manifest(""),
        &["wasi:cli/stdout@0.2.0", "asterai:host/api@1.0.0"],
        &reg,
        None,
    )
    .unwrap();
    assert!(selected(&r).is_empty());
    let app = r.root().unwrap();
    assert!(app.imports.iter().all(|i| i.host && i.provider.is_none()));
}

#[test]
fn lock_keeps_versions_while_they_fit() {
    let mut reg = registry(&[
        ("acme:greeter", "1.0.0", &[]),
        ("acme:greeter", "1.2.0", &[]),
    ]);
    let first = run(&manifest(""), &["acme:greeter/api@1.0.0"], &reg, None).unwrap();
    let lock = first.to_lock();
    reg.add(
        PackageName::parse("acme:greeter").unwrap(),
        Version::parse("1.3.0").unwrap(),
        summary(&[], &["acme:greeter/api@1.3.0"]),
    );
    // The lock keeps 1.2.0 although 1.3.0 appeared...
    let again = run(
        &manifest(""),
        &["acme:greeter/api@1.0.0"],
        &reg,
        Some(&lock),
    )
    .unwrap();
    assert_eq!(selected(&again), ["acme:greeter@1.2.0"]);
    assert_eq!(again.to_lock(), lock);
    // ...until an import needs more.
    let newer = run(
        &manifest(""),
        &["acme:greeter/api@1.3.0"],
        &reg,
        Some(&lock),
    )
    .unwrap();
    assert_eq!(selected(&newer), ["acme:greeter@1.3.0"]);
    // Without the lock the newest wins.
    let fresh = run(&manifest(""), &["acme:greeter/api@1.0.0"], &reg, None).unwrap();
    assert_eq!(selected(&fresh), ["acme:greeter@1.3.0"]);
}

/// `astc update acme:greeter`: the named component is released and takes its newest
/// version, and a locked version it can still use is kept, as is every other component's;
/// `Unlock::All` releases everything.
#[test]
fn unlock_releases_only_the_named_components() {
    let mut reg = registry(&[
        ("acme:greeter", "1.0.0", &["acme:kv/api@1.0.0"]),
        ("acme:kv", "1.0.0", &[]),
        ("acme:log", "1.0.0", &[]),
    ]);
    let imports = ["acme:greeter/api@1.0.0", "acme:log/api@1.0.0"];
    let m = manifest("");
    let first = run(&m, &imports, &reg, None).unwrap();
    let lock = first.to_lock();
    for (name, version, needs) in [
        ("acme:greeter", "1.1.0", &["acme:kv/api@1.0.0"][..]),
        ("acme:greeter", "2.0.0", &[][..]),
        ("acme:kv", "1.1.0", &[][..]),
        ("acme:log", "1.1.0", &[][..]),
    ] {
        reg.add(
            PackageName::parse(name).unwrap(),
            Version::parse(version).unwrap(),
            summary(needs, &[&format!("{name}/api@{version}")]),
        );
    }
    let update = |unlock: Unlock| {
        let req = Request {
            manifest: &m,
            root: Some(local("acme:app", "0.1.0", summary(&imports, &[]))),
            locals: BTreeMap::new(),
            lock: Some(&lock),
            unlock,
        };
        selected(&resolve(&req, &reg).unwrap())
    };
    let greeter = [PackageName::parse("acme:greeter").unwrap()].into();
    assert_eq!(
        update(Unlock::Only(greeter)),
        ["acme:greeter@1.1.0", "acme:kv@1.0.0", "acme:log@1.0.0"]
    );
    assert_eq!(
        update(Unlock::Nothing),
        ["acme:greeter@1.0.0", "acme:kv@1.0.0", "acme:log@1.0.0"]
    );
    assert_eq!(
        update(Unlock::All),
        ["acme:greeter@1.1.0", "acme:kv@1.1.0", "acme:log@1.1.0"]
    );
}

#[test]
fn wire_chooses_the_provider() {
    let mut reg = MemoryRegistry::new();
    for name in ["acme:redis-kv", "acme:mem-kv"] {
        reg.add(
            PackageName::parse(name).unwrap(),
            Version::new(3, 1, 0),
            summary(&[], &["acme:kv/store@1.0.0"]),
        );
    }
    let deps = "[dependencies]\n\"acme:redis-kv\" = \"^3\"\n\"acme:mem-kv\" = \"^3\"\n";
    // Two declared dependencies export it and nothing decides: ambiguous.
    let e = run(&manifest(deps), &["acme:kv/store@1.0.0"], &reg, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "import `acme:kv/store@1.0.0` of `acme:app` could be provided by `acme:mem-kv`, `acme:redis-kv`"
    );
    let help = miette::Diagnostic::help(&e).unwrap().to_string();
    assert_eq!(
        help,
        "choose one in astc.toml:\n  [wire]\n  \"acme:kv/store\" = \"acme:mem-kv\""
    );
    // [wire] decides.
    let m = manifest(&format!(
        "{deps}[wire]\n\"acme:kv/store\" = \"acme:redis-kv\"\n"
    ));
    let r = run(&m, &["acme:kv/store@1.0.0"], &reg, None).unwrap();
    assert_eq!(selected(&r), ["acme:redis-kv@3.1.0"]);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.message.contains("`acme:mem-kv` is declared"))
    );
}

#[test]
fn convention_decides_over_declared_alternatives() {
    let mut reg = registry(&[("acme:kv", "1.0.0", &[])]);
    reg.add(
        PackageName::parse("acme:redis-kv").unwrap(),
        Version::new(1, 0, 0),
        summary(&[], &["acme:kv/api@1.0.0"]),
    );
    let m = manifest("[dependencies]\n\"acme:redis-kv\" = \"^1\"\n");
    let r = run(&m, &["acme:kv/api@1.0.0"], &reg, None).unwrap();
    assert_eq!(selected(&r), ["acme:kv@1.0.0"]);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.message.contains("provided by `acme:kv` by convention")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn provider_without_the_export_is_reported() {
    let mut reg = MemoryRegistry::new();
    reg.add(
        PackageName::parse("acme:greeter").unwrap(),
        Version::new(1, 4, 0),
        ComponentSummary {
            exports: vec![iface("acme:greeter/other@1.4.0")],
            bare_exports: vec!["greet".into()],
            ..Default::default()
        },
    );
    let e = error(run(
        &manifest(""),
        &["acme:greeter/greet@1.0.0"],
        &reg,
        None,
    ));
    assert!(
        e.contains("`acme:app@0.1.0` imports `acme:greeter/greet@1.0.0`, but its provider `acme:greeter@1.4.0` does not export it (it exports `greet` at world level, which only the host can call)"),
        "{e}"
    );
}

#[test]
fn path_dependency_replaces_the_registry() {
    let reg = registry(&[("acme:kv", "1.9.0", &[])]);
    let m = manifest("[dependencies]\n\"acme:kv\" = { path = \"kv.wasm\" }\n");
    let mut locals = BTreeMap::new();
    locals.insert(
        PackageName::parse("acme:kv").unwrap(),
        local("acme:kv", "1.0.0", summary(&[], &["acme:kv/api@1.0.0"])),
    );
    let req = Request {
        manifest: &m,
        root: Some(local(
            "acme:app",
            "0.1.0",
            summary(&["acme:kv/api@1.0.0"], &[]),
        )),
        locals: locals.clone(),
        lock: None,
        unlock: Unlock::Nothing,
    };
    let r = resolve(&req, &reg).unwrap();
    assert_eq!(selected(&r), ["acme:kv@1.0.0"]);
    let kv = r.components.iter().find(|c| !c.root).unwrap();
    assert_eq!(
        kv.source,
        astc_resolver::LockedSource::Path("acme:kv.wasm".into())
    );
    // A path dependency too old for an import is explained as such.
    let req = Request {
        root: Some(local(
            "acme:app",
            "0.1.0",
            summary(&["acme:kv/api@1.2.0"], &[]),
        )),
        locals,
        ..req
    };
    let e = error(resolve(&req, &reg));
    assert!(
        e.contains("the path dependency `acme:kv.wasm` is version 1.0.0"),
        "{e}"
    );
}

#[test]
fn resolution_is_deterministic() {
    let reg = registry(&[
        ("acme:a", "1.0.0", &["acme:c/api@1.0.0", "acme:d/api@1.0.0"]),
        ("acme:b", "1.0.0", &["acme:d/api@1.1.0", "acme:c/api@1.2.0"]),
        ("acme:c", "1.2.0", &["acme:d/api@1.0.0"]),
        ("acme:c", "1.3.0", &[]),
        ("acme:d", "1.1.0", &[]),
        ("acme:d", "1.1.5", &[]),
    ]);
    let first = run(
        &manifest(""),
        &["acme:b/api@1.0.0", "acme:a/api@1.0.0"],
        &reg,
        None,
    )
    .unwrap()
    .to_lock()
    .to_toml();
    for _ in 0..20 {
        let again = run(
            &manifest(""),
            &["acme:b/api@1.0.0", "acme:a/api@1.0.0"],
            &reg,
            None,
        )
        .unwrap()
        .to_lock()
        .to_toml();
        assert_eq!(first, again);
    }
}
