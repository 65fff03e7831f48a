//! A customer: orders burgers from the shop it imports. Run it (`wasi:cli/run`) with
//! addresses as arguments, or call its `example:consumer/api` interface.

wit_bindgen::generate!({
    path: [
        "../../../compiler/wit/asterai-host-0.1.0.wit",
        "../burger-shop/wit/burger-shop.wit",
        "wit/consumer.wit",
    ],
    world: "example:consumer/consumer",
    generate_all,
});

use example::burger_shop::api::{Order, order_burger};

struct Consumer;

impl exports::example::consumer::api::Guest for Consumer {
    fn order(address: String) -> String {
        place(&address)
    }
}

export!(Consumer);

fn place(address: &str) -> String {
    let result = order_burger(&Order {
        address: address.to_string(),
    });
    match result.error {
        None => format!("ordered a burger for {address}"),
        Some(e) => format!("could not order for {address:?}: {e}"),
    }
}

fn main() {
    let addresses: Vec<String> = std::env::args().skip(1).collect();
    let addresses = if addresses.is_empty() {
        vec!["1 Main St".to_string()]
    } else {
        addresses
    };
    for address in addresses {
        println!("{}", place(&address));
    }
}
