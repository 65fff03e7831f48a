//! `astc new` and `astc init`: a component project from the templates in `templates/`.
//!
//! A project is a WIT package whose world exports a named interface, a small working function
//! in the chosen language, the language's build files and an `astc.toml`, so that
//! `astc build`, `astc compose` and `astc call` work on it at once.
//!
//! One module for both commands, which differ only in where they write: the template table,
//! the writing and the errors. The name rules are in [`name`].

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use astc_resolver::diagnostic::{ExitClass, Report};
use miette::Diagnostic;

use crate::ui;

mod name;

use name::{BadName, check_name, is_reserved, rust_module};

/// Create a component project in a new directory.
///
/// Writes a WIT package whose world exports a named interface, a small working function, the
/// language's build files and an `astc.toml`. Then `astc build`, `astc compose` and
/// `astc call` work in it.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc new hello
  astc new hello && cd hello && astc build && astc compose
  astc call hello.composed.wasm 'my:hello/api@0.1.0#greet' '[\"world\"]'
  astc new services/kv --name redis-kv --namespace acme --lang python")]
pub struct NewArgs {
    /// The directory to create; its last part is the component's name.
    path: PathBuf,
    #[command(flatten)]
    options: Options,
}

/// Create a component project in the current directory.
///
/// Like `astc new`, in an existing directory (named after it). Refuses to overwrite any file.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  astc init
  astc init --name greeter --namespace acme")]
pub struct InitArgs {
    #[command(flatten)]
    options: Options,
}

#[derive(Debug, clap::Args)]
struct Options {
    /// The component's name (kebab-case) [default: the directory's name].
    #[arg(long)]
    name: Option<String>,
    /// The namespace of the component's name, `NAMESPACE:NAME` (kebab-case).
    #[arg(long, default_value = "my")]
    namespace: String,
    /// The language of the component.
    #[arg(long, value_enum, default_value = "rust")]
    lang: Lang,
}

/// The languages a project can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Rust, built with cargo for wasm32-wasip2 (wit-bindgen).
    Rust,
    /// Python, built with componentize-py.
    Python,
    /// JavaScript, built with componentize-js (installed with npm).
    Js,
}

/// One file of a template: its path in the project and its text, with `{{...}}` holes.
struct Template {
    path: &'static str,
    text: &'static str,
}

const COMMON: &[Template] = &[
    Template {
        path: "wit/world.wit",
        text: include_str!("../../templates/common/world.wit"),
    },
    Template {
        path: "astc.toml",
        text: include_str!("../../templates/common/astc.toml"),
    },
];

const RUST: &[Template] = &[
    Template {
        path: "Cargo.toml",
        text: include_str!("../../templates/rust/Cargo.toml.tmpl"),
    },
    Template {
        path: "src/lib.rs",
        text: include_str!("../../templates/rust/src/lib.rs"),
    },
];

const PYTHON: &[Template] = &[Template {
    path: "app.py",
    text: include_str!("../../templates/python/app.py"),
}];

const JS: &[Template] = &[
    Template {
        path: "app.js",
        text: include_str!("../../templates/js/app.js"),
    },
    Template {
        path: "package.json",
        text: include_str!("../../templates/js/package.json.tmpl"),
    },
];

/// `.gitignore` lines every project wants, then each language's.
const GITIGNORE: &str = include_str!("../../templates/common/gitignore.tmpl");
const GITIGNORE_RUST: &str = include_str!("../../templates/rust/gitignore.tmpl");
const GITIGNORE_PYTHON: &str = include_str!("../../templates/python/gitignore.tmpl");
const GITIGNORE_JS: &str = include_str!("../../templates/js/gitignore.tmpl");

impl NewArgs {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let dir_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let project = self.options.project(&dir_name, "astc new")?;
        if self.path.exists() || self.path.is_symlink() {
            return Err(NewError::Exists(self.path).into());
        }
        fs::create_dir_all(&self.path).map_err(|e| NewError::io(&self.path, e))?;
        // Nothing half-written is left behind: the directory is ours, so remove it on failure.
        if let Err(e) = project.write(&self.path) {
            let _ = fs::remove_dir_all(&self.path);
            return Err(e.into());
        }
        ui::status(
            "Created",
            format!(
                "{} component `{}` in {}",
                project.lang.label(),
                project.name,
                self.path.display()
            ),
        );
        Ok(ExitCode::SUCCESS)
    }
}

impl InitArgs {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let cwd = std::env::current_dir().map_err(|e| NewError::io(Path::new("."), e))?;
        let dir_name = cwd
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = Path::new(".");
        // Checked before the name, as `cargo init` does: an existing project is the likelier
        // mistake.
        let project = Project {
            name: String::new(),
            namespace: String::new(),
            lang: self.options.lang,
        };
        project.refuse_existing(dir)?;
        let project = self.options.project(&dir_name, "astc init")?;
        project.write(dir)?;
        ui::status(
            "Created",
            format!(
                "{} component `{}` in the current directory",
                project.lang.label(),
                project.name,
            ),
        );
        Ok(ExitCode::SUCCESS)
    }
}

impl Options {
    /// The project these options describe, its name defaulting to `dir_name`.
    fn project(&self, dir_name: &str, command: &str) -> Result<Project, NewError> {
        let (name, from_dir) = match &self.name {
            Some(name) => (name.clone(), false),
            None => (dir_name.to_string(), true),
        };
        check_name(&self.namespace, &name, from_dir, command).map_err(NewError::BadName)?;
        if self.lang == Lang::Rust && is_reserved(&name) {
            return Err(NewError::BadName(BadName {
                message: format!(
                    "`{name}` cannot name a Rust component: it is a Rust keyword or the name of a standard crate"
                ),
                help: format!("did you mean `--name {name}-component`?"),
            }));
        }
        Ok(Project {
            name,
            namespace: self.namespace.clone(),
            lang: self.lang,
        })
    }
}

