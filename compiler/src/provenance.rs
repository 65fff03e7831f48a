//! The `astc` custom section: what a composed component was made from.
//!
//! A JSON object with sorted keys and components sorted by id, so equal compositions carry
//! equal bytes:
//!
//! ```json
//! {"format":1,"tool":"astc 0.1.0","components":[{"name":"acme:app","version":"0.1.0",
//!  "digest":"sha256:…","root":true,"exports":["acme:app/api@0.1.0"]}, …]}
//! ```
//!
//! `astc inspect` prints it, and the runner uses it to answer asterai's `list-components`.

use astc_resolver::{Digest, InterfaceName, PackageName, Version};
use serde::{Deserialize, Serialize};
use wasmparser::{Parser, Payload};

/// The custom section's name.
pub const SECTION: &str = "astc";

/// The provenance format this astc writes.
pub const FORMAT: u32 = 1;

/// What a composition was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The section's format version.
    pub format: u32,
    /// The tool that composed it, e.g. `astc 0.1.0`.
    pub tool: String,
    /// Every component inside, sorted by name and version.
    pub components: Vec<ProvenanceEntry>,
}

/// One component inside a composition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceEntry {
    /// Its name.
    pub name: PackageName,
    /// Its version.
    pub version: Version,
    /// The digest of its bytes.
    pub digest: Digest,
    /// Whether it is the root component.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub root: bool,
    /// The interfaces it exports.
    #[serde(default)]
    pub exports: Vec<InterfaceName>,
}

impl Provenance {
    /// The section's payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("provenance serializes")
    }

    /// The whole custom section, ready to append to a component.
    pub fn to_section(&self) -> Vec<u8> {
        use wasm_encoder::Section;
        let mut out = Vec::new();
        wasm_encoder::CustomSection {
            name: SECTION.into(),
            data: self.to_bytes().into(),
        }
        .append_to(&mut out);
        out
    }
}

/// Reads the top-level `astc` section of a component, if it has one.
pub fn read(bytes: &[u8]) -> Result<Option<Provenance>, String> {
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else {
            return Ok(None);
        };
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::CustomSection(c) if depth == 0 && c.name() == SECTION => {
                let p: Provenance = serde_json::from_slice(c.data()).map_err(|e| e.to_string())?;
                if p.format > FORMAT {
                    return Err(format!(
                        "format {} is newer than this astc understands ({FORMAT})",
                        p.format
                    ));
                }
                return Ok(Some(p));
            }
            _ => {}
        }
    }
    Ok(None)
}
