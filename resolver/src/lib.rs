//! astc's resolver: what to compose, which versions, and where they come from.
//!
//! Data flows one way through astc: manifest → **resolver** → compiler → runner. This crate
//! owns the first step and the types every later step shares:
//!
//! - names and versions: [`PackageName`] (`acme:greeter`), [`InterfaceName`]
//!   (`acme:greeter/greet@1.2.0`), [`ComponentId`] (`acme:greeter@1.2.0`), [`Digest`], and
//!   the component model's semver rule ([`version`]);
//! - the manifest, `astc.toml` or asterai's `env.toml` ([`manifest`]);
//! - sources of immutable published versions ([`source`]): registry directories
//!   ([`registry`]) and asterai local stores, chained in a fixed order;
//! - resolution by semver with PubGrub ([`resolve`]) and the lockfile ([`lockfile`]);
//! - atomic file writes ([`fs`]), and the digests of unchanged files remembered by their
//!   identity ([`file_digests`]).
//!
//! It never parses WebAssembly: component summaries come from registry records or from an
//! [`Inspector`] the compiler provides.
//!
//! ```no_run
//! # fn demo(inspector: &dyn astc_resolver::Inspector) -> Result<(), Box<dyn std::error::Error>> {
//! use astc_resolver::{LockMode, Project, ProjectOptions};
//! let project = Project::load("astc.toml".as_ref(), &ProjectOptions::default(), inspector)?;
//! let locked = project.lock(LockMode::Update)?;
//! for c in &locked.resolution.components {
//!     println!("{} {}", c.id, c.digest);
//! }
//! # Ok(()) }
//! ```

#![deny(missing_docs)]
// Errors are cold and carry the names and digests their messages show; boxing them would
// only move the allocation.
#![allow(clippy::result_large_err)]

pub mod diagnostic;
pub mod digest;
pub mod file_digests;
pub mod fs;
pub mod graph;
pub mod lockfile;
pub mod manifest;
pub mod name;
pub mod project;
pub mod registry;
pub mod resolve;
pub mod source;
pub mod suggest;
pub mod summary;
pub mod tree;
pub mod version;
pub mod warning;

pub use digest::Digest;
pub use file_digests::FileDigests;
pub use lockfile::{LockVersion, LockedImport, LockedSource, Lockfile};
pub use manifest::{Dependency, Manifest, ManifestFormat};
pub use name::{ComponentId, InterfaceName, PackageName};
pub use project::{Change, LockMode, Locked, Project, ProjectError, ProjectOptions, Updated};
pub use registry::{PublishError, Published, Registry, RegistryError};
pub use resolve::{Resolution, ResolveError, Resolved};
pub use semver::Version;
pub use source::{
    AsteraiStore, ComponentSource, Loaded, MemoryRegistry, Publish, Source, SourceId, Sources,
};
pub use summary::{BoxError, ComponentSummary, Inspector};
pub use warning::Warning;
