//! The `{{namespace}}:{{name}}` component.

// Generates Rust bindings for the world in `wit/`: a `Guest` trait per exported interface.
wit_bindgen::generate!({
    world: "component",
    path: "wit",
});

use exports::{{rust_namespace}}::{{rust_name}}::api::Guest;

struct Component;

impl Guest for Component {
    fn greet(name: String) -> String {
        format!("Hello, {name}!")
    }
}

export!(Component);
