//! Component values as JSON, in asterai's mapping, driven by the WIT type.
//!
//! | WIT | JSON |
//! |---|---|
//! | `bool`, integers, floats | booleans and numbers |
//! | `char`, `string` | strings (a `char` is a one-character string) |
//! | `list<T>`, `tuple<..>`, fixed-length lists | arrays |
//! | `record` | an object with the fields' kebab-case names |
//! | `option<T>` | `null`, or the value |
//! | `result<T, E>` | the `ok` value itself (`null` when it has none), or `{"error": e}` |
//! | `variant` | `{"tag": "case", "value": v}` (no `value` for a case without payload) |
//! | `enum` | the case name as a string |
//! | `flags` | an array of the set flags' names |
//!
//! Unlike asterai, conversion never guesses: an integer out of range (asterai truncates it),
//! a fraction where an integer is expected (asterai rejects it too), an unknown field
//! (asterai ignores it) or case, or an element of the wrong type is an error naming the path
//! to the value and, where asterai would have accepted it, what asterai would have done. One
//! rule is looser than asterai's: a record field of an `option` type may be left out, for
//! `none` (asterai requires it, as `null`). Where JSON alone is ambiguous, the type decides:
//!
//! - `option<option<T>>`: `null` is the outer `none`; the inner `none` is written
//!   `{"some": null}` (and any `some` of a nested option may be written that way);
//! - `result<T, E>` whose `ok` type is a record with a field named `error`: a lone `{"error":
//!   ...}` object is ambiguous, so it is rejected unless written `{"ok": ...}` or
//!   `{"err": ...}` explicitly; those explicit forms are accepted for every result.
//!
//! When printing, such a result is always written in the explicit form, so it reads back.
//! NaN and infinities have no JSON form: results holding them are errors, not `null`.
//!
//! The module is long because it covers every WIT type in both directions; splitting the two
//! directions apart would separate the rules each mapping must keep in step.

use std::fmt;

use serde_json::{Map, Number, Value};
use wasmtime::component::{Type, Val};

/// Why a value could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Where in the value: `[0].address`, `result.error`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "at `{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for JsonError {}

