//! Property tests for everything astc parses from text a user can edit: `astc.toml`,
//! asterai's `env.toml`, `astc.lock`, names, versions and version requirements.
//!
//! Valid files are mutated (characters deleted, inserted, replaced, lines duplicated, the
//! text cut short, keys added) and parsed: parsing must never panic, and an error must name
//! the file, since users see it without other context. Locks must also round-trip:
//! `parse(to_toml(lock)) == lock` for any lock, whatever its paths contain.
//!
//! `PROPTEST_CASES` sets the number of cases (256 by default; `scripts/fuzz.sh` runs more).

use std::path::Path;

use astc_resolver::lockfile::{FORMAT_VERSION, LockedComponent, Lockfile};
use astc_resolver::version::parse_version;
use astc_resolver::{
    ComponentId, Digest, InterfaceName, LockedImport, LockedSource, Manifest, PackageName, Version,
};
use proptest::prelude::*;

const ASTC_TOML: &str = r#"[package]
name = "acme:app"
version = "0.1.0"
component = "build/app.wasm"

[dependencies]
"acme:greeter" = "^1.0"
"acme:kv" = { path = "build/kv.wasm" }
"acme:log" = { version = "~2.1" }
"acme:pre" = ">=1.2.0-rc.1, <2"

[registry]
path = "reg"
asterai = "store"

[wire]
"acme:kv/store" = "acme:redis-kv"
"acme:kv/cache@1.0.0" = "acme:kv"
"#;

const ENV_TOML: &str = r#"[metadata]
namespace = "acme"
name = "shop"
version = "0.2.0"

[components]
"acme:burger-shop" = "0.1.0"
"acme:app" = "1.2.3-beta.1"
"#;

/// Characters that matter to TOML and to astc's own syntax, plus multi-byte ones, since
/// error snippets slice the text around the error's position.
const ALPHABET: &[char] = &[
    '[', ']', '{', '}', '=', '"', '\'', '\n', '\r', '\t', ' ', ':', '.', ',', '#', '-', '+', '^',
    '~', '<', '>', '*', '@', '/', '\\', 'v', 'V', '0', '1', '9', 'a', 'z', 'é', '—', '😀', '\0',
];

/// One edit of a text.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Replace(usize, char),
    Truncate(usize),
    DuplicateLine(usize),
    Key(usize, String),
}

fn text_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(ALPHABET), 1..6)
            .prop_map(|c| c.into_iter().collect()),
        any::<String>(),
        prop::sample::select(vec![
            "[package]\n",
            "[dependencies]\n",
            "\"acme:x\" = \"^\"\n",
            "version = 1\n",
            "= \"",
            "\"\"\"",
            "'''",
            "[[component]]\n",
            "{ path = \"\" }",
            "\"wasi:io\" = \"*\"\n",
            "99999999999999999999.0.0",
        ])
        .prop_map(String::from),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..8).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<usize>(), text_piece()).prop_map(|(at, s)| Edit::Insert(at, s)),
        (any::<usize>(), prop::sample::select(ALPHABET)).prop_map(|(at, c)| Edit::Replace(at, c)),
        any::<usize>().prop_map(Edit::Truncate),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), "[a-z\\-]{1,12}").prop_map(|(at, k)| Edit::Key(at, k)),
    ]
}

/// The char boundary at or before `at % (len + 1)`.
fn boundary(s: &str, at: usize) -> usize {
    let mut i = at % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_string();
    for e in edits {
        match e {
            Edit::Delete(at, len) => {
                let a = boundary(&s, *at);
                let b = boundary(&s, a + len);
                if b >= a {
                    s.replace_range(a..b, "");
                }
            }
            Edit::Insert(at, piece) => {
                let a = boundary(&s, *at);
                s.insert_str(a, piece);
            }
            Edit::Replace(at, c) => {
                let a = boundary(&s, *at);
                if let Some(old) = s[a..].chars().next() {
                    s.replace_range(a..a + old.len_utf8(), &c.to_string());
                }
            }
            Edit::Truncate(at) => {
                let a = boundary(&s, *at);
                s.truncate(a);
            }
            Edit::DuplicateLine(at) => {
                let lines: Vec<&str> = s.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let line = lines[at % lines.len()].to_string();
                    let a = boundary(&s, *at);
                    let start = s[..a].rfind('\n').map_or(0, |i| i + 1);
                    s.insert_str(start, &line);
                }
            }
            Edit::Key(at, key) => {
                let a = boundary(&s, *at);
                let start = s[..a].rfind('\n').map_or(0, |i| i + 1);
                s.insert_str(start, &format!("{key} = \"x\"\n"));
            }
        }
    }
    s
}

