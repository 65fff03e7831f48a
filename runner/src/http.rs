//! Outgoing HTTP: denied unless the host is granted with `--allow-http HOST`.
//!
//! wasi:http requests do not go through WASI's socket checks, so this hook is the only gate:
//! a request to any other host fails with `HTTP-request-denied`, an error value the guest
//! sees, never a crash.

use std::future::Future;
use std::sync::Arc;

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks, default_send_request};

type Io = Box<dyn Future<Output = Result<(), Error>> + Send>;

/// Which hosts guests may send HTTP requests to.
#[derive(Debug, Clone, Default)]
pub struct HttpPolicy {
    allowed: Arc<[String]>,
}

impl HttpPolicy {
    /// A policy allowing exactly `hosts` (lowercase names, optionally `host:port`).
    pub fn new(hosts: &[String]) -> Self {
        HttpPolicy {
            allowed: hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
        }
    }

    pub(crate) fn allows(&self, uri: &http::Uri) -> bool {
        let Some(host) = uri.host() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let with_port = uri.port_u16().map(|p| format!("{host}:{p}"));
        self.allowed
            .iter()
            .any(|a| *a == host || Some(a) == with_port.as_ref())
    }
}

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Io,
    ) -> Box<dyn Future<Output = Result<(http::Response<WasiBody>, Io), Error>> + Send> {
        if !self.allows(request.uri()) {
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = default_send_request(request, options).await?;
            Ok((response.map(BodyExt::boxed_unsync), Box::new(io) as Io))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_granted_hosts_pass() {
        let p = HttpPolicy::new(&["example.com".into(), "localhost:8080".into()]);
        let ok = |u: &str| p.allows(&u.parse().unwrap());
        assert!(ok("https://example.com/x"));
        assert!(ok("https://EXAMPLE.com/x"));
        assert!(ok("http://localhost:8080/"));
        assert!(!ok("http://localhost:8081/"));
        assert!(!ok("https://example.com.evil.org/"));
        assert!(!ok("https://sub.example.com/"));
        assert!(!HttpPolicy::default().allows(&"https://example.com/".parse().unwrap()));
    }
}
