//! The workspace keeps its direction: the model and the importer build
//! without Typst, and no crate has a `use` cycle among its modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::root;

/// The crates' source folders: (crate, folder of its `lib.rs`/`main.rs`).
fn crates() -> Vec<(&'static str, PathBuf)> {
    let r = root();
    vec![
        ("bulletin-model", r.join("crates/model/src")),
        ("bulletin-fonts", r.join("crates/fonts/src")),
        ("bulletin-import", r.join("crates/import/src")),
        ("bulletin-render", r.join("crates/render/src")),
        ("bulletin-ofd", r.join("crates/ofd/src")),
        ("bulletin-pdf", r.join("src")),
    ]
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a source file: `lib.rs` → [], `a.rs` → [a],
/// `a/mod.rs` → [a], `a/b.rs` → [a, b].
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The paths named after `crate::` or `super::` in a source text, as
/// segments (`crate::a::{b, c::d}` gives [a, b] and [a, c, d]), with
/// comments and the unit tests (from the file's `#[cfg(test)]` on, which
/// may use any module) left out. `super` is resolved against `module`.
fn references(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let text = text.find("\n#[cfg(test)]").map_or(text, |i| &text[..i]);
    let code: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = code.as_bytes();
    for (start, word) in [("crate::", 0usize), ("super::", 1)] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let mut base: Vec<String> = if word == 0 {
                Vec::new()
            } else {
                // The file's parent (in a file's inline `mod tests`, `super`
                // is the file itself: that edge is then to the parent, which
                // never counts).
                module[..module.len().saturating_sub(1)].to_vec()
            };
            let mut rest = &code[from..];
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            expand(rest, base, &mut out);
        }
    }
    out
}

/// `a::b::{c, d::e}…` after a prefix: every full path it names.
fn expand(rest: &str, base: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = base;
    let mut s = rest;
    loop {
        let ident: String = s
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            if let Some(inner) = s.strip_prefix('{') {
                let mut depth = 1;
                let mut end = 0;
                for (i, c) in inner.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = i;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let mut depth = 0;
                let mut piece = String::new();
                for c in inner[..end].chars().chain([',']) {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            expand(piece.trim(), path.clone(), out);
                            piece.clear();
                            continue;
                        }
                        _ => {}
                    }
                    piece.push(c);
                }
                return;
            }
            break;
        }
        s = &s[ident.len()..];
        if ident != "self" {
            path.push(ident);
        }
        match s.strip_prefix("::") {
            Some(r) => s = r,
            None => break,
        }
    }
    out.push(path);
}

/// The module graph of one crate: module → the modules it names.
fn graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = Vec::new();
    rs_files(src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(src, f)).collect();
    let mut g = BTreeMap::new();
    for f in &files {
        let m = module_of(src, f);
        let text = std::fs::read_to_string(f).unwrap();
        let mut to = BTreeSet::new();
        for path in references(&text, &m) {
            // The longest module the path starts with.
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| modules.contains(p))
                .unwrap_or_default();
            // The crate root re-exports; naming it is no dependency, nor is
            // a module's own parent (its `mod` declaration) or itself.
            if target.is_empty() || target == m || m.starts_with(&target) {
                continue;
            }
            to.insert(target);
        }
        g.insert(m, to);
    }
    g
}

/// A cycle in the graph, as a list of modules, if there is one.
fn find_cycle(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<String>> {
    fn visit(
        n: &Vec<String>,
        g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<String>> {
        state.insert(n.clone(), 1);
        stack.push(n.clone());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m).copied().unwrap_or(0) {
                0 => {
                    if let Some(c) = visit(m, g, state, stack) {
                        return Some(c);
                    }
                }
                1 => {
                    let i = stack.iter().position(|s| s == m).unwrap();
                    let mut cycle: Vec<String> = stack[i..].iter().map(|p| p.join("::")).collect();
                    cycle.push(m.join("::"));
                    return Some(cycle);
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if state.get(n).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, g, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn no_crate_has_a_use_cycle_among_its_modules() {
    for (name, src) in crates() {
        let g = graph(&src);
        assert!(
            g.len() > 1 || name == "bulletin-fonts",
            "{name}: no modules found"
        );
        if let Some(c) = find_cycle(&g) {
            panic!("{name}: the modules form a cycle: {}", c.join(" → "));
        }
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(src.join("lib.rs"), "mod a; mod b;").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::thing;\n").unwrap();
    std::fs::write(src.join("b.rs"), "// crate::a is only named here\n").unwrap();
    assert_eq!(find_cycle(&graph(src)), None);
    std::fs::write(src.join("b.rs"), "use crate::{x, a::{self, y}};\n").unwrap();
    assert_eq!(
        find_cycle(&graph(src)),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
    // A child module reached with `super::super`, in a folder.
    std::fs::create_dir(src.join("b")).unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::c::thing;\n").unwrap();
    std::fs::write(src.join("b.rs"), "mod c;").unwrap();
    std::fs::write(src.join("b/c.rs"), "fn f() { super::super::a::g() }").unwrap();
    assert_eq!(
        find_cycle(&graph(src)),
        Some(vec!["a".into(), "b::c".into(), "a".into()])
    );
}

/// `cargo tree` of a crate's normal dependencies.
fn tree(package: &str) -> String {
    tree_with(package, &[])
}

/// `cargo tree` of a crate's normal dependencies, with more flags.
fn tree_with(package: &str, flags: &[&str]) -> String {
    let o = std::process::Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--locked", "-e", "normal"])
        .args(["--prefix", "none"])
        .args(flags)
        .arg("-p")
        .arg(package)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_model_and_the_importer_build_without_typst() {
    for package in ["bulletin-model", "bulletin-import", "bulletin-ofd"] {
        let t = tree(package);
        assert!(t.lines().count() > 5, "{package}: {t}");
        let typst: Vec<&str> = t
            .lines()
            .filter(|l| l.starts_with("typst") || l.starts_with("comemo"))
            .collect();
        assert!(typst.is_empty(), "{package} depends on {typst:?}");
    }
    // The check can fail: the renderer does depend on Typst.
    assert!(tree("bulletin-render")
        .lines()
        .any(|l| l.starts_with("typst ")));
}

/// An embedder who only renders does not build the importer: the renderer
/// does not depend on it, and the binary needs it only for its `import`
/// feature (on by default).
#[test]
fn the_importer_is_optional() {
    // (zip is no sign of it: the OFD writer packs with zip too.)
    let importer = |t: &str| t.lines().any(|l| l.starts_with("bulletin-import "));
    assert!(!importer(&tree("bulletin-render")));
    assert!(!importer(&tree_with(
        "bulletin-pdf",
        &["--no-default-features"]
    )));
    assert!(importer(&tree("bulletin-pdf")));
}
