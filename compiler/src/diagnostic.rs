//! The compiler's errors as the command line reports them: exit class and JSON records
//! ([`Report`]), and the help of an [`InspectError`] behind a type-erased cause.

use std::error::Error;

use astc_resolver::diagnostic::{ExitClass, Record, Report};
use miette::Diagnostic;

use crate::build::BuildError;
use crate::check::CheckError;
use crate::compose::ComposeError;
use crate::inspect::{FileError, InspectError};

/// The help of the first [`InspectError`] among `err`'s causes.
///
/// The resolver reads components through its `Inspector` trait, which returns a boxed
/// `std::error::Error`; an [`InspectError`] behind it (a local or registry component that is
/// not a valid component) keeps its help this way.
pub fn cause_help(err: &(dyn Error + 'static)) -> Option<String> {
    let mut next = err.source();
    while let Some(e) = next {
        if let Some(d) = e.downcast_ref::<InspectError>() {
            return d.help().map(|h| h.to_string());
        }
        next = e.source();
    }
    None
}

impl Report for BuildError {
    fn hints(&self) -> Vec<String> {
        match self {
            BuildError::Project(e) => e.hints(),
            BuildError::Check(e) => e.hints(),
            BuildError::Compose(e) => e.hints(),
            _ => astc_resolver::diagnostic::own_hint(self),
        }
    }

    fn exit_class(&self) -> ExitClass {
        match self {
            BuildError::Project(e) => e.exit_class(),
            BuildError::Check(e) => e.exit_class(),
            BuildError::Compose(e) => e.exit_class(),
            BuildError::Differs { .. } => ExitClass::Check,
            BuildError::ReadOutput { .. } | BuildError::Write { .. } => ExitClass::Io,
            BuildError::OutputIsInput { .. } => ExitClass::Usage,
        }
    }

    fn records(&self) -> Vec<Record> {
        match self {
            BuildError::Project(e) => e.records(),
            BuildError::Check(e) => e.records(),
            BuildError::Compose(e) => e.records(),
            BuildError::Write { path, .. }
            | BuildError::Differs { path, .. }
            | BuildError::ReadOutput { path, .. }
            | BuildError::OutputIsInput { path, .. } => vec![Record::error(self).with_file(path)],
        }
    }
}

impl Report for CheckError {
    fn hints(&self) -> Vec<String> {
        match self {
            CheckError::Mismatch { help, .. } => help.iter().flat_map(|h| h.0.clone()).collect(),
            CheckError::Invalid { .. } => astc_resolver::diagnostic::own_hint(self),
        }
    }

    fn exit_class(&self) -> ExitClass {
        match self {
            CheckError::Mismatch { .. } | CheckError::Invalid { .. } => ExitClass::Check,
        }
    }

    /// One record per mismatch (or per host import the runtime lacks), each naming the
    /// component, interface, provider and, for a function, the function and type path.
    fn records(&self) -> Vec<Record> {
        let base = Record::error(self);
        let problems = match self {
            CheckError::Mismatch { problems, .. } => problems,
            CheckError::Invalid { id, .. } => return vec![base.with_component(id)],
        };
        let mut out = Vec::new();
        for p in problems {
            let per_import = Record {
                component: Some(p.importer.to_string()),
                interface: Some(p.import.to_string()),
                provider: p.provider.as_ref().map(|i| i.to_string()),
                help: p.hint.clone().or_else(|| base.help.clone()),
                causes: Vec::new(),
                ..base.clone()
            };
            if p.mismatches.is_empty() {
                out.push(Record {
                    message: format!(
                        "import `{}` of `{}` is not provided by the runtime",
                        p.import, p.importer
                    ),
                    ..per_import
                });
                continue;
            }
            out.extend(p.mismatches.iter().map(|m| Record {
                message: m.to_string(),
                function: m.function.clone(),
                type_path: m.path.clone(),
                ..per_import.clone()
            }));
        }
        out
    }
}

impl Report for ComposeError {
    fn exit_class(&self) -> ExitClass {
        match self {
            ComposeError::Load { .. }
            | ComposeError::Wire { .. }
            | ComposeError::ExportConflict { .. }
            | ComposeError::Encode { .. } => ExitClass::Check,
        }
    }

    fn records(&self) -> Vec<Record> {
        let r = Record::error(self);
        vec![match self {
            ComposeError::Load { id, .. } => r.with_component(id),
            ComposeError::Wire {
                importer,
                import,
                provider,
                ..
            } => Record {
                interface: Some(import.clone()),
                provider: Some(provider.to_string()),
                ..r.with_component(importer)
            },
            ComposeError::ExportConflict { first, name, .. } => Record {
                interface: Some(name.clone()),
                ..r.with_component(first)
            },
            ComposeError::Encode { .. } => r,
        }]
    }
}

impl Report for InspectError {
    fn exit_class(&self) -> ExitClass {
        match self {
            InspectError::Empty
            | InspectError::NotWasm { .. }
            | InspectError::CoreModule
            | InspectError::WitPackage
            | InspectError::Invalid { .. }
            | InspectError::BadName { .. }
            | InspectError::BadProvenance(_) => ExitClass::Input,
        }
    }
}

impl Report for FileError {
    fn exit_class(&self) -> ExitClass {
        match self {
            FileError::Read { .. } => ExitClass::Io,
            FileError::Invalid { .. } => ExitClass::Input,
        }
    }

    fn records(&self) -> Vec<Record> {
        match self {
            FileError::Read { path, .. } | FileError::Invalid { path, .. } => {
                vec![Record::error(self).with_file(path)]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use astc_resolver::diagnostic::Hints;
    use astc_resolver::{ComponentId, InterfaceName};

    use super::*;
    use crate::check::ImportProblem;
    use crate::typecheck::Mismatch;

    fn mismatch(item: &str, path: &[&str], detail: &str) -> Mismatch {
        Mismatch {
            function: item
                .strip_prefix("function `")
                .map(|f| f.trim_end_matches('`').to_string()),
            item: item.into(),
            path: path.iter().map(|p| p.to_string()).collect(),
            detail: detail.into(),
        }
    }

    /// A check error with two imports, one of them with two mismatches and one a host import
    /// the runtime lacks, gives one record per mismatch and one for the host import.
    #[test]
    fn one_record_per_mismatch() {
        let app = ComponentId::parse("acme:app@0.1.0").unwrap();
        let shop = ComponentId::parse("acme:shop@0.1.0").unwrap();
        let e = CheckError::Mismatch {
            problems: vec![
                ImportProblem {
                    importer: app.clone(),
                    import: InterfaceName::parse("acme:shop/api@0.1.0").unwrap(),
                    provider: Some(shop.clone()),
                    export: Some(InterfaceName::parse("acme:shop/api@0.1.0").unwrap()),
                    mismatches: vec![
                        mismatch(
                            "function `order`",
                            &["param 0 'o'", "record 'o' field 'a'"],
                            "expected string, found u32",
                        ),
                        mismatch("type `o`", &[], "missing"),
                    ],
                    hint: None,
                },
                ImportProblem {
                    importer: app.clone(),
                    import: InterfaceName::parse("wasi:sockets/tcp@0.2.0").unwrap(),
                    provider: None,
                    export: None,
                    mismatches: Vec::new(),
                    hint: Some("use wasi:http".into()),
                },
            ],
            help: Hints::of(vec!["rebuild the importer".into()]),
        };
        let records = e.records();
        assert_eq!(records.len(), 3);
        assert!(records.iter().all(|r| {
            r.level == "error"
                && r.code.as_deref() == Some("astc::check::mismatch")
                && r.component.as_deref() == Some("acme:app@0.1.0")
                && r.causes.is_empty()
        }));
        assert_eq!(
            records[0].message,
            "function `order`: param 0 'o': record 'o' field 'a': expected string, found u32"
        );
        assert_eq!(records[0].function.as_deref(), Some("order"));
        assert_eq!(
            records[0].type_path,
            ["param 0 'o'", "record 'o' field 'a'"]
        );
        assert_eq!(records[0].provider.as_deref(), Some("acme:shop@0.1.0"));
        assert_eq!(records[0].help.as_deref(), Some("rebuild the importer"));
        assert_eq!(records[1].function, None);
        assert_eq!(
            records[2].message,
            "import `wasi:sockets/tcp@0.2.0` of `acme:app@0.1.0` is not provided by the runtime"
        );
        assert_eq!(records[2].provider, None);
        assert_eq!(records[2].help.as_deref(), Some("use wasi:http"));
        assert_eq!(e.exit_class(), ExitClass::Check);
    }

    #[test]
    fn build_errors_take_the_class_of_what_they_wrap() {
        let e = BuildError::Check(CheckError::Mismatch {
            problems: Vec::new(),
            help: None,
        });
        assert_eq!(e.exit_class(), ExitClass::Check);
        let e = BuildError::OutputIsInput {
            path: "app.wasm".into(),
            suggestion: "out.wasm".into(),
        };
        assert_eq!(e.exit_class(), ExitClass::Usage);
        assert_eq!(e.records()[0].file.as_deref(), Some("app.wasm"));
    }

    #[test]
    fn help_of_an_inspect_error_behind_a_boxed_cause() {
        let e = astc_resolver::ProjectError::InvalidLocal {
            what: "root component".into(),
            path: "app.wasm".into(),
            source: Box::new(InspectError::CoreModule),
        };
        let help = cause_help(&e).unwrap();
        assert!(help.contains("wasm-tools component new"), "{help}");
        assert_eq!(cause_help(&InspectError::CoreModule), None);
    }
}
