//! The resolver against a brute-force solver, on random small registries.
//!
//! PubGrub is clever; a solver that tries every selection is obviously right. For random
//! registries (a few components, a few versions each including `0.x`, `0.0.x` and
//! pre-releases, imports between them, manifest requirements, imports of components that do
//! not exist) both are run and must agree:
//!
//! - astc finds a selection exactly when one exists, and what it finds is one of the
//!   selections brute force enumerates (every import satisfied within its compatibility
//!   class, one version per class, nothing selected that nothing imports);
//! - when one selection is at least as new as every other in every class they share, astc
//!   picks it ("the highest wins");
//! - any valid selection given as the lock is kept as it is ("unless the lock pins one that
//!   still does").
//!
//! Imports go from a component only to components after it, so there are no cycles (astc
//! rejects cycles after selection, which brute force need not model); a separate property
//! allows cycles and checks the weaker agreement that still holds.
//!
//! `PROPTEST_CASES` sets the number of cases (256 by default; `scripts/fuzz.sh` runs more).

#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use astc_resolver::lockfile::{FORMAT_VERSION, LockedComponent, Lockfile};
use astc_resolver::resolve::{LocalComponent, Request, Unlock, resolve};
use astc_resolver::version::CompatClass;
use astc_resolver::{
    ComponentSummary, Digest, InterfaceName, LockedSource, Manifest, MemoryRegistry, PackageName,
    Resolution, ResolveError, Version,
};
use proptest::prelude::*;

/// Versions published and imported: every compatibility class shape, pre-releases that sort
/// inside a major's range, and gaps so some imports match nothing.
const VERSIONS: &[&str] = &[
    "0.0.1",
    "0.0.2",
    "0.1.0",
    "0.1.1",
    "0.1.3",
    "0.2.0",
    "0.3.0-alpha",
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "1.2.0-rc.1",
    "1.2.0",
    "1.3.0",
    "2.0.0-alpha",
    "2.0.0",
    "2.1.0",
    "2.2.0",
];

/// Requirements the manifest may put on a component.
const REQS: &[&str] = &[
    "*",
    "^1.0",
    "^1.1",
    "~1.1",
    "<1.2.0",
    ">=0.1.0, <1.0.0",
    "=0.0.2",
    "^0.1",
    "^1.2.0-rc.1",
    ">=2.0.0-alpha",
    "=1.1.0",
];

/// Component `i`'s name; `i == n` is a component that was never published.
fn name(i: usize, n: usize) -> String {
    if i == n {
        "acme:ghost".into()
    } else {
        format!("acme:p{i}")
    }
}

/// An import of component `target`'s `api` interface, at `VERSIONS[want]` or unversioned.
#[derive(Debug, Clone)]
struct Import {
    target: usize,
    want: Option<usize>,
}

/// A generated problem.
#[derive(Debug, Clone)]
struct Case {
    /// Per component: its versions (indices into `VERSIONS`, sorted) and their imports.
    packages: Vec<Vec<(usize, Vec<Import>)>>,
    /// The root's imports.
    root: Vec<Import>,
    /// Per component (and the ghost): the manifest's requirement, an index into `REQS`.
    reqs: Vec<Option<usize>>,
    /// Picks which brute-force solution to pin in the lock.
    lock_pick: usize,
}

/// Raw import: target and version are chosen when the case is assembled, knowing what
/// exists, so that most imports can be satisfied and conflicts are likely.
type RawImport = (usize, Option<usize>);

fn raw_imports(min: usize, max: usize) -> impl Strategy<Value = Vec<RawImport>> {
    prop::collection::vec(
        (any::<usize>(), prop::option::weighted(0.9, any::<usize>())),
        min..=max,
    )
}

/// Turns a raw import into one: the ghost one time in 25, else a component in `targets`
/// (none if there is none); four times in five a version that `target` has, else any.
fn assemble(
    (t, w): RawImport,
    targets: std::ops::Range<usize>,
    n: usize,
    published: &[Vec<usize>],
) -> Option<Import> {
    let target = if t % 25 == 0 {
        n
    } else if targets.is_empty() {
        return None;
    } else {
        targets.start + (t / 25) % targets.len()
    };
    let want = w.map(|w| match published.get(target) {
        // Half of these the lowest in its class, so that newer versions compete.
        Some(vs) if w % 5 != 0 => {
            let pick = &VERSIONS[vs[(w / 10) % vs.len()]];
            let class = CompatClass::of(&Version::parse(pick).unwrap());
            let lowest = vs.iter().copied().find(|i| class.contains(&v(*i)));
            if w % 10 < 5 {
                lowest.unwrap()
            } else {
                vs[(w / 10) % vs.len()]
            }
        }
        _ => w % VERSIONS.len(),
    });
    Some(Import { target, want })
}

