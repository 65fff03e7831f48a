//! The asterai environment: what a composition holds, as the asterai host API sees it.
//!
//! A component composed by astc carries its provenance (which components, their exports,
//! who imports what from whom) and the bytes of each component. `list-components`,
//! `get-component` and `component-implements` answer from the provenance;
//! `call-component-function` composes the called component with what it imports from the
//! composition (once per program, then cached) and instantiates it afresh, in a new store of
//! the same invocation, for each call, as asterai does.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use astc_compiler::compose::{Bytes, Part, compose_parts};
use astc_compiler::provenance::{self, Provenance};
use astc_resolver::{ComponentId, Digest, LockedImport, PackageName};
use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Val};

use astc_compiler::docs::Docs;
use wit_parser::WorldItem;

use crate::asterai_api::{
    CallError, CallErrorKind, ComponentInfo, FunctionInfo, ParamInfo, TypeInfo,
};
use crate::code_cache;
use crate::error::classify;
use crate::invoke::{export_names, find_function_typed, json_params, json_results};
use crate::sandbox::{Host, Invocation};

/// How deep `call-component-function` may nest before the call fails.
const MAX_CALL_DEPTH: u32 = 16;

/// What a composition holds: provenance and where each component's bytes are.
pub(crate) struct Composition {
    pub(crate) provenance: Provenance,
    /// Where each component's bytes are, found on first use (it needs the bytes).
    pub(crate) ranges: OnceLock<BTreeMap<Digest, std::ops::Range<usize>>>,
}

type Ranges = BTreeMap<Digest, std::ops::Range<usize>>;

impl Invocation {
    fn composition(&self) -> Option<&Composition> {
        self.program.composition.as_ref()
    }

    /// The program's bytes and where each component's bytes are in them.
    fn parts(&self) -> Result<(Arc<[u8]>, &Ranges), String> {
        let comp = self.composition().ok_or("not a composition")?;
        let bytes = self.program.input.bytes().map_err(|e| match &e {
            crate::RunError::Read { source, .. } => format!("{e}: {source}"),
            _ => e.to_string(),
        })?;
        let ranges = comp
            .ranges
            .get_or_init(|| provenance::embedded_components(&bytes).unwrap_or_default());
        Ok((bytes, ranges))
    }

    /// The composition's root component: the one a top-level run or call enters.
    pub(crate) fn root(&self) -> Option<ComponentId> {
        self.composition()?
            .provenance
            .components
            .iter()
            .find(|c| c.root)
            .map(|c| ComponentId::new(c.name.clone(), c.version.clone()))
    }

    /// `list-components`: every component of the composition, from its provenance.
    pub(crate) fn component_infos(&self) -> Vec<ComponentInfo> {
        self.program
            .infos
            .get_or_init(|| {
                let Some(comp) = self.composition() else {
                    return Vec::new();
                };
                // The program's bytes are read only for a component astc has not inspected
                // before.
                let parts = std::cell::OnceCell::new();
                comp.provenance
                    .components
                    .iter()
                    .map(|entry| {
                        let inspected = astc_compiler::inspect_cached(entry.digest)
                            .or_else(|| {
                                let (bytes, ranges) =
                                    parts.get_or_init(|| self.parts().ok()).as_ref()?;
                                let r = ranges.get(&entry.digest)?;
                                Some(astc_compiler::inspect(&bytes[r.clone()]))
                            })
                            .and_then(Result::ok);
                        let (functions, description) = match &inspected {
                            Some(i) => (
                                function_infos(i, &entry.docs),
                                entry.docs.description(&exported_interfaces(i)),
                            ),
                            None => (Vec::new(), None),
                        };
                        ComponentInfo {
                            name: entry.name.to_string(),
                            version: entry.version.to_string(),
                            interfaces: entry.exports.iter().map(|e| e.to_string()).collect(),
                            description,
                            functions,
                        }
                    })
                    .collect()
            })
            .clone()
    }

    /// `get-component`.
    pub(crate) fn component_info(&self, name: &str) -> Option<ComponentInfo> {
        let id = self.find_component(name)?;
        self.component_infos()
            .into_iter()
            .find(|c| c.name == id.name.to_string() && c.version == id.version.to_string())
    }

