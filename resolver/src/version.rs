//! Semantic versions and the component model's compatibility rule.
//!
//! An import of `acme:greeter/greet@X.Y.Z` accepts any version that a component built
//! against X.Y.Z can use: the same major for majors >= 1, the same minor for `0.x`, exactly
//! X.Y.Z for `0.0.x` and for pre-releases, and never lower than X.Y.Z. Versions that are
//! interchangeable this way form a [`CompatClass`]; the resolver selects at most one version
//! per class, so a diamond shares one instance while incompatible majors sit side by side.

use std::fmt;

use pubgrub::Ranges;
use semver::Version;

/// Why a version string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version `{input}`: {why}")]
pub struct VersionError {
    /// What was given.
    pub input: String,
    /// What is wrong with it.
    pub why: String,
}

/// Parses a component version strictly: `MAJOR.MINOR.PATCH[-PRE]`, no leading `v`, no
/// missing parts, no build metadata (two versions that differ only in build metadata are
/// equal in semver, so one could overwrite the other in an immutable registry).
pub fn parse_version(input: &str) -> Result<Version, VersionError> {
    let err = |why: String| VersionError {
        input: crate::diagnostic::elide(input).into_owned(),
        why,
    };
    if input.starts_with(['v', 'V']) {
        return Err(err(format!("remove the leading `v`: `{}`", &input[1..])));
    }
    let v = Version::parse(input).map_err(|e| {
        let parts = input
            .split(['-', '+'])
            .next()
            .unwrap_or("")
            .split('.')
            .count();
        if parts < 3 && !input.is_empty() {
            err(format!(
                "expected MAJOR.MINOR.PATCH, e.g. `{input}{}`",
                ".0".repeat(3 - parts)
            ))
        } else {
            err(e.to_string())
        }
    })?;
    if !v.build.is_empty() {
        return Err(err(
            "build metadata (`+...`) is not allowed: versions that differ only in build metadata compare equal".into(),
        ));
    }
    Ok(v)
}

/// Parses the version of an interface name; the same rules as [`parse_version`].
pub fn parse_interface_version(input: &str) -> Result<Version, VersionError> {
    parse_version(input)
}

/// A set of versions that can stand in for one another: the resolver picks at most one
/// version per class of a component.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CompatClass {
    /// `M.x.y` with M >= 1.
    Major(u64),
    /// `0.m.x` with m >= 1.
    Minor(u64),
    /// `0.0.p`: every patch stands alone.
    Patch(u64),
    /// A pre-release: only itself.
    Exact(Version),
}

impl CompatClass {
    /// The class a version belongs to.
    pub fn of(v: &Version) -> Self {
        if !v.pre.is_empty() {
            CompatClass::Exact(v.clone())
        } else if v.major > 0 {
            CompatClass::Major(v.major)
        } else if v.minor > 0 {
            CompatClass::Minor(v.minor)
        } else {
            CompatClass::Patch(v.patch)
        }
    }

    /// Whether `v` belongs to this class.
    pub fn contains(&self, v: &Version) -> bool {
        CompatClass::of(v) == *self
    }
}

impl fmt::Display for CompatClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompatClass::Major(m) => write!(f, "{m}.x"),
            CompatClass::Minor(m) => write!(f, "0.{m}.x"),
            CompatClass::Patch(p) => write!(f, "0.0.{p}"),
            CompatClass::Exact(v) => write!(f, "{v}"),
        }
    }
}

/// Whether a component at version `have` can satisfy an import written against `want`:
/// same [`CompatClass`] and `have >= want`.
pub fn satisfies(have: &Version, want: &Version) -> bool {
    CompatClass::of(have) == CompatClass::of(want) && have >= want
}

/// The versions that satisfy an import of `want`, as a range: `[want, next breaking)`.
pub fn caret(want: &Version) -> Ranges<Version> {
    match CompatClass::of(want) {
        CompatClass::Major(m) => Ranges::between(want.clone(), Version::new(m + 1, 0, 0)),
        CompatClass::Minor(m) => Ranges::between(want.clone(), Version::new(0, m + 1, 0)),
        CompatClass::Patch(_) | CompatClass::Exact(_) => Ranges::singleton(want.clone()),
    }
}

/// Every version of a class, as a range (pre-release classes hold one version).
pub fn class_range(class: &CompatClass) -> Ranges<Version> {
    match class {
        CompatClass::Major(m) => Ranges::between(Version::new(*m, 0, 0), Version::new(m + 1, 0, 0)),
        CompatClass::Minor(m) => Ranges::between(Version::new(0, *m, 0), Version::new(0, m + 1, 0)),
        CompatClass::Patch(p) => Ranges::singleton(Version::new(0, 0, *p)),
        CompatClass::Exact(v) => Ranges::singleton(v.clone()),
    }
}