/// A case: `n` components; imports of component `i` go to components after it (or to the
/// ghost), or to any other component when `cycles`.
fn case(cycles: bool) -> impl Strategy<Value = Case> {
    (1usize..=4)
        .prop_flat_map(move |n| {
            // Versions from a window of six neighbours, which often share a class.
            let versions = prop::collection::vec(
                (
                    0..VERSIONS.len(),
                    prop::collection::btree_map(0..6usize, raw_imports(0, 2), 1..=5),
                ),
                n,
            );
            let reqs = prop::collection::vec(prop::option::weighted(0.25, 0..REQS.len()), n + 1);
            (Just(n), versions, raw_imports(1, 3), reqs, any::<usize>())
        })
        .prop_map(move |(n, versions, root, reqs, lock_pick)| {
            let versions: Vec<BTreeMap<usize, Vec<RawImport>>> = versions
                .into_iter()
                .map(|(start, vs)| {
                    vs.into_iter()
                        .map(|(k, imports)| ((start + k) % VERSIONS.len(), imports))
                        .collect()
                })
                .collect();
            let published: Vec<Vec<usize>> = versions
                .iter()
                .map(|vs| vs.keys().copied().collect())
                .collect();
            let packages = versions
                .into_iter()
                .enumerate()
                .map(|(i, vs)| {
                    vs.into_iter()
                        .map(|(v, imports)| {
                            let targets = if cycles { 0..n } else { i + 1..n };
                            let imports = imports
                                .into_iter()
                                .filter_map(|raw| assemble(raw, targets.clone(), n, &published))
                                // A component importing its own interface is a cycle of one.
                                .filter(|import| import.target != i)
                                .collect();
                            (v, imports)
                        })
                        .collect()
                })
                .collect();
            let root = root
                .into_iter()
                .filter_map(|raw| assemble(raw, 0..n, n, &published))
                .collect();
            Case {
                packages,
                root,
                reqs,
                lock_pick,
            }
        })
}

fn v(i: usize) -> Version {
    Version::parse(VERSIONS[i]).unwrap()
}

fn import_name(import: &Import, n: usize) -> InterfaceName {
    let s = match import.want {
        Some(w) => format!("{}/api@{}", name(import.target, n), VERSIONS[w]),
        None => format!("{}/api", name(import.target, n)),
    };
    InterfaceName::parse(&s).unwrap()
}

fn manifest(case: &Case) -> Manifest {
    let n = case.packages.len();
    let mut text =
        "[package]\nname = \"acme:app\"\nversion = \"0.1.0\"\ncomponent = \"app.wasm\"\n\n[dependencies]\n"
            .to_string();
    for (i, req) in case.reqs.iter().enumerate() {
        if let Some(r) = req {
            text.push_str(&format!("\"{}\" = \"{}\"\n", name(i, n), REQS[*r]));
        }
    }
    Manifest::parse(Path::new("astc.toml"), &text).unwrap()
}

fn registry(case: &Case) -> MemoryRegistry {
    let n = case.packages.len();
    let mut reg = MemoryRegistry::new();
    for (i, versions) in case.packages.iter().enumerate() {
        for (ver, imports) in versions {
            let export = format!("{}/api@{}", name(i, n), VERSIONS[*ver]);
            reg.add(
                PackageName::parse(&name(i, n)).unwrap(),
                v(*ver),
                ComponentSummary {
                    imports: imports.iter().map(|i| import_name(i, n)).collect(),
                    exports: vec![InterfaceName::parse(&export).unwrap()],
                    ..Default::default()
                },
            );
        }
    }
    reg
}

fn run(case: &Case, lock: Option<&Lockfile>) -> Result<Resolution, ResolveError> {
    let n = case.packages.len();
    let m = manifest(case);
    let root = ComponentSummary {
        imports: case.root.iter().map(|i| import_name(i, n)).collect(),
        ..Default::default()
    };
    let req = Request {
        manifest: &m,
        root: Some(LocalComponent {
            name: PackageName::parse("acme:app").unwrap(),
            version: Version::new(0, 1, 0),
            label: "app.wasm".into(),
            path: PathBuf::from("app.wasm"),
            digest: Digest::of(b"app"),
            bytes: Arc::from(Vec::new()),
            summary: Arc::new(root.normalize()),
        }),
        locals: BTreeMap::new(),
        lock,
        unlock: Unlock::Nothing,
    };
    resolve(&req, &registry(case))
}

/// A selection: for each (component, class), its version. Brute force's and astc's answers
/// are compared in this form.
type Selection = BTreeMap<(usize, CompatClass), Version>;

/// The brute-force model of astc's rules.
struct Model<'a> {
    case: &'a Case,
    /// Per component (and the ghost): the versions the manifest allows, ascending.
    candidates: Vec<Vec<Version>>,
}

