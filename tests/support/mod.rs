//! Helpers shared by the end-to-end test harnesses.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// What a path holds, for before/after comparisons.
#[derive(PartialEq, Debug)]
pub enum Entry {
    File(Vec<u8>, u32),
    Dir(u32),
    Link(PathBuf),
    Unreadable(u32),
}

/// Every entry under `dir`, without following symbolic links.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Entry> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let e = e.unwrap();
            let p = e.path();
            let meta = fs::symlink_metadata(&p).unwrap();
            let mode = meta.permissions().mode();
            let key = p.strip_prefix(dir).unwrap().to_path_buf();
            let entry = if meta.file_type().is_symlink() {
                Entry::Link(fs::read_link(&p).unwrap())
            } else if meta.is_dir() {
                stack.push(p);
                Entry::Dir(mode)
            } else if !meta.is_file() {
                // A FIFO or device: reading it could block.
                Entry::Unreadable(mode)
            } else {
                match fs::read(&p) {
                    Ok(bytes) => Entry::File(bytes, mode),
                    Err(_) => Entry::Unreadable(mode),
                }
            };
            out.insert(key, entry);
        }
    }
    out
}

pub fn changed(a: &BTreeMap<PathBuf, Entry>, b: &BTreeMap<PathBuf, Entry>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    out.extend(b.keys().filter(|k| !a.contains_key(*k)).cloned());
    out
}
