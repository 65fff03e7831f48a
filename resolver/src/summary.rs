//! What the resolver needs to know about a component: the interfaces it imports and exports.
//!
//! The resolver never parses WebAssembly. Summaries come from the registry's records (written
//! at publish time) or from an [`Inspector`], which the compiler implements.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::name::InterfaceName;

/// The names a component imports and exports, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ComponentSummary {
    /// Named interfaces the component imports (`acme:greeter/greet@1.2.0`, `wasi:io/streams@0.2.0`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<InterfaceName>,
    /// Named interfaces the component exports: the only things other components can import.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<InterfaceName>,
    /// Imports with plain names (world-level functions or inline interfaces): no component can
    /// provide them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bare_imports: Vec<String>,
    /// Exports with plain names (world-level functions): callable by the host only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bare_exports: Vec<String>,
}

impl ComponentSummary {
    /// Sorts and deduplicates every list, so equal components give equal summaries.
    pub fn normalize(mut self) -> Self {
        self.imports.sort();
        self.imports.dedup();
        self.exports.sort();
        self.exports.dedup();
        self.bare_imports.sort();
        self.bare_imports.dedup();
        self.bare_exports.sort();
        self.bare_exports.dedup();
        self
    }

    /// The export that satisfies `import`, if any (see [`InterfaceName::satisfies`]). When
    /// several versions of the interface are exported, the highest compatible one wins.
    pub fn export_for(&self, import: &InterfaceName) -> Option<&InterfaceName> {
        self.exports.iter().rev().find(|e| e.satisfies(import))
    }

    /// Whether the component exports the interface under any version.
    pub fn exports_unversioned(&self, import: &InterfaceName) -> Option<&InterfaceName> {
        self.exports
            .iter()
            .rev()
            .find(|e| e.package() == import.package() && e.interface() == import.interface())
    }
}

/// An error from outside the resolver, kept whole so its cause chain can be shown.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Reads summaries out of component bytes. The compiler implements it; the resolver uses it
/// for the root component, path dependencies and registry files without a record.
pub trait Inspector {
    /// Summarizes the component in `bytes`, read from `path`, whose digest the caller has
    /// computed already (hashing a large component twice would double the cost). Fails when
    /// the bytes are not a valid component; the message should say why.
    fn summarize(
        &self,
        path: &Path,
        bytes: &[u8],
        digest: Digest,
    ) -> Result<ComponentSummary, BoxError>;
}
