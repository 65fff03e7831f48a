//! What every astc error tells the command line besides its message: the exit status it
//! maps to ([`ExitClass`]) and its machine-readable form for `--message-format json`
//! ([`Record`]), through the [`Report`] trait.
//!
//! This lives in the lowest crate so that each crate implements [`Report`] for its own error
//! types, next to them, and the binary only calls the trait: it never inspects codes or
//! message text to decide an exit status or to fill in a record.
//!
//! The module is long because it holds the [`Report`] impl of each of the resolver's six
//! error types, a short exhaustive match each, so a new variant cannot go unclassified.

use std::error::Error;

use miette::Diagnostic;
use serde::Serialize;

use crate::lockfile::LockError;
use crate::manifest::ManifestError;
use crate::project::ProjectError;
use crate::registry::{PublishError, RegistryError};
use crate::resolve::ResolveError;
use crate::warning::Warning;

/// The classes of failure, each with its own exit status (docs/reference.md lists which
/// diagnostic codes belong to which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitClass {
    /// Anything else (a bug, most likely): 1.
    Failure,
    /// Invalid command-line usage: 2.
    Usage,
    /// Invalid input, a manifest, lock or component that cannot be used as it is: 3.
    Input,
    /// Resolution or registry policy failed (no versions fit, a cycle, an outdated lock, an
    /// immutable version, a breaking change): 4.
    Resolve,
    /// Type checking or composition failed: 5.
    Check,
    /// Reading or writing a file failed: 6.
    Io,
    /// The guest trapped, timed out or exceeded a limit (`run` and `call`): 7.
    Guest,
}

impl ExitClass {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            ExitClass::Failure => 1,
            ExitClass::Usage => 2,
            ExitClass::Input => 3,
            ExitClass::Resolve => 4,
            ExitClass::Check => 5,
            ExitClass::Io => 6,
            ExitClass::Guest => 7,
        }
    }
}

/// An astc error as the command line needs it: a diagnostic with an exit class and JSON
/// records. Errors that wrap another (transparently) delegate to it.
pub trait Report: Diagnostic {
    /// The exit status class of this error.
    fn exit_class(&self) -> ExitClass;

    /// The records `--message-format json` prints: one, or one per problem the error holds
    /// (type mismatches, unsatisfied imports), so tools can point at each.
    fn records(&self) -> Vec<Record> {
        vec![Record::error(self)]
    }

    /// The hints that fix it, each shown on a `help:` line of its own. By default the one
    /// `help` of the diagnostic; errors that hold several hints ([`Hints`]) and errors that
    /// wrap another return the list.
    fn hints(&self) -> Vec<String> {
        own_hint(self)
    }
}

/// The one hint of a diagnostic's own `help`, if it has one: [`Report::hints`] by default,
/// and for the variants of an error that holds no [`Hints`].
pub fn own_hint(diagnostic: &(impl Diagnostic + ?Sized)) -> Vec<String> {
    diagnostic
        .help()
        .map(|h| vec![h.to_string()])
        .unwrap_or_default()
}

/// Names for a message, each in backticks, separated by commas: "`a`, `b`".
pub fn quoted_list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|i| format!("`{i}`")).collect();
    quoted.join(", ")
}

/// Shortens an absurdly long value a user gave (a 5 MB requirement, a 100,000-character
/// function name) before a message echoes it, so the message stays readable: the first 40
/// characters, an ellipsis and the length.
pub fn elide(s: &str) -> std::borrow::Cow<'_, str> {
    let count = s.chars().count();
    if count <= 64 {
        return s.into();
    }
    let head: String = s.chars().take(40).collect();
    format!("{head}… ({count} characters)").into()
}

/// Several independent hints, kept as a list so that each is shown on its own `help:` line
/// ([`Report::hints`]). miette has room for one help text, so for miette and for the JSON
/// record's `help` string they read as one text, a line per hint after the first prefixed
/// `help: ` as on the terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints(pub Vec<String>);

impl Hints {
    /// The hints, or `None` when there are none (so no empty `help:` line is shown).
    pub fn of(hints: Vec<String>) -> Option<Hints> {
        (!hints.is_empty()).then_some(Hints(hints))
    }
}

impl std::fmt::Display for Hints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, hint) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\nhelp: ")?;
            }
            f.write_str(hint)?;
        }
        Ok(())
    }
}

