//! The asterai host API, `asterai:host/api@0.1.0` and `@1.0.0`, as host functions.
//!
//! The bindings are generated from the WIT astc ships in `compiler/wit/` (the WIT `astc
//! check` compares imports with), so the WIT is the single source of truth for both. The
//! answers come from the running composition ([`crate::composition`]).

use wasmtime::component::{HasSelf, Linker};

use crate::sandbox::Host;

mod bindings {
    wasmtime::component::bindgen!({
        path: [
            "../compiler/wit/asterai-host-0.1.0.wit",
            "../compiler/wit/asterai-host-1.0.0.wit",
        ],
        interfaces: "
            import asterai:host/api@0.1.0;
            import asterai:host/api@1.0.0;
        ",
    });
}

use bindings::asterai::host0_1_0::api as v0;
use bindings::asterai::host1_0_0::api as v1;
pub(crate) use v1::{CallError, CallErrorKind, ComponentInfo, FunctionInfo, ParamInfo};

impl CallError {
    pub(crate) fn new(kind: CallErrorKind, message: impl Into<String>) -> Self {
        CallError {
            kind,
            message: message.into(),
        }
    }
}

/// Adds `asterai:host/api@0.1.0`.
pub(crate) fn add_0_1(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    v0::add_to_linker::<Host, HasSelf<Host>>(linker, |h| h)
}

/// Adds `asterai:host/api@1.0.0`.
pub(crate) fn add_1(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    v1::add_to_linker::<Host, HasSelf<Host>>(linker, |h| h)
}

impl v0::Host for Host {
    fn send_response(&mut self, response: String) {
        if self.invocation.echo_responses {
            println!("{response}");
        }
        self.invocation.responses.lock().unwrap().push(response);
    }
}

impl v1::Host for Host {
    fn get_runtime_info(&mut self) -> v1::RuntimeInfo {
        v1::RuntimeInfo {
            version: format!("astc {}", env!("CARGO_PKG_VERSION")),
        }
    }

    fn list_components(&mut self) -> Vec<ComponentInfo> {
        self.invocation.component_infos()
    }

    fn list_other_components(&mut self) -> Vec<ComponentInfo> {
        let current = self.current.as_ref();
        self.invocation
            .component_infos()
            .into_iter()
            .filter(|c| {
                current.is_none_or(|id| {
                    c.name != id.name.to_string() || c.version != id.version.to_string()
                })
            })
            .collect()
    }

    fn get_component(&mut self, name: String) -> Option<ComponentInfo> {
        self.invocation.component_info(&name)
    }

    fn component_implements(&mut self, component: String, interface: String) -> bool {
        self.invocation.implements(&component, &interface)
    }

    fn call_component_function(
        &mut self,
        component: String,
        function: String,
        args: String,
    ) -> Result<String, CallError> {
        self.invocation
            .call_component_function(&component, &function, &args, self.depth)
    }
}
