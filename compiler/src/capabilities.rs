//! What the runtime provides: the one table of host capabilities.
//!
//! Host imports (`wasi:*`, `asterai:host*`) stay imports of a composition, so `astc check`
//! checks them against this table rather than against a provider, and the runner
//! (`astc-runner`) links exactly the capabilities listed here: it maps each [`Capability`]
//! to the function adding it to its linker with an exhaustive `match`, so a capability
//! without an implementation does not compile, and its tests prove that every interface of
//! every entry is linked. Adding a host package (`wasi:keyvalue`, a new asterai API) is one
//! entry here plus its implementation in the runner.
//!
//! An import matches an entry when package and interface agree and the versions are
//! semver-compatible (wasmtime's linker matches them the same way: any `0.2.x` import is
//! served by the `0.2` it links). Entries with WIT (the asterai host API, kept in
//! `compiler/wit/`) are also compared structurally; WASI is checked by name and version,
//! since wasmtime-wasi implements the standard interfaces.

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
/// `asterai:host-cron@0.1.0`, asterai's scheduler.
pub const ASTERAI_HOST_CRON_0_1_0: &str = include_str!("../wit/asterai-host-cron-0.1.0.wit");
/// `asterai:host-ws@0.1.0`, asterai's outgoing WebSocket connections.
pub const ASTERAI_HOST_WS_0_1_0: &str = include_str!("../wit/asterai-host-ws-0.1.0.wit");
/// `wasi:keyvalue@0.2.0-draft`, as wasmtime-wasi-keyvalue 48 ships it.
pub const WASI_KEYVALUE_0_2_0_DRAFT: &str = include_str!("../wit/wasi-keyvalue-0.2.0-draft.wit");

/// Declares [`Capability`] and [`Capability::ALL`] from one list, so neither can miss a
/// variant.
macro_rules! capabilities {
    ($($(#[$doc:meta])* $variant:ident,)*) => {
        /// A host package the runner provides to guests.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Capability {
            $($(#[$doc])* $variant,)*
        }

        impl Capability {
            /// Every capability, in table order.
            pub const ALL: &'static [Capability] = &[$(Capability::$variant,)*];
        }
    };
}

capabilities! {
    /// `wasi:cli`: arguments, environment, stdio, exit.
    WasiCli,
    /// `wasi:clocks`: wall and monotonic clocks.
    WasiClocks,
    /// `wasi:filesystem`: granted directories.
    WasiFilesystem,
    /// `wasi:http`: outgoing requests to granted hosts.
    WasiHttp,
    /// `wasi:io`: streams, polling and errors.
    WasiIo,
    /// `wasi:random`: random numbers.
    WasiRandom,
    /// `wasi:sockets`: the network (nothing grants it, so every connection is refused).
    WasiSockets,
    /// `wasi:keyvalue@0.2.0-draft`: buckets of a key-value store.
    WasiKeyvalue,
    /// `asterai:host@0.1.0`: `send-response`.
    AsteraiHost0_1,
    /// `asterai:host@1.0.0`: runtime info and the composition's components.
    AsteraiHost1,
    /// `asterai:host-cron@0.1.0`: schedules that call a function of the composition.
    AsteraiCron,
    /// `asterai:host-ws@0.1.0`: outgoing WebSocket connections to granted hosts.
    AsteraiWs,
}

/// What a guest must be granted (by a sandbox flag) before a capability does anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Nothing: the capability works in the default sandbox.
    Nothing,
    /// Directories (`--dir`, `--ro-dir`).
    Directories,
    /// HTTP hosts (`--allow-http`), which also grant WebSocket connections to them.
    HttpHosts,
    /// Network addresses; no flag grants them yet.
    Network,
    /// A persistent store (`--kv DIR`) and the buckets that may be opened (`--kv-bucket`);
    /// without `--kv` the store lives in memory for one process.
    Storage,
}

/// One entry of the table.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The package, `namespace:name`.
    pub package: &'static str,
    /// The version linked; imports of any semver-compatible version are accepted.
    pub version: &'static str,
    /// The interfaces the runner links.
    pub interfaces: &'static [&'static str],
    /// What the guest must be granted to use it.
    pub grant: Grant,
    /// The package's WIT, when imports are compared with it structurally.
    pub wit: Option<&'static str>,
}

/// The WASI 0.2 version wasmtime-wasi 48 links.
const WASI_0_2: &str = "0.2.12";

