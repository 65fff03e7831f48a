//! The `astc` command: parses arguments and calls the library crates.

// Errors are cold; see the library crates.
#![allow(clippy::result_large_err)]

use std::process::ExitCode;

use clap::Parser;

mod commands;
mod diagnostic;
mod ui;

/// astc's version and the component-model crates it is built with.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("ASTC_CRATE_VERSIONS"),
    ")"
);

/// astc: a static composition compiler for WebAssembly components.
///
/// astc resolves the components a project imports from a registry by semantic version,
/// checks every import against the export that satisfies it, and fuses them into one
/// self-contained component with a lockfile.
#[derive(Debug, Parser)]
#[command(name = "astc", version = VERSION, about, long_about = None)]
#[command(after_help = diagnostic::EXIT_CODES_HELP)]
struct Cli {
    /// How to print diagnostics: `human`, or `json` (one object per line on stderr).
    #[arg(long, global = true, value_enum, default_value = "human")]
    message_format: ui::MessageFormat,
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                astc_resolver::diagnostic::ExitClass::Usage.code()
            } else {
                0
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ui::set_format(cli.message_format);
    match cli.command.run() {
        Ok(code) => code,
        Err(err) if err.is_closed_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            diagnostic::print_error(&err);
            ExitCode::from(err.exit_class().code())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
