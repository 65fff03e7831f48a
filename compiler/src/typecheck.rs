//! Structural comparison of WIT interfaces across two components.
//!
//! The component model links an import to an export when the export's instance type is a
//! subtype of the import's: every function the importer uses must exist with exactly the same
//! type (wasmparser and wac compare function types for equality, parameter names included),
//! and every named type the importer refers to must exist with the same structure. Type
//! *names* of anonymous positions do not matter (a `record order` and a `record purchase` with
//! the same fields are the same type), but the names under which an interface exports types
//! and functions do.
//!
//! Unlike the linker, this walk does not stop at the first difference and records where each
//! one is: `param 0 'order': record 'order' field 'address': expected string, found u32`.
//! "Expected" is always the side that was built against the interface (the importer, or the
//! previous release), "found" the side that provides it.
//!
//! Resources are nominal: two resource types are the same when they are declared by the same
//! interface (same name, semver-compatible version) under the same name. That is what makes
//! `wasi:io/streams.output-stream` used by two components line up once both are wired to one
//! host import.
//!
//! One module because the comparison is one recursive walk over WIT types, with its path;
//! the tests are a quarter of it.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use astc_resolver::InterfaceName;
use astc_resolver::version::CompatClass;
use wit_parser::{
    Function, FunctionKind, Handle, InterfaceId, Resolve, Type, TypeDefKind, TypeId, TypeOwner,
};

use crate::wit::{describe, signature, type_name};

/// One difference between what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The item at fault: `function \`greet\``, `type \`order\``.
    pub item: String,
    /// The function at fault, when the item is a function.
    pub function: Option<String>,
    /// Where inside its type, outermost first.
    pub path: Vec<String>,
    /// What differs: `expected string, found u32`.
    pub detail: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.item)?;
        for p in &self.path {
            write!(f, ": {p}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// An interface inside a decoded component.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    /// The component's WIT.
    pub resolve: &'a Resolve,
    /// The interface.
    pub interface: InterfaceId,
}

/// Every way `found` fails to provide what `expected` needs: missing or different functions
/// and named types.
pub fn compare_interfaces(expected: Side, found: Side) -> Vec<Mismatch> {
    let mut cx = Cx::new(expected.resolve, found.resolve);
    let e = &expected.resolve.interfaces[expected.interface];
    let f = &found.resolve.interfaces[found.interface];
    for (name, func) in &e.functions {
        let item = format!("function `{name}`");
        let first = cx.out.len();
        match f.functions.get(name) {
            Some(ffunc) => cx.functions(&item, func, ffunc),
            None => cx.push(
                &item,
                &[],
                format!(
                    "missing: `{name}: {}` is not exported",
                    signature(expected.resolve, func)
                ),
            ),
        }
        in_function(&mut cx.out[first..], name);
    }
    // Named types: those the functions reached were reported there, with a better path.
    for (name, tid) in &e.types {
        let item = format!("type `{name}`");
        match f.types.get(name) {
            Some(ftid) if cx.memo.contains_key(&(*tid, *ftid)) => {}
            Some(ftid) => cx.types(&item, &[], &Type::Id(*tid), &Type::Id(*ftid)),
            None => cx.push(&item, &[], "missing: the type is not exported".into()),
        }
    }
    cx.out
}

/// The differences between two functions' types.
pub fn compare_functions(
    expected: (&Resolve, &Function),
    found: (&Resolve, &Function),
) -> Vec<Mismatch> {
    let mut cx = Cx::new(expected.0, found.0);
    cx.functions(
        &format!("function `{}`", expected.1.name),
        expected.1,
        found.1,
    );
    in_function(&mut cx.out, &expected.1.name);
    cx.out
}

/// Marks mismatches as found in function `name`.
fn in_function(mismatches: &mut [Mismatch], name: &str) {
    for m in mismatches {
        m.function = Some(name.to_string());
    }
}

/// Differences under a pair of types: (path relative to the pair, detail).
type Relative = Vec<(Vec<String>, String)>;

struct Cx<'a> {
    a: &'a Resolve,
    b: &'a Resolve,
    out: Vec<Mismatch>,
    /// Differences found under each pair of types already compared, relative to the pair,
    /// so shared subtrees are walked once but reported wherever they are used.
    memo: HashMap<(TypeId, TypeId), Rc<Relative>>,
}

fn is_async(kind: &FunctionKind) -> bool {
    matches!(
        kind,
        FunctionKind::AsyncFreestanding
            | FunctionKind::AsyncMethod(_)
            | FunctionKind::AsyncStatic(_)
    )
}

