//! The project manifest: `astc.toml`, or an asterai `env.toml`.
//!
//! ```toml
//! [package]
//! name = "acme:app"            # the root component's name
//! version = "0.1.0"
//! component = "build/app.wasm" # the root component, relative to this file
//!
//! [dependencies]
//! "acme:greeter" = "^1.0"                  # from the registry, a semver requirement
//! "acme:kv" = { path = "build/kv.wasm" }   # a local component
//!
//! [registry]
//! path = "registry"                        # default: ./registry
//!
//! [wire]                                    # who provides an interface when several could
//! "acme:kv/store" = "acme:redis-kv"
//! ```
//!
//! An asterai environment (`[metadata]` with namespace, name and version, and `[components]`
//! mapping `ns:name` to an exact version) is read into the same structure: it has no root
//! component of its own, its components are all members of the composition.
//!
//! Parsing is strict: unknown keys are errors with a did-you-mean, every name and version is
//! checked, and every error names the file, the key and, where it can, the line.
//!
//! One module for both formats: `env.toml` is read into the same [`Manifest`] with the same
//! checks, and keeping the two readers side by side keeps their rules in step. A quarter of
//! the file is tests.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::SourceSpan;
use semver::{Version, VersionReq};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::elide;
pub(crate) use crate::diagnostic::line_column;
use crate::name::{InterfaceName, PackageName};
use crate::suggest;
use crate::version::parse_version;

/// The default registry directory, relative to the manifest.
pub const DEFAULT_REGISTRY: &str = "registry";

/// Which format a manifest was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestFormat {
    /// astc's own `astc.toml`.
    Astc,
    /// asterai's `env.toml`.
    AsteraiEnv,
}

/// A parsed, validated manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The file it was read from.
    pub path: PathBuf,
    /// The format of that file.
    pub format: ManifestFormat,
    /// The name of the composition (the root component's name).
    pub name: PackageName,
    /// Its version.
    pub version: Version,
    /// The root component, relative to the manifest's directory; `None` for an asterai
    /// environment, which has no component of its own.
    pub component: Option<PathBuf>,
    /// Components that are part of the composition whether or not anything imports them, and
    /// whose exports the output exports (an asterai environment's components).
    pub members: Vec<PackageName>,
    /// Declared dependencies, sorted by name.
    pub dependencies: BTreeMap<PackageName, Dependency>,
    /// The registry directory, relative to the manifest's directory.
    pub registry: PathBuf,
    /// A remote OCI registry (`[registry] url`), read after the directory.
    pub registry_url: Option<crate::source::location::OciUrl>,
    /// An asterai local store to read components from too, if any.
    pub asterai_store: Option<PathBuf>,
    /// `[wire]`: interface (`ns:pkg/iface`, optionally `@version`) to the component providing it.
    pub wire: BTreeMap<WireKey, PackageName>,
    /// Environment variables every component sees (an asterai environment's `[vars]`).
    pub vars: BTreeMap<String, String>,
}

/// A key of `[wire]`: an interface with or without a version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WireKey(pub InterfaceName);

impl WireKey {
    /// Whether this key selects the provider of `import`: same interface, and the same
    /// version when the key has one.
    pub fn matches(&self, import: &InterfaceName) -> bool {
        self.0.package() == import.package()
            && self.0.interface() == import.interface()
            && (self.0.version().is_none() || self.0.version() == import.version())
    }
}

/// A declared dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dependency {
    /// From the registry, at versions matching the requirement.
    Registry {
        /// The requirement, e.g. `^1.0`.
        req: VersionReq,
    },
    /// A local component file.
    Path {
        /// The file, relative to the manifest's directory.
        path: PathBuf,
        /// Its version, if the manifest says; otherwise taken from its exports.
        version: Option<Version>,
    },
}

