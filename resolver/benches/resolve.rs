//! Resolver benchmarks on generated in-memory registries: 10,000 component versions in deep
//! diamonds (every version imports two components of the next level, at requirements that
//! force shared versions), and an unsatisfiable variant whose conflict must be explained.
//!
//! `cargo bench -p astc-resolver --bench resolve`

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use astc_resolver::resolve::{LocalComponent, Request, Unlock, resolve};
use astc_resolver::{
    ComponentSummary, Digest, InterfaceName, Manifest, MemoryRegistry, PackageName, Version,
};
use criterion::{Criterion, criterion_group, criterion_main};

/// Deterministic pseudo-random numbers (an LCG), so every run benches the same registry.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// `levels` levels of `width` components with `versions` 1.x versions each; a version of a
/// component at level `l` imports two components of level `l + 1`, each at a minor drawn
/// below its own, so requirements from many paths meet on one shared version.
fn registry(levels: usize, width: usize, versions: u64) -> MemoryRegistry {
    let mut rng = Lcg(42);
    let mut reg = MemoryRegistry::new();
    for level in 0..levels {
        for i in 0..width {
            let name = PackageName::parse(&format!("bench:l{level}-c{i}")).unwrap();
            for minor in 0..versions {
                let version = Version::new(1, minor, 0);
                let mut imports = Vec::new();
                if level + 1 < levels {
                    for _ in 0..2 {
                        let dep = rng.next(width as u64);
                        let want = rng.next(minor + 1);
                        imports.push(
                            InterfaceName::parse(&format!(
                                "bench:l{}-c{dep}/api@1.{want}.0",
                                level + 1
                            ))
                            .unwrap(),
                        );
                    }
                }
                let export =
                    InterfaceName::parse(&format!("bench:l{level}-c{i}/api@1.{minor}.0")).unwrap();
                reg.add(
                    name.clone(),
                    version,
                    ComponentSummary {
                        imports,
                        exports: vec![export],
                        ..Default::default()
                    },
                );
            }
        }
    }
    reg
}

fn root(width: usize, minor: u64) -> LocalComponent {
    LocalComponent {
        name: PackageName::parse("bench:root").unwrap(),
        version: Version::new(0, 1, 0),
        label: "root.wasm".into(),
        path: "root.wasm".into(),
        digest: Digest::of(b"root"),
        bytes: Arc::from(Vec::new()),
        summary: Arc::new(ComponentSummary {
            imports: (0..width)
                .map(|i| InterfaceName::parse(&format!("bench:l0-c{i}/api@1.{minor}.0")).unwrap())
                .collect(),
            ..Default::default()
        }),
    }
}

fn manifest(extra: &str) -> Manifest {
    let text = format!(
        "[package]\nname = \"bench:root\"\nversion = \"0.1.0\"\ncomponent = \"root.wasm\"\n{extra}"
    );
    Manifest::parse(Path::new("astc.toml"), &text).unwrap()
}

fn benches(c: &mut Criterion) {
    // 20 levels x 10 components x 50 versions = 10,000 versions.
    let reg = registry(20, 10, 50);
    let m = manifest("");
    let request = Request {
        manifest: &m,
        root: Some(root(10, 10)),
        locals: Default::default(),
        lock: None,
        unlock: Unlock::Nothing,
    };
    let r = match resolve(&request, &reg) {
        Ok(r) => r,
        Err(e) => panic!("the generated registry resolves: {e}"),
    };
    assert!(
        r.components.len() > 150,
        "a deep selection: {}",
        r.components.len()
    );
    c.bench_function("resolve 10k versions, deep diamonds", |b| {
        b.iter(|| black_box(resolve(&request, &reg).unwrap()))
    });

    // The same graph, asking for the newest top level while a component it needs is pinned
    // below what that level imports: PubGrub has to rule out every combination.
    let top = PackageName::parse("bench:l0-c0").unwrap();
    let needed = astc_resolver::ComponentSource::summary(&reg, &top, &Version::new(1, 49, 0))
        .unwrap()
        .imports[0]
        .clone();
    let pin = format!(
        "[dependencies]\n\"{}\" = \"<{}\"\n",
        needed.package(),
        needed.version().unwrap()
    );
    let pinned = manifest(&pin);
    let unsat = Request {
        manifest: &pinned,
        root: Some(root(10, 49)),
        ..request
    };
    match resolve(&unsat, &reg) {
        Ok(_) => panic!("the pinned registry must not resolve"),
        Err(e) => assert!(e.to_string().contains(&needed.package().to_string()), "{e}"),
    }
    c.bench_function("explain an unsatisfiable 10k-version registry", |b| {
        b.iter(|| black_box(resolve(&unsat, &reg).is_err()))
    });
}

criterion_group! {
    name = resolver;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(resolver);
