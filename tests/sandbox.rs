//! A layout reads its own folder and the issue's data, nothing else: paths
//! that leave the folder, symbolic links pointing outside and package imports
//! are refused with clear errors.

use std::path::Path;

use crate::common::*;

/// Renders a one-article issue with a layout whose main.typ is `main`;
/// returns (exit code, stderr).
fn with_layout(dir: &Path, main: &str) -> (i32, String) {
    let layout = dir.join("layout");
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::write(layout.join("layout.toml"), "name = \"probe\"\n").unwrap();
    std::fs::write(layout.join("main.typ"), main).unwrap();
    let input = dir.join("issue.toml");
    std::fs::write(&input, minimal_issue("标题", "正文。", "单位")).unwrap();
    let out = dir.join("out.pdf");
    let o = run(&[
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--layout",
        layout.to_str().unwrap(),
    ]);
    (o.status.code().unwrap_or(-1), stderr(&o))
}

#[test]
fn paths_outside_the_layout_folder_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "TOP-SECRET").unwrap();
    for main in [
        "#read(\"../secret.txt\")",
        "#read(\"/../secret.txt\")",
        "#read(\"/etc/passwd\")",
        "#image(\"/etc/hostname\")",
    ] {
        let (code, err) = with_layout(tmp.path(), main);
        assert_eq!(code, 1, "{main}: {err}");
        assert!(err.contains("main.typ:1:"), "{main}: {err}");
        assert!(
            !err.contains("TOP-SECRET") && !err.contains("root:"),
            "{err}"
        );
        assert!(!tmp.path().join("out.pdf").exists());
    }
}

#[test]
fn symbolic_links_out_of_the_layout_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "TOP-SECRET").unwrap();
    std::fs::create_dir_all(tmp.path().join("layout")).unwrap();
    std::os::unix::fs::symlink(
        tmp.path().join("secret.txt"),
        tmp.path().join("layout/link.txt"),
    )
    .unwrap();
    let (code, err) = with_layout(tmp.path(), "#read(\"link.txt\")");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("leads outside the layout folder"), "{err}");
    assert!(!err.contains("TOP-SECRET"), "{err}");
}

#[test]
fn package_imports_are_refused_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, err) = with_layout(tmp.path(), "#import \"@preview/cetz:0.3.0\": canvas\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("main.typ:1:"), "{err}");
    assert!(
        err.contains("not available: bulletin-pdf works offline"),
        "{err}"
    );
}

#[test]
fn the_layout_reads_its_own_files_and_the_issue_data() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("layout/parts")).unwrap();
    std::fs::write(
        tmp.path().join("layout/parts/x.typ"),
        "#let greet = \"来自布局\"",
    )
    .unwrap();
    let (code, err) = with_layout(
        tmp.path(),
        "#import \"parts/x.typ\": greet\n#set text(font: \"FandolSong\")\n#greet #json(\"/issue.json\").bulletin.name\n",
    );
    assert_eq!(code, 0, "{err}");
    let text = pdf_text_compact(&tmp.path().join("out.pdf"));
    assert!(text.contains("来自布局工作简报"), "{text}");
}

#[test]
fn packages_come_only_from_a_local_folder_the_user_names() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("packages/preview/hello/0.1.0");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        pkg.join("typst.toml"),
        "[package]\nname = \"hello\"\nversion = \"0.1.0\"\nentrypoint = \"lib.typ\"\n",
    )
    .unwrap();
    std::fs::write(pkg.join("lib.typ"), "#let hi = \"本地包\"\n").unwrap();
    let main = "#import \"@preview/hello:0.1.0\": hi\n#set text(font: \"FandolSong\")\n#hi\n";
    // Without --package-path: refused.
    let (code, err) = with_layout(tmp.path(), main);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--package-path"), "{err}");
    // With it: imported from the folder.
    let layout = tmp.path().join("layout");
    let out = tmp.path().join("out.pdf");
    let o = run(&[
        tmp.path().join("issue.toml").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--layout",
        layout.to_str().unwrap(),
        "--package-path",
        tmp.path().join("packages").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(pdf_text_compact(&out).contains("本地包"));
    // A package that is not there is named.
    let (code, err) = with_layout(tmp.path(), "#import \"@preview/absent:1.0.0\": x\n");
    assert_eq!(code, 1);
    assert!(err.contains("absent"), "{err}");
}

#[test]
fn the_layout_reads_the_issue_folder_under_issue_files_and_nothing_beyond() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("note.txt"), "议题附注").unwrap();
    std::fs::create_dir_all(tmp.path().join("outside")).unwrap();
    std::fs::write(tmp.path().join("outside/secret.txt"), "TOP-SECRET").unwrap();
    // with_layout puts the issue in tmp and the layout in tmp/layout.
    let (code, err) = with_layout(
        tmp.path(),
        "#set text(font: \"FandolSong\")\n#read(\"/issue-files/note.txt\")\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(pdf_text_compact(&tmp.path().join("out.pdf")).contains("议题附注"));
    // Leaving the issue folder, directly or by a link, is refused.
    std::os::unix::fs::symlink("/etc/hostname", tmp.path().join("link.txt")).unwrap();
    for main in [
        "#read(\"/issue-files/../../etc/hostname\")",
        "#read(\"/issue-files/link.txt\")",
    ] {
        let (code, err) = with_layout(tmp.path(), main);
        assert_eq!(code, 1, "{main}: {err}");
        assert!(err.contains("main.typ:1:"), "{err}");
    }
}

