//! The asterai host API, `asterai:host/api@0.1.0` and `@1.0.0`, and asterai's
//! `asterai:host-cron` and `asterai:host-ws`, as host functions.
//!
//! The bindings are generated from the WIT astc ships in `compiler/wit/` (the WIT `astc
//! check` compares imports with), so the WIT is the single source of truth for both. The
//! answers come from the running composition ([`crate::composition`]).
//!
//! A one-shot invocation (`astc run`, `astc call`) ends when its call returns, so nothing
//! can outlive it: a schedule could never fire and a WebSocket could never deliver a
//! message. `create-schedule` and `connect` check their arguments as asterai does, then
//! refuse with a message that says so, an error value the guest sees. Under `astc serve`
//! the program has a [`crate::schedule::Scheduler`] and [`crate::websocket::Connections`]:
//! schedules fire and connections deliver.

use wasmtime::component::{HasSelf, Linker};

use crate::sandbox::Host;

mod bindings {
    wasmtime::component::bindgen!({
        path: [
            "../compiler/wit/asterai-host-0.1.0.wit",
            "../compiler/wit/asterai-host-1.0.0.wit",
            "../compiler/wit/asterai-host-cron-0.1.0.wit",
            "../compiler/wit/asterai-host-ws-0.1.0.wit",
        ],
        interfaces: "
            import asterai:host/api@0.1.0;
            import asterai:host/api@1.0.0;
            import asterai:host-cron/scheduler@0.1.0;
            import asterai:host-ws/connection@0.1.0;
        ",
        // The legacy key-value functions have no error result: a store that fails traps.
        imports: {
            "asterai:host/api@0.1.0.kv-get": trappable,
            "asterai:host/api@0.1.0.kv-set": trappable,
        },
    });
}

use bindings::asterai::host_cron::scheduler as cron;
use bindings::asterai::host_ws::connection as ws;
use bindings::asterai::host0_1_0::api as v0;
use bindings::asterai::host1_0_0::api as v1;
pub(crate) use v1::{CallError, CallErrorKind, ComponentInfo, FunctionInfo, ParamInfo, TypeInfo};

/// Why a schedule or a connection is refused by a one-shot invocation.
const ONE_SHOT: &str = "this astc invocation ends when its call returns";

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

/// Adds `asterai:host-cron/scheduler@0.1.0`.
pub(crate) fn add_cron(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    cron::add_to_linker::<Host, HasSelf<Host>>(linker, |h| h)
}

/// Adds `asterai:host-ws/connection@0.1.0`.
pub(crate) fn add_ws(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    ws::add_to_linker::<Host, HasSelf<Host>>(linker, |h| h)
}

impl v0::Host for Host {
    fn send_response(&mut self, response: String) {
        if self.invocation.echo_responses {
            println!("{response}");
        }
        self.invocation.responses.lock().unwrap().push(response);
    }

    fn kv_get(&mut self, key: String, user_id: Option<String>) -> wasmtime::Result<Option<String>> {
        let bucket = self.legacy_bucket(user_id.as_deref())?;
        let value = self.invocation.sandbox.kv.get(&bucket, &key);
        let value = value.map_err(|e| wasmtime::format_err!("kv-get `{key}`: {e}"))?;
        value
            .map(|v| {
                String::from_utf8(v).map_err(|_| {
                    wasmtime::format_err!(
                        "kv-get `{key}`: the value in bucket `{bucket}` is not UTF-8 text (it was stored through wasi:keyvalue)"
                    )
                })
            })
            .transpose()
    }

    fn kv_set(
        &mut self,
        key: String,
        value: Option<String>,
        user_id: Option<String>,
    ) -> wasmtime::Result<()> {
        let bucket = self.legacy_bucket(user_id.as_deref())?;
        let kv = &self.invocation.sandbox.kv;
        match value {
            Some(v) => kv.set(&bucket, &key, v.as_bytes()),
            None => kv.delete(&bucket, &key),
        }
        .map_err(|e| wasmtime::format_err!("kv-set `{key}`: {e}"))
    }
}