impl<'a> Cx<'a> {
    fn new(a: &'a Resolve, b: &'a Resolve) -> Self {
        Cx {
            a,
            b,
            out: Vec::new(),
            memo: HashMap::new(),
        }
    }

    fn push(&mut self, item: &str, path: &[String], detail: String) {
        self.out.push(Mismatch {
            item: item.to_string(),
            function: None,
            path: path.to_vec(),
            detail,
        });
    }

    fn functions(&mut self, item: &str, fa: &Function, fb: &Function) {
        if is_async(&fa.kind) != is_async(&fb.kind) {
            let kind = |f: &Function| if is_async(&f.kind) { "async" } else { "sync" };
            self.push(
                item,
                &[],
                format!(
                    "expected {} function, found {} function",
                    kind(fa),
                    kind(fb)
                ),
            );
            return;
        }
        if fa.params.len() != fb.params.len() {
            self.push(
                item,
                &[],
                format!(
                    "expected {} parameter{} `{}`, found {} `{}`",
                    fa.params.len(),
                    if fa.params.len() == 1 { "" } else { "s" },
                    signature(self.a, fa),
                    fb.params.len(),
                    signature(self.b, fb)
                ),
            );
            return;
        }
        for (i, (pa, pb)) in fa.params.iter().zip(&fb.params).enumerate() {
            let path = vec![format!("param {i} '{}'", pa.name)];
            if pa.name != pb.name {
                self.push(
                    item,
                    &path,
                    format!("expected the name `{}`, found `{}`", pa.name, pb.name),
                );
                continue;
            }
            self.types(item, &path, &pa.ty, &pb.ty);
        }
        match (&fa.result, &fb.result) {
            (Some(ra), Some(rb)) => self.types(item, &["result".into()], ra, rb),
            (None, None) => {}
            (Some(ra), None) => self.push(
                item,
                &["result".into()],
                format!("expected {}, found no result", describe(self.a, ra)),
            ),
            (None, Some(rb)) => self.push(
                item,
                &["result".into()],
                format!("expected no result, found {}", describe(self.b, rb)),
            ),
        }
    }

    /// Follows `type x = y` aliases.
    fn unalias(r: &Resolve, mut t: Type) -> Type {
        while let Type::Id(id) = t {
            match &r.types[id].kind {
                TypeDefKind::Type(inner) => t = *inner,
                _ => break,
            }
        }
        t
    }

    fn mismatch(&mut self, item: &str, path: &[String], ta: &Type, tb: &Type) {
        let (ea, fb) = (describe(self.a, ta), describe(self.b, tb));
        let detail = if ea == fb {
            // Same description, different structure further down (shouldn't happen for
            // leaves; keep the message truthful anyway).
            format!(
                "expected {}, found a different {}",
                type_name(self.a, ta),
                fb
            )
        } else {
            format!("expected {ea}, found {fb}")
        };
        self.push(item, path, detail);
    }

    fn types(&mut self, item: &str, path: &[String], ta: &Type, tb: &Type) {
        let (ta, tb) = (Self::unalias(self.a, *ta), Self::unalias(self.b, *tb));
        let (ia, ib) = match (ta, tb) {
            (Type::Id(ia), Type::Id(ib)) => (ia, ib),
            (Type::Id(_), _) | (_, Type::Id(_)) => return self.mismatch(item, path, &ta, &tb),
            (a, b) if a == b => return,
            (a, b) => return self.mismatch(item, path, &a, &b),
        };
        let key = (ia, ib);
        let rel = match self.memo.get(&key) {
            Some(rel) => rel.clone(),
            None => {
                // Compare the pair on its own, then remember what differed under it.
                let outer = std::mem::take(&mut self.out);
                self.memo.insert(key, Rc::new(Vec::new()));
                self.compare_defs(item, &mut Vec::new(), ta, tb, ia, ib);
                let found = std::mem::replace(&mut self.out, outer);
                let rel: Rc<Vec<_>> =
                    Rc::new(found.into_iter().map(|m| (m.path, m.detail)).collect());
                self.memo.insert(key, rel.clone());
                rel
            }
        };
        for (p, d) in rel.iter() {
            let mut full = path.to_vec();
            full.extend(p.iter().cloned());
            self.push(item, &full, d.clone());
        }
    }

