//! Calling an exported function: finding it, converting arguments from JSON or WAVE and
//! results back, and describing signatures for error messages.

use std::fmt::Write as _;

use wasmtime::component::Type;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, ComponentExportIndex, Instance, Val};
use wasmtime::{Engine, Store};

use crate::error::classify;
use crate::json_values as json;
use crate::sandbox::Host;
use crate::{CallArgs, Outcome, RunError};

/// Top-level export names.
pub(crate) fn export_names(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Finds `iface#func` or a world-level `func`; interface lookups accept any semver-compatible
/// version, as wasmtime's do.
pub(crate) fn find_function(component: &Component, target: &str) -> Option<ComponentExportIndex> {
    match target.split_once('#') {
        Some((iface, func)) => {
            let (_, iface_index) = component.get_export(None, iface)?;
            let (item, index) = component.get_export(Some(&iface_index), func)?;
            matches!(item, ComponentItem::ComponentFunc(_)).then_some(index)
        }
        None => {
            let (item, index) = component.get_export(None, target)?;
            matches!(item, ComponentItem::ComponentFunc(_)).then_some(index)
        }
    }
}

/// The full name (`ns:pkg/iface@x.y.z#func`, or a world-level function's name) of the
/// function `target` names. Besides the full name it accepts asterai's short forms when they
/// fit one function only: `func` (a world-level function, or a function of any exported
/// interface) and `iface/func` (the interface by its short name, `ns:pkg/iface`, or in
/// full); `ns:pkg/iface#func` without a version works too.
pub(crate) fn resolve_target(
    engine: &Engine,
    component: &Component,
    target: &str,
) -> Result<String, RunError> {
    if find_function(component, target).is_some() {
        return Ok(target.to_string());
    }
    let (iface, func) = match target.split_once('#') {
        Some((i, f)) => (Some(i), f),
        None => match target.rsplit_once('/') {
            Some((i, f)) => (Some(i), f),
            None => (None, target),
        },
    };
    let iface_fits = |name: &str| match iface {
        None => true,
        Some(i) => {
            let unversioned = name.split_once('@').map_or(name, |(n, _)| n);
            let short = unversioned.rsplit_once('/').map_or(unversioned, |(_, s)| s);
            i == name || i == unversioned || i == short
        }
    };
    let mut candidates = Vec::new();
    for (name, ext) in component.component_type().exports(engine) {
        match ext.ty {
            ComponentItem::ComponentFunc(_) if iface.is_none() && name == func => {
                candidates.push(name.to_string());
            }
            ComponentItem::ComponentInstance(i) if iface_fits(name) => {
                for (fname, e) in i.exports(engine) {
                    if fname == func && matches!(e.ty, ComponentItem::ComponentFunc(_)) {
                        candidates.push(format!("{name}#{fname}"));
                    }
                }
            }
            _ => {}
        }
    }
    candidates.sort();
    match candidates.len() {
        1 => Ok(candidates.remove(0)),
        0 => Err(RunError::NoSuchFunction {
            target: astc_resolver::diagnostic::elide(target).into_owned(),
            available: function_list(engine, component),
        }),
        _ => Err(RunError::AmbiguousFunction {
            target: target.to_string(),
            candidates,
        }),
    }
}

/// [`find_function`], with the function's type.
pub(crate) fn find_function_typed(
    engine: &Engine,
    component: &Component,
    target: &str,
) -> Option<(ComponentFunc, ComponentExportIndex)> {
    let ty = component.component_type();
    let item = match target.split_once('#') {
        Some((iface, func)) => match ty.get_export(engine, iface)?.ty {
            ComponentItem::ComponentInstance(i) => i.get_export(engine, func)?.ty,
            _ => return None,
        },
        None => ty.get_export(engine, target)?.ty,
    };
    let ComponentItem::ComponentFunc(f) = item else {
        return None;
    };
    Some((f, find_function(component, target)?))
}

fn signature(f: &ComponentFunc) -> String {
    let params: Vec<String> = f
        .params()
        .map(|(n, t)| format!("{n}: {}", json::type_desc(&t)))
        .collect();
    let mut s = format!("func({})", params.join(", "));
    let results: Vec<String> = f.results().map(|t| json::type_desc(&t)).collect();
    if !results.is_empty() {
        let _ = write!(s, " -> {}", results.join(", "));
    }
    s
}

/// "exported functions:" and one `target: signature` line per function.
pub(crate) fn function_list(engine: &Engine, component: &Component) -> String {
    let mut lines = Vec::new();
    for (name, ext) in component.component_type().exports(engine) {
        match ext.ty {
            ComponentItem::ComponentFunc(f) => lines.push(format!("  {name}: {}", signature(&f))),
            ComponentItem::ComponentInstance(i) => {
                for (fname, e) in i.exports(engine) {
                    if let ComponentItem::ComponentFunc(f) = e.ty {
                        lines.push(format!("  {name}#{fname}: {}", signature(&f)));
                    }
                }
            }
            _ => {}
        }
    }
    lines.sort();
    if lines.is_empty() {
        "the component exports no functions".into()
    } else {
        format!("exported functions:\n{}", lines.join("\n"))
    }
}

pub(crate) fn json_params(ty: &ComponentFunc, args: &str) -> Result<Vec<Val>, String> {
    let value: serde_json::Value = if args.trim().is_empty() {
        serde_json::Value::Array(Vec::new())
    } else {
        crate::json_text::parse(args).map_err(|e| format!("arguments are not valid JSON: {e}"))?
    };
    let serde_json::Value::Array(items) = value else {
        return Err("arguments must be a JSON array with one element per parameter".into());
    };
    let params: Vec<_> = ty.params().collect();
    if items.len() != params.len() {
        return Err(format!(
            "expected {} argument{}, found {}",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            items.len()
        ));
    }
    params
        .iter()
        .zip(&items)
        .map(|((name, t), v)| json::to_val(t, v, name).map_err(|e| e.to_string()))
        .collect()
}

/// The arguments as one object keyed by parameter name, as MCP tools take them: a missing
/// `option` parameter is `none`; a missing other one, or an unknown name, is an error.
pub(crate) fn object_params(
    ty: &ComponentFunc,
    args: &serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<Val>, String> {
    let params: Vec<_> = ty.params().collect();
    if let Some(unknown) = args.keys().find(|k| !params.iter().any(|(n, _)| n == k)) {
        let names: Vec<&str> = params.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "unknown argument `{unknown}`; the parameters are {}",
            astc_resolver::diagnostic::quoted_list(names)
        ));
    }
    params
        .iter()
        .map(|(name, t)| match args.get(*name) {
            Some(v) => json::to_val(t, v, name).map_err(|e| e.to_string()),
            None if matches!(t, Type::Option(_)) => Ok(Val::Option(None)),
            None => Err(format!("missing argument `{name}`")),
        })
        .collect()
}

