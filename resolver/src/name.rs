//! Component and interface names.
//!
//! A component is named like a WIT package, `namespace:name` (`acme:greeter`). An interface
//! it exports or imports is `namespace:package/interface@version`
//! (`acme:greeter/greet@1.2.0`). Both are parsed strictly, with the component model's label
//! rules (kebab-case words, each all lowercase or all uppercase), because names become
//! registry paths: nothing that could escape a directory (`..`, `/`, `\`, absolute paths)
//! can get through.

use std::fmt;
use std::str::FromStr;

use semver::Version;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::diagnostic::elide;
use crate::version::{self, VersionError};

/// Why a name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name has no `:` between namespace and name.
    #[error("`{0}` is not a component name: expected `namespace:name`, e.g. `acme:greeter`")]
    MissingColon(String),
    /// The interface name has no `/` between package and interface.
    #[error(
        "`{0}` is not an interface name: expected `namespace:package/interface@version`, e.g. `acme:greeter/greet@1.0.0`"
    )]
    MissingSlash(String),
    /// A component id without `@version`.
    #[error(
        "`{0}` is not a component id: expected `namespace:name@version`, e.g. `acme:greeter@1.2.0`"
    )]
    MissingVersion(String),
    /// One part of the name is not a kebab-case label.
    #[error(
        "invalid {part} `{label}` in `{name}`: {why} (use kebab-case words such as `my-name`, each starting with a letter)"
    )]
    BadLabel {
        /// The whole name.
        name: String,
        /// Which part: namespace, name, interface.
        part: &'static str,
        /// The offending part.
        label: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The version part is not a valid semantic version.
    #[error("invalid version in `{name}`: {source}")]
    Version {
        /// The whole name.
        name: String,
        /// The version error.
        #[source]
        source: VersionError,
    },
}

/// Checks one kebab-case label of the component model: words separated by single `-`, each
/// word starting with a letter and either all lowercase or all uppercase.
fn check_label(name: &str, part: &'static str, label: &str) -> Result<(), NameError> {
    check_words(name, part, label, false)
}

/// Checks a package's namespace or name, which the component model spells in lowercase
/// words only (`word ::= [a-z] [0-9a-z]*`). Allowing `WASI:foo` would also let two names
/// differing only in case, published as directories, collide on a case-insensitive file
/// system, and `WASI` slip past the reserved `wasi` namespace.
fn check_package_label(name: &str, part: &'static str, label: &str) -> Result<(), NameError> {
    check_words(name, part, label, true)
}

fn check_words(
    name: &str,
    part: &'static str,
    label: &str,
    lowercase_only: bool,
) -> Result<(), NameError> {
    let bad = |why| NameError::BadLabel {
        name: elide(name).into_owned(),
        part,
        label: elide(label).into_owned(),
        why,
    };
    if label.is_empty() {
        return Err(bad("it is empty"));
    }
    if label.len() > 128 {
        return Err(bad("it is longer than 128 characters"));
    }
    for word in label.split('-') {
        let mut chars = word.chars();
        let Some(first) = chars.next() else {
            return Err(bad(
                "it has an empty word (a leading, trailing or double `-`)",
            ));
        };
        if !first.is_ascii_alphabetic() {
            return Err(bad("each word must start with a letter"));
        }
        if lowercase_only && !word.chars().all(|c| !c.is_ascii_uppercase()) {
            return Err(bad(
                "component names are all lowercase in the component model",
            ));
        }
        let lower = first.is_ascii_lowercase();
        for c in chars {
            if c.is_ascii_digit() {
                continue;
            }
            if !c.is_ascii_alphabetic() {
                return Err(bad("only letters, digits and `-` are allowed"));
            }
            if c.is_ascii_lowercase() != lower {
                return Err(bad("a word must be all lowercase or all uppercase"));
            }
        }
    }
    Ok(())
}