    fn compare_defs(
        &mut self,
        item: &str,
        path: &mut Vec<String>,
        ta: Type,
        tb: Type,
        ia: TypeId,
        ib: TypeId,
    ) {
        let (da, db) = (&self.a.types[ia], &self.b.types[ib]);
        let here = describe(self.a, &ta);
        match (&da.kind, &db.kind) {
            (TypeDefKind::Record(ra), TypeDefKind::Record(rb)) => {
                let na: Vec<&str> = ra.fields.iter().map(|f| f.name.as_str()).collect();
                let nb: Vec<&str> = rb.fields.iter().map(|f| f.name.as_str()).collect();
                if let Some(d) = names_differ("field", &na, &nb) {
                    path.push(here);
                    self.push(item, path, d);
                    path.pop();
                    return;
                }
                for (fa, fb) in ra.fields.iter().zip(&rb.fields) {
                    path.push(format!("{here} field '{}'", fa.name));
                    self.types(item, path, &fa.ty, &fb.ty);
                    path.pop();
                }
            }
            (TypeDefKind::Variant(va), TypeDefKind::Variant(vb)) => {
                let na: Vec<&str> = va.cases.iter().map(|c| c.name.as_str()).collect();
                let nb: Vec<&str> = vb.cases.iter().map(|c| c.name.as_str()).collect();
                if let Some(d) = names_differ("case", &na, &nb) {
                    path.push(here);
                    self.push(item, path, d);
                    path.pop();
                    return;
                }
                for (ca, cb) in va.cases.iter().zip(&vb.cases) {
                    path.push(format!("{here} case '{}'", ca.name));
                    self.optional(item, path, &ca.ty, &cb.ty);
                    path.pop();
                }
            }
            (TypeDefKind::Enum(ea), TypeDefKind::Enum(eb)) => {
                let na: Vec<&str> = ea.cases.iter().map(|c| c.name.as_str()).collect();
                let nb: Vec<&str> = eb.cases.iter().map(|c| c.name.as_str()).collect();
                if let Some(d) = names_differ("case", &na, &nb) {
                    path.push(here);
                    self.push(item, path, d);
                    path.pop();
                }
            }
            (TypeDefKind::Flags(fa), TypeDefKind::Flags(fb)) => {
                let na: Vec<&str> = fa.flags.iter().map(|c| c.name.as_str()).collect();
                let nb: Vec<&str> = fb.flags.iter().map(|c| c.name.as_str()).collect();
                if let Some(d) = names_differ("flag", &na, &nb) {
                    path.push(here);
                    self.push(item, path, d);
                    path.pop();
                }
            }
            (TypeDefKind::Tuple(ta2), TypeDefKind::Tuple(tb2)) => {
                if ta2.types.len() != tb2.types.len() {
                    return self.mismatch(item, path, &ta, &tb);
                }
                for (i, (x, y)) in ta2.types.iter().zip(&tb2.types).enumerate() {
                    path.push(format!("tuple element {i}"));
                    self.types(item, path, x, y);
                    path.pop();
                }
            }
            (TypeDefKind::List(x), TypeDefKind::List(y)) => {
                path.push("list element".into());
                self.types(item, path, x, y);
                path.pop();
            }
            (TypeDefKind::FixedLengthList(x, n), TypeDefKind::FixedLengthList(y, m)) => {
                if n != m {
                    return self.mismatch(item, path, &ta, &tb);
                }
                path.push("list element".into());
                self.types(item, path, x, y);
                path.pop();
            }
            (TypeDefKind::Map(ka, va), TypeDefKind::Map(kb, vb)) => {
                path.push("map key".into());
                self.types(item, path, ka, kb);
                path.pop();
                path.push("map value".into());
                self.types(item, path, va, vb);
                path.pop();
            }
            (TypeDefKind::Option(x), TypeDefKind::Option(y)) => {
                path.push("option value".into());
                self.types(item, path, x, y);
                path.pop();
            }
            (TypeDefKind::Result(ra), TypeDefKind::Result(rb)) => {
                path.push("result ok".into());
                self.optional(item, path, &ra.ok, &rb.ok);
                path.pop();
                path.push("result err".into());
                self.optional(item, path, &ra.err, &rb.err);
                path.pop();
            }
            (TypeDefKind::Future(x), TypeDefKind::Future(y)) => {
                path.push("future value".into());
                self.optional(item, path, x, y);
                path.pop();
            }
            (TypeDefKind::Stream(x), TypeDefKind::Stream(y)) => {
                path.push("stream element".into());
                self.optional(item, path, x, y);
                path.pop();
            }
            (TypeDefKind::Handle(ha), TypeDefKind::Handle(hb)) => match (ha, hb) {
                (Handle::Own(ra), Handle::Own(rb)) | (Handle::Borrow(ra), Handle::Borrow(rb)) => {
                    self.resources(item, path, *ra, *rb)
                }
                _ => self.mismatch(item, path, &ta, &tb),
            },
            (TypeDefKind::Resource, TypeDefKind::Resource) => self.resources(item, path, ia, ib),
            _ => self.mismatch(item, path, &ta, &tb),
        }
    }

