//! Wiring: from the versions the solver selected to components whose every import names
//! the export that satisfies it.
//!
//! The solver only knows versions; here the selected components are loaded (their bytes
//! checked against the lock), each import is matched to an export of its provider (or
//! reported, with hints, when none fits), and the wiring is checked for cycles, which
//! instantiation cannot order.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use petgraph::graph::DiGraph;
use semver::Version;

use super::provider::{Pkg, Provider};
use super::{LocalComponent, Request, ResolveError, Resolved, Unsatisfied};
use crate::diagnostic::Hints;
use crate::lockfile::LockedImport;
use crate::manifest::Dependency;
use crate::name::{ComponentId, PackageName};
use crate::source::{ComponentSource, SourceId};
use crate::summary::ComponentSummary;
use crate::warning::Warning;

/// Loads the selected components (the root first), checking registry bytes against the
/// lock's digests.
pub(super) fn load(
    req: &Request,
    registry: &dyn ComponentSource,
    chosen: &BTreeMap<Pkg, Version>,
) -> Result<Vec<Resolved>, ResolveError> {
    let member_names: BTreeSet<&PackageName> = req.manifest.members.iter().collect();

    let mut components: Vec<Resolved> = Vec::new();
    if let Some(root) = &req.root {
        components.push(local_resolved(root, true));
    }
    let mut ids: BTreeSet<ComponentId> = BTreeSet::new();
    for (pkg, version) in chosen {
        let id = ComponentId::new(pkg.name().clone(), version.clone());
        if !ids.insert(id.clone()) {
            continue;
        }
        let resolved = if let Some(local) = req.locals.get(&id.name) {
            local_resolved(local, false)
        } else {
            let loaded = registry.load(&id.name, &id.version)?;
            if let Some(locked) = req.lock.and_then(|l| l.get(&id))
                && locked.digest != loaded.digest
            {
                return Err(ResolveError::LockDigestMismatch {
                    id,
                    path: loaded.path,
                    locked: locked.digest,
                    actual: loaded.digest,
                });
            }
            Resolved {
                summary: registry.summary(&id.name, &id.version)?,
                id,
                root: false,
                member: false,
                source: loaded.source,
                path: loaded.path,
                digest: loaded.digest,
                bytes: loaded.bytes,
                imports: Vec::new(),
            }
        };
        components.push(resolved);
    }
    for c in &mut components {
        c.member = member_names.contains(&c.id.name);
    }
    Ok(components)
}

/// Wires every import of `components` to the selected provider's export, recording it in
/// each component's `imports`. Returns the edges importer -> provider, for the cycle check,
/// or every import that cannot be wired.
pub(super) fn wire(
    provider: &Provider,
    chosen: &BTreeMap<Pkg, Version>,
    components: &mut [Resolved],
) -> Result<Vec<(ComponentId, ComponentId)>, ResolveError> {
    let version_of = |pkg: &Pkg| chosen.get(pkg).cloned();
    let mut problems = Vec::new();
    let mut bare_hint: Option<String> = None;
    let mut bare_import_hint = false;
    let mut missing_export = false;
    let mut edges: Vec<(ComponentId, ComponentId)> = Vec::new();
    let summaries: BTreeMap<ComponentId, Arc<ComponentSummary>> = components
        .iter()
        .map(|c| (c.id.clone(), c.summary.clone()))
        .collect();
    for c in components.iter_mut() {
        let mut imports = Vec::new();
        for name in &c.summary.bare_imports {
            bare_import_hint = true;
            problems.push(Unsatisfied {
                importer: c.id.clone(),
                import: None,
                provider: None,
                message: format!(
                    "`{}` imports `{name}` at world level: components can only provide named interfaces, so nothing can satisfy it",
                    c.id
                ),
            });
        }
        for import in &c.summary.imports {
            if import.is_host() {
                imports.push(LockedImport {
                    name: import.clone(),
                    host: true,
                    provider: None,
                    export: None,
                });
                continue;
            }
            let target = provider.provider_for(&c.id.name, import)?;
            if target == c.id.name {
                edges.push((c.id.clone(), c.id.clone()));
                continue;
            }
            let (pkg, _) = provider.requirement(&target, import)?;
            let Some(version) = version_of(&pkg) else {
                problems.push(Unsatisfied {
                    importer: c.id.clone(),
                    import: Some(import.clone()),
                    provider: None,
                    message: format!(
                        "`{}` imports `{import}`, but no version of `{target}` was selected",
                        c.id
                    ),
                });
                continue;
            };
            let pid = ComponentId::new(target.clone(), version);
            let psummary = &summaries[&pid];
            match psummary.export_for(import) {
                Some(export) => {
                    edges.push((c.id.clone(), pid.clone()));
                    imports.push(LockedImport {
                        name: import.clone(),
                        host: false,
                        provider: Some(pid),
                        export: Some(export.clone()),
                    });
                }
                None => {
                    let other = psummary
                        .exports_unversioned(import)
                        .map(|e| format!(" (it exports `{e}`, which is not compatible)"))
                        .unwrap_or_default();
                    let bare = if psummary.bare_exports.is_empty() {
                        String::new()
                    } else {
                        let names: Vec<String> = psummary
                            .bare_exports
                            .iter()
                            .map(|b| format!("`{b}`"))
                            .collect();
                        bare_hint = Some(format!(
                            "only functions inside a named interface can be imported by other components; in `{}`'s WIT, move {} into `interface {} {{ ... }}` and export the interface: `world component {{ export {}; }}`",
                            pid.name,
                            names.join(", "),
                            import.interface(),
                            import.interface()
                        ));
                        format!(
                            " (it exports {} at world level, which only the host can call)",
                            names.join(", ")
                        )
                    };
                    missing_export = true;
                    problems.push(Unsatisfied {
                        importer: c.id.clone(),
                        import: Some(import.clone()),
                        provider: Some(pid.clone()),
                        message: format!(
                            "`{}` imports `{import}`, but its provider `{pid}` does not export it{other}{bare}",
                            c.id
                        ),
                    });
                }
            }
        }
        imports.sort_by(|a, b| a.name.cmp(&b.name));
        c.imports = imports;
    }
    if !problems.is_empty() {
        let mut hints = Vec::new();
        if let Some(h) = bare_hint {
            hints.push(h);
        } else if missing_export {
            hints.push("publish a provider version that exports the interface, or point `[wire]` in astc.toml at a component that does".to_string());
        }
        if bare_import_hint {
            hints.push("import functions through a named interface (`import acme:logger/api@1.0.0;`) so a component can provide them".to_string());
        }
        let help = Hints::of(hints);
        return Err(ResolveError::Unsatisfied { problems, help });
    }
    Ok(edges)
}

