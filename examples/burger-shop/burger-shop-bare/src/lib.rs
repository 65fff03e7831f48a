//! The burger shop with a bare world-level export: usable by the host, not by components.

wit_bindgen::generate!({
    path: ["../../../compiler/wit/asterai-host-0.1.0.wit", "wit/burger-shop.wit"],
    world: "example:burger-shop/component",
    generate_all,
});

use asterai::host::api::send_response;

struct BurgerShop;

impl Guest for BurgerShop {
    fn order_burger(order: Order) -> OrderResult {
        send_response(&format!("burger on its way to {}", order.address));
        OrderResult { error: None }
    }
}

export!(BurgerShop);