/// Parses a manifest; an error must name the file (its full path, as given).
fn check_manifest(path: &str, text: &str) -> Result<(), TestCaseError> {
    if let Err(e) = Manifest::parse(Path::new(path), text) {
        let message = e.to_string();
        prop_assert!(message.contains(path), "{message}");
        // Rendering the diagnostic (help, code) must not panic either.
        let _ = miette::Diagnostic::help(&e).map(|h| h.to_string());
    }
    Ok(())
}

fn check_lock(path: &str, text: &str) -> Result<(), TestCaseError> {
    match Lockfile::parse(Path::new(path), text) {
        Ok(lock) => {
            // Whatever parses, writes back to text that parses to the same lock.
            let again = Lockfile::parse(Path::new(path), &lock.to_toml())
                .map_err(|e| TestCaseError::fail(format!("rewritten lock: {e}")))?;
            prop_assert_eq!(again, lock);
        }
        Err(e) => {
            let message = e.to_string();
            prop_assert!(message.contains(path), "{message}");
        }
    }
    Ok(())
}

/// Names and versions from small alphabets, so that valid ones are common.
fn name_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-cA-C0-9\\-]{1,6}:[a-c0-9\\-]{1,6}",
        "[a-c\\-]{1,5}:[a-c\\-]{1,5}/[a-c\\-]{1,5}(@[0-9.\\-+a-z]{1,10})?",
        "[a-c\\-]{1,5}:[a-c\\-]{1,5}@[0-9.\\-+a-z]{1,10}",
        "sha256:[0-9a-fA-Fé—]{61,66}",
        any::<String>(),
    ]
}

fn version_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[vV]?[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(-[a-z0-9.\\-]{0,6})?(\\+[a-z0-9.]{0,4})?",
        "[ \\^~=<>*,0-9.\\-+a-zA-Z]{0,16}",
        any::<String>(),
    ]
}

fn version() -> impl Strategy<Value = Version> {
    (
        0u64..4,
        0u64..4,
        0u64..4,
        prop::option::of("[a-z][a-z0-9]{0,4}(\\.[1-9][0-9]?)?"),
    )
        .prop_map(|(a, b, c, pre)| {
            let s = match pre {
                Some(p) => format!("{a}.{b}.{c}-{p}"),
                None => format!("{a}.{b}.{c}"),
            };
            Version::parse(&s).unwrap()
        })
}

fn package() -> impl Strategy<Value = PackageName> {
    ("[a-c]{1,3}", "[a-c]{1,3}(-[a-c][a-c0-9]{0,2})?")
        .prop_map(|(ns, n)| PackageName::parse(&format!("{ns}:{n}")).unwrap())
}

fn interface() -> impl Strategy<Value = InterfaceName> {
    (package(), "[a-c]{1,4}", prop::option::of(version()))
        .prop_map(|(p, i, v)| InterfaceName::new(p, &i, v))
}

fn import(ids: Vec<ComponentId>) -> impl Strategy<Value = LockedImport> {
    (interface(), any::<bool>(), any::<prop::sample::Index>()).prop_map(move |(name, host, i)| {
        if host || ids.is_empty() {
            LockedImport {
                name,
                host: true,
                provider: None,
                export: None,
            }
        } else {
            LockedImport {
                export: Some(name.clone()),
                name,
                host: false,
                provider: Some(ids[i.index(ids.len())].clone()),
            }
        }
    })
}

