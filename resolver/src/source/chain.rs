//! [`Sources`]: several sources read as one, in a fixed order of precedence.
//!
//! # Precedence
//!
//! Sources are consulted in the order they were added: for a project, its registry
//! directory, then its asterai store. A component's versions are the union of what every
//! source holds. A version held by several sources must have the same bytes in each
//! (published versions are immutable everywhere), and is served by the first; the lock
//! records that source.
//!
//! Interface summaries come from the first source that recorded one at publish, else from
//! inspecting the bytes; either way each is computed once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use semver::Version;

use super::{ComponentSource, Loaded, Source, SourceId};
use crate::name::PackageName;
use crate::registry::RegistryError;
use crate::summary::{ComponentSummary, Inspector};

/// An ordered chain of sources, read as one.
pub struct Sources<'a> {
    sources: Vec<Box<dyn Source + 'a>>,
    inspector: &'a dyn Inspector,
    summaries: Mutex<BTreeMap<(PackageName, Version), Arc<ComponentSummary>>>,
}

impl<'a> Sources<'a> {
    /// No sources yet; `inspector` summarizes files that have no record.
    pub fn new(inspector: &'a dyn Inspector) -> Self {
        Sources {
            sources: Vec::new(),
            inspector,
            summaries: Mutex::default(),
        }
    }

    /// Adds `source` after those already added, so it yields to them.
    pub fn with(mut self, source: impl Source + 'a) -> Self {
        self.sources.push(Box::new(source));
        self
    }

    /// The sources, in order of precedence.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Source> {
        self.sources.iter().map(|s| &**s)
    }

    /// The source the lock records as `id`, if it is one of these.
    pub fn get(&self, id: &SourceId) -> Option<&dyn Source> {
        self.iter().find(|s| s.id() == id)
    }

    /// Directories whose listing decides which versions exist, sorted: the roots of every
    /// source, and those of the components in `selected` (name and the source serving it).
    pub fn listing_dirs<'s>(
        &self,
        selected: impl IntoIterator<Item = (&'s PackageName, &'s SourceId)>,
    ) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self.iter().flat_map(|s| s.listing_dirs(None)).collect();
        for (name, id) in selected {
            if let Some(source) = self.get(id) {
                dirs.extend(source.listing_dirs(Some(name)));
            }
        }
        dirs.sort();
        dirs.dedup();
        dirs
    }
}

impl ComponentSource for Sources<'_> {
    fn location(&self) -> String {
        self.iter()
            .map(|s| s.location())
            .collect::<Vec<_>>()
            .join(" and ")
    }

    fn versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        let mut all = Vec::new();
        for source in self.iter() {
            all.extend(source.versions(name)?);
        }
        all.sort();
        all.dedup();
        Ok(all)
    }

    fn cached_versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        let mut all = Vec::new();
        for source in self.iter() {
            match source.cached_versions(name) {
                Some(v) => all.extend(v),
                None => all.extend(source.versions(name)?),
            }
        }
        all.sort();
        all.dedup();
        Ok(all)
    }

    fn summary(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Arc<ComponentSummary>, RegistryError> {
        let key = (name.clone(), version.clone());
        if let Some(s) = self.summaries.lock().unwrap().get(&key) {
            return Ok(s.clone());
        }
        let mut recorded = None;
        for source in self.iter() {
            if let Some(s) = source.recorded_summary(name, version)? {
                recorded = Some(s);
                break;
            }
        }
        let summary = match recorded {
            Some(s) => Arc::new(s),
            None => {
                let loaded = self.load(name, version)?;
                let summary = self
                    .inspector
                    .summarize(&loaded.path, &loaded.bytes, loaded.digest)
                    .map_err(|source| RegistryError::InvalidComponent {
                        path: loaded.path.clone(),
                        source,
                    })?;
                Arc::new(summary.normalize())
            }
        };
        self.summaries.lock().unwrap().insert(key, summary.clone());
        Ok(summary)
    }

    fn names(&self) -> Result<Vec<PackageName>, RegistryError> {
        let mut all = Vec::new();
        for source in self.iter() {
            all.extend(source.names()?);
        }
        all.sort();
        all.dedup();
        Ok(all)
    }

    /// The first source's copy, after checking that every other source holding the version
    /// has the same bytes.
    fn load(&self, name: &PackageName, version: &Version) -> Result<Loaded, RegistryError> {
        let mut first: Option<Loaded> = None;
        for source in self.iter() {
            let Some(copy) = source.fetch(name, version)? else {
                continue;
            };
            match &first {
                None => first = Some(copy),
                Some(a) if a.digest != copy.digest => {
                    return Err(RegistryError::Conflict {
                        name: name.clone(),
                        version: version.clone(),
                        first: a.path.clone(),
                        first_digest: a.digest,
                        second: copy.path,
                        second_digest: copy.digest,
                    });
                }
                Some(_) => {}
            }
        }
        first.ok_or_else(|| RegistryError::Missing {
            name: name.clone(),
            version: version.clone(),
            location: self.location(),
        })
    }
}
