//! The `astc` custom section: what a composed component was made from.
//!
//! A JSON object with sorted keys and components sorted by id, so equal compositions carry
//! equal bytes:
//!
//! ```json
//! {"format":1,"tool":"astc 0.1.0","components":[{"name":"acme:app","version":"0.1.0",
//!  "digest":"sha256:…","root":true,"exports":["acme:app/api@0.1.0"],
//!  "imports":[{"name":"acme:greeter/greet@1.0.0","provider":"acme:greeter@1.2.0",
//!  "export":"acme:greeter/greet@1.2.0"}]}, …]}
//! ```
//!
//! Optional keys, written only when not empty: per component, `docs` (the doc comments of its
//! exports, see [`crate::docs`]); for the whole, `name` (an asterai environment's, which has
//! no root component to be named after) and `vars` (its variables).
//!
//! `astc inspect` prints it, and the runner uses it to answer asterai's `list-components`.

use std::collections::BTreeMap;

use astc_resolver::{ComponentId, Digest, InterfaceName, PackageName, Version};
use serde::{Deserialize, Serialize};
use wasmparser::{Parser, Payload};

use crate::docs::Docs;

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
    /// The composition's name when it has no root component to be named after (an asterai
    /// environment's `namespace:name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PackageName>,
    /// Environment variables every component sees (an asterai environment's `[vars]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
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
    /// How its component imports are wired, so a runner can rebuild the part of the
    /// composition below it (host imports are not listed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<ProvenanceImport>,
    /// The doc comments of its exports.
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
}

/// One wired import of a composed component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceImport {
    /// The import's name.
    pub name: InterfaceName,
    /// The component providing it.
    pub provider: ComponentId,
    /// The export of the provider wired to it.
    pub export: InterfaceName,
}

impl Provenance {
    /// The composition's name: its root component's, or the environment's.
    pub fn name(&self) -> Option<&PackageName> {
        self.components
            .iter()
            .find(|c| c.root)
            .map(|c| &c.name)
            .or(self.name.as_ref())
    }

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

/// The byte ranges of the components a composition embeds, by digest. Composition embeds
/// each component's bytes verbatim, so these digests are the ones the provenance records.
pub fn embedded_components(
    bytes: &[u8],
) -> Result<std::collections::BTreeMap<Digest, std::ops::Range<usize>>, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ComponentSection {
                unchecked_range, ..
            } => {
                if depth == 0 {
                    let range = unchecked_range.start as usize..unchecked_range.end as usize;
                    let part = bytes.get(range.clone()).ok_or("section out of bounds")?;
                    out.insert(Digest::of(part), range);
                }
                depth += 1;
            }
            Payload::ModuleSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(out)
}
