//! Reading a component: validation, its WIT world, and the summary the resolver works from.
//!
//! A full validation (with every WebAssembly feature enabled, so whatever a real toolchain
//! emits is accepted), then `wit_parser::decoding::decode` recovers the component's WIT
//! world. Everything astc knows about a component's interfaces comes from
//! that world.

use std::path::Path;

use astc_resolver::{
    BoxError, ComponentSummary, Digest, Inspector, InterfaceName, name::NameError,
};
use wit_parser::decoding::DecodedWasm;
use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

use crate::provenance::{self, Provenance};

/// A component, validated and decoded.
pub struct Inspected {
    /// The digest of its bytes.
    pub digest: Digest,
    /// Its size in bytes.
    pub size: usize,
    /// Its WIT, as recovered from the binary.
    pub resolve: Resolve,
    /// Its world within `resolve`.
    pub world: WorldId,
    /// Its imports and exports by name.
    pub summary: ComponentSummary,
    /// What it was composed from, if astc composed it.
    pub provenance: Option<Provenance>,
}

/// Why bytes are not a usable component.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum InspectError {
    /// There are no bytes at all.
    #[error("the file is empty; expected a WebAssembly component")]
    #[diagnostic(code(astc::inspect::empty))]
    Empty,
    /// The bytes do not start with the WebAssembly magic number.
    #[error(
        "not a WebAssembly file: it starts with {found}, not the magic bytes `00 61 73 6d` (\"\\0asm\")"
    )]
    #[diagnostic(
        code(astc::inspect::not_wasm),
        help(
            "pass the `.wasm` component your toolchain built (e.g. `cargo build --target wasm32-wasip2`)"
        )
    )]
    NotWasm {
        /// The first bytes, in hex.
        found: String,
    },
    /// A core module, not a component.
    #[error("this is a core WebAssembly module, not a component")]
    #[diagnostic(
        code(astc::inspect::core_module),
        help(
            "turn it into a component with `wasm-tools component new`, or build for a component target such as `wasm32-wasip2`"
        )
    )]
    CoreModule,
    /// A WIT package encoded as WebAssembly, not a component.
    #[error("this is a WIT package encoded as WebAssembly, not a component")]
    #[diagnostic(
        code(astc::inspect::wit_package),
        help("publish the component that implements the WIT, not the WIT itself")
    )]
    WitPackage,
    /// The binary failed validation.
    #[error("invalid component: {message}")]
    #[diagnostic(code(astc::inspect::invalid))]
    Invalid {
        /// The validator's message, with its byte offset.
        message: String,
    },
    /// An import or export has a name astc cannot treat as an interface.
    #[error("{kind} `{name}` is not a valid interface name")]
    #[diagnostic(code(astc::inspect::bad_name))]
    BadName {
        /// "import" or "export".
        kind: &'static str,
        /// The name.
        name: String,
        /// Why.
        #[source]
        source: NameError,
    },
    /// The `astc` provenance section is malformed.
    #[error("malformed `astc` provenance section: {0}")]
    #[diagnostic(code(astc::inspect::bad_provenance))]
    BadProvenance(String),
}

/// Validates and decodes `bytes` as a component, once per digest: later calls with the same
/// bytes use what [`crate::cache`] remembered.
pub fn inspect(bytes: &[u8]) -> Result<Inspected, InspectError> {
    inspect_with_digest(bytes, Digest::of(bytes))
}

/// Like [`inspect`], for bytes whose digest the caller computed already (hashing a large
/// component twice would double the cost).
pub fn inspect_with_digest(bytes: &[u8], digest: Digest) -> Result<Inspected, InspectError> {
    check_header(bytes)?;
    crate::component_cache::Cache::global()
        .get(bytes, digest)?
        .inspected()
}

/// The component whose digest is `digest`, if astc has inspected it before (in this process
/// or in the cache on disk): no bytes needed.
pub fn inspect_cached(digest: Digest) -> Option<Result<Inspected, InspectError>> {
    crate::component_cache::Cache::global()
        .cached(digest)
        .map(|e| e.inspected())
}

