//! Writes a synthetic catalogue of distinct issues for tests and benchmarks:
//! `cargo run --release --example gen_catalogue -- N DIR [SEED]`.

#[path = "../tests/common/catalogue.rs"]
mod catalogue;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(dir)) = (args.first().and_then(|n| n.parse().ok()), args.get(1)) else {
        eprintln!("usage: gen_catalogue N DIR [SEED]");
        std::process::exit(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(363);
    match catalogue::generate(std::path::Path::new(dir), n, seed) {
        Ok(files) => eprintln!("wrote {} issues under {dir}", files.len()),
        Err(e) => {
            eprintln!("error: {dir}: {e}");
            std::process::exit(1);
        }
    }
}
