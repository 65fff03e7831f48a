//! What astc learned about a component, remembered by digest.
//!
//! Validating and decoding a large component (an 18 MiB Python component) costs more than
//! the whole composition budget, and a component's bytes never change under its digest. So
//! the first time astc sees a component it validates it once and keeps, under
//! `<cache>/components/<sha256>/`:
//!
//! - `summary.json`: its imports and exports by name, the doc comments of its exports, and
//!   its provenance if it has one;
//! - `world.wasm`: its WIT world, encoded as a small WIT package, from which the type
//!   checker's view is decoded in microseconds;
//! - `stub.wasm`: a *stub*, a component with exactly its type and no real code, which
//!   composition uses to build and validate the wiring (see [`crate::compose`]). The stub is
//!   kept only once checked to be type-equivalent to the component (each a subtype of the
//!   other); a component whose type cannot be reproduced gets none and is composed from its
//!   own bytes.
//!
//! Entries are written atomically, `summary.json` last, so an entry is either complete or
//! absent. The directory is [`crate::cache_dir::default_dir`]'s (none with `ASTC_NO_CACHE=1`:
//! everything stays in memory). Like a build directory the cache is trusted: see
//! docs/security.md.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use astc_resolver::fs::write_atomic;
use astc_resolver::{ComponentSummary, Digest};
use serde::{Deserialize, Serialize};
use wac_graph::types::{ItemKind, Package, SubtypeChecker, Types};
use wit_component::{ComponentEncoder, StringEncoding, dummy_module, embed_component_metadata};
use wit_parser::decoding::DecodedWasm;
use wit_parser::{ManglingAndAbi, Resolve, WorldId};

use crate::docs::Docs;
use crate::inspect::{InspectError, Inspected};
use crate::provenance::Provenance;

/// Bumped whenever what an entry holds, or how it is derived, changes.
const FORMAT: u32 = 2;

/// What is remembered about one component.
pub struct Entry {
    /// Its digest.
    pub digest: Digest,
    /// Its size in bytes.
    pub size: usize,
    /// Its imports and exports by name.
    pub summary: ComponentSummary,
    /// Its provenance, if astc composed it.
    pub provenance: Option<Provenance>,
    /// The doc comments of its exports.
    pub docs: Docs,
    /// Its WIT world as an encoded WIT package.
    world: Vec<u8>,
    /// A component of the same type with no real code, if one could be made.
    pub stub: Option<Vec<u8>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    format: u32,
    size: usize,
    summary: ComponentSummary,
    provenance: Option<Provenance>,
    #[serde(default)]
    docs: Docs,
    stub: bool,
}

impl Entry {
    /// The component's WIT, decoded from the small encoded world.
    pub fn decode(&self) -> Result<(Resolve, WorldId), InspectError> {
        let invalid = |message: String| InspectError::Invalid { message };
        let DecodedWasm::WitPackage(resolve, pkg) =
            wit_parser::decoding::decode(&self.world).map_err(|e| invalid(format!("{e:#}")))?
        else {
            return Err(invalid("the cached world is not a WIT package".into()));
        };
        let world = resolve.packages[pkg]
            .worlds
            .get("root")
            .copied()
            .ok_or_else(|| invalid("the cached world has no `root` world".into()))?;
        Ok((resolve, world))
    }

    /// The component as the type checker sees it.
    pub fn inspected(&self) -> Result<Inspected, InspectError> {
        let (resolve, world) = self.decode()?;
        Ok(Inspected {
            digest: self.digest,
            size: self.size,
            resolve,
            world,
            summary: self.summary.clone(),
            provenance: self.provenance.clone(),
        })
    }
}

/// The cache: in memory for this process, on disk across runs.
pub struct Cache {
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<Digest, Arc<Entry>>>,
}

impl Cache {
    /// A cache keeping entries under `dir` (or only in memory).
    pub fn new(dir: Option<PathBuf>) -> Self {
        Cache {
            dir: dir.map(|d| d.join("components")),
            memory: Mutex::default(),
        }
    }

