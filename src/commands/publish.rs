use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use astc_compiler::compat::check_compatible;
use astc_compiler::{inspect, inspect_file};
use astc_resolver::manifest::DEFAULT_REGISTRY;
use astc_resolver::source::location::{RegistryLocation, parse_registry};
use astc_resolver::source::{OciOptions, OciRegistry};
use astc_resolver::version::parse_version;
use astc_resolver::{
    BoxError, Manifest, PackageName, Publish, Published, Registry, Version, Warning,
};

use crate::ui;

/// Add a component to a registry, as an immutable version.
///
/// The file must be a valid component. An existing version is never replaced: publishing the
/// same bytes again does nothing, other bytes are refused. A new minor or patch release must
/// keep every function and type the previous release of its major exported.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc publish build/greeter.wasm --name acme:greeter --version 1.2.0
  astc publish kv.wasm --name acme:kv --version 0.3.1 --registry ../shared-registry
  astc publish kv.wasm --name acme:kv --version 0.3.1 --registry oci://ghcr.io/acme")]
pub struct Args {
    /// The component file.
    file: PathBuf,
    /// The component's name, `namespace:name`.
    #[arg(long, value_parser = PackageName::parse)]
    name: PackageName,
    /// The version to publish it as, `MAJOR.MINOR.PATCH[-PRE]`.
    #[arg(long, value_parser = parse_version)]
    version: Version,
    /// The registry: a directory, or an OCI registry `oci://HOST[:PORT][/PREFIX]` [default:
    /// the manifest's `[registry] url`, else its `path`, else ./registry].
    #[arg(long, value_name = "DIR|URL", value_parser = parse_registry)]
    registry: Option<RegistryLocation>,
    /// The manifest whose `[registry]` to use when `--registry` is not given.
    #[arg(long, value_name = "PATH", default_value = "astc.toml")]
    manifest: PathBuf,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let location = match &self.registry {
            Some(l) => l.clone(),
            None if self.manifest.exists() => {
                let m = Manifest::load(&self.manifest)?;
                match &m.registry_url {
                    Some(url) => RegistryLocation::Oci(url.clone()),
                    None => RegistryLocation::Dir(m.dir().join(&m.registry)),
                }
            }
            None => RegistryLocation::Dir(PathBuf::from(DEFAULT_REGISTRY)),
        };
        let (bytes, new) = inspect_file(&self.file)?;
        ui::warnings(&interface_version_warnings(
            &self.name,
            &self.version,
            &new.summary,
        ));
        let registry: Box<dyn Publish> = match location {
            RegistryLocation::Dir(dir) => Box::new(Registry::open(dir)),
            RegistryLocation::Oci(url) => Box::new(OciRegistry::new(
                url,
                OciOptions {
                    cache_dir: astc_compiler::cache_dir::default_dir(),
                    ..OciOptions::default()
                },
            )),
        };
        let version = self.version.clone();
        let outcome = registry.publish(
            &self.name,
            &self.version,
            &bytes,
            &new.summary,
            &mut |neighbours: &[(Version, Arc<[u8]>)]| {
                for (other, other_bytes) in neighbours {
                    let other_inspected =
                        inspect(other_bytes).map_err(|e| (other.clone(), BoxError::from(e)))?;
                    // The older release is what the newer one must still provide.
                    let result = if *other < version {
                        check_compatible(&other_inspected, &new)
                    } else {
                        check_compatible(&new, &other_inspected)
                    };
                    result.map_err(|e| (other.clone(), BoxError::from(e)))?;
                }
                Ok(())
            },
        )?;
        match outcome {
            Published::Added { path, digest } => ui::status(
                "Published",
                format!(
                    "{} v{} to {} ({digest})",
                    self.name,
                    self.version,
                    display(&path)
                ),
            ),
            Published::Unchanged { digest, .. } => ui::status(
                "Unchanged",
                format!(
                    "{} v{} is already published with these bytes ({digest})",
                    self.name, self.version
                ),
            ),
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Interfaces of the component's own package should carry its version, or importers of
/// `ns:name/iface@X` will select this version for an interface it does not export at X.
fn interface_version_warnings(
    name: &PackageName,
    version: &Version,
    summary: &astc_resolver::ComponentSummary,
) -> Vec<Warning> {
    summary
        .exports
        .iter()
        .filter(|e| e.package() == name)
        .filter(|e| e.version().is_some_and(|v| v != version))
        .map(|e| {
            Warning::new(
                "astc::warn::interface_version",
                format!(
                    "`{e}` is exported by {name} v{version}: the interface version differs from the component version, so importers of `{}@{version}` will not find it",
                    e.unversioned()
                ),
            )
            .component(format!("{name}@{version}"))
            .interface(e)
        })
        .collect()
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
