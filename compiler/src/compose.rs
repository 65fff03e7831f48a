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
//! # Speed: composing stubs
//!
//! wac-graph validates every component it loads and the whole output it encodes; for an
//! 18 MiB component that is most of a second's budget, spent again on every build on bytes
//! that never change under their digest. So the graph is built from each component's
//! *stub* (see [`crate::cache`]: same type, no code, checked equivalent once per digest),
//! marked with a custom section naming its part. wac-graph then validates a composition of
//! a few kilobytes, and the output is assembled in one pass: the encoded composition with
//! each stub replaced by the real component's bytes, borrowed, never copied. A component
//! without a stub is composed from its own bytes, validated as before.
//!
//! # Determinism
//!
//! Packages are registered and instantiated in id order and arguments set in import-name
//! order; wac-graph breaks ties in its topological sort by insertion order, so equal inputs
//! give equal bytes. The `astc` provenance section is appended last.
//!
//! The graph, the stub swap and the streaming writer stay together: each relies on the
//! exact byte layout the others produce.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use astc_resolver::{ComponentId, Digest, InterfaceName, LockedImport, PackageName, Resolution};
use sha2::Digest as _;
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};
use wasm_encoder::Section as _;

use crate::component_cache::Cache;
use crate::docs::Docs;
use crate::provenance::{FORMAT, Provenance, ProvenanceEntry, ProvenanceImport};

/// Component bytes shared without copying: a range of a shared buffer.
#[derive(Debug, Clone)]
pub struct Bytes {
    buf: Arc<[u8]>,
    range: Range<usize>,
}

impl Bytes {
    /// All of `buf`.
    pub fn whole(buf: Arc<[u8]>) -> Self {
        let range = 0..buf.len();
        Bytes { buf, range }
    }

    /// `buf[range]`.
    pub fn slice(buf: Arc<[u8]>, range: Range<usize>) -> Self {
        Bytes { buf, range }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[self.range.clone()]
    }
}

/// The name of the custom section marking a stub with the index of its part.
const STUB_MARK: &str = "astc-stub";

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

/// A composed component, as the pieces it is written from: small encoded sections and the
/// components' own bytes, borrowed.
#[derive(Debug, Clone)]
pub struct Composed {
    chunks: Vec<Chunk>,
    /// What it was composed from.
    pub provenance: Provenance,
}

/// Outputs from this size on are hashed on a second thread while they are written.
const PARALLEL_HASH_FROM: usize = 1 << 20;

#[derive(Debug, Clone)]
enum Chunk {
    Owned(Vec<u8>),
    Shared(Bytes),
}

impl Chunk {
    fn as_slice(&self) -> &[u8] {
        match self {
            Chunk::Owned(v) => v,
            Chunk::Shared(b) => b.as_slice(),
        }
    }
}

impl Composed {
    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.as_slice().len()).sum()
    }

    /// Whether it is empty (never, for a valid composition).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes it to `w` in one pass, hashing as it goes; returns its digest.
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<Digest> {
        // Hashing and writing a large output take about as long each: do them side by side.
        if self.len() < PARALLEL_HASH_FROM {
            for c in &self.chunks {
                w.write_all(c.as_slice())?;
            }
            return Ok(self.digest());
        }
        std::thread::scope(|scope| {
            let digest = scope.spawn(|| self.digest());
            for c in &self.chunks {
                w.write_all(c.as_slice())?;
            }
            Ok(digest.join().expect("hashing does not panic"))
        })
    }

    /// Its digest.
    pub fn digest(&self) -> Digest {
        let mut hasher = sha2::Sha256::new();
        for c in &self.chunks {
            hasher.update(c.as_slice());
        }
        Digest::from_bytes(hasher.finalize().into())
    }

    /// Its bytes, in one buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        for c in &self.chunks {
            out.extend_from_slice(c.as_slice());
        }
        out
    }
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
pub struct Part {
    /// Its name and version.
    pub id: ComponentId,
    /// Its bytes.
    pub bytes: Bytes,
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
    /// Doc comments to lay over the component's own (an asterai store's `package.wasm`).
    pub package_docs: Option<Arc<Docs>>,
}

