//! What the runtime provides: the host interfaces `astc run` and `astc call` link.
//!
//! Host imports (`wasi:*`, `asterai:host*`) stay imports of a composition, so they are
//! checked here rather than against a provider: asterai's API against the WIT kept in
//! `compiler/wit/`, structurally, and WASI by package and version (the runner links WASI 0.2
//! through wasmtime-wasi, which answers every 0.2.x minor).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use astc_resolver::InterfaceName;
use astc_resolver::version::CompatClass;
use wit_parser::{InterfaceId, Resolve};

use crate::typecheck::{Mismatch, Side, compare_interfaces};

/// `asterai:host@1.0.0`, the current asterai host API.
pub const ASTERAI_HOST_1_0_0: &str = include_str!("../wit/asterai-host-1.0.0.wit");
/// `asterai:host@0.1.0`, the API of the asterai component documentation (`send-response`).
pub const ASTERAI_HOST_0_1_0: &str = include_str!("../wit/asterai-host-0.1.0.wit");

/// The WASI 0.2 packages the runner links.
pub const WASI_PACKAGES: &[&str] = &[
    "cli",
    "clocks",
    "filesystem",
    "http",
    "io",
    "random",
    "sockets",
];

/// The host's own interfaces, decoded once.
pub struct HostInterfaces {
    resolve: Resolve,
    interfaces: BTreeMap<InterfaceName, InterfaceId>,
}

impl HostInterfaces {
    /// The asterai host interfaces, parsed from the bundled WIT.
    pub fn get() -> &'static HostInterfaces {
        static HOST: OnceLock<HostInterfaces> = OnceLock::new();
        HOST.get_or_init(|| {
            let mut resolve = Resolve::default();
            let mut interfaces = BTreeMap::new();
            for (file, text) in [
                ("asterai-host-0.1.0.wit", ASTERAI_HOST_0_1_0),
                ("asterai-host-1.0.0.wit", ASTERAI_HOST_1_0_0),
            ] {
                let pkg = resolve
                    .push_str(file, text)
                    .expect("the bundled host WIT parses");
                for (_, id) in resolve.packages[pkg].interfaces.clone() {
                    let name = resolve.id_of(id).expect("host interfaces are named");
                    interfaces.insert(InterfaceName::parse(&name).expect("valid name"), id);
                }
            }
            HostInterfaces {
                resolve,
                interfaces,
            }
        })
    }

    /// The names of the asterai interfaces provided.
    pub fn names(&self) -> impl Iterator<Item = &InterfaceName> {
        self.interfaces.keys()
    }
}

/// How a host import falls short of what the runner provides.
#[derive(Debug, Clone)]
pub enum HostProblem {
    /// Nothing of that name and version is provided.
    Unavailable(String),
    /// The interface is provided, with other types.
    Mismatch {
        /// The runner's interface.
        provided: InterfaceName,
        /// Every difference.
        mismatches: Vec<Mismatch>,
    },
}

/// Checks a host import of `importer` (the interface `iface` of its WIT) against what the
/// runner provides.
pub fn check_host_import(
    import: &InterfaceName,
    importer: &Resolve,
    iface: InterfaceId,
) -> Result<(), HostProblem> {
    let package = import.package();
    let class = import.version().map(CompatClass::of);
    if package.namespace() == "wasi" {
        let known = WASI_PACKAGES.contains(&package.name());
        let version_ok = class == Some(CompatClass::Minor(2));
        if known && version_ok {
            return Ok(());
        }
        return Err(HostProblem::Unavailable(format!(
            "the runner provides WASI 0.2 ({}), at any 0.2.x version",
            WASI_PACKAGES
                .iter()
                .map(|p| format!("wasi:{p}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let host = HostInterfaces::get();
    let provided = host.interfaces.iter().find(|(name, _)| {
        name.package() == package
            && name.interface() == import.interface()
            && name.version().map(CompatClass::of) == class
    });
    let Some((name, id)) = provided else {
        return Err(HostProblem::Unavailable(format!(
            "the runner provides {}",
            host.names()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let mismatches = compare_interfaces(
        Side {
            resolve: importer,
            interface: iface,
        },
        Side {
            resolve: &host.resolve,
            interface: *id,
        },
    );
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(HostProblem::Mismatch {
            provided: name.clone(),
            mismatches,
        })
    }
}
