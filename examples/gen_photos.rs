//! Writes the photos of the 情况通报 example (examples/qingkuang-files/):
//! `cargo run --example gen_photos -- DIR`. They are drawn here, from a seed
//! (see tests/common/photos.rs), so the project may ship them.

#[path = "../tests/common/photos.rs"]
mod photos;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/qingkuang-files".into());
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).expect("create the folder");
    for (name, bytes) in [
        ("site-1.jpg", photos::jpeg(1200, 800, 1, 80)),
        ("site-2.jpg", photos::jpeg(1200, 900, 2, 80)),
    ] {
        std::fs::write(dir.join(name), bytes).expect("write the photo");
        eprintln!("wrote {}", dir.join(name).display());
    }
}