/// A component's name: `namespace:name`, like a WIT package name without version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageName {
    namespace: String,
    name: String,
}

impl PackageName {
    /// Parses `namespace:name` strictly.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let Some((namespace, name)) = s.split_once(':') else {
            return Err(NameError::MissingColon(s.to_string()));
        };
        check_package_label(s, "namespace", namespace)?;
        check_package_label(s, "name", name)?;
        Ok(Self {
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }

    /// The namespace, e.g. `acme`.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The name within the namespace, e.g. `greeter`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this package is provided by the runtime rather than by a component: `wasi:*`
    /// and `asterai:host*` interfaces are host imports and stay imports of the output.
    pub fn is_host(&self) -> bool {
        self.namespace == "wasi" || (self.namespace == "asterai" && self.name.starts_with("host"))
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.namespace, self.name)
    }
}

impl FromStr for PackageName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, NameError> {
        Self::parse(s)
    }
}

/// A named interface, `namespace:package/interface@version` (the version is optional in the
/// component model, but interfaces in a registry always carry one).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterfaceName {
    package: PackageName,
    interface: String,
    version: Option<Version>,
}

impl InterfaceName {
    /// Parses `namespace:package/interface[@version]` strictly.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let (path, version) = match s.split_once('@') {
            Some((path, v)) => {
                let v =
                    version::parse_interface_version(v).map_err(|source| NameError::Version {
                        name: s.to_string(),
                        source,
                    })?;
                (path, Some(v))
            }
            None => (s, None),
        };
        let Some((package, interface)) = path.split_once('/') else {
            return Err(NameError::MissingSlash(s.to_string()));
        };
        let Some((namespace, name)) = package.split_once(':') else {
            return Err(NameError::MissingColon(s.to_string()));
        };
        check_label(s, "namespace", namespace)?;
        check_label(s, "package", name)?;
        check_label(s, "interface", interface)?;
        Ok(Self {
            package: PackageName {
                namespace: namespace.to_string(),
                name: name.to_string(),
            },
            interface: interface.to_string(),
            version,
        })
    }

    /// Builds an interface name from its parts.
    pub fn new(package: PackageName, interface: &str, version: Option<Version>) -> Self {
        Self {
            package,
            interface: interface.to_string(),
            version,
        }
    }

    /// The package the interface belongs to, e.g. `acme:greeter`.
    pub fn package(&self) -> &PackageName {
        &self.package
    }

    /// The interface's own name, e.g. `greet`.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The version, e.g. `1.2.0`.
    pub fn version(&self) -> Option<&Version> {
        self.version.as_ref()
    }

    /// The name without its version, e.g. `acme:greeter/greet`: what `[wire]` keys and
    /// breaking-change checks compare.
    pub fn unversioned(&self) -> String {
        format!("{}/{}", self.package, self.interface)
    }

    /// Whether the runtime provides this interface (see [`PackageName::is_host`]).
    pub fn is_host(&self) -> bool {
        self.package.is_host()
    }

    /// Whether an export of `self` can satisfy an import of `import`: same package and
    /// interface, and a semver-compatible version at least as high (see
    /// [`crate::version::satisfies`]); an unversioned import accepts any version.
    pub fn satisfies(&self, import: &InterfaceName) -> bool {
        if self.package != import.package || self.interface != import.interface {
            return false;
        }
        match (&self.version, &import.version) {
            (Some(have), Some(want)) => version::satisfies(have, want),
            // An unversioned import accepts any version: astc wires by graph edge, not by
            // name, so only the types have to agree.
            (_, None) => true,
            (None, Some(_)) => false,
        }
    }
}

impl fmt::Display for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.package, self.interface)?;
        if let Some(v) = &self.version {
            write!(f, "@{v}")?;
        }
        Ok(())
    }
}

impl FromStr for InterfaceName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, NameError> {
        Self::parse(s)
    }
}

