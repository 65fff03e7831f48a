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

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use petgraph::graph::DiGraph;
use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyProvider, DerivationTree, External, Map,
    PackageResolutionStatistics, PubGrubError, Ranges, ReportFormatter, Reporter, Term,
};
use semver::Version;

use crate::digest::Digest;
use crate::lockfile::{FORMAT_VERSION, LockedComponent, LockedImport, LockedSource, Lockfile};
use crate::manifest::{Dependency, Manifest};
use crate::name::{ComponentId, InterfaceName, PackageName};
use crate::registry::{ComponentSource, Origin, RegistryError};
use crate::suggest;
use crate::summary::ComponentSummary;
use crate::version::{CompatClass, caret, class_range, display_range};
use crate::warning::Warning;

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
    /// The existing lock, whose versions are kept while they still fit.
    pub lock: Option<&'a Lockfile>,
    /// The registry directory as the lock records it.
    pub registry_label: String,
    /// The asterai store as the lock records it, if one is used.
    pub asterai_label: Option<String>,
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
    pub source: LockedSource,
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
        help: Option<String>,
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
        help: Option<String>,
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

fn list(names: &[PackageName]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A solver package: a component within one compatibility class (`None` when the component
/// has no versions at all), or the root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Pkg {
    Root(PackageName),
    Component(PackageName, Option<CompatClass>),
}

impl Pkg {
    fn name(&self) -> &PackageName {
        match self {
            Pkg::Root(n) | Pkg::Component(n, _) => n,
        }
    }
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())
    }
}

/// Errors raised inside the solver's callbacks.
#[derive(Debug, thiserror::Error)]
enum ProviderError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("ambiguous provider")]
    Ambiguous {
        importer: String,
        import: InterfaceName,
        candidates: Vec<PackageName>,
    },
}

struct Provider<'a> {
    req: &'a Request<'a>,
    registry: &'a dyn ComponentSource,
    locked: HashMap<(PackageName, CompatClass), Version>,
    candidates: RefCell<HashMap<PackageName, Rc<Vec<Version>>>>,
    providers: RefCell<HashMap<InterfaceName, PackageName>>,
    /// Which imports made one package depend on another, for explanations.
    reasons: RefCell<BTreeMap<(Pkg, Pkg), BTreeSet<InterfaceName>>>,
    warnings: RefCell<BTreeSet<Warning>>,
}

impl<'a> Provider<'a> {
    fn new(req: &'a Request<'a>, registry: &'a dyn ComponentSource) -> Self {
        let mut locked = HashMap::new();
        if let Some(lock) = req.lock {
            for c in &lock.components {
                locked.insert(
                    (c.name.clone(), CompatClass::of(&c.version)),
                    c.version.clone(),
                );
            }
        }
        Provider {
            req,
            registry,
            locked,
            candidates: RefCell::default(),
            providers: RefCell::default(),
            reasons: RefCell::default(),
            warnings: RefCell::default(),
        }
    }

    /// The versions of `name` the manifest allows, ascending.
    fn candidates(&self, name: &PackageName) -> Result<Rc<Vec<Version>>, RegistryError> {
        if let Some(c) = self.candidates.borrow().get(name) {
            return Ok(c.clone());
        }
        let list = if let Some(local) = self.req.locals.get(name) {
            vec![local.version.clone()]
        } else {
            let mut all = self.registry.versions(name)?;
            if let Some(req) = self.req.manifest.requirement(name) {
                all.retain(|v| req.matches(v));
            }
            all
        };
        let list = Rc::new(list);
        self.candidates
            .borrow_mut()
            .insert(name.clone(), list.clone());
        Ok(list)
    }

