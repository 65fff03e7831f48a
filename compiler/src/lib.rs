//! astc's compiler: reads components, checks that imports match the exports wired to them,
//! and composes them into one component.
//!
//! Data flows one way through astc: manifest → resolver → **compiler** → runner. The
//! resolver decides which components and versions; this crate works on their bytes:
//!
//! - [`inspect`]: validate a component and recover its WIT world;
//! - [`typecheck`]: compare an imported interface with the export that satisfies it, reporting
//!   every difference with its path;
//! - [`check`]: type-check every wired import of a resolution, reporting all mismatches;
//! - [`capabilities`]: the table of host packages the runner provides, against which host
//!   imports are checked;
//! - [`component_cache`]: what was learned about each component, remembered by digest, under
//!   the directory [`cache_dir`] chooses;
//! - [`compose`]: fuse a checked resolution into one component with wac-graph;
//! - [`build`]: the pipeline `astc check` and `astc compose` run, writing atomically;
//! - [`compat`]: the breaking-change check `astc publish` runs between releases;
//! - [`provenance`]: the `astc` custom section recording what a composition holds, with
//!   the [`docs`] of each part.

#![deny(missing_docs)]
// Errors are cold and carry the names and digests their messages show; boxing them would
// only move the allocation.
#![allow(clippy::result_large_err)]

pub mod build;
pub mod cache_dir;
pub mod capabilities;
pub mod check;
pub mod compat;
pub mod component_cache;
pub mod compose;
pub mod diagnostic;
pub mod docs;
pub mod inspect;
pub mod provenance;
pub mod schema;
mod stamp;
pub mod typecheck;
pub mod wit;

pub use inspect::{
    FileError, InspectError, Inspected, WasmInspector, inspect, inspect_cached, inspect_file,
    inspect_with_digest,
};
