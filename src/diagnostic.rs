//! Rendering errors for people, and the exit code each kind of error maps to.
//!
//! Library errors implement `miette::Diagnostic`: a message, an optional code, an optional
//! `help`, and a chain of causes. They print as
//!
//! ```text
//! error: failed to read manifest `astc.toml`
//!
//! Caused by:
//!     No such file or directory (os error 2)
//! help: create an `astc.toml` (see `astc help`) or pass `--manifest PATH`
//! ```

use std::io::Write;

use miette::Diagnostic;

/// An error that fits no other class (a bug, most likely).
pub const EXIT_FAILURE: u8 = 1;
/// Invalid command-line usage.
pub const EXIT_USAGE: u8 = 2;
/// Invalid input: a manifest, lock or component that cannot be used as it is.
pub const EXIT_INPUT: u8 = 3;
/// Resolution or registry policy failed: no versions fit, a cycle, an outdated lock, an
/// immutable version, a breaking change.
pub const EXIT_RESOLVE: u8 = 4;
/// Type checking or composition failed.
pub const EXIT_CHECK: u8 = 5;
/// Reading or writing a file failed.
pub const EXIT_IO: u8 = 6;
/// The guest trapped, timed out or exceeded a limit (`run` and `call`).
pub const EXIT_GUEST: u8 = 7;

/// The exit-code table shown at the end of `astc --help`.
pub const EXIT_CODES_HELP: &str = "\
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

/// The exit code for an error, from its diagnostic code.
pub fn exit_code(report: &miette::Report) -> u8 {
    let code = report.code().map(|c| c.to_string()).unwrap_or_default();
    let parts: Vec<&str> = code.split("::").collect();
    match parts.as_slice() {
        [_, _, "io"] | ["astc", "project", "read"] => EXIT_IO,
        ["astc", "usage", _] => EXIT_USAGE,
        ["astc", "manifest", _] | ["astc", "inspect", _] => EXIT_INPUT,
        ["astc", "lock", _] => EXIT_INPUT,
        ["astc", "project", "invalid_component" | "unknown_version"] => EXIT_INPUT,
        [
            "astc",
            "registry",
            "invalid_component" | "corrupt_record" | "not_a_file" | "escapes",
        ] => EXIT_INPUT,
        ["astc", "resolve" | "publish" | "registry", _] => EXIT_RESOLVE,
        ["astc", "project", _] => EXIT_RESOLVE,
        ["astc", "check" | "compose", _] => EXIT_CHECK,
        ["astc", "run", "invalid"] => EXIT_INPUT,
        [
            "astc",
            "run",
            "trap" | "stack_overflow" | "memory_limit" | "resource_limit" | "timeout" | "host",
        ] => EXIT_GUEST,
        [
            "astc",
            "run",
            "instantiate" | "no_run_export" | "no_such_function",
        ] => EXIT_INPUT,
        ["astc", "run", "invalid_args" | "result"] => EXIT_INPUT,
        _ => EXIT_FAILURE,
    }
}

/// Prints `report` to stderr: the error, its causes, then its help.
pub fn print_error(report: &miette::Report) {
    let mut err = std::io::stderr().lock();
    let (red, bold_cyan, reset) = if crate::ui::use_color() {
        ("\x1b[1;31m", "\x1b[1;36m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let _ = writeln!(err, "{red}error{reset}: {report}");
    let diag: &dyn Diagnostic = report.as_ref();
    let causes = causes(diag);
    if !causes.is_empty() {
        let _ = writeln!(err, "\nCaused by:");
        if causes.len() == 1 {
            let _ = writeln!(err, "    {}", indent(&causes[0], "    "));
        } else {
            for (i, c) in causes.iter().enumerate() {
                let _ = writeln!(err, "    {i}: {}", indent(c, "       "));
            }
        }
    }
    if let Some(help) = help(diag) {
        for line in help.split("\nhelp: ") {
            let _ = writeln!(err, "{bold_cyan}help{reset}: {line}");
        }
    }
}

/// The diagnostic's help or, when it has none, the help of the first cause that is itself a
/// diagnostic astc knows (causes cross crate boundaries as plain errors).
pub fn help(diag: &dyn Diagnostic) -> Option<String> {
    if let Some(h) = diag.help() {
        return Some(h.to_string());
    }
    let mut next = std::error::Error::source(diag);
    while let Some(e) = next {
        if let Some(d) = e.downcast_ref::<astc_compiler::InspectError>() {
            return d.help().map(|h| h.to_string());
        }
        next = e.source();
    }
    None
}

/// The cause chain below the top error, skipping causes whose text the parent already shows.
pub fn causes(diag: &dyn Diagnostic) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut shown = diag.to_string();
    let mut next = std::error::Error::source(diag);
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

fn indent(s: &str, pad: &str) -> String {
    s.replace('\n', &format!("\n{pad}"))
}
