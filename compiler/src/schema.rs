//! JSON Schemas of exported functions, for AI agents (MCP tools) and `astc inspect --format
//! json`.
//!
//! A schema describes the JSON that astc's value mapping (asterai's, see the runner's
//! `json_values`) reads and writes for a WIT type: records are objects with their fields'
//! names, `option<T>` is `null` or the value, `result<T, E>` the ok value or
//! `{"error": e}` (or the explicit `{"ok": ..}` / `{"err": ..}`), variants
//! `{"tag", "value"}`, enums strings, flags arrays of names, integers within their range.
//! Each function is a tool: its parameters are the properties of one input object, and its
//! result, when it has one, is an object: a record as it is, anything else as
//! `{"result": value}`. A function returning `result<T, E>` is described by `T`: an `err`
//! is the tool's error.

use serde_json::{Map, Value, json};
use wit_parser::{Function, Handle, Resolve, Type, TypeDefKind, WorldItem, WorldKey};

use crate::Inspected;
use crate::docs::Docs;

/// The longest tool name produced: the portable limit of MCP clients.
const MAX_TOOL_NAME: usize = 64;

/// One exported function as a tool.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSchema {
    /// The tool's name: readable, unique among the component's functions, of
    /// `[A-Za-z0-9_-]` and at most 64 characters (`api_order-burger`).
    pub tool: String,
    /// The function as `astc call` names it: `ns:pkg/iface@x.y.z#func`, or `func` for a
    /// world-level function.
    pub target: String,
    /// Its WIT doc comment, or, without one, its target and WIT signature.
    pub description: String,
    /// The parameters, as one JSON object.
    pub input: Value,
    /// The result as an object (see [`Output`]), if there is one.
    pub output: Option<Value>,
    /// How the result becomes that object.
    pub output_form: Output,
}

/// How a function's JSON result is presented as an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// No result.
    None,
    /// The result is a record: its object is the output.
    Object,
    /// The output is `{"result": value}`.
    Wrapped,
}

impl FunctionSchema {
    /// The function as JSON, as `astc inspect --format json` prints it (MCP's field names).
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "name": self.tool,
            "function": self.target,
            "description": self.description,
            "inputSchema": self.input,
        });
        if let Some(o) = &self.output {
            v["outputSchema"] = o.clone();
        }
        v
    }
}

/// Every function `i` exports, interface functions in WIT order then world-level ones, with
/// the doc comments its composition recorded (or its own WIT's). Exports of host interfaces
/// (`wasi:cli/run`, `wasi:http/incoming-handler`, `asterai:host-ws/incoming-handler`) are
/// the host's entry points and callbacks, not functions to call, and are left out.
pub fn exported_functions(i: &Inspected) -> Vec<FunctionSchema> {
    let resolve = &i.resolve;
    let world = &resolve.worlds[i.world];
    // (interface path, function, target, description)
    let mut found: Vec<(Vec<String>, &Function, String, Option<String>)> = Vec::new();
    let mut bare = Vec::new();
    for (key, item) in &world.exports {
        match item {
            WorldItem::Interface { id, .. } => {
                let iface = &resolve.interfaces[*id];
                let full = resolve.name_world_key(key);
                if astc_resolver::InterfaceName::parse(&full).is_ok_and(|n| n.is_host()) {
                    continue;
                }
                let short = iface.name.clone().unwrap_or_else(|| full.clone());
                let docs = docs_for(i, Some(&full));
                let mut path = vec![short.clone()];
                if let Some(p) = iface.package {
                    let n = &resolve.packages[p].name;
                    path.push(n.name.clone());
                    path.push(n.namespace.clone());
                    if let Some(v) = &n.version {
                        path.push(format!("v{v}"));
                    }
                }
                for f in iface.functions.values().filter(|f| callable(resolve, f)) {
                    let description = docs
                        .and_then(|d| d.function(Some(&short), &f.name))
                        .map(str::to_string)
                        .or_else(|| f.docs.contents.clone());
                    found.push((path.clone(), f, format!("{full}#{}", f.name), description));
                }
            }
            WorldItem::Function(f) if callable(resolve, f) => {
                let WorldKey::Name(name) = key else { continue };
                let description = docs_for(i, None)
                    .and_then(|d| d.function(None, name))
                    .map(str::to_string)
                    .or_else(|| f.docs.contents.clone());
                bare.push((Vec::new(), f, name.clone(), description));
            }
            WorldItem::Function(_) | WorldItem::Type { .. } => {}
        }
    }
    found.extend(bare);
    let names = tool_names(
        &found
            .iter()
            .map(|(path, f, _, _)| (path.as_slice(), f.name.as_str()))
            .collect::<Vec<_>>(),
    );
    found
        .into_iter()
        .zip(names)
        .map(|((_, f, target, description), tool)| {
            let (output, output_form) = output_schema(resolve, f.result.as_ref());
            let description = match description {
                Some(d) => d.trim().to_string(),
                None => format!("`{target}`: {}", crate::wit::signature(resolve, f)),
            };
            FunctionSchema {
                tool,
                target,
                description,
                input: input_schema(resolve, f),
                output,
                output_form,
            }
        })
        .collect()
}

