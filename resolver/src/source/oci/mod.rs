//! A remote OCI registry as a source: components stored as wkg stores them, read through a
//! local cache.
//!
//! # Layout (wkg's, from wasm-pkg-tools and oci-wasm)
//!
//! Component `ns:name` version `V` is the artifact `HOST[:PORT]/PREFIX/ns/name:V`: an OCI
//! image manifest whose config has media type `application/vnd.wasm.config.v0+json` and
//! whose one layer, `application/wasm`, is the component's bytes. Versions are the tags that
//! parse as semver. So `wkg get` reads what `astc publish` pushed, and astc resolves what
//! `wkg publish` pushed.
//!
//! # Guarantees
//!
//! - Plain HTTP to loopback hosts only; every other registry over TLS.
//! - Reads (tag lists, manifests, blobs) are retried twice after a connection failure, a
//!   timeout or a 5xx answer; writes never are.
//! - Every blob is checked against its digest before it is used or cached; the cache
//!   ([`cache`]) is content-addressed and written by rename.
//! - A tag that now points to other bytes than astc recorded (in its cache, or in the lock
//!   with `--locked`) is refused, naming both digests: published versions are immutable.
//! - A publish checks immutability and compatibility first; the manifest, which makes the
//!   version visible, is pushed last, so a failed upload leaves no version behind.
//! - `--offline` reads the cache only.

mod auth;
mod cache;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{OciImageManifest, OciManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use semver::Version;

use crate::digest::Digest;
use crate::name::PackageName;
use crate::registry::{
    PublishError, Published, RegistryError, breaking_error, neighbours, next_patch,
};
use crate::source::location::OciUrl;
use crate::source::{CompatCheck, Loaded, Publish, Source, SourceId};
use crate::summary::ComponentSummary;
use crate::version::parse_version;

use cache::{Cache, TagRecord};

/// wkg's media types (oci-wasm 0.6).
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
const LAYER_MEDIA_TYPE: &str = "application/wasm";

/// How a remote registry is used.
#[derive(Debug, Clone, Default)]
pub struct OciOptions {
    /// The cache directory (`<dir>/oci/` is used); `None` for no cache.
    pub cache_dir: Option<PathBuf>,
    /// Read the cache only.
    pub offline: bool,
    /// Digests to fetch versions by (the lock's, with `--locked`), instead of their tags.
    pub pins: BTreeMap<(PackageName, Version), Digest>,
}

/// A remote OCI registry.
pub struct OciRegistry {
    url: OciUrl,
    id: SourceId,
    options: OciOptions,
    cache: Cache,
    /// The client, made on first use (never with `--offline`).
    remote: Mutex<Option<Arc<Remote>>>,
    /// Tag lists read in this process.
    tags: Mutex<BTreeMap<PackageName, Vec<Version>>>,
    /// Why the registry could not be reached, once it could not.
    unreachable: Mutex<Option<(String, Option<String>)>>,
}

impl OciRegistry {
    /// The registry at `url`.
    pub fn new(url: OciUrl, options: OciOptions) -> Self {
        OciRegistry {
            id: SourceId::Oci(url.to_string()),
            cache: Cache::new(options.cache_dir.clone(), url.clone()),
            url,
            options,
            remote: Mutex::default(),
            tags: Mutex::default(),
            unreachable: Mutex::default(),
        }
    }

    /// The URL.
    pub fn url(&self) -> &OciUrl {
        &self.url
    }

    /// `HOST/REPOSITORY:VERSION` of `name` `version`.
    pub fn reference(&self, name: &PackageName, version: &Version) -> String {
        format!(
            "{}/{}:{version}",
            self.url.registry,
            self.url.repository(name.namespace(), name.name())
        )
    }

    fn remote(&self, name: &PackageName) -> Result<Arc<Remote>, RegistryError> {
        if self.options.offline {
            return Err(RegistryError::Offline {
                url: self.url.to_string(),
                what: format!("`{name}`"),
            });
        }
        if let Some((message, help)) = self.unreachable.lock().unwrap().clone() {
            return Err(RegistryError::Remote {
                url: self.url.to_string(),
                component: format!("{name}"),
                message,
                help,
            });
        }
        let mut slot = self.remote.lock().unwrap();
        if let Some(r) = &*slot {
            return Ok(r.clone());
        }
        let r = Arc::new(Remote::new(&self.url).map_err(|e| self.error(name, e))?);
        *slot = Some(r.clone());
        Ok(r)
    }

