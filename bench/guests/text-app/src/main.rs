//! The large benchmark's app: a Rust command using the 18 MiB Python text provider.

wit_bindgen::generate!({
    path: ["../../../examples/polyglot/text/text-1.0.0.wit", "wit/app.wit"],
    world: "bench:text-app/app",
    generate_all,
});

fn main() {
    let phrase = std::env::args().nth(1).unwrap_or_else(|| "hello".into());
    println!("{}", poly::text::api::shout(&phrase));
}
