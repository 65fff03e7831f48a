//! Output for people and for tools.
//!
//! Status lines go to stderr in cargo's style (a right-aligned, coloured verb, then the
//! message); colour only on a terminal and never when `NO_COLOR` is set. With
//! `--message-format json`, stderr carries only diagnostics, one JSON object per line, and
//! status lines are left out.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use astc_resolver::Warning;

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

/// Prints `verb message`, e.g. `   Published acme:greeter v1.0.0`.
pub fn status(verb: &str, message: impl std::fmt::Display) {
    if format() == MessageFormat::Json {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = if use_color() {
        writeln!(err, "\x1b[1;32m{verb:>12}\x1b[0m {message}")
    } else {
        writeln!(err, "{verb:>12} {message}")
    };
}

/// Prints a warning.
pub fn warning(w: &Warning) {
    if format() == MessageFormat::Json {
        crate::json::warning(w).print();
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = if use_color() {
        writeln!(err, "\x1b[1;33mwarning\x1b[0m: {w}")
    } else {
        writeln!(err, "warning: {w}")
    };
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
