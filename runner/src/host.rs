//! The host a guest sees: WASI 0.2 (with wasi:http), the asterai host API, and the limits of
//! its sandbox.

use std::sync::{Arc, Mutex};

use wasmtime::component::{ComponentType, Linker, Lower, ResourceTable, Val};
use wasmtime::{StoreContextMut, StoreLimits};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::Shared;
use crate::http::HttpPolicy;

/// The store's data: everything host functions need.
pub struct Host {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) http: WasiHttpCtx,
    pub(crate) http_policy: HttpPolicy,
    pub(crate) limits: StoreLimits,
    /// Responses sent with `asterai:host/api@0.1.0#send-response`.
    pub(crate) responses: Arc<Mutex<Vec<String>>>,
    /// Print responses as they arrive (`astc run`) rather than only collecting them.
    pub(crate) echo_responses: bool,
    /// The runner, the program and the sandbox, for nested calls.
    pub(crate) shared: Arc<Shared>,
    /// The component this store runs, when it is part of a composition.
    pub(crate) current: Option<astc_resolver::ComponentId>,
    /// How deep in `call-component-function` this store is.
    pub(crate) depth: u32,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_policy,
        }
    }
}

#[derive(ComponentType, Lower)]
#[component(record)]
struct RuntimeInfo {
    version: String,
}

/// `asterai:host/api@1.0.0#param-info`.
#[derive(ComponentType, Lower, Clone, Debug)]
#[component(record)]
pub struct ParamInfo {
    pub name: String,
    #[component(name = "type-description")]
    pub type_description: String,
}

/// `asterai:host/api@1.0.0#function-info`.
#[derive(ComponentType, Lower, Clone, Debug)]
#[component(record)]
pub struct FunctionInfo {
    pub name: String,
    #[component(name = "interface-name")]
    pub interface_name: Option<String>,
    pub description: Option<String>,
    pub inputs: Vec<ParamInfo>,
    pub output: Option<String>,
}

/// `asterai:host/api@1.0.0#component-info`.
#[derive(ComponentType, Lower, Clone, Debug)]
#[component(record)]
pub struct ComponentInfo {
    pub name: String,
    pub version: String,
    pub interfaces: Vec<String>,
    pub description: Option<String>,
    pub functions: Vec<FunctionInfo>,
}

/// `asterai:host/api@1.0.0#call-error-kind`.
#[derive(ComponentType, Lower, Clone, Copy, Debug, PartialEq, Eq)]
#[component(enum)]
#[repr(u8)]
pub enum CallErrorKind {
    #[component(name = "component-not-found")]
    ComponentNotFound,
    #[component(name = "function-not-found")]
    FunctionNotFound,
    #[component(name = "invalid-args")]
    InvalidArgs,
    #[component(name = "invocation-failed")]
    InvocationFailed,
    #[component(name = "serialization-failed")]
    SerializationFailed,
}

/// `asterai:host/api@1.0.0#call-error`.
#[derive(ComponentType, Lower, Clone, Debug)]
#[component(record)]
pub struct CallError {
    pub kind: CallErrorKind,
    pub message: String,
}

impl CallError {
    pub fn new(kind: CallErrorKind, message: impl Into<String>) -> Self {
        CallError {
            kind,
            message: message.into(),
        }
    }
}

/// Adds WASI 0.2, wasi:http and both versions of the asterai host API to `linker`.
pub fn link(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(linker)?;

    let mut v0 = linker.instance("asterai:host/api@0.1.0")?;
    v0.func_new(
        "send-response",
        |mut store: StoreContextMut<'_, Host>, _ty, params: &[Val], _results: &mut [Val]| {
            let [Val::String(response)] = params else {
                wasmtime::bail!("send-response expects one string");
            };
            let host = store.data_mut();
            if host.echo_responses {
                println!("{response}");
            }
            host.responses.lock().unwrap().push(response.clone());
            Ok(())
        },
    )?;

    let mut v1 = linker.instance("asterai:host/api@1.0.0")?;
    v1.func_wrap(
        "get-runtime-info",
        |_store: StoreContextMut<'_, Host>, (): ()| {
            Ok((RuntimeInfo {
                version: format!("astc {}", env!("CARGO_PKG_VERSION")),
            },))
        },
    )?;
    v1.func_wrap(
        "list-components",
        |store: StoreContextMut<'_, Host>, (): ()| Ok((store.data().shared.component_infos(),)),
    )?;
    v1.func_wrap(
        "list-other-components",
        |store: StoreContextMut<'_, Host>, (): ()| {
            let host = store.data();
            let current = host.current.as_ref();
            let others: Vec<ComponentInfo> = host
                .shared
                .component_infos()
                .into_iter()
                .filter(|c| {
                    current.is_none_or(|id| {
                        c.name != id.name.to_string() || c.version != id.version.to_string()
                    })
                })
                .collect();
            Ok((others,))
        },
    )?;
    v1.func_wrap(
        "get-component",
        |store: StoreContextMut<'_, Host>, (name,): (String,)| {
            Ok((store.data().shared.component_info(&name),))
        },
    )?;
    v1.func_wrap(
        "component-implements",
        |store: StoreContextMut<'_, Host>, (component, interface): (String, String)| {
            Ok((store.data().shared.implements(&component, &interface),))
        },
    )?;
    v1.func_wrap(
        "call-component-function",
        |store: StoreContextMut<'_, Host>,
         (component, function, args): (String, String, String)| {
            let host = store.data();
            let result = host
                .shared
                .call_component_function(&component, &function, &args, host.depth);
            Ok((result,))
        },
    )?;
    Ok(())
}
