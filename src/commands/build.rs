//! `astc build`: builds the project's own component with its language's toolchain.
//!
//! The language is read from the project's files, as `astc new` writes them: `Cargo.toml`
//! (Rust, cargo for wasm32-wasip2), `app.py` (Python, componentize-py), `app.js` (JavaScript,
//! componentize-js, installed with npm). The component lands
//! where `astc.toml`'s `package.component` says, for `astc compose` to find.

use std::fmt;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use astc_resolver::Manifest;
use astc_resolver::diagnostic::{ExitClass, Report};
use miette::Diagnostic;

use crate::ui;

/// The Rust target components are built for.
const TARGET: &str = "wasm32-wasip2";
/// The world `astc new` writes in `wit/world.wit`.
const WORLD: &str = "component";

/// Build the project's component with its language's toolchain.
///
/// Rust: `cargo build --release --target wasm32-wasip2`, adding the target with rustup when
/// it is missing. Python: `componentize-py -d wit -w component componentize app`.
/// JavaScript: `componentize-js app.js --wit wit`, after `npm install` when it is missing. The
/// toolchain's progress is shown; the component is written where `astc.toml`'s
/// `package.component` says.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc build
  astc build && astc compose && astc call hello.composed.wasm 'my:hello/api@0.1.0#greet' '[\"world\"]'")]
pub struct Args {
    /// The project manifest; the project is the directory holding it.
    #[arg(long, value_name = "PATH", default_value = "astc.toml")]
    manifest: PathBuf,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        if !self.manifest.exists() {
            return Err(BuildError::NoProject(self.manifest).into());
        }
        let manifest = Manifest::load(&self.manifest)?;
        let dir = manifest.dir().to_path_buf();
        let Some(component) = &manifest.component else {
            return Err(BuildError::NoComponent(self.manifest).into());
        };
        let output = dir.join(component);
        let workdir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &dir
        };
        if workdir.join("Cargo.toml").exists() {
            build_rust(workdir, &output)?;
        } else if workdir.join("app.py").exists() {
            build_python(workdir, &output)?;
        } else if workdir.join("app.js").exists() {
            build_js(workdir, &output)?;
        } else {
            return Err(BuildError::UnknownLanguage(workdir.to_path_buf()).into());
        }
        let size = fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
        ui::status("Built", format!("{} ({size} bytes)", output.display()));
        Ok(ExitCode::SUCCESS)
    }
}

/// Builds with cargo and copies the component to `output`.
fn build_rust(dir: &Path, output: &Path) -> Result<(), BuildError> {
    ensure_target(dir)?;
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "--release", "--target", TARGET])
        // Artifacts on stdout, so the `.wasm` is found wherever the target directory is;
        // progress and diagnostics on stderr, as cargo shows them.
        .arg("--message-format=json-render-diagnostics")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if ui::format() == ui::MessageFormat::Json {
        // Standard error carries only astc's JSON diagnostics.
        cmd.arg("--quiet");
    }
    let mut child = cmd.spawn().map_err(|e| BuildError::spawn("cargo", e))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut wasm = None;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(file) = wasm_artifact(&line) {
            wasm = Some(file);
        }
    }
    let status = child.wait().map_err(|e| BuildError::spawn("cargo", e))?;
    if !status.success() {
        return Err(BuildError::Failed {
            tool: "cargo build",
            dir: dir.to_path_buf(),
        });
    }
    let wasm = wasm.ok_or_else(|| BuildError::NoArtifact(dir.to_path_buf()))?;
    copy(&wasm, output)
}

/// The `.wasm` of a cargo `compiler-artifact` message, if `line` is one with a cdylib.
fn wasm_artifact(line: &str) -> Option<PathBuf> {
    let msg: serde_json::Value = serde_json::from_str(line).ok()?;
    if msg["reason"] != "compiler-artifact" {
        return None;
    }
    msg["filenames"]
        .as_array()?
        .iter()
        .filter_map(|f| f.as_str())
        .find(|f| f.ends_with(".wasm"))
        .map(PathBuf::from)
}