/// Swaps two paths atomically (`renameat2` with `RENAME_EXCHANGE`), or, where
/// the system has no such call, with two renames each way.
fn exchange(a: &Path, b: &Path) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
        let (ca, cb) = (c(a), c(b));
        // SAFETY: two valid, NUL-terminated paths; AT_FDCWD for both folders.
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if r == 0 {
            return;
        }
    }
    let tmp = a.with_extension("swap");
    let _ = std::fs::rename(a, &tmp);
    let _ = std::fs::rename(b, a);
    let _ = std::fs::rename(&tmp, b);
}

/// A folder swapped for a link to the outside while a layout reads through
/// it (the race of a check by name followed by an open by name): the file is
/// opened through a handle on the issue's folder, so no outside byte is ever
/// read, however the swaps fall.
#[test]
fn a_folder_swapped_for_an_outside_link_mid_render_never_leaks() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("f.txt"), "SECRETOUTSIDE").unwrap();
    let dir = tmp.path().join("issue");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/f.txt"), "INSIDEFILE").unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("link")).unwrap();
    let layout = tmp.path().join("layout");
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::write(layout.join("layout.toml"), "name = \"race\"\n").unwrap();
    std::fs::write(
        layout.join("main.typ"),
        "#read(\"/issue-files/sub/f.txt\")\n",
    )
    .unwrap();
    let issue = dir.join("issue.toml");
    std::fs::write(&issue, minimal_issue("标题", "正文。", "单位")).unwrap();
    // sub ⇄ link (the link points out): one atomic exchange at a time.
    let (renders, inside) = race_exchanges(&layout, &issue, &dir.join("sub"), &dir.join("link"));
    assert!(
        inside > 0,
        "the inside file was never read in {renders} renders"
    );
}

/// Renders the issue with `layout` for 4 s while a thread exchanges `a`
/// and `b` as fast as it can; returns (renders, renders that printed
/// INSIDE), and fails at the first render that printed SECRET, or when too
/// few swaps or renders happened to tell.
fn race_exchanges(layout: &Path, issue: &Path, a: &Path, b: &Path) -> (usize, usize) {
    // The layout is loaded before the exchanges start.
    let session = bulletin_render::Session::new(&bulletin_render::SessionOptions {
        layout: Some(layout.to_str().unwrap().into()),
        ..Default::default()
    })
    .unwrap();
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (stop, a, b) = (stop.clone(), a.to_path_buf(), b.to_path_buf());
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                exchange(&a, &b);
                swaps += 1;
            }
            swaps
        })
    };
    let mut renderer = bulletin_render::Renderer::new(&session);
    let opts = bulletin_render::RenderOptions::default();
    let start = std::time::Instant::now();
    let (mut renders, mut inside) = (0, 0);
    let mut leaked = None;
    while start.elapsed() < std::time::Duration::from_secs(4) {
        renders += 1;
        if let Ok(r) = renderer.render_file(issue, &opts) {
            let text: String = r
                .document
                .pages()
                .iter()
                .map(|p| bulletin_render::document::page_text(&p.frame))
                .collect();
            if text.contains("SECRET") {
                leaked = Some(renders);
                break;
            }
            inside += usize::from(text.contains("INSIDEFILE"));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    if let Some(n) = leaked {
        panic!("render {n} of {renders} printed the outside file");
    }
    assert!(
        swaps > 100 && renders > 10,
        "{swaps} swaps, {renders} renders"
    );
    (renders, inside)
}

/// The issue's folder itself exchanged with a link to the outside while
/// issues render (#20 item 3): the folder is opened once, the issue file read
/// through it, and every file of the folder too, so no outside byte is read.
#[test]
fn the_issue_folder_itself_swapped_for_an_outside_link_never_leaks() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("f.txt"), "SECRETOUTSIDE").unwrap();
    let work = tmp.path().join("work");
    let dir = work.join("issue");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f.txt"), "INSIDEFILE").unwrap();
    std::os::unix::fs::symlink(&outside, work.join("link")).unwrap();
    let layout = tmp.path().join("layout");
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::write(layout.join("layout.toml"), "name = \"race\"\n").unwrap();
    std::fs::write(layout.join("main.typ"), "#read(\"/issue-files/f.txt\")\n").unwrap();
    std::fs::write(
        dir.join("issue.toml"),
        minimal_issue("标题", "正文。", "单位"),
    )
    .unwrap();
    let (renders, inside) =
        race_exchanges(&layout, &dir.join("issue.toml"), &dir, &work.join("link"));
    assert!(
        inside > 0,
        "the inside file was never read in {renders} renders"
    );
}

