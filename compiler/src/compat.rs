//! The breaking-change check between two releases of one component.
//!
//! A release may add interfaces, functions and types; it may not remove an exported
//! interface, a function or a named type, nor change a function's or type's structure, since
//! components built against the earlier release would no longer link. This is what lets the
//! resolver treat every version of a compatibility class (1.x, 0.3.x) as interchangeable.

use std::collections::BTreeMap;

use astc_resolver::InterfaceName;
use wit_parser::{WorldItem, WorldKey};

use crate::inspect::Inspected;
use crate::typecheck::{Side, compare_functions, compare_interfaces};

/// The ways a release breaks an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", changes.iter().map(|c| format!("- {c}")).collect::<Vec<_>>().join("\n"))]
pub struct Incompatible {
    /// One line per breaking change.
    pub changes: Vec<String>,
}

/// Checks that `new` still provides everything `old` exported, with the same types.
pub fn check_compatible(old: &Inspected, new: &Inspected) -> Result<(), Incompatible> {
    let old_world = &old.resolve.worlds[old.world];
    let new_world = &new.resolve.worlds[new.world];

    // New exports by unversioned interface name: versions move between releases.
    let mut new_interfaces = BTreeMap::new();
    for (key, item) in &new_world.exports {
        if let (WorldKey::Interface(id), WorldItem::Interface { .. }) = (key, item)
            && let Some(name) = new.resolve.id_of(*id)
            && let Ok(name) = InterfaceName::parse(&name)
        {
            new_interfaces.insert(name.unversioned(), *id);
        }
    }

    let mut changes = Vec::new();
    for (key, item) in &old_world.exports {
        match (key, item) {
            (WorldKey::Interface(id), WorldItem::Interface { .. }) => {
                let name = old.resolve.id_of(*id).unwrap_or_default();
                let unversioned = InterfaceName::parse(&name)
                    .map(|n| n.unversioned())
                    .unwrap_or(name);
                match new_interfaces.get(&unversioned) {
                    None => {
                        changes.push(format!("interface `{unversioned}` is no longer exported"))
                    }
                    Some(new_id) => {
                        for m in compare_interfaces(
                            Side {
                                resolve: &old.resolve,
                                interface: *id,
                            },
                            Side {
                                resolve: &new.resolve,
                                interface: *new_id,
                            },
                        ) {
                            changes.push(format!("`{unversioned}`: {m}"));
                        }
                    }
                }
            }
            (WorldKey::Name(name), WorldItem::Function(f)) => {
                match new_world.exports.get(&WorldKey::Name(name.clone())) {
                    Some(WorldItem::Function(nf)) => {
                        for m in compare_functions((&old.resolve, f), (&new.resolve, nf)) {
                            changes.push(format!("world-level {m}"));
                        }
                    }
                    _ => changes.push(format!(
                        "world-level function `{name}` is no longer exported"
                    )),
                }
            }
            (WorldKey::Name(name), WorldItem::Interface { id, .. }) => {
                match new_world.exports.get(&WorldKey::Name(name.clone())) {
                    Some(WorldItem::Interface { id: new_id, .. }) => {
                        for m in compare_interfaces(
                            Side {
                                resolve: &old.resolve,
                                interface: *id,
                            },
                            Side {
                                resolve: &new.resolve,
                                interface: *new_id,
                            },
                        ) {
                            changes.push(format!("`{name}`: {m}"));
                        }
                    }
                    _ => changes.push(format!("interface `{name}` is no longer exported")),
                }
            }
            _ => {}
        }
    }
    if changes.is_empty() {
        Ok(())
    } else {
        Err(Incompatible { changes })
    }
}
