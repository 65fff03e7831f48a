//! Type checking a resolved composition: every import against the export wired to it.
//!
//! The resolver wires by name and semver; this stage decodes every component's WIT and
//! compares each imported interface with the provider's export structurally (see
//! [`crate::typecheck`]). It reports every mismatch of every import in one error, each with
//! the importing component, the interface, the function and the path inside the type, and a
//! hint when the registry shows the provider broke the interface in a compatible-looking
//! release.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use astc_resolver::{
    ComponentId, ComponentSource, InterfaceName, Resolution, Version, Warning, version::CompatClass,
};
use wit_parser::{InterfaceId, WorldItem, WorldKey};

use astc_resolver::diagnostic::Hints;

use crate::capabilities::{HostProblem, check_host_import};
use crate::inspect::{InspectError, Inspected, inspect};
use crate::typecheck::{Mismatch, Side, compare_interfaces};

/// Why a composition does not type-check.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CheckError {
    /// Imports do not match the exports wired to them.
    #[error("{}", render(problems))]
    #[diagnostic(code(astc::check::mismatch))]
    Mismatch {
        /// One entry per mismatched import.
        problems: Vec<ImportProblem>,
        /// How to fix them.
        #[help]
        help: Option<Hints>,
    },
    /// A selected component could not be decoded.
    #[error("component `{id}` is not a valid component")]
    #[diagnostic(code(astc::check::invalid_component))]
    Invalid {
        /// The component.
        id: ComponentId,
        /// Why.
        #[source]
        source: InspectError,
    },
}

/// One import whose type does not match what satisfies it.
#[derive(Debug, Clone)]
pub struct ImportProblem {
    /// The importing component.
    pub importer: ComponentId,
    /// The import.
    pub import: InterfaceName,
    /// The providing component, or `None` for the runtime (a host import).
    pub provider: Option<ComponentId>,
    /// The export wired to it (for a host import: the runtime's interface), if any.
    pub export: Option<InterfaceName>,
    /// Every difference.
    pub mismatches: Vec<Mismatch>,
    /// A hint specific to this import.
    pub hint: Option<String>,
}

fn render(problems: &[ImportProblem]) -> String {
    let mut s = String::new();
    let count: usize = problems.iter().map(|p| p.mismatches.len().max(1)).sum();
    let _ = write!(
        s,
        "{count} problem{} with imports and what satisfies them",
        if count == 1 { "" } else { "s" }
    );
    for p in problems {
        match (&p.provider, &p.export) {
            (Some(provider), Some(export)) => {
                let _ = write!(
                    s,
                    "\n\nimport `{}` of `{}` does not match export `{}` of `{}`:",
                    p.import, p.importer, export, provider
                );
            }
            (None, Some(export)) => {
                let _ = write!(
                    s,
                    "\n\nimport `{}` of `{}` does not match the runtime's `{export}`:",
                    p.import, p.importer
                );
            }
            (_, None) => {
                let _ = write!(
                    s,
                    "\n\nimport `{}` of `{}` is not provided by the runtime",
                    p.import, p.importer
                );
            }
        }
        for m in &p.mismatches {
            let _ = write!(s, "\n  - {m}");
        }
        if let Some(h) = &p.hint {
            let _ = write!(s, "\n  note: {h}");
        }
    }
    s
}

/// The decoded components of a resolution, by id.
pub struct Decoded {
    components: BTreeMap<ComponentId, Arc<Inspected>>,
}

impl Decoded {
    /// Decodes every component of `resolution`.
    pub fn new(resolution: &Resolution) -> Result<Self, CheckError> {
        let mut components = BTreeMap::new();
        for c in &resolution.components {
            let inspected = crate::component_cache::Cache::global()
                .get(&c.bytes, c.digest)
                .and_then(|e| e.inspected())
                .map_err(|source| CheckError::Invalid {
                    id: c.id.clone(),
                    source,
                })?;
            components.insert(c.id.clone(), Arc::new(inspected));
        }
        Ok(Decoded { components })
    }

    /// The decoded component `id`.
    pub fn get(&self, id: &ComponentId) -> Option<&Arc<Inspected>> {
        self.components.get(id)
    }
}

/// Finds the interface `name` among a world's imports or exports.
pub fn find_interface(c: &Inspected, name: &InterfaceName, exports: bool) -> Option<InterfaceId> {
    let w = &c.resolve.worlds[c.world];
    let items = if exports { &w.exports } else { &w.imports };
    let want = name.to_string();
    items.iter().find_map(|(k, item)| match (k, item) {
        (WorldKey::Interface(id), WorldItem::Interface { .. })
            if c.resolve.id_of(*id).as_deref() == Some(want.as_str()) =>
        {
            Some(*id)
        }
        _ => None,
    })
}