/// Renders a range the way people write requirements: `^1.3.0`, `=0.0.4`, `*`, or the
/// explicit bounds when it is none of those.
pub fn display_range(range: &Ranges<Version>) -> String {
    if range == &Ranges::full() {
        return "*".into();
    }
    if let Some(v) = range.as_singleton() {
        return format!("={v}");
    }
    if let Some((std::ops::Bound::Included(lo), _)) = range.bounding_range()
        && &caret(lo) == range
    {
        return format!("^{lo}");
    }
    range.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn strict_parsing() {
        assert_eq!(parse_version("1.2.3").unwrap(), v("1.2.3"));
        assert_eq!(parse_version("1.0.0-alpha.1").unwrap(), v("1.0.0-alpha.1"));
        let cases = [
            ("1.2", "expected MAJOR.MINOR.PATCH, e.g. `1.2.0`"),
            ("1", "e.g. `1.0.0`"),
            ("v1.2.3", "remove the leading `v`"),
            ("99999999999999999999.0.0", "invalid"),
            ("1.0.0+build5", "build metadata"),
            ("01.2.3", "invalid"),
            ("", "invalid version ``"),
            ("1.2.3.4", "invalid"),
            (" 1.2.3", "invalid"),
        ];
        for (input, needle) in cases {
            let e = parse_version(input).unwrap_err().to_string();
            assert!(e.contains(needle), "{input:?}: {e}");
        }
    }

    #[test]
    fn compat_classes() {
        assert_eq!(CompatClass::of(&v("1.4.2")), CompatClass::Major(1));
        assert_eq!(CompatClass::of(&v("0.4.2")), CompatClass::Minor(4));
        assert_eq!(CompatClass::of(&v("0.0.2")), CompatClass::Patch(2));
        assert_eq!(
            CompatClass::of(&v("1.0.0-rc.1")),
            CompatClass::Exact(v("1.0.0-rc.1"))
        );
    }

    #[test]
    fn satisfies_rules() {
        // Same major >= 1, never lower.
        assert!(satisfies(&v("1.3.0"), &v("1.1.0")));
        assert!(satisfies(&v("1.1.0"), &v("1.1.0")));
        assert!(!satisfies(&v("1.0.9"), &v("1.1.0")));
        assert!(!satisfies(&v("2.0.0"), &v("1.1.0")));
        // Same minor for 0.x.
        assert!(satisfies(&v("0.2.9"), &v("0.2.1")));
        assert!(!satisfies(&v("0.3.0"), &v("0.2.1")));
        // Exact for 0.0.x and pre-releases.
        assert!(satisfies(&v("0.0.3"), &v("0.0.3")));
        assert!(!satisfies(&v("0.0.4"), &v("0.0.3")));
        assert!(!satisfies(&v("1.0.0"), &v("1.0.0-rc.1")));
        assert!(!satisfies(&v("1.0.0-rc.2"), &v("1.0.0-rc.1")));
        assert!(!satisfies(&v("1.2.0-rc.1"), &v("1.0.0")));
    }

    #[test]
    fn caret_matches_satisfies() {
        let versions = [
            "0.0.1",
            "0.0.2",
            "0.1.0",
            "0.1.5",
            "0.2.0",
            "1.0.0",
            "1.0.0-rc.1",
            "1.2.0",
            "1.9.9",
            "2.0.0",
            "2.0.0-alpha",
            "3.1.4",
        ];
        for want in versions {
            for have in versions {
                let (want, have) = (v(want), v(have));
                if !have.pre.is_empty() && have != want {
                    // Pre-releases live in their own class; the resolver never offers them
                    // to a range of another class.
                    continue;
                }
                assert_eq!(
                    caret(&want).contains(&have),
                    satisfies(&have, &want),
                    "have {have}, want {want}"
                );
            }
        }
    }

    #[test]
    fn range_display() {
        assert_eq!(display_range(&caret(&v("1.3.0"))), "^1.3.0");
        assert_eq!(display_range(&caret(&v("0.2.1"))), "^0.2.1");
        assert_eq!(display_range(&caret(&v("0.0.3"))), "=0.0.3");
        assert_eq!(
            display_range(&class_range(&CompatClass::Major(2))),
            "^2.0.0"
        );
        assert_eq!(display_range(&Ranges::full()), "*");
    }
}
