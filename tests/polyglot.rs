//! The polyglot example end to end: a Rust app, a Python provider (two versions) and a
//! JavaScript provider, built with their real toolchains and composed into one component.
//!
//! Opt-in: installing componentize-py and componentize-js needs python3, npm and a few
//! hundred megabytes, so the test is ignored unless `ASTC_POLYGLOT=1`:
//!
//! ```sh
//! ASTC_POLYGLOT=1 cargo test --test polyglot
//! ```

use std::path::Path;
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let enabled = std::env::var_os("ASTC_POLYGLOT").is_some_and(|v| v == "1");
    let trial = Trial::test("polyglot-example", run).with_ignored_flag(!enabled);
    libtest_mimic::run(&args, vec![trial]).exit();
}

fn run() -> Result<(), Failed> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/polyglot");
    let out = Command::new(dir.join("build.sh")).output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("build.sh failed:\n{stdout}\n{stderr}").into());
    }
    for expected in [
        // Resolution chose the newer Python provider for an import of 1.0.0.
        "poly:text v1.1.0 provides poly:text/api@1.1.0",
        "poly:math v1.0.0 provides poly:math/api@1.0.0",
        "Composed 3 components into app.composed.wasm",
        "python shout: STATIC COMPOSITION WORKS!",
        "python words: [\"static\", \"composition\", \"works\"]",
        "js add: 3.75",
        "js fib(90): 2880067194370816120",
    ] {
        if !stdout.contains(expected) && !stderr.contains(expected) {
            return Err(format!("missing `{expected}` in:\n{stdout}\n{stderr}").into());
        }
    }
    // The Python component embeds its interpreter: the realistic large input.
    let size = std::fs::metadata(dir.join("build/text-1.1.0.wasm"))?.len();
    if size < 10 << 20 {
        return Err(format!("the Python component is only {size} bytes").into());
    }
    Ok(())
}
