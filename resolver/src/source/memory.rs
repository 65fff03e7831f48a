//! [`MemoryRegistry`]: interface summaries without bytes, for resolver tests and benchmarks.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use semver::Version;

use super::{ComponentSource, Loaded, SourceId};
use crate::digest::Digest;
use crate::manifest::DEFAULT_REGISTRY;
use crate::name::PackageName;
use crate::registry::RegistryError;
use crate::summary::ComponentSummary;

/// An in-memory registry for tests and benchmarks: summaries without bytes. It stands for
/// the default registry directory, `registry`, which is what locks of its components name.
#[derive(Debug, Default, Clone)]
pub struct MemoryRegistry {
    packages: BTreeMap<PackageName, BTreeMap<Version, Arc<ComponentSummary>>>,
}

impl MemoryRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `name` `version` with `summary`.
    pub fn add(&mut self, name: PackageName, version: Version, summary: ComponentSummary) {
        self.packages
            .entry(name)
            .or_default()
            .insert(version, Arc::new(summary.normalize()));
    }
}

impl ComponentSource for MemoryRegistry {
    fn location(&self) -> String {
        "the in-memory registry".into()
    }

    fn versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        Ok(self
            .packages
            .get(name)
            .map(|v| v.keys().cloned().collect())
            .unwrap_or_default())
    }

    fn summary(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Arc<ComponentSummary>, RegistryError> {
        self.packages
            .get(name)
            .and_then(|v| v.get(version))
            .cloned()
            .ok_or_else(|| RegistryError::Missing {
                name: name.clone(),
                version: version.clone(),
                location: self.location(),
            })
    }

    fn names(&self) -> Result<Vec<PackageName>, RegistryError> {
        Ok(self.packages.keys().cloned().collect())
    }

    /// Memory components have no bytes; the digest stands for the name and version.
    fn load(&self, name: &PackageName, version: &Version) -> Result<Loaded, RegistryError> {
        self.summary(name, version)?;
        let bytes: Arc<[u8]> = Arc::from(Vec::new());
        Ok(Loaded {
            digest: Digest::of(format!("{name}@{version}").as_bytes()),
            bytes,
            path: PathBuf::from(format!("memory/{name}@{version}")),
            source: SourceId::Registry(DEFAULT_REGISTRY.into()),
        })
    }
}