/// Adds the wasm32-wasip2 target with rustup when it is missing. Without rustup (a
/// distribution's Rust), cargo says what is wrong.
fn ensure_target(dir: &Path) -> Result<(), BuildError> {
    let Ok(out) = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(dir)
        .stderr(Stdio::null())
        .output()
    else {
        return Ok(());
    };
    let installed = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || installed.lines().any(|l| l.trim() == TARGET) {
        return Ok(());
    }
    ui::status(
        "Installing",
        format!("the {TARGET} target (rustup target add {TARGET})"),
    );
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .current_dir(dir)
        .stdout(std::io::stderr())
        .status()
        .map_err(|e| BuildError::spawn("rustup", e))?;
    if !status.success() {
        return Err(BuildError::Failed {
            tool: "rustup target add wasm32-wasip2",
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// Builds `app.py` against `wit/` with componentize-py, straight into `output`.
fn build_python(dir: &Path, output: &Path) -> Result<(), BuildError> {
    if let Some(parent) = output.parent() {
        fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
    }
    let absolute = std::path::absolute(output).map_err(|e| BuildError::io(output, e))?;
    let status = Command::new("componentize-py")
        .args(["-d", "wit", "-w", WORLD, "componentize", "app", "-o"])
        .arg(&absolute)
        .current_dir(dir)
        // Its progress goes where cargo's does: astc's standard output stays clean.
        .stdout(std::io::stderr())
        .status()
        .map_err(|e| BuildError::spawn("componentize-py", e))?;
    if !status.success() {
        return Err(BuildError::Failed {
            tool: "componentize-py",
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// Builds `app.js` against `wit/` with the project's componentize-js, installing it with
/// npm first when it is missing.
fn build_js(dir: &Path, output: &Path) -> Result<(), BuildError> {
    let tool = dir.join("node_modules/.bin/componentize-js");
    if !tool.exists() {
        ui::status("Installing", "componentize-js (npm install)");
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .stdout(std::io::stderr())
            .status()
            .map_err(|e| BuildError::spawn("npm", e))?;
        if !status.success() {
            return Err(BuildError::Failed {
                tool: "npm install",
                dir: dir.to_path_buf(),
            });
        }
    }
    if let Some(parent) = output.parent() {
        fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
    }
    let absolute = std::path::absolute(output).map_err(|e| BuildError::io(output, e))?;
    let status = Command::new(std::path::absolute(&tool).map_err(|e| BuildError::io(&tool, e))?)
        .args(["app.js", "--wit", "wit", "--world-name", WORLD, "-o"])
        .arg(&absolute)
        .current_dir(dir)
        .stdout(std::io::stderr())
        .status()
        .map_err(|e| BuildError::spawn("componentize-js", e))?;
    if !status.success() {
        return Err(BuildError::Failed {
            tool: "componentize-js",
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<(), BuildError> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
    }
    fs::copy(from, to).map_err(|e| BuildError::io(to, e))?;
    Ok(())
}

/// Why a component could not be built.
#[derive(Debug, thiserror::Error)]
enum BuildError {
    #[error("no `{}` here: not a component project", .0.display())]
    NoProject(PathBuf),
    #[error("`{}` names no component of its own to build", .0.display())]
    NoComponent(PathBuf),
    #[error("cannot tell how to build the component in `{}`: it has no `Cargo.toml` (Rust), `app.py` (Python) or `app.js` (JavaScript)", .0.display())]
    UnknownLanguage(PathBuf),
    #[error("`{tool}` is not installed (or not on PATH)")]
    Missing {
        tool: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to run `{tool}`")]
    Spawn {
        tool: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("`{tool}` failed in `{}` (its messages are above)", dir.display())]
    Failed { tool: &'static str, dir: PathBuf },
    #[error("cargo built no `.wasm` in `{}`", .0.display())]
    NoArtifact(PathBuf),
    #[error("failed to write `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl BuildError {
    fn spawn(tool: &'static str, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            BuildError::Missing { tool, source }
        } else {
            BuildError::Spawn { tool, source }
        }
    }

    fn io(path: &Path, source: std::io::Error) -> Self {
        BuildError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl Diagnostic for BuildError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(match self {
            BuildError::NoProject(_) => "astc::build::no_project",
            BuildError::NoComponent(_) => "astc::build::no_component",
            BuildError::UnknownLanguage(_) => "astc::build::unknown_language",
            BuildError::Missing { .. } => "astc::build::tool_missing",
            BuildError::Spawn { .. } => "astc::build::spawn",
            BuildError::Failed { .. } => "astc::build::failed",
            BuildError::NoArtifact(_) => "astc::build::no_artifact",
            BuildError::Io { .. } => "astc::build::io",
        }))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help: String = match self {
            BuildError::NoProject(_) => {
                "start a project with `astc new NAME`, or make this directory one with `astc init`".into()
            }
            BuildError::NoComponent(_) => {
                "`astc build` builds a project made by `astc new`, whose `[package]` has a `component`".into()
            }
            BuildError::UnknownLanguage(_) => {
                "`astc new NAME --lang rust|python|js` makes a project `astc build` can build".into()
            }
            BuildError::Missing { tool, .. } => match *tool {
                "cargo" | "rustup" => "install Rust with rustup: https://rustup.rs".into(),
                "componentize-py" => "install it with `pip install componentize-py`".into(),
                "npm" => "install Node.js with npm (https://nodejs.org); `astc build` then installs componentize-js".into(),
                "componentize-js" => "install it with `npm install` in the project".into(),
                _ => return None,
            },
            BuildError::NoArtifact(_) => {
                "the crate must be a library with `crate-type = [\"cdylib\"]` in Cargo.toml".into()
            }
            _ => return None,
        };
        Some(Box::new(help))
    }
}

impl Report for BuildError {
    fn exit_class(&self) -> ExitClass {
        match self {
            BuildError::NoProject(_) | BuildError::Io { .. } => ExitClass::Io,
            BuildError::NoComponent(_) | BuildError::UnknownLanguage(_) => ExitClass::Input,
            _ => ExitClass::Failure,
        }
    }
}

/// One error of each kind, for the diagnostic tests.
#[cfg(test)]
pub fn samples() -> Vec<crate::diagnostic::Error> {
    let io = || std::io::Error::from(std::io::ErrorKind::NotFound);
    vec![
        BuildError::NoProject("astc.toml".into()).into(),
        BuildError::NoComponent("env.toml".into()).into(),
        BuildError::UnknownLanguage(".".into()).into(),
        BuildError::spawn("cargo", io()).into(),
        BuildError::Spawn {
            tool: "cargo",
            source: std::io::ErrorKind::PermissionDenied.into(),
        }
        .into(),
        BuildError::Failed {
            tool: "cargo build",
            dir: ".".into(),
        }
        .into(),
        BuildError::NoArtifact(".".into()).into(),
        BuildError::io(Path::new("build/hello.wasm"), io()).into(),
    ]
}