/// Whether `f` can be called with JSON: a freestanding function (not a resource's
/// constructor or method) whose parameters and result hold no resource, future or stream.
fn callable(resolve: &Resolve, f: &Function) -> bool {
    fn plain(resolve: &Resolve, ty: &Type, depth: usize) -> bool {
        let Type::Id(id) = ty else {
            return !matches!(ty, Type::ErrorContext);
        };
        if depth > 64 {
            return false;
        }
        let p = |t: &Type| plain(resolve, t, depth + 1);
        let opt = |t: &Option<Type>| t.as_ref().is_none_or(p);
        match &resolve.types[*id].kind {
            TypeDefKind::Type(t) | TypeDefKind::List(t) | TypeDefKind::Option(t) => p(t),
            TypeDefKind::FixedLengthList(t, _) => p(t),
            TypeDefKind::Map(k, v) => p(k) && p(v),
            TypeDefKind::Tuple(t) => t.types.iter().all(p),
            TypeDefKind::Record(r) => r.fields.iter().all(|f| p(&f.ty)),
            TypeDefKind::Variant(v) => v.cases.iter().all(|c| opt(&c.ty)),
            TypeDefKind::Result(r) => opt(&r.ok) && opt(&r.err),
            TypeDefKind::Enum(_) | TypeDefKind::Flags(_) => true,
            TypeDefKind::Handle(_)
            | TypeDefKind::Resource
            | TypeDefKind::Future(_)
            | TypeDefKind::Stream(_)
            | TypeDefKind::Unknown => false,
        }
    }
    matches!(f.kind, wit_parser::FunctionKind::Freestanding)
        && f.params.iter().all(|p| plain(resolve, &p.ty, 0))
        && f.result.as_ref().is_none_or(|t| plain(resolve, t, 0))
}

/// The docs recorded for the component exporting `interface` (or the root, for world-level
/// functions), when `i` is a composition.
fn docs_for<'a>(i: &'a Inspected, interface: Option<&str>) -> Option<&'a Docs> {
    let p = i.provenance.as_ref()?;
    match interface {
        Some(name) => p
            .components
            .iter()
            .find(|c| c.exports.iter().any(|e| e.to_string() == name))
            .map(|c| &c.docs),
        None => p.components.iter().find(|c| c.root).map(|c| &c.docs),
    }
}

/// Tool names: `function`, prefixed with as much of its interface's path (short name,
/// package, namespace, version) as it takes for every name to be unique, joined by `_`
/// (which WIT names never hold, so the parts stay readable), cut to the length limit with a
/// digest when too long.
fn tool_names(functions: &[(&[String], &str)]) -> Vec<String> {
    let name = |path: &[String], f: &str, depth: usize| {
        let mut parts: Vec<&str> = path[..depth.min(path.len())]
            .iter()
            .rev()
            .map(String::as_str)
            .collect();
        parts.push(f);
        sanitize(&parts.join("_"))
    };
    // Interface functions are named at least with their interface, so `api_get` says
    // where it comes from; world-level functions by their own name.
    let mut depths: Vec<usize> = functions
        .iter()
        .map(|(p, _)| usize::from(!p.is_empty()))
        .collect();
    loop {
        let names: Vec<String> = functions
            .iter()
            .zip(&depths)
            .map(|((p, f), d)| name(p, f, *d))
            .collect();
        let mut grew = false;
        for (i, n) in names.iter().enumerate() {
            let clash = names.iter().filter(|m| *m == n).count() > 1;
            if clash && depths[i] < functions[i].0.len() {
                depths[i] += 1;
                grew = true;
            }
        }
        if !grew {
            return dedupe(names.into_iter().map(shorten).collect());
        }
    }
}

