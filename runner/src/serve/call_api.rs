//! asterai's call API: `GET /health`, and `POST /v1/environment/{ns}/{name}/call` with
//! `{"component": "ns:name", "function": "iface/func", "args": [...]}`, answered with
//! `{"output": ...}` (asterai's cli/src/command/env/call_api.rs).
//!
//! Errors are JSON, `{"error": {"code", "message", "help"?}}`, with a status that says whose
//! fault it was: 400 bad input (with the path to the bad value), 401 a missing or wrong
//! token, 404 an unknown environment, component or function, 413 a body over the limit, 500
//! a trap, 503 a limit hit or a server shutting down.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::Shared;
use crate::{CallArgs, RunError};

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/v1/environment/{ns}/{name}/call", post(call))
}

/// A JSON error response.
pub(crate) fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    help: Option<&str>,
) -> Response {
    let mut error = serde_json::json!({ "code": code, "message": message });
    if let Some(help) = help {
        error["help"] = help.into();
    }
    (status, axum::Json(serde_json::json!({ "error": error }))).into_response()
}

/// The status a failed call is answered with: whose fault it was.
pub(crate) fn status_of(e: &RunError) -> StatusCode {
    match e {
        RunError::NoSuchComponent { .. } | RunError::NoSuchFunction { .. } => StatusCode::NOT_FOUND,
        RunError::AmbiguousFunction { .. } | RunError::InvalidArgs { .. } => {
            StatusCode::BAD_REQUEST
        }
        RunError::MemoryLimit { .. }
        | RunError::ResourceLimit { .. }
        | RunError::Timeout { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A failed call as a JSON error response.
pub(crate) fn run_error_response(e: &RunError) -> Response {
    let code = miette::Diagnostic::code(e)
        .map(|c| c.to_string())
        .unwrap_or_else(|| "astc::run".into());
    let help = miette::Diagnostic::help(e).map(|h| h.to_string());
    error_response(status_of(e), &code, &e.to_string(), help.as_deref())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallRequest {
    component: String,
    function: String,
    #[serde(default)]
    args: Option<serde_json::Value>,
}

/// Whether the request carries the token, compared in constant time. asterai accepts the
/// token with or without `Bearer `.
fn authorized(headers: &HeaderMap, secret: &str) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return false;
    };
    let value = value.as_bytes();
    let token = value.strip_prefix(b"Bearer ").unwrap_or(value);
    token.ct_eq(secret.as_bytes()).into()
}

/// The answer to a request without the server's token, if it has one.
fn unauthorized(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let secret = shared.options.secret.as_ref()?;
    if authorized(headers, secret) {
        return None;
    }
    Some(error_response(
        StatusCode::UNAUTHORIZED,
        "astc::serve::unauthorized",
        "missing or wrong bearer token",
        Some("send `Authorization: Bearer <token>` with the server's ASTERAI_RUNTIME_SECRET"),
    ))
}

/// Middleware: the token, for routes other than the call API (MCP).
pub(super) async fn require_token(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match unauthorized(&shared, request.headers()) {
        Some(denied) => denied,
        None => next.run(request).await,
    }
}

async fn call(
    State(shared): State<Arc<Shared>>,
    Path((ns, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Browsers send `Origin` with every POST, also the "simple" ones that skip a CORS
    // preflight; asterai's clients, curl and agents do not. A web page (or a DNS-rebinding
    // attack) must not be able to call the component through a server on the machine.
    if headers.contains_key(header::ORIGIN) {
        return error_response(
            StatusCode::FORBIDDEN,
            "astc::serve::cross_origin",
            "requests from web pages (with an `Origin` header) are refused",
            Some("call the API from a program, not from a browser page"),
        );
    }
    if let Some(denied) = unauthorized(&shared, &headers) {
        return denied;
    }
    let served = shared.program.name().unwrap_or_default();
    if format!("{ns}:{name}") != served {
        return error_response(
            StatusCode::NOT_FOUND,
            "astc::serve::no_such_environment",
            &format!("no environment `{ns}:{name}` here"),
            Some(&format!(
                "this server serves `{served}`: POST /v1/environment/{}/call",
                served.replace(':', "/")
            )),
        );
    }
    let bytes = match read_body(&shared, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let request: CallRequest =
        match crate::json_text::parse(std::str::from_utf8(&bytes).unwrap_or("\u{fffd}"))
            .map_err(|e| e.to_string())
            .and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
        {
            Ok(r) => r,
            Err(message) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "astc::serve::bad_request",
                    &format!("the body is not a call: {message}"),
                    Some(
                        r#"send {"component": "ns:name", "function": "iface/func", "args": [...]}"#,
                    ),
                );
            }
        };
    let args = match request.args {
        None => "[]".to_string(),
        Some(v @ serde_json::Value::Array(_)) => v.to_string(),
        Some(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "astc::serve::bad_request",
                "`args` must be an array with one value per parameter",
                None,
            );
        }
    };
    let outcome = shared
        .blocking(move |s| {
            s.runner.call_component(
                &s.program,
                &request.component,
                &request.function,
                &CallArgs::Json(args),
                &s.sandbox,
            )
        })
        .await;
    match outcome {
        Err(e) => e.into_response(),
        Ok(Err(e)) => run_error_response(&e),
        Ok(Ok(out)) => {
            let output: serde_json::Value =
                serde_json::from_str(&out.result).unwrap_or(serde_json::Value::Null);
            let mut body = serde_json::json!({ "output": output });
            if out.sends_responses {
                body["responses"] = out.responses.into();
            }
            axum::Json(body).into_response()
        }
    }
}

/// The body, up to the size limit, within the read timeout.
pub(super) async fn read_body(shared: &Shared, body: Body) -> Result<bytes::Bytes, Response> {
    let limit = shared.options.max_body;
    let read = axum::body::to_bytes(body, limit);
    match tokio::time::timeout(shared.options.read_timeout, read).await {
        Err(_) => Err(error_response(
            StatusCode::REQUEST_TIMEOUT,
            "astc::serve::slow_body",
            "the request body did not arrive in time",
            None,
        )),
        Ok(Err(e)) if !is_length_limit(&e) => Err(error_response(
            StatusCode::BAD_REQUEST,
            "astc::serve::bad_body",
            &format!("the request body could not be read: {e}"),
            None,
        )),
        Ok(Err(_)) => Err(error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "astc::serve::body_too_large",
            &format!("the request body is over the limit of {limit} bytes"),
            Some("raise it with `astc serve --max-body`"),
        )),
        Ok(Ok(b)) => Ok(b),
    }
}

/// Whether reading a body failed on its size limit rather than on the connection.
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_with_or_without_bearer() {
        let mut h = HeaderMap::new();
        assert!(!authorized(&h, "s3cret"));
        h.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(authorized(&h, "s3cret"));
        h.insert(header::AUTHORIZATION, "s3cret".parse().unwrap());
        assert!(authorized(&h, "s3cret"));
        h.insert(header::AUTHORIZATION, "Bearer s3cre".parse().unwrap());
        assert!(!authorized(&h, "s3cret"));
        h.insert(header::AUTHORIZATION, "Bearer s3cretx".parse().unwrap());
        assert!(!authorized(&h, "s3cret"));
    }
}
