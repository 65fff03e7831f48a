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

/// The exit code for an error, from its diagnostic code.
pub fn exit_code(report: &miette::Report) -> u8 {
    exit_code_for(&report.code().map(|c| c.to_string()).unwrap_or_default())
}

/// The exit code for a diagnostic code (docs/reference.md lists them all).
pub fn exit_code_for(code: &str) -> u8 {
    let parts: Vec<&str> = code.split("::").collect();
    match parts.as_slice() {
        [_, _, "io"] | ["astc", "project" | "manifest", "read"] => EXIT_IO,
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
        ["astc", "verify", "differs"] => EXIT_CHECK,
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

/// Prints `report` to stderr: the error, its causes, then its help; or, with
/// `--message-format json`, one JSON object per problem.
pub fn print_error(report: &miette::Report) {
    if crate::ui::format() == crate::ui::MessageFormat::Json {
        for record in crate::json::error(report) {
            record.print();
        }
        return;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/reference.md documents every code with its exit status; the two must agree, and
    /// every code the sources use must be documented.
    #[test]
    fn documented_codes_and_exit_statuses_match() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let doc = std::fs::read_to_string(root.join("docs/reference.md")).unwrap();
        let mut documented = std::collections::BTreeMap::new();
        for line in doc.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if let [_, code, exit, ..] = cells.as_slice()
                && let Some(code) = code
                    .strip_prefix("`astc::")
                    .and_then(|c| c.strip_suffix('`'))
                && let Ok(exit) = exit.parse::<u8>()
            {
                documented.insert(format!("astc::{code}"), exit);
            }
        }
        assert!(documented.len() > 40, "the table was not found");
        for (code, exit) in &documented {
            assert_eq!(exit_code_for(code), *exit, "exit status of `{code}`");
        }
        let mut used = std::collections::BTreeSet::new();
        for dir in ["src", "resolver/src", "compiler/src", "runner/src"] {
            let mut stack = vec![root.join(dir)];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        stack.push(p);
                        continue;
                    }
                    let text = std::fs::read_to_string(&p).unwrap();
                    for (i, _) in text.match_indices("astc::") {
                        let rest = &text[i..];
                        let end = rest
                            .find(|c: char| !(c.is_ascii_lowercase() || c == ':' || c == '_'))
                            .unwrap_or(rest.len());
                        let code = rest[..end].trim_end_matches(':');
                        if code.matches("::").count() == 2 && !code.starts_with("astc::warn") {
                            used.insert(code.to_string());
                        }
                    }
                }
            }
        }
        for code in &used {
            assert!(
                documented.contains_key(code),
                "`{code}` is used but not documented in docs/reference.md"
            );
        }
    }
}