/// Keeps `[A-Za-z0-9_-]`; anything else (a version's dots) becomes `-`.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A name over the limit keeps its end (the function) and a digest of the whole.
fn shorten(name: String) -> String {
    if name.len() <= MAX_TOOL_NAME {
        return name;
    }
    let hash = short_hash(&name);
    let keep = MAX_TOOL_NAME - hash.len() - 1;
    format!("{hash}_{}", &name[name.len() - keep..])
}

fn short_hash(s: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(s.as_bytes());
    d[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// Names still equal (the same function in two exports that differ only in characters
/// sanitized away) get a counter.
fn dedupe(mut names: Vec<String>) -> Vec<String> {
    for i in 0..names.len() {
        let mut n = 2;
        while names[..i].contains(&names[i]) {
            let base = names[i].trim_end_matches(char::is_numeric).to_string();
            names[i] = format!("{base}{n}");
            n += 1;
        }
    }
    names
}

fn input_schema(resolve: &Resolve, f: &Function) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in &f.params {
        properties.insert(p.name.clone(), type_schema(resolve, &p.ty));
        if !is_option(resolve, &p.ty) {
            required.push(Value::String(p.name.clone()));
        }
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn output_schema(resolve: &Resolve, result: Option<&Type>) -> (Option<Value>, Output) {
    let Some(ty) = result else {
        return (None, Output::None);
    };
    // A `result<T, E>` is described by `T`: an `err` is the tool's error.
    let ty = match kind(resolve, ty) {
        Some(TypeDefKind::Result(r)) => match &r.ok {
            Some(ok) => ok,
            None => return (None, Output::None),
        },
        _ => ty,
    };
    if matches!(kind(resolve, ty), Some(TypeDefKind::Record(_))) {
        return (Some(type_schema(resolve, ty)), Output::Object);
    }
    let schema = json!({
        "type": "object",
        "properties": { "result": type_schema(resolve, ty) },
        "required": ["result"],
        "additionalProperties": false,
    });
    (Some(schema), Output::Wrapped)
}

/// The kind of `ty`, through aliases; `None` for a primitive.
fn kind<'a>(resolve: &'a Resolve, ty: &Type) -> Option<&'a TypeDefKind> {
    let mut ty = *ty;
    loop {
        let Type::Id(id) = ty else { return None };
        match &resolve.types[id].kind {
            TypeDefKind::Type(t) => ty = *t,
            k => return Some(k),
        }
    }
}

fn is_option(resolve: &Resolve, ty: &Type) -> bool {
    matches!(kind(resolve, ty), Some(TypeDefKind::Option(_)))
}

fn integer(min: i128, max: i128) -> Value {
    json!({ "type": "integer", "minimum": min, "maximum": max })
}

/// The JSON Schema of the JSON astc reads and writes for `ty`.
pub fn type_schema(resolve: &Resolve, ty: &Type) -> Value {
    match ty {
        Type::Bool => json!({ "type": "boolean" }),
        Type::U8 => integer(0, u8::MAX.into()),
        Type::U16 => integer(0, u16::MAX.into()),
        Type::U32 => integer(0, u32::MAX.into()),
        Type::U64 => integer(0, u64::MAX.into()),
        Type::S8 => integer(i8::MIN.into(), i8::MAX.into()),
        Type::S16 => integer(i16::MIN.into(), i16::MAX.into()),
        Type::S32 => integer(i32::MIN.into(), i32::MAX.into()),
        Type::S64 => integer(i64::MIN.into(), i64::MAX.into()),
        Type::F32 | Type::F64 => json!({ "type": "number" }),
        Type::Char => json!({ "type": "string", "minLength": 1, "maxLength": 1 }),
        Type::String => json!({ "type": "string" }),
        Type::ErrorContext => unrepresentable("an error-context"),
        Type::Id(id) => {
            let def = &resolve.types[*id];
            let mut schema = kind_schema(resolve, &def.kind);
            if let (Some(name), Value::Object(o)) = (&def.name, &mut schema)
                && !matches!(def.kind, TypeDefKind::Type(_))
            {
                o.insert("title".into(), name.clone().into());
                if let Some(d) = &def.docs.contents {
                    o.insert("description".into(), d.trim().into());
                }
            }
            schema
        }
    }
}

fn unrepresentable(what: &str) -> Value {
    json!({ "not": {}, "description": format!("{what} has no JSON form") })
}

fn kind_schema(resolve: &Resolve, kind: &TypeDefKind) -> Value {
    let s = |t: &Type| type_schema(resolve, t);
    match kind {
        TypeDefKind::Type(t) => s(t),
        TypeDefKind::List(t) => json!({ "type": "array", "items": s(t) }),
        TypeDefKind::FixedLengthList(t, n) => {
            json!({ "type": "array", "items": s(t), "minItems": n, "maxItems": n })
        }
        TypeDefKind::Map(k, v) => {
            let pairs = json!({
                "type": "array",
                "items": {
                    "type": "array",
                    "prefixItems": [s(k), s(v)],
                    "items": false,
                    "minItems": 2,
                    "maxItems": 2,
                },
            });
            if matches!(k, Type::String) {
                json!({ "anyOf": [
                    { "type": "object", "additionalProperties": s(v) },
                    pairs,
                ]})
            } else {
                pairs
            }
        }
        TypeDefKind::Tuple(t) => {
            let items: Vec<Value> = t.types.iter().map(s).collect();
            json!({
                "type": "array",
                "prefixItems": items,
                "items": false,
                "minItems": t.types.len(),
                "maxItems": t.types.len(),
            })
        }
        TypeDefKind::Record(r) => {
            let mut properties = Map::new();
            let mut required = Vec::new();
            for f in &r.fields {
                let mut field = s(&f.ty);
                if let (Some(d), Value::Object(o)) = (&f.docs.contents, &mut field)
                    && !o.contains_key("description")
                {
                    o.insert("description".into(), d.trim().into());
                }
                properties.insert(f.name.clone(), field);
                if !is_option(resolve, &f.ty) {
                    required.push(Value::String(f.name.clone()));
                }
            }
            json!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            })
        }
        TypeDefKind::Option(t) => {
            let mut any = vec![json!({ "type": "null" })];
            if is_option(resolve, t) {
                // The inner `none` is written `{"some": null}`.
                any.push(tagged("some", Some(s(t))));
            }
            any.push(s(t));
            json!({ "anyOf": any })
        }
        TypeDefKind::Result(r) => {
            let payload = |t: &Option<Type>| match t {
                Some(t) => s(t),
                None => json!({ "type": "null" }),
            };
            json!({ "anyOf": [
                payload(&r.ok),
                tagged("error", Some(payload(&r.err))),
                tagged("ok", Some(payload(&r.ok))),
                tagged("err", Some(payload(&r.err))),
            ]})
        }
        TypeDefKind::Variant(v) => {
            let cases: Vec<Value> = v
                .cases
                .iter()
                .map(|c| {
                    let mut properties = Map::new();
                    properties.insert("tag".into(), json!({ "const": c.name }));
                    let mut required = vec![Value::from("tag")];
                    if let Some(t) = &c.ty {
                        properties.insert("value".into(), s(t));
                        required.push("value".into());
                    }
                    let mut case = json!({
                        "type": "object",
                        "properties": properties,
                        "required": required,
                        "additionalProperties": false,
                    });
                    if let Some(d) = &c.docs.contents {
                        case["description"] = d.trim().into();
                    }
                    case
                })
                .collect();
            json!({ "oneOf": cases })
        }
        TypeDefKind::Enum(e) => {
            let names: Vec<&str> = e.cases.iter().map(|c| c.name.as_str()).collect();
            json!({ "type": "string", "enum": names })
        }
        TypeDefKind::Flags(f) => {
            let names: Vec<&str> = f.flags.iter().map(|c| c.name.as_str()).collect();
            json!({
                "type": "array",
                "items": { "type": "string", "enum": names },
                "uniqueItems": true,
            })
        }
        TypeDefKind::Handle(Handle::Own(_) | Handle::Borrow(_)) | TypeDefKind::Resource => {
            unrepresentable("a resource handle")
        }
        TypeDefKind::Future(_) => unrepresentable("a future"),
        TypeDefKind::Stream(_) => unrepresentable("a stream"),
        TypeDefKind::Unknown => unrepresentable("an unknown type"),
    }
}