    fn optional(&mut self, item: &str, path: &[String], a: &Option<Type>, b: &Option<Type>) {
        match (a, b) {
            (Some(x), Some(y)) => self.types(item, path, x, y),
            (None, None) => {}
            (Some(x), None) => {
                let d = format!("expected {}, found no payload", describe(self.a, x));
                self.push(item, path, d)
            }
            (None, Some(y)) => {
                let d = format!("expected no payload, found {}", describe(self.b, y));
                self.push(item, path, d)
            }
        }
    }

    fn resources(&mut self, item: &str, path: &[String], ra: TypeId, rb: TypeId) {
        let (ka, kb) = (resource_key(self.a, ra), resource_key(self.b, rb));
        if ka != kb {
            let d = format!(
                "expected resource `{}`, found resource `{}`",
                ka.display, kb.display
            );
            self.push(item, path, d);
        }
    }
}

/// A resource's identity across components: declaring interface (unversioned, with its
/// compatibility class) and name.
#[derive(Debug)]
struct ResourceKey {
    interface: Option<(String, Option<CompatClass>)>,
    name: String,
    display: String,
}

impl PartialEq for ResourceKey {
    fn eq(&self, other: &Self) -> bool {
        self.interface == other.interface && self.name == other.name
    }
}

fn resource_key(r: &Resolve, mut id: TypeId) -> ResourceKey {
    // `use`d resources appear as aliases of the declaring interface's type.
    while let TypeDefKind::Type(Type::Id(inner)) = r.types[id].kind {
        id = inner;
    }
    let def = &r.types[id];
    let name = def.name.clone().unwrap_or_default();
    let interface = match def.owner {
        TypeOwner::Interface(iid) => r.id_of(iid).map(|s| match InterfaceName::parse(&s) {
            Ok(n) => (n.unversioned(), n.version().map(CompatClass::of)),
            Err(_) => (s, None),
        }),
        _ => None,
    };
    let display = match def.owner {
        TypeOwner::Interface(iid) => match r.id_of(iid) {
            Some(i) => format!("{i}.{name}"),
            None => name.clone(),
        },
        _ => name.clone(),
    };
    ResourceKey {
        interface,
        name,
        display,
    }
}

