//! The report: PubGrub's derivation of why no versions fit, rendered as cargo renders
//! resolver failures: the chain of imports that conflict, the versions that exist, where they
//! were looked for, and what to do about it.

use std::collections::BTreeSet;

use pubgrub::{
    DefaultStringReporter, DerivationTree, External, Map, Ranges, ReportFormatter, Reporter, Term,
};
use semver::Version;

use super::ResolveError;
use super::provider::{Pkg, Provider};
use crate::diagnostic::Hints;
use crate::name::PackageName;
use crate::suggest;
use crate::version::display_range;

/// Turns PubGrub's derivation into a cargo-style explanation.
pub(super) fn explain(
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
                crate::diagnostic::quoted_list(&similar)
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
        help: Hints::of(help),
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