fn err(path: &str, message: impl Into<String>) -> JsonError {
    JsonError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// A short description of a WIT type, for messages.
pub fn type_desc(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::S8 => "s8".into(),
        Type::U8 => "u8".into(),
        Type::S16 => "s16".into(),
        Type::U16 => "u16".into(),
        Type::S32 => "s32".into(),
        Type::U32 => "u32".into(),
        Type::S64 => "s64".into(),
        Type::U64 => "u64".into(),
        Type::Float32 => "f32".into(),
        Type::Float64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::List(l) => format!("list<{}>", type_desc(&l.ty())),
        Type::FixedLengthList(l) => format!("list<{}, {}>", type_desc(&l.ty()), l.len()),
        Type::Map(m) => format!("map<{}, {}>", type_desc(&m.key()), type_desc(&m.value())),
        Type::Record(r) => format!(
            "record {{ {} }}",
            r.fields()
                .map(|f| format!("{}: {}", f.name, type_desc(&f.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Tuple(t) => format!(
            "tuple<{}>",
            t.types()
                .map(|t| type_desc(&t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Variant(v) => format!(
            "variant {{ {} }}",
            v.cases()
                .map(|c| match c.ty {
                    Some(t) => format!("{}({})", c.name, type_desc(&t)),
                    None => c.name.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Enum(e) => format!("enum {{ {} }}", e.names().collect::<Vec<_>>().join(", ")),
        Type::Option(o) => format!("option<{}>", type_desc(&o.ty())),
        Type::Result(r) => {
            let part = |t: Option<Type>| t.map_or("_".to_string(), |t| type_desc(&t));
            format!("result<{}, {}>", part(r.ok()), part(r.err()))
        }
        Type::Flags(f) => format!("flags {{ {} }}", f.names().collect::<Vec<_>>().join(", ")),
        Type::Own(_) => "resource".into(),
        Type::Borrow(_) => "borrow<resource>".into(),
        Type::Future(_) => "future".into(),
        Type::Stream(_) => "stream".into(),
        Type::ErrorContext => "error-context".into(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn expected(path: &str, ty: &Type, found: &Value) -> JsonError {
    err(
        path,
        format!("expected {}, found {}", type_desc(ty), kind(found)),
    )
}

fn join(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.trim_start_matches('.').to_string()
    } else {
        format!("{path}{part}")
    }
}

fn int<T: TryFrom<i128>>(path: &str, ty: &Type, v: &Value) -> Result<T, JsonError> {
    let Value::Number(n) = v else {
        return Err(expected(path, ty, v));
    };
    let wide: i128 = if let Some(i) = n.as_i64() {
        i128::from(i)
    } else if let Some(u) = n.as_u64() {
        i128::from(u)
    } else {
        return Err(err(
            path,
            format!("expected an integer ({}), found {n}", type_desc(ty)),
        ));
    };
    T::try_from(wide).map_err(|_| {
        let asterai = asterai_wraps(ty, wide)
            .map(|w| format!(" (asterai would truncate it to {w})"))
            .unwrap_or_default();
        err(
            path,
            format!("{n} is out of range for {}{asterai}", type_desc(ty)),
        )
    })
}

/// What asterai's `as` cast makes of an out-of-range integer, where asterai accepts it: a
/// value that fits `u64` for an unsigned type, `i64` for a signed one (anything else
/// asterai rejects too).
fn asterai_wraps(ty: &Type, wide: i128) -> Option<String> {
    let u = u64::try_from(wide).ok();
    let i = i64::try_from(wide).ok();
    Some(match ty {
        Type::U8 => (u? as u8).to_string(),
        Type::U16 => (u? as u16).to_string(),
        Type::U32 => (u? as u32).to_string(),
        Type::S8 => (i? as i8).to_string(),
        Type::S16 => (i? as i16).to_string(),
        Type::S32 => (i? as i32).to_string(),
        _ => return None,
    })
}

fn float(path: &str, ty: &Type, v: &Value) -> Result<f64, JsonError> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| err(path, format!("{n} is not a representable number"))),
        _ => Err(expected(path, ty, v)),
    }
}

/// Converts `json` to a value of type `ty`.
pub fn to_val(ty: &Type, json: &Value, path: &str) -> Result<Val, JsonError> {
    Ok(match ty {
        Type::Bool => match json {
            Value::Bool(b) => Val::Bool(*b),
            _ => return Err(expected(path, ty, json)),
        },
        Type::S8 => Val::S8(int(path, ty, json)?),
        Type::U8 => Val::U8(int(path, ty, json)?),
        Type::S16 => Val::S16(int(path, ty, json)?),
        Type::U16 => Val::U16(int(path, ty, json)?),
        Type::S32 => Val::S32(int(path, ty, json)?),
        Type::U32 => Val::U32(int(path, ty, json)?),
        Type::S64 => Val::S64(int(path, ty, json)?),
        Type::U64 => Val::U64(int(path, ty, json)?),
        Type::Float32 => {
            let f = float(path, ty, json)?;
            if f.is_finite() && (f as f32).is_infinite() {
                return Err(err(path, format!("{f} is out of range for f32")));
            }
            Val::Float32(f as f32)
        }
        Type::Float64 => Val::Float64(float(path, ty, json)?),
        Type::Char => match json {
            Value::String(s) if s.chars().count() == 1 => Val::Char(s.chars().next().unwrap()),
            Value::String(s) => {
                return Err(err(
                    path,
                    format!(
                        "expected a single character, found a string of {}",
                        s.chars().count()
                    ),
                ));
            }
            _ => return Err(expected(path, ty, json)),
        },
        Type::String => match json {
            Value::String(s) => Val::String(s.clone()),
            _ => return Err(expected(path, ty, json)),
        },
        Type::List(l) => {
            let Value::Array(items) = json else {
                return Err(expected(path, ty, json));
            };
            let elem = l.ty();
            Val::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| to_val(&elem, v, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::FixedLengthList(l) => {
            let Value::Array(items) = json else {
                return Err(expected(path, ty, json));
            };
            if items.len() != l.len() as usize {
                return Err(err(
                    path,
                    format!("expected {} elements, found {}", l.len(), items.len()),
                ));
            }
            let elem = l.ty();
            Val::FixedLengthList(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| to_val(&elem, v, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Map(m) => {
            let (kt, vt) = (m.key(), m.value());
            let pairs: Vec<(Value, &Value)> = match json {
                Value::Object(o) if matches!(kt, Type::String) => o
                    .iter()
                    .map(|(k, v)| (Value::String(k.clone()), v))
                    .collect(),
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, pair)| match pair {
                        Value::Array(kv) if kv.len() == 2 => Ok((kv[0].clone(), &kv[1])),
                        _ => Err(err(&format!("{path}[{i}]"), "expected a [key, value] pair")),
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(expected(path, ty, json)),
            };
            let mut out = Vec::with_capacity(pairs.len());
            for (i, (k, v)) in pairs.iter().enumerate() {
                let p = format!("{path}[{i}]");
                out.push((to_val(&kt, k, &p)?, to_val(&vt, v, &p)?));
            }
            Val::Map(out)
        }
        Type::Record(r) => {
            let Value::Object(obj) = json else {
                return Err(expected(path, ty, json));
            };
            let names: Vec<&str> = r.fields().map(|f| f.name).collect();
            if let Some(unknown) = obj.keys().find(|k| !names.contains(&k.as_str())) {
                return Err(err(
                    path,
                    format!(
                        "unknown field `{unknown}` (asterai would ignore it; astc refuses it so \
                         that a misspelt field is not lost); the record has {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            let mut fields = Vec::new();
            for f in r.fields() {
                let p = join(path, &format!(".{}", f.name));
                let v = match obj.get(f.name) {
                    Some(v) => to_val(&f.ty, v, &p)?,
                    // A missing optional field is `none`, as serde and most JSON mappings
                    // read it. asterai rejects it (every field must be present, `null` for
                    // `none`); astc accepts both.
                    None if matches!(f.ty, Type::Option(_)) => Val::Option(None),
                    None => return Err(err(&p, "missing field")),
                };
                fields.push((f.name.to_string(), v));
            }
            Val::Record(fields)
        }
        Type::Tuple(t) => {
            let Value::Array(items) = json else {
                return Err(expected(path, ty, json));
            };
            let types: Vec<Type> = t.types().collect();
            if items.len() != types.len() {
                return Err(err(
                    path,
                    format!("expected {} elements, found {}", types.len(), items.len()),
                ));
            }
            Val::Tuple(
                types
                    .iter()
                    .zip(items)
                    .enumerate()
                    .map(|(i, (t, v))| to_val(t, v, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Variant(v) => {
            let Value::Object(obj) = json else {
                return Err(expected(path, ty, json));
            };
            let Some(Value::String(tag)) = obj.get("tag") else {
                return Err(err(path, "expected an object with a string `tag`"));
            };
            if let Some(k) = obj.keys().find(|k| *k != "tag" && *k != "value") {
                return Err(err(
                    path,
                    format!("unknown key `{k}`; expected `tag` and `value`"),
                ));
            }
            let Some(case) = v.cases().find(|c| c.name == tag) else {
                return Err(err(
                    path,
                    format!(
                        "unknown case `{tag}`; the variant has {}",
                        v.cases()
                            .map(|c| format!("`{}`", c.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            let payload = match (case.ty, obj.get("value")) {
                (Some(t), Some(value)) => Some(Box::new(to_val(&t, value, &join(path, ".value"))?)),
                (Some(_), None) => return Err(err(path, format!("case `{tag}` needs a `value`"))),
                (None, None | Some(Value::Null)) => None,
                (None, Some(_)) => {
                    return Err(err(
                        path,
                        format!("case `{tag}` has no payload, but a `value` was given"),
                    ));
                }
            };
            Val::Variant(tag.clone(), payload)
        }
        Type::Enum(e) => match json {
            Value::String(s) if e.names().any(|n| n == s) => Val::Enum(s.clone()),
            Value::String(s) => {
                return Err(err(
                    path,
                    format!(
                        "unknown case `{s}`; the enum has {}",
                        e.names()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            _ => return Err(expected(path, ty, json)),
        },
        Type::Option(o) => {
            let inner = o.ty();
            let nested = matches!(inner, Type::Option(_));
            match json {
                Value::Null => Val::Option(None),
                Value::Object(obj) if nested && obj.len() == 1 && obj.contains_key("some") => {
                    Val::Option(Some(Box::new(to_val(
                        &inner,
                        &obj["some"],
                        &join(path, ".some"),
                    )?)))
                }
                v => Val::Option(Some(Box::new(to_val(&inner, v, path)?))),
            }
        }
        Type::Result(r) => result_to_val(path, ty, r.ok(), r.err(), json)?,
        Type::Flags(f) => {
            let Value::Array(items) = json else {
                return Err(expected(path, ty, json));
            };
            let names: Vec<&str> = f.names().collect();
            let mut set = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) if names.contains(&s.as_str()) => set.push(s.clone()),
                    Value::String(s) => {
                        return Err(err(
                            &format!("{path}[{i}]"),
                            format!(
                                "unknown flag `{s}`; the flags are {}",
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                    }
                    other => {
                        return Err(err(
                            &format!("{path}[{i}]"),
                            format!("expected a flag name, found {}", kind(other)),
                        ));
                    }
                }
            }
            Val::Flags(set)
        }
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            return Err(err(
                path,
                format!("{} values cannot be written as JSON", type_desc(ty)),
            ));
        }
    })
}

fn result_to_val(
    path: &str,
    ty: &Type,
    ok: Option<Type>,
    errt: Option<Type>,
    json: &Value,
) -> Result<Val, JsonError> {
    let payload = |t: Option<Type>, v: &Value, p: &str| -> Result<Option<Box<Val>>, JsonError> {
        match t {
            Some(t) => Ok(Some(Box::new(to_val(&t, v, p)?))),
            None if v.is_null() => Ok(None),
            None => Err(err(
                p,
                format!("expected null (no payload), found {}", kind(v)),
            )),
        }
    };
    if let Value::Object(obj) = json
        && obj.len() == 1
    {
        // Explicit forms, accepted for every result.
        if let Some(v) = obj.get("ok") {
            return Ok(Val::Result(Ok(payload(ok, v, &join(path, ".ok"))?)));
        }
        if let Some(v) = obj.get("err") {
            return Ok(Val::Result(Err(payload(errt, v, &join(path, ".err"))?)));
        }
        if let Some(v) = obj.get("error") {
            let ok_is_record_with_error =
                matches!(&ok, Some(Type::Record(r)) if r.fields().any(|f| f.name == "error"));
            if ok_is_record_with_error {
                return Err(err(
                    path,
                    format!(
                        "ambiguous for {}: `{{\"error\": ...}}` could be the ok record or the error; write `{{\"ok\": ...}}` or `{{\"err\": ...}}`",
                        type_desc(ty)
                    ),
                ));
            }
            return Ok(Val::Result(Err(payload(errt, v, &join(path, ".error"))?)));
        }
    }
    Ok(Val::Result(Ok(payload(ok, json, path)?)))
}

/// Converts a value of type `ty` to JSON. The type settles what the value alone cannot: a
/// result whose `ok` type is a record with an `error` field is written `{"ok": v}` or
/// `{"err": e}`, so it reads back unambiguously.
pub fn from_val(val: &Val, ty: &Type, path: &str) -> Result<Value, JsonError> {
    let num = |f: f64| -> Result<Value, JsonError> {
        Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| err(path, format!("{f} has no JSON representation")))
    };
    let elem_ty = |i: usize| -> Option<Type> {
        match ty {
            Type::List(l) => Some(l.ty()),
            Type::FixedLengthList(l) => Some(l.ty()),
            Type::Tuple(t) => t.types().nth(i),
            _ => None,
        }
    };
    let mismatch = || {
        err(
            path,
            format!("value does not match its type {}", type_desc(ty)),
        )
    };
    Ok(match val {
        Val::Bool(b) => Value::Bool(*b),
        Val::S8(v) => Value::from(*v),
        Val::U8(v) => Value::from(*v),
        Val::S16(v) => Value::from(*v),
        Val::U16(v) => Value::from(*v),
        Val::S32(v) => Value::from(*v),
        Val::U32(v) => Value::from(*v),
        Val::S64(v) => Value::from(*v),
        Val::U64(v) => Value::from(*v),
        Val::Float32(f) => num(f64::from(*f))?,
        Val::Float64(f) => num(*f)?,
        Val::Char(c) => Value::String(c.to_string()),
        Val::String(s) => Value::String(s.clone()),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let t = elem_ty(i).ok_or_else(mismatch)?;
                    from_val(v, &t, &format!("{path}[{i}]"))
                })
                .collect::<Result<_, _>>()?,
        ),
        Val::Map(pairs) => {
            let Type::Map(m) = ty else {
                return Err(mismatch());
            };
            let (kt, vt) = (m.key(), m.value());
            if matches!(kt, Type::String) {
                let mut out = Map::new();
                for (i, (k, v)) in pairs.iter().enumerate() {
                    let Val::String(k) = k else {
                        return Err(mismatch());
                    };
                    out.insert(k.clone(), from_val(v, &vt, &format!("{path}[{i}]"))?);
                }
                Value::Object(out)
            } else {
                Value::Array(
                    pairs
                        .iter()
                        .enumerate()
                        .map(|(i, (k, v))| {
                            let p = format!("{path}[{i}]");
                            Ok(Value::Array(vec![
                                from_val(k, &kt, &p)?,
                                from_val(v, &vt, &p)?,
                            ]))
                        })
                        .collect::<Result<_, JsonError>>()?,
                )
            }
        }
        Val::Record(fields) => {
            let Type::Record(r) = ty else {
                return Err(mismatch());
            };
            let mut out = Map::new();
            for ((name, v), f) in fields.iter().zip(r.fields()) {
                out.insert(
                    name.clone(),
                    from_val(v, &f.ty, &join(path, &format!(".{name}")))?,
                );
            }
            Value::Object(out)
        }
        Val::Variant(tag, payload) => {
            let Type::Variant(vt) = ty else {
                return Err(mismatch());
            };
            let mut out = Map::new();
            out.insert("tag".into(), Value::String(tag.clone()));
            if let Some(p) = payload {
                let case_ty = vt
                    .cases()
                    .find(|c| c.name == tag)
                    .and_then(|c| c.ty)
                    .ok_or_else(mismatch)?;
                out.insert(
                    "value".into(),
                    from_val(p, &case_ty, &join(path, ".value"))?,
                );
            }
            Value::Object(out)
        }
        Val::Enum(name) => Value::String(name.clone()),
        Val::Option(None) => Value::Null,
        Val::Option(Some(v)) => {
            let Type::Option(o) = ty else {
                return Err(mismatch());
            };
            match &**v {
                // Keep `some(none)` distinct from `none`.
                Val::Option(None) => serde_json::json!({ "some": null }),
                inner => from_val(inner, &o.ty(), path)?,
            }
        }
        Val::Result(r) => {
            let Type::Result(rt) = ty else {
                return Err(mismatch());
            };
            let explicit = matches!(rt.ok(), Some(Type::Record(rec)) if rec.fields().any(|f| f.name == "error"));
            match r {
                Ok(payload) => {
                    let v = match (payload, rt.ok()) {
                        (Some(v), Some(t)) => from_val(v, &t, path)?,
                        _ => Value::Null,
                    };
                    if explicit {
                        serde_json::json!({ "ok": v })
                    } else {
                        v
                    }
                }
                Err(payload) => {
                    let v = match (payload, rt.err()) {
                        (Some(v), Some(t)) => from_val(v, &t, &join(path, ".error"))?,
                        _ => Value::Null,
                    };
                    if explicit {
                        serde_json::json!({ "err": v })
                    } else {
                        serde_json::json!({ "error": v })
                    }
                }
            }
        }
        Val::Flags(names) => Value::Array(names.iter().map(|n| Value::String(n.clone())).collect()),
        Val::Resource(_) => {
            return Err(err(
                path,
                "resources have no JSON form; call a function that returns data",
            ));
        }
        Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) => {
            return Err(err(
                path,
                "futures, streams and error contexts have no JSON form",
            ));
        }
    })
}
