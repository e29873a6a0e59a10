//! Hostile and careless inputs: no run writes over an input or another
//! process's file, colliding outputs are refused, sizes are capped, and
//! broken series files and layouts are named.

use std::path::Path;

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// This machine's name as temporary file names hold it.
fn host_in_temp_names() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect()
}

fn issue(dir: &Path, name: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, minimal_issue("标题", "正文。", "（单位）")).unwrap();
    p
}

#[test]
fn no_output_is_written_over_an_input_of_the_render() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let series = "[bulletin]\nname = \"工作简报\"\noffice = \"协调小组办公室\"\n";
    std::fs::write(dir.join("bulletin.toml"), series).unwrap();
    let own: String = minimal_issue("标题", "正文。", "（单位）")
        .split("[issue]")
        .nth(1)
        .map(|r| format!("[issue]{r}"))
        .unwrap();
    let input = dir.join("issue.toml");
    std::fs::write(&input, &own).unwrap();
    std::fs::write(dir.join("data.txt"), "附件").unwrap();
    let layout = layout_extending_default(dir, "mine", "", "#read(\"/issue-files/data.txt\")\n");
    for target in [
        dir.join("bulletin.toml"),
        dir.join("data.txt"),
        layout.join("main.typ"),
        layout.join("layout.toml"),
        dir.join("./issue.toml"),
    ] {
        let before = std::fs::read(&target).unwrap();
        let o = run(&[s(&input), "-o", s(&target), "--layout", s(&layout)]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}: {}",
            target.display(),
            stderr(&o)
        );
        assert!(
            stderr(&o).contains("is an input of this render"),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::read(&target).unwrap(),
            before,
            "{}",
            target.display()
        );
    }
}

