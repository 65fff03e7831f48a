//! `--message-format json`: every diagnostic as one JSON object per line on stderr.
//!
//! The schema is stable; every key is always present, `null` (or `[]`) when unknown:
//!
//! ```json
//! {"level":"error","code":"astc::check::mismatch","message":"...","component":"acme:app@0.1.0",
//!  "interface":"acme:shop/api@0.1.0","function":"order-burger","provider":"acme:shop@0.1.0",
//!  "file":null,"line":null,"column":null,"type_path":["param 0 'order'"],"causes":[],"help":"..."}
//! ```
//!
//! An error that holds several problems (type mismatches, unsatisfied imports) is reported
//! as one object per problem, so tools can point at each.

use astc_compiler::build::BuildError;
use astc_compiler::check::CheckError;
use astc_compiler::compose::ComposeError;
use astc_compiler::{FileError, InspectError};
use astc_resolver::lockfile::LockError;
use astc_resolver::manifest::ManifestError;
use astc_resolver::resolve::ResolveError;
use astc_resolver::{ProjectError, PublishError, RegistryError, Warning};
use astc_runner::RunError;
use miette::Diagnostic;
use serde::Serialize;

/// One diagnostic.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Record {
    pub level: &'static str,
    pub code: Option<String>,
    pub message: String,
    pub component: Option<String>,
    pub interface: Option<String>,
    pub function: Option<String>,
    pub provider: Option<String>,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub type_path: Vec<String>,
    pub causes: Vec<String>,
    pub help: Option<String>,
}

impl Record {
    pub fn print(&self) {
        eprintln!(
            "{}",
            serde_json::to_string(self).expect("records serialize")
        );
    }
}

/// The record for a warning.
pub fn warning(w: &Warning) -> Record {
    Record {
        level: "warning",
        code: Some(w.code.to_string()),
        message: w.message.clone(),
        component: w.component.clone(),
        interface: w.interface.clone(),
        ..Record::default()
    }
}

