//! The file a program was loaded from, read only when its bytes are needed.
//!
//! A warm run finds everything by digest (what the component exports, its compiled code),
//! and a file astc has hashed before, unchanged, has a trusted digest without being read
//! (see [`astc_resolver::file_digests`]). The bytes themselves are needed only when
//! something is missing from the caches, or to call a component of a composition by name.
//! Read then, they must still be the bytes of that digest: a file changed while a program
//! runs is an error, never other code under the old name.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use astc_resolver::{Digest, FileDigests};

use crate::RunError;

pub(crate) struct Input {
    path: PathBuf,
    pub(crate) digest: Digest,
    digests: FileDigests,
    bytes: OnceLock<Arc<[u8]>>,
}

impl Input {
    /// Opens the component at `path`: its digest, remembered in `cache_dir` or computed now
    /// (reading the bytes, which are then kept).
    pub(crate) fn open(path: &Path, cache_dir: Option<&Path>) -> Result<Self, RunError> {
        let digests = FileDigests::new(cache_dir);
        let (digest, read) = digests.digest_or_read(path).map_err(read_error(path))?;
        let bytes = OnceLock::new();
        if let Some(read) = read {
            let _ = bytes.set(read);
        }
        Ok(Input {
            path: path.to_path_buf(),
            digest,
            digests,
            bytes,
        })
    }

    /// The bytes, read now if they were not yet: an error if the file no longer holds them.
    pub(crate) fn bytes(&self) -> Result<Arc<[u8]>, RunError> {
        if let Some(b) = self.bytes.get() {
            return Ok(b.clone());
        }
        let (bytes, digest) = self
            .digests
            .read(&self.path)
            .map_err(read_error(&self.path))?;
        if digest != self.digest {
            return Err(RunError::Read {
                path: self.path.clone(),
                source: std::io::Error::other(format!(
                    "it changed while astc was running it: it holds {digest}, not {}",
                    self.digest
                )),
            });
        }
        Ok(self.bytes.get_or_init(|| bytes).clone())
    }
}

/// Why [`Input::inspect`] failed.
pub(crate) enum Inspect {
    Read(RunError),
    Invalid(astc_compiler::InspectError),
}

impl Input {
    /// What the component exports and imports: remembered by digest, or read and
    /// validated now.
    pub(crate) fn inspect(&self) -> Result<astc_compiler::Inspected, Inspect> {
        match astc_compiler::inspect_cached(self.digest) {
            Some(inspected) => inspected.map_err(Inspect::Invalid),
            None => {
                let bytes = self.bytes().map_err(Inspect::Read)?;
                astc_compiler::inspect_with_digest(&bytes, self.digest).map_err(Inspect::Invalid)
            }
        }
    }
}

fn read_error(path: &Path) -> impl FnOnce(std::io::Error) -> RunError {
    move |source| RunError::Read {
        path: path.to_path_buf(),
        source,
    }
}