impl<'a> Model<'a> {
    fn new(case: &'a Case) -> Self {
        let m = manifest(case);
        let n = case.packages.len();
        let candidates = (0..=n)
            .map(|i| {
                let name = PackageName::parse(&name(i, n)).unwrap();
                let published = case.packages.get(i).map_or(&[][..], |p| p.as_slice());
                let mut vs: Vec<Version> = published
                    .iter()
                    .map(|(ver, _)| v(*ver))
                    .filter(|ver| m.requirement(&name).is_none_or(|r| r.matches(ver)))
                    .collect();
                vs.sort();
                vs
            })
            .collect();
        Model { case, candidates }
    }

    /// The class an import needs and the lowest version it accepts: the class of its
    /// version, or for an unversioned import the class of the newest allowed version.
    fn requirement(&self, import: &Import) -> Option<(CompatClass, Option<Version>)> {
        match import.want {
            Some(w) => Some((CompatClass::of(&v(w)), Some(v(w)))),
            None => self.candidates[import.target]
                .last()
                .map(|newest| (CompatClass::of(newest), None)),
        }
    }

    fn imports_of(&self, target: usize, version: &Version) -> &[Import] {
        self.case.packages[target]
            .iter()
            .find(|(ver, _)| &v(*ver) == version)
            .map(|(_, imports)| imports.as_slice())
            .expect("a selected version is published")
    }

    /// Every selection that satisfies all imports reachable from the root, with exactly the
    /// classes they reach.
    fn solutions(&self) -> Vec<Selection> {
        let mut out = Vec::new();
        self.search(Selection::new(), self.case.root.clone(), &mut out);
        out
    }

    fn search(&self, chosen: Selection, mut pending: Vec<Import>, out: &mut Vec<Selection>) {
        let Some(import) = pending.pop() else {
            out.push(chosen);
            return;
        };
        let Some((class, min)) = self.requirement(&import) else {
            return;
        };
        let fits = |ver: &Version| class.contains(ver) && min.as_ref().is_none_or(|m| ver >= m);
        if let Some(have) = chosen.get(&(import.target, class.clone())) {
            if fits(have) {
                self.search(chosen, pending, out);
            }
            return;
        }
        for ver in self.candidates[import.target].iter().filter(|v| fits(v)) {
            let mut chosen = chosen.clone();
            chosen.insert((import.target, class.clone()), ver.clone());
            let mut pending = pending.clone();
            pending.extend(self.imports_of(import.target, ver).iter().cloned());
            self.search(chosen, pending, out);
        }
    }
}

/// astc's selection in the model's form; fails if it selects two versions of one class.
fn selection(case: &Case, r: &Resolution) -> Result<Selection, String> {
    let n = case.packages.len();
    let mut out = Selection::new();
    for c in r.components.iter().filter(|c| !c.root) {
        let i = (0..n)
            .find(|i| c.id.name.to_string() == name(*i, n))
            .ok_or_else(|| format!("selected unknown component {}", c.id))?;
        let key = (i, CompatClass::of(&c.id.version));
        if let Some(other) = out.insert(key, c.id.version.clone()) {
            return Err(format!("two versions of one class: {other} and {}", c.id));
        }
    }
    Ok(out)
}

/// The selection at least as new as every other in every class they share, if there is one.
fn greatest(solutions: &[Selection]) -> Option<&Selection> {
    solutions.iter().find(|g| {
        solutions
            .iter()
            .all(|s| s.iter().all(|(k, ver)| g.get(k).is_none_or(|gv| gv >= ver)))
    })
}

fn lock_of(case: &Case, s: &Selection) -> Lockfile {
    let n = case.packages.len();
    let mut components: Vec<LockedComponent> = s
        .iter()
        .map(|((i, _), ver)| {
            let name = name(*i, n);
            LockedComponent {
                digest: Digest::of(format!("{name}@{ver}").as_bytes()),
                name: PackageName::parse(&name).unwrap(),
                version: ver.clone(),
                root: false,
                member: false,
                source: LockedSource::Registry("registry".into()),
                imports: Vec::new(),
            }
        })
        .collect();
    components.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    Lockfile {
        version: FORMAT_VERSION,
        components,
    }
}