impl Host {
    /// The bucket of asterai's `kv-get`/`kv-set`, if the sandbox grants it.
    fn legacy_bucket(&self, user_id: Option<&str>) -> wasmtime::Result<String> {
        let bucket = crate::keyvalue::legacy_bucket(user_id);
        if !self.may_open_bucket(&bucket) {
            wasmtime::bail!(
                "asterai:host/api@0.1.0 key-value functions: the bucket `{bucket}` is not granted (grant it with `--kv-bucket {bucket}`)"
            );
        }
        Ok(bucket)
    }
}

impl v1::Host for Host {
    fn get_runtime_info(&mut self) -> v1::RuntimeInfo {
        v1::RuntimeInfo {
            // asterai's is its crate version, which parses as semver; so is astc's.
            version: env!("CARGO_PKG_VERSION").to_string(),
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

impl Host {
    /// The component making a host call, as asterai names a schedule's owner.
    fn owner(&self) -> String {
        match &self.current {
            Some(id) => id.name.to_string(),
            None => self.invocation.program.name.clone().unwrap_or_default(),
        }
    }
}

impl cron::Host for Host {
    fn create_schedule(
        &mut self,
        expr: String,
        component: String,
        function: String,
        args: String,
    ) -> Result<u64, String> {
        let schedule = crate::schedule::parse(&expr)?;
        // asterai checks the target and its arguments when the schedule is made.
        self.invocation
            .check_call(&component, &function, &args)
            .map_err(|e| e.message)?;
        let Some(scheduler) = self.invocation.program.scheduler.get() else {
            return Err(format!(
                "a schedule cannot fire here: {ONE_SHOT}; nothing was scheduled (schedules \
                 run in a long-running host: `astc serve`)"
            ));
        };
        let owner = self.owner();
        Ok(scheduler.add(expr, schedule, component, function, args, owner))
    }

    fn cancel_schedule(&mut self, id: u64) -> Result<(), String> {
        match self.invocation.program.scheduler.get() {
            Some(s) => s.cancel(id, &self.owner()),
            None => Err(format!("schedule {id} not found")),
        }
    }

    fn list_schedules(&mut self) -> Vec<cron::ScheduleInfo> {
        let Some(s) = self.invocation.program.scheduler.get() else {
            return Vec::new();
        };
        s.list(&self.owner())
            .into_iter()
            .map(|i| cron::ScheduleInfo {
                id: i.id,
                cron: i.cron,
                component_name: i.component,
                function_name: i.function,
                args_json: i.args,
            })
            .collect()
    }
}

impl ws::Host for Host {
    fn connect(&mut self, config: ws::Config) -> Result<u64, String> {
        crate::websocket::check(&config.url, &self.http_policy)?;
        // asterai delivers messages to the caller's `incoming-handler`, and refuses callers
        // that do not export one.
        if !self.invocation.exports_ws_handler(self.current.as_ref()) {
            return Err(
                "the component does not export `asterai:host-ws/incoming-handler@0.1.0`, \
                 which receives the connection's messages"
                    .into(),
            );
        }
        let Some(connections) = self.invocation.program.connections.get() else {
            return Err(format!(
                "a WebSocket connection cannot deliver messages here: {ONE_SHOT}; nothing \
                 was connected (connections live in a long-running host: `astc serve`)"
            ));
        };
        let config = crate::websocket::Config {
            url: config.url,
            headers: config.headers,
            auto_reconnect: config.auto_reconnect,
        };
        connections.connect(config, self.owner())
    }

    fn send(&mut self, id: u64, data: Vec<u8>) -> Result<(), String> {
        match self.invocation.program.connections.get() {
            Some(c) => c.send(id, data),
            None => Err(format!("connection {id} not found")),
        }
    }

    fn close(&mut self, id: u64) {
        if let Some(c) = self.invocation.program.connections.get() {
            c.close(id);
        }
    }
}
