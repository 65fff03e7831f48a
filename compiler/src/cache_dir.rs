//! Where astc keeps its caches: one rule for every cache of every crate.
//!
//! The directory is `$ASTC_CACHE_DIR` if set, else `$XDG_CACHE_HOME/astc` if that variable
//! is set and not empty, else `$HOME/.cache/astc`; with `ASTC_NO_CACHE=1` there is none and
//! everything is kept in memory. Under it, the compiler keeps what it learned about
//! components (`components/`, [`crate::component_cache`]) and the runner keeps compiled
//! code (`*.cwasm`).

use std::path::PathBuf;

/// The cache directory, or `None` when caching on disk is off (or there is no home).
pub fn default_dir() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name);
    if var("ASTC_NO_CACHE").is_some_and(|v| v == "1") {
        return None;
    }
    if let Some(dir) = var("ASTC_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("astc"));
    }
    var("HOME").map(|h| PathBuf::from(h).join(".cache").join("astc"))
}
