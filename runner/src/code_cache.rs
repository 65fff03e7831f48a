//! Compiled-code cache: precompiled components keyed by the digest of their bytes.
//!
//! Compiling a large component dominates start-up. The first run compiles it and stores the
//! artifact as `<dir>/<sha256>-<engine hash>.cwasm` (atomically); later runs memory-map that
//! file instead of compiling. The engine hash covers wasmtime's version and configuration,
//! so an artifact is never loaded by an engine it does not fit; wasmtime also checks that
//! itself and refuses mismatches with an error, in which case the entry is rebuilt. The
//! directory is the one all of astc's caches share ([`astc_compiler::cache_dir`]).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use astc_resolver::Digest;
use astc_resolver::fs::write_atomic;
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::RunError;

fn entry(engine: &Engine, dir: &Path, digest: &Digest) -> PathBuf {
    let mut h = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    let hex = digest.to_string();
    dir.join(format!("{}-{:016x}.cwasm", &hex[7..], h.finish()))
}

/// Loads the component whose digest is `digest` from the cache when possible, else
/// compiles `bytes()` (the only time they are read) and caches the code. Cache failures are
/// never fatal: the component is compiled instead.
pub(crate) fn load(
    engine: &Engine,
    dir: Option<&Path>,
    digest: &Digest,
    bytes: impl FnOnce() -> Result<Arc<[u8]>, RunError>,
) -> Result<Component, RunError> {
    let compile = |bytes: &[u8]| {
        Component::new(engine, bytes).map_err(|e| RunError::Engine {
            what: "compile the component",
            message: format!("{e:#}"),
        })
    };
    let Some(dir) = dir else {
        return compile(&bytes()?);
    };
    let path = entry(engine, dir, digest);
    // SAFETY: the file is an artifact this cache wrote with `Component::serialize` for an
    // engine with the same compatibility hash; wasmtime validates its header and rejects
    // incompatible artifacts with an error rather than misbehaving. It is memory-mapped, not
    // read: pages of code that never run are never loaded.
    match unsafe { Component::deserialize_file(engine, &path) } {
        Ok(c) => return Ok(c),
        Err(_) if path.exists() => {
            let _ = std::fs::remove_file(&path);
        }
        Err(_) => {}
    }
    let component = compile(&bytes()?)?;
    if std::fs::create_dir_all(dir).is_ok()
        && let Ok(artifact) = component.serialize()
    {
        let _ = write_atomic(&path, &artifact);
    }
    Ok(component)
}