/// One value per parameter, from shell arguments: see [`CallArgs::Values`].
pub(crate) fn value_params(ty: &ComponentFunc, args: &[String]) -> Result<Vec<Val>, String> {
    let params: Vec<_> = ty.params().collect();
    if args.len() != params.len() {
        return Err(format!(
            "expected {} argument{}, found {} (give one JSON array of all the arguments, or \
             one value per parameter)",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            args.len()
        ));
    }
    params
        .iter()
        .zip(args)
        .map(|((name, t), arg)| {
            let quoted = || match crate::json_text::parse(arg) {
                Ok(v @ serde_json::Value::String(_)) => Some(v),
                _ => None,
            };
            let value = match t {
                Type::String => quoted().unwrap_or_else(|| serde_json::Value::String(arg.clone())),
                _ => crate::json_text::parse(arg)
                    .unwrap_or_else(|_| serde_json::Value::String(arg.clone())),
            };
            json::to_val(t, &value, name).map_err(|e| e.to_string())
        })
        .collect()
}

/// The result split for callers that treat a `result`'s `err` as a failure (MCP): the
/// payload of `ok` or `err` (`null` when it has none), or the value itself.
fn outcome(ty: &ComponentFunc, results: &[Val]) -> Result<Option<Outcome>, String> {
    let types: Vec<_> = ty.results().collect();
    let ([val], [t]) = (results, types.as_slice()) else {
        return Ok(None);
    };
    let payload = |v: &Option<Box<Val>>, t: Option<Type>, path: &str| match (v, t) {
        (Some(v), Some(t)) => json::from_val(v, &t, path).map_err(|e| e.to_string()),
        _ => Ok(serde_json::Value::Null),
    };
    Ok(Some(match (val, t) {
        (Val::Result(Ok(v)), Type::Result(r)) => Outcome::Ok(payload(v, r.ok(), "result")?),
        (Val::Result(Err(e)), Type::Result(r)) => Outcome::Err(payload(e, r.err(), "result")?),
        (v, t) => Outcome::Ok(json::from_val(v, t, "result").map_err(|e| e.to_string())?),
    }))
}

