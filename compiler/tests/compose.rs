//! Composition through the library: the output embeds each component verbatim and records
//! it in the provenance, so a runner can find every part again.

use astc_compiler::compose::{Bytes, Part, compose_parts};
use astc_compiler::provenance::{self, embedded_components};
use astc_resolver::{ComponentId, Digest, InterfaceName, LockedImport};

fn part(id: &str, bytes: &[u8], root: bool, imports: Vec<LockedImport>) -> Part {
    let inspected = astc_compiler::inspect(bytes).unwrap();
    Part {
        id: ComponentId::parse(id).unwrap(),
        bytes: Bytes::whole(bytes.into()),
        digest: Digest::of(bytes),
        root,
        member: false,
        exports: inspected.summary.exports,
        imports,
        package_docs: None,
    }
}

#[test]
fn embedded_components_match_the_provenance() {
    let greeter = astc_fixtures::component_from_wit(
        "greeter.wit",
        "package acme:greeter@1.0.0;\ninterface api { greet: func(name: string) -> string; }\nworld w { export api; }\n",
    )
    .unwrap();
    let app = astc_fixtures::component_from_wit(
        "app.wit",
        "package acme:app@0.1.0;\nworld w { import acme:greeter/api@1.0.0; export run: func(); }\n\
         package acme:greeter@1.0.0 { interface api { greet: func(name: string) -> string; } }\n",
    )
    .unwrap();
    let wire = LockedImport {
        name: InterfaceName::parse("acme:greeter/api@1.0.0").unwrap(),
        host: false,
        provider: Some(ComponentId::parse("acme:greeter@1.0.0").unwrap()),
        export: Some(InterfaceName::parse("acme:greeter/api@1.0.0").unwrap()),
    };
    let parts = vec![
        part("acme:app@0.1.0", &app, true, vec![wire]),
        part("acme:greeter@1.0.0", &greeter, false, vec![]),
    ];
    let composed = compose_parts(&parts).unwrap();
    let again = compose_parts(&parts).unwrap();
    let bytes = composed.to_vec();
    assert_eq!(bytes, again.to_vec(), "composition must be deterministic");
    assert_eq!(Digest::of(&bytes), composed.digest());
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&bytes)
        .expect("the composition with the real components swapped in is valid");

    let embedded = embedded_components(&bytes).unwrap();
    let recorded = provenance::read(&bytes).unwrap().unwrap();
    assert_eq!(recorded, composed.provenance);
    assert_eq!(recorded.components.len(), 2);
    for entry in &recorded.components {
        let range = &embedded[&entry.digest];
        assert_eq!(Digest::of(&bytes[range.clone()]), entry.digest);
    }
    assert_eq!(
        recorded.components[0].imports[0].provider.to_string(),
        "acme:greeter@1.0.0"
    );
}
