//! The WIT doc comments of a component's exports, carried through composition.
//!
//! A composed component keeps its parts' bytes verbatim, and compiled components rarely
//! keep their WIT docs (wit-bindgen drops them; asterai ships them beside the component as
//! `package.wasm`). So astc gathers them when it composes, from the component's own WIT and
//! from a `package.wasm` next to it in an asterai store, and records them in the
//! composition's provenance. asterai's `description` fields and the tool descriptions of
//! agents read them from there.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wit_parser::decoding::DecodedWasm;
use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

/// Doc comments of one component's world and exports; empty parts are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    /// The world's doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub world: Option<String>,
    /// Exported interfaces by short name (`api`), as asterai keys them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub interfaces: BTreeMap<String, InterfaceDocs>,
    /// World-level exported functions by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub functions: BTreeMap<String, String>,
}

/// Doc comments of one interface and its functions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterfaceDocs {
    /// The interface's doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    /// Its functions' doc comments, by function name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub functions: BTreeMap<String, String>,
}

impl InterfaceDocs {
    fn is_empty(&self) -> bool {
        self.docs.is_none() && self.functions.is_empty()
    }
}

impl Docs {
    /// Whether there is nothing to record.
    pub fn is_empty(&self) -> bool {
        self.world.is_none() && self.interfaces.is_empty() && self.functions.is_empty()
    }

    /// The docs of `world`'s exports.
    pub fn of_world(resolve: &Resolve, world: WorldId) -> Docs {
        let w = &resolve.worlds[world];
        let mut docs = Docs {
            world: w.docs.contents.clone(),
            ..Docs::default()
        };
        for (key, item) in &w.exports {
            match (key, item) {
                (_, WorldItem::Interface { id, .. }) => {
                    let iface = &resolve.interfaces[*id];
                    let Some(name) = iface.name.clone() else {
                        continue;
                    };
                    docs.add_interface(name, interface_docs(iface));
                }
                (WorldKey::Name(name), WorldItem::Function(f)) => {
                    if let Some(d) = &f.docs.contents {
                        docs.functions.insert(name.clone(), d.clone());
                    }
                }
                _ => {}
            }
        }
        docs
    }

    /// The docs of a WIT package (asterai's `package.wasm`): every interface it defines and
    /// the first world doc comment, as asterai's runtime reads them. `None` if the bytes are
    /// not a WIT package.
    pub fn of_package(bytes: &[u8]) -> Option<Docs> {
        let decoded = crate::inspect::catch_quietly(|| wit_parser::decoding::decode(bytes))
            .ok()?
            .ok()?;
        let DecodedWasm::WitPackage(resolve, pkg) = decoded else {
            return None;
        };
        let pkg = &resolve.packages[pkg];
        let mut docs = Docs {
            world: pkg
                .worlds
                .values()
                .find_map(|w| resolve.worlds[*w].docs.contents.clone()),
            ..Docs::default()
        };
        for (name, id) in &pkg.interfaces {
            docs.add_interface(name.clone(), interface_docs(&resolve.interfaces[*id]));
        }
        Some(docs)
    }

    fn add_interface(&mut self, name: String, docs: InterfaceDocs) {
        if !docs.is_empty() {
            self.interfaces.insert(name, docs);
        }
    }

    /// These docs with `over` laid on top: what `over` documents replaces what these say,
    /// for the interfaces this component exports (asterai's `apply_package_docs`).
    pub fn overlaid(mut self, over: &Docs, exported: &[String]) -> Docs {
        if over.world.is_some() {
            self.world = over.world.clone();
        }
        for (name, o) in &over.interfaces {
            if !exported.contains(name) {
                continue;
            }
            let mine = self.interfaces.entry(name.clone()).or_default();
            if o.docs.is_some() {
                mine.docs = o.docs.clone();
            }
            for (f, d) in &o.functions {
                mine.functions.insert(f.clone(), d.clone());
            }
        }
        for (f, d) in &over.functions {
            self.functions.insert(f.clone(), d.clone());
        }
        self
    }

    /// The doc comment of `function` of the interface `interface` (short name), or of a
    /// world-level function when `interface` is `None`.
    pub fn function(&self, interface: Option<&str>, function: &str) -> Option<&str> {
        match interface {
            Some(i) => self.interfaces.get(i)?.functions.get(function),
            None => self.functions.get(function),
        }
        .map(String::as_str)
    }

    /// asterai's component `description`: the world's doc comment, then `iface: docs` for
    /// each documented interface, separated by blank lines.
    pub fn description(&self, interfaces: &[String]) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(w) = &self.world {
            parts.push(w.trim().to_string());
        }
        for name in interfaces {
            if let Some(d) = self.interfaces.get(name).and_then(|i| i.docs.as_ref()) {
                parts.push(format!("{name}: {}", d.trim()));
            }
        }
        (!parts.is_empty()).then(|| parts.join("\n\n"))
    }
}

fn interface_docs(iface: &wit_parser::Interface) -> InterfaceDocs {
    InterfaceDocs {
        docs: iface.docs.contents.clone(),
        functions: iface
            .functions
            .values()
            .filter_map(|f| Some((f.name.clone(), f.docs.contents.clone()?)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIT: &str = r#"
        package acme:shop@1.0.0;
        /// Orders.
        interface api {
            /// Places an order.
            order: func(item: string) -> u32;
            cancel: func(id: u32);
        }
        interface hidden {
            /// Not exported.
            x: func();
        }
        /// The shop.
        world shop {
            export api;
            /// Says hello.
            export hello: func() -> string;
        }
    "#;

    fn resolve() -> (Resolve, WorldId) {
        let mut r = Resolve::default();
        let pkg = r.push_str("shop.wit", WIT).unwrap();
        let w = r.select_world(&[pkg], Some("shop")).unwrap();
        (r, w)
    }

    #[test]
    fn reads_the_exports_docs() {
        let (r, w) = resolve();
        let d = Docs::of_world(&r, w);
        assert_eq!(d.world.as_deref(), Some("The shop."));
        assert_eq!(d.function(Some("api"), "order"), Some("Places an order."));
        assert_eq!(d.function(Some("api"), "cancel"), None);
        assert_eq!(d.function(None, "hello"), Some("Says hello."));
        assert!(!d.interfaces.contains_key("hidden"));
        assert_eq!(
            d.description(&["api".into()]).as_deref(),
            Some("The shop.\n\napi: Orders.")
        );
    }

    #[test]
    fn package_docs_overlay_only_exported_interfaces() {
        let (r, w) = resolve();
        let pkg = r.worlds[w].package.unwrap();
        let bytes = wit_component::encode(&r, pkg, false).unwrap();
        let from_package = Docs::of_package(&bytes).unwrap();
        assert!(from_package.interfaces.contains_key("hidden"));
        let merged = Docs::default().overlaid(&from_package, &["api".into()]);
        assert_eq!(
            merged.function(Some("api"), "order"),
            Some("Places an order.")
        );
        assert!(!merged.interfaces.contains_key("hidden"));
        assert_eq!(Docs::of_package(b"\0asm\x01\0\0\0"), None);
        assert!(Docs::default().is_empty());
        let json = serde_json::to_string(&Docs::default()).unwrap();
        assert_eq!(json, "{}");
    }
}
