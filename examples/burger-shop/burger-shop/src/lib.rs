//! The burger shop: takes an order and confirms it through the host.

wit_bindgen::generate!({
    path: ["../../../compiler/wit/asterai-host-0.1.0.wit", "wit/burger-shop.wit"],
    world: "example:burger-shop/component",
    generate_all,
});

use asterai::host::api::send_response;
use exports::example::burger_shop::api::{Guest, Order, OrderResult};

struct BurgerShop;

impl Guest for BurgerShop {
    fn order_burger(order: Order) -> OrderResult {
        let address = order.address.trim();
        if address.is_empty() {
            return OrderResult {
                error: Some("an order needs a delivery address".into()),
            };
        }
        send_response(&format!("burger on its way to {address}"));
        OrderResult { error: None }
    }
}

export!(BurgerShop);
