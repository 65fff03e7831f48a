//! Printing WIT types and function signatures for messages and `astc inspect`.

use wit_parser::{Function, FunctionKind, Handle, Resolve, Type, TypeDefKind, TypeId};

/// A function's signature in WIT syntax: `func(order: order) -> order-result`.
pub fn signature(resolve: &Resolve, f: &Function) -> String {
    let asyncness = match f.kind {
        FunctionKind::AsyncFreestanding
        | FunctionKind::AsyncMethod(_)
        | FunctionKind::AsyncStatic(_) => "async ",
        _ => "",
    };
    let params: Vec<String> = f
        .params
        .iter()
        .map(|p| format!("{}: {}", p.name, type_name(resolve, &p.ty)))
        .collect();
    let mut s = format!("{asyncness}func({})", params.join(", "));
    if let Some(r) = &f.result {
        s.push_str(" -> ");
        s.push_str(&type_name(resolve, r));
    }
    s
}

/// A type as WIT writes it where it is used: named types by name, anonymous ones by
/// structure (`list<u8>`, `option<string>`, `result<order, error>`).
pub fn type_name(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => type_id_name(resolve, *id),
    }
}

fn type_id_name(resolve: &Resolve, id: TypeId) -> String {
    let def = &resolve.types[id];
    if let Some(name) = &def.name {
        return name.clone();
    }
    let opt = |t: &Option<Type>| match t {
        Some(t) => type_name(resolve, t),
        None => "_".into(),
    };
    match &def.kind {
        TypeDefKind::List(t) => format!("list<{}>", type_name(resolve, t)),
        TypeDefKind::FixedLengthList(t, n) => format!("list<{}, {n}>", type_name(resolve, t)),
        TypeDefKind::Map(k, v) => {
            format!("map<{}, {}>", type_name(resolve, k), type_name(resolve, v))
        }
        TypeDefKind::Option(t) => format!("option<{}>", type_name(resolve, t)),
        TypeDefKind::Result(r) => match (&r.ok, &r.err) {
            (None, None) => "result".into(),
            (Some(ok), None) => format!("result<{}>", type_name(resolve, ok)),
            (ok, err) => format!("result<{}, {}>", opt(ok), opt(err)),
        },
        TypeDefKind::Tuple(t) => format!(
            "tuple<{}>",
            t.types
                .iter()
                .map(|t| type_name(resolve, t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Handle(Handle::Own(r)) => type_id_name(resolve, *r),
        TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", type_id_name(resolve, *r)),
        TypeDefKind::Future(t) => match t {
            Some(t) => format!("future<{}>", type_name(resolve, t)),
            None => "future".into(),
        },
        TypeDefKind::Stream(t) => match t {
            Some(t) => format!("stream<{}>", type_name(resolve, t)),
            None => "stream".into(),
        },
        TypeDefKind::Type(t) => type_name(resolve, t),
        TypeDefKind::Record(_) => "record".into(),
        TypeDefKind::Variant(_) => "variant".into(),
        TypeDefKind::Enum(_) => "enum".into(),
        TypeDefKind::Flags(_) => "flags".into(),
        TypeDefKind::Resource => "resource".into(),
        TypeDefKind::Unknown => "unknown".into(),
    }
}

/// What kind of type `ty` is, for messages: `record 'order'`, `string`, `list<u8>`.
pub fn describe(resolve: &Resolve, ty: &Type) -> String {
    let Type::Id(id) = ty else {
        return type_name(resolve, ty);
    };
    let def = &resolve.types[*id];
    match (&def.kind, &def.name) {
        (TypeDefKind::Type(inner), _) => describe(resolve, inner),
        (kind, Some(name)) => format!("{} '{name}'", kind.as_str()),
        (_, None) => type_name(resolve, ty),
    }
}
