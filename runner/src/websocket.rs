//! `asterai:host-ws`: which outgoing WebSocket connections a guest may open.
//!
//! A WebSocket starts as an HTTP request, so the HTTP grant covers it: a connection to a
//! host is allowed exactly when `--allow-http HOST` would allow an HTTP request to it.

use crate::http::HttpPolicy;

/// Checks the URL of a connection: `ws://` or `wss://`, to a granted host.
pub(crate) fn check(url: &str, policy: &HttpPolicy) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("invalid url `{url}`: {e}"))?;
    if !matches!(parsed.scheme(), "ws" | "wss") {
        return Err(format!(
            "invalid url `{url}`: a WebSocket URL starts with `ws://` or `wss://`"
        ));
    }
    let uri: http::Uri = url
        .parse()
        .map_err(|e| format!("invalid url `{url}`: {e}"))?;
    if !policy.allows(&uri) {
        let host = parsed.host_str().unwrap_or_default();
        return Err(format!(
            "connection to `{host}` denied: the host is not granted (grant it with \
             `--allow-http {host}`)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ws_urls_to_granted_hosts() {
        let p = HttpPolicy::new(&["example.com".into()]);
        assert!(check("wss://example.com/feed", &p).is_ok());
        assert!(check("ws://EXAMPLE.com:80/", &p).is_ok());
        let e = check("https://example.com/", &p).unwrap_err();
        assert!(e.contains("starts with `ws://` or `wss://`"), "{e}");
        let e = check("wss://other.org/", &p).unwrap_err();
        assert!(e.contains("`--allow-http other.org`"), "{e}");
        assert!(
            check("not a url", &p)
                .unwrap_err()
                .starts_with("invalid url")
        );
        assert!(check("wss://example.com/", &HttpPolicy::default()).is_err());
    }
}
