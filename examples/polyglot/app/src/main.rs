//! A Rust command using text utilities written in Python and arithmetic written in
//! JavaScript, composed ahead of time into one component.

wit_bindgen::generate!({
    path: ["../text/text-1.0.0.wit", "../math/math.wit", "wit/app.wit"],
    world: "poly:app/app",
    generate_all,
});

use poly::{math::api as math, text::api as text};

fn main() {
    let phrase = std::env::args().nth(1).unwrap_or_else(|| "static composition works".into());
    println!("python shout: {}", text::shout(&phrase));
    println!("python words: {:?}", text::words(&phrase));
    println!("js add: {}", math::add(1.5, 2.25));
    println!("js fib(90): {}", math::fib(90));
}
