//! [`SourceId`]: which source a component came from, as `astc.lock` records it.
//!
//! The identity is what the lock writes in `source = { KIND = "LOCATION" }`; it reads back
//! (serde, externally tagged) into the same value, so a lock names where each of its
//! components came from. A new kind of source is a new variant here: its key in the lock,
//! and nothing else in the lock's code changes.

use serde::{Deserialize, Serialize};

/// Where a component's bytes come from. Locations are relative to the manifest's directory,
/// with `/` separators, so a lock reads the same on every machine.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum SourceId {
    /// A local file: the root component or a path dependency.
    Path(String),
    /// A registry directory (the file is `<dir>/<ns>/<name>/<version>.wasm`).
    Registry(String),
    /// An asterai local store.
    AsteraiStore(String),
    /// An OCI registry, `oci://HOST[:PORT][/PREFIX]`.
    Oci(String),
}

impl SourceId {
    /// The key the lock writes this kind of source under: `path`, `registry`,
    /// `asterai-store`.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceId::Path(_) => "path",
            SourceId::Registry(_) => "registry",
            SourceId::AsteraiStore(_) => "asterai-store",
            SourceId::Oci(_) => "oci",
        }
    }

    /// The location the lock records, as written in the manifest or relative to it.
    pub fn location(&self) -> &str {
        match self {
            SourceId::Path(s)
            | SourceId::Registry(s)
            | SourceId::AsteraiStore(s)
            | SourceId::Oci(s) => s,
        }
    }

    /// The file, for a component read from a local file rather than from a source of
    /// published versions.
    pub fn local_path(&self) -> Option<&str> {
        match self {
            SourceId::Path(p) => Some(p),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_the_lock_writes() {
        #[derive(Deserialize)]
        struct Entry {
            source: SourceId,
        }
        for id in [
            SourceId::Path("build/app.wasm".into()),
            SourceId::Registry("../shared registry".into()),
            SourceId::AsteraiStore("store".into()),
        ] {
            let text = format!("source = {{ {} = \"{}\" }}", id.kind(), id.location());
            let back: Entry = toml::from_str(&text).unwrap();
            assert_eq!(back.source, id);
        }
    }
}