/// Temporary files are created exclusively, under names no other process
/// can tell in advance: links planted in a shared output folder under every
/// name the old scheme (`.NAME.HOST.PID.N.tmp`) gave the next processes,
/// pointing at the issue file, are never opened or followed.
#[test]
fn links_planted_for_the_temporary_file_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let input = issue(tmp.path(), "a.toml");
    let before = std::fs::read(&input).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let host = host_in_temp_names();
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    for pid in last + 1..=last + 300 {
        for n in 0..2 {
            let name = format!(".a.pdf.{host}.{pid}.{n}.tmp");
            std::os::unix::fs::symlink(&input, out.join(name)).unwrap();
        }
    }
    let pdf = out.join("a.pdf");
    let o = run(&[s(&input), "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "the issue was overwritten"
    );
    let meta = std::fs::symlink_metadata(&pdf).unwrap();
    assert!(meta.is_file(), "the output is not a regular file: {meta:?}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
}

/// A file name of 80 Chinese characters (240 bytes, within the 255 a name
/// may have) can be written: the temporary name beside it fits too.
#[test]
fn an_output_with_a_long_chinese_name_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "关于进一步加强基层党组织建设".repeat(6);
    let name: String = name.chars().take(80).collect();
    let input = issue(tmp.path(), &format!("{name}.toml"));
    let o = run(&[s(&input)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = tmp.path().join(format!("{name}.pdf"));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn a_batch_leaves_other_processes_temporary_files_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    issue(&cat, "a.toml");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let host = host_in_temp_names();
    // A render in progress in another process (pid 1 is alive), one of
    // another machine, and the left-over of a process that is gone.
    let live = format!(".x.pdf.{host}.1.0.tmp");
    let remote = ".x.pdf.other-host.42.0.tmp".to_string();
    let dead = format!(".x.pdf.{host}.4194304.0.tmp");
    for n in [&live, &remote, &dead] {
        std::fs::write(out.join(n), "partial").unwrap();
    }
    let o = run(&[s(&cat), "--out-dir", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join(&live).exists(), "removed a live process's file");
    assert!(out.join(&remote).exists(), "removed another machine's file");
    assert!(!out.join(&dead).exists(), "kept a dead process's left-over");
}

#[test]
fn issues_that_would_write_the_same_pdf_are_refused_before_rendering() {
    let tmp = tempfile::tempdir().unwrap();
    let d1 = tmp.path().join("d1");
    let d2 = tmp.path().join("d2");
    issue(&d1, "a.toml");
    issue(&d2, "a.toml");
    issue(&d2, "b.toml");
    let out = tmp.path().join("o");
    let o = run(&[s(&d1), s(&d2), "--out-dir", s(&out), "-j", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("would be written by more than one issue"),
        "{err}"
    );
    assert!(
        err.contains("d1/a.toml") && err.contains("d2/a.toml"),
        "{err}"
    );
    assert!(!out.join("b.pdf").exists(), "rendered before refusing");
}

#[test]
fn an_issue_of_a_hundred_thousand_articles_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "[bulletin]\nname = \"工作简报\"\noffice = \"办公室\"\n[issue]\nnumber = 1\ndate = 2021-03-04\n",
    );
    for _ in 0..100_000 {
        text.push_str("[[articles]]\ntitle = \"标题\"\nbody = \"正文。\"\n");
    }
    let input = tmp.path().join("big.toml");
    std::fs::write(&input, text).unwrap();
    let start = std::time::Instant::now();
    let o = run(&[s(&input)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("may have at most 5000"),
        "{}",
        stderr(&o)
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn a_series_file_that_cannot_be_read_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let input = issue(&dir, "a.toml");
    std::os::unix::fs::symlink(tmp.path().join("gone.toml"), dir.join("bulletin.toml")).unwrap();
    let o = run(&[s(&input)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("the series file"), "{err}");
    assert!(err.contains("bulletin.toml cannot be read"), "{err}");
    assert!(!err.contains("missing field"), "{err}");
}

#[test]
fn a_layout_named_in_a_series_file_is_found_from_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let series_dir = tmp.path().join("archive");
    layout_extending_default(&series_dir, "house", "", "#[本馆版式]\n");
    std::fs::write(series_dir.join("bulletin.toml"), "layout = \"house\"\n").unwrap();
    let input = issue(&series_dir.join("2020"), "a.toml");
    let out = tmp.path().join("a.pdf");
    let o = run(&[s(&input), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(pdf_text_compact(&out).contains("本馆版式"));
}

#[test]
fn a_layout_whose_main_file_is_empty_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("l");
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::write(layout.join("layout.toml"), "name = \"l\"\nmain = \"\"\n").unwrap();
    let input = issue(tmp.path(), "a.toml");
    let o = run(&[s(&input), "--layout", s(&layout)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("main = \"\" must name the layout's Typst file"),
        "{err}"
    );
    assert!(!err.contains("Is a directory"), "{err}");
}

#[test]
fn page_images_are_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let input = issue(tmp.path(), "a.toml");
    for ppi in ["0", "100000", "NaN", "-0.5"] {
        let o = run(&[s(&input), "--format", "png", &format!("--ppi={ppi}")]);
        assert_eq!(o.status.code(), Some(1), "{ppi}: {}", stderr(&o));
        assert!(stderr(&o).contains("--ppi"), "{}", stderr(&o));
    }
}

/// A layout folder whose main.typ is `main`.
fn layout(dir: &Path, name: &str, main: &str) -> std::path::PathBuf {
    let l = dir.join(name);
    std::fs::create_dir_all(&l).unwrap();
    std::fs::write(l.join("layout.toml"), format!("name = \"{name}\"\n")).unwrap();
    std::fs::write(l.join("main.typ"), main).unwrap();
    l
}

#[test]
fn a_runaway_layout_is_stopped_by_the_time_and_memory_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let input = issue(tmp.path(), "a.toml");
    let out = tmp.path().join("a.pdf");
    // A million pages, and a loop: the time limit.
    for (name, main) in [
        ("pages", "#for i in range(1000000) [#i #pagebreak()]\n"),
        (
            "spin",
            "#let n = 0\n#for i in range(200000000) { n = calc.rem(n + i, 7) }\n#n\n",
        ),
    ] {
        let l = layout(tmp.path(), name, main);
        let start = std::time::Instant::now();
        let o = run(&[
            s(&input),
            "-o",
            s(&out),
            "--layout",
            s(&l),
            "--timeout",
            "2",
            "--max-memory",
            "4G",
        ]);
        let took = start.elapsed();
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("the render took longer than 2 s") || err.contains("over the limit of"),
            "{name}: {err}"
        );
        assert!(
            took < std::time::Duration::from_secs(20),
            "{name} took {took:?}"
        );
        assert!(!out.exists(), "{name}: a PDF was written");
    }
    // Eight gigabytes of numbers: the memory limit.
    let l = layout(tmp.path(), "hog", "#range(1000000000).len()\n");
    let o = run(&[
        s(&input),
        "-o",
        s(&out),
        "--layout",
        s(&l),
        "--max-memory",
        "300M",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("over the limit of 300 MiB (--max-memory)"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn a_runaway_issue_fails_alone_and_the_batch_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    for n in ["a", "b", "c", "d"] {
        issue(&cat, &format!("{n}.toml"));
    }
    let spin = layout(tmp.path(), "spin", "#range(1000000000).len()\n");
    let bad = cat.join("bad.toml");
    std::fs::write(
        &bad,
        format!(
            "layout = {:?}\n{}",
            spin.to_str().unwrap(),
            minimal_issue("标题", "正文。", "（单位）")
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = run(&[
        s(&cat),
        "--out-dir",
        s(&out),
        "-j",
        "2",
        "--max-memory",
        "400M",
        "--timeout",
        "20",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("4 rendered") && err.contains("1 failed"),
        "{err}"
    );
    assert!(err.contains("bad.toml: the render used"), "{err}");
    for n in ["a", "b", "c", "d"] {
        assert!(
            out.join(format!("{n}.pdf")).is_file(),
            "{n}.pdf missing: {err}"
        );
    }
    assert!(!out.join("bad.pdf").exists());
}

#[test]
fn a_message_about_a_very_long_line_shows_a_window_of_it() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("long.toml");
    let body = "正文。".repeat(300_000);
    // A mistake at the end of a line of about 2.7 MB.
    let text = minimal_issue("标题", "x", "（单位）")
        .replace("body = \"x\"", &format!("body = \"{body}\" x"));
    std::fs::write(&input, text).unwrap();
    let o = run(&[s(&input)]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.len() < 4_000, "{} bytes of message", err.len());
    assert!(err.contains("long.toml:11:900011"), "{err}");
    // A file with CR line ends (old Mac editors): no raw CR in the message.
    let cr = tmp.path().join("cr.toml");
    std::fs::write(&cr, "[bulletin]\rname = \"工作简报\r").unwrap();
    let o = run(&[s(&cr)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains('\r'), "{:?}", stderr(&o));
}

#[test]
fn a_huge_file_under_issue_files_is_refused_unread() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("issue");
    let input = issue(&dir, "a.toml");
    // A sparse 3 GB file: nothing is allocated on disk, and nothing should
    // be read.
    let big = std::fs::File::create(dir.join("big.bin")).unwrap();
    big.set_len(3 << 30).unwrap();
    let l = layout(
        tmp.path(),
        "reader",
        "#read(\"/issue-files/big.bin\", encoding: none).len()\n",
    );
    let start = std::time::Instant::now();
    let o = run(&[
        s(&input),
        "--layout",
        s(&l),
        "-o",
        s(&tmp.path().join("o.pdf")),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("larger than 64 MiB"), "{}", stderr(&o));
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_series_file_that_is_a_pipe_is_named_not_waited_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let input = issue(&dir, "a.toml");
    let o = std::process::Command::new("mkfifo")
        .arg(dir.join("bulletin.toml"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = run(&[s(&input)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("the series file"), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
}

/// A WebAssembly plugin whose one function loops forever (written out by
/// hand: the type, import, function, memory, export and code sections of
/// `(loop (br 0))`), with the two imports Typst's plugin protocol provides.
fn looping_plugin() -> Vec<u8> {
    let mut m = vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    // Types: (i32 i32) -> (), (i32) -> (), () -> i32.
    m.extend([
        0x01, 0x0e, 0x03, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x01,
        0x7f,
    ]);
    let import = |name: &str, ty: u8| {
        let mut v = vec![9u8];
        v.extend(b"typst_env");
        v.push(name.len() as u8);
        v.extend(name.as_bytes());
        v.extend([0x00, ty]);
        v
    };
    let mut imports = vec![2u8];
    imports.extend(import("wasm_minimal_protocol_send_result_to_host", 0));
    imports.extend(import("wasm_minimal_protocol_write_args_to_buffer", 1));
    m.push(0x02);
    m.push(imports.len() as u8);
    m.extend(imports);
    m.extend([0x03, 0x02, 0x01, 0x02]); // one function of type 2
    m.extend([0x05, 0x03, 0x01, 0x00, 0x01]); // one page of memory
    m.extend([
        0x07, 0x11, 0x02, 0x06, b'm', b'e', b'm', b'o', b'r', b'y', 0x02, 0x00, 0x04, b's', b'p',
        b'i', b'n', 0x00, 0x02,
    ]);
    // spin: loop { br 0 }; i32.const 0
    m.extend([
        0x0a, 0x0b, 0x01, 0x09, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x41, 0x00, 0x0b,
    ]);
    m
}

#[test]
fn a_plugin_that_loops_is_stopped_by_the_time_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let input = issue(tmp.path(), "a.toml");
    let l = layout(
        tmp.path(),
        "plugin",
        "#let p = plugin(\"spin.wasm\")\n#str(p.spin())\n",
    );
    std::fs::write(l.join("spin.wasm"), looping_plugin()).unwrap();
    let out = tmp.path().join("a.pdf");
    let start = std::time::Instant::now();
    let o = run(&[
        s(&input),
        "-o",
        s(&out),
        "--layout",
        s(&l),
        "--timeout",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the render took longer than 2 s"),
        "{}",
        stderr(&o)
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    assert!(!out.exists());
}

#[test]
fn report_merge_reads_only_bounded_regular_files() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.jsonl");
    let o = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .output()
        .unwrap();
    assert!(o.status.success());
    let truncated = tmp.path().join("cut.jsonl");
    std::fs::write(&truncated, "{\"input\":\"a.toml\",\"status\":\"rend").unwrap();
    for (input, expect) in [
        (fifo.to_str().unwrap(), "not a regular file"),
        ("/dev/zero", "not a regular file"),
        (
            truncated.to_str().unwrap(),
            "cut.jsonl:1: not a line of a bulletin-pdf report",
        ),
    ] {
        let start = std::time::Instant::now();
        let o = std::process::Command::new(BIN)
            .args(["report", "merge", input])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{input}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{input}: {}", stderr(&o));
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{input}"
        );
    }
}

#[test]
fn a_pipe_as_a_batch_manifest_or_a_layout_manifest_is_not_waited_on() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    issue(&cat, "a.toml");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let mkfifo = |p: &Path| {
        let o = std::process::Command::new("mkfifo")
            .arg(p)
            .output()
            .unwrap();
        assert!(o.status.success());
    };
    mkfifo(&out.join(".bulletin-pdf-manifest.json"));
    let start = std::time::Instant::now();
    let o = run(&[s(&cat), "--out-dir", s(&out)]);
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    assert!(out.join("a.pdf").is_file(), "{}", stderr(&o));
    let layout = tmp.path().join("l");
    std::fs::create_dir_all(&layout).unwrap();
    mkfifo(&layout.join("layout.toml"));
    let o = run(&[
        s(&cat.join("a.toml")),
        "--layout",
        s(&layout),
        "-o",
        s(&tmp.path().join("x.pdf")),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
}

/// Foreign text never drives the terminal: control characters in a file
/// name (OSC 52 writes the clipboard), an issue's title (CSI 2J clears the
/// screen) and a shard report's message are shown as symbols.
#[test]
fn terminal_escapes_in_names_titles_and_reports_are_shown_not_obeyed() {
    let tmp = tempfile::tempdir().unwrap();
    let no_escape = |what: &str, out: &str| {
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{what}: a control character reached the terminal: {out:?}"
        );
    };
    // A file name, in a batch's log and its error.
    let cat = tmp.path().join("cat");
    std::fs::create_dir_all(&cat).unwrap();
    let evil = cat.join("x\u{1b}]52;c;SGVsbG8=\u{7}.toml");
    std::fs::write(&evil, "[bulletin]\nname = 工作简报\n").unwrap();
    let o = run(&[s(&cat), "--out-dir", s(&tmp.path().join("out"))]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("␛]52;c;SGVsbG8=␇"), "{}", stderr(&o));
    no_escape("batch", &stderr(&o));
    // An issue's title, in a check warning.
    let title = tmp.path().join("title.toml");
    std::fs::write(
        &title,
        minimal_issue("标题\u{1b}[2J", "会议,研究部署。", "（单位）"),
    )
    .unwrap();
    let o = run(&["check", s(&title)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("␛[2J"),
        "no warning with the title: {}",
        stderr(&o)
    );
    no_escape("check", &stderr(&o));
    // A shard report's message, in report merge.
    let report = tmp.path().join("r.jsonl");
    std::fs::write(
        &report,
        "{\"input\":\"a.toml\",\"output\":\"a.pdf\",\"status\":\"failed\",\"error\":\
         {\"message\":\"bad\\u001b[2J\\u001b]0;owned\\u0007\",\"file\":null,\"line\":null,\
         \"column\":null},\"pages\":null,\"millis\":1,\"sha256\":null,\"shard\":null,\
         \"warnings\":[]}\n",
    )
    .unwrap();
    let o = std::process::Command::new(BIN)
        .args(["report", "merge", s(&report)])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(all.contains("bad␛[2J"), "{all}");
    no_escape("report merge", &all);
}

/// A line break in an input's file name (a carriage return, which the
/// banner comment once let through) cannot inject TOML into the imported
/// issue: foreign text reaches a TOML comment through one escaping function.
#[test]
fn a_file_name_cannot_inject_toml_into_an_import() {
    let tmp = tempfile::tempdir().unwrap();
    let old = tmp.path().join("old");
    std::fs::create_dir_all(&old).unwrap();
    let text = std::fs::read_to_string(root().join("tests/data/import/county.txt")).unwrap();
    for evil in [
        "a\rlayout = \"zhuanbao\"\r#.txt",
        "b\nlayout = \"zhuanbao\"\n#.txt",
        "c\u{2028}layout = \"zhuanbao\".txt",
    ] {
        std::fs::write(old.join(evil), &text).unwrap();
    }
    let out = tmp.path().join("issues");
    let o = std::process::Command::new(BIN)
        .args(["import", s(&old), "--out-dir", s(&out)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut seen = 0;
    for e in std::fs::read_dir(&out).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "toml") {
            seen += 1;
            // Read as bulletin-pdf reads it (a lone CR ends a line).
            let bytes = std::fs::read(&p).unwrap();
            let issue = bulletin_model::source::parse_issue(&p, &bytes)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert_eq!(issue.layout, None, "{}", p.display());
        }
    }
    assert_eq!(seen, 3, "{}", stderr(&o));
}

/// A report is an output like any other: never an input of the run (an
/// issue file — `check --report s/*.toml` is an easy slip of the glob —, a
/// series file, a document being imported), never the run's other output.
#[test]
fn a_report_is_never_written_over_an_input_or_an_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let a = issue(&dir, "a.toml");
    let b = issue(&dir, "b.toml");
    let series = dir.join("bulletin.toml");
    std::fs::write(&series, "[bulletin]\nmarker = \"内部资料\"\n").unwrap();
    let old = tmp.path().join("old");
    std::fs::create_dir_all(&old).unwrap();
    let doc = old.join("x.txt");
    std::fs::copy(root().join("tests/data/import/county.txt"), &doc).unwrap();
    let keep: Vec<(std::path::PathBuf, Vec<u8>)> = [&a, &b, &series, &doc]
        .iter()
        .map(|p| (p.to_path_buf(), std::fs::read(p).unwrap()))
        .collect();
    let c = tmp.path().join("c.pdf");
    for args in [
        vec!["check", "--report", s(&a), s(&b)],
        vec!["check", s(&dir), "--report", s(&series)],
        vec![s(&a), "--report", s(&series)],
        vec![s(&a), "-o", s(&c), "--report", s(&c)],
        vec![
            s(&dir),
            "--out-dir",
            s(&tmp.path().join("pdf")),
            "--report",
            s(&b),
        ],
        vec!["import", s(&old), "--report", s(&doc)],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--report"), "{args:?}: {}", stderr(&o));
        for (p, bytes) in &keep {
            assert_eq!(
                &std::fs::read(p).unwrap(),
                bytes,
                "{args:?} changed {}",
                p.display()
            );
        }
        assert!(!c.exists(), "{args:?}");
    }
    // A report of its own still works.
    let o = run(&["check", s(&dir), "--report", s(&tmp.path().join("r.jsonl"))]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// An article with more than ten footnotes renders on a fresh machine: the
/// embedded fonts have ①…⑩ and no ⑪, so from 11 on the layout draws the
/// circle, and the number stays text (it can be searched and copied).
#[test]
fn an_article_with_twelve_footnotes_renders_with_the_embedded_fonts() {
    let tmp = tempfile::tempdir().unwrap();
    let body: String = (1..=12).map(|i| format!("第{i}句话[^{i}]。")).collect();
    let notes: String = (1..=12)
        .map(|i| format!("{i} = \"第{i}条注释。\"\n"))
        .collect();
    let text = format!(
        "[bulletin]\nname = \"工作简报\"\noffice = \"协调小组办公室\"\n\n[issue]\nnumber = 1\n\
         date = 2021-03-04\n\n[[articles]]\ntitle = \"标题\"\nbody = \"{body}\"\n\n\
         [articles.footnotes]\n{notes}"
    );
    let input = tmp.path().join("notes.toml");
    std::fs::write(&input, text).unwrap();
    let pdf = tmp.path().join("notes.pdf");
    let o = run(&[s(&input), "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = pdf_text_compact(&pdf);
    for want in ["⑩第10条注释", "11第11条注释", "12第12条注释"] {
        assert!(t.contains(want), "{want} not in {t}");
    }
}

/// An issue whose own file names no office: the series file gives it.
fn issue_without_office(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join("issue.toml");
    let own =
        minimal_issue("标题", "正文。", "（单位）").replace("office = \"协调小组办公室\"\n", "");
    std::fs::write(&p, own).unwrap();
    p
}

fn chown(p: &Path, uid: u32) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; -1 leaves the group as it is.
    unsafe { libc::lchown(c.as_ptr(), uid, u32::MAX) == 0 }
}

/// Another user's series file (#20 item 5): a `bulletin.toml` written by
/// someone else in a shared folder above an issue, or a link they planted
/// to a private file, is not read; the run says so, and `--trust-series`
/// reads it. (Needs to run as root to give files to another user.)
#[test]
fn series_files_of_other_users_are_left_out_and_named() {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: only root can make files of another user here");
        return;
    }
    const NOBODY: u32 = 65534;
    let tmp = tempfile::tempdir().unwrap();
    let series = "[bulletin]\noffice = \"外来单位办公室\"\n";
    // 1. The series file in the issue's own folder belongs to another user.
    let dir = tmp.path().join("one");
    let input = issue_without_office(&dir);
    std::fs::write(dir.join("bulletin.toml"), series).unwrap();
    assert!(chown(&dir.join("bulletin.toml"), NOBODY));
    let out = dir.join("o.pdf");
    let o = run(&[s(&input), "-o", s(&out)]);
    let err = strip_ansi(&stderr(&o));
    // Without the office the issue is incomplete: the series file was not read.
    assert!(!o.status.success() && !out.exists(), "{err}");
    assert!(
        err.contains("bulletin.toml was not read") && err.contains("another user"),
        "{err}"
    );
    assert!(err.contains("--trust-series"), "{err}");
    let o = run(&[s(&input), "-o", s(&out), "--trust-series"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(pdf_text_compact(&out).contains("外来单位办公室"));

    // 2. A folder above belongs to another user: the search stops there,
    // though the series file in it is root's own.
    let shared = tmp.path().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(shared.join("bulletin.toml"), series).unwrap();
    let input = issue_without_office(&shared.join("mine"));
    assert!(chown(&shared, NOBODY));
    let out = shared.join("mine/o.pdf");
    let o = run(&[s(&input), "-o", s(&out)]);
    let err = strip_ansi(&stderr(&o));
    assert!(err.contains("its folder belongs to another user"), "{err}");
    assert!(!out.exists() || !pdf_text_compact(&out).contains("外来单位"));
    // check agrees with render.
    let o = run(&["check", s(&input)]);
    assert!(
        strip_ansi(&stderr(&o)).contains("was not read"),
        "{}",
        stderr(&o)
    );

    // 3. A link planted by another user to a private file: the link is
    // judged by its own owner and is never followed.
    let dir = tmp.path().join("three");
    let input = issue_without_office(&dir);
    let private = tmp.path().join("private.txt");
    std::fs::write(&private, "PRIVATE-FIRST-LINE = 1\n").unwrap();
    std::os::unix::fs::symlink(&private, dir.join("bulletin.toml")).unwrap();
    assert!(chown(&dir.join("bulletin.toml"), NOBODY));
    let o = run(&[s(&input), "-o", s(&dir.join("o.pdf"))]);
    assert!(!stderr(&o).contains("PRIVATE-FIRST-LINE"), "{}", stderr(&o));
    assert!(strip_ansi(&stderr(&o)).contains("was not read"));
}

/// The search for series files stops at a repository's root, as git's does:
/// a bulletin.toml above the folder that holds `.git` is not read.
#[test]
fn series_files_above_a_repository_root_are_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("bulletin.toml"),
        "[bulletin]\noffice = \"仓库外单位\"\n",
    )
    .unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::write(
        repo.join("bulletin.toml"),
        "[bulletin]\nname = \"仓库简报\"\n",
    )
    .unwrap();
    let input = issue_without_office(&repo.join("2024"));
    let out = repo.join("o.pdf");
    let o = run(&[s(&input), "-o", s(&out)]);
    assert!(!o.status.success() && !out.exists(), "{}", stderr(&o));
    let o = run(&["check", s(&input)]);
    let err = strip_ansi(&stderr(&o));
    assert!(!err.contains("仓库外单位"), "{err}");
    // The repository's own series file is read.
    std::fs::write(
        repo.join("bulletin.toml"),
        "[bulletin]\nname = \"仓库简报\"\noffice = \"仓库内单位\"\n",
    )
    .unwrap();
    let o = run(&[s(&input), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(pdf_text_compact(&out).contains("仓库内单位"));
}

/// `export-typst --force` into a folder whose `fonts/` or `issue-files/` is a
/// link leading out (#20 item 6): nothing is written outside DIR.
#[test]
fn export_typst_never_writes_through_links_inside_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let input = issue(&tmp.path().join("src"), "issue.toml");
    std::fs::write(
        tmp.path().join("src/photo.png"),
        crate::common::photos::png(400, 300, 7),
    )
    .unwrap();
    std::fs::write(
        &input,
        std::fs::read_to_string(&input).unwrap()
            + "\n[[articles]]\ntitle = \"图\"\nbyline = \"（单位）\"\n[[articles.body]]\nimage = \"photo.png\"\ncaption = \"图一\"\n",
    )
    .unwrap();
    for sub in ["fonts", "issue-files"] {
        let out = tmp.path().join(format!("out-{sub}"));
        let outside = tmp.path().join(format!("outside-{sub}"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(out.join("old.txt"), "not empty").unwrap();
        std::os::unix::fs::symlink(&outside, out.join(sub)).unwrap();
        let o = run(&["export-typst", s(&input), s(&out), "--force"]);
        let err = strip_ansi(&stderr(&o));
        assert_eq!(o.status.code(), Some(1), "{sub}: {err}");
        assert!(
            err.contains("a symbolic link leading out of it is refused"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_dir(&outside).unwrap().count(),
            0,
            "{sub}: files were written outside DIR"
        );
    }
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

/// A 7 KB-class PDF whose page draws Form XObject 30, which draws 29
/// twice, … down to 1: 2^30 draws.
fn xobject_bomb() -> Vec<u8> {
    const N: usize = 30;
    // 1 catalogue, 2 pages, 3 page, 4 content, 5.. the forms.
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
             /Resources << /XObject << /X{N} {} 0 R >> >> >>",
            4 + N
        )
        .into_bytes(),
        stream("", format!("/X{N} Do").as_bytes()),
    ];
    for k in 1..=N {
        let (content, res) = if k == 1 {
            ("BT ET 0 0 m 1 1 l S".to_string(), String::new())
        } else {
            (
                format!("/X{} Do /X{} Do", k - 1, k - 1),
                format!(
                    "/Resources << /XObject << /X{} {} 0 R >> >>",
                    k - 1,
                    4 + k - 1
                ),
            )
        };
        objects.push(stream(
            &format!("/Type /XObject /Subtype /Form /BBox [0 0 10 10] {res}"),
            content.as_bytes(),
        ));
    }
    pdf_of(&objects)
}

/// A small PDF drawing one 6000×6000 grey image (run-length encoded: about
/// 560 KB for 36 MB of pixels) twenty times.
fn image_bomb() -> Vec<u8> {
    let pixels = 6000usize * 6000;
    let mut rle = Vec::with_capacity(pixels / 64 + 2);
    let mut left = pixels;
    while left > 0 {
        let n = left.min(128);
        rle.push((257 - n) as u8);
        rle.push(0x80);
        left -= n;
    }
    rle.push(128);
    let draws: String = (0..20)
        .map(|i| format!("q 500 0 0 500 {} 100 cm /Im Do Q ", i * 2))
        .collect();
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
          /Resources << /XObject << /Im 5 0 R >> >> >>"
            .to_vec(),
        stream("", draws.as_bytes()),
        stream(
            "/Type /XObject /Subtype /Image /Width 6000 /Height 6000 /ColorSpace /DeviceGray \
             /BitsPerComponent 8 /Filter /RunLengthDecode",
            &rle,
        ),
    ])
}

/// The importer is bounded (#20 item 7): each document of a folder is read
/// in a worker process under --timeout and --max-memory; one made to
/// exhaust the reader stops with a message that says so, and the rest of
/// the folder is imported and written.
#[test]
fn a_hostile_document_stops_at_the_limits_and_the_rest_is_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("old");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a-bomb.pdf"), xobject_bomb()).unwrap();
    std::fs::write(dir.join("b-images.pdf"), image_bomb()).unwrap();
    std::fs::write(
        dir.join("c-good.txt"),
        "工作简报\n第3期\n县委办公室　　2020年5月6日\n\n【工作动态】\n\n标题一\n\n正文第一段。\n\n（单位）\n",
    )
    .unwrap();
    let start = std::time::Instant::now();
    let o = std::process::Command::new(BIN)
        .args(["import", s(&dir), "--timeout", "3", "--max-memory", "400M"])
        .output()
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    let err = strip_ansi(&stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("a-bomb.pdf: the import took longer than 3 s"),
        "{err}"
    );
    assert!(
        err.contains("b-images.pdf: the import used")
            || err.contains("b-images.pdf: the import took longer"),
        "{err}"
    );
    assert!(dir.join("c-good.toml").is_file(), "{err}");
    assert!(!dir.join("a-bomb.toml").exists() && !dir.join("b-images.toml").exists());
    // Two documents stopped at their limits, well before the 2^30 draws end.
    assert!(secs < 30.0, "{secs} s");
}

/// `export-typst` runs the layout under the render's limits (#20 item 8).
#[test]
fn export_typst_stops_a_runaway_layout_at_its_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let input = issue(tmp.path(), "issue.toml");
    let layout = layout_extending_default(
        tmp.path(),
        "loop",
        "",
        // Loops within small arrays: time, not memory.
        "#let n = 0\n#for i in range(20000) { for j in range(20000) { n = calc.rem(n + j, 7) } }\n#n\n",
    );
    let start = std::time::Instant::now();
    let o = run(&[
        "export-typst",
        s(&input),
        s(&tmp.path().join("out")),
        "--layout",
        s(&layout),
        "--timeout",
        "2",
    ]);
    let err = strip_ansi(&stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("the export took longer than 2 s"), "{err}");
    assert!(start.elapsed().as_secs() < 20);
}

/// A numbered run's --timeout is the run's, not each copy's, and a run
/// stopped half-way leaves none of its staged copies behind (#20 item 9).
#[test]
fn a_numbered_run_is_timed_as_a_whole_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let input = issue(tmp.path(), "issue.toml");
    let out = tmp.path().join("copies");
    std::fs::create_dir_all(&out).unwrap();
    let start = std::time::Instant::now();
    let o = run(&[
        s(&input),
        "--numbered",
        "1-100000",
        "-o",
        s(&out.join("copy-{n}.pdf")),
        "--timeout",
        "3",
    ]);
    let secs = start.elapsed().as_secs_f64();
    let err = strip_ansi(&stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the numbered run took longer than 3 s"),
        "{err}"
    );
    assert!(secs < 30.0, "{secs} s");
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "{} files left behind: {:?}",
        left.len(),
        &left[..left.len().min(5)]
    );
}