    fn summary_of(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Arc<ComponentSummary>, RegistryError> {
        match self.req.locals.get(name) {
            Some(local) => Ok(local.summary.clone()),
            None => self.registry.summary(name, version),
        }
    }

    /// Whether declared dependency `name` exports `import`'s interface (any version).
    fn declared_exports(
        &self,
        name: &PackageName,
        import: &InterfaceName,
    ) -> Result<bool, RegistryError> {
        if let Some(local) = self.req.locals.get(name) {
            return Ok(local.summary.exports_unversioned(import).is_some());
        }
        match self.candidates(name)?.last() {
            Some(v) => Ok(self
                .registry
                .summary(name, v)?
                .exports_unversioned(import)
                .is_some()),
            None => Ok(false),
        }
    }

    /// The component that provides `import`: `[wire]`, else the `ns:pkg` convention when that
    /// component exists, else the one declared dependency exporting it.
    fn provider_for(
        &self,
        importer: &PackageName,
        import: &InterfaceName,
    ) -> Result<PackageName, ProviderError> {
        if let Some(p) = self.providers.borrow().get(import) {
            return Ok(p.clone());
        }
        let manifest = self.req.manifest;
        let own = import.package();
        let mut declared = Vec::new();
        for name in manifest.dependencies.keys() {
            if name != own && self.declared_exports(name, import)? {
                declared.push(name.clone());
            }
        }
        let chosen = if let Some(p) = manifest.wired_provider(import) {
            p.clone()
        } else if manifest.dependencies.contains_key(own)
            || self.req.locals.contains_key(own)
            || !self.candidates(own)?.is_empty()
        {
            if !declared.is_empty() {
                self.warnings.borrow_mut().insert(
                    Warning::new(
                        "astc::warn::convention",
                        format!(
                            "`{}` is provided by `{own}` by convention, although {} also export{} it; add a `[wire]` entry to choose another",
                            import.unversioned(),
                            list(&declared),
                            if declared.len() == 1 { "s" } else { "" }
                        ),
                    )
                    .component(own)
                    .interface(import),
                );
            }
            own.clone()
        } else if declared.len() > 1 {
            return Err(ProviderError::Ambiguous {
                importer: importer.to_string(),
                import: import.clone(),
                candidates: declared,
            });
        } else {
            declared.pop().unwrap_or_else(|| own.clone())
        };
        self.providers
            .borrow_mut()
            .insert(import.clone(), chosen.clone());
        Ok(chosen)
    }

    /// The solver package and range that `import`, provided by `target`, requires.
    fn requirement(
        &self,
        target: &PackageName,
        import: &InterfaceName,
    ) -> Result<(Pkg, Ranges<Version>), RegistryError> {
        if target == import.package()
            && let Some(v) = import.version()
        {
            return Ok((
                Pkg::Component(target.clone(), Some(CompatClass::of(v))),
                caret(v),
            ));
        }
        // Another component provides the interface, so its own version is unrelated to the
        // interface's: take its newest class the manifest allows.
        match self.candidates(target)?.last() {
            Some(v) => {
                let class = CompatClass::of(v);
                let range = class_range(&class);
                Ok((Pkg::Component(target.clone(), Some(class)), range))
            }
            None => Ok((Pkg::Component(target.clone(), None), Ranges::full())),
        }
    }

    fn dependencies_of(
        &self,
        pkg: &Pkg,
        summary: &ComponentSummary,
        members: &[PackageName],
    ) -> Result<Map<Pkg, Ranges<Version>>, ProviderError> {
        let importer = pkg.name();
        let mut deps: Map<Pkg, Ranges<Version>> = Map::default();
        let mut add = |dep: Pkg, range: Ranges<Version>, why: Option<&InterfaceName>| {
            if let Some(why) = why {
                self.reasons
                    .borrow_mut()
                    .entry((pkg.clone(), dep.clone()))
                    .or_default()
                    .insert(why.clone());
            }
            let merged = match deps.get(&dep) {
                Some(r) => r.intersection(&range),
                None => range,
            };
            deps.insert(dep, merged);
        };
        for import in &summary.imports {
            if import.is_host() {
                continue;
            }
            let target = self.provider_for(importer, import)?;
            if &target == importer {
                // A component importing its own interface: reported as a cycle of one once
                // the selection is wired.
                continue;
            }
            let (dep, range) = self.requirement(&target, import)?;
            add(dep, range, Some(import));
        }
        for member in members {
            let (dep, range) = match self.candidates(member)?.last() {
                Some(v) => (
                    Pkg::Component(member.clone(), Some(CompatClass::of(v))),
                    Ranges::singleton(v.clone()),
                ),
                None => (Pkg::Component(member.clone(), None), Ranges::full()),
            };
            add(dep, range, None);
        }
        Ok(deps)
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Pkg;
    type V = Version;
    type VS = Ranges<Version>;
    type M = String;
    type Err = ProviderError;
    type Priority = (u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        // Decide the most contested packages first, then those with the fewest choices.
        let choices = match package {
            Pkg::Root(_) => 0,
            Pkg::Component(name, _) => self
                .candidates(name)
                .map(|c| c.iter().filter(|v| range.contains(*v)).count())
                .unwrap_or(0),
        };
        (stats.conflict_count(), Reverse(choices))
    }

    fn choose_version(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, ProviderError> {
        let (name, class) = match package {
            Pkg::Root(_) => return Ok(Some(self.req.manifest.version.clone())),
            Pkg::Component(_, None) => return Ok(None),
            Pkg::Component(name, Some(class)) => (name, class),
        };
        let candidates = self.candidates(name)?;
        let fits = |v: &Version| class.contains(v) && range.contains(v);
        if let Some(v) = self.locked.get(&(name.clone(), class.clone()))
            && fits(v)
            && candidates.binary_search(v).is_ok()
        {
            return Ok(Some(v.clone()));
        }
        Ok(candidates.iter().rev().find(|v| fits(v)).cloned())
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Ranges<Version>, String>, ProviderError> {
        let deps = match package {
            Pkg::Root(_) => {
                let empty = ComponentSummary::default();
                let summary = self.req.root.as_ref().map_or(&empty, |r| &r.summary);
                self.dependencies_of(package, summary, &self.req.manifest.members)?
            }
            Pkg::Component(name, _) => {
                let summary = self.summary_of(name, version)?;
                self.dependencies_of(package, &summary, &[])?
            }
        };
        Ok(Dependencies::Available(deps))
    }
}

/// Resolves `req` against `registry`.
pub fn resolve(req: &Request, registry: &dyn ComponentSource) -> Result<Resolution, ResolveError> {
    let provider = Provider::new(req, registry);
    let root = Pkg::Root(req.manifest.name.clone());
    let selected = match pubgrub::resolve(&provider, root, req.manifest.version.clone()) {
        Ok(s) => s,
        Err(PubGrubError::NoSolution(tree)) => {
            return Err(explain(&provider, &tree));
        }
        Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
        | Err(PubGrubError::ErrorChoosingVersion { source, .. })
        | Err(PubGrubError::ErrorInShouldCancel(source)) => return Err(source.into()),
    };

    // Selected versions, by solver package.
    let mut chosen: BTreeMap<Pkg, Version> = selected.into_iter().collect();
    chosen.retain(|p, _| matches!(p, Pkg::Component(..)));
    let member_names: BTreeSet<&PackageName> = req.manifest.members.iter().collect();

    let mut components: Vec<Resolved> = Vec::new();
    if let Some(root) = &req.root {
        components.push(local_resolved(root, true));
    }
    let mut ids: BTreeSet<ComponentId> = BTreeSet::new();
    for (pkg, version) in &chosen {
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
            let source = match &loaded.origin {
                Origin::Registry(_) => LockedSource::Registry(req.registry_label.clone()),
                Origin::AsteraiStore(_) => {
                    LockedSource::AsteraiStore(req.asterai_label.clone().unwrap_or_default())
                }
            };
            Resolved {
                summary: registry.summary(&id.name, &id.version)?,
                id,
                root: false,
                member: false,
                source,
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

    // Wire every import to the selected provider's export.
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
    for c in &mut components {
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
        let help = Some(hints.join("\nhelp: "));
        return Err(ResolveError::Unsatisfied { problems, help });
    }

    if let Some(cycle) = find_cycle(&components, &edges) {
        return Err(ResolveError::Cycle { cycle });
    }

    components.sort_by(|a, b| a.id.cmp(&b.id));
    let mut warnings: Vec<Warning> = provider.warnings.into_inner().into_iter().collect();
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
    Ok(Resolution {
        components,
        warnings,
    })
}

fn local_resolved(local: &LocalComponent, root: bool) -> Resolved {
    Resolved {
        id: ComponentId::new(local.name.clone(), local.version.clone()),
        root,
        member: false,
        source: LockedSource::Path(local.label.clone()),
        path: local.path.clone(),
        digest: local.digest,
        bytes: local.bytes.clone(),
        summary: local.summary.clone(),
        imports: Vec::new(),
    }
}

/// The first cycle among `edges`, in a stable order, as `a -> b -> a`.
fn find_cycle(
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

/// Turns PubGrub's derivation into a cargo-style explanation.
fn explain(
    provider: &Provider,
    tree: &DerivationTree<Pkg, Ranges<Version>, String>,
) -> ResolveError {
    let formatter = Formatter { provider };
    let report = DefaultStringReporter::report_with_formatter(tree, &formatter);

    // Help: similar names for components that do not exist.
    let mut missing: BTreeSet<PackageName> = BTreeSet::new();
    collect_missing(provider, tree, &mut missing);
    let mut help = Vec::new();
    let names = provider.registry.names().unwrap_or_default();
    for name in &missing {
        let similar = suggest::similar(
            &name.to_string(),
            names
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .iter()
                .map(|s| s.as_str()),
            3,
        );
        if similar.is_empty() {
            help.push(format!(
                "publish `{name}` with `astc publish FILE.wasm --name {name} --version X.Y.Z`, or provide it with a path dependency"
            ));
        } else {
            help.push(format!(
                "components with similar names: {}",
                similar
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if missing.is_empty() {
        help.push(
            "publish a version that satisfies every import, or change the interface versions the components import"
                .into(),
        );
    }
    let report = format!(
        "{}\n\nlocation searched: {}",
        capitalize_lines(&report),
        provider.registry.location()
    );
    ResolveError::NoSolution {
        report,
        help: Some(help.join("\nhelp: ")),
    }
}

fn collect_missing(
    provider: &Provider,
    tree: &DerivationTree<Pkg, Ranges<Version>, String>,
    out: &mut BTreeSet<PackageName>,
) {
    match tree {
        DerivationTree::External(External::NoVersions(Pkg::Component(name, _), _)) => {
            if provider.candidates(name).is_ok_and(|c| c.is_empty())
                && provider.registry.versions(name).is_ok_and(|v| v.is_empty())
            {
                out.insert(name.clone());
            }
        }
        DerivationTree::External(_) => {}
        DerivationTree::Derived(d) => {
            collect_missing(provider, &d.cause1, out);
            collect_missing(provider, &d.cause2, out);
        }
    }
}

fn capitalize_lines(report: &str) -> String {
    report
        .lines()
        .map(|l| {
            let mut c = l.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

struct Formatter<'a, 'b> {
    provider: &'a Provider<'b>,
}

impl Formatter<'_, '_> {
    fn pkg_at(&self, pkg: &Pkg, range: &Ranges<Version>) -> String {
        match pkg {
            Pkg::Root(name) => format!("`{name}`"),
            Pkg::Component(name, _) => {
                // A range that holds a single existing version reads better as that version.
                let existing: Vec<Version> = self
                    .provider
                    .candidates(name)
                    .map(|c| c.iter().filter(|v| range.contains(*v)).cloned().collect())
                    .unwrap_or_default();
                match (range.as_singleton(), existing.as_slice()) {
                    (Some(v), _) | (None, [v]) => format!("`{name}` {v}"),
                    _ => format!("`{name}` {}", display_range(range)),
                }
            }
        }
    }

    fn why(&self, from: &Pkg, to: &Pkg) -> String {
        let reasons = self.provider.reasons.borrow();
        match reasons.get(&(from.clone(), to.clone())) {
            Some(imports) if !imports.is_empty() => {
                let mut names: Vec<String> = imports.iter().map(|i| format!("`{i}`")).collect();
                if names.len() > 2 {
                    let more = names.len() - 2;
                    names.truncate(2);
                    names.push(format!("{more} more"));
                }
                format!(" (importing {})", names.join(", "))
            }
            _ => String::new(),
        }
    }

    fn available(&self, name: &PackageName) -> String {
        let all = self.provider.registry.versions(name).unwrap_or_default();
        if let Some(local) = self.provider.req.locals.get(name) {
            return format!(
                "the path dependency `{}` is version {}",
                local.label, local.version
            );
        }
        let mut s = if all.is_empty() {
            "none exist".to_string()
        } else {
            let shown: Vec<String> = all.iter().rev().take(8).map(|v| v.to_string()).collect();
            let more = if all.len() > 8 {
                format!(", and {} older", all.len() - 8)
            } else {
                String::new()
            };
            format!("available: {}{more}", shown.join(", "))
        };
        if let Some(req) = self.provider.req.manifest.requirement(name) {
            s.push_str(&format!("; astc.toml requires `{name}` {req}"));
        }
        s
    }
}

impl ReportFormatter<Pkg, Ranges<Version>, String> for Formatter<'_, '_> {
    type Output = String;

    fn format_external(&self, external: &External<Pkg, Ranges<Version>, String>) -> String {
        match external {
            External::NotRoot(p, _) => {
                format!("{} is being composed", self.pkg_at(p, &Ranges::full()))
            }
            External::NoVersions(Pkg::Component(name, class), range) => {
                let versions = self.provider.registry.versions(name).unwrap_or_default();
                let shown = display_range(range);
                if versions.is_empty() && !self.provider.req.locals.contains_key(name) {
                    format!("no component named `{name}` exists")
                } else if let Some(class) = class
                    && !(shown.starts_with(['^', '=', '*']))
                {
                    // A range PubGrub derived after ruling versions out: say so plainly.
                    format!(
                        "`{name}` has no other {class} version ({})",
                        self.available(name)
                    )
                } else {
                    format!(
                        "no version of `{name}` matches {} ({})",
                        display_range(range),
                        self.available(name)
                    )
                }
            }
            External::NoVersions(p, range) => format!("{} is unavailable", self.pkg_at(p, range)),
            External::FromDependencyOf(p, rp, d, rd) => format!(
                "{}{} needs {}",
                self.pkg_at(p, rp),
                self.why(p, d),
                self.pkg_at(d, rd)
            ),
            External::Custom(p, range, why) => {
                format!("{} is unavailable: {why}", self.pkg_at(p, range))
            }
        }
    }

    fn format_terms(&self, terms: &Map<Pkg, Term<Ranges<Version>>>) -> String {
        let mut terms: Vec<(&Pkg, &Term<Ranges<Version>>)> = terms.iter().collect();
        terms.sort_by(|a, b| a.0.cmp(b.0));
        match terms.as_slice() {
            [] => "the composition cannot be resolved".into(),
            [(Pkg::Root(name), Term::Positive(_))] => format!("`{name}` cannot be composed"),
            [(p, Term::Positive(r))] => format!("{} cannot be used", self.pkg_at(p, r)),
            [(p, Term::Negative(r))] => format!("{} is required", self.pkg_at(p, r)),
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))]
            | [(p2, Term::Negative(r2)), (p1, Term::Positive(r1))] => {
                format!("{} needs {}", self.pkg_at(p1, r1), self.pkg_at(p2, r2))
            }
            slice => {
                let parts: Vec<String> = slice
                    .iter()
                    .map(|(p, t)| match t {
                        Term::Positive(r) => self.pkg_at(p, r),
                        Term::Negative(r) => format!("not {}", self.pkg_at(p, r)),
                    })
                    .collect();
                format!("{} are incompatible", parts.join(", "))
            }
        }
    }

    fn explain_both_external(
        &self,
        e1: &External<Pkg, Ranges<Version>, String>,
        e2: &External<Pkg, Ranges<Version>, String>,
        terms: &Map<Pkg, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "because {} and {}, {}.",
            self.format_external(e1),
            self.format_external(e2),
            self.format_terms(terms)
        )
    }

    fn explain_both_ref(
        &self,
        id1: usize,
        d1: &pubgrub::Derived<Pkg, Ranges<Version>, String>,
        id2: usize,
        d2: &pubgrub::Derived<Pkg, Ranges<Version>, String>,
        terms: &Map<Pkg, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "because {} ({id1}) and {} ({id2}), {}.",
            self.format_terms(&d1.terms),
            self.format_terms(&d2.terms),
            self.format_terms(terms)
        )
    }

    fn explain_ref_and_external(
        &self,
        id: usize,
        d: &pubgrub::Derived<Pkg, Ranges<Version>, String>,
        e: &External<Pkg, Ranges<Version>, String>,
        terms: &Map<Pkg, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "because {} ({id}) and {}, {}.",
            self.format_terms(&d.terms),
            self.format_external(e),
            self.format_terms(terms)
        )
    }

    fn and_explain_external(
        &self,
        e: &External<Pkg, Ranges<Version>, String>,
        terms: &Map<Pkg, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "and because {}, {}.",
            self.format_external(e),
            self.format_terms(terms)
        )
    }

    fn and_explain_ref(
        &self,
        id: usize,
        d: &pubgrub::Derived<Pkg, Ranges<Version>, String>,
        terms: &Map<Pkg, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "and because {} ({id}), {}.",
            self.format_terms(&d.terms),
            self.format_terms(terms)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        prior: &External<Pkg, Ranges<Version>, String>,
        e: &External<Pkg, Ranges<Version>, String>,
        terms: &Map<Pkg, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "and because {} and {}, {}.",
            self.format_external(prior),
            self.format_external(e),
            self.format_terms(terms)
        )
    }
}

impl From<ProviderError> for ResolveError {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::Registry(e) => ResolveError::Registry(e),
            ProviderError::Ambiguous {
                importer,
                import,
                candidates,
            } => ResolveError::Ambiguous {
                importer,
                import,
                candidates,
            },
        }
    }
}
