//! Credentials for an OCI registry, from where users already keep them: the environment
//! (`ASTC_REGISTRY_USERNAME` and `ASTC_REGISTRY_PASSWORD`, or `ASTC_REGISTRY_TOKEN`), else
//! the `auths` of Docker's configuration file (`$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`, as `docker login` writes it), else none.
//!
//! Credentials are handed to the registry client only: no type here implements `Debug` or
//! `Display` with them, and no message quotes them.

use std::path::PathBuf;

use oci_client::secrets::RegistryAuth;

/// Where the credentials for a registry came from, for messages (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// None were found: anonymous access.
    Anonymous,
    /// `ASTC_REGISTRY_*` variables.
    Environment,
    /// An `auths` entry of this Docker configuration file.
    DockerConfig(PathBuf),
}

impl Origin {
    pub(crate) fn describe(&self) -> String {
        match self {
            Origin::Anonymous => "no credentials (anonymous)".into(),
            Origin::Environment => "the credentials in ASTC_REGISTRY_USERNAME/ASTC_REGISTRY_PASSWORD (or ASTC_REGISTRY_TOKEN)".into(),
            Origin::DockerConfig(p) => format!("the credentials in `{}`", p.display()),
        }
    }
}

/// The credentials for `registry` (`host[:port]`) and where they came from.
pub(crate) fn credentials(registry: &str) -> (RegistryAuth, Origin) {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    if let Some(token) = var("ASTC_REGISTRY_TOKEN") {
        return (RegistryAuth::Bearer(token), Origin::Environment);
    }
    if let (Some(user), Some(password)) =
        (var("ASTC_REGISTRY_USERNAME"), var("ASTC_REGISTRY_PASSWORD"))
    {
        return (RegistryAuth::Basic(user, password), Origin::Environment);
    }
    let config = match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => PathBuf::from(dir).join("config.json"),
        None => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".docker").join("config.json"),
            None => return (RegistryAuth::Anonymous, Origin::Anonymous),
        },
    };
    match std::fs::read(&config)
        .ok()
        .and_then(|text| from_docker_config(&text, registry))
    {
        Some(auth) => (auth, Origin::DockerConfig(config)),
        None => (RegistryAuth::Anonymous, Origin::Anonymous),
    }
}

/// The `auths` entry for `registry` in a Docker configuration file: `auth` (base64 of
/// `user:password`), or `username` and `password`; keys may carry a scheme and a path.
fn from_docker_config(text: &[u8], registry: &str) -> Option<RegistryAuth> {
    let config: serde_json::Value = serde_json::from_slice(text).ok()?;
    let auths = config.get("auths")?.as_object()?;
    let entry = auths.iter().find_map(|(key, v)| {
        let host = key
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split('/')
            .next()?;
        host.eq_ignore_ascii_case(registry).then_some(v)
    })?;
    if let Some(encoded) = entry.get("auth").and_then(|a| a.as_str()) {
        let decoded = base64_decode(encoded)?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        return Some(RegistryAuth::Basic(user.into(), password.into()));
    }
    let user = entry.get("username")?.as_str()?;
    let password = entry.get("password")?.as_str()?;
    Some(RegistryAuth::Basic(user.into(), password.into()))
}

/// Standard base64 with padding, as Docker writes it.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(a: Option<RegistryAuth>) -> Option<(String, String)> {
        match a? {
            RegistryAuth::Basic(u, p) => Some((u, p)),
            _ => None,
        }
    }

    #[test]
    fn docker_config_entries() {
        // "ann:s3cret:x" in base64: the password may hold colons.
        let config = br#"{"auths": {
            "https://registry.example.com/v1/": {"auth": "YW5uOnMzY3JldDp4"},
            "127.0.0.1:5000": {"username": "bob", "password": "pw"},
            "broken.example.com": {"auth": "%%%"}
        }}"#;
        assert_eq!(
            basic(from_docker_config(config, "registry.example.com")),
            Some(("ann".into(), "s3cret:x".into()))
        );
        assert_eq!(
            basic(from_docker_config(config, "127.0.0.1:5000")),
            Some(("bob".into(), "pw".into()))
        );
        assert!(from_docker_config(config, "other.example.com").is_none());
        assert!(from_docker_config(config, "broken.example.com").is_none());
        assert!(from_docker_config(b"not json", "x").is_none());
    }
}