/// Why a manifest could not be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("failed to read manifest `{}`", path.display())]
    #[diagnostic(
        code(astc::manifest::read),
        help(
            "start a project here with `astc init`, or in a new directory with `astc new NAME`, or pass `--manifest PATH`"
        )
    )]
    Read {
        /// The manifest path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or does not have the manifest's shape.
    #[error("invalid manifest `{}`: {message}", path.display())]
    #[diagnostic(code(astc::manifest::invalid))]
    Invalid {
        /// The manifest path.
        path: PathBuf,
        /// What is wrong.
        message: String,
        /// The manifest's text, when the problem has a place in it.
        #[source_code]
        text: Option<String>,
        /// Where in `text` the problem is, when known.
        #[label]
        span: Option<SourceSpan>,
        /// How to fix it, if known.
        #[help]
        help: Option<String>,
    },
}

impl ManifestError {
    fn invalid(path: &Path, message: String, help: Option<String>) -> Self {
        ManifestError::Invalid {
            path: path.to_path_buf(),
            message,
            text: None,
            span: None,
            help,
        }
    }

    /// The 1-based line and column (in characters) of the problem, when known.
    pub fn location(&self) -> Option<(usize, usize)> {
        match self {
            ManifestError::Invalid {
                text: Some(text),
                span: Some(span),
                ..
            } => Some(line_column(text, span.offset())),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAstc {
    package: Spanned<RawPackage>,
    #[serde(default)]
    dependencies: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    registry: RawRegistry,
    #[serde(default)]
    wire: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    name: Spanned<String>,
    version: Spanned<String>,
    component: Spanned<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    path: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    asterai: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnv {
    metadata: Spanned<RawEnvMetadata>,
    #[serde(default)]
    components: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    vars: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvMetadata {
    namespace: Spanned<String>,
    name: Spanned<String>,
    version: Spanned<String>,
}

/// The keys each table accepts, for did-you-mean suggestions.
const KNOWN_KEYS: &[&str] = &[
    "package",
    "dependencies",
    "registry",
    "wire",
    "name",
    "version",
    "component",
    "path",
    "asterai",
    "metadata",
    "components",
    "namespace",
    "vars",
];

impl Manifest {
    /// Reads and validates the manifest at `path`. A file named `env.toml`, or one with a
    /// `[metadata]` table, is read as an asterai environment.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let bytes = std::fs::read(path).map_err(|source| ManifestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            ManifestError::invalid(
                path,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
                Some("a manifest is a TOML text file; save it as UTF-8".into()),
            )
        })?;
        Self::parse(path, &text)
    }

    /// Parses manifest `text`, as if read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Manifest, ManifestError> {
        let is_env = path.file_name().is_some_and(|n| n == "env.toml")
            || (text.contains("[metadata]") && !text.contains("[package]"));
        if is_env {
            Parser { path, text }.env()
        } else {
            Parser { path, text }.astc()
        }
    }

    /// The directory paths in the manifest are relative to: empty for a manifest in the
    /// working directory, so joined paths read `registry/...` rather than `./registry/...`.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    /// The provider `[wire]` names for `import`, if any; a key with a version wins over one
    /// without.
    pub fn wired_provider(&self, import: &InterfaceName) -> Option<&PackageName> {
        let mut found = None;
        for (key, provider) in &self.wire {
            if key.matches(import) {
                if key.0.version().is_some() {
                    return Some(provider);
                }
                found = Some(provider);
            }
        }
        found
    }

    /// The requirement the manifest puts on registry component `name`, if any.
    pub fn requirement(&self, name: &PackageName) -> Option<&VersionReq> {
        match self.dependencies.get(name) {
            Some(Dependency::Registry { req }) => Some(req),
            _ => None,
        }
    }
}

