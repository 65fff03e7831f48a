//! Records the versions of the component-model crates astc is built with, for
//! `astc --version`.

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let wanted = [
        "wac-graph",
        "wit-component",
        "wit-parser",
        "wasmparser",
        "wasm-encoder",
        "wasmtime",
    ];
    let mut found = Vec::new();
    for name in wanted {
        // The newest version of each crate in the lock: wac-graph's own copies of the
        // wasm-tools crates are older.
        let versions: Vec<semver_lite::Version> = lock
            .split("[[package]]")
            .filter(|p| p.contains(&format!("name = \"{name}\"\n")))
            .filter_map(|p| {
                let line = p.lines().find(|l| l.starts_with("version = "))?;
                semver_lite::Version::parse(line.trim_start_matches("version = ").trim_matches('"'))
            })
            .collect();
        if let Some(v) = versions.into_iter().max() {
            found.push(format!("{name} {v}"));
        }
    }
    println!("cargo:rustc-env=ASTC_CRATE_VERSIONS={}", found.join(", "));
}

mod semver_lite {
    use std::fmt;

    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    pub struct Version(u64, u64, u64, String);

    impl Version {
        pub fn parse(s: &str) -> Option<Self> {
            let (core, rest) = s.split_once('+').map_or((s, ""), |(c, r)| (c, r));
            let mut it = core.split('.');
            let v = Version(
                it.next()?.parse().ok()?,
                it.next()?.parse().ok()?,
                it.next()?.parse().ok()?,
                rest.to_string(),
            );
            Some(v)
        }
    }

    impl fmt::Display for Version {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}.{}.{}", self.0, self.1, self.2)
        }
    }
}