/// The parts of a resolution, in id order.
pub fn parts(resolution: &Resolution) -> Vec<Part> {
    resolution
        .components
        .iter()
        .map(|c| Part {
            id: c.id.clone(),
            bytes: Bytes::whole(c.bytes.clone()),
            digest: c.digest,
            root: c.root,
            member: c.member,
            exports: c.summary.exports.clone(),
            imports: c.imports.clone(),
            package_docs: package_docs(c),
        })
        .collect()
}

/// The docs of the `package.wasm` asterai keeps beside a component in its store, if any.
fn package_docs(c: &astc_resolver::Resolved) -> Option<Arc<Docs>> {
    if !matches!(c.source, astc_resolver::SourceId::AsteraiStore(_)) {
        return None;
    }
    let bytes = std::fs::read(c.path.with_file_name("package.wasm")).ok()?;
    Docs::of_package(&bytes).map(Arc::new)
}

/// What a composition records about itself besides its parts.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The composition's name, when no root component names it (an asterai environment).
    pub name: Option<PackageName>,
    /// Environment variables every component sees (an asterai environment's `[vars]`).
    pub vars: BTreeMap<String, String>,
}

/// Composes `resolution` into one component, recording `env` for the runner.
pub fn compose(resolution: &Resolution, env: &Environment) -> Result<Composed, ComposeError> {
    compose_with(&parts(resolution), env)
}

/// Composes `parts`: the root's exports (or, without a root, every member's) become the
/// output's exports.
pub fn compose_parts(parts: &[Part]) -> Result<Composed, ComposeError> {
    compose_with(parts, &Environment::default())
}