struct Parser<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Parser<'_> {
    fn toml_error(&self, e: toml::de::Error) -> ManifestError {
        let message = e.message().to_string();
        let help = unknown_key_help(&message);
        match e.span() {
            Some(span) => self.located(message, span, help),
            None => ManifestError::invalid(self.path, message, help),
        }
    }

    fn located(&self, message: String, span: Range<usize>, help: Option<String>) -> ManifestError {
        let start = span.start.min(self.text.len());
        let end = span.end.clamp(start, self.text.len());
        ManifestError::Invalid {
            path: self.path.to_path_buf(),
            message,
            text: Some(self.text.to_string()),
            span: Some((start..end).into()),
            help,
        }
    }

    fn at<T>(&self, spanned: &Spanned<T>, message: String, help: Option<String>) -> ManifestError {
        self.located(message, spanned.span(), help)
    }

    fn package_name(&self, s: &Spanned<String>, what: &str) -> Result<PackageName, ManifestError> {
        PackageName::parse(s.get_ref()).map_err(|e| self.at(s, format!("{what}: {e}"), None))
    }

    fn version(&self, s: &Spanned<String>, what: &str) -> Result<Version, ManifestError> {
        parse_version(s.get_ref()).map_err(|e| self.at(s, format!("{what}: {e}"), None))
    }

    fn relative_path(&self, s: &Spanned<String>, what: &str) -> Result<PathBuf, ManifestError> {
        if s.get_ref().trim().is_empty() {
            return Err(self.at(s, format!("{what}: the path is empty"), None));
        }
        Ok(PathBuf::from(s.get_ref()))
    }

    /// A registry directory: a path, never a URL taken for one.
    fn directory(&self, s: &Spanned<String>, what: &str) -> Result<PathBuf, ManifestError> {
        let path = self.relative_path(s, what)?;
        if let Some(scheme) = crate::source::location::url_scheme(s.get_ref()) {
            let help = if scheme.eq_ignore_ascii_case("oci") {
                "a remote registry goes in `url = \"oci://...\"`; `path` is a directory, relative to this file"
            } else {
                "a registry is a directory, relative to this file, or an `oci://` URL in `url`"
            };
            return Err(self.at(
                s,
                format!("{what}: `{}` is a URL, not a directory", s.get_ref()),
                Some(help.into()),
            ));
        }
        Ok(path)
    }

    fn astc(&self) -> Result<Manifest, ManifestError> {
        let raw: RawAstc = toml::from_str(self.text).map_err(|e| self.toml_error(e))?;
        let package = raw.package.get_ref();
        let name = self.package_name(&package.name, "`package.name`")?;
        let version = self.version(&package.version, "`package.version`")?;
        let component = self.relative_path(&package.component, "`package.component`")?;

        let mut dependencies = BTreeMap::new();
        for (key, value) in &raw.dependencies {
            let dep_name = self.package_name(key, "dependency name")?;
            if dep_name.is_host() {
                return Err(self.at(
                    key,
                    format!("dependency `{dep_name}` is a host interface package"),
                    Some(format!(
                        "remove it: `{}:*` interfaces are provided by the runtime, not by components",
                        dep_name.namespace()
                    )),
                ));
            }
            if dep_name == name {
                return Err(self.at(
                    key,
                    format!("`{dep_name}` depends on itself"),
                    Some("remove this entry: the root component is not a dependency".into()),
                ));
            }
            let dep = self.dependency(&dep_name, value)?;
            dependencies.insert(dep_name, dep);
        }

        let mut wire = BTreeMap::new();
        for (key, value) in &raw.wire {
            let iface = InterfaceName::parse(key.get_ref()).map_err(|e| {
                self.at(
                    key,
                    format!("`[wire]` key: {e}"),
                    Some(
                        "keys are interfaces such as `\"acme:kv/store\" = \"acme:redis-kv\"`"
                            .into(),
                    ),
                )
            })?;
            let provider = self.package_name(value, &format!("`[wire]` provider of `{iface}`"))?;
            wire.insert(WireKey(iface), provider);
        }

        let registry = match &raw.registry.path {
            Some(p) => self.directory(p, "`registry.path`")?,
            None => PathBuf::from(DEFAULT_REGISTRY),
        };
        let asterai_store = raw
            .registry
            .asterai
            .as_ref()
            .map(|p| self.relative_path(p, "`registry.asterai`"))
            .transpose()?;
        let registry_url = raw
            .registry
            .url
            .as_ref()
            .map(|u| {
                let text = u.get_ref();
                let parsed = match crate::source::location::url_scheme(text) {
                    Some(scheme) if scheme.eq_ignore_ascii_case("oci") => {
                        crate::source::location::parse_oci(text).map_err(|e| e.to_string())
                    }
                    _ => Err(format!("`{text}` does not start with `oci://`")),
                };
                parsed.map_err(|e| {
                    self.at(
                        u,
                        format!("`registry.url`: {e}"),
                        Some("write `url = \"oci://HOST[:PORT][/PREFIX]\"`".into()),
                    )
                })
            })
            .transpose()?;

        Ok(Manifest {
            path: self.path.to_path_buf(),
            format: ManifestFormat::Astc,
            name,
            version,
            component: Some(component),
            members: Vec::new(),
            dependencies,
            registry,
            registry_url,
            asterai_store,
            wire,
            vars: BTreeMap::new(),
        })
    }

    fn dependency(
        &self,
        name: &PackageName,
        value: &Spanned<toml::Value>,
    ) -> Result<Dependency, ManifestError> {
        let what = format!("dependency `{name}`");
        let table = match value.get_ref() {
            toml::Value::String(req) => {
                return Ok(Dependency::Registry {
                    req: self.requirement(value, req, &what)?,
                });
            }
            toml::Value::Table(t) => t,
            other => {
                return Err(self.at(
                    value,
                    format!(
                        "{what}: invalid type: {}, expected a version requirement string or a table",
                        other.type_str()
                    ),
                    None,
                ));
            }
        };
        let string = |key: &str| -> Result<Option<&str>, ManifestError> {
            match table.get(key) {
                None => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s)),
                Some(other) => Err(self.at(
                    value,
                    format!(
                        "{what}: `{key}` must be a string, found {}",
                        other.type_str()
                    ),
                    None,
                )),
            }
        };
        for key in table.keys() {
            if key != "version" && key != "path" {
                return Err(self.at(
                    value,
                    format!("{what}: unknown key `{key}`, expected `version` or `path`"),
                    suggest::did_you_mean(key, ["version", "path"]),
                ));
            }
        }
        match (string("path")?, string("version")?) {
            (Some(path), version) => {
                if path.trim().is_empty() {
                    return Err(self.at(value, format!("{what}: the path is empty"), None));
                }
                let version = version
                    .map(|v| {
                        parse_version(v)
                            .map_err(|e| self.at(value, format!("{what} `version`: {e}"), None))
                    })
                    .transpose()?;
                Ok(Dependency::Path {
                    path: PathBuf::from(path),
                    version,
                })
            }
            (None, Some(req)) => Ok(Dependency::Registry {
                req: self.requirement(value, req, &what)?,
            }),
            (None, None) => Err(self.at(
                value,
                format!("{what} has neither `version` nor `path`"),
                Some(format!(
                    "write `\"{name}\" = \"^1.0\"` for a registry component or `\"{name}\" = {{ path = \"build/x.wasm\" }}` for a local one"
                )),
            )),
        }
    }

    fn requirement<T>(
        &self,
        at: &Spanned<T>,
        req: &str,
        what: &str,
    ) -> Result<VersionReq, ManifestError> {
        if req.trim().starts_with(['v', 'V']) {
            return Err(self.at(
                at,
                format!("{what}: invalid version requirement `{}`", elide(req)),
                Some(format!(
                    "remove the leading `v`: `{}`",
                    elide(&req.trim()[1..])
                )),
            ));
        }
        VersionReq::parse(req).map_err(|e| {
            self.at(
                at,
                format!("{what}: invalid version requirement `{}`: {e}", elide(req)),
                Some("write a semver requirement such as `^1.2`, `~1.2.3` or `=1.2.3`".into()),
            )
        })
    }

    fn env(&self) -> Result<Manifest, ManifestError> {
        let raw: RawEnv = toml::from_str(self.text).map_err(|e| self.toml_error(e))?;
        let meta = raw.metadata.get_ref();
        let full = format!("{}:{}", meta.namespace.get_ref(), meta.name.get_ref());
        let name = PackageName::parse(&full)
            .map_err(|e| self.at(&meta.name, format!("`metadata` name: {e}"), None))?;
        let version = self.version(&meta.version, "`metadata.version`")?;
        let mut dependencies = BTreeMap::new();
        let mut members = Vec::new();
        for (key, value) in &raw.components {
            let dep_name = self.package_name(key, "component name")?;
            let v = self.version(value, &format!("component `{dep_name}`"))?;
            let req = VersionReq::parse(&format!("={v}")).expect("an exact requirement parses");
            dependencies.insert(dep_name.clone(), Dependency::Registry { req });
            members.push(dep_name);
        }
        members.sort();
        let mut vars = BTreeMap::new();
        for (key, value) in &raw.vars {
            let (k, v) = self.var(key, value)?;
            vars.insert(k, v);
        }
        Ok(Manifest {
            path: self.path.to_path_buf(),
            format: ManifestFormat::AsteraiEnv,
            name,
            version,
            component: None,
            members,
            dependencies,
            registry: PathBuf::from(DEFAULT_REGISTRY),
            registry_url: None,
            asterai_store: None,
            wire: BTreeMap::new(),
            vars,
        })
    }

    /// A `[vars]` entry: a name WASI can carry and a string value.
    fn var(
        &self,
        key: &Spanned<String>,
        value: &Spanned<toml::Value>,
    ) -> Result<(String, String), ManifestError> {
        let name = key.get_ref();
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(self.at(
                key,
                format!("`vars`: `{}` is not a variable name", elide(name)),
                Some("a variable name is not empty and has no `=` or NUL".into()),
            ));
        }
        let toml::Value::String(v) = value.get_ref() else {
            return Err(self.at(
                value,
                format!(
                    "`vars.{}`: expected a string, found {}",
                    elide(name),
                    value.get_ref().type_str()
                ),
                Some(format!(
                    "environment variables are strings, as in asterai: write `{} = \"{}\"`",
                    elide(name),
                    elide(&value.get_ref().to_string().replace('"', ""))
                )),
            ));
        };
        if v.contains('\0') {
            return Err(self.at(
                value,
                format!("`vars.{}`: the value contains a NUL character", elide(name)),
                None,
            ));
        }
        Ok((name.clone(), v.clone()))
    }
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" messages: a did-you-mean.
fn unknown_key_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let candidates = if expected.is_empty() {
        KNOWN_KEYS.to_vec()
    } else {
        expected
    };
    suggest::did_you_mean(unknown, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, String> {
        Manifest::parse(Path::new("astc.toml"), text).map_err(|e| {
            let at = e
                .location()
                .map(|(line, column)| format!(" (line {line}, column {column})"))
                .unwrap_or_default();
            match e {
                ManifestError::Invalid { message, help, .. } => {
                    format!("{message}{at}\nhelp: {}", help.unwrap_or_default())
                }
                e => e.to_string(),
            }
        })
    }

    const FULL: &str = r#"
[package]
name = "acme:app"
version = "0.1.0"
component = "build/app.wasm"

[dependencies]
"acme:greeter" = "^1.0"
"acme:kv" = { path = "build/kv.wasm" }
"acme:log" = { version = "~2.1" }

[registry]
path = "reg"

[wire]
"acme:kv/store" = "acme:redis-kv"
"acme:kv/cache@1.0.0" = "acme:kv"
"#;

    #[test]
    fn full_manifest() {
        let m = parse(FULL).unwrap();
        assert_eq!(m.name.to_string(), "acme:app");
        assert_eq!(m.version.to_string(), "0.1.0");
        assert_eq!(m.component.as_deref(), Some(Path::new("build/app.wasm")));
        assert_eq!(m.registry, Path::new("reg"));
        let names: Vec<_> = m.dependencies.keys().map(|k| k.to_string()).collect();
        assert_eq!(names, ["acme:greeter", "acme:kv", "acme:log"]);
        assert!(matches!(
            m.dependencies[&PackageName::parse("acme:kv").unwrap()],
            Dependency::Path { .. }
        ));
        let store = InterfaceName::parse("acme:kv/store@1.2.0").unwrap();
        assert_eq!(
            m.wired_provider(&store).unwrap().to_string(),
            "acme:redis-kv"
        );
        let cache1 = InterfaceName::parse("acme:kv/cache@1.0.0").unwrap();
        let cache2 = InterfaceName::parse("acme:kv/cache@1.1.0").unwrap();
        assert_eq!(m.wired_provider(&cache1).unwrap().to_string(), "acme:kv");
        assert!(m.wired_provider(&cache2).is_none());
    }

    #[test]
    fn defaults() {
        let m = parse(
            "[package]\nname = \"acme:app\"\nversion = \"1.0.0\"\ncomponent = \"app.wasm\"\n",
        )
        .unwrap();
        assert_eq!(m.registry, Path::new("registry"));
        assert!(m.dependencies.is_empty() && m.wire.is_empty());
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let cases = [
            (
                FULL.replace("[dependencies]", "[dependencys]"),
                &[
                    "unknown field `dependencys`",
                    "line 7",
                    "did you mean `dependencies`?",
                ][..],
            ),
            (
                FULL.replace("version = \"0.1.0\"", "version = \"0.1\""),
                &["`package.version`", "expected MAJOR.MINOR.PATCH", "line 4"],
            ),
            (
                FULL.replace("\"^1.0\"", "\"^1.x.y.z\""),
                &[
                    "dependency `acme:greeter`",
                    "invalid version requirement",
                    "line 8",
                ],
            ),
            (
                FULL.replace("name = \"acme:app\"", "name = \"acme/app\""),
                &["`package.name`", "expected `namespace:name`"],
            ),
            (
                FULL.replace("\"acme:greeter\" =", "\"wasi:io\" ="),
                &["host interface package", "provided by the runtime"],
            ),
            (
                FULL.replace("path = \"build/kv.wasm\"", "pth = \"build/kv.wasm\""),
                &["acme:kv"],
            ),
            (
                FULL.replace("version = \"0.1.0\"", "version = 1"),
                &["invalid type: integer `1`, expected a string"],
            ),
            (
                format!("{FULL}\n[registry]\npath = \"x\"\n"),
                &["duplicate key"],
            ),
            (FULL.replace("[package]", "[package"), &["line 2"]),
            (
                FULL.replace("\"acme:kv/store\"", "\"acme:kv\""),
                &["`[wire]` key", "not an interface name"],
            ),
        ];
        for (text, needles) in cases {
            let e = parse(&text).unwrap_err();
            for n in needles {
                assert!(e.contains(n), "missing {n:?} in:\n{e}");
            }
        }
    }

    /// The label covers the offending value, and the location is its first character.
    #[test]
    fn label_points_at_the_value() {
        use miette::Diagnostic;

        let text = FULL.replace("version = \"0.1.0\"", "version = \"0.1\"");
        let e = Manifest::parse(Path::new("astc.toml"), &text).unwrap_err();
        assert_eq!(e.location(), Some((4, 11)));
        let labels: Vec<_> = e.labels().unwrap().collect();
        assert_eq!(labels.len(), 1);
        let span = *labels[0].inner();
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "\"0.1\"");
        let source = e.source_code().unwrap();
        let contents = source.read_span(&span, 0, 0).unwrap();
        assert_eq!(contents.line(), 3, "0-based line of the span");
        assert_eq!(
            e.to_string(),
            "invalid manifest `astc.toml`: `package.version`: invalid version `0.1`: \
             expected MAJOR.MINOR.PATCH, e.g. `0.1.0`"
        );

        let unlocated = ManifestError::invalid(Path::new("astc.toml"), "bad".into(), None);
        assert!(unlocated.labels().is_none_or(|mut l| l.next().is_none()));
        assert!(unlocated.location().is_none());
    }

    #[test]
    fn asterai_env() {
        let text = r#"
[metadata]
namespace = "acme"
name = "shop"
version = "0.2.0"

[components]
"acme:burger-shop" = "0.1.0"
"acme:app" = "1.2.3"
"#;
        let m = Manifest::parse(Path::new("env.toml"), text).unwrap();
        assert_eq!(m.format, ManifestFormat::AsteraiEnv);
        assert_eq!(m.name.to_string(), "acme:shop");
        assert!(m.component.is_none());
        assert_eq!(m.members.len(), 2);
        let req = m
            .requirement(&PackageName::parse("acme:app").unwrap())
            .unwrap();
        assert!(req.matches(&Version::parse("1.2.3").unwrap()));
        assert!(!req.matches(&Version::parse("1.2.4").unwrap()));
    }
}