    /// The component a name (`ns:name`, or `ns:name@version`) refers to: the highest version
    /// when several are composed.
    pub(crate) fn find_component(&self, name: &str) -> Option<ComponentId> {
        let comp = self.composition()?;
        let (name, version) = match name.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (name, None),
        };
        let name = PackageName::parse(name).ok()?;
        comp.provenance
            .components
            .iter()
            .filter(|c| c.name == name && version.is_none_or(|v| c.version.to_string() == v))
            .map(|c| ComponentId::new(c.name.clone(), c.version.clone()))
            .max()
    }

    /// `component-implements`: whether the component exports the interface, named with or
    /// without version.
    pub(crate) fn implements(&self, component: &str, interface: &str) -> bool {
        let Some(id) = self.find_component(component) else {
            return false;
        };
        let Some(entry) = self.entry(&id) else {
            return false;
        };
        entry
            .exports
            .iter()
            .any(|e| e.to_string() == interface || e.unversioned() == interface)
    }

    fn entry(&self, id: &ComponentId) -> Option<&astc_compiler::provenance::ProvenanceEntry> {
        self.composition()?
            .provenance
            .components
            .iter()
            .find(|c| c.name == id.name && c.version == id.version)
    }

    /// The component `target` composed with everything below it, compiled (once per
    /// program).
    pub(crate) fn sub_component(
        &self,
        target: &ComponentId,
    ) -> Result<(Component, InstancePre<Host>), String> {
        // The root composed with everything below it is the program itself.
        if self.root().as_ref() == Some(target) {
            let pre = self
                .program
                .pre(&self.runner.linker)
                .map_err(|e| format!("{e:#}"))?;
            return Ok((self.program.component.clone(), pre));
        }
        if let Some(c) = self.program.subs.lock().unwrap().get(target) {
            return Ok(c.clone());
        }
        let (bytes, ranges) = self.parts()?;
        let mut wanted = vec![target.clone()];
        let mut ids: Vec<ComponentId> = Vec::new();
        while let Some(id) = wanted.pop() {
            if ids.contains(&id) {
                continue;
            }
            let entry = self
                .entry(&id)
                .ok_or_else(|| format!("`{id}` is not in the composition"))?;
            wanted.extend(entry.imports.iter().map(|i| i.provider.clone()));
            ids.push(id);
        }
        ids.sort();
        let mut parts = Vec::new();
        for id in &ids {
            let entry = self.entry(id).expect("listed above");
            let range = ranges
                .get(&entry.digest)
                .ok_or_else(|| format!("the bytes of `{id}` are not in the composition"))?;
            parts.push(Part {
                id: id.clone(),
                bytes: Bytes::slice(bytes.clone(), range.clone()),
                digest: entry.digest,
                root: id == target,
                member: false,
                exports: entry.exports.clone(),
                imports: entry
                    .imports
                    .iter()
                    .map(|i| LockedImport {
                        name: i.name.clone(),
                        host: false,
                        provider: Some(i.provider.clone()),
                        export: Some(i.export.clone()),
                    })
                    .collect(),
                package_docs: None,
            });
        }
        let component = if parts.len() == 1 {
            let p = &parts[0];
            code_cache::load(
                &self.runner.engine,
                self.runner.cache_dir.as_deref(),
                &p.digest,
                || Ok(p.bytes.as_slice().into()),
            )
            .map_err(|e| e.to_string())?
        } else {
            let composed = compose_parts(&parts).map_err(|e| e.to_string())?;
            let bytes: Arc<[u8]> = composed.to_vec().into();
            code_cache::load(
                &self.runner.engine,
                self.runner.cache_dir.as_deref(),
                &Digest::of(&bytes),
                || Ok(bytes.clone()),
            )
            .map_err(|e| e.to_string())?
        };
        let pre = self
            .runner
            .linker
            .instantiate_pre(&component)
            .map_err(|e| format!("{e:#}"))?;
        let linked = (component, pre);
        self.program
            .subs
            .lock()
            .unwrap()
            .insert(target.clone(), linked.clone());
        Ok(linked)
    }

    /// The component, its function and the function's type that a `call-component-function`
    /// (or a schedule) names, asterai style: `function` is `interface/func` (the interface's
    /// short or full name) or a world-level `func`.
    fn target(
        &self,
        component: &str,
        function: &str,
    ) -> Result<
        (
            ComponentId,
            InstancePre<Host>,
            ComponentExportIndex,
            ComponentFunc,
        ),
        CallError,
    > {
        use CallErrorKind::*;
        if self.composition().is_none() {
            return Err(CallError::new(
                ComponentNotFound,
                format!(
                    "no component named `{component}`: this component was not composed by \
                     astc, so it holds no components to call by name"
                ),
            ));
        }
        let id = self.find_component(component).ok_or_else(|| {
            CallError::new(
                ComponentNotFound,
                format!("no component named `{component}` in this composition"),
            )
        })?;
        let entry = self.entry(&id).expect("found above");
        let target = match function.rsplit_once('/') {
            Some((iface, func)) => {
                let export = entry.exports.iter().find(|e| {
                    e.interface() == iface || e.unversioned() == iface || e.to_string() == iface
                });
                match export {
                    Some(e) => format!("{e}#{func}"),
                    None => {
                        return Err(CallError::new(
                            FunctionNotFound,
                            format!("`{id}` exports no interface `{iface}`"),
                        ));
                    }
                }
            }
            None => function.to_string(),
        };
        let (sub, pre) = self
            .sub_component(&id)
            .map_err(|e| CallError::new(InvocationFailed, e))?;
        let Some((ty, index)) = find_function_typed(&self.runner.engine, &sub, &target) else {
            return Err(CallError::new(
                FunctionNotFound,
                format!("`{id}` exports no function `{function}`"),
            ));
        };
        Ok((id, pre, index, ty))
    }

    /// Checks a call without making it: the component, the function and the arguments, as
    /// asterai checks a schedule when it is created.
    pub(crate) fn check_call(
        &self,
        component: &str,
        function: &str,
        args: &str,
    ) -> Result<(), CallError> {
        let (_, _, _, ty) = self.target(component, function)?;
        json_params(&ty, args)
            .map(drop)
            .map_err(|m| CallError::new(CallErrorKind::InvalidArgs, m))
    }

    /// Whether the component `current` (or, outside a composition, the program) exports
    /// asterai's WebSocket `incoming-handler`.
    pub(crate) fn exports_ws_handler(&self, current: Option<&ComponentId>) -> bool {
        let is_handler = |name: &str| name.starts_with("asterai:host-ws/incoming-handler@");
        match current.and_then(|id| self.entry(id)) {
            Some(entry) => entry.exports.iter().any(|e| is_handler(&e.to_string())),
            None => export_names(&self.runner.engine, &self.program.component)
                .iter()
                .any(|n| is_handler(n)),
        }
    }

    /// `call-component-function`, asterai style: `function` is `interface/func` (the
    /// interface's short or full name) or a world-level `func`; `args` is a JSON array.
    pub(crate) fn call_component_function(
        self: &Arc<Self>,
        component: &str,
        function: &str,
        args: &str,
        depth: u32,
    ) -> Result<String, CallError> {
        use CallErrorKind::*;
        if depth >= MAX_CALL_DEPTH {
            return Err(CallError::new(
                InvocationFailed,
                format!("call depth limit of {MAX_CALL_DEPTH} reached"),
            ));
        }
        let (id, pre, index, ty) = self.target(component, function)?;
        let params = json_params(&ty, args).map_err(|m| CallError::new(InvalidArgs, m))?;
        let mut store = self
            .store(&[], false, Some(id.clone()), depth + 1)
            .map_err(|e| CallError::new(InvocationFailed, e.to_string()))?;
        let instance = pre
            .instantiate(&mut store)
            .map_err(|e| CallError::new(InvocationFailed, format!("{e:#}")))?;
        let func = instance.get_func(&mut store, index).ok_or_else(|| {
            CallError::new(FunctionNotFound, format!("`{function}` is not a function"))
        })?;
        let mut results = vec![Val::Bool(false); ty.results().len()];
        func.call(&mut store, &params, &mut results).map_err(|e| {
            let hit = store.data().limiter.hit();
            CallError::new(
                InvocationFailed,
                classify(e, &self.sandbox, hit).to_string(),
            )
        })?;
        json_results(&ty, &results).map_err(|m| CallError::new(SerializationFailed, m))
    }
}