/// A valid lock: components sorted and unique, at most one root, providers in the lock,
/// sources with arbitrary text.
fn lockfile() -> impl Strategy<Value = Lockfile> {
    prop::collection::btree_set((package(), version()), 0..5)
        .prop_flat_map(|ids| {
            let ids: Vec<ComponentId> = ids
                .into_iter()
                .map(|(n, v)| ComponentId::new(n, v))
                .collect();
            let n = ids.len();
            let components = prop::collection::vec(
                (
                    any::<bool>(),
                    0u8..3,
                    any::<String>(),
                    any::<[u8; 32]>(),
                    prop::collection::vec(import(ids.clone()), 0..3),
                ),
                n,
            );
            (Just(ids), components, any::<prop::sample::Index>())
        })
        .prop_map(|(ids, parts, root)| {
            let root = (!ids.is_empty()).then(|| root.index(ids.len()));
            let components = ids
                .into_iter()
                .zip(parts)
                .enumerate()
                .map(|(i, (id, (member, kind, path, digest, mut imports)))| {
                    imports.sort_by(|a, b| a.name.cmp(&b.name));
                    LockedComponent {
                        name: id.name,
                        version: id.version,
                        root: root == Some(i),
                        member,
                        source: match kind {
                            0 => LockedSource::Path(path),
                            1 => LockedSource::Registry(path),
                            _ => LockedSource::AsteraiStore(path),
                        },
                        digest: Digest::from_bytes(digest),
                        imports,
                    }
                })
                .collect();
            Lockfile {
                version: FORMAT_VERSION,
                components,
            }
        })
}

proptest! {
    #[test]
    fn mutated_manifests_never_panic(edits in prop::collection::vec(edit(), 1..6)) {
        check_manifest("some dir/astc.toml", &apply(ASTC_TOML, &edits))?;
        check_manifest("env.toml", &apply(ENV_TOML, &edits))?;
    }

    #[test]
    fn random_manifests_never_panic(text in any::<String>()) {
        check_manifest("astc.toml", &text)?;
        check_manifest("env.toml", &text)?;
        check_lock("astc.lock", &text)?;
    }

    #[test]
    fn dependency_requirements_never_panic(req in version_like(), name in name_like()) {
        let text = format!(
            "[package]\nname = \"acme:app\"\nversion = \"0.1.0\"\ncomponent = \"a.wasm\"\n\n\
             [dependencies]\n{} = {}\n",
            toml_string(&name),
            toml_string(&req),
        );
        check_manifest("astc.toml", &text)?;
        let text = format!(
            "[metadata]\nnamespace = \"acme\"\nname = \"env\"\nversion = \"0.1.0\"\n\n\
             [components]\n{} = {}\n",
            toml_string(&name),
            toml_string(&req),
        );
        check_manifest("env.toml", &text)?;
    }

    #[test]
    fn locks_round_trip(lock in lockfile()) {
        let text = lock.to_toml();
        let back = Lockfile::parse(Path::new("astc.lock"), &text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &lock);
        prop_assert_eq!(back.to_toml(), text);
    }

    #[test]
    fn mutated_locks_never_panic(
        lock in lockfile(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        check_lock("dir/astc.lock", &apply(&lock.to_toml(), &edits))?;
    }

    /// Names and versions: never a panic, and whatever parses prints back to itself.
    #[test]
    fn names_and_versions_never_panic(s in name_like(), v in version_like()) {
        if let Ok(n) = PackageName::parse(&s) {
            prop_assert_eq!(PackageName::parse(&n.to_string()).unwrap(), n);
        }
        if let Ok(n) = InterfaceName::parse(&s) {
            prop_assert_eq!(InterfaceName::parse(&n.to_string()).unwrap(), n);
        }
        if let Ok(n) = ComponentId::parse(&s) {
            prop_assert_eq!(ComponentId::parse(&n.to_string()).unwrap(), n);
        }
        if let Ok(d) = Digest::parse(&s) {
            prop_assert_eq!(Digest::parse(&d.to_string()).unwrap(), d);
        }
        match parse_version(&v) {
            Ok(parsed) => prop_assert_eq!(parse_version(&parsed.to_string()).unwrap(), parsed),
            Err(e) => prop_assert!(e.to_string().contains("invalid version")),
        }
    }
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Found by `mutated_locks_never_panic`: a digest of 64 bytes holding a multi-byte character
/// made `Digest::parse` slice inside it, so a corrupt `astc.lock` crashed astc.
#[test]
fn digest_with_multibyte_character_is_an_error() {
    let digest = format!("sha256:\u{2014}{}", "0".repeat(61));
    assert!(Digest::parse(&digest).is_err());
    let lock = format!(
        "version = 1\n\n[[component]]\nname = \"a:a\"\nversion = \"0.0.0\"\n\
         source = {{ path = \"a\" }}\ndigest = \"{digest}\"\n"
    );
    let e = Lockfile::parse(Path::new("astc.lock"), &lock).unwrap_err();
    assert!(e.to_string().contains("astc.lock"), "{e}");
}
