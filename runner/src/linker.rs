//! The capability registry: links each entry of the compiler's capability table
//! ([`astc_compiler::capabilities`]) to its implementation.
//!
//! The linker is built only from the table, and [`add`] matches every [`Capability`]
//! without a wildcard, so `astc check` and the runner cannot drift apart: a new entry
//! without an implementation does not compile, and the tests prove that each
//! capability's interfaces are defined by its own implementation (and only by it).
//!
//! WASI is linked package by package from wasmtime-wasi's per-interface bindings (the same
//! calls `wasmtime_wasi::p2::add_to_linker_sync` makes, grouped by package).

use astc_compiler::capabilities::Capability;
use wasmtime::Engine;
use wasmtime::component::{HasData, Linker, ResourceTable};
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
use wasmtime_wasi::random::{WasiRandom, WasiRandomView};
use wasmtime_wasi::sockets::{WasiSockets, WasiSocketsView};

use crate::sandbox::Host;
use crate::{asterai_api, keyvalue};

/// A linker with every capability of the table.
pub(crate) fn linker(engine: &Engine) -> wasmtime::Result<Linker<Host>> {
    let mut linker = Linker::new(engine);
    for c in Capability::ALL {
        add(&mut linker, *c)?;
    }
    Ok(linker)
}

/// The resource table, for `wasi:io`.
struct HasTable;

impl HasData for HasTable {
    type Data<'a> = &'a mut ResourceTable;
}

fn table(h: &mut Host) -> &mut ResourceTable {
    &mut h.table
}

/// Adds `capability`'s interfaces to `l`.
pub(crate) fn add(l: &mut Linker<Host>, capability: Capability) -> wasmtime::Result<()> {
    use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, random, sockets, sync};
    match capability {
        Capability::WasiCli => {
            cli::environment::add_to_linker::<Host, WasiCli>(l, Host::cli)?;
            cli::exit::add_to_linker::<Host, WasiCli>(l, Host::cli)?;
            cli::stdin::add_to_linker::<Host, WasiCli>(l, Host::cli)?;
            cli::stdout::add_to_linker::<Host, WasiCli>(l, Host::cli)?;
            cli::stderr::add_to_linker::<Host, WasiCli>(l, Host::cli)?;
            cli::terminal_input::add_to_linker::<Host, WasiCli>(l, Host::cli)?;
            cli::terminal_output::add_to_linker::<Host, WasiCli>(l, Host::cli)?;
            cli::terminal_stdin::add_to_linker::<Host, WasiCli>(l, Host::cli)?;
            cli::terminal_stdout::add_to_linker::<Host, WasiCli>(l, Host::cli)?;
            cli::terminal_stderr::add_to_linker::<Host, WasiCli>(l, Host::cli)?;
        }
        Capability::WasiClocks => {
            clocks::monotonic_clock::add_to_linker::<Host, WasiClocks>(l, Host::clocks)?;
            clocks::wall_clock::add_to_linker::<Host, WasiClocks>(l, Host::clocks)?;
        }
        Capability::WasiFilesystem => {
            sync::filesystem::types::add_to_linker::<Host, WasiFilesystem>(l, Host::filesystem)?;
            filesystem::preopens::add_to_linker::<Host, WasiFilesystem>(l, Host::filesystem)?;
        }
        Capability::WasiHttp => wasmtime_wasi_http::p2::add_only_http_to_linker_sync(l)?,
        Capability::WasiIo => {
            wasmtime_wasi_io::bindings::wasi::io::error::add_to_linker::<Host, HasTable>(l, table)?;
            sync::io::poll::add_to_linker::<Host, HasTable>(l, table)?;
            sync::io::streams::add_to_linker::<Host, HasTable>(l, table)?;
        }
        Capability::WasiRandom => {
            random::random::add_to_linker::<Host, WasiRandom>(l, Host::random)?;
            random::insecure::add_to_linker::<Host, WasiRandom>(l, Host::random)?;
            random::insecure_seed::add_to_linker::<Host, WasiRandom>(l, Host::random)?;
        }
        Capability::WasiSockets => {
            let s = Host::sockets;
            sockets::network::add_to_linker::<Host, WasiSockets>(l, &Default::default(), s)?;
            sockets::instance_network::add_to_linker::<Host, WasiSockets>(l, s)?;
            sockets::ip_name_lookup::add_to_linker::<Host, WasiSockets>(l, s)?;
            sync::sockets::tcp::add_to_linker::<Host, WasiSockets>(l, s)?;
            sockets::tcp_create_socket::add_to_linker::<Host, WasiSockets>(l, s)?;
            sync::sockets::udp::add_to_linker::<Host, WasiSockets>(l, s)?;
            sync::sockets::udp_create_socket::add_to_linker::<Host, WasiSockets>(l, s)?;
        }
        Capability::WasiKeyvalue => keyvalue::add(l)?,
        Capability::AsteraiHost0_1 => asterai_api::add_0_1(l)?,
        Capability::AsteraiHost1 => asterai_api::add_1(l)?,
        Capability::AsteraiCron => asterai_api::add_cron(l)?,
        Capability::AsteraiWs => asterai_api::add_ws(l)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use wasmtime::component::Val;
    use wasmtime::{Config, StoreContextMut};

    use super::*;

    /// Whether the linker `build` makes defines `name`: defining that name again (as a
    /// function, since an instance may be reopened) fails exactly when it is there.
    fn defines(build: impl Fn() -> Linker<Host>, name: &str) -> bool {
        build()
            .root()
            .func_new(
                name,
                |_: StoreContextMut<'_, Host>, _, _: &[Val], _: &mut [Val]| Ok(()),
            )
            .is_err()
    }

    /// Each capability's implementation defines every interface of its table entry, and no
    /// interface of another entry; so what `astc check` accepts is exactly what is linked.
    #[test]
    fn every_capability_is_linked_by_its_own_implementation() {
        let engine = Engine::new(Config::new().wasm_component_model(true)).unwrap();
        for c in Capability::ALL {
            let only = || {
                let mut linker = Linker::new(&engine);
                add(&mut linker, *c).unwrap();
                linker
            };
            for other in Capability::ALL {
                for name in other.interface_names() {
                    let name = name.to_string();
                    assert_eq!(defines(only, &name), other == c, "{c:?} and `{name}`");
                }
            }
        }
        for c in Capability::ALL {
            for name in c.interface_names() {
                let all = || linker(&engine).unwrap();
                assert!(defines(all, &name.to_string()), "{name}");
            }
        }
    }
}
