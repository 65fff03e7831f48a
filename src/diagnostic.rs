//! The error a command fails with, how it is shown to people, and the exit status it maps to.
//!
//! Every library error implements [`Report`] (`astc_resolver::diagnostic`): a
//! `miette::Diagnostic` with an exit class and JSON records. A command returns any of them
//! as an [`Error`]; `main` asks it for its exit class and prints it with [`print_error`]:
//!
//! ```text
//! error: invalid manifest `astc.toml`: unknown field `dependencys`, expected one of ...
//!  --> line 6, column 2
//!   |
//! 6 | [dependencys]
//!   |  ^^^^^^^^^^^
//! help: did you mean `dependencies`?
//! ```
//!
//! The first line is the error's message; a labelled span in its source code is shown below
//! it like rustc does; then the causes (`Caused by:`, numbered when there are several) and
//! the help.

use std::fmt::{self, Write as _};
use std::io::Write as _;

use anstyle::{AnsiColor, Style};
use astc_resolver::diagnostic::{ExitClass, Record, Report, causes, line_column};
use miette::{Diagnostic, SourceCode, SourceSpan};

/// The exit-code table shown at the end of `astc --help`.
pub const EXIT_CODES_HELP: &str = "\
Examples:
  astc publish build/greeter.wasm --name acme:greeter --version 1.2.0
  astc compose --locked
  astc run app.composed.wasm -- --verbose
  astc call app.composed.wasm 'acme:app/api@0.1.0#greet' '[\"world\"]'

Exit status:
  0  success
  2  invalid command-line usage
  3  invalid input (manifest, lock file or component)
  4  resolution or registry policy failed (no matching versions, cycle, outdated lock,
     immutable version, breaking change)
  5  type check or composition failed
  6  a file could not be read or written
  7  the guest trapped, timed out or exceeded a limit (run, call)
  1  any other failure
`astc run` otherwise exits with the guest's own exit code.";

const ERROR: Style = AnsiColor::Red.on_default().bold();
const HELP: Style = AnsiColor::Cyan.on_default().bold();

/// Why a command failed: any astc error, or standard output closed by its reader.
pub struct Error {
    report: Box<dyn Report + Send + Sync>,
    /// `astc tree | head -1`: the reader has what it wanted. Not a failure: the command
    /// stops quietly and exits 0, as cargo and ripgrep do.
    closed_pipe: bool,
}

/// The result of a command.
pub type Result<T> = std::result::Result<T, Error>;

impl<E: Report + Send + Sync + 'static> From<E> for Error {
    fn from(e: E) -> Self {
        Error {
            report: Box::new(e),
            closed_pipe: false,
        }
    }
}

impl Error {
    /// An invalid use of the command line that clap cannot see (a `--dir` that is not a
    /// directory), with its `astc::usage::*` code.
    pub fn usage(code: &'static str, message: String, help: &'static str) -> Self {
        Error::from(Usage {
            code,
            message,
            help,
        })
    }

    /// An error astc does not classify.
    pub fn other(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::from(Other(Box::new(e)))
    }

    /// Writing a command's output to standard output failed.
    pub fn output(e: std::io::Error) -> Self {
        let closed_pipe = e.kind() == std::io::ErrorKind::BrokenPipe;
        Error {
            closed_pipe,
            ..Error::other(e)
        }
    }

    /// Whether standard output was closed by its reader: not worth a message.
    pub fn is_closed_pipe(&self) -> bool {
        self.closed_pipe
    }

    /// The exit class.
    pub fn exit_class(&self) -> ExitClass {
        self.report.exit_class()
    }

    /// The `--message-format json` records. Help that only a type-erased cause knows is
    /// filled in, as people see it.
    pub fn records(&self) -> Vec<Record> {
        let mut records = self.report.records();
        if records.iter().any(|r| r.help.is_none())
            && let Some(help) = self.help()
        {
            for r in records.iter_mut().filter(|r| r.help.is_none()) {
                r.help = Some(help.clone());
            }
        }
        records
    }

    /// The help, as one text: the error's own or, when it has none, that of a cause the
    /// resolver only sees as a boxed error.
    fn help(&self) -> Option<String> {
        let diag: &dyn Diagnostic = &*self.report;
        diag.help()
            .map(|h| h.to_string())
            .or_else(|| astc_compiler::diagnostic::cause_help(diag))
    }

    /// The hints, one per `help:` line, with the same fallback as [`Error::help`].
    fn hints(&self) -> Vec<String> {
        let hints = self.report.hints();
        if hints.is_empty() {
            return astc_compiler::diagnostic::cause_help(&*self.report)
                .into_iter()
                .collect();
        }
        hints
    }
}