/// The records for an error: one, or one per problem it holds.
pub fn error(report: &miette::Report) -> Vec<Record> {
    let diag: &dyn Diagnostic = report.as_ref();
    let base = Record {
        level: "error",
        code: diag.code().map(|c| c.to_string()),
        message: report.to_string(),
        causes: crate::diagnostic::causes(diag),
        help: crate::diagnostic::help(diag),
        ..Record::default()
    };
    let mut records = vec![base.clone()];
    let any: &(dyn std::error::Error + 'static) = report.as_ref();
    fill(any, &base, &mut records);
    records
}

/// Fills in what the concrete error knows, following transparent wrappers.
fn fill(e: &(dyn std::error::Error + 'static), base: &Record, out: &mut Vec<Record>) {
    let top = &mut out[0];
    let path = |p: &std::path::Path| Some(p.display().to_string());
    if let Some(e) = e.downcast_ref::<BuildError>() {
        match e {
            BuildError::Project(p) => fill(p, base, out),
            BuildError::Check(c) => fill(c, base, out),
            BuildError::Compose(c) => fill(c, base, out),
            BuildError::Write { path: p, .. }
            | BuildError::Differs { path: p, .. }
            | BuildError::ReadOutput { path: p, .. }
            | BuildError::OutputIsInput { path: p, .. } => top.file = path(p),
        }
    } else if let Some(e) = e.downcast_ref::<ProjectError>() {
        match e {
            ProjectError::Manifest(m) => fill(m, base, out),
            ProjectError::Lock(l) => fill(l, base, out),
            ProjectError::Resolve(r) => fill(r, base, out),
            ProjectError::ReadLocal { path: p, .. }
            | ProjectError::InvalidLocal { path: p, .. }
            | ProjectError::UnknownLocalVersion { path: p, .. } => top.file = path(p),
            ProjectError::LockOutdated { .. } => top.file = Some("astc.lock".into()),
        }
    } else if let Some(e) = e.downcast_ref::<ManifestError>() {
        match e {
            ManifestError::Read { path: p, .. } => top.file = path(p),
            ManifestError::Invalid {
                path: p,
                location,
                message,
                ..
            } => {
                // The location is in `line` and `column`; leave the snippet to people.
                top.message = format!("invalid manifest `{}`: {message}", p.display());
                top.file = path(p);
                if let Some((line, column)) = location {
                    top.line = Some(*line);
                    top.column = Some(*column);
                }
            }
        }
    } else if let Some(e) = e.downcast_ref::<LockError>() {
        match e {
            LockError::Io { path: p, .. }
            | LockError::Invalid { path: p, .. }
            | LockError::FutureFormat { path: p, .. } => top.file = path(p),
        }
    } else if let Some(e) = e.downcast_ref::<ResolveError>() {
        match e {
            ResolveError::Ambiguous {
                importer, import, ..
            } => {
                top.component = Some(importer.clone());
                top.interface = Some(import.to_string());
            }
            ResolveError::Cycle { cycle } => {
                top.component = cycle.first().map(|c| c.to_string());
            }
            ResolveError::LockDigestMismatch { id, path: p, .. } => {
                top.component = Some(id.to_string());
                top.file = path(p);
            }
            ResolveError::Unsatisfied { problems, .. } => {
                out.clear();
                for p in problems {
                    out.push(Record {
                        message: p.message.clone(),
                        component: Some(p.importer.to_string()),
                        interface: p.import.as_ref().map(|i| i.to_string()),
                        provider: p.provider.as_ref().map(|i| i.to_string()),
                        causes: Vec::new(),
                        ..base.clone()
                    });
                }
            }
            ResolveError::Registry(r) => fill(r, base, out),
            ResolveError::NoSolution { .. } => {}
        }
    } else if let Some(e) = e.downcast_ref::<RegistryError>() {
        match e {
            RegistryError::Io { path: p, .. }
            | RegistryError::NotAFile { path: p }
            | RegistryError::Escapes { path: p, .. }
            | RegistryError::InvalidComponent { path: p, .. }
            | RegistryError::CorruptRecord { path: p, .. } => top.file = path(p),
            RegistryError::Tampered {
                name,
                version,
                path: p,
                ..
            } => {
                top.component = Some(format!("{name}@{version}"));
                top.file = path(p);
            }
            RegistryError::Conflict {
                name,
                version,
                first,
                ..
            } => {
                top.component = Some(format!("{name}@{version}"));
                top.file = path(first);
            }
            RegistryError::Missing { name, version, .. } => {
                top.component = Some(format!("{name}@{version}"));
            }
        }
    } else if let Some(e) = e.downcast_ref::<PublishError>() {
        match e {
            PublishError::Immutable { name, version, .. }
            | PublishError::Breaking { name, version, .. } => {
                top.component = Some(format!("{name}@{version}"));
            }
            PublishError::Reserved { name } => top.component = Some(name.to_string()),
            PublishError::Registry(r) => fill(r, base, out),
        }
    } else if let Some(e) = e.downcast_ref::<CheckError>() {
        match e {
            CheckError::Mismatch { problems, .. } => {
                out.clear();
                for p in problems {
                    let mut records: Vec<Record> = p
                        .mismatches
                        .iter()
                        .map(|m| Record {
                            message: m.to_string(),
                            function: m
                                .item
                                .strip_prefix("function `")
                                .and_then(|f| f.strip_suffix('`'))
                                .map(str::to_string),
                            type_path: m.path.clone(),
                            ..Record::default()
                        })
                        .collect();
                    if records.is_empty() {
                        records.push(Record {
                            message: format!(
                                "import `{}` of `{}` is not provided by the runtime",
                                p.import, p.importer
                            ),
                            ..Record::default()
                        });
                    }
                    for r in records {
                        out.push(Record {
                            component: Some(p.importer.to_string()),
                            interface: Some(p.import.to_string()),
                            provider: p.provider.as_ref().map(|i| i.to_string()),
                            help: p.hint.clone().or_else(|| base.help.clone()),
                            causes: Vec::new(),
                            ..Record {
                                level: base.level,
                                code: base.code.clone(),
                                ..r
                            }
                        });
                    }
                }
            }
            CheckError::Invalid { id, .. } => top.component = Some(id.to_string()),
        }
    } else if let Some(e) = e.downcast_ref::<ComposeError>() {
        match e {
            ComposeError::Load { id, .. } => top.component = Some(id.to_string()),
            ComposeError::Wire {
                importer,
                import,
                provider,
                ..
            } => {
                top.component = Some(importer.to_string());
                top.interface = Some(import.clone());
                top.provider = Some(provider.to_string());
            }
            ComposeError::ExportConflict { first, name, .. } => {
                top.component = Some(first.to_string());
                top.interface = Some(name.clone());
            }
            ComposeError::Encode { .. } => {}
        }
    } else if let Some(e) = e.downcast_ref::<FileError>() {
        match e {
            FileError::Read { path: p, .. } | FileError::Invalid { path: p, .. } => {
                top.file = path(p)
            }
        }
    } else if let Some(e) = e.downcast_ref::<RunError>() {
        match e {
            RunError::Read { path: p, .. } | RunError::Invalid { path: p, .. } => {
                top.file = path(p)
            }
            RunError::NoSuchFunction { target, .. }
            | RunError::InvalidArgs { target, .. }
            | RunError::Result { target, .. } => {
                top.function = Some(target.clone());
            }
            _ => {}
        }
    } else if e.downcast_ref::<InspectError>().is_some() {
        // The message says it all.
    }
}
