//! Resolution: from the root component's imports to the set of components to compose and the
//! wiring between them.
//!
//! # The problem
//!
//! Every import of a named interface `ns:pkg/iface@X.Y.Z` (other than host imports, `wasi:*`
//! and `asterai:host*`) needs a provider. By convention that is the component `ns:pkg`, at a
//! version semver-compatible with X.Y.Z; `[wire]` in the manifest, or a declared dependency
//! that exports the interface, can name another component. Each selected component brings its
//! own imports, transitively. Among the versions that satisfy every requirement the highest
//! wins, unless the lock pins one that still does.
//!
//! # How it is solved
//!
//! With PubGrub. A solver package is a component *and a compatibility class* (`acme:greeter`
//! 1.x, `acme:greeter` 0.3.x, ...): versions within a class can replace each other, so
//! requirements on one class meet in one shared version (a diamond needing ^1.1 and ^1.3 gets
//! one 1.x >= 1.3), while imports of different classes select separate versions side by side.
//! When nothing satisfies, PubGrub's derivation is rendered as the chain of imports that
//! conflict, with the versions that exist.
//!
//! Cycles are legal for PubGrub but not for instantiation, so they are checked on the result.
//!
//! # Modules
//!
//! The work follows pubgrub's own split: `provider` answers the solver's questions
//! (versions, dependencies, which component provides an interface), `wiring` turns the
//! selected versions into components whose every import names an export, and `report`
//! renders a failed derivation as the chain of imports that conflict. This module holds the
//! types they share and runs the three in order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use semver::Version;

use crate::diagnostic::Hints;
use crate::digest::Digest;
use crate::lockfile::{FORMAT_VERSION, LockedComponent, LockedImport, Lockfile};
use crate::manifest::Manifest;
use crate::name::{ComponentId, InterfaceName, PackageName};
use crate::registry::RegistryError;
use crate::source::{ComponentSource, SourceId};
use crate::summary::ComponentSummary;
use crate::warning::Warning;

mod provider;
mod report;
mod wiring;

/// A component read from a local file: the root, or a path dependency.
#[derive(Debug, Clone)]
pub struct LocalComponent {
    /// Its name.
    pub name: PackageName,
    /// Its version.
    pub version: Version,
    /// The path as the lock records it: relative to the manifest, with `/`.
    pub label: String,
    /// Where to read it.
    pub path: PathBuf,
    /// The digest of its bytes.
    pub digest: Digest,
    /// Its bytes.
    pub bytes: Arc<[u8]>,
    /// Its imports and exports.
    pub summary: Arc<ComponentSummary>,
}

/// Everything resolution starts from.
pub struct Request<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// The root component (none for an asterai environment).
    pub root: Option<LocalComponent>,
    /// Path dependencies, by name.
    pub locals: BTreeMap<PackageName, LocalComponent>,
    /// The existing lock, whose versions are kept while they still fit, except those
    /// `unlock` releases. Its digests are checked for every version chosen again.
    pub lock: Option<&'a Lockfile>,
    /// Which locked versions stop being preferred.
    pub unlock: Unlock,
}

/// Which components may move away from their locked version: the one knob between
/// `astc lock` (nothing) and `astc update` (everything, or the named components).
///
/// A released component takes the highest version that fits, as if it were not locked; what
/// it newly needs is resolved as usual, and every other locked version stays preferred while
/// it still fits (cargo's partial unlock). The lock's digests are still checked for versions
/// chosen again, released or not: a published version is immutable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Unlock {
    /// Keep every locked version that still fits.
    #[default]
    Nothing,
    /// Release these components.
    Only(BTreeSet<PackageName>),
    /// Release every component.
    All,
}

impl Unlock {
    /// Whether `name`'s locked version is still preferred.
    pub fn keeps(&self, name: &PackageName) -> bool {
        match self {
            Unlock::Nothing => true,
            Unlock::Only(names) => !names.contains(name),
            Unlock::All => false,
        }
    }
}

/// The result: every selected component with its wiring, sorted by id.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// Selected components, sorted by name and version.
    pub components: Vec<Resolved>,
    /// Things worth telling the user that do not stop the build.
    pub warnings: Vec<Warning>,
}

/// One selected component.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Name and version.
    pub id: ComponentId,
    /// Whether it is the manifest's root.
    pub root: bool,
    /// Whether it is a member of the composition in its own right.
    pub member: bool,
    /// Where it comes from, as the lock records it.
    pub source: SourceId,
    /// The file it was read from.
    pub path: PathBuf,
    /// The digest of its bytes.
    pub digest: Digest,
    /// Its bytes.
    pub bytes: Arc<[u8]>,
    /// Its imports and exports.
    pub summary: Arc<ComponentSummary>,
    /// How each import is satisfied, sorted by import name.
    pub imports: Vec<LockedImport>,
}

