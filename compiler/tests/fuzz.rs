//! Fuzzing on stable Rust: random and mutated bytes through everything that reads a
//! component, as ordinary tests.
//!
//! `astc inspect`, `astc publish` and every build read component files a user or a
//! registry supplies, so no input may make astc panic: it must say what is wrong. Inputs:
//!
//! - random bytes, bare or behind a module or component header;
//! - valid core modules from `wasm-smith`, which must be rejected as core modules, and
//!   components from `wasm-smith` (its component support is rough, so they are just inputs);
//! - components built from random WIT packages from `wit-smith` (with wit-component's dummy
//!   module, as `astc_fixtures` does), which must be inspected without error (a name astc
//!   cannot use as an interface name is the one error allowed), compare equal to themselves
//!   and to their cached form, and compose on their own (or fail cleanly where wac-graph
//!   cannot encode them);
//! - bit flips, truncations and splices of valid components, which must give a result or a
//!   clean error.
//!
//! Each input comes from `arbitrary::Unstructured` over bytes from a seeded generator, so a
//! run is reproducible: a failure names its seed and iteration, and the input is written to
//! the temporary directory. `ASTC_FUZZ_ITERS` sets the iterations of each test (300 by
//! default, about a second in a debug build), `ASTC_FUZZ_SEED` the seed; `scripts/fuzz.sh`
//! runs long campaigns. Inputs that once crashed live in `tests/fuzz-regressions/` and are
//! replayed by `regressions`.

// Errors are cold; the library returns them unboxed, and so do these helpers.
#![allow(clippy::result_large_err)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use arbitrary::Unstructured;
use astc_compiler::compat::check_compatible;
use astc_compiler::component_cache::Cache;
use astc_compiler::compose::{Bytes, Part, compose_parts};
use astc_compiler::inspect::inspect_uncached;
use astc_compiler::provenance;
use astc_compiler::{InspectError, Inspected};
use astc_resolver::{ComponentId, Digest};
use wit_component::{ComponentEncoder, StringEncoding, dummy_module, embed_component_metadata};
use wit_parser::decoding::DecodedWasm;
use wit_parser::{ManglingAndAbi, Resolve};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn iters() -> u64 {
    env_u64("ASTC_FUZZ_ITERS", 300)
}

/// SplitMix64: tiny, seedable, good enough to feed `Unstructured`.
struct Rng(u64);