/// [`compose_parts`], recording `env` for the runner.
pub fn compose_with(parts: &[Part], env: &Environment) -> Result<Composed, ComposeError> {
    let mut graph = CompositionGraph::new();
    let mut packages: BTreeMap<&ComponentId, PackageId> = BTreeMap::new();
    let mut docs: Vec<Docs> = Vec::with_capacity(parts.len());
    for (index, c) in parts.iter().enumerate() {
        let load = |message: String| ComposeError::Load {
            id: c.id.clone(),
            message,
        };
        let entry = Cache::global()
            .get(c.bytes.as_slice(), c.digest)
            .map_err(|e| load(e.to_string()))?;
        docs.push(match &c.package_docs {
            Some(over) => {
                let exported: Vec<String> = c
                    .exports
                    .iter()
                    .map(|e| e.interface().to_string())
                    .collect();
                entry.docs.clone().overlaid(over, &exported)
            }
            None => entry.docs.clone(),
        });
        // The stub, marked with its part, or the component itself.
        let bytes = match &entry.stub {
            Some(stub) => {
                let mut marked = stub.clone();
                wasm_encoder::CustomSection {
                    name: STUB_MARK.into(),
                    data: index.to_string().into_bytes().into(),
                }
                .append_to(&mut marked);
                marked
            }
            None => c.bytes.as_slice().to_vec(),
        };
        let package = Package::from_bytes(
            &c.id.name.to_string(),
            Some(&c.id.version),
            bytes,
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

    // wac-graph 0.12 panics on some valid components, e.g. an assertion when a world-level
    // resource's methods take `borrow<r>`: report it as an encoding error, never crash.
    let encoded = crate::inspect::catch_quietly(|| {
        graph.encode(EncodeOptions {
            define_components: true,
            validate: true,
            processor: None,
        })
    })
    .map_err(|panic| ComposeError::Encode {
        message: format!("wac-graph failed on these components ({panic})"),
    })?
    .map_err(|e| ComposeError::Encode { message: chain(&e) })?;
    let mut chunks =
        swap_stubs(&encoded, parts).map_err(|message| ComposeError::Encode { message })?;

    let provenance = Provenance {
        format: FORMAT,
        tool: format!("astc {}", env!("CARGO_PKG_VERSION")),
        name: if parts.iter().any(|p| p.root) {
            None
        } else {
            env.name.clone()
        },
        vars: env.vars.clone(),
        components: parts
            .iter()
            .zip(docs)
            .map(|(c, docs)| ProvenanceEntry {
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
                docs,
            })
            .collect(),
    };
    chunks.push(Chunk::Owned(provenance.to_section()));
    Ok(Composed { chunks, provenance })
}

/// A top-level section of a component binary: its id, its content, and the whole section
/// with its header.
type Section = (u8, Range<usize>, Range<usize>);

/// The top-level sections of a component binary, as wasmparser reads them. Nested modules
/// and components are skipped whole, never descended into.
fn sections(bytes: &[u8]) -> Result<Vec<Section>, String> {
    use wasmparser::{Chunk as Parsed, Parser, Payload};
    let mut out = Vec::new();
    let mut parser = Parser::new(0);
    let mut at = 0;
    loop {
        let payload = match parser
            .parse(&bytes[at..], true)
            .map_err(|e| e.to_string())?
        {
            Parsed::Parsed { consumed, payload } => {
                at += consumed;
                payload
            }
            Parsed::NeedMoreData(_) => return Err("truncated component".into()),
        };
        match &payload {
            Payload::End(_) => return Ok(out),
            // Only a code section's header was consumed: skip its bodies. (A nested module's
            // or component's header was consumed too, and the parser expects the bytes after
            // it: `at` moves past the content below.)
            Payload::CodeSectionStart { .. } => parser.skip_section(),
            _ => {}
        }
        if let Some((id, content)) = payload.as_section() {
            let content = to_usize(content.start)?..to_usize(content.end)?;
            // Sections are contiguous: this one's header starts where the last one ended.
            let start = out
                .last()
                .map_or(8, |(_, _, whole): &(u8, _, Range<usize>)| whole.end);
            at = at.max(content.end);
            out.push((id, content.clone(), start..content.end));
        }
    }
}

fn to_usize(n: u64) -> Result<usize, String> {
    usize::try_from(n).map_err(|_| "section offset out of range".to_string())
}

/// The part a stub stands for, from its mark.
fn stub_part(stub: &[u8]) -> Option<usize> {
    wasmparser::Parser::new(0)
        .parse_all(stub)
        .find_map(|payload| match payload.ok()? {
            wasmparser::Payload::CustomSection(c) if c.name() == STUB_MARK => {
                std::str::from_utf8(c.data()).ok()?.parse().ok()
            }
            _ => None,
        })
}

/// The encoded composition with every marked stub replaced by its part's bytes.
fn swap_stubs(encoded: &[u8], parts: &[Part]) -> Result<Vec<Chunk>, String> {
    use wasm_encoder::Encode as _;
    const COMPONENT_SECTION: u8 = 4;
    let mut chunks = Vec::new();
    let mut pending: Vec<u8> = encoded[..8].to_vec();
    for (id, content, whole) in sections(encoded)? {
        let part = (id == COMPONENT_SECTION)
            .then(|| stub_part(&encoded[content.clone()]))
            .flatten();
        match part.and_then(|i| parts.get(i)) {
            Some(part) => {
                let real = part.bytes.as_slice();
                // wasm-encoder writes sizes as u32 LEB128 and asserts they fit.
                u32::try_from(real.len()).map_err(|_| "component larger than 4 GiB")?;
                pending.push(COMPONENT_SECTION);
                real.len().encode(&mut pending);
                chunks.push(Chunk::Owned(std::mem::take(&mut pending)));
                chunks.push(Chunk::Shared(part.bytes.clone()));
            }
            None => pending.extend_from_slice(&encoded[whole]),
        }
    }
    chunks.push(Chunk::Owned(pending));
    Ok(chunks)
}