impl Capability {
    /// The table entry.
    pub fn spec(self) -> Spec {
        let wasi = |package, interfaces, grant| Spec {
            package,
            version: WASI_0_2,
            interfaces,
            grant,
            wit: None,
        };
        match self {
            Capability::WasiCli => wasi(
                "wasi:cli",
                &[
                    "environment",
                    "exit",
                    "stdin",
                    "stdout",
                    "stderr",
                    "terminal-input",
                    "terminal-output",
                    "terminal-stdin",
                    "terminal-stdout",
                    "terminal-stderr",
                ],
                Grant::Nothing,
            ),
            Capability::WasiClocks => wasi(
                "wasi:clocks",
                &["monotonic-clock", "wall-clock"],
                Grant::Nothing,
            ),
            Capability::WasiFilesystem => wasi(
                "wasi:filesystem",
                &["types", "preopens"],
                Grant::Directories,
            ),
            Capability::WasiHttp => wasi(
                "wasi:http",
                &["types", "outgoing-handler"],
                Grant::HttpHosts,
            ),
            Capability::WasiIo => wasi("wasi:io", &["error", "poll", "streams"], Grant::Nothing),
            Capability::WasiRandom => wasi(
                "wasi:random",
                &["random", "insecure", "insecure-seed"],
                Grant::Nothing,
            ),
            Capability::WasiSockets => wasi(
                "wasi:sockets",
                &[
                    "network",
                    "instance-network",
                    "ip-name-lookup",
                    "tcp",
                    "tcp-create-socket",
                    "udp",
                    "udp-create-socket",
                ],
                Grant::Network,
            ),
            // A pre-release version: only imports of exactly this version match.
            Capability::WasiKeyvalue => Spec {
                package: "wasi:keyvalue",
                version: "0.2.0-draft",
                interfaces: &["atomics", "batch", "store"],
                grant: Grant::Storage,
                wit: Some(WASI_KEYVALUE_0_2_0_DRAFT),
            },
            Capability::AsteraiHost0_1 => Spec {
                package: "asterai:host",
                version: "0.1.0",
                interfaces: &["api"],
                grant: Grant::Nothing,
                wit: Some(ASTERAI_HOST_0_1_0),
            },
            Capability::AsteraiHost1 => Spec {
                package: "asterai:host",
                version: "1.0.0",
                interfaces: &["api"],
                grant: Grant::Nothing,
                wit: Some(ASTERAI_HOST_1_0_0),
            },
            Capability::AsteraiCron => Spec {
                package: "asterai:host-cron",
                version: "0.1.0",
                interfaces: &["scheduler"],
                grant: Grant::Nothing,
                wit: Some(ASTERAI_HOST_CRON_0_1_0),
            },
            // `incoming-handler` is exported by the component, not provided.
            Capability::AsteraiWs => Spec {
                package: "asterai:host-ws",
                version: "0.1.0",
                interfaces: &["connection"],
                grant: Grant::HttpHosts,
                wit: Some(ASTERAI_HOST_WS_0_1_0),
            },
        }
    }

    /// The full names of its interfaces, `package/interface@version`.
    pub fn interface_names(self) -> Vec<InterfaceName> {
        let spec = self.spec();
        spec.interfaces
            .iter()
            .map(|i| {
                InterfaceName::parse(&format!("{}/{i}@{}", spec.package, spec.version))
                    .expect("the capability table holds valid names")
            })
            .collect()
    }
}

/// The interfaces with WIT, decoded once.
struct HostWit {
    resolve: Resolve,
    interfaces: BTreeMap<InterfaceName, InterfaceId>,
}

