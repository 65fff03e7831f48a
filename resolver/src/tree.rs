//! `astc tree`: the resolved composition as a tree, like `cargo tree`.
//!
//! ```text
//! acme:app v0.1.0 (build/app.wasm)
//! ├── acme:greeter v1.3.0 provides acme:greeter/greet@1.3.0
//! │   └── acme:kv v1.0.0 provides acme:kv/store@1.0.0
//! └── acme:log v2.0.0 provides acme:log/api@2.0.0
//! host imports: wasi:cli/stdout@0.2.0
//! ```
//!
//! Children are the providers of a component's imports, sorted; a component already shown
//! is marked `(*)` instead of being expanded again.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::lockfile::LockedSource;
use crate::name::{ComponentId, InterfaceName};
use crate::resolve::{Resolution, Resolved};
use crate::version::CompatClass;

/// Renders `resolution` as a tree rooted at the root component (or at each member, for an
/// asterai environment).
pub fn render(resolution: &Resolution) -> String {
    let by_id: BTreeMap<&ComponentId, &Resolved> =
        resolution.components.iter().map(|c| (&c.id, c)).collect();
    let mut out = String::new();
    let mut shown = BTreeSet::new();
    let tops: Vec<&Resolved> = match resolution.root() {
        Some(root) => vec![root],
        None => resolution.components.iter().filter(|c| c.member).collect(),
    };
    for top in tops {
        let _ = writeln!(out, "{}", label(top, &[]));
        shown.insert(top.id.clone());
        children(&by_id, top, "", &mut shown, &mut out);
    }
    // Semver-compatible duplicates become one import of the output, at the highest version.
    let mut host: BTreeMap<(String, Option<CompatClass>), &InterfaceName> = BTreeMap::new();
    for name in resolution
        .components
        .iter()
        .flat_map(|c| c.imports.iter().filter(|i| i.host).map(|i| &i.name))
    {
        let key = (name.unversioned(), name.version().map(CompatClass::of));
        let entry = host.entry(key).or_insert(name);
        if name.version() > entry.version() {
            *entry = name;
        }
    }
    if !host.is_empty() {
        let names: Vec<String> = host.values().map(|h| h.to_string()).collect();
        let _ = writeln!(out, "host imports: {}", names.join(", "));
    }
    out
}

fn label(c: &Resolved, provides: &[&InterfaceName]) -> String {
    let mut s = format!("{} v{}", c.id.name, c.id.version);
    match &c.source {
        LockedSource::Path(p) => {
            let _ = write!(s, " ({p})");
        }
        LockedSource::AsteraiStore(p) => {
            let _ = write!(s, " (asterai store {p})");
        }
        LockedSource::Oci(u) => {
            let _ = write!(s, " ({u})");
        }
        LockedSource::Registry(_) => {}
    }
    if !provides.is_empty() {
        let names: Vec<String> = provides.iter().map(|p| p.to_string()).collect();
        let _ = write!(s, " provides {}", names.join(", "));
    }
    s
}

fn children(
    by_id: &BTreeMap<&ComponentId, &Resolved>,
    node: &Resolved,
    prefix: &str,
    shown: &mut BTreeSet<ComponentId>,
    out: &mut String,
) {
    let mut grouped: BTreeMap<&ComponentId, Vec<&InterfaceName>> = BTreeMap::new();
    for i in &node.imports {
        if let (Some(p), Some(e)) = (&i.provider, &i.export) {
            grouped.entry(p).or_default().push(e);
        }
    }
    let count = grouped.len();
    for (n, (id, provides)) in grouped.into_iter().enumerate() {
        let last = n + 1 == count;
        let Some(child) = by_id.get(id) else { continue };
        let branch = if last { "└── " } else { "├── " };
        let repeated = !shown.insert(id.clone());
        let _ = writeln!(
            out,
            "{prefix}{branch}{}{}",
            label(child, &provides),
            if repeated && !child.imports.iter().all(|i| i.host) {
                " (*)"
            } else {
                ""
            }
        );
        if !repeated {
            let next = format!("{prefix}{}", if last { "    " } else { "│   " });
            children(by_id, child, &next, shown, out);
        }
    }
}