/// The project to write.
struct Project {
    name: String,
    namespace: String,
    lang: Lang,
}

impl Project {
    fn templates(&self) -> Vec<&'static Template> {
        let own = match self.lang {
            Lang::Rust => RUST,
            Lang::Python => PYTHON,
            Lang::Js => JS,
        };
        COMMON.iter().chain(own).collect()
    }

    /// Fails, naming them, if any of the files the project needs already exists in `dir`.
    fn refuse_existing(&self, dir: &Path) -> Result<(), NewError> {
        let existing: Vec<&str> = self
            .templates()
            .into_iter()
            .map(|t| t.path)
            .filter(|p| dir.join(p).exists())
            .collect();
        if existing.is_empty() {
            Ok(())
        } else {
            Err(NewError::WouldOverwrite(
                existing.iter().map(|p| p.to_string()).collect(),
            ))
        }
    }

    /// Writes the project's files into `dir`, which holds none of them yet.
    fn write(&self, dir: &Path) -> Result<(), NewError> {
        self.refuse_existing(dir)?;
        for t in self.templates() {
            let path = dir.join(t.path);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| NewError::io(parent, e))?;
            }
            fs::write(&path, self.render(t.text)).map_err(|e| NewError::io(&path, e))?;
        }
        self.write_gitignore(dir)
    }

    /// Adds the lines the project needs to `.gitignore`, keeping an existing one's.
    fn write_gitignore(&self, dir: &Path) -> Result<(), NewError> {
        let path = dir.join(".gitignore");
        let existing = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(NewError::io(&path, e)),
        };
        let own = match self.lang {
            Lang::Rust => GITIGNORE_RUST,
            Lang::Python => GITIGNORE_PYTHON,
            Lang::Js => GITIGNORE_JS,
        };
        let mut text = existing.clone();
        for line in GITIGNORE.lines().chain(own.lines()) {
            if !existing.lines().any(|l| l.trim() == line) {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(line);
                text.push('\n');
            }
        }
        if text != existing {
            fs::write(&path, text).map_err(|e| NewError::io(&path, e))?;
        }
        Ok(())
    }

    /// Fills the template's holes.
    fn render(&self, text: &str) -> String {
        text.replace("{{namespace}}", &self.namespace)
            .replace("{{name}}", &self.name)
            .replace("{{rust_namespace}}", &rust_module(&self.namespace))
            .replace("{{rust_name}}", &rust_module(&self.name))
    }
}

impl Lang {
    fn label(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::Js => "JavaScript",
        }
    }
}

/// Why a project could not be created.
#[derive(Debug, thiserror::Error)]
enum NewError {
    #[error("destination `{}` already exists", .0.display())]
    Exists(PathBuf),
    #[error("this directory already has {}", list(.0))]
    WouldOverwrite(Vec<String>),
    #[error("{}", .0.message)]
    BadName(BadName),
    #[error("failed to write `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn list(files: &[String]) -> String {
    astc_resolver::diagnostic::quoted_list(files)
}

impl NewError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        NewError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl Diagnostic for NewError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(match self {
            NewError::Exists(_) => "astc::new::exists",
            NewError::WouldOverwrite(_) => "astc::new::would_overwrite",
            NewError::BadName(_) => "astc::new::bad_name",
            NewError::Io { .. } => "astc::new::io",
        }))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help: String = match self {
            NewError::Exists(path) => format!(
                "to make it a component project, run `astc init` inside it (`cd {} && astc init`)",
                path.display()
            ),
            NewError::WouldOverwrite(_) => {
                "astc init never overwrites files: run it in a directory without them, or start a new one with `astc new NAME`".into()
            }
            NewError::BadName(bad) => bad.help.clone(),
            NewError::Io { .. } => return None,
        };
        Some(Box::new(help))
    }
}

impl Report for NewError {
    fn exit_class(&self) -> ExitClass {
        match self {
            NewError::Io { .. } => ExitClass::Io,
            _ => ExitClass::Usage,
        }
    }
}

/// One error of each kind, for the diagnostic tests.
#[cfg(test)]
pub fn samples() -> Vec<crate::diagnostic::Error> {
    vec![
        NewError::Exists("hello".into()).into(),
        NewError::WouldOverwrite(vec!["astc.toml".into()]).into(),
        NewError::BadName(BadName {
            message: "invalid component name `A_B`".into(),
            help: "did you mean `a-b`?".into(),
        })
        .into(),
        NewError::io(
            Path::new("hello/astc.toml"),
            std::io::ErrorKind::Other.into(),
        )
        .into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_without_holes() {
        let project = Project {
            name: "hello-world".into(),
            namespace: "acme".into(),
            lang: Lang::Rust,
        };
        for t in project.templates().into_iter().chain(PYTHON).chain(JS) {
            let text = project.render(t.text);
            assert!(!text.contains("{{"), "{} keeps a hole", t.path);
        }
        let wit = project.render(COMMON[0].text);
        assert!(wit.starts_with("package acme:hello-world@0.1.0;"));
        assert!(
            project
                .render(RUST[1].text)
                .contains("exports::acme::hello_world::api::Guest")
        );
    }
}