impl HostWit {
    fn get() -> &'static HostWit {
        static HOST: OnceLock<HostWit> = OnceLock::new();
        HOST.get_or_init(|| {
            let mut resolve = Resolve::default();
            let mut interfaces = BTreeMap::new();
            for c in Capability::ALL {
                let spec = c.spec();
                let Some(text) = spec.wit else { continue };
                let file = format!("{}@{}.wit", spec.package, spec.version);
                let pkg = resolve
                    .push_str(file, text)
                    .expect("the bundled host WIT parses");
                for (iface, id) in resolve.packages[pkg].interfaces.clone() {
                    // An interface the guest exports (host-ws's `incoming-handler`) is not
                    // provided.
                    if !spec.interfaces.contains(&iface.as_str()) {
                        continue;
                    }
                    let name = resolve.id_of(id).expect("host interfaces are named");
                    interfaces.insert(InterfaceName::parse(&name).expect("valid name"), id);
                }
            }
            HostWit {
                resolve,
                interfaces,
            }
        })
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

/// The capability providing `import`, if any: same package and interface, compatible
/// version.
pub fn provider_of(import: &InterfaceName) -> Option<(Capability, InterfaceName)> {
    let class = import.version().map(CompatClass::of);
    Capability::ALL.iter().find_map(|c| {
        c.interface_names()
            .into_iter()
            .find(|n| {
                n.package() == import.package()
                    && n.interface() == import.interface()
                    && n.version().map(CompatClass::of) == class
            })
            .map(|n| (*c, n))
    })
}

/// Checks a host import of `importer` (the interface `iface` of its WIT) against what the
/// runner provides.
pub fn check_host_import(
    import: &InterfaceName,
    importer: &Resolve,
    iface: InterfaceId,
) -> Result<(), HostProblem> {
    let Some((capability, provided)) = provider_of(import) else {
        return Err(HostProblem::Unavailable(unavailable_hint(import)));
    };
    if capability.spec().wit.is_none() {
        return Ok(());
    }
    let host = HostWit::get();
    let id = host.interfaces[&provided];
    let mismatches = compare_interfaces(
        Side {
            resolve: importer,
            interface: iface,
        },
        Side {
            resolve: &host.resolve,
            interface: id,
        },
    );
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(HostProblem::Mismatch {
            provided,
            mismatches,
        })
    }
}

/// What the runner provides instead: the WASI packages for a `wasi:` import, the other
/// interfaces by name for anything else.
fn unavailable_hint(import: &InterfaceName) -> String {
    if import.package().namespace() == "wasi" {
        let (wasi, other): (Vec<Spec>, Vec<Spec>) = Capability::ALL
            .iter()
            .map(|c| c.spec())
            .filter(|s| s.package.starts_with("wasi:"))
            .partition(|s| s.version == WASI_0_2);
        let packages: Vec<&str> = wasi.iter().map(|s| s.package).collect();
        let other: String = other
            .iter()
            .map(|s| format!(", and `{}@{}` (exactly that version)", s.package, s.version))
            .collect();
        return format!(
            "the runner provides WASI 0.2 ({}), at any 0.2.x version{other}",
            packages.join(", ")
        );
    }
    let others: Vec<String> = Capability::ALL
        .iter()
        .filter(|c| !c.spec().package.starts_with("wasi:"))
        .flat_map(|c| c.interface_names())
        .map(|n| format!("`{n}`"))
        .collect();
    format!("the runner provides {}", others.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every interface of the table is accepted, at its own version and at an older
    /// compatible one; the bundled WIT declares exactly the interfaces its entry lists.
    #[test]
    fn check_accepts_every_capability() {
        let host = HostWit::get();
        for c in Capability::ALL {
            for name in c.interface_names() {
                assert_eq!(provider_of(&name).map(|p| p.0), Some(*c), "{name}");
                if c.spec().wit.is_some() {
                    assert!(host.interfaces.contains_key(&name), "{name} has no WIT");
                    let id = host.interfaces[&name];
                    assert!(
                        check_host_import(&name, &host.resolve, id).is_ok(),
                        "{name}"
                    );
                }
            }
        }
        let mut with_wit: Vec<_> = Capability::ALL
            .iter()
            .filter(|c| c.spec().wit.is_some())
            .flat_map(|c| c.interface_names())
            .collect();
        with_wit.sort();
        assert_eq!(
            with_wit,
            host.interfaces.keys().cloned().collect::<Vec<_>>()
        );
        let old = InterfaceName::parse("wasi:cli/environment@0.2.0").unwrap();
        assert_eq!(provider_of(&old).map(|p| p.0), Some(Capability::WasiCli));
    }

    #[test]
    fn unprovided_imports_are_refused() {
        for name in [
            "wasi:cli/environment@0.3.0",
            "wasi:cli/run@0.2.0",
            "wasi:keyvalue/store@0.2.0",
            "wasi:keyvalue/store@0.2.0-draft2",
            "asterai:host/api@2.0.0",
            "asterai:host/other@1.0.0",
        ] {
            let name = InterfaceName::parse(name).unwrap();
            assert!(provider_of(&name).is_none(), "{name}");
        }
    }
}
