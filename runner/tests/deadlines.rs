//! Timeouts belong to one call: calls made one after another, or at once from several
//! threads, on one `Runner` never cut each other short, and a call over its limit still ends
//! with `RunError::Timeout`.

// `RunError` is the runner's own error type, returned as it is.
#![allow(clippy::result_large_err)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use astc_runner::{CallArgs, Program, RunError, Runner, Sandbox};

/// `spin(n)` counts to `n`; `forever()` never returns.
const SPIN: &str = r#"
(component
  (core module $m
    (func (export "spin") (param $n i32)
      (local $i i32)
      (block $done
        (loop $again
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $again))))
    (func (export "forever")
      (loop $again (br $again))))
  (core instance $i (instantiate $m))
  (func (export "spin") (param "n" u32) (canon lift (core func $i "spin")))
  (func (export "forever") (canon lift (core func $i "forever"))))
"#;

fn load(runner: &Runner, dir: &Path) -> Program {
    let path = dir.join("spin.wasm");
    std::fs::write(&path, wat::parse_str(SPIN).unwrap()).unwrap();
    runner.load(&path).unwrap()
}

fn sandbox(timeout: Option<Duration>) -> Sandbox {
    Sandbox {
        timeout,
        ..Sandbox::default()
    }
}

fn spin(
    runner: &Runner,
    program: &Program,
    n: u32,
    timeout: Option<Duration>,
) -> Result<(), RunError> {
    let args = CallArgs::Json(format!("[{n}]"));
    runner
        .call(program, "spin", &args, &sandbox(timeout))
        .map(|_| ())
}

/// An `n` for which `spin(n)` takes about `target`, measured without a timeout.
fn calibrate(runner: &Runner, program: &Program, target: Duration) -> u32 {
    let mut n: u32 = 1 << 16;
    loop {
        let start = Instant::now();
        spin(runner, program, n, None).unwrap();
        let took = start.elapsed();
        if took >= target || n >= u32::MAX / 2 {
            return n;
        }
        n = n.saturating_mul(2);
    }
}

/// Each call's timeout is ten times what it needs; the calls together last more than one
/// timeout, so a deadline left over from an earlier call would cut a later one short.
#[test]
fn sequential_calls_keep_their_own_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Runner::new(None).unwrap();
    let program = load(&runner, dir.path());
    let n = calibrate(&runner, &program, Duration::from_millis(30));
    let timeout = Duration::from_millis(300);
    let start = Instant::now();
    let mut calls = 0;
    while start.elapsed() < timeout * 3 {
        if let Err(e) = spin(&runner, &program, n, Some(timeout)) {
            panic!("call {calls}, {:?} in: {e}", start.elapsed());
        }
        calls += 1;
    }
}

/// A call that times out early does not end the calls running beside it.
#[test]
fn concurrent_calls_keep_their_own_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Runner::new(None).unwrap();
    let program = Arc::new(load(&runner, dir.path()));
    let n = calibrate(&runner, &program, Duration::from_millis(300));
    let slow: Vec<_> = (0..2)
        .map(|_| {
            let (runner, program) = (runner.clone(), program.clone());
            std::thread::spawn(move || spin(&runner, &program, n, Some(Duration::from_secs(30))))
        })
        .collect();
    let start = Instant::now();
    let quick = runner.call(
        &program,
        "forever",
        &CallArgs::Json("[]".into()),
        &sandbox(Some(Duration::from_millis(50))),
    );
    assert!(matches!(quick, Err(RunError::Timeout { .. })), "{quick:?}");
    assert!(start.elapsed() >= Duration::from_millis(50));
    for t in slow {
        t.join().unwrap().unwrap();
    }
}

/// A call without a timeout is never interrupted, whatever timed calls do meanwhile.
#[test]
fn untimed_calls_are_not_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Runner::new(None).unwrap();
    let program = Arc::new(load(&runner, dir.path()));
    let n = calibrate(&runner, &program, Duration::from_millis(200));
    let untimed = {
        let (runner, program) = (runner.clone(), program.clone());
        std::thread::spawn(move || spin(&runner, &program, n, None))
    };
    for _ in 0..3 {
        let r = runner.call(
            &program,
            "forever",
            &CallArgs::Json("[]".into()),
            &sandbox(Some(Duration::from_millis(20))),
        );
        assert!(matches!(r, Err(RunError::Timeout { .. })), "{r:?}");
    }
    untimed.join().unwrap().unwrap();
}

/// A runner built without timeouts runs untimed calls and refuses timed ones.
#[test]
fn runner_without_timeouts_refuses_a_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Runner::without_timeouts(None).unwrap();
    let program = load(&runner, dir.path());
    spin(&runner, &program, 1000, None).unwrap();
    let r = spin(&runner, &program, 1000, Some(Duration::from_secs(1)));
    assert!(matches!(r, Err(RunError::Engine { .. })), "{r:?}");
}
