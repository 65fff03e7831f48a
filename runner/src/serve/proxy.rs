//! `wasi:http`: a component exporting `wasi:http/incoming-handler@0.2.x` handles every
//! request the server does not answer itself, as `wasmtime serve` does: a fresh instance
//! per request, from the component linked once at start (so each request only
//! instantiates), with the sandbox's grants, limits and deadline.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::bindings::sync::ProxyPre;

use super::Shared;
use super::call_api::{error_response, run_error_response};
use crate::deadline::{self, guarded};
use crate::error::instantiate_error;
use crate::invoke::export_names;
use crate::sandbox::{Host, Invocation};
use crate::{Program, RunError, Runner};

/// The component's HTTP handler, linked.
pub(crate) struct Proxy {
    pre: ProxyPre<Host>,
}

impl Proxy {
    /// The handler, if `program` exports one.
    pub(crate) fn new(runner: &Runner, program: &Program) -> Result<Option<Proxy>, RunError> {
        let engine = &runner.inner.engine;
        let handles_http = export_names(engine, &program.data.component)
            .iter()
            .any(|e| e.starts_with("wasi:http/incoming-handler@0.2"));
        if !handles_http {
            return Ok(None);
        }
        let pre = program
            .data
            .pre(&runner.inner.linker)
            .map_err(|e| instantiate_error(e, &crate::Sandbox::default(), None))?;
        let pre = ProxyPre::new(pre).map_err(|e| RunError::Instantiate {
            message: format!("{e:#}"),
        })?;
        Ok(Some(Proxy { pre }))
    }
}

/// Hands the request to the component; its response streams back as it writes it.
pub(super) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let limit = shared.options.max_body;
    let body = http_body_util::Limited::new(body, limit)
        .map_err(|e| wasmtime_wasi_http::Error::InternalError(Some(e.to_string())))
        .boxed_unsync();
    let request = hyper::Request::from_parts(parts, body);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let worker = shared.clone();
    let call = async move {
        worker
            .blocking(move |s| {
                let inv = Invocation::new(
                    s.runner.inner.clone(),
                    s.program.data.clone(),
                    &s.sandbox,
                    true,
                )?;
                let pre = s
                    .proxy
                    .as_ref()
                    .expect("routed here only with a proxy")
                    .pre
                    .clone();
                let timeout = s.sandbox.timeout;
                guarded(timeout, deadline::GRACE, move || {
                    let mut store = inv.store(&[], false, inv.root(), 0)?;
                    let data = store.data_mut();
                    let host_error = |e: wasmtime::Error| RunError::Host {
                        message: format!("{e:#}"),
                    };
                    let req = data
                        .http()
                        .new_incoming_request(Scheme::Http, request)
                        .map_err(host_error)?;
                    let out = data.http().new_response_outparam(tx).map_err(host_error)?;
                    let proxy = pre.instantiate(&mut store).map_err(|e| {
                        instantiate_error(e, &inv.sandbox, store.data().limiter.hit())
                    })?;
                    proxy
                        .wasi_http_incoming_handler()
                        .call_handle(&mut store, req, out)
                        .map_err(|e| {
                            crate::error::classify(e, &inv.sandbox, store.data().limiter.hit())
                        })
                })
            })
            .await
    };
    let mut call = tokio::spawn(call);
    let mut rx = rx;
    // The response, as soon as the component sets it; or, if the call ends first (a trap,
    // or the deadline passing while the guest is blocked in a host call), why it ended.
    let ended = tokio::select! {
        biased;
        set = &mut rx => match set {
            Ok(Ok(response)) => return response.map(Body::new),
            Ok(Err(code)) => return error_code_response(&code),
            Err(_) => call.await,
        },
        ended = &mut call => match rx.try_recv() {
            Ok(Ok(response)) => return response.map(Body::new),
            Ok(Err(code)) => return error_code_response(&code),
            Err(_) => ended,
        },
    };
    match ended {
        Ok(Ok(Err(e))) => run_error_response(&e),
        Ok(Err(e)) => e.into_response(),
        Err(e) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "astc::serve::internal",
            &format!("the handler failed: {e}"),
            None,
        ),
        Ok(Ok(Ok(()))) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "astc::serve::no_response",
            "the component returned without setting a response",
            None,
        ),
    }
}

fn error_code_response(code: &ErrorCode) -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "astc::serve::handler_error",
        &format!("the component answered with an error: {code:?}"),
        None,
    )
}