    fn error(&self, name: &PackageName, e: RemoteError) -> RegistryError {
        let component = name.to_string();
        let url = self.url.to_string();
        match e {
            RemoteError::Unauthorized { origin } => RegistryError::Unauthorized {
                url,
                component,
                credentials: origin,
            },
            RemoteError::Failed { message, help } => RegistryError::Remote {
                url,
                component,
                message,
                help,
            },
            RemoteError::NotFound { message } => RegistryError::Remote {
                url,
                component,
                message,
                help: None,
            },
            RemoteError::Unreachable { message, help } => {
                // Every later request of this process would wait as long: fail them at once.
                *self.unreachable.lock().unwrap() = Some((message.clone(), help.clone()));
                RegistryError::Remote {
                    url,
                    component,
                    message,
                    help,
                }
            }
        }
    }

    /// What `name`'s tag `version` points to now, if the tag exists.
    fn resolve_tag(
        &self,
        remote: &Remote,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<TagRecord>, RegistryError> {
        let reference = remote.reference(&self.url, name, &version.to_string());
        let Some((manifest, digest)) = remote
            .manifest(&reference)
            .map_err(|e| self.error(name, e))?
        else {
            return Ok(None);
        };
        let layer = component_layer(&manifest).map_err(|why| RegistryError::Remote {
            url: self.url.to_string(),
            component: format!("{name} {version}"),
            message: format!(
                "`{}` is not a WebAssembly component artifact: {why}",
                self.reference(name, version)
            ),
            help: Some(
                "astc reads artifacts as wkg publishes them: one `application/wasm` layer".into(),
            ),
        })?;
        Ok(Some(TagRecord {
            manifest: digest,
            layer,
        }))
    }

    /// The bytes of `layer` for `name`, from the cache or the registry, checked.
    /// `pinned`: `layer` is the lock's digest, so a registry without it is told apart.
    fn blob(
        &self,
        name: &PackageName,
        version: &Version,
        layer: &Digest,
        pinned: bool,
    ) -> Result<Arc<[u8]>, RegistryError> {
        if let Some(bytes) = self.cache.blob(layer) {
            return Ok(bytes);
        }
        let remote = self.remote(name)?;
        let reference = remote.reference(&self.url, name, &version.to_string());
        let bytes = remote.blob(&reference, layer).map_err(|e| match e {
            RemoteError::NotFound { message } if pinned => RegistryError::Remote {
                url: self.url.to_string(),
                component: name.to_string(),
                message: format!(
                    "the lock's digest {layer} of {name} {version} is not in the registry: {message}"
                ),
                help: Some(
                    "the version was deleted or replaced on the registry; `astc update` resolves again without the lock".into(),
                ),
            },
            e => self.error(name, e),
        })?;
        self.cache
            .put_blob(layer, &bytes)
            .map_err(|e| self.cache_error(e))?;
        Ok(bytes.into())
    }

    fn cache_error(&self, source: std::io::Error) -> RegistryError {
        RegistryError::Io {
            path: self
                .options
                .cache_dir
                .clone()
                .unwrap_or_default()
                .join("oci"),
            source,
        }
    }

    fn loaded(&self, bytes: Arc<[u8]>, digest: Digest) -> Loaded {
        Loaded {
            path: self
                .cache
                .blob_path(&digest)
                .unwrap_or_else(|| PathBuf::from(self.url.to_string())),
            bytes,
            digest,
            source: self.id.clone(),
        }
    }

    fn tag_moved(
        &self,
        name: &PackageName,
        version: &Version,
        recorded: Digest,
        actual: Digest,
        by: &str,
    ) -> RegistryError {
        RegistryError::TagMoved {
            url: self.url.to_string(),
            reference: self.reference(name, version),
            name: name.clone(),
            version: version.clone(),
            recorded,
            actual,
            by: by.to_string(),
        }
    }
}

impl Source for OciRegistry {
    fn id(&self) -> &SourceId {
        &self.id
    }

    fn location(&self) -> String {
        if self.options.offline {
            format!("the cache of OCI registry `{}` (`--offline`)", self.url)
        } else {
            format!("OCI registry `{}`", self.url)
        }
    }

    fn names(&self) -> Result<Vec<PackageName>, RegistryError> {
        // Registries need not list their repositories (and most refuse to): no suggestions.
        Ok(Vec::new())
    }

