//! Registry locations as the user writes them (`--registry`, `[registry]`): a directory path,
//! or an OCI registry URL (`oci://HOST[:PORT][/PREFIX]`), never a URL taken for a path.
//!
//! `oci://127.0.0.1:5000` read as a path would name a directory `oci:` and publish into it;
//! anything that starts like a URL (`scheme://`) is a URL, and a scheme astc does not know is
//! an error naming it.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

/// Why a registry location cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    /// A URL of a scheme no source handles.
    #[error(
        "registry `{url}` is a URL with scheme `{scheme}`, which astc does not know; give a registry directory or an `oci://` URL"
    )]
    UnknownScheme {
        /// The URL as given.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// An `oci://` URL that is not `oci://HOST[:PORT][/PREFIX]`.
    #[error("registry `{url}` is not a valid OCI registry URL: {why}")]
    BadOciUrl {
        /// The URL as given.
        url: String,
        /// What is wrong.
        why: String,
    },
}

/// Where a registry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryLocation {
    /// A registry directory.
    Dir(PathBuf),
    /// An OCI registry.
    Oci(OciUrl),
}

/// An OCI registry and a repository prefix: `oci://HOST[:PORT][/PREFIX]`. Component
/// `ns:name` version `V` is the artifact `HOST[:PORT]/PREFIX/ns/name:V`, as wkg stores it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OciUrl {
    /// `HOST` or `HOST:PORT` (an IPv6 address in brackets).
    pub registry: String,
    /// The repository prefix, without leading or trailing `/`; may be empty.
    pub prefix: String,
}

impl OciUrl {
    /// Whether the host is this machine: the only hosts astc talks to over plain HTTP.
    pub fn is_loopback(&self) -> bool {
        let host = match self.registry.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or(""),
            None => self.registry.split(':').next().unwrap_or(""),
        };
        host.eq_ignore_ascii_case("localhost")
            || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The repository of component `namespace:name`: `PREFIX/namespace/name`.
    pub fn repository(&self, namespace: &str, name: &str) -> String {
        if self.prefix.is_empty() {
            format!("{namespace}/{name}")
        } else {
            format!("{}/{namespace}/{name}", self.prefix)
        }
    }
}

impl fmt::Display for OciUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oci://{}", self.registry)?;
        if !self.prefix.is_empty() {
            write!(f, "/{}", self.prefix)?;
        }
        Ok(())
    }
}

