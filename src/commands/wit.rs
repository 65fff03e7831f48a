use std::process::ExitCode;

use astc_compiler::capabilities::Capability;

use crate::diagnostic::Error;
use crate::ui;

/// Print the WIT of a host package astc provides, to build components against it.
///
/// Without a package, lists the packages astc has WIT for. A package given without a
/// version prints its newest. WASI packages other than `wasi:keyvalue` come from the
/// WebAssembly/WASI repositories (and the `wasip2` crate, for Rust).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc wit
  astc wit wasi:keyvalue > wit/deps/wasi-keyvalue.wit
  astc wit asterai:host@1.0.0")]
pub struct Args {
    /// The package: `ns:name` or `ns:name@version`.
    package: Option<String>,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let bundled: Vec<(String, &str, &'static str)> = Capability::ALL
            .iter()
            .map(|c| c.spec())
            .filter_map(|s| s.wit.map(|w| (s.package, s.version, w)))
            .map(|(p, v, w)| (p.to_string(), v, w))
            .collect();
        let Some(wanted) = self.package else {
            let list: String = bundled
                .iter()
                .map(|(p, v, _)| format!("{p}@{v}\n"))
                .collect();
            ui::print(list)?;
            return Ok(ExitCode::SUCCESS);
        };
        let (name, version) = match wanted.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (wanted.as_str(), None),
        };
        // The table lists versions oldest first.
        let found = bundled
            .iter()
            .rev()
            .find(|(p, v, _)| p == name && version.is_none_or(|want| want == *v));
        match found {
            Some((_, _, wit)) => {
                ui::print(wit)?;
                Ok(ExitCode::SUCCESS)
            }
            None => {
                let list: Vec<String> = bundled
                    .iter()
                    .map(|(p, v, _)| format!("`{p}@{v}`"))
                    .collect();
                Err(Error::usage(
                    "astc::usage::wit",
                    format!("astc has no WIT for `{wanted}`; it has {}", list.join(", ")),
                    "WASI's other packages are in the WebAssembly/WASI repositories (for Rust, the `wasip2` crate)",
                ))
            }
        }
    }
}