/// The functions of `i` as asterai lists them: those of its exported interfaces (world-level
/// functions are the host's alone), in WIT order, with asterai's type names and schemas and
/// the doc comments the composition recorded.
fn function_infos(i: &astc_compiler::Inspected, docs: &Docs) -> Vec<FunctionInfo> {
    use astc_compiler::wit::{asterai_type_name, asterai_type_schema};
    let w = &i.resolve.worlds[i.world];
    let mut out = Vec::new();
    for (key, item) in &w.exports {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let iface = &i.resolve.interfaces[*id];
        let short = iface
            .name
            .clone()
            .unwrap_or_else(|| i.resolve.name_world_key(key));
        for f in iface.functions.values() {
            out.push(FunctionInfo {
                name: f.name.clone(),
                interface_name: Some(short.clone()),
                description: docs
                    .function(Some(&short), &f.name)
                    .map(str::to_string)
                    .or_else(|| f.docs.contents.clone()),
                inputs: f
                    .params
                    .iter()
                    .map(|p| ParamInfo {
                        name: p.name.clone(),
                        type_name: asterai_type_name(&i.resolve, &p.ty),
                        type_schema: asterai_type_schema(&i.resolve, &p.ty),
                    })
                    .collect(),
                output: f.result.as_ref().map(|t| TypeInfo {
                    type_name: asterai_type_name(&i.resolve, t),
                    type_schema: asterai_type_schema(&i.resolve, t),
                }),
            });
        }
    }
    out
}

/// The short names of the interfaces `i` exports, in WIT order.
fn exported_interfaces(i: &astc_compiler::Inspected) -> Vec<String> {
    i.resolve.worlds[i.world]
        .exports
        .iter()
        .filter_map(|(key, item)| match item {
            WorldItem::Interface { id, .. } => Some(
                i.resolve.interfaces[*id]
                    .name
                    .clone()
                    .unwrap_or_else(|| i.resolve.name_world_key(key)),
            ),
            _ => None,
        })
        .collect()
}
