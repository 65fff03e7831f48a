//! One module per subcommand: a clap `Args` struct and a `run` that calls the library.

use std::path::PathBuf;
use std::process::ExitCode;

use astc_compiler::WasmInspector;
use astc_resolver::source::location::{RegistryLocation, parse_registry};
use astc_resolver::{Project, ProjectError, ProjectOptions};

mod build;
mod call;
mod check;
mod compose;
mod graph;
mod inspect;
mod lock;
mod new;
mod publish;
mod run;
mod sandbox;
mod serve;
mod tree;
mod update;
mod verify;
mod wit;

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    New(new::NewArgs),
    Init(new::InitArgs),
    Build(build::Args),
    Publish(publish::Args),
    Lock(lock::Args),
    Update(update::Args),
    Tree(tree::Args),
    Check(check::Args),
    Compose(compose::Args),
    Verify(verify::Args),
    Graph(graph::Args),
    Inspect(inspect::Args),
    Run(run::Args),
    Call(call::Args),
    Serve(serve::Args),
    Wit(wit::Args),
}

impl Command {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        match self {
            Command::New(a) => a.run(),
            Command::Init(a) => a.run(),
            Command::Build(a) => a.run(),
            Command::Publish(a) => a.run(),
            Command::Lock(a) => a.run(),
            Command::Update(a) => a.run(),
            Command::Check(a) => a.run(),
            Command::Compose(a) => a.run(),
            Command::Verify(a) => a.run(),
            Command::Graph(a) => a.run(),
            Command::Run(a) => a.run(),
            Command::Call(a) => a.run(),
            Command::Serve(a) => a.run(),
            Command::Tree(a) => a.run(),
            Command::Inspect(a) => a.run(),
            Command::Wit(a) => a.run(),
        }
    }
}

/// One error of each kind `new`, `init` and `build` give, for the diagnostic tests.
#[cfg(test)]
pub fn error_samples() -> Vec<crate::diagnostic::Error> {
    new::samples().into_iter().chain(build::samples()).collect()
}

/// Flags shared by every command that works on a project.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectArgs {
    /// The project manifest: `astc.toml`, or an asterai `env.toml`.
    #[arg(long, value_name = "PATH", default_value = "astc.toml")]
    pub manifest: PathBuf,
    /// The registry to use instead of the manifest's `[registry]`: a directory, or an OCI
    /// registry `oci://HOST[:PORT][/PREFIX]`.
    #[arg(long, value_name = "DIR|URL", value_parser = parse_registry)]
    pub registry: Option<RegistryLocation>,
    /// Read remote registries from astc's cache only, without network access.
    #[arg(long)]
    pub offline: bool,
    /// Also read components from this asterai local store
    /// (`<DIR>/<namespace>/<name>@<version>/component.wasm`).
    #[arg(long, value_name = "DIR")]
    pub asterai_store: Option<PathBuf>,
}

impl ProjectArgs {
    pub fn options(&self) -> ProjectOptions {
        ProjectOptions {
            registry: self.registry.clone(),
            asterai_store: self.asterai_store.clone(),
            cache_dir: astc_compiler::cache_dir::default_dir(),
            offline: self.offline,
            locked: false,
        }
    }

    /// Loads the project these flags name, reading components with the compiler's
    /// inspector: the first step of every project command.
    pub fn load(&self) -> Result<Project<'static>, ProjectError> {
        self.load_locked(false)
    }

    /// [`load`](Self::load), for `--locked`: remote components are fetched by the digests
    /// in the lock.
    pub fn load_locked(&self, locked: bool) -> Result<Project<'static>, ProjectError> {
        let options = ProjectOptions {
            locked,
            ..self.options()
        };
        Project::load(&self.manifest, &options, &WasmInspector)
    }
}
