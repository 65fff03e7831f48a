//! Fusing a checked resolution into one component, with wac-graph.
//!
//! Every selected component is instantiated exactly once (a diamond's shared provider is one
//! instance), each wired import becomes an instantiation argument aliased from its
//! provider's export, and the root's exports (or, for an asterai environment, every member's
//! exports) become the output's exports. Host imports are left unsatisfied: wac-graph turns
//! them into imports of the output and merges semver-compatible duplicates
//! (`wasi:io/streams@0.2.0` and `@0.2.3` become one import at the higher version).
//!
//! All component bytes are embedded, so the output needs nothing but its host imports.
//!
//! # Determinism
//!
//! Packages are registered and instantiated in id order and arguments set in import-name
//! order; wac-graph breaks ties in its topological sort by insertion order, so equal inputs
//! give equal bytes. The `astc` provenance section is appended last.

use std::collections::BTreeMap;

use astc_resolver::{ComponentId, Digest, InterfaceName, LockedImport, Resolution};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

use crate::provenance::{FORMAT, Provenance, ProvenanceEntry, ProvenanceImport};

/// Why composition failed after type checking passed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ComposeError {
    /// wac-graph could not load a component.
    #[error("failed to load component `{id}` for composition: {message}")]
    #[diagnostic(code(astc::compose::load))]
    Load {
        /// The component.
        id: ComponentId,
        /// wac-graph's message.
        message: String,
    },
    /// wac-graph refused to wire an import.
    #[error("failed to wire import `{import}` of `{importer}` to `{provider}`: {message}")]
    #[diagnostic(
        code(astc::compose::wire),
        help(
            "astc's type check accepted this wiring; please report it with the components involved"
        )
    )]
    Wire {
        /// The importing component.
        importer: ComponentId,
        /// The import.
        import: String,
        /// The provider.
        provider: ComponentId,
        /// wac-graph's message, with causes.
        message: String,
    },
    /// Two members of an environment export the same name.
    #[error("`{first}` and `{second}` both export `{name}`; a composition can export a name once")]
    #[diagnostic(
        code(astc::compose::export_conflict),
        help(
            "remove one of them from the environment, or compose from a root component that imports both"
        )
    )]
    ExportConflict {
        /// The export name.
        name: String,
        /// The first exporter.
        first: ComponentId,
        /// The second exporter.
        second: ComponentId,
    },
    /// Encoding or validating the output failed.
    #[error("failed to encode the composed component: {message}")]
    #[diagnostic(code(astc::compose::encode))]
    Encode {
        /// wac-graph's message, with causes.
        message: String,
    },
}

/// A composed component.
#[derive(Debug, Clone)]
pub struct Composed {
    /// The component's bytes, provenance section included.
    pub bytes: Vec<u8>,
    /// What it was composed from.
    pub provenance: Provenance,
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut next = e.source();
    while let Some(c) = next {
        s.push_str(": ");
        s.push_str(&c.to_string());
        next = c.source();
    }
    s
}

/// One component to compose.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    /// Its name and version.
    pub id: ComponentId,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// Their digest.
    pub digest: Digest,
    /// Whether its exports are the output's exports (the root).
    pub root: bool,
    /// Whether its exports are exported too (an asterai environment's members).
    pub member: bool,
    /// The interfaces it exports.
    pub exports: Vec<InterfaceName>,
    /// How its imports are wired; host imports are skipped.
    pub imports: Vec<LockedImport>,
}

/// The parts of a resolution, in id order.
pub fn parts(resolution: &Resolution) -> Vec<Part<'_>> {
    resolution
        .components
        .iter()
        .map(|c| Part {
            id: c.id.clone(),
            bytes: &c.bytes,
            digest: c.digest,
            root: c.root,
            member: c.member,
            exports: c.summary.exports.clone(),
            imports: c.imports.clone(),
        })
        .collect()
}

/// Composes `resolution` into one component.
pub fn compose(resolution: &Resolution) -> Result<Composed, ComposeError> {
    compose_parts(&parts(resolution))
}

/// Composes `parts`: the root's exports (or, without a root, every member's) become the
/// output's exports.
pub fn compose_parts(parts: &[Part<'_>]) -> Result<Composed, ComposeError> {
    let mut graph = CompositionGraph::new();
    let mut packages: BTreeMap<&ComponentId, PackageId> = BTreeMap::new();
    for c in parts {
        let load = |message: String| ComposeError::Load {
            id: c.id.clone(),
            message,
        };
        let package = Package::from_bytes(
            &c.id.name.to_string(),
            Some(&c.id.version),
            c.bytes.to_vec(),
            graph.types_mut(),
        )
        .map_err(|e| load(format!("{e:#}")))?;
        let id = graph
            .register_package(package)
            .map_err(|e| load(chain(&e)))?;
        packages.insert(&c.id, id);
    }

    let mut instances: BTreeMap<&ComponentId, NodeId> = BTreeMap::new();
    for c in parts {
        instances.insert(&c.id, graph.instantiate(packages[&c.id]));
    }

    for c in parts {
        for wire in &c.imports {
            let (Some(provider), Some(export)) = (&wire.provider, &wire.export) else {
                continue;
            };
            let fail = |message: String| ComposeError::Wire {
                importer: c.id.clone(),
                import: wire.name.to_string(),
                provider: provider.clone(),
                message,
            };
            let alias = graph
                .alias_instance_export(instances[provider], &export.to_string())
                .map_err(|e| fail(chain(&e)))?;
            graph
                .set_instantiation_argument(instances[&c.id], &wire.name.to_string(), alias)
                .map_err(|e| fail(chain(&e)))?;
        }
    }

    // Export the root's exports, or every member's.
    let exporters: Vec<&ComponentId> = match parts.iter().find(|c| c.root) {
        Some(root) => vec![&root.id],
        None => parts.iter().filter(|c| c.member).map(|c| &c.id).collect(),
    };
    let mut exported: BTreeMap<String, &ComponentId> = BTreeMap::new();
    for id in exporters {
        let package = &graph[packages[id]];
        let names: Vec<String> = graph.types()[package.ty()]
            .exports
            .keys()
            .cloned()
            .collect();
        for name in names {
            if let Some(first) = exported.get(&name) {
                return Err(ComposeError::ExportConflict {
                    name,
                    first: (*first).clone(),
                    second: id.clone(),
                });
            }
            let alias = graph
                .alias_instance_export(instances[id], &name)
                .map_err(|e| ComposeError::Encode { message: chain(&e) })?;
            graph
                .export(alias, name.clone())
                .map_err(|e| ComposeError::Encode { message: chain(&e) })?;
            exported.insert(name, id);
        }
    }

    let mut bytes = graph
        .encode(EncodeOptions {
            define_components: true,
            validate: true,
            processor: None,
        })
        .map_err(|e| ComposeError::Encode { message: chain(&e) })?;

    let provenance = Provenance {
        format: FORMAT,
        tool: format!("astc {}", env!("CARGO_PKG_VERSION")),
        components: parts
            .iter()
            .map(|c| ProvenanceEntry {
                name: c.id.name.clone(),
                version: c.id.version.clone(),
                digest: c.digest,
                root: c.root,
                exports: c.exports.clone(),
                imports: c
                    .imports
                    .iter()
                    .filter_map(|i| {
                        Some(ProvenanceImport {
                            name: i.name.clone(),
                            provider: i.provider.clone()?,
                            export: i.export.clone()?,
                        })
                    })
                    .collect(),
            })
            .collect(),
    };
    bytes.extend_from_slice(&provenance.to_section());
    Ok(Composed { bytes, provenance })
}
