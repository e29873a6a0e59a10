//! Embeds the bundled layouts as whole folders: every file under
//! `layouts/NAME/` becomes part of the binary, with no list kept by hand.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            files(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let layouts = root.join("layouts");
    println!("cargo:rerun-if-changed=layouts");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&layouts)
        .expect("layouts/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("layout.toml").is_file())
        .collect();
    names.sort();
    let mut code =
        String::from("/// The files of a bundled layout: (path in its folder, bytes).\n");
    code.push_str("pub type BundledFiles = &'static [(&'static str, &'static [u8])];\n");
    code.push_str("/// The layouts built into the binary: (name, files).\n");
    code.push_str("pub const BUNDLED: &[(&str, BundledFiles)] = &[\n");
    for dir in names {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut list = Vec::new();
        files(&dir, &mut list);
        code.push_str(&format!("    ({name:?}, &[\n"));
        for f in list {
            println!("cargo:rerun-if-changed={}", f.display());
            let rel = f
                .strip_prefix(&dir)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/");
            code.push_str(&format!(
                "        ({rel:?}, include_bytes!({:?})),\n",
                f.display().to_string()
            ));
        }
        code.push_str("    ]),\n");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("bundled_layouts.rs");
    std::fs::write(out, code).expect("write bundled_layouts.rs");
}