/// `{"<key>": value}`, exactly.
fn tagged(key: &str, value: Option<Value>) -> Value {
    let mut properties = Map::new();
    properties.insert(key.into(), value.unwrap_or(json!({})));
    json!({
        "type": "object",
        "properties": properties,
        "required": [key],
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(fs: &[(&[&str], &str)]) -> Vec<String> {
        let owned: Vec<(Vec<String>, &str)> = fs
            .iter()
            .map(|(p, f)| (p.iter().map(|s| s.to_string()).collect(), *f))
            .collect();
        let refs: Vec<(&[String], &str)> = owned.iter().map(|(p, f)| (p.as_slice(), *f)).collect();
        tool_names(&refs)
    }

    #[test]
    fn tool_names_are_short_unique_and_portable() {
        let shop = ["api", "burger-shop", "example", "v0.1.0"];
        let calc = ["api", "calc", "acme", "v1.0.0"];
        let calc2 = ["api", "calc", "acme", "v2.0.0"];
        assert_eq!(
            names(&[(&shop, "order"), (&[], "run")]),
            ["api_order", "run"]
        );
        assert_eq!(
            names(&[(&shop, "order"), (&calc, "order"), (&calc, "add")]),
            ["burger-shop_api_order", "calc_api_order", "api_add"]
        );
        assert_eq!(
            names(&[(&calc, "add"), (&calc2, "add")]),
            ["v1-0-0_acme_calc_api_add", "v2-0-0_acme_calc_api_add"]
        );
        let long = "a-very-long-function-name-that-goes-on-and-on-and-on-for-ever-more";
        let n = names(&[(&shop, long)]);
        assert!(n[0].len() <= MAX_TOOL_NAME, "{n:?}");
        assert!(n[0].ends_with("for-ever-more"));
        assert!(
            n[0].chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        );
    }

    #[test]
    fn schemas_follow_the_json_mapping() {
        let mut resolve = Resolve::default();
        let pkg = resolve
            .push_str(
                "t.wit",
                r#"package t:t;
                interface api {
                    /// An order.
                    record order { address: string, note: option<string>, count: u8 }
                    enum size { small, large }
                    variant pay { cash, card(string) }
                    flags opts { fast, hot }
                    /// Places an order.
                    place: func(o: order, s: size, p: pay, f: opts, t: option<s64>) -> result<order, string>;
                    total: func(xs: list<u32>) -> u64;
                }
                world w { export api; }"#,
            )
            .unwrap();
        let _ = pkg;
        let api = resolve
            .interfaces
            .iter()
            .find(|(_, i)| i.name.as_deref() == Some("api"))
            .unwrap()
            .1;
        let place = &api.functions["place"];
        let input = input_schema(&resolve, place);
        assert_eq!(input["required"], json!(["o", "s", "p", "f"]));
        assert_eq!(input["properties"]["o"]["title"], "order");
        assert_eq!(input["properties"]["o"]["description"], "An order.");
        assert_eq!(
            input["properties"]["o"]["required"],
            json!(["address", "count"])
        );
        assert_eq!(
            input["properties"]["o"]["properties"]["count"],
            json!({"type": "integer", "minimum": 0, "maximum": 255})
        );
        assert_eq!(input["properties"]["s"]["enum"], json!(["small", "large"]));
        assert_eq!(
            input["properties"]["p"]["oneOf"][1]["properties"]["tag"],
            json!({"const": "card"})
        );
        assert_eq!(
            input["properties"]["f"]["items"]["enum"],
            json!(["fast", "hot"])
        );
        assert_eq!(
            input["properties"]["t"]["anyOf"][0],
            json!({"type": "null"})
        );
        // A result is described by its ok type; a record is the output object itself.
        let (out, form) = output_schema(&resolve, place.result.as_ref());
        assert_eq!(form, Output::Object);
        assert_eq!(out.unwrap()["title"], "order");
        let total = &api.functions["total"];
        let (out, form) = output_schema(&resolve, total.result.as_ref());
        assert_eq!(form, Output::Wrapped);
        assert_eq!(
            out.unwrap()["properties"]["result"]["maximum"],
            json!(u64::MAX)
        );
    }
}