pub(crate) fn json_results(ty: &ComponentFunc, results: &[Val]) -> Result<String, String> {
    let types: Vec<_> = ty.results().collect();
    let value = match (results, types.as_slice()) {
        ([], _) => serde_json::Value::Null,
        ([one], [t]) => json::from_val(one, t, "result").map_err(|e| e.to_string())?,
        (many, types) => serde_json::Value::Array(
            many.iter()
                .zip(types)
                .map(|(v, t)| json::from_val(v, t, "result"))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?,
        ),
    };
    Ok(value.to_string())
}

/// Calls `index` (`target`) of `instance` with `args`; the result is written as the
/// arguments were, JSON or WAVE.
pub(crate) fn invoke(
    store: &mut Store<Host>,
    instance: &Instance,
    index: &ComponentExportIndex,
    target: &str,
    args: &CallArgs,
    sandbox: &crate::Sandbox,
) -> Result<(String, Option<Outcome>), RunError> {
    let func = instance
        .get_func(&mut *store, index)
        .ok_or_else(|| RunError::NoSuchFunction {
            target: target.to_string(),
            available: String::new(),
        })?;
    let ty = func.ty(&*store);
    let invalid = |message: String| RunError::InvalidArgs {
        target: target.to_string(),
        message,
        help: format!("`{target}` is `{}`", signature(&ty)),
    };
    let params = match args {
        CallArgs::Json(text) => json_params(&ty, text).map_err(invalid)?,
        CallArgs::Object(map) => object_params(&ty, map).map_err(invalid)?,
        CallArgs::Values(values) => value_params(&ty, values).map_err(invalid)?,
        CallArgs::Wave(text) => {
            use wasmtime::component::wasm_wave::untyped::UntypedFuncCall;
            let call = UntypedFuncCall::parse(text).map_err(|e| invalid(e.to_string()))?;
            let types: Vec<_> = ty.params().map(|(_, t)| t).collect();
            call.to_wasm_params::<Val>(&types)
                .map_err(|e| invalid(e.to_string()))?
        }
    };
    let mut results = vec![Val::Bool(false); ty.results().len()];
    func.call(&mut *store, &params, &mut results)
        .map_err(|e| classify(e, sandbox, store.data().limiter.hit()))?;
    let result_error = |message: String| RunError::Result {
        target: target.to_string(),
        message,
    };
    match args {
        CallArgs::Json(_) | CallArgs::Values(_) | CallArgs::Object(_) => {
            let text = json_results(&ty, &results).map_err(result_error)?;
            let outcome = outcome(&ty, &results).map_err(result_error)?;
            Ok((text, outcome))
        }
        CallArgs::Wave(_) => {
            let parts: Result<Vec<String>, _> = results
                .iter()
                .map(wasmtime::component::wasm_wave::to_string)
                .collect();
            let parts = parts.map_err(|e| RunError::Result {
                target: target.to_string(),
                message: e.to_string(),
            })?;
            let text = match parts.len() {
                0 => "()".into(),
                1 => parts.into_iter().next().unwrap(),
                _ => format!("({})", parts.join(", ")),
            };
            Ok((text, None))
        }
    }
}