fn show(s: &Selection, n: usize) -> String {
    let items: Vec<String> = s
        .iter()
        .map(|((i, _), ver)| format!("{}@{ver}", name(*i, n)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

fn check_acyclic(case: Case) -> Result<(), TestCaseError> {
    let n = case.packages.len();
    let model = Model::new(&case);
    let solutions = model.solutions();
    let set: BTreeSet<&Selection> = solutions.iter().collect();
    match run(&case, None) {
        Ok(r) => {
            let got = selection(&case, &r).map_err(TestCaseError::fail)?;
            prop_assert!(
                set.contains(&got),
                "astc selected {}, which is not a valid selection; valid: {:?}",
                show(&got, n),
                solutions.iter().map(|s| show(s, n)).collect::<Vec<_>>()
            );
            if let Some(best) = greatest(&solutions) {
                prop_assert_eq!(
                    show(&got, n),
                    show(best, n),
                    "astc did not pick the newest selection"
                );
            }
            // Resolving again with its own lock changes nothing.
            let again = run(&case, Some(&r.to_lock())).map_err(|e| {
                TestCaseError::fail(format!("re-resolving with the lock failed: {e}"))
            })?;
            prop_assert_eq!(selection(&case, &again).unwrap(), got);
        }
        Err(ResolveError::NoSolution { report, .. }) => {
            prop_assert!(
                solutions.is_empty(),
                "astc found no solution, but {} works:\n{report}",
                show(&solutions[0], n)
            );
        }
        Err(e) => return Err(TestCaseError::fail(format!("unexpected error: {e}"))),
    }
    // Any valid selection, pinned by the lock, is kept.
    if !solutions.is_empty() {
        let pinned = &solutions[case.lock_pick % solutions.len()];
        let r = run(&case, Some(&lock_of(&case, pinned)))
            .map_err(|e| TestCaseError::fail(format!("resolving with a valid lock: {e}")))?;
        prop_assert_eq!(
            show(&selection(&case, &r).unwrap(), n),
            show(pinned, n),
            "a valid locked selection was not kept"
        );
    }
    Ok(())
}

/// With cycles allowed, astc may reject the selection it found for being cyclic; otherwise
/// the same agreement holds on solvability and validity.
fn check_cyclic(case: Case) -> Result<(), TestCaseError> {
    let n = case.packages.len();
    let solutions = Model::new(&case).solutions();
    match run(&case, None) {
        Ok(r) => {
            let got = selection(&case, &r).map_err(TestCaseError::fail)?;
            prop_assert!(
                solutions.contains(&got),
                "astc selected {}, which is not valid",
                show(&got, n)
            );
        }
        Err(ResolveError::NoSolution { .. }) => prop_assert!(
            solutions.is_empty(),
            "astc found no solution, but {} works",
            show(&solutions[0], n)
        ),
        Err(ResolveError::Cycle { .. }) => prop_assert!(
            !solutions.is_empty(),
            "astc reported a cycle where nothing can be selected"
        ),
        Err(e) => return Err(TestCaseError::fail(format!("unexpected error: {e}"))),
    }
    Ok(())
}

proptest! {
    #[test]
    fn agrees_with_brute_force(case in case(false)) {
        check_acyclic(case)?;
    }

    #[test]
    fn agrees_with_brute_force_with_cycles(case in case(true)) {
        check_cyclic(case)?;
    }
}

/// The model itself, on a hand-written case, so a bug in it cannot hide one in astc.
#[test]
fn model_finds_the_obvious() {
    let idx = |s: &str| VERSIONS.iter().position(|v| *v == s).unwrap();
    let case = Case {
        packages: vec![
            vec![
                (
                    idx("1.0.0"),
                    vec![Import {
                        target: 1,
                        want: Some(idx("0.1.0")),
                    }],
                ),
                (
                    idx("1.1.0"),
                    vec![Import {
                        target: 1,
                        want: Some(idx("0.2.0")),
                    }],
                ),
            ],
            vec![(idx("0.1.3"), vec![])],
        ],
        root: vec![Import {
            target: 0,
            want: Some(idx("1.0.0")),
        }],
        reqs: vec![None; 3],
        lock_pick: 0,
    };
    let solutions = Model::new(&case).solutions();
    assert_eq!(solutions.len(), 1);
    assert_eq!(show(&solutions[0], 2), "{acme:p0@1.0.0, acme:p1@0.1.3}");
    check_acyclic(case).unwrap();
}

/// The generator covers what it is meant to: solvable and unsolvable cases, choices between
/// several valid selections, and cases where astc's preference is checked.
#[test]
fn generator_covers_interesting_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = case(false);
    let (mut solvable, mut unsolvable, mut several, mut preferred) = (0, 0, 0, 0);
    for _ in 0..500 {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let solutions = Model::new(&case).solutions();
        match solutions.len() {
            0 => unsolvable += 1,
            1 => solvable += 1,
            _ => {
                solvable += 1;
                several += 1;
                if greatest(&solutions).is_some() {
                    preferred += 1;
                }
            }
        }
    }
    let counts = format!(
        "solvable {solvable}, unsolvable {unsolvable}, several {several}, preferred {preferred}"
    );
    assert!(solvable > 100 && unsolvable > 50, "{counts}");
    assert!(several > 40 && preferred > 20, "{counts}");
}
