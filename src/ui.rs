//! Output for people and for tools.
//!
//! Status lines go to stderr in cargo's style (a right-aligned, coloured verb, then the
//! message); colour only on a terminal and never when `NO_COLOR` is set. With
//! `--message-format json`, stderr carries only diagnostics, one JSON object per line, and
//! status lines are left out.
//!
//! Text is styled with `anstyle` and written through an `anstream` stream that drops the
//! styles when colour is off; astc decides when (its rule above), not `anstream`'s detection,
//! which would also honour `CLICOLOR_FORCE`.

use std::io::{IsTerminal, StderrLock, Write};
use std::sync::OnceLock;

use anstream::{AutoStream, ColorChoice};
use anstyle::{AnsiColor, Style};
use astc_resolver::Warning;
use astc_resolver::diagnostic::Record;

const STATUS: Style = AnsiColor::Green.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();

/// Writes a command's output to standard output. A reader that closed the pipe
/// (`astc tree | head -1`) makes this fail with an [`Error`](crate::diagnostic::Error) that
/// ends the command quietly with status 0, instead of the panic `print!` gives.
pub fn print(text: impl std::fmt::Display) -> Result<(), crate::diagnostic::Error> {
    let mut out = std::io::stdout().lock();
    write!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(crate::diagnostic::Error::output)
}

/// How diagnostics are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MessageFormat {
    /// Text for people, coloured on a terminal.
    #[default]
    Human,
    /// One JSON object per diagnostic, per line (schema in docs/reference.md).
    Json,
}

static FORMAT: OnceLock<MessageFormat> = OnceLock::new();

/// Sets the format, once, at start-up.
pub fn set_format(format: MessageFormat) {
    let _ = FORMAT.set(format);
}

/// The format in use.
pub fn format() -> MessageFormat {
    FORMAT.get().copied().unwrap_or_default()
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Whether diagnostics may use colour.
pub fn use_color() -> bool {
    format() == MessageFormat::Human && color()
}

/// Stderr, locked, keeping styles only when diagnostics may use colour.
pub fn stderr() -> AutoStream<StderrLock<'static>> {
    let choice = if use_color() {
        ColorChoice::Always
    } else {
        ColorChoice::Never
    };
    AutoStream::new(std::io::stderr().lock(), choice)
}

/// Prints `verb message`, e.g. `   Published acme:greeter v1.0.0`.
pub fn status(verb: &str, message: impl std::fmt::Display) {
    if format() == MessageFormat::Json {
        return;
    }
    let _ = writeln!(stderr(), "{STATUS}{verb:>12}{STATUS:#} {message}");
}

/// Prints a warning.
pub fn warning(w: &Warning) {
    if format() == MessageFormat::Json {
        record(&Record::warning(w));
        return;
    }
    let _ = writeln!(stderr(), "{WARNING}warning{WARNING:#}: {w}");
}

/// Prints a diagnostic as one line of JSON (`--message-format json`).
pub fn record(r: &Record) {
    let line = serde_json::to_string(r).expect("records serialize");
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints every warning of a list.
pub fn warnings<'a>(ws: impl IntoIterator<Item = &'a Warning>) {
    for w in ws {
        warning(w);
    }
}

/// A spinner on stderr while `f` runs, for work that can take a while (compiling a large
/// component). Hidden unless stderr is a terminal in human mode.
pub fn spin<T>(message: &str, f: impl FnOnce() -> T) -> T {
    if !use_color_capable() {
        return f();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    let out = f();
    bar.finish_and_clear();
    out
}

fn use_color_capable() -> bool {
    format() == MessageFormat::Human && std::io::stderr().is_terminal()
}