/// One diagnostic for `--message-format json`.
///
/// The schema is stable; every key is always present, `null` (or `[]`) when unknown:
///
/// ```json
/// {"level":"error","code":"astc::check::mismatch","message":"...","component":"acme:app@0.1.0",
///  "interface":"acme:shop/api@0.1.0","function":"order-burger","provider":"acme:shop@0.1.0",
///  "file":null,"line":null,"column":null,"type_path":["param 0 'order'"],"causes":[],"help":"..."}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Record {
    /// `error` or `warning`.
    pub level: &'static str,
    /// The diagnostic code, e.g. `astc::check::mismatch`.
    pub code: Option<String>,
    /// The message.
    pub message: String,
    /// The component at fault (`ns:name@version`, or a name).
    pub component: Option<String>,
    /// The interface at fault.
    pub interface: Option<String>,
    /// The function at fault.
    pub function: Option<String>,
    /// The component providing the interface.
    pub provider: Option<String>,
    /// The file at fault.
    pub file: Option<String>,
    /// The 1-based line in `file`.
    pub line: Option<usize>,
    /// The 1-based column (in characters) in `file`.
    pub column: Option<usize>,
    /// Where in a type a mismatch is, outermost first.
    pub type_path: Vec<String>,
    /// The causes below the message.
    pub causes: Vec<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Record {
    /// The record of an error from what every diagnostic has: code, message, causes, help.
    pub fn error<D: Diagnostic + ?Sized>(diag: &D) -> Record {
        Record {
            level: "error",
            code: diag.code().map(|c| c.to_string()),
            message: diag.to_string(),
            causes: causes(diag),
            help: diag.help().map(|h| h.to_string()),
            ..Record::default()
        }
    }

    /// The record of a warning.
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

    /// This record with `file` set to `path`.
    pub fn with_file(mut self, path: &std::path::Path) -> Record {
        self.file = Some(path.display().to_string());
        self
    }

    /// This record with `component` set.
    pub fn with_component(mut self, component: impl ToString) -> Record {
        self.component = Some(component.to_string());
        self
    }
}

/// The cause chain below an error, skipping causes whose text the error above already shows
/// (a wrapper that repeats its cause's message adds nothing).
pub fn causes<E: Error + ?Sized>(err: &E) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut shown = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        let text = e.to_string();
        if !shown.contains(&text) {
            out.push(text.clone());
        }
        shown = text;
        next = e.source();
    }
    out
}

/// The 1-based line and column (in characters) of byte `offset` in `text`, for messages
/// that point into a TOML file.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The largest char boundary of `text` at or below `offset`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The records of an error that holds one record's worth, with `top` filled in from what
/// the concrete error knows.
fn one<D: Diagnostic + ?Sized>(diag: &D, fill: impl FnOnce(Record) -> Record) -> Vec<Record> {
    vec![fill(Record::error(diag))]
}

impl Report for ManifestError {
    fn exit_class(&self) -> ExitClass {
        match self {
            ManifestError::Read { .. } => ExitClass::Io,
            ManifestError::Invalid { .. } => ExitClass::Input,
        }
    }

    fn records(&self) -> Vec<Record> {
        one(self, |r| match self {
            ManifestError::Read { path, .. } => r.with_file(path),
            ManifestError::Invalid { path, .. } => {
                let (line, column) = self.location().unzip();
                Record {
                    line,
                    column,
                    ..r.with_file(path)
                }
            }
        })
    }
}

impl Report for LockError {
    fn exit_class(&self) -> ExitClass {
        match self {
            LockError::Io { .. } => ExitClass::Io,
            LockError::Invalid { .. } | LockError::FutureFormat { .. } => ExitClass::Input,
        }
    }

    fn records(&self) -> Vec<Record> {
        one(self, |r| match self {
            LockError::Io { path, .. }
            | LockError::Invalid { path, .. }
            | LockError::FutureFormat { path, .. } => r.with_file(path),
        })
    }
}

impl Report for RegistryError {
    fn exit_class(&self) -> ExitClass {
        match self {
            RegistryError::Io { .. } => ExitClass::Io,
            RegistryError::NotAFile { .. }
            | RegistryError::Escapes { .. }
            | RegistryError::InvalidComponent { .. }
            | RegistryError::CorruptRecord { .. } => ExitClass::Input,
            RegistryError::Tampered { .. }
            | RegistryError::Conflict { .. }
            | RegistryError::TagMoved { .. }
            | RegistryError::Offline { .. }
            | RegistryError::Missing { .. } => ExitClass::Resolve,
            RegistryError::Remote { .. } | RegistryError::Unauthorized { .. } => ExitClass::Io,
        }
    }