/// The scheme of `s` if it is written as a URL, `scheme://...` (RFC 3986: a letter, then
/// letters, digits, `+`, `-` or `.`).
pub fn url_scheme(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// Reads a registry location: a directory path or an `oci://` URL.
pub fn parse_registry(s: &str) -> Result<RegistryLocation, LocationError> {
    match url_scheme(s) {
        None => Ok(RegistryLocation::Dir(PathBuf::from(s))),
        Some(scheme) if scheme.eq_ignore_ascii_case("oci") => {
            parse_oci(s).map(RegistryLocation::Oci)
        }
        Some(scheme) => Err(LocationError::UnknownScheme {
            url: s.to_string(),
            scheme: scheme.to_string(),
        }),
    }
}

/// Reads `oci://HOST[:PORT][/PREFIX]`.
pub fn parse_oci(s: &str) -> Result<OciUrl, LocationError> {
    let bad = |why: &str| LocationError::BadOciUrl {
        url: s.to_string(),
        why: why.to_string(),
    };
    let rest = &s[s.find("://").ok_or_else(|| bad("it has no `://`"))? + 3..];
    let rest = rest.trim_end_matches('/');
    let (registry, prefix) = match rest.split_once('/') {
        Some((r, p)) => (r, p),
        None => (rest, ""),
    };
    if registry.is_empty() {
        return Err(bad("the host is missing"));
    }
    if registry.contains('@') {
        return Err(bad(
            "credentials do not belong in the URL; see docs/security.md for where astc reads them",
        ));
    }
    if registry.contains(['?', '#']) || prefix.contains(['?', '#']) {
        return Err(bad("queries and fragments are not part of a registry URL"));
    }
    let (host, port) = match registry.strip_prefix('[') {
        Some(v6) => {
            let (addr, after) = v6.split_once(']').ok_or_else(|| bad("`[` without `]`"))?;
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("the address in brackets is not an IPv6 address"));
            }
            match after {
                "" => (addr, None),
                p => (
                    addr,
                    Some(p.strip_prefix(':').ok_or_else(|| bad("junk after `]`"))?),
                ),
            }
        }
        None => match registry.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (registry, None),
        },
    };
    let host_ok = registry.starts_with('[')
        || (!host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            }));
    if !host_ok {
        return Err(bad(&format!("`{host}` is not a host name or address")));
    }
    if let Some(p) = port
        && !p.parse::<u16>().is_ok_and(|p| p != 0)
    {
        return Err(bad(&format!("`{p}` is not a port")));
    }
    // Repository path components, as the OCI distribution spec allows them.
    for part in prefix.split('/').filter(|_| !prefix.is_empty()) {
        let ok = !part.is_empty()
            && part.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
            && part.starts_with(|c: char| c.is_ascii_alphanumeric())
            && part.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !ok {
            return Err(bad(&format!(
                "the prefix part `{part}` is not a repository name (lowercase letters, digits, `.`, `_`, `-`)"
            )));
        }
    }
    Ok(OciUrl {
        registry: registry.to_ascii_lowercase(),
        prefix: prefix.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oci(s: &str) -> OciUrl {
        match parse_registry(s) {
            Ok(RegistryLocation::Oci(u)) => u,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn urls_are_not_paths() {
        assert_eq!(
            parse_registry("registry"),
            Ok(RegistryLocation::Dir(PathBuf::from("registry")))
        );
        assert_eq!(
            parse_registry("../a:b/c"),
            Ok(RegistryLocation::Dir(PathBuf::from("../a:b/c")))
        );
        assert_eq!(
            parse_registry("C:\\reg"),
            Ok(RegistryLocation::Dir(PathBuf::from("C:\\reg")))
        );
        let e = parse_registry("https://example.com/reg").unwrap_err();
        assert!(e.to_string().contains("`https://example.com/reg`"), "{e}");
        assert!(e.to_string().contains("`https`"), "{e}");
        // `://` inside a path component is not a scheme.
        assert_eq!(
            parse_registry("./x://y"),
            Ok(RegistryLocation::Dir(PathBuf::from("./x://y")))
        );
    }

    #[test]
    fn oci_urls() {
        let u = oci("oci://127.0.0.1:5000");
        assert_eq!(
            (u.registry.as_str(), u.prefix.as_str()),
            ("127.0.0.1:5000", "")
        );
        assert!(u.is_loopback());
        assert_eq!(u.repository("acme", "greeter"), "acme/greeter");
        let u = oci("OCI://Registry.Example.com/team/wasm/");
        assert_eq!(u.registry, "registry.example.com");
        assert_eq!(u.repository("acme", "greeter"), "team/wasm/acme/greeter");
        assert!(!u.is_loopback());
        assert_eq!(u.to_string(), "oci://registry.example.com/team/wasm");
        assert!(oci("oci://localhost:5000").is_loopback());
        assert!(oci("oci://[::1]:5000").is_loopback());
        assert!(!oci("oci://[2001:db8::1]").is_loopback());
        assert!(!oci("oci://127.0.0.1.example.com").is_loopback());
        for bad in [
            "oci://",
            "oci:///x",
            "oci://user:pw@host",
            "oci://host:99999",
            "oci://host:0",
            "oci://host:x",
            "oci://ho st",
            "oci://host/UPPER",
            "oci://host/a//b",
            "oci://host/-a",
            "oci://[::1",
            "oci://host?x=1",
        ] {
            assert!(
                matches!(parse_registry(bad), Err(LocationError::BadOciUrl { .. })),
                "{bad}"
            );
        }
    }
}
