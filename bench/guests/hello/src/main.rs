//! The small input of the runner benchmarks: a WASI command that only prints its
//! arguments, so `astc run` and `wasmtime run` can run the same bytes.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("hello {}", args.join(" "));
}