/// Type-checks every wired import of `resolution`, and every host import against what the
/// runner provides. `registry` is consulted for hints only. Returns warnings: WASI imports
/// the runner cannot provide are not errors, since the output may run on another host.
pub fn check(
    resolution: &Resolution,
    decoded: &Decoded,
    registry: &dyn ComponentSource,
) -> Result<Vec<Warning>, CheckError> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for c in &resolution.components {
        let importer = &decoded.components[&c.id];
        for wire in &c.imports {
            if wire.host {
                let Some(iface) = find_interface(importer, &wire.name, false) else {
                    continue;
                };
                match check_host_import(&wire.name, &importer.resolve, iface) {
                    Ok(()) => {}
                    Err(HostProblem::Unavailable(hint))
                        if wire.name.package().namespace() == "wasi" =>
                    {
                        warnings.push(
                            Warning::new(
                                "astc::warn::host_import_unavailable",
                                format!(
                                    "`{}` imports `{}`, which `astc run` cannot provide ({hint}); the output needs a host that does",
                                    c.id, wire.name
                                ),
                            )
                            .component(&c.id)
                            .interface(&wire.name),
                        );
                    }
                    Err(HostProblem::Unavailable(hint)) => problems.push(ImportProblem {
                        importer: c.id.clone(),
                        import: wire.name.clone(),
                        provider: None,
                        export: None,
                        mismatches: Vec::new(),
                        hint: Some(hint),
                    }),
                    Err(HostProblem::Mismatch {
                        provided,
                        mismatches,
                    }) => problems.push(ImportProblem {
                        importer: c.id.clone(),
                        import: wire.name.clone(),
                        provider: None,
                        export: Some(provided),
                        mismatches,
                        hint: None,
                    }),
                }
                continue;
            }
            let (Some(provider_id), Some(export)) = (&wire.provider, &wire.export) else {
                continue;
            };
            let provider = &decoded.components[provider_id];
            let (Some(ia), Some(ib)) = (
                find_interface(importer, &wire.name, false),
                find_interface(provider, export, true),
            ) else {
                continue;
            };
            let mismatches = compare_interfaces(
                Side {
                    resolve: &importer.resolve,
                    interface: ia,
                },
                Side {
                    resolve: &provider.resolve,
                    interface: ib,
                },
            );
            if mismatches.is_empty() {
                continue;
            }
            let hint = breaking_release_hint(importer, &wire.name, provider_id, registry);
            problems.push(ImportProblem {
                importer: c.id.clone(),
                import: wire.name.clone(),
                provider: Some(provider_id.clone()),
                export: Some(export.clone()),
                mismatches,
                hint,
            });
        }
    }
    if problems.is_empty() {
        return Ok(warnings);
    }
    let mut help = Vec::new();
    if problems.iter().any(|p| p.provider.is_some()) {
        help.push("make the provider export exactly the types the importer was built against: rebuild the importer against the provider's WIT, or select a provider version whose interface matches");
    }
    if problems.iter().any(|p| p.provider.is_none()) {
        help.push("build host imports against the host WIT astc provides (`astc inspect` a component to see what it imports; the asterai host API is documented in docs/reference.md)");
    }
    Err(CheckError::Mismatch {
        problems,
        help: Hints::of(help.into_iter().map(String::from).collect()),
    })
}

/// When the importer was built against version X of the provider's interface and the
/// provider's own X release still matches, the provider broke compatibility within its
/// series: say so and suggest pinning X.
fn breaking_release_hint(
    importer: &Inspected,
    import: &InterfaceName,
    provider: &ComponentId,
    registry: &dyn ComponentSource,
) -> Option<String> {
    let built_against: &Version = import.version()?;
    if &provider.version == built_against
        || CompatClass::of(&provider.version) != CompatClass::of(built_against)
    {
        return None;
    }
    let older = registry.load(&provider.name, built_against).ok()?;
    let older = inspect(&older.bytes).ok()?;
    let ia = find_interface(importer, import, false)?;
    let ib = older
        .summary
        .export_for(import)
        .and_then(|e| find_interface(&older, e, true))?;
    let still_matches = compare_interfaces(
        Side {
            resolve: &importer.resolve,
            interface: ia,
        },
        Side {
            resolve: &older.resolve,
            interface: ib,
        },
    )
    .is_empty();
    still_matches.then(|| {
        format!(
            "`{}` {built_against} matches, so {} changed `{}` incompatibly in a release that semver says is compatible; pin `\"{}\" = \"={built_against}\"` in [dependencies] and ask its publisher to release the change as a new major version",
            provider.name,
            provider.version,
            import.unversioned(),
            provider.name
        )
    })
}
