//! `astc graph`: the composition as a picture (Graphviz DOT) or as data (JSON).
//!
//! Nodes are the selected components; an edge goes from an importer to the provider of one
//! of its imports, labelled with the interface. Host imports are gathered on one `host`
//! node, one edge per component labelled with the host packages it uses.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::lockfile::LockedSource;
use crate::resolve::Resolution;

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The composition in Graphviz's DOT language.
pub fn dot(resolution: &Resolution) -> String {
    let mut out = String::from(
        "digraph composition {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for c in &resolution.components {
        let mut label = format!("{}\\n{}", c.id.name, c.id.version);
        if c.root {
            label.push_str("\\n(root)");
        }
        let style = if c.root || c.member {
            ", style=\"rounded,bold\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} [label=\"{label}\"{style}];",
            quote(&c.id.to_string())
        );
    }
    let mut host_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in &resolution.components {
        for i in &c.imports {
            match (&i.provider, i.host) {
                (Some(p), _) => {
                    let _ = writeln!(
                        out,
                        "  {} -> {} [label={}];",
                        quote(&c.id.to_string()),
                        quote(&p.to_string()),
                        quote(&i.name.to_string())
                    );
                }
                (None, true) => {
                    host_edges
                        .entry(c.id.to_string())
                        .or_default()
                        .insert(i.name.package().to_string());
                }
                _ => {}
            }
        }
    }
    if !host_edges.is_empty() {
        out.push_str("  host [label=\"host\", shape=ellipse, style=dashed];\n");
        for (from, packages) in host_edges {
            let label = packages.into_iter().collect::<Vec<_>>().join("\\n");
            let _ = writeln!(
                out,
                "  {} -> host [style=dashed, label=\"{label}\"];",
                quote(&from)
            );
        }
    }
    out.push_str("}\n");
    out
}

#[derive(Serialize)]
struct Graph {
    components: Vec<Node>,
    edges: Vec<Edge>,
    host_imports: Vec<HostImport>,
}

#[derive(Serialize)]
struct Node {
    id: String,
    name: String,
    version: String,
    root: bool,
    member: bool,
    source: String,
    digest: String,
    exports: Vec<String>,
}

#[derive(Serialize)]
struct Edge {
    from: String,
    to: String,
    import: String,
    export: String,
}

#[derive(Serialize)]
struct HostImport {
    component: String,
    import: String,
}

/// The composition as JSON: components, wiring edges and host imports, sorted.
pub fn json(resolution: &Resolution) -> String {
    let mut graph = Graph {
        components: Vec::new(),
        edges: Vec::new(),
        host_imports: Vec::new(),
    };
    for c in &resolution.components {
        graph.components.push(Node {
            id: c.id.to_string(),
            name: c.id.name.to_string(),
            version: c.id.version.to_string(),
            root: c.root,
            member: c.member,
            source: match &c.source {
                LockedSource::Path(p) => format!("path:{p}"),
                LockedSource::Registry(p) => format!("registry:{p}"),
                LockedSource::AsteraiStore(p) => format!("asterai-store:{p}"),
                LockedSource::Oci(u) => u.clone(),
            },
            digest: c.digest.to_string(),
            exports: c.summary.exports.iter().map(|e| e.to_string()).collect(),
        });
        for i in &c.imports {
            match (&i.provider, &i.export) {
                (Some(p), Some(e)) => graph.edges.push(Edge {
                    from: c.id.to_string(),
                    to: p.to_string(),
                    import: i.name.to_string(),
                    export: e.to_string(),
                }),
                _ if i.host => graph.host_imports.push(HostImport {
                    component: c.id.to_string(),
                    import: i.name.to_string(),
                }),
                _ => {}
            }
        }
    }
    let mut s = serde_json::to_string_pretty(&graph).expect("graphs serialize");
    s.push('\n');
    s
}
