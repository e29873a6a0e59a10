//! `watch` renders again when, and only when, a file the render depends on
//! changes: the issue, its series file, the layout the series file names
//! (its manifest and its Typst files), a file of the issue's folder the
//! layout reads (`/issue-files/`), a local package, and a font file in use.
//! Nothing polls: a file that the render does not read changes nothing.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use crate::common::*;

/// A running `bulletin-pdf watch`, killed when dropped.
struct Watch {
    child: Child,
    lines: Receiver<String>,
    log: Vec<String>,
}

impl Watch {
    fn start(dir: &Path, args: &[&str]) -> Watch {
        let mut child = Command::new(BIN)
            .arg("watch")
            .args(args)
            .current_dir(dir)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start bulletin-pdf watch");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watch {
            child,
            lines,
            log: Vec::new(),
        }
    }

    /// Waits for the next render (a `rendered` line, or an error); returns
    /// whether it worked.
    fn next_render(&mut self, what: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.starts_with("rendered ") {
                        return true;
                    }
                    if line.starts_with("(kept the last good") {
                        return false;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "no render after {what}; watch said:\n{}",
            self.log.join("\n")
        );
    }

    /// Asserts that nothing is rendered for a while.
    fn quiet_for(&mut self, what: &str, wait: Duration) {
        if let Ok(line) = self.lines.recv_timeout(wait) {
            panic!("{what} made watch say {line:?}; it should not have rendered");
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Rewrites a file with a small change (as an editor saves it).
fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn watch_renders_again_on_a_change_of_each_kind_of_dependency() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("issues");
    // The issue leans on a series file that names a layout folder.
    write(
        &dir.join("bulletin.toml"),
        "layout = \"../mine\"\n\n[bulletin]\nname = \"工作简报\"\noffice = \"协调小组办公室\"\n",
    );
    let issue = dir.join("issue.toml");
    let body = minimal_issue("学习动态", "中心组开展专题学习。", "（办公室）");
    let own: String = body
        .split("[issue]")
        .nth(1)
        .map(|rest| format!("[issue]{rest}"))
        .unwrap();
    write(&issue, &own);
    write(&dir.join("extra.txt"), "附件说明");
    write(&dir.join("unrelated.txt"), "不相干");
    // The layout: the default's main file, plus a line that prints a file of
    // the issue's folder through a local package.
    let layout = layout_extending_default(
        tmp.path(),
        "mine",
        "#import \"@local/stamp:0.1.0\": stamp\n",
        "#stamp(read(\"/issue-files/extra.txt\"))\n",
    );
    let pkg = tmp.path().join("packages/local/stamp/0.1.0");
    write(
        &pkg.join("typst.toml"),
        "[package]\nname = \"stamp\"\nversion = \"0.1.0\"\nentrypoint = \"lib.typ\"\n",
    );
    write(&pkg.join("lib.typ"), "#let stamp(t) = [#t 甲]\n");
    // A font folder with the 仿宋 face the body is set in: it wins over the
    // embedded copy, so the render uses this file.
    let fonts = tmp.path().join("fonts");
    std::fs::create_dir_all(&fonts).unwrap();
    let font = fonts.join("FandolFang-Regular.otf");
    std::fs::copy(
        root().join("crates/fonts/fonts/FandolFang-Regular.otf"),
        &font,
    )
    .unwrap();

    let out = tmp.path().join("out.pdf");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let args = [
        s(&issue),
        "-o".into(),
        s(&out),
        "--package-path".into(),
        s(&tmp.path().join("packages")),
        "--font-path".into(),
        s(&fonts),
        "--no-system-fonts".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut watch = Watch::start(tmp.path(), &args);
    assert!(watch.next_render("starting"), "{}", watch.log.join("\n"));
    let text = || pdf_text_compact(&out);
    assert!(text().contains("附件说明甲"), "{}", text());

    type Change<'a> = (&'a str, Box<dyn Fn() + 'a>, &'a str);
    let changes: Vec<Change> = vec![
        (
            "the issue",
            Box::new(|| edit(&issue, "学习动态", "学习动态更新")),
            "学习动态更新",
        ),
        (
            "the series file",
            Box::new(|| {
                edit(
                    &dir.join("bulletin.toml"),
                    "协调小组办公室",
                    "领导小组办公室",
                )
            }),
            "领导小组办公室",
        ),
        (
            "the layout's main file",
            Box::new(|| {
                edit(
                    &layout.join("main.typ"),
                    "#stamp(read(",
                    "#[版式已改]\n#stamp(read(",
                )
            }),
            "版式已改",
        ),
        (
            "the layout's manifest",
            Box::new(|| {
                edit(
                    &layout.join("layout.toml"),
                    "extends = \"default\"\n",
                    "extends = \"default\"\n\n[params]\ntoc_bullet = { type = \"string\", default = \"◆\" }\n",
                )
            }),
            "◆",
        ),
        (
            "a file of the issue's folder",
            Box::new(|| edit(&dir.join("extra.txt"), "附件说明", "附件已换")),
            "附件已换",
        ),
        (
            "a local package",
            Box::new(|| edit(&pkg.join("lib.typ"), "甲", "乙")),
            "附件已换乙",
        ),
    ];
    for (what, change, expect) in &changes {
        change();
        assert!(watch.next_render(what), "{}", watch.log.join("\n"));
        assert!(
            text().contains(expect),
            "after a change of {what}, the PDF lacks {expect}: {}",
            text()
        );
    }
    // A font file in use: written again (a new version of the font).
    std::fs::write(&font, std::fs::read(&font).unwrap()).unwrap();
    assert!(watch.next_render("a font file"), "{}", watch.log.join("\n"));

    // A file the render does not read: no render.
    std::fs::write(dir.join("unrelated.txt"), "仍不相干").unwrap();
    watch.quiet_for("a file nothing reads", Duration::from_millis(1500));

    // A broken edit keeps the last good PDF and is reported; the fix renders.
    let good = std::fs::read(&out).unwrap();
    edit(&issue, "[issue]", "[issue\n");
    assert!(!watch.next_render("a broken issue"));
    assert!(
        watch.log.iter().any(|l| l.contains("issue.toml:")),
        "{}",
        watch.log.join("\n")
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        good,
        "the last good PDF changed"
    );
    edit(&issue, "[issue\n", "[issue]");
    assert!(watch.next_render("the fix"), "{}", watch.log.join("\n"));
}

#[test]
fn watch_takes_the_options_of_a_render() {
    // Page images instead of a PDF, and a PDF standard: the same options as
    // a single render.
    let tmp = tempfile::tempdir().unwrap();
    let issue = tmp.path().join("issue.toml");
    write(&issue, &minimal_issue("标题", "正文。", "（单位）"));
    let pattern = tmp.path().join("p-{p}.svg");
    let args = [
        issue.to_str().unwrap(),
        "-o",
        pattern.to_str().unwrap(),
        "--pdf-standard",
        "a-2b",
        "--no-system-fonts",
    ];
    let mut watch = Watch::start(tmp.path(), &args);
    assert!(watch.next_render("starting"), "{}", watch.log.join("\n"));
    let svg = std::fs::read_to_string(tmp.path().join("p-1.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..50.min(svg.len())]);
}

/// Saves a file as safe-write editors do (`sed -i`, Python's `os.replace`):
/// a new file, renamed over the old one.
fn rename_save(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    let tmp = path.with_extension("swp~");
    std::fs::write(&tmp, text.replacen(from, to, 1)).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A file saved by rename, then edited twice in place, and a file deleted
/// and created again: every later change is seen (#20 item 20, #21 item 8),
/// for the issue and for a layout file alike.
#[test]
fn watch_keeps_seeing_files_saved_by_rename_or_deleted_and_recreated() {
    let tmp = tempfile::tempdir().unwrap();
    let issue = tmp.path().join("issue.toml");
    write(&issue, &minimal_issue("标题甲", "正文。", "（单位）"));
    let layout = layout_extending_default(tmp.path(), "mine", "", "#text[版式一]\n");
    let out = tmp.path().join("issue.pdf");
    let mut w = Watch::start(
        tmp.path(),
        &["issue.toml", "--layout", layout.to_str().unwrap()],
    );
    assert!(w.next_render("the start"));
    let main = layout.join("main.typ");
    for (n, (file, from, to)) in [(&issue, "标题甲", "标题乙"), (&main, "版式一", "版式二")]
        .into_iter()
        .enumerate()
    {
        rename_save(file, from, to);
        assert!(w.next_render("a rename-save"), "{}", w.log.join("\n"));
        assert!(pdf_text_compact(&out).contains(to));
        let second = format!("{to}二");
        edit(file, to, &second);
        assert!(w.next_render("an edit after a rename-save"));
        assert!(pdf_text_compact(&out).contains(&second), "edit {n}");
        let third = format!("{to}三");
        edit(file, &second, &third);
        assert!(w.next_render("a second edit after a rename-save"));
        assert!(pdf_text_compact(&out).contains(&third), "edit {n}");
    }
    // Deleted, then created again (some editors, a `git checkout`).
    let text = std::fs::read_to_string(&issue).unwrap();
    std::fs::remove_file(&issue).unwrap();
    assert!(!w.next_render("a delete"));
    std::fs::write(&issue, text.replace("标题乙三", "标题丙")).unwrap();
    assert!(w.next_render("a re-create"));
    assert!(pdf_text_compact(&out).contains("标题丙"));
    edit(&issue, "标题丙", "标题丁");
    assert!(w.next_render("an edit after a re-create"));
    assert!(pdf_text_compact(&out).contains("标题丁"));
}