impl Rng {
    fn new(test: &str, iteration: u64) -> Self {
        let mut h = env_u64("ASTC_FUZZ_SEED", 0x5eed) ^ iteration.wrapping_mul(0x9e37_79b9);
        for b in test.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        Rng(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Runs `body` for each iteration with its own generator; on a panic, saves the input
/// `body` last reported and fails naming the seed and iteration.
fn campaign(test: &str, mut body: impl FnMut(&mut Rng, &mut Vec<u8>)) {
    for i in 0..iters() {
        let mut rng = Rng::new(test, i);
        let mut input = Vec::new();
        if catch_unwind(AssertUnwindSafe(|| body(&mut rng, &mut input))).is_err() {
            let path = std::env::temp_dir().join(format!("astc-fuzz-{test}-{i}.wasm"));
            let _ = std::fs::write(&path, &input);
            panic!(
                "{test}: iteration {i} (ASTC_FUZZ_SEED={}) panicked; input saved to {}",
                env_u64("ASTC_FUZZ_SEED", 0x5eed),
                path.display()
            );
        }
    }
}

/// Everything that reads component bytes, on `bytes`. Returns the inspection when the bytes
/// are a valid component, after checking what must hold for one.
fn exercise(bytes: &[u8]) -> Result<Inspected, InspectError> {
    // These walk sections themselves; they only need to not panic.
    let _ = provenance::read(bytes);
    let _ = provenance::embedded_components(bytes);
    let inspected = inspect_uncached(bytes);
    let cached = Cache::new(None).get(bytes, Digest::of(bytes));
    match (&inspected, &cached) {
        (Ok(i), Ok(entry)) => {
            let _ = i.render(true);
            assert_eq!(i.summary, entry.summary);
            assert_eq!(check_compatible(i, i), Ok(()), "a component breaks itself");
            // The world the cache keeps must be the same as the component's.
            let back = entry.inspected().expect("a cached world decodes");
            assert_eq!(check_compatible(i, &back), Ok(()));
            assert_eq!(check_compatible(&back, i), Ok(()));
        }
        (Ok(_), Err(e)) => panic!("inspect accepted what the cache rejected: {e}"),
        (Err(e), Ok(_)) => panic!("the cache accepted what inspect rejected: {e}"),
        (Err(e), Err(_)) => assert!(!e.to_string().is_empty()),
    }
    inspected
}

const MODULE_HEADER: &[u8] = b"\0asm\x01\0\0\0";
const COMPONENT_HEADER: &[u8] = b"\0asm\x0d\0\x01\0";

#[test]
fn random_bytes() {
    campaign("random_bytes", |rng, input| {
        let len = rng.below(600);
        let body = rng.bytes(len);
        *input = match rng.below(4) {
            0 => body,
            1 => [MODULE_HEADER, &body].concat(),
            _ => {
                // Section-shaped: id, small length, contents; more likely to get deep.
                let mut out = COMPONENT_HEADER.to_vec();
                let mut at = 0;
                while at < body.len() {
                    let n = rng.below(40).min(body.len() - at);
                    out.push(rng.below(13) as u8);
                    out.push(n as u8);
                    out.extend_from_slice(&body[at..at + n]);
                    at += n.max(1);
                }
                out
            }
        };
        // Some are components (a bare header is an empty one); most are not.
        let _ = exercise(input);
    });
}

#[test]
fn wasm_smith_modules_are_rejected_as_core_modules() {
    campaign("wasm_smith_modules", |rng, input| {
        let seed = rng.bytes(1024);
        let mut u = Unstructured::new(&seed);
        let Ok(module) = wasm_smith::Module::new(wasm_smith::Config::default(), &mut u) else {
            return;
        };
        *input = module.to_bytes();
        assert!(matches!(exercise(input), Err(InspectError::CoreModule)));
    });
}

#[test]
fn wasm_smith_components_never_panic() {
    campaign("wasm_smith_components", |rng, input| {
        let seed = rng.bytes(2048);
        // wasm-smith's component generator is unmaintained; a panic in it is not ours.
        let generated = catch_unwind(|| {
            let mut u = Unstructured::new(&seed);
            wasm_smith::Component::new(wasm_smith::Config::default(), &mut u)
                .ok()
                .map(|c| c.to_bytes())
        });
        let Ok(Some(bytes)) = generated else {
            return;
        };
        *input = bytes;
        let _ = exercise(input);
    });
}

/// Components for every world of a random WIT package, or none when `wit-smith` gives up.
fn wit_smith_components(rng: &mut Rng) -> Vec<Vec<u8>> {
    let seed = rng.bytes(4096);
    let mut u = Unstructured::new(&seed);
    let Ok(config) = u.arbitrary::<wit_smith::Config>() else {
        return Vec::new();
    };
    let Ok(wasm) = wit_smith::smith(&config, &mut u) else {
        return Vec::new();
    };
    let Ok(DecodedWasm::WitPackage(resolve, pkg)) = wit_parser::decoding::decode(&wasm) else {
        panic!("wit-smith made something that is not a WIT package");
    };
    let worlds: Vec<_> = resolve.packages[pkg].worlds.values().copied().collect();
    worlds
        .into_iter()
        .filter_map(|world| component_for(&resolve, world))
        .collect()
}

/// A component implementing `world` with functions that trap, as `astc_fixtures` builds.
fn component_for(resolve: &Resolve, world: wit_parser::WorldId) -> Option<Vec<u8>> {
    let mut module = dummy_module(resolve, world, ManglingAndAbi::Standard32);
    embed_component_metadata(&mut module, resolve, world, StringEncoding::UTF8, false).ok()?;
    ComponentEncoder::default()
        .module(&module)
        .ok()?
        .validate(true)
        .encode()
        .ok()
}

/// Composing writes to the process-wide cache, which is on disk unless `ASTC_NO_CACHE=1`:
/// compose only a few components then, always the same ones for the default seed.
fn may_compose(composed: usize) -> bool {
    std::env::var_os("ASTC_NO_CACHE").is_some_and(|v| v == "1") || composed < 5
}

/// Composes `bytes` as the only, root, component.
fn compose_alone(bytes: &[u8]) -> Result<(), astc_compiler::compose::ComposeError> {
    let part = Part {
        id: ComponentId::parse("fuzz:root@1.0.0").unwrap(),
        bytes: Bytes::whole(bytes.into()),
        digest: Digest::of(bytes),
        root: true,
        member: false,
        exports: Vec::new(),
        imports: Vec::new(),
        package_docs: None,
    };
    compose_parts(&[part]).map(|_| ())
}

#[test]
fn wit_smith_components_are_inspected() {
    let (mut made, mut ok, mut composed, mut failed) = (0, 0, 0, 0);
    campaign("wit_smith_components", |rng, input| {
        for bytes in wit_smith_components(rng) {
            made += 1;
            *input = bytes;
            match exercise(input) {
                Ok(_) => ok += 1,
                // wit-smith's names need not be astc interface names (`a:b/c@1.0.0+build`).
                Err(InspectError::BadName { .. }) => continue,
                Err(e) => panic!("a valid component was rejected: {e}"),
            }
            if may_compose(composed) {
                composed += 1;
                // Alone, with its imports left open, a valid component composes, except
                // where wac-graph cannot encode it (reported as an error, see compose.rs).
                if compose_alone(input).is_err() {
                    failed += 1;
                }
            }
        }
    });
    eprintln!(
        "wit-smith: {made} components, {ok} inspected, {composed} composed ({failed} failed)"
    );
    assert!(
        iters() < 20 || (made > 0 && ok * 2 >= made),
        "only {ok} of {made} generated components were inspected"
    );
}

/// Valid components to mutate: hand-written fixtures and generated ones.
fn corpus(rng: &mut Rng) -> Vec<Vec<u8>> {
    let fixtures = [
        "package acme:greeter@1.0.0;\ninterface api { record r { a: u32, b: string } greet: func(name: string, r: r) -> result<list<r>, string>; }\nworld w { export api; }\n",
        "package acme:app@0.1.0;\nworld w { import acme:greeter/api@1.0.0; import wasi:cli/stdout@0.2.0; export run: func(); }\n\
         package acme:greeter@1.0.0 { interface api { greet: func(name: string) -> string; } }\n\
         package wasi:cli@0.2.0 { interface stdout { resource s; get: func() -> s; } }\n",
    ];
    let mut out: Vec<Vec<u8>> = fixtures
        .iter()
        .map(|wit| astc_fixtures::component_from_wit("fixture.wit", wit).unwrap())
        .collect();
    while out.len() < 4 {
        out.extend(wit_smith_components(rng));
    }
    out
}

/// Mutates `bytes` in one of the ways that find bugs in binary parsers.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, donor: &[u8]) {
    let len = bytes.len();
    match rng.below(7) {
        0 => {
            let at = rng.below(len);
            bytes[at] ^= 1 << rng.below(8);
        }
        1 => {
            let at = rng.below(len);
            bytes[at] = [0, 0x7f, 0x80, 0xff, rng.next() as u8][rng.below(5)];
        }
        2 => bytes.truncate(rng.below(len)),
        3 => {
            let at = rng.below(len);
            let n = rng.below(16).min(len - at);
            bytes.drain(at..at + n);
        }
        4 => {
            // Splice a piece of another component in.
            let from = rng.below(donor.len());
            let n = rng.below(64).min(donor.len() - from);
            let at = rng.below(len);
            bytes.splice(at..at, donor[from..from + n].iter().copied());
        }
        5 => {
            let at = rng.below(len);
            let n = rng.below(32).min(len - at);
            let piece = bytes[at..at + n].to_vec();
            bytes.splice(at..at, piece);
        }
        _ => {
            // A LEB128 length made huge.
            let at = rng.below(len);
            let huge = [0xff, 0xff, 0xff, 0xff, 0x0f];
            bytes.splice(at..(at + 1).min(len), huge);
        }
    }
}

#[test]
fn mutated_components_never_panic() {
    let corpus = corpus(&mut Rng::new("corpus", 0));
    campaign("mutated_components", |rng, input| {
        let mut bytes = corpus[rng.below(corpus.len())].clone();
        let donor = &corpus[rng.below(corpus.len())];
        for _ in 0..1 + rng.below(4) {
            if bytes.len() > 8 {
                mutate(rng, &mut bytes, donor);
            }
        }
        *input = bytes;
        let _ = exercise(input);
    });
}

/// Inputs that once crashed, kept as `.wasm` files: inspected, and composed alone when valid.
///
/// - `wit-parser-decode-unreachable.wasm` (from wasm-smith): a type export aliasing a
///   non-value type hit `unreachable!` in wit-parser's decoder; caught in
///   `inspect::inspect_uncached`.
/// - `wac-graph-world-resource-borrow.wasm` (from wit-smith): a world-level resource whose
///   methods take `borrow<name>` hit an assertion in wac-graph's encoder; caught in
///   `compose::compose_parts`.
#[test]
fn regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wasm") {
            let bytes = std::fs::read(&path).unwrap();
            let run = || {
                if exercise(&bytes).is_ok() {
                    let _ = compose_alone(&bytes);
                }
            };
            if catch_unwind(run).is_err() {
                panic!("{} panics again", path.display());
            }
        }
    }
}