    fn records(&self) -> Vec<Record> {
        one(self, |r| match self {
            RegistryError::Io { path, .. }
            | RegistryError::NotAFile { path }
            | RegistryError::Escapes { path, .. }
            | RegistryError::InvalidComponent { path, .. }
            | RegistryError::CorruptRecord { path, .. } => r.with_file(path),
            RegistryError::Tampered {
                name,
                version,
                path,
                ..
            } => r
                .with_component(format!("{name}@{version}"))
                .with_file(path),
            RegistryError::Conflict {
                name,
                version,
                first,
                ..
            } => r
                .with_component(format!("{name}@{version}"))
                .with_file(first),
            RegistryError::Missing { name, version, .. }
            | RegistryError::TagMoved { name, version, .. } => {
                r.with_component(format!("{name}@{version}"))
            }
            RegistryError::Remote { component, .. }
            | RegistryError::Unauthorized { component, .. } => r.with_component(component),
            RegistryError::Offline { .. } => r,
        })
    }
}

impl Report for PublishError {
    fn hints(&self) -> Vec<String> {
        match self {
            PublishError::Registry(e) => e.hints(),
            _ => own_hint(self),
        }
    }

    fn exit_class(&self) -> ExitClass {
        match self {
            PublishError::Registry(e) => e.exit_class(),
            PublishError::Immutable { .. }
            | PublishError::Breaking { .. }
            | PublishError::Reserved { .. } => ExitClass::Resolve,
            PublishError::TooLong { .. } | PublishError::BadTag { .. } => ExitClass::Input,
        }
    }

    fn records(&self) -> Vec<Record> {
        match self {
            PublishError::Registry(e) => e.records(),
            PublishError::Immutable { name, version, .. }
            | PublishError::BadTag { name, version, .. }
            | PublishError::Breaking { name, version, .. } => {
                one(self, |r| r.with_component(format!("{name}@{version}")))
            }
            PublishError::Reserved { name } | PublishError::TooLong { name, .. } => {
                one(self, |r| r.with_component(name))
            }
        }
    }
}

impl Report for ResolveError {
    fn hints(&self) -> Vec<String> {
        match self {
            ResolveError::Registry(e) => e.hints(),
            ResolveError::NoSolution { help, .. } | ResolveError::Unsatisfied { help, .. } => {
                help.iter().flat_map(|h| h.0.clone()).collect()
            }
            _ => own_hint(self),
        }
    }

    fn exit_class(&self) -> ExitClass {
        match self {
            ResolveError::Registry(e) => e.exit_class(),
            ResolveError::NoSolution { .. }
            | ResolveError::Ambiguous { .. }
            | ResolveError::Cycle { .. }
            | ResolveError::Unsatisfied { .. }
            | ResolveError::LockDigestMismatch { .. } => ExitClass::Resolve,
        }
    }

    fn records(&self) -> Vec<Record> {
        match self {
            ResolveError::Registry(e) => e.records(),
            ResolveError::NoSolution { .. } => one(self, |r| r),
            ResolveError::Ambiguous {
                importer, import, ..
            } => one(self, |r| Record {
                interface: Some(import.to_string()),
                ..r.with_component(importer)
            }),
            ResolveError::Cycle { cycle } => one(self, |r| Record {
                component: cycle.first().map(|c| c.to_string()),
                ..r
            }),
            ResolveError::LockDigestMismatch { id, path, .. } => {
                one(self, |r| r.with_component(id).with_file(path))
            }
            ResolveError::Unsatisfied { problems, .. } => {
                let base = Record {
                    causes: Vec::new(),
                    ..Record::error(self)
                };
                problems
                    .iter()
                    .map(|p| Record {
                        message: p.message.clone(),
                        component: Some(p.importer.to_string()),
                        interface: p.import.as_ref().map(|i| i.to_string()),
                        provider: p.provider.as_ref().map(|i| i.to_string()),
                        ..base.clone()
                    })
                    .collect()
            }
        }
    }
}

impl Report for ProjectError {
    fn hints(&self) -> Vec<String> {
        match self {
            ProjectError::Manifest(e) => e.hints(),
            ProjectError::Lock(e) => e.hints(),
            ProjectError::Resolve(e) => e.hints(),
            _ => own_hint(self),
        }
    }

