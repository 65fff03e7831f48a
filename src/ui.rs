//! Status lines on stderr, in cargo's style: a right-aligned, coloured verb, then the
//! message. Colour only on a terminal and never when `NO_COLOR` is set.

use std::io::{IsTerminal, Write};

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Prints `verb message`, e.g. `   Published acme:greeter v1.0.0`.
pub fn status(verb: &str, message: impl std::fmt::Display) {
    let mut err = std::io::stderr().lock();
    let _ = if color() {
        writeln!(err, "\x1b[1;32m{verb:>12}\x1b[0m {message}")
    } else {
        writeln!(err, "{verb:>12} {message}")
    };
}

/// Prints `warning: message`.
pub fn warning(message: impl std::fmt::Display) {
    let mut err = std::io::stderr().lock();
    let _ = if color() {
        writeln!(err, "\x1b[1;33mwarning\x1b[0m: {message}")
    } else {
        writeln!(err, "warning: {message}")
    };
}

/// Whether diagnostics may use colour.
pub fn use_color() -> bool {
    color()
}
