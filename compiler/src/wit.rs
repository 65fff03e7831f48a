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

/// asterai's name for a type (`type_display` in asterai's runtime/src/component/wit.rs): a
/// named type by its name, anything else spelled out with named types by name.
pub fn asterai_type_name(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Id(id) => {
            let def = &resolve.types[*id];
            match &def.name {
                Some(name) => name.clone(),
                None => asterai_kind(resolve, &def.kind, asterai_type_name, false),
            }
        }
        _ => type_name(resolve, ty),
    }
}

/// asterai's `type-schema` (`type_schema_display`): the type fully expanded, records,
/// variants, enums and flags with their fields and cases.
pub fn asterai_type_schema(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Id(id) => asterai_kind(resolve, &resolve.types[*id].kind, asterai_type_schema, true),
        _ => type_name(resolve, ty),
    }
}

/// The shared shape of asterai's two spellings; `expand` spells out records, variants, enums
/// and flags (the schema) instead of naming their kind.
fn asterai_kind(
    resolve: &Resolve,
    kind: &TypeDefKind,
    inner: fn(&Resolve, &Type) -> String,
    expand: bool,
) -> String {
    let opt = |t: &Option<Type>| t.as_ref().map_or("_".into(), |t| inner(resolve, t));
    let list = |items: Vec<String>| items.join(", ");
    match kind {
        TypeDefKind::Option(t) => format!("option<{}>", inner(resolve, t)),
        TypeDefKind::List(t) => format!("list<{}>", inner(resolve, t)),
        TypeDefKind::Result(r) => format!("result<{}, {}>", opt(&r.ok), opt(&r.err)),
        TypeDefKind::Tuple(t) => format!(
            "tuple<{}>",
            list(t.types.iter().map(|t| inner(resolve, t)).collect())
        ),
        TypeDefKind::Type(t) => inner(resolve, t),
        TypeDefKind::Record(r) if expand => format!(
            "record {{ {} }}",
            list(
                r.fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, inner(resolve, &f.ty)))
                    .collect()
            )
        ),
        TypeDefKind::Variant(v) if expand => format!(
            "variant {{ {} }}",
            list(
                v.cases
                    .iter()
                    .map(|c| match &c.ty {
                        Some(t) => format!("{}({})", c.name, inner(resolve, t)),
                        None => c.name.clone(),
                    })
                    .collect()
            )
        ),
        TypeDefKind::Enum(e) if expand => format!(
            "enum {{ {} }}",
            list(e.cases.iter().map(|c| c.name.clone()).collect())
        ),
        TypeDefKind::Flags(f) if expand => format!(
            "flags {{ {} }}",
            list(f.flags.iter().map(|f| f.name.clone()).collect())
        ),
        TypeDefKind::Record(_) => "record".into(),
        TypeDefKind::Variant(_) => "variant".into(),
        TypeDefKind::Enum(_) => "enum".into(),
        TypeDefKind::Flags(_) => "flags".into(),
        _ => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spellings asterai's `type_display` and `type_schema_display` give, worked out by
    /// hand from asterai's source for each kind of type.
    #[test]
    fn spells_types_as_asterai_does() {
        let mut r = Resolve::default();
        let pkg = r
            .push_str(
                "t.wit",
                r#"package acme:t@1.0.0;
                interface api {
                    record point { x: s32, label: option<string> }
                    variant shape { circle(f64), none }
                    enum color { red, green }
                    flags perms { read, write }
                    type alias = point;
                    f: func(
                        a: point, b: list<point>, c: result<u32>, d: result, e: tuple<color, perms>,
                        g: alias, h: option<shape>, i: u8,
                    );
                }"#,
            )
            .unwrap();
        let iface = r.packages[pkg].interfaces["api"];
        let f = &r.interfaces[iface].functions["f"];
        let got: Vec<(String, String)> = f
            .params
            .iter()
            .map(|p| (asterai_type_name(&r, &p.ty), asterai_type_schema(&r, &p.ty)))
            .collect();
        let point = "record { x: s32, label: option<string> }";
        let want = [
            ("point", point.to_string()),
            ("list<point>", format!("list<{point}>")),
            ("result<u32, _>", "result<u32, _>".into()),
            ("result<_, _>", "result<_, _>".into()),
            (
                "tuple<color, perms>",
                "tuple<enum { red, green }, flags { read, write }>".into(),
            ),
            ("alias", point.to_string()),
            (
                "option<shape>",
                "option<variant { circle(f64), none }>".into(),
            ),
            ("u8", "u8".into()),
        ];
        let want: Vec<(String, String)> =
            want.into_iter().map(|(a, b)| (a.to_string(), b)).collect();
        assert_eq!(got, want);
    }
}