/// Validates and decodes `bytes`, without the cache.
pub fn inspect_uncached(bytes: &[u8]) -> Result<Inspected, InspectError> {
    check_header(bytes)?;
    // Decoding checks the component's types but not its code: function bodies are only
    // checked by a full validation. It runs once per digest (the cache remembers it).
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(bytes)
        .map_err(|e| InspectError::Invalid {
            message: e.to_string(),
        })?;
    // wit-parser 0.263 panics (`unreachable!`) on some valid components it cannot express
    // in WIT, such as a type export aliasing a function type: report those, never crash.
    let decoded = catch_quietly(|| wit_parser::decoding::decode(bytes))
        .map_err(|panic| InspectError::Invalid {
            message: format!("cannot recover its WIT: the decoder failed ({panic})"),
        })?
        .map_err(|e| InspectError::Invalid {
            message: format!("{e:#}"),
        })?;
    let (resolve, world) = match decoded {
        DecodedWasm::Component(resolve, world) => (resolve, world),
        DecodedWasm::WitPackage(..) => return Err(InspectError::WitPackage),
    };
    let summary = summarize(&resolve, world)?;
    let provenance = provenance::read(bytes).map_err(InspectError::BadProvenance)?;
    Ok(Inspected {
        digest: Digest::of(bytes),
        size: bytes.len(),
        resolve,
        world,
        summary,
        provenance,
    })
}

/// Runs `f`, turning a panic into its message, without the panic being printed: for calls
/// into dependencies that panic on some inputs (wit-parser, wac-graph), which astc reports
/// as errors about the component rather than as crashes.
pub(crate) fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    use std::cell::Cell;
    use std::sync::Once;
    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("panic")
            .to_string()
    })
}

/// Tells garbage, core modules and components apart from the 8-byte header.
fn check_header(bytes: &[u8]) -> Result<(), InspectError> {
    if bytes.is_empty() {
        return Err(InspectError::Empty);
    }
    if !bytes.starts_with(b"\0asm") {
        let found = bytes
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ");
        return Err(InspectError::NotWasm { found });
    }
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(InspectError::CoreModule);
    }
    if !wasmparser::Parser::is_component(bytes) {
        return Err(InspectError::Invalid {
            message: "unknown binary version or layer in the header (bytes 4..8)".into(),
        });
    }
    Ok(())
}

/// The names a decoded world imports and exports.
pub fn summarize(resolve: &Resolve, world: WorldId) -> Result<ComponentSummary, InspectError> {
    let w = &resolve.worlds[world];
    let mut summary = ComponentSummary::default();
    for (kind, items) in [("import", &w.imports), ("export", &w.exports)] {
        for (key, item) in items {
            if matches!(item, WorldItem::Type { .. }) {
                continue;
            }
            match key {
                WorldKey::Interface(id) => {
                    let name = resolve.id_of(*id).unwrap_or_default();
                    let iface =
                        InterfaceName::parse(&name).map_err(|source| InspectError::BadName {
                            kind,
                            name: name.clone(),
                            source,
                        })?;
                    if kind == "import" {
                        summary.imports.push(iface);
                    } else {
                        summary.exports.push(iface);
                    }
                }
                WorldKey::Name(name) => {
                    if kind == "import" {
                        summary.bare_imports.push(name.clone());
                    } else {
                        summary.bare_exports.push(name.clone());
                    }
                }
            }
        }
    }
    Ok(summary.normalize())
}

/// The [`Inspector`] the resolver uses: validates and summarizes component files.
#[derive(Debug, Default, Clone, Copy)]
pub struct WasmInspector;

impl Inspector for WasmInspector {
    fn summarize(
        &self,
        _path: &Path,
        bytes: &[u8],
        digest: Digest,
    ) -> Result<ComponentSummary, BoxError> {
        check_header(bytes)?;
        let entry = crate::component_cache::Cache::global().get(bytes, digest)?;
        Ok(entry.summary.clone())
    }
}

impl Inspected {
    /// The name (`ns:name`) servers and asterai's call API address the component by: its
    /// composition's; else the one package its interfaces come from (`acme:types` for a
    /// component exporting `acme:types/api`); else its world's package, unless that is the
    /// `root:component` bindings generators synthesize.
    pub fn name(&self) -> Option<String> {
        if let Some(p) = &self.provenance {
            return p.name().map(|n| n.to_string());
        }
        let w = &self.resolve.worlds[self.world];
        let package = |p: wit_parser::PackageId| {
            let n = &self.resolve.packages[p].name;
            format!("{}:{}", n.namespace, n.name)
        };
        let mut exported: Vec<String> = w
            .exports
            .values()
            .filter_map(|item| match item {
                WorldItem::Interface { id, .. } => self.resolve.interfaces[*id].package,
                _ => None,
            })
            .map(package)
            .filter(|n| !astc_resolver::PackageName::parse(n).is_ok_and(|p| p.is_host()))
            .collect();
        exported.sort();
        exported.dedup();
        if let [one] = exported.as_slice() {
            return Some(one.clone());
        }
        w.package.map(package).filter(|n| n != "root:component")
    }