/// An `astc::usage::*` error found after clap parsed the arguments.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Usage {
    code: &'static str,
    message: String,
    help: &'static str,
}

impl Diagnostic for Usage {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.help))
    }
}

impl Report for Usage {
    fn exit_class(&self) -> ExitClass {
        ExitClass::Usage
    }
}

/// An error with no code: its message, its causes and exit status 1.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
struct Other(Box<dyn std::error::Error + Send + Sync>);

impl Diagnostic for Other {}

impl Report for Other {
    fn exit_class(&self) -> ExitClass {
        ExitClass::Failure
    }
}

/// Prints `err` to stderr: for people, or with `--message-format json` one JSON object per
/// problem.
pub fn print_error(err: &Error) {
    if crate::ui::format() == crate::ui::MessageFormat::Json {
        for record in err.records() {
            crate::ui::record(&record);
        }
        return;
    }
    let mut text = String::new();
    let _ = render(&*err.report, &err.hints(), &mut text);
    let _ = crate::ui::stderr().write_all(text.as_bytes());
}

/// Renders a diagnostic for people, styled (the stream strips styles where colour is off):
/// message, labelled snippets, causes, then a `help:` line per hint.
fn render(diag: &dyn Diagnostic, hints: &[String], out: &mut String) -> fmt::Result {
    writeln!(out, "{ERROR}error{ERROR:#}: {diag}")?;
    if let (Some(source), Some(labels)) = (diag.source_code(), diag.labels()) {
        for label in labels {
            if let Some(snippet) = snippet(source, *label.inner()) {
                out.push_str(&snippet);
            }
        }
    }
    let causes = causes(diag);
    if !causes.is_empty() {
        writeln!(out, "\nCaused by:")?;
        if let [cause] = causes.as_slice() {
            writeln!(out, "    {}", indent(cause, "    "))?;
        } else {
            for (i, c) in causes.iter().enumerate() {
                writeln!(out, "    {i}: {}", indent(c, "       "))?;
            }
        }
    }
    for hint in hints {
        writeln!(out, "{HELP}help{HELP:#}: {hint}")?;
    }
    Ok(())
}

/// The line holding the start of `span`, with a marker under the span, like rustc:
///
/// ```text
///  --> line 3, column 11
///   |
/// 3 | version = "0.1"
///   |           ^^^^^
/// ```
///
/// Columns count characters; the marker stops at the end of the line.
fn snippet(source: &dyn SourceCode, span: SourceSpan) -> Option<String> {
    // An empty span with unbounded context after it reads the whole text.
    let whole = source
        .read_span(&SourceSpan::from(0..0), 0, usize::MAX)
        .ok()?;
    let text = std::str::from_utf8(whole.data()).ok()?;
    let start = span.offset().min(text.len());
    let (line_no, col) = line_column(text, start);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = &text[line_start..line_end];
    let end = (span.offset() + span.len()).clamp(start, line_end);
    let width = text.get(start..end).map_or(0, |s| s.chars().count()).max(1);
    let gutter = line_no.to_string().len();
    let (line, offset, width) = window(line, col - 1, width);
    let mut out = String::new();
    let _ = writeln!(out, "{:gutter$}--> line {line_no}, column {col}", "");
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(out, "{line_no} | {line}");
    let _ = writeln!(
        out,
        "{:gutter$} | {}{}",
        "",
        " ".repeat(offset),
        "^".repeat(width)
    );
    Some(out)
}

/// The part of a long source line worth showing around a span at character `at` of `width`
/// characters: a line of a 5 MB value is cut, with ellipses, to the span's start and a little
/// context. Returns the text, the span's offset in it, and the width to mark.
fn window(line: &str, at: usize, width: usize) -> (String, usize, usize) {
    const LONG: usize = 120;
    const CONTEXT: usize = 20;
    const MARK: usize = 60;
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= LONG {
        return (line.to_string(), at, width);
    }
    let width = width.min(MARK);
    let start = at.saturating_sub(CONTEXT);
    let end = (at + width + CONTEXT).min(chars.len());
    let mut text = String::new();
    if start > 0 {
        text.push('…');
    }
    text.extend(&chars[start..end]);
    if end < chars.len() {
        text.push('…');
    }
    (text, at - start + usize::from(start > 0), width)
}

fn indent(s: &str, pad: &str) -> String {
    s.replace('\n', &format!("\n{pad}"))
}

#[cfg(test)]
mod tests;