    fn versions(&self, name: &PackageName) -> Result<Vec<Version>, RegistryError> {
        if self.options.offline {
            return Ok(self.cache.versions(name));
        }
        if let Some(v) = self.tags.lock().unwrap().get(name) {
            return Ok(v.clone());
        }
        let remote = self.remote(name)?;
        let reference = remote.reference(&self.url, name, "latest");
        let tags = remote.tags(&reference).map_err(|e| self.error(name, e))?;
        // Tags that are not versions (`latest`, `sha256-...` signatures) are not releases.
        let mut versions: Vec<Version> =
            tags.iter().filter_map(|t| parse_version(t).ok()).collect();
        versions.sort();
        versions.dedup();
        self.tags
            .lock()
            .unwrap()
            .insert(name.clone(), versions.clone());
        Ok(versions)
    }

    fn cached_versions(&self, name: &PackageName) -> Option<Vec<Version>> {
        Some(self.cache.versions(name))
    }

    fn fetch(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<Loaded>, RegistryError> {
        // `--locked`: by the lock's digest, whatever the tag says now.
        if let Some(pinned) = self.options.pins.get(&(name.clone(), version.clone())) {
            let bytes = self.blob(name, version, pinned, true)?;
            return Ok(Some(self.loaded(bytes, *pinned)));
        }
        // What the cache recorded: no network for a version read before, unless this process
        // asked the registry for the component's versions anyway (resolving without a lock
        // that pins it): then the tag is checked against the record, one manifest request.
        if let Some(record) = self.cache.tag(name, version)
            && let Some(bytes) = self.cache.blob(&record.layer)
        {
            let listed = self.tags.lock().unwrap().contains_key(name);
            if listed && !self.options.offline {
                let remote = self.remote(name)?;
                if let Some(now) = self.resolve_tag(&remote, name, version)?
                    && now.layer != record.layer
                {
                    return Err(self.tag_moved(
                        name,
                        version,
                        record.layer,
                        now.layer,
                        "astc's cache",
                    ));
                }
            }
            return Ok(Some(self.loaded(bytes, record.layer)));
        }
        if self.options.offline {
            // Not in the cache: as if the registry did not hold it (the location says why).
            return Ok(None);
        }
        let remote = self.remote(name)?;
        let Some(record) = self.resolve_tag(&remote, name, version)? else {
            return Ok(None);
        };
        if let Some(old) = self.cache.tag(name, version)
            && old.layer != record.layer
        {
            return Err(self.tag_moved(name, version, old.layer, record.layer, "astc's cache"));
        }
        let bytes = self.blob(name, version, &record.layer, false)?;
        self.cache
            .put_tag(name, version, &record)
            .map_err(|e| self.cache_error(e))?;
        Ok(Some(self.loaded(bytes, record.layer)))
    }

    fn inputs(&self, name: &PackageName, version: &Version) -> Vec<PathBuf> {
        self.cache
            .tag(name, version)
            .and_then(|r| self.cache.blob_path(&r.layer))
            .into_iter()
            .collect()
    }

    fn listing_dirs(&self, name: Option<&PackageName>) -> Vec<PathBuf> {
        name.and_then(|n| self.cache.tag_dir_of(n))
            .filter(|d| d.is_dir())
            .into_iter()
            .collect()
    }
}

impl Publish for OciRegistry {
    fn publish(
        &self,
        name: &PackageName,
        version: &Version,
        bytes: &[u8],
        summary: &ComponentSummary,
        check: &mut CompatCheck<'_>,
    ) -> Result<Published, PublishError> {
        if name.is_host() {
            return Err(PublishError::Reserved { name: name.clone() });
        }
        let tag = version.to_string();
        if !valid_tag(&tag) {
            return Err(PublishError::BadTag {
                name: name.clone(),
                version: version.clone(),
                url: self.url.to_string(),
            });
        }
        let digest = Digest::of(bytes);
        let place = PathBuf::from(self.reference(name, version));
        let remote = self.remote(name)?;
        // Immutability, against the registry itself.
        if let Some(existing) = self.resolve_tag(&remote, name, version)? {
            if existing.layer != digest {
                let versions = self.versions(name)?;
                let latest = versions.last().unwrap_or(version);
                return Err(PublishError::Immutable {
                    name: name.clone(),
                    version: version.clone(),
                    existing: existing.layer,
                    new: digest,
                    suggestion: next_patch(latest),
                });
            }
            return Ok(Published::Unchanged {
                path: place,
                digest,
            });
        }
        // Compatibility with the neighbours in the same class, fetched for the comparison.
        let neighbours = neighbours(self, name, version)?;
        check(&neighbours)
            .map_err(|(other, source)| breaking_error(name, version, other, source))?;

        let reference = remote.reference(&self.url, name, &tag);
        let manifest_digest = remote
            .push(&reference, name, version, bytes, summary)
            .map_err(|e| self.error(name, e))?;
        // The cache learns the new version as if it had been read.
        self.cache
            .put_blob(&digest, bytes)
            .and_then(|()| {
                self.cache.put_tag(
                    name,
                    version,
                    &TagRecord {
                        manifest: manifest_digest,
                        layer: digest,
                    },
                )
            })
            .map_err(|e| self.cache_error(e))?;
        Ok(Published::Added {
            path: place,
            digest,
        })
    }
}

/// Whether `tag` is a valid OCI tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
fn valid_tag(tag: &str) -> bool {
    tag.len() <= 128
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The digest of the manifest's one `application/wasm` layer.
fn component_layer(manifest: &OciImageManifest) -> Result<Digest, String> {
    let layers: Vec<_> = manifest
        .layers
        .iter()
        .filter(|l| l.media_type == LAYER_MEDIA_TYPE)
        .collect();
    match layers.as_slice() {
        [one] => Digest::parse(&one.digest).map_err(|e| format!("layer digest: {}", e.0)),
        [] => Err(format!(
            "it has no `{LAYER_MEDIA_TYPE}` layer (layers: {})",
            manifest
                .layers
                .iter()
                .map(|l| format!("`{}`", l.media_type))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Err(format!(
            "it has {} `{LAYER_MEDIA_TYPE}` layers",
            layers.len()
        )),
    }
}

/// Why a request to the registry failed.
enum RemoteError {
    /// The registry wants credentials, or refused the ones sent.
    Unauthorized { origin: String },
    /// Anything else: what happened, and what to do.
    Failed {
        message: String,
        help: Option<String>,
    },
    /// The registry has no such repository, tag or blob (HTTP 404, `NAME_UNKNOWN`, ...).
    NotFound { message: String },
    /// The registry could not be reached, or did not answer, even after retries.
    Unreachable {
        message: String,
        help: Option<String>,
    },
}

/// The registry client: oci-client on a runtime of its own, with the credentials found for
/// the registry.
struct Remote {
    client: Client,
    auth: RegistryAuth,
    origin: auth::Origin,
    runtime: tokio::runtime::Runtime,
}

/// How long a connection may take, and how long the registry may stay silent mid-answer
/// (`ASTC_REGISTRY_TIMEOUT`, seconds, to change it).
fn timeout() -> Duration {
    std::env::var("ASTC_REGISTRY_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(30))
}

/// Retries of a failed read.
const RETRIES: u32 = 2;

/// Tags asked for per page of a tag list.
const TAG_PAGE: usize = 1000;

impl Remote {
    fn new(url: &OciUrl) -> Result<Remote, RemoteError> {
        // reqwest's TLS without a built-in provider: ring's, which astc already uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let protocol = if url.is_loopback() {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        };
        let t = timeout();
        let client = Client::try_from(ClientConfig {
            protocol,
            connect_timeout: Some(t.min(Duration::from_secs(10))),
            read_timeout: Some(t),
            ..Default::default()
        })
        .map_err(|e| RemoteError::Failed {
            message: format!("cannot set up the registry client: {e}"),
            help: None,
        })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RemoteError::Failed {
                message: format!("cannot start the registry client: {e}"),
                help: None,
            })?;
        let (auth, origin) = auth::credentials(&url.registry);
        Ok(Remote {
            client,
            auth,
            origin,
            runtime,
        })
    }

    fn reference(&self, url: &OciUrl, name: &PackageName, tag: &str) -> Reference {
        Reference::with_tag(
            url.registry.clone(),
            url.repository(name.namespace(), name.name()),
            tag.to_string(),
        )
    }

    /// Runs an idempotent read, retrying transient failures.
    fn read<T, F>(&self, mut op: impl FnMut() -> F) -> Result<T, RemoteError>
    where
        F: Future<Output = Result<T, OciDistributionError>>,
    {
        let mut attempt = 0;
        loop {
            let overall = timeout() * 2;
            let result = self.runtime.block_on(async {
                match tokio::time::timeout(overall, op()).await {
                    Ok(r) => r.map_err(Some),
                    Err(_) => Err(None),
                }
            });
            match result {
                Ok(v) => return Ok(v),
                Err(e) if attempt < RETRIES && transient(e.as_ref()) => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
                }
                Err(e) => return Err(self.describe(e, overall)),
            }
        }
    }

    fn describe(&self, e: Option<OciDistributionError>, overall: Duration) -> RemoteError {
        let Some(e) = e else {
            return RemoteError::Unreachable {
                message: format!(
                    "the registry did not answer within {}s",
                    overall.as_secs()
                ),
                help: Some("check that the registry is up; ASTC_REGISTRY_TIMEOUT sets the timeout in seconds".into()),
            };
        };
        match e {
            OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::AuthenticationFailure(_) => RemoteError::Unauthorized {
                origin: self.origin.describe(),
            },
            OciDistributionError::ServerError { code: 401, .. } => RemoteError::Unauthorized {
                origin: self.origin.describe(),
            },
            OciDistributionError::RequestError(e) => {
                let help = Some(
                    "check the URL and that the registry is running and reachable; ASTC_REGISTRY_TIMEOUT sets the timeout in seconds".into(),
                );
                if e.is_timeout() {
                    RemoteError::Unreachable {
                        message: format!(
                            "the registry did not answer within {}s",
                            timeout().as_secs_f64()
                        ),
                        help,
                    }
                } else if e.is_connect() {
                    RemoteError::Unreachable {
                        message: format!("cannot connect to the registry: {}", root_cause(&e)),
                        help,
                    }
                } else {
                    RemoteError::Failed {
                        message: format!("the request failed: {}", root_cause(&e)),
                        help,
                    }
                }
            }
            OciDistributionError::DigestError(d) => RemoteError::Failed {
                message: format!("a download did not match its digest ({d}): the data was corrupted on the way or on the registry"),
                help: Some("nothing was cached; try again, and if it persists the registry holds a damaged blob".into()),
            },
            OciDistributionError::ServerError {
                code: 404, message, ..
            } => RemoteError::NotFound {
                message: format!("the registry answered HTTP 404: {}", short(&message)),
            },
            OciDistributionError::ServerError { code, message, .. } => RemoteError::Failed {
                message: format!("the registry answered HTTP {code}: {}", short(&message)),
                help: None,
            },
            OciDistributionError::RegistryError { envelope, .. } => {
                let errors: Vec<String> = envelope
                    .errors
                    .iter()
                    .map(|e| format!("{:?}: {}", e.code, e.message))
                    .collect();
                let message = format!("the registry refused: {}", errors.join("; "));
                let unknown = envelope.errors.iter().any(|e| {
                    matches!(
                        e.code,
                        OciErrorCode::NameUnknown
                            | OciErrorCode::ManifestUnknown
                            | OciErrorCode::BlobUnknown
                    )
                });
                if unknown {
                    RemoteError::NotFound { message }
                } else {
                    RemoteError::Failed {
                        message,
                        help: None,
                    }
                }
            }
            other => RemoteError::Failed {
                message: short(&other.to_string()),
                help: None,
            },
        }
    }

    /// The tags of `reference`'s repository; none when the repository does not exist.
    fn tags(&self, reference: &Reference) -> Result<Vec<String>, RemoteError> {
        // Page by page (`n` and `last`, as the distribution spec pages them): registries such
        // as ghcr.io return only a first page otherwise.
        let mut all: Vec<String> = Vec::new();
        loop {
            let last = all.last().cloned();
            let result = self.read(|| {
                self.client
                    .list_tags(reference, &self.auth, Some(TAG_PAGE), last.as_deref())
            });
            let page = match result {
                Ok(t) => t.tags,
                Err(RemoteError::NotFound { .. }) => Vec::new(),
                Err(e) => return Err(e),
            };
            let full = page.len() >= TAG_PAGE;
            // A registry that ignores `last` would send the same page forever.
            let progressed = page.last() != last.as_ref() && !page.is_empty();
            all.extend(page);
            if !full || !progressed {
                return Ok(all);
            }
        }
    }

    /// The image manifest of `reference` and its digest; `None` when there is no such tag.
    fn manifest(
        &self,
        reference: &Reference,
    ) -> Result<Option<(OciImageManifest, String)>, RemoteError> {
        let result = self.read(|| self.client.pull_manifest(reference, &self.auth));
        match result {
            Ok((OciManifest::Image(m), digest)) => Ok(Some((m, digest))),
            Ok((OciManifest::ImageIndex(_), _)) => Err(RemoteError::Failed {
                message: "the tag is an image index, not a component artifact".into(),
                help: None,
            }),
            Err(RemoteError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The blob `digest` of `reference`'s repository, checked against the digest.
    fn blob(&self, reference: &Reference, digest: &Digest) -> Result<Vec<u8>, RemoteError> {
        let digest_text = digest.to_string();
        let bytes = self.read(|| async {
            // Blob requests carry the credentials the registry asked for on other requests.
            self.client
                .store_auth_if_needed(reference.resolve_registry(), &self.auth)
                .await;
            let mut out = Vec::new();
            self.client
                .pull_blob(reference, digest_text.as_str(), &mut out)
                .await?;
            Ok(out)
        })?;
        // oci-client checks the digest when the registry sends one; this checks it always.
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Err(RemoteError::Failed {
                message: format!(
                    "the blob {digest} arrived as other bytes ({actual}, {} bytes): corrupted on the way or on the registry",
                    bytes.len()
                ),
                help: Some("nothing was cached; try again, and if it persists the registry holds a damaged blob".into()),
            });
        }
        Ok(bytes)
    }

    /// Pushes `bytes` as wkg does: the layer, the config, then the manifest (which makes the
    /// version visible). Returns the manifest's digest. Not retried.
    fn push(
        &self,
        reference: &Reference,
        name: &PackageName,
        version: &Version,
        bytes: &[u8],
        summary: &ComponentSummary,
    ) -> Result<String, RemoteError> {
        let layer = ImageLayer::new(
            bytes.to_vec(),
            LAYER_MEDIA_TYPE.to_string(),
            Some(BTreeMap::from([(
                "org.opencontainers.image.title".to_string(),
                format!("{}.wasm", name.name()),
            )])),
        );
        let names = |list: &[crate::name::InterfaceName]| -> Vec<String> {
            list.iter().map(|i| i.to_string()).collect()
        };
        // oci-wasm's `WasmConfig`, field for field; `created` is fixed so that the same
        // bytes always make the same artifact.
        let config = serde_json::json!({
            "created": "1970-01-01T00:00:00Z",
            "author": null,
            "architecture": "wasm",
            "os": "wasip2",
            "layerDigests": [layer.sha256_digest()],
            "component": {
                "exports": names(&summary.exports),
                "imports": names(&summary.imports),
                "target": null,
            },
        });
        let config = Config::new(
            serde_json::to_vec(&config).expect("the config serializes"),
            CONFIG_MEDIA_TYPE.to_string(),
            None,
        );
        let mut manifest = OciImageManifest::build(
            std::slice::from_ref(&layer),
            &config,
            Some(BTreeMap::from([(
                "org.opencontainers.image.version".to_string(),
                version.to_string(),
            )])),
        );
        manifest.media_type = Some(MANIFEST_MEDIA_TYPE.to_string());
        let overall = timeout() * 4;
        let result = self.runtime.block_on(async {
            tokio::time::timeout(
                overall,
                self.client
                    .push(reference, &[layer], config, &self.auth, Some(manifest)),
            )
            .await
        });
        match result {
            Ok(Ok(r)) => Ok(r
                .manifest_url
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()),
            Ok(Err(e)) => Err(self.describe(Some(e), overall)),
            Err(_) => Err(self.describe(None, overall)),
        }
    }
}

/// Whether a read failed in a way another attempt may not: connection problems, timeouts
/// and 5xx answers are worth retrying.
fn transient(e: Option<&OciDistributionError>) -> bool {
    match e {
        None => true,
        Some(OciDistributionError::RequestError(_)) => true,
        Some(OciDistributionError::ServerError { code, .. }) => *code >= 500,
        _ => false,
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// A server's message, at most 200 characters.
fn short(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert!(valid_tag("1.2.0"));
        assert!(valid_tag("1.2.0-rc.1"));
        assert!(!valid_tag("1.2.0+build.5"));
        assert!(!valid_tag(&"1".repeat(129)));
    }
}
