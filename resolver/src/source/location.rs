//! Registry locations as the user writes them (`--registry`, `[registry] path`): a directory
//! path, never a URL taken for one.
//!
//! `oci://127.0.0.1:5000` read as a path would name a directory `oci:` and publish into it;
//! anything that starts like a URL (`scheme://`) is refused, naming the URL, until a source
//! for its scheme exists.

use std::path::PathBuf;

/// Why a registry location cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    /// An OCI registry, which this astc cannot use yet.
    #[error(
        "registry `{url}` is an OCI registry URL, which this astc cannot use yet; give a registry directory"
    )]
    OciUnsupported {
        /// The URL as given.
        url: String,
    },
    /// A URL of a scheme no source handles.
    #[error(
        "registry `{url}` is a URL with scheme `{scheme}`, which astc does not know; give a registry directory"
    )]
    UnknownScheme {
        /// The URL as given.
        url: String,
        /// Its scheme.
        scheme: String,
    },
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

/// Reads a registry location: a directory path, or an error naming the URL.
pub fn parse_registry_dir(s: &str) -> Result<PathBuf, LocationError> {
    match url_scheme(s) {
        None => Ok(PathBuf::from(s)),
        Some(scheme) if scheme.eq_ignore_ascii_case("oci") => {
            Err(LocationError::OciUnsupported { url: s.to_string() })
        }
        Some(scheme) => Err(LocationError::UnknownScheme {
            url: s.to_string(),
            scheme: scheme.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_not_paths() {
        assert_eq!(
            parse_registry_dir("registry"),
            Ok(PathBuf::from("registry"))
        );
        assert_eq!(
            parse_registry_dir("../a:b/c"),
            Ok(PathBuf::from("../a:b/c"))
        );
        assert_eq!(parse_registry_dir("C:\\reg"), Ok(PathBuf::from("C:\\reg")));
        assert!(matches!(
            parse_registry_dir("oci://127.0.0.1:5000"),
            Err(LocationError::OciUnsupported { .. })
        ));
        let e = parse_registry_dir("https://example.com/reg").unwrap_err();
        assert!(e.to_string().contains("`https://example.com/reg`"), "{e}");
        assert!(e.to_string().contains("`https`"), "{e}");
        // `://` inside a path component is not a scheme.
        assert_eq!(parse_registry_dir("./x://y"), Ok(PathBuf::from("./x://y")));
    }
}
