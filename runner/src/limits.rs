//! The store's resource limiter: enforces a sandbox's limits and records which one it
//! refused, so a failure is named from that record rather than from wasmtime's message.
//!
//! Growth beyond a limit (or beyond the memory's or table's own maximum) traps instead of
//! failing softly, as wasmtime's `StoreLimits` does with `trap_on_grow_failure`: a guest
//! that cannot grow is ended with a clear error rather than left to mishandle `-1`.
//!
//! Instance, memory and table *counts* are enforced by wasmtime itself, which reads them
//! from [`Limiter`] once and reports an excess only as text, with no hook to record it; so
//! [`count_exceeded`] recognises that one message, in one place.

use wasmtime::ResourceLimiter;

use crate::sandbox::Sandbox;

/// Which limit a guest hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitHit {
    /// The size of a linear memory.
    Memory,
    /// The elements of a table.
    TableElements,
    /// The number of core instances.
    Instances,
    /// The number of linear memories.
    Memories,
    /// The number of tables.
    Tables,
}

/// A sandbox's limits for one store, and the first one refused.
pub(crate) struct Limiter {
    max_memory: usize,
    max_table_elements: usize,
    max_instances: usize,
    max_tables: usize,
    max_memories: usize,
    hit: Option<LimitHit>,
}

/// Why growth was refused; the message is the one wasmtime's own limiter gives.
#[derive(Debug, thiserror::Error)]
#[error("forcing trap when growing {what} to {desired} {unit}")]
struct GrowthRefused {
    what: &'static str,
    desired: usize,
    unit: &'static str,
}

impl Limiter {
    pub(crate) fn new(sandbox: &Sandbox) -> Self {
        Limiter {
            max_memory: sandbox.max_memory,
            max_table_elements: sandbox.max_table_elements,
            max_instances: sandbox.max_instances,
            max_tables: sandbox.max_tables,
            max_memories: sandbox.max_memories,
            hit: None,
        }
    }

    /// The limit refused, if any.
    pub(crate) fn hit(&self) -> Option<LimitHit> {
        self.hit
    }

    /// Records `hit` (the first refusal counts) and returns the error that traps.
    fn refuse(&mut self, hit: LimitHit, refused: GrowthRefused) -> wasmtime::Error {
        self.hit.get_or_insert(hit);
        refused.into()
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_memory || maximum.is_some_and(|max| desired > max) {
            return Err(self.refuse(
                LimitHit::Memory,
                GrowthRefused {
                    what: "memory",
                    desired,
                    unit: "bytes",
                },
            ));
        }
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(error.context("forcing a memory growth failure to be a trap"))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_table_elements || maximum.is_some_and(|max| desired > max) {
            return Err(self.refuse(
                LimitHit::TableElements,
                GrowthRefused {
                    what: "table",
                    desired,
                    unit: "elements",
                },
            ));
        }
        Ok(true)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(error.context("forcing a table growth failure to be a trap"))
    }

    fn instances(&self) -> usize {
        self.max_instances
    }

    fn tables(&self) -> usize {
        self.max_tables
    }

    fn memories(&self) -> usize {
        self.max_memories
    }
}

/// The count limit wasmtime reported exceeded in `e`, if that is what `e` is.
pub(crate) fn count_exceeded(e: &wasmtime::Error) -> Option<LimitHit> {
    let root = e.root_cause().to_string();
    let desc = root
        .strip_prefix("resource limit exceeded: ")?
        .split(" count too high")
        .next()?;
    match desc {
        "instance" => Some(LimitHit::Instances),
        "memory" => Some(LimitHit::Memories),
        "table" => Some(LimitHit::Tables),
        _ => None,
    }
}
