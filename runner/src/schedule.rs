//! `asterai:host-cron`: cron expressions as asterai reads them.
//!
//! asterai accepts 5 fields (standard cron: minute to day of week), 6 (with seconds first)
//! or 7 (with a year last), and parses them with the `cron` crate; astc uses the same crate
//! and the same normalization, so an expression means the same in both.
//!
//! A one-shot `astc run` or `astc call` cannot keep a schedule; `astc serve` keeps them in
//! a [`Scheduler`] and fires them while it runs.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// Checks `expr` and returns its schedule, or a message naming what is wrong.
pub(crate) fn parse(expr: &str) -> Result<cron::Schedule, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let normalized = match fields.len() {
        5 => format!("0 {} *", fields.join(" ")),
        6 => format!("{} *", fields.join(" ")),
        7 => fields.join(" "),
        n => {
            return Err(format!(
                "invalid cron expression `{expr}`: expected 5, 6 or 7 fields, found {n} \
                 (for example `*/5 * * * *`, every five minutes)"
            ));
        }
    };
    // The crate's message repeats the normalized expression with a caret line; its last
    // line says what is wrong.
    cron::Schedule::from_str(&normalized).map_err(|e| {
        let e = e.to_string();
        let why = e.lines().last().unwrap_or_default().trim();
        format!("invalid cron expression `{expr}`: {why}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_fire_when_due_and_belong_to_their_owner() {
        let s = Scheduler::default();
        let every_second = parse("* * * * * *").unwrap();
        let id = s.add(
            "* * * * * *".into(),
            every_second,
            "a:b".into(),
            "api/f".into(),
            "[]".into(),
            "a:owner".into(),
        );
        assert_eq!(id, 1);
        assert_eq!(s.list("a:owner").len(), 1);
        assert!(s.list("a:other").is_empty());
        assert_eq!(s.cancel(1, "a:other").unwrap_err(), "schedule 1 not found");
        let (due, next) = s.due(Utc::now() - chrono::Duration::seconds(5));
        assert!(due.is_empty(), "not due before its first second");
        let next = next.unwrap();
        let (due, after) = s.due(next);
        assert_eq!(due.len(), 1);
        assert!(after.unwrap() > next);
        // While that firing runs, the next is skipped, not queued.
        assert!(s.due(after.unwrap()).0.is_empty());
        s.finished(1);
        // Missed firings are not made up: one call per check, however late.
        let (due, _) = s.due(next + chrono::Duration::seconds(10));
        assert_eq!(due.len(), 1);
        s.finished(1);
        s.cancel(1, "a:owner").unwrap();
        assert!(s.due(next + chrono::Duration::seconds(20)).0.is_empty());
        let again = parse("* * * * * *").unwrap();
        let id = s.add(
            String::new(),
            again,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        );
        assert_eq!(id, 2, "ids are not reused");
    }

    #[test]
    fn reads_asterai_s_three_forms() {
        assert!(parse("*/5 * * * *").is_ok());
        assert!(parse("0 */5 * * * *").is_ok());
        assert!(parse("0 0 12 * * Mon-Fri 2030").is_ok());
        let e = parse("every minute").unwrap_err();
        assert!(e.contains("expected 5, 6 or 7 fields, found 2"), "{e}");
        let e = parse("61 * * * *").unwrap_err();
        assert!(
            e.starts_with("invalid cron expression `61 * * * *`: "),
            "{e}"
        );
        assert!(!e.contains('\n'), "{e}");
    }
}

/// One schedule kept by a long-running host: what it calls, and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Info {
    pub(crate) id: u64,
    /// The expression as the guest wrote it.
    pub(crate) cron: String,
    pub(crate) component: String,
    pub(crate) function: String,
    pub(crate) args: String,
    /// The component that made it: only it may list or cancel it, as in asterai.
    pub(crate) owner: String,
}

struct Entry {
    info: Info,
    schedule: cron::Schedule,
    next: Option<DateTime<Utc>>,
    /// A firing is under way: the next is skipped rather than run beside it.
    running: bool,
}

/// The schedules of a long-running host (`astc serve`): guests add and cancel them through
/// `asterai:host-cron`; the server fires them (see [`Scheduler::due`]). Cloning shares.
#[derive(Clone, Default)]
pub(crate) struct Scheduler {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: Mutex<BTreeMap<u64, Entry>>,
    /// The last id given; ids start at 1, as asterai's.
    last_id: AtomicU64,
    /// Wakes the firing loop when a schedule is added or cancelled.
    changed: tokio::sync::Notify,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler").finish_non_exhaustive()
    }
}

impl Scheduler {
    /// Adds a schedule of a checked expression; returns its id.
    pub(crate) fn add(
        &self,
        cron: String,
        schedule: cron::Schedule,
        component: String,
        function: String,
        args: String,
        owner: String,
    ) -> u64 {
        let id = self.inner.last_id.fetch_add(1, Ordering::Relaxed) + 1;
        let next = schedule.upcoming(Utc).next();
        let info = Info {
            id,
            cron,
            component,
            function,
            args,
            owner,
        };
        let entry = Entry {
            info,
            schedule,
            next,
            running: false,
        };
        self.inner.entries.lock().unwrap().insert(id, entry);
        self.inner.changed.notify_one();
        id
    }

    /// Cancels `owner`'s schedule `id`; another component's is "not found", as in asterai.
    pub(crate) fn cancel(&self, id: u64, owner: &str) -> Result<(), String> {
        let mut entries = self.inner.entries.lock().unwrap();
        match entries.get(&id) {
            Some(e) if e.info.owner == owner => {
                entries.remove(&id);
                self.inner.changed.notify_one();
                Ok(())
            }
            _ => Err(format!("schedule {id} not found")),
        }
    }

    /// `owner`'s schedules, by id.
    pub(crate) fn list(&self, owner: &str) -> Vec<Info> {
        let entries = self.inner.entries.lock().unwrap();
        entries
            .values()
            .filter(|e| e.info.owner == owner)
            .map(|e| e.info.clone())
            .collect()
    }

    /// The schedules due at `now`, each then marked running until [`Scheduler::finished`],
    /// and when the next one is due. Every schedule moves on to its next time after `now`,
    /// so missed times are not made up, and one still running is skipped, not queued.
    pub(crate) fn due(&self, now: DateTime<Utc>) -> (Vec<Info>, Option<DateTime<Utc>>) {
        let mut entries = self.inner.entries.lock().unwrap();
        let mut due = Vec::new();
        for e in entries.values_mut() {
            if e.next.is_some_and(|t| t <= now) {
                if !e.running {
                    e.running = true;
                    due.push(e.info.clone());
                }
                e.next = e.schedule.after(&now).next();
            }
        }
        // Expressions with a last year end.
        entries.retain(|_, e| e.next.is_some());
        let next = entries.values().filter_map(|e| e.next).min();
        (due, next)
    }

    /// A firing of schedule `id` has ended.
    pub(crate) fn finished(&self, id: u64) {
        if let Some(e) = self.inner.entries.lock().unwrap().get_mut(&id) {
            e.running = false;
        }
    }

    /// Completes when a schedule is added or cancelled.
    pub(crate) async fn changed(&self) {
        self.inner.changed.notified().await;
    }
}