/// The same for the layout's folder (#20 item 3): it is opened once when the
/// layout is loaded, and every file of it is read through that handle.
#[test]
fn the_layout_folder_itself_swapped_for_an_outside_link_never_leaks() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("part.txt"), "SECRETOUTSIDE").unwrap();
    std::fs::write(outside.join("main.typ"), "SECRETMAIN").unwrap();
    let layouts = tmp.path().join("layouts");
    let layout = layouts.join("race");
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::write(layout.join("layout.toml"), "name = \"race\"\n").unwrap();
    std::fs::write(layout.join("main.typ"), "#read(\"part.txt\")\n").unwrap();
    std::fs::write(layout.join("part.txt"), "INSIDEFILE").unwrap();
    std::os::unix::fs::symlink(&outside, layouts.join("link")).unwrap();
    let issue = tmp.path().join("issue.toml");
    std::fs::write(&issue, minimal_issue("标题", "正文。", "单位")).unwrap();
    let (renders, inside) = race_exchanges(&layout, &issue, &layout, &layouts.join("link"));
    assert_eq!(inside, renders, "every render reads the layout it loaded");
}

/// Pipes and devices are never read: not as the issue, not in a batch
/// folder, not through /issue-files/; and /dev/zero does not read past the
/// limit.
#[test]
fn pipes_and_devices_are_refused_without_waiting() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.toml");
    let o = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .output()
        .unwrap();
    assert!(o.status.success());
    let start = std::time::Instant::now();
    let o = run(&[fifo.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let o = run(&[
        "/dev/zero",
        "-o",
        tmp.path().join("z.pdf").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    // A batch folder with a pipe among its issues: the pipe fails, the rest
    // render.
    std::fs::write(
        tmp.path().join("good.toml"),
        minimal_issue("标题", "正文。", "单位"),
    )
    .unwrap();
    let o = run(&[tmp.path().to_str().unwrap(), "-j", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(tmp.path().join("good.pdf").is_file(), "{}", stderr(&o));
    // Through /issue-files/.
    let layout_dir = tmp.path().join("l");
    std::fs::create_dir_all(&layout_dir).unwrap();
    let issue_dir = layout_dir.join("issue");
    std::fs::create_dir_all(&issue_dir).unwrap();
    let o = std::process::Command::new("mkfifo")
        .arg(issue_dir.join("p.txt"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let (code, err) = {
        let layout = issue_dir.join("layout");
        std::fs::create_dir_all(&layout).unwrap();
        std::fs::write(layout.join("layout.toml"), "name = \"probe\"\n").unwrap();
        std::fs::write(layout.join("main.typ"), "#read(\"/issue-files/p.txt\")").unwrap();
        let input = issue_dir.join("issue.toml");
        std::fs::write(&input, minimal_issue("标题", "正文。", "单位")).unwrap();
        let o = run(&[
            input.to_str().unwrap(),
            "--layout",
            layout.to_str().unwrap(),
            "-o",
            issue_dir.join("o.pdf").to_str().unwrap(),
        ]);
        (o.status.code(), stderr(&o))
    };
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
}

/// A path that escapes the layout's folder gets this tool's rule as its
/// hint, not Typst's advice about a `--root` option the tool does not have.
#[test]
fn an_escaping_path_is_hinted_without_a_root_option() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, err) = with_layout(tmp.path(), "#read(\"../../secret.txt\")\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("would escape the project root"), "{err}");
    assert!(!err.contains("--root"), "{err}");
    assert!(err.contains("a layout reads only its own folder"), "{err}");
}

/// A pipe is refused before it is opened: opening one wakes a process
/// waiting to write into it (a device may do worse: rewind a tape). A
/// writer blocked in its open of the pipe stays blocked through a render
/// of the pipe, through the issue's folder and through a batch.
#[test]
fn a_pipe_is_refused_without_being_opened() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cat");
    std::fs::create_dir(&dir).unwrap();
    let fifo = dir.join("pipe.toml");
    let o = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .output()
        .unwrap();
    assert!(o.status.success());
    // The writer: its open returns only once someone opens the pipe to read.
    let opened = Arc::new(AtomicBool::new(false));
    let writer = {
        let (fifo, opened) = (fifo.clone(), opened.clone());
        std::thread::spawn(move || {
            let f = std::fs::OpenOptions::new().write(true).open(&fifo);
            opened.store(true, Ordering::SeqCst);
            drop(f);
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let o = run(&[
        fifo.to_str().unwrap(),
        "-o",
        tmp.path().join("a.pdf").to_str().unwrap(),
    ]);
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let o = run(&[
        dir.to_str().unwrap(),
        "--out-dir",
        tmp.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    std::thread::sleep(std::time::Duration::from_millis(200));
    let woken = opened.load(Ordering::SeqCst);
    // Let the writer go.
    use std::os::unix::fs::OpenOptionsExt;
    let _reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(0o4000)
        .open(&fifo);
    writer.join().unwrap();
    assert!(!woken, "the pipe was opened");
}

/// A saved web page's images are read from the page's own folder only: a
/// link that points out of it, a pipe (which would block a reader), `..`
/// and an absolute path are each left out with a notice that says why, the
/// import ends at once, and nothing of the outside file is copied beside
/// the issue. An image inside the folder is kept.
#[test]
fn a_web_page_reads_only_the_images_of_its_own_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside.png");
    let png = crate::common::photos::png(40, 30, 7);
    std::fs::write(&outside, &png).unwrap();
    let page = tmp.path().join("page");
    std::fs::create_dir(&page).unwrap();
    std::fs::write(page.join("inside.png"), &png).unwrap();
    std::os::unix::fs::symlink(&outside, page.join("link.png")).unwrap();
    let o = std::process::Command::new("mkfifo")
        .arg(page.join("pipe.png"))
        .output()
        .unwrap();
    assert!(o.status.success());
    std::fs::write(
        page.join("issue.html"),
        format!(
            "<!doctype html><html><body><p>工作简报</p><p>第3期</p>\
             <p>某局办公室　2024年1月2日</p><p align=center><b>标题一</b></p>\
             <p>正文一段。</p><img src=\"link.png\"><img src=\"pipe.png\">\
             <img src=\"../outside.png\"><img src=\"{}\"><p>正文二段。</p>\
             <img src=\"inside.png\"></body></html>",
            outside.display()
        ),
    )
    .unwrap();
    let report = tmp.path().join("r.jsonl");
    let start = std::time::Instant::now();
    let o = std::process::Command::new(BIN)
        .args(["import", "--report"])
        .arg(&report)
        .arg(page.join("issue.html"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    let line = std::fs::read_to_string(&report).unwrap();
    let r: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let notices: Vec<&str> = r["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    for (name, why) in [
        ("link.png", "outside the page's folder"),
        ("pipe.png", "not a regular file"),
        ("../outside.png", "outside the page's folder"),
        (outside.to_str().unwrap(), "not in the page's folder"),
    ] {
        assert!(
            notices.iter().any(|n| n.contains(name) && n.contains(why)),
            "{name}: {notices:?}"
        );
    }
    // Only the image inside the folder was saved beside the issue.
    let saved: Vec<std::path::PathBuf> = std::fs::read_dir(page.join("issue-files"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(std::fs::read(&saved[0]).unwrap(), png);
}
