//! The PubGrub provider: what the solver asks about components, answered from the manifest,
//! the lock, path dependencies and the sources.
//!
//! A solver package is a component within one compatibility class ([`Pkg`]); its
//! dependencies are the providers of its imports, chosen by `[wire]`, the `ns:pkg`
//! convention or the one declared dependency exporting the interface. The provider also
//! remembers which imports made one package need another, for the report.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use pubgrub::{
    Dependencies, DependencyProvider, Map, PackageResolutionStatistics, PubGrubError, Ranges,
};
use semver::Version;

use super::{Request, ResolveError, list, report};
use crate::name::{InterfaceName, PackageName};
use crate::registry::RegistryError;
use crate::source::ComponentSource;
use crate::summary::ComponentSummary;
use crate::version::{CompatClass, caret, class_range};
use crate::warning::Warning;

/// A solver package: a component within one compatibility class (`None` when the component
/// has no versions at all), or the root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Pkg {
    Root(PackageName),
    Component(PackageName, Option<CompatClass>),
}

impl Pkg {
    pub(super) fn name(&self) -> &PackageName {
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
pub(super) enum ProviderError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("ambiguous provider")]
    Ambiguous {
        importer: String,
        import: InterfaceName,
        candidates: Vec<PackageName>,
    },
}

/// Answers the solver from a [`Request`] and its sources, caching what it reads.
pub(super) struct Provider<'a> {
    pub(super) req: &'a Request<'a>,
    pub(super) registry: &'a dyn ComponentSource,
    locked: HashMap<(PackageName, CompatClass), Version>,
    candidates: RefCell<HashMap<PackageName, Rc<Vec<Version>>>>,
    providers: RefCell<HashMap<InterfaceName, PackageName>>,
    /// Which imports made one package depend on another, for explanations.
    pub(super) reasons: RefCell<BTreeMap<(Pkg, Pkg), BTreeSet<InterfaceName>>>,
    warnings: RefCell<BTreeSet<Warning>>,
}

impl<'a> Provider<'a> {
    pub(super) fn new(req: &'a Request<'a>, registry: &'a dyn ComponentSource) -> Self {
        let mut locked = HashMap::new();
        if let Some(lock) = req.lock {
            for c in lock.components.iter().filter(|c| req.unlock.keeps(&c.name)) {
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

    /// The warnings gathered while answering the solver, sorted.
    pub(super) fn into_warnings(self) -> Vec<Warning> {
        self.warnings.into_inner().into_iter().collect()
    }

    /// The versions of `name` the manifest allows, ascending.
    pub(super) fn candidates(&self, name: &PackageName) -> Result<Rc<Vec<Version>>, RegistryError> {
        if let Some(c) = self.candidates.borrow().get(name) {
            return Ok(c.clone());
        }
        let list = if let Some(local) = self.req.locals.get(name) {
            vec![local.version.clone()]
        } else {
            let req = self.req.manifest.requirement(name);
            let fits = |v: &Version| req.is_none_or(|r| r.matches(v));
            // A locked version that still fits needs no fresh listing (a remote registry's
            // cache knows it): only an unlocked or outdated one asks every source.
            let locked: Vec<&Version> = self
                .locked
                .iter()
                .filter(|((n, _), v)| n == name && fits(v))
                .map(|(_, v)| v)
                .collect();
            let cached = if locked.is_empty() {
                None
            } else {
                let cached = self.registry.cached_versions(name)?;
                locked.iter().all(|v| cached.contains(v)).then_some(cached)
            };
            let mut all = match cached {
                Some(c) => c,
                None => self.registry.versions(name)?,
            };
            all.retain(|v| fits(v));
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
    pub(super) fn provider_for(
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
    pub(super) fn requirement(
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

/// Runs PubGrub: the selected version of every component package, or why there is none.
pub(super) fn solve(provider: &Provider) -> Result<BTreeMap<Pkg, Version>, ResolveError> {
    let req = provider.req;
    let root = Pkg::Root(req.manifest.name.clone());
    let selected = match pubgrub::resolve(provider, root, req.manifest.version.clone()) {
        Ok(s) => s,
        Err(PubGrubError::NoSolution(tree)) => {
            return Err(report::explain(provider, &tree));
        }
        Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
        | Err(PubGrubError::ErrorChoosingVersion { source, .. })
        | Err(PubGrubError::ErrorInShouldCancel(source)) => return Err(source.into()),
    };
    let mut chosen: BTreeMap<Pkg, Version> = selected.into_iter().collect();
    chosen.retain(|p, _| matches!(p, Pkg::Component(..)));
    Ok(chosen)
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