    /// The component as JSON (`astc inspect --format json`): size, digest, the names of its
    /// imports and exports, every callable function with its JSON Schemas (as MCP tools,
    /// see [`crate::schema`]), and its provenance when astc composed it.
    pub fn to_json(&self) -> serde_json::Value {
        let w = &self.resolve.worlds[self.world];
        let names = |items: &indexmap::IndexMap<WorldKey, WorldItem>| -> Vec<String> {
            items
                .iter()
                .filter(|(_, i)| !matches!(i, WorldItem::Type { .. }))
                .map(|(k, _)| self.resolve.name_world_key(k))
                .collect()
        };
        let mut v = serde_json::json!({
            "size": self.size,
            "digest": self.digest.to_string(),
            "imports": names(&w.imports),
            "exports": names(&w.exports),
            "functions": crate::schema::exported_functions(self)
                .iter()
                .map(crate::schema::FunctionSchema::to_json)
                .collect::<Vec<_>>(),
        });
        if let Some(p) = &self.provenance {
            v["provenance"] = serde_json::to_value(p).expect("provenance serializes");
        }
        v
    }

    /// A readable listing of the component: imports and exports with their functions' WIT
    /// signatures, world-level functions marked as such, and its provenance when astc
    /// composed it. Host interfaces list their functions only when `verbose`.
    pub fn render(&self, verbose: bool) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "size: {} bytes", self.size);
        let _ = writeln!(out, "digest: {}", self.digest);
        let w = &self.resolve.worlds[self.world];
        for (title, items) in [("imports", &w.imports), ("exports", &w.exports)] {
            let items: Vec<_> = items
                .iter()
                .filter(|(_, i)| !matches!(i, WorldItem::Type { .. }))
                .collect();
            if items.is_empty() {
                let _ = writeln!(out, "{title}: none");
                continue;
            }
            let _ = writeln!(out, "{title}:");
            for (key, item) in items {
                match (key, item) {
                    (WorldKey::Interface(id), WorldItem::Interface { .. }) => {
                        let name = self.resolve.id_of(*id).unwrap_or_default();
                        let host = title == "imports"
                            && InterfaceName::parse(&name).is_ok_and(|n| n.is_host());
                        let _ = writeln!(out, "  {name}{}", if host { " (host)" } else { "" });
                        let wasi = InterfaceName::parse(&name).is_ok_and(|n| n.is_host());
                        if !wasi || verbose {
                            self.functions(&mut out, *id, "    ");
                        }
                    }
                    (WorldKey::Name(name), WorldItem::Interface { id, .. }) => {
                        let _ = writeln!(out, "  {name} (world-level interface: not composable)");
                        self.functions(&mut out, *id, "    ");
                    }
                    (WorldKey::Name(name), WorldItem::Function(f)) => {
                        let role = if title == "exports" {
                            "world-level: only the host can call it"
                        } else {
                            "world-level import: no component can provide it"
                        };
                        let _ = writeln!(
                            out,
                            "  {name}: {} ({role})",
                            crate::wit::signature(&self.resolve, f)
                        );
                    }
                    _ => {}
                }
            }
        }
        if let Some(p) = &self.provenance {
            let _ = writeln!(out, "composed by {} from:", p.tool);
            for c in &p.components {
                let _ = writeln!(
                    out,
                    "  {} v{} {}{}",
                    c.name,
                    c.version,
                    c.digest,
                    if c.root { " (root)" } else { "" }
                );
            }
        }
        out
    }

    fn functions(&self, out: &mut String, id: wit_parser::InterfaceId, indent: &str) {
        use std::fmt::Write as _;
        for (name, f) in &self.resolve.interfaces[id].functions {
            let _ = writeln!(
                out,
                "{indent}{name}: {}",
                crate::wit::signature(&self.resolve, f)
            );
        }
    }
}

/// Why a component file could not be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum FileError {
    /// The file could not be read.
    #[error("failed to read `{}`", path.display())]
    #[diagnostic(code(astc::inspect::io))]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid component.
    #[error("`{}` is not a valid component", path.display())]
    #[diagnostic(code(astc::inspect::invalid_file))]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: InspectError,
        /// How to fix it, from the cause.
        #[help]
        help: Option<String>,
    },
}

/// Reads and inspects the component at `path`, returning its bytes too.
pub fn inspect_file(path: &Path) -> Result<(Vec<u8>, Inspected), FileError> {
    let bytes = astc_resolver::fs::read_regular(path).map_err(|source| FileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let inspected = inspect(&bytes).map_err(|source| FileError::Invalid {
        path: path.to_path_buf(),
        help: miette::Diagnostic::help(&source).map(|h| h.to_string()),
        source,
    })?;
    Ok((bytes, inspected))
}