    /// The process-wide cache in the default directory.
    pub fn global() -> &'static Cache {
        static CACHE: OnceLock<Cache> = OnceLock::new();
        CACHE.get_or_init(|| Cache::new(crate::cache_dir::default_dir()))
    }

    fn entry_dir(&self, digest: &Digest) -> Option<PathBuf> {
        let hex = digest.to_string();
        self.dir.as_ref().map(|d| d.join(&hex[7..]))
    }

    /// The entry for `bytes`, whose digest is `digest`: from memory, from disk, or made now
    /// (validating the component once).
    pub fn get(&self, bytes: &[u8], digest: Digest) -> Result<Arc<Entry>, InspectError> {
        if let Some(e) = self.cached(digest) {
            return Ok(e);
        }
        let e = make(bytes, digest)?;
        if let Some(dir) = self.entry_dir(&digest) {
            store(&dir, &e);
        }
        Ok(self.keep(e))
    }

    /// The entry for `digest` from memory or disk, if there is one.
    pub fn cached(&self, digest: Digest) -> Option<Arc<Entry>> {
        if let Some(e) = self.memory.lock().unwrap().get(&digest) {
            return Some(e.clone());
        }
        let e = load(&self.entry_dir(&digest)?, digest)?;
        Some(self.keep(e))
    }

    fn keep(&self, e: Entry) -> Arc<Entry> {
        let entry = Arc::new(e);
        self.memory
            .lock()
            .unwrap()
            .insert(entry.digest, entry.clone());
        entry
    }
}

fn load(dir: &Path, digest: Digest) -> Option<Entry> {
    let meta: Meta = serde_json::from_slice(&fs::read(dir.join("summary.json")).ok()?).ok()?;
    if meta.format != FORMAT {
        return None;
    }
    let world = fs::read(dir.join("world.wasm")).ok()?;
    let stub = if meta.stub {
        Some(fs::read(dir.join("stub.wasm")).ok()?)
    } else {
        None
    };
    Some(Entry {
        digest,
        size: meta.size,
        summary: meta.summary,
        provenance: meta.provenance,
        docs: meta.docs,
        world,
        stub,
    })
}

/// Best effort: a cache that cannot be written only costs time.
fn store(dir: &Path, e: &Entry) {
    if fs::create_dir_all(dir).is_err() {
        return;
    }
    let meta = Meta {
        format: FORMAT,
        size: e.size,
        summary: e.summary.clone(),
        provenance: e.provenance.clone(),
        docs: e.docs.clone(),
        stub: e.stub.is_some(),
    };
    if write_atomic(&dir.join("world.wasm"), &e.world).is_err() {
        return;
    }
    if let Some(stub) = &e.stub
        && write_atomic(&dir.join("stub.wasm"), stub).is_err()
    {
        return;
    }
    let json = serde_json::to_vec(&meta).expect("cache entries serialize");
    let _ = write_atomic(&dir.join("summary.json"), &json);
}

fn make(bytes: &[u8], digest: Digest) -> Result<Entry, InspectError> {
    let inspected = crate::inspect::inspect_uncached(bytes)?;
    let pkg = inspected.resolve.worlds[inspected.world]
        .package
        .ok_or_else(|| InspectError::Invalid {
            message: "the decoded world has no package".into(),
        })?;
    let world = wit_component::encode(&inspected.resolve, pkg, false).map_err(|e| {
        InspectError::Invalid {
            message: format!("cannot encode its WIT world: {e:#}"),
        }
    })?;
    let stub = stub(&inspected.resolve, inspected.world).filter(|stub| equivalent(bytes, stub));
    Ok(Entry {
        digest,
        size: bytes.len(),
        docs: Docs::of_world(&inspected.resolve, inspected.world),
        summary: inspected.summary,
        provenance: inspected.provenance,
        world,
        stub,
    })
}

/// A component implementing `world` with functions that trap: the component's type,
/// without its code.
fn stub(resolve: &Resolve, world: WorldId) -> Option<Vec<u8>> {
    let mut module = dummy_module(resolve, world, ManglingAndAbi::Standard32);
    embed_component_metadata(&mut module, resolve, world, StringEncoding::UTF8, false).ok()?;
    ComponentEncoder::default()
        .module(&module)
        .ok()?
        .validate(true)
        .encode()
        .ok()
}

/// Whether the stub can stand for the component in composition: each type a subtype of
/// the other.
fn equivalent(real: &[u8], stub: &[u8]) -> bool {
    let mut types = Types::default();
    let (Ok(a), Ok(b)) = (
        Package::from_bytes("real", None, real.to_vec(), &mut types),
        Package::from_bytes("stub", None, stub.to_vec(), &mut types),
    ) else {
        return false;
    };
    let mut cache = Default::default();
    let mut checker = SubtypeChecker::new(&mut cache);
    let (ka, kb) = (ItemKind::Component(a.ty()), ItemKind::Component(b.ty()));
    checker.is_subtype(ka, &types, kb, &types).is_ok()
        && checker.is_subtype(kb, &types, ka, &types).is_ok()
}