/// Compares two ordered name lists; describes the first difference.
fn names_differ(what: &str, a: &[&str], b: &[&str]) -> Option<String> {
    if a == b {
        return None;
    }
    let missing: Vec<String> = a
        .iter()
        .filter(|n| !b.contains(n))
        .map(|n| format!("`{n}`"))
        .collect();
    let extra: Vec<String> = b
        .iter()
        .filter(|n| !a.contains(n))
        .map(|n| format!("`{n}`"))
        .collect();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "missing {what}{} {}",
            plural(missing.len()),
            missing.join(", ")
        ));
    }
    if !extra.is_empty() {
        parts.push(format!(
            "unexpected {what}{} {}",
            plural(extra.len()),
            extra.join(", ")
        ));
    }
    if parts.is_empty() {
        parts.push(format!(
            "{what}s in a different order: expected {}, found {}",
            a.join(", "),
            b.join(", ")
        ));
    }
    Some(parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `wit` (one package `t:t@1.0.0` with an interface `i`) and returns it.
    fn side(wit: &str) -> (Resolve, InterfaceId) {
        let mut r = Resolve::default();
        let src = format!("package t:t@1.0.0;\ninterface i {{\n{wit}\n}}\n");
        let pkg = r.push_str("t.wit", &src).unwrap();
        let iface = r.packages[pkg].interfaces["i"];
        (r, iface)
    }

    fn compare(expected: &str, found: &str) -> Vec<String> {
        let (ra, ia) = side(expected);
        let (rb, ib) = side(found);
        compare_interfaces(
            Side {
                resolve: &ra,
                interface: ia,
            },
            Side {
                resolve: &rb,
                interface: ib,
            },
        )
        .iter()
        .map(|m| m.to_string())
        .collect()
    }

    #[test]
    fn identical_interfaces_match() {
        let wit = "record order { address: string, items: list<u32> }\n\
                   variant v { a, b(option<order>) }\n\
                   f: func(o: order, x: tuple<u8, string>) -> result<v, string>;";
        assert!(compare(wit, wit).is_empty());
    }

    #[test]
    fn extra_exports_are_fine() {
        assert!(compare("f: func();", "f: func();\ng: func() -> u8;").is_empty());
    }

    #[test]
    fn reports_paths_into_types() {
        let got = compare(
            "record order { address: string }\norder-burger: func(order: order) -> string;",
            "record order { address: u32 }\norder-burger: func(order: order) -> string;",
        );
        assert_eq!(
            got,
            [
                "function `order-burger`: param 0 'order': record 'order' field 'address': expected string, found u32"
            ]
        );
    }

    #[test]
    fn reports_every_mismatch() {
        let got = compare(
            "a: func(x: u32);\nb: func() -> string;\nc: func(y: string);\nd: func();",
            "a: func(x: u64);\nb: func();\nc: func(z: string);",
        );
        assert_eq!(
            got,
            [
                "function `a`: param 0 'x': expected u32, found u64",
                "function `b`: result: expected string, found no result",
                "function `c`: param 0 'y': expected the name `y`, found `z`",
                "function `d`: missing: `d: func()` is not exported",
            ]
        );
    }

    /// Mismatches inside a function name it; those of a named type do not.
    #[test]
    fn mismatches_name_their_function() {
        let (ra, ia) =
            side("record o { a: string }\nf: func(x: o);\ng: func();\nrecord u { z: u8 }");
        let (rb, ib) = side("record o { a: u8 }\nf: func(x: o);\nrecord u { z: u16 }");
        let got: Vec<Option<String>> = compare_interfaces(
            Side {
                resolve: &ra,
                interface: ia,
            },
            Side {
                resolve: &rb,
                interface: ib,
            },
        )
        .into_iter()
        .map(|m| m.function)
        .collect();
        assert_eq!(got, [Some("f".into()), Some("g".into()), None]);
    }

    #[test]
    fn shared_types_are_reported_everywhere_they_are_used() {
        let got = compare(
            "record o { a: string }\nf: func(x: o);\ng: func() -> list<o>;\nrecord unused { z: u8 }",
            "record o { a: u8 }\nf: func(x: o);\ng: func() -> list<o>;\nrecord unused { z: u16 }",
        );
        assert_eq!(
            got,
            [
                "function `f`: param 0 'x': record 'o' field 'a': expected string, found u8",
                "function `g`: result: list element: record 'o' field 'a': expected string, found u8",
                "type `unused`: record 'unused' field 'z': expected u8, found u16",
            ]
        );
    }

    #[test]
    fn variant_enum_flags_and_results() {
        let got = compare(
            "variant v { a(u32), b }\nenum e { x, y }\nflags f { r, w }\n\
             g: func(v: v, e: e, f: f) -> result<string, e>;",
            "variant v { a(string), b }\nenum e { x, z }\nflags f { w, r }\n\
             g: func(v: v, e: e, f: f) -> result<u8, e>;",
        );
        assert_eq!(
            got,
            [
                "function `g`: param 0 'v': variant 'v' case 'a': expected u32, found string",
                "function `g`: param 1 'e': enum 'e': missing case `y`; unexpected case `z`",
                "function `g`: param 2 'f': flags 'f': flags in a different order: expected r, w, found w, r",
                "function `g`: result: result ok: expected string, found u8",
                "function `g`: result: result err: enum 'e': missing case `y`; unexpected case `z`",
            ]
        );
    }

    #[test]
    fn record_names_do_not_matter_structure_does() {
        assert!(
            compare(
                "record a { x: u8 }\nf: func(p: a);",
                "record a { x: u8 }\nrecord b { x: u8 }\nf: func(p: b);",
            )
            .is_empty()
        );
        let got = compare(
            "record a { x: u8, y: u8 }\nf: func(p: a);",
            "record a { x: u8, y: u8 }\nrecord b { x: u8 }\nf: func(p: b);",
        );
        assert_eq!(
            got,
            ["function `f`: param 0 'p': record 'a': missing field `y`"]
        );
    }

    #[test]
    fn resources_are_nominal() {
        assert!(
            compare(
                "resource r { m: func() -> u32; }\nf: func(x: borrow<r>) -> r;",
                "resource r { m: func() -> u32; }\nf: func(x: borrow<r>) -> r;",
            )
            .is_empty()
        );
        let got = compare(
            "resource r;\nresource s;\nf: func() -> r;",
            "resource r;\nresource s;\nf: func() -> s;",
        );
        assert_eq!(
            got,
            [
                "function `f`: result: expected resource `t:t/i@1.0.0.r`, found resource `t:t/i@1.0.0.s`"
            ]
        );
        let got = compare(
            "resource r;\nf: func(x: borrow<r>);",
            "resource r;\nf: func(x: r);",
        );
        assert_eq!(
            got,
            ["function `f`: param 0 'x': expected borrow<r>, found r"]
        );
    }
}