    fn exit_class(&self) -> ExitClass {
        match self {
            ProjectError::Manifest(e) => e.exit_class(),
            ProjectError::Lock(e) => e.exit_class(),
            ProjectError::Resolve(e) => e.exit_class(),
            ProjectError::ReadLocal { .. } => ExitClass::Io,
            ProjectError::InvalidLocal { .. } | ProjectError::UnknownLocalVersion { .. } => {
                ExitClass::Input
            }
            ProjectError::LockOutdated { .. } => ExitClass::Resolve,
            ProjectError::UnknownUpdate { .. } => ExitClass::Usage,
        }
    }

    fn records(&self) -> Vec<Record> {
        match self {
            ProjectError::Manifest(e) => e.records(),
            ProjectError::Lock(e) => e.records(),
            ProjectError::Resolve(e) => e.records(),
            ProjectError::ReadLocal { path, .. }
            | ProjectError::InvalidLocal { path, .. }
            | ProjectError::UnknownLocalVersion { path, .. } => one(self, |r| r.with_file(path)),
            ProjectError::LockOutdated { .. } => one(self, |r| Record {
                file: Some("astc.lock".into()),
                ..r
            }),
            ProjectError::UnknownUpdate { name, lock, .. } => {
                one(self, |r| r.with_component(name).with_file(lock))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::{ComponentId, InterfaceName};
    use crate::resolve::Unsatisfied;

    #[test]
    fn exit_statuses() {
        let classes = [
            ExitClass::Failure,
            ExitClass::Usage,
            ExitClass::Input,
            ExitClass::Resolve,
            ExitClass::Check,
            ExitClass::Io,
            ExitClass::Guest,
        ];
        let codes: Vec<u8> = classes.iter().map(|c| c.code()).collect();
        assert_eq!(codes, [1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn wrappers_take_the_class_of_what_they_wrap() {
        let io = || std::io::Error::other("denied");
        let read = ProjectError::Manifest(ManifestError::Read {
            path: "astc.toml".into(),
            source: io(),
        });
        assert_eq!(read.exit_class(), ExitClass::Io);
        let registry = ProjectError::Resolve(ResolveError::Registry(RegistryError::NotAFile {
            path: "registry/x".into(),
        }));
        assert_eq!(registry.exit_class(), ExitClass::Input);
        let missing = PublishError::Registry(RegistryError::Missing {
            name: "acme:x".parse().unwrap(),
            version: "1.0.0".parse().unwrap(),
            location: "registry".into(),
        });
        assert_eq!(missing.exit_class(), ExitClass::Resolve);
        assert_eq!(
            missing.records()[0].component.as_deref(),
            Some("acme:x@1.0.0")
        );
    }

    #[test]
    fn one_record_per_unsatisfied_import() {
        let id = ComponentId::parse("acme:app@0.1.0").unwrap();
        let problem = |message: &str, import: Option<&str>| Unsatisfied {
            importer: id.clone(),
            import: import.map(|i| InterfaceName::parse(i).unwrap()),
            provider: None,
            message: message.into(),
        };
        let e = ResolveError::Unsatisfied {
            problems: vec![
                problem(
                    "no component exports `acme:kv/store`",
                    Some("acme:kv/store"),
                ),
                problem(
                    "`acme:log/sink` is not exported",
                    Some("acme:log/sink@1.0.0"),
                ),
            ],
            help: Hints::of(vec!["publish a provider".into()]),
        };
        let records = e.records();
        assert_eq!(records.len(), 2);
        for r in &records {
            assert_eq!(r.code.as_deref(), Some("astc::resolve::unsatisfied_import"));
            assert_eq!(r.component.as_deref(), Some("acme:app@0.1.0"));
            assert_eq!(r.help.as_deref(), Some("publish a provider"));
            assert!(r.causes.is_empty());
        }
        assert_eq!(records[0].message, "no component exports `acme:kv/store`");
        assert_eq!(records[1].interface.as_deref(), Some("acme:log/sink@1.0.0"));
    }

    #[test]
    fn line_column_counts_characters() {
        let text = "a = 1\nné = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // `=` after the two-byte `é`.
        assert_eq!(line_column(text, 10), (2, 4));
        assert_eq!(line_column(text, 1000), (3, 1));
    }
}
