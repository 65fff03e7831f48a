//! Wall-clock limits: each store's own deadline, one shared epoch ticker, and a watchdog.
//!
//! wasmtime interrupts wasm through the engine's epoch, which is shared by every store of
//! the engine; so the epoch cannot itself carry a deadline when calls overlap or follow one
//! another on one [`Runner`](crate::Runner). Instead a [`Ticker`] (one thread per runner,
//! started on first use) advances the epoch every [`TICK`] while at least one timed store
//! exists, and sleeps otherwise; each store checks, at every tick, its own deadline (an
//! [`Instant`]) in an epoch callback, and is interrupted only once that has passed. A store
//! without a timeout never sees its deadline, and a runner built without timeouts compiles
//! no epoch checks at all.
//!
//! Epochs only interrupt running wasm. [`guarded`] bounds the whole invocation, including a
//! guest blocked in a host call (a long sleep, a stuck read).

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use wasmtime::{EngineWeak, Store, UpdateDeadline};

use crate::RunError;

/// How often the ticker advances the epoch: the precision of timeouts.
const TICK: Duration = Duration::from_millis(10);

/// How long past its timeout [`guarded`] waits for an invocation before giving up on it.
pub(crate) const GRACE: Duration = Duration::from_secs(2);

/// The shared epoch ticker of one engine.
pub(crate) struct Ticker {
    state: Arc<(Mutex<TickerState>, Condvar)>,
    engine: EngineWeak,
}

#[derive(Default)]
struct TickerState {
    /// Timed stores alive.
    active: usize,
    /// Whether the thread has been started.
    started: bool,
    /// Set when the runner is dropped: the thread ends.
    stopped: bool,
}

/// Keeps the ticker running while a timed store is alive.
pub(crate) struct Ticking {
    state: Arc<(Mutex<TickerState>, Condvar)>,
}

impl Ticker {
    pub(crate) fn new(engine: EngineWeak) -> Self {
        Ticker {
            state: Arc::default(),
            engine,
        }
    }

    /// Counts one more timed store, starting the thread on first use.
    fn start(&self) -> Ticking {
        let (lock, cvar) = &*self.state;
        let mut state = lock.lock().unwrap();
        state.active += 1;
        if !state.started {
            state.started = true;
            let shared = self.state.clone();
            let engine = self.engine.clone();
            // If the thread cannot start, stores still have the watchdog; nothing to report.
            let _ = std::thread::Builder::new()
                .name("astc-epoch".into())
                .spawn(move || tick(&shared, &engine));
        }
        cvar.notify_all();
        Ticking {
            state: self.state.clone(),
        }
    }
}

fn tick(state: &(Mutex<TickerState>, Condvar), engine: &EngineWeak) {
    let (lock, cvar) = state;
    loop {
        {
            let mut s = lock.lock().unwrap();
            while s.active == 0 && !s.stopped {
                s = cvar.wait(s).unwrap();
            }
            if s.stopped {
                return;
            }
        }
        std::thread::sleep(TICK);
        match engine.upgrade() {
            Some(engine) => engine.increment_epoch(),
            None => return,
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        let (lock, cvar) = &*self.state;
        lock.lock().unwrap().stopped = true;
        cvar.notify_all();
    }
}

impl Drop for Ticking {
    fn drop(&mut self) {
        let (lock, _) = &*self.state;
        let mut s = lock.lock().unwrap();
        s.active = s.active.saturating_sub(1);
    }
}

/// The moment `timeout` from now ends, or `None` for no limit (also when it lies beyond
/// what an [`Instant`] can hold).
pub(crate) fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|t| Instant::now().checked_add(t))
}

/// Gives `store` its own `deadline`: interrupted at the first tick after it. Returns what
/// keeps the ticker running, to live as long as the store. `ticker` is `None` when the
/// engine has no epoch interruption.
pub(crate) fn set_deadline<T: 'static>(
    store: &mut Store<T>,
    ticker: Option<&Ticker>,
    deadline: Option<Instant>,
) -> Option<Ticking> {
    let ticker = ticker?;
    let Some(deadline) = deadline else {
        store.set_epoch_deadline(u64::MAX / 2);
        return None;
    };
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        if Instant::now() >= deadline {
            Ok(UpdateDeadline::Interrupt)
        } else {
            Ok(UpdateDeadline::Continue(1))
        }
    });
    Some(ticker.start())
}

/// Work for a guest thread.
type Job = Box<dyn FnOnce() + Send>;

/// Guest threads waiting for work, each by its number and the sender of its queue.
static IDLE: Mutex<Vec<(u64, mpsc::Sender<Job>)>> = Mutex::new(Vec::new());

/// The number of the next guest thread.
static NEXT_THREAD: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How long an idle guest thread waits for work before it ends.
const IDLE_THREAD: Duration = Duration::from_secs(30);

/// Runs `job` on a guest thread (16 MiB of stack, for deep guest recursion): an idle one,
/// or a new one. Threads are kept for a while after their job, so a server's calls do not
/// each pay for a thread's creation; a thread blocked past its deadline is simply not idle.
fn on_guest_thread(job: Job) -> std::io::Result<()> {
    let mut job = job;
    loop {
        let idle = IDLE.lock().unwrap().pop();
        let Some((_, queue)) = idle else { break };
        // A thread that ended while idle hands the job back.
        match queue.send(job) {
            Ok(()) => return Ok(()),
            Err(mpsc::SendError(back)) => job = back,
        }
    }
    let (queue, jobs) = mpsc::channel::<Job>();
    let me = NEXT_THREAD.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::thread::Builder::new()
        .name("astc-guest".into())
        .stack_size(16 << 20)
        .spawn(move || {
            let mut job = job;
            loop {
                job();
                IDLE.lock().unwrap().push((me, queue.clone()));
                match jobs.recv_timeout(IDLE_THREAD) {
                    Ok(next) => job = next,
                    Err(_) => {
                        // Leave the idle list; if someone took this thread from it just
                        // now, their job is already queued: run it.
                        let mut idle = IDLE.lock().unwrap();
                        match idle.iter().position(|(n, _)| *n == me) {
                            Some(i) => {
                                idle.swap_remove(i);
                                return;
                            }
                            None => {
                                drop(idle);
                                match jobs.recv() {
                                    Ok(next) => job = next,
                                    Err(_) => return,
                                }
                            }
                        }
                    }
                }
            }
        })?;
    Ok(())
}

/// Runs `f` on a thread with a large stack and waits for it, at most `timeout` plus a grace
/// period: a guest blocked in a host call cannot hang the caller. Epoch interruption ends
/// wasm that is running; this ends everything else.
pub(crate) fn guarded<T: Send + 'static>(
    timeout: Option<Duration>,
    grace: Duration,
    f: impl FnOnce() -> Result<T, RunError> + Send + 'static,
) -> Result<T, RunError> {
    let (tx, rx) = mpsc::channel();
    on_guest_thread(Box::new(move || {
        let _ = tx.send(f());
    }))
    .map_err(|e| RunError::Engine {
        what: "start the guest thread",
        message: e.to_string(),
    })?;
    let ended = || RunError::Host {
        message: "the guest thread ended without a result".into(),
    };
    match timeout {
        None => rx.recv().unwrap_or_else(|_| Err(ended())),
        // `recv_timeout` waits forever when the sum is beyond what an `Instant` can hold.
        Some(t) => match rx.recv_timeout(t.saturating_add(grace)) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(RunError::Timeout { after: t }),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(ended()),
        },
    }
}