macro_rules! string_serde {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$ty>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
string_serde!(PackageName);
string_serde!(InterfaceName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        let n = PackageName::parse("acme:greeter").unwrap();
        assert_eq!((n.namespace(), n.name()), ("acme", "greeter"));
        assert_eq!(n.to_string(), "acme:greeter");
        PackageName::parse("my-ns:burger-shop2").unwrap();
        for bad in [
            "",
            "acme",
            "acme:",
            ":greeter",
            "acme:..",
            "acme:../x",
            "acme:a/b",
            "/etc:passwd",
            "acme:gr eeter",
            "acme:Greeter",
            "acme:1greeter",
            "acme:greeter-",
            "acme:a--b",
            "acme:x:y",
            "acme:gre\\eter",
            // Lowercase only: also keeps `WASI:x` from passing for other than `wasi:x`.
            "ACME:HTTP-client",
            "WASI:foo",
            "ASTERAI:HOST",
            "acme:HTTP",
        ] {
            assert!(
                PackageName::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn interface_names() {
        let i = InterfaceName::parse("acme:greeter/greet@1.2.0").unwrap();
        assert_eq!(i.package().to_string(), "acme:greeter");
        assert_eq!(i.interface(), "greet");
        assert_eq!(i.version().unwrap().to_string(), "1.2.0");
        assert_eq!(i.to_string(), "acme:greeter/greet@1.2.0");
        assert_eq!(i.unversioned(), "acme:greeter/greet");
        assert!(
            InterfaceName::parse("wasi:cli/run@0.2.3")
                .unwrap()
                .is_host()
        );
        assert!(
            InterfaceName::parse("asterai:host/api@1.0.0")
                .unwrap()
                .is_host()
        );
        assert!(
            !InterfaceName::parse("asterai:burger/api@1.0.0")
                .unwrap()
                .is_host()
        );
        for bad in [
            "acme:greeter",
            "acme:greeter/",
            "acme:greeter/greet@1.2",
            "acme:greeter/greet@v1.2.0",
            "acme:greeter/a/b@1.0.0",
            "acme/greet@1.0.0",
        ] {
            assert!(
                InterfaceName::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn satisfies_uses_semver_rules() {
        let e = |s| InterfaceName::parse(s).unwrap();
        assert!(e("a:b/c@1.3.0").satisfies(&e("a:b/c@1.1.0")));
        assert!(!e("a:b/c@1.0.0").satisfies(&e("a:b/c@1.1.0")));
        assert!(!e("a:b/c@2.0.0").satisfies(&e("a:b/c@1.1.0")));
        assert!(e("a:b/c@0.2.5").satisfies(&e("a:b/c@0.2.1")));
        assert!(!e("a:b/c@0.3.0").satisfies(&e("a:b/c@0.2.1")));
        assert!(!e("a:b/c@0.0.2").satisfies(&e("a:b/c@0.0.1")));
        assert!(!e("a:b/d@1.3.0").satisfies(&e("a:b/c@1.1.0")));
        assert!(!e("a:x/c@1.3.0").satisfies(&e("a:b/c@1.1.0")));
    }
}

/// One version of one component: `acme:greeter@1.3.0`. The resolver selects at most one
/// version per compatibility class of a name, so two ids can share a name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComponentId {
    /// The component's name.
    pub name: PackageName,
    /// Its version.
    pub version: Version,
}

impl ComponentId {
    /// Builds an id.
    pub fn new(name: PackageName, version: Version) -> Self {
        Self { name, version }
    }

    /// Parses `namespace:name@version`.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let Some((name, version)) = s.split_once('@') else {
            return Err(NameError::MissingVersion(s.to_string()));
        };
        let name = PackageName::parse(name)?;
        let version = version::parse_version(version).map_err(|source| NameError::Version {
            name: s.to_string(),
            source,
        })?;
        Ok(Self { name, version })
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

string_serde!(ComponentId);