/// A warning for each declared dependency that no selected component is.
pub(super) fn unused_dependencies(req: &Request, components: &[Resolved]) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let used: BTreeSet<&PackageName> = components.iter().map(|c| &c.id.name).collect();
    for (name, dep) in &req.manifest.dependencies {
        if !used.contains(name) {
            let kind = match dep {
                Dependency::Path { .. } => "path dependency",
                Dependency::Registry { .. } => "dependency",
            };
            warnings.push(
                Warning::new(
                    "astc::warn::unused_dependency",
                    format!(
                        "{kind} `{name}` is declared in `{}` but no component imports its interfaces",
                        req.manifest.path.display()
                    ),
                )
                .component(name),
            );
        }
    }
    warnings
}

fn local_resolved(local: &LocalComponent, root: bool) -> Resolved {
    Resolved {
        id: ComponentId::new(local.name.clone(), local.version.clone()),
        root,
        member: false,
        source: SourceId::Path(local.label.clone()),
        path: local.path.clone(),
        digest: local.digest,
        bytes: local.bytes.clone(),
        summary: local.summary.clone(),
        imports: Vec::new(),
    }
}

/// The first cycle among `edges`, in a stable order, as `a -> b -> a`.
pub(super) fn find_cycle(
    components: &[Resolved],
    edges: &[(ComponentId, ComponentId)],
) -> Option<Vec<ComponentId>> {
    let mut ids: Vec<&ComponentId> = components.iter().map(|c| &c.id).collect();
    ids.sort();
    let index: BTreeMap<&ComponentId, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut graph = DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..ids.len()).map(|i| graph.add_node(i)).collect();
    let mut sorted_edges: Vec<(usize, usize)> =
        edges.iter().map(|(a, b)| (index[a], index[b])).collect();
    sorted_edges.sort();
    sorted_edges.dedup();
    for (a, b) in &sorted_edges {
        if a == b {
            return Some(vec![ids[*a].clone(), ids[*a].clone()]);
        }
        graph.add_edge(nodes[*a], nodes[*b], ());
    }
    let mut sccs: Vec<Vec<usize>> = petgraph::algo::tarjan_scc(&graph)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut v: Vec<usize> = scc.into_iter().map(|n| graph[n]).collect();
            v.sort();
            v
        })
        .collect();
    sccs.sort();
    let scc = sccs.first()?;
    // Walk from the smallest member along edges inside the component until we return.
    let inside: BTreeSet<usize> = scc.iter().copied().collect();
    let start = scc[0];
    let mut path = vec![start];
    let mut seen = BTreeSet::from([start]);
    let mut at = start;
    loop {
        let next = sorted_edges
            .iter()
            .filter(|(a, b)| *a == at && inside.contains(b))
            .map(|(_, b)| *b)
            .find(|b| *b == start || !seen.contains(b))?;
        path.push(next);
        if next == start {
            break;
        }
        seen.insert(next);
        at = next;
    }
    Some(path.into_iter().map(|i| ids[i].clone()).collect())
}