impl Resolution {
    /// The lock that records this resolution.
    pub fn to_lock(&self) -> Lockfile {
        Lockfile {
            version: FORMAT_VERSION,
            components: self
                .components
                .iter()
                .map(|c| LockedComponent {
                    name: c.id.name.clone(),
                    version: c.id.version.clone(),
                    root: c.root,
                    member: c.member,
                    source: c.source.clone(),
                    digest: c.digest,
                    imports: c.imports.clone(),
                })
                .collect(),
        }
    }

    /// The selected component `id`.
    pub fn get(&self, id: &ComponentId) -> Option<&Resolved> {
        self.components.iter().find(|c| &c.id == id)
    }

    /// The root component, if the manifest has one.
    pub fn root(&self) -> Option<&Resolved> {
        self.components.iter().find(|c| c.root)
    }
}

/// Why resolution failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ResolveError {
    /// No set of versions satisfies every import and requirement.
    #[error("failed to select component versions\n\n{report}")]
    #[diagnostic(code(astc::resolve::no_solution))]
    NoSolution {
        /// The explanation: which imports conflict and which versions exist.
        report: String,
        /// How to fix it.
        #[help]
        help: Option<Hints>,
    },
    /// Several components could provide an interface and nothing says which.
    #[error(
        "import `{import}` of `{importer}` could be provided by {}",
        list(candidates)
    )]
    #[diagnostic(
        code(astc::resolve::ambiguous_provider),
        help("choose one in astc.toml:\n  [wire]\n  \"{}\" = \"{}\"", import.unversioned(), candidates[0])
    )]
    Ambiguous {
        /// The component importing it.
        importer: String,
        /// The import.
        import: InterfaceName,
        /// The components that export it.
        candidates: Vec<PackageName>,
    },
    /// Selected components import each other in a cycle.
    #[error("components import each other in a cycle: {}", cycle.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" -> "))]
    #[diagnostic(
        code(astc::resolve::cycle),
        help(
            "a component cannot be instantiated before its own provider; move the shared interface into a component both can import"
        )
    )]
    Cycle {
        /// The cycle, first component repeated at the end.
        cycle: Vec<ComponentId>,
    },
    /// Some imports cannot be wired to the selected providers.
    #[error("{} unsatisfied import{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, problems.iter().map(|p| format!("  - {}", p.message)).collect::<Vec<_>>().join("\n"))]
    #[diagnostic(code(astc::resolve::unsatisfied_import))]
    Unsatisfied {
        /// One entry per import.
        problems: Vec<Unsatisfied>,
        /// How to fix them.
        #[help]
        help: Option<Hints>,
    },
    /// A registry component's bytes differ from what the lock recorded.
    #[error(
        "`{id}` does not match astc.lock: the lock records {locked}, `{}` has {actual}",
        path.display()
    )]
    #[diagnostic(
        code(astc::resolve::lock_digest_mismatch),
        help(
            "published versions are immutable, so the registry file was replaced or republished; restore it, or if you trust the new bytes delete this component's entry from astc.lock and run `astc lock`"
        )
    )]
    LockDigestMismatch {
        /// The component.
        id: ComponentId,
        /// The file.
        path: PathBuf,
        /// The digest in the lock.
        locked: Digest,
        /// The digest of the file.
        actual: Digest,
    },
    /// A registry could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Registry(#[from] RegistryError),
}

/// An import that cannot be wired.
#[derive(Debug, Clone)]
pub struct Unsatisfied {
    /// The importing component.
    pub importer: ComponentId,
    /// The import, when it is a named interface.
    pub import: Option<InterfaceName>,
    /// The component selected to provide it, if any.
    pub provider: Option<ComponentId>,
    /// What is wrong.
    pub message: String,
}

pub(crate) fn list(names: &[PackageName]) -> String {
    crate::diagnostic::quoted_list(names)
}

/// Resolves `req` against `registry`: selects versions, loads the selected components,
/// wires every import, then checks that they can be instantiated in some order.
pub fn resolve(req: &Request, registry: &dyn ComponentSource) -> Result<Resolution, ResolveError> {
    let provider = provider::Provider::new(req, registry);
    let chosen = provider::solve(&provider)?;
    let mut components = wiring::load(req, registry, &chosen)?;
    let edges = wiring::wire(&provider, &chosen, &mut components)?;
    if let Some(cycle) = wiring::find_cycle(&components, &edges) {
        return Err(ResolveError::Cycle { cycle });
    }
    components.sort_by(|a, b| a.id.cmp(&b.id));
    let mut warnings = provider.into_warnings();
    warnings.extend(wiring::unused_dependencies(req, &components));
    Ok(Resolution {
        components,
        warnings,
    })
}
