//! Shards from a job scheduler's environment (`--shard auto`, `auto/N`):
//! Slurm's array variables, a Kubernetes Indexed Job's completion index, an
//! AWS Batch array job's index; what the report records of the shard and
//! the host; and each shard's own manifest, kept as the shard goes (a
//! killed run keeps the record of what it finished).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every variable `--shard auto` reads: removed from each run, then the
/// test's own set (so that a test run inside a scheduler's job sees only
/// these).
const VARS: &[&str] = &[
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];

fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).arg("--no-system-fonts");
    for v in VARS {
        c.env_remove(v);
    }
    c.envs(env.iter().copied());
    c.output().expect("run bulletin-pdf")
}

/// The PDFs under `dir`, by path relative to it, with their bytes.
fn pdfs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.extension().is_some_and(|x| x == "pdf") {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn report(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string()
}

/// Renders `cat` as a shard from `env` into a new folder; returns its
/// PDFs and its report.
fn shard_run(
    tmp: &Path,
    cat: &Path,
    name: &str,
    spec: &str,
    env: &[(&str, &str)],
) -> (BTreeSet<String>, Vec<Value>) {
    let out = tmp.join(name);
    let rep = tmp.join(format!("{name}.jsonl"));
    let o = run_env(
        &[
            s(cat),
            "--out-dir",
            s(&out),
            "--shard",
            spec,
            "--report",
            s(&rep),
            "-q",
        ],
        env,
    );
    assert!(o.status.success(), "{spec} {env:?}: {}", stderr(&o));
    (pdfs(&out).into_keys().collect(), report(&rep))
}

fn fixed_shard(tmp: &Path, cat: &Path, spec: &str) -> BTreeSet<String> {
    shard_run(
        tmp,
        cat,
        &format!("fixed-{}", spec.replace('/', "-")),
        spec,
        &[],
    )
    .0
}

#[test]
fn shard_auto_takes_the_shard_from_each_schedulers_variables() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    let files = catalogue::generate(&cat, 12, 5).unwrap();
    let host = hostname();
    // Slurm: --array=4-6 makes tasks 4, 5, 6; task 5 is the second of 3.
    let slurm = [
        ("SLURM_ARRAY_TASK_ID", "5"),
        ("SLURM_ARRAY_TASK_MIN", "4"),
        ("SLURM_ARRAY_TASK_MAX", "6"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
        ("SLURM_ARRAY_TASK_STEP", "1"),
    ];
    let (got, lines) = shard_run(tmp.path(), &cat, "slurm", "auto", &slurm);
    assert_eq!(got, fixed_shard(tmp.path(), &cat, "2/3"));
    assert!(!lines.is_empty());
    for l in &lines {
        assert_eq!(l["shard"], "2/3", "{l}");
        assert_eq!(l["task"], "slurm array task 5", "{l}");
        assert_eq!(l["host"], host.as_str(), "{l}");
    }
    // A stepped range: --array=0-20:10 is tasks 0, 10, 20; 20 is the third.
    let stepped = [
        ("SLURM_ARRAY_TASK_ID", "20"),
        ("SLURM_ARRAY_TASK_MIN", "0"),
        ("SLURM_ARRAY_TASK_MAX", "20"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
        ("SLURM_ARRAY_TASK_STEP", "10"),
    ];
    let (got, _) = shard_run(tmp.path(), &cat, "stepped", "auto", &stepped);
    assert_eq!(got, fixed_shard(tmp.path(), &cat, "3/3"));

    // Kubernetes Indexed Job: indexes from 0, the count on the command line.
    let mut union = BTreeSet::new();
    let mut total = 0;
    for i in 0..3 {
        let index = i.to_string();
        let (got, lines) = shard_run(
            tmp.path(),
            &cat,
            &format!("k8s-{i}"),
            "auto/3",
            &[("JOB_COMPLETION_INDEX", &index)],
        );
        assert_eq!(got, fixed_shard(tmp.path(), &cat, &format!("{}/3", i + 1)));
        for l in &lines {
            assert_eq!(l["shard"], format!("{}/3", i + 1).as_str(), "{l}");
            assert_eq!(
                l["task"],
                format!("kubernetes completion index {i}").as_str()
            );
            assert_eq!(l["host"], host.as_str(), "{l}");
        }
        total += got.len();
        union.extend(got);
    }
    assert_eq!((total, union.len()), (files.len(), files.len()));

    // AWS Batch array job: the same, from AWS_BATCH_JOB_ARRAY_INDEX.
    let (got, lines) = shard_run(
        tmp.path(),
        &cat,
        "aws",
        "auto/3",
        &[("AWS_BATCH_JOB_ARRAY_INDEX", "0")],
    );
    assert_eq!(got, fixed_shard(tmp.path(), &cat, "1/3"));
    for l in &lines {
        assert_eq!(l["task"], "aws batch array index 0", "{l}");
    }
    // A single Slurm task re-submitted (--array=2) with the count written:
    // auto/N takes the task ID as the index.
    let (got, _) = shard_run(
        tmp.path(),
        &cat,
        "slurm-n",
        "auto/3",
        &[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "2"),
            ("SLURM_ARRAY_TASK_MAX", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
        ],
    );
    assert_eq!(got, fixed_shard(tmp.path(), &cat, "3/3"));
}

/// `--shard`, the environment, what the error says.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

#[test]
fn a_missing_or_inconsistent_scheduler_variable_is_a_usage_error_that_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    catalogue::generate(&cat, 2, 5).unwrap();
    let out = tmp.path().join("out");
    let cases: &[Case] = &[
        ("auto", &[], "SLURM_ARRAY_TASK_ID is not set"),
        (
            "auto",
            &[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "0")],
            "SLURM_ARRAY_TASK_COUNT is not",
        ),
        (
            "auto",
            &[
                ("SLURM_ARRAY_TASK_ID", "3"),
                ("SLURM_ARRAY_TASK_COUNT", "8"),
            ],
            "SLURM_ARRAY_TASK_MIN is not",
        ),
        (
            "auto",
            &[
                ("SLURM_ARRAY_TASK_ID", "9"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_COUNT", "8"),
            ],
            "SLURM_ARRAY_TASK_ID=9 is not one of the array's 8 tasks",
        ),
        (
            "auto",
            &[
                ("SLURM_ARRAY_TASK_ID", "4"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_MAX", "9"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
            "SLURM_ARRAY_TASK_MAX=9",
        ),
        (
            "auto",
            &[
                ("SLURM_ARRAY_TASK_ID", "two"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_COUNT", "8"),
            ],
            "SLURM_ARRAY_TASK_ID is \"two\"",
        ),
        (
            "auto",
            &[("JOB_COMPLETION_INDEX", "1")],
            "JOB_COMPLETION_INDEX is, and it gives no count of tasks: write --shard auto/N",
        ),
        ("auto/4", &[], "none of JOB_COMPLETION_INDEX"),
        (
            "auto/4",
            &[("JOB_COMPLETION_INDEX", "4")],
            "JOB_COMPLETION_INDEX=4, but 4 tasks have the indexes 0 to 3",
        ),
        (
            "auto/4",
            &[("AWS_BATCH_JOB_ARRAY_INDEX", "-1")],
            "AWS_BATCH_JOB_ARRAY_INDEX is \"-1\"",
        ),
        (
            "auto/4",
            &[
                ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
                ("JOB_COMPLETION_INDEX", "1"),
            ],
            "JOB_COMPLETION_INDEX and AWS_BATCH_JOB_ARRAY_INDEX are all set",
        ),
        (
            "auto/4",
            &[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_COUNT", "8"),
            ],
            "SLURM_ARRAY_TASK_COUNT is 8, not 4",
        ),
    ];
    for (spec, env, want) in cases {
        let o = run_env(&[s(&cat), "--out-dir", s(&out), "--shard", spec], env);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{spec} {env:?}: {err}");
        assert!(
            err.contains(want),
            "{spec} {env:?}: expected {want:?} in:\n{err}"
        );
    }
    // Nothing was rendered.
    assert!(!out.exists());
    // auto/0 is refused by the argument's parser.
    let o = run_env(&[s(&cat), "--shard", "auto/0"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("auto/N takes the count"),
        "{}",
        stderr(&o)
    );
}

/// Files in the folders under `out` whose name starts with `prefix`.
fn named(out: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for d in std::fs::read_dir(out).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
            if f.file_name().to_string_lossy().starts_with(prefix) {
                found.push(f.path());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn each_shard_keeps_its_own_manifest_and_every_run_reads_them_all() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    catalogue::generate(&cat, 9, 3).unwrap();
    let out = tmp.path().join("out");
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let o = run_env(&[s(&cat), "--out-dir", s(&out), "--shard", &shard], &[]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // One manifest per shard and folder, no shared one; no journal is left
    // after runs that ended.
    let manifests = named(&out, ".bulletin-pdf-manifest");
    assert!(!manifests.is_empty());
    for m in &manifests {
        let name = m.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            ["1", "2", "3"]
                .iter()
                .any(|k| name == format!(".bulletin-pdf-manifest.{k}-of-3.json")),
            "{name}"
        );
    }
    assert!(named(&out, ".bulletin-pdf-journal").is_empty());
    // Each shard's manifest lists only its own outputs: 9 in all.
    let listed: usize = manifests
        .iter()
        .map(|m| {
            let v: Value = serde_json::from_slice(&std::fs::read(m).unwrap()).unwrap();
            v["outputs"].as_object().unwrap().len()
        })
        .sum();
    assert_eq!(listed, 9);
    // A run of the whole catalogue reads them all; a shard re-run too.
    let o = run_env(&[s(&cat), "--out-dir", s(&out)], &[]);
    assert!(
        stderr(&o).contains("0 rendered, 9 up to date"),
        "{}",
        stderr(&o)
    );
    let o = run_env(&[s(&cat), "--out-dir", s(&out), "--shard", "2/3"], &[]);
    let err = stderr(&o);
    let summary = err.lines().find(|l| l.contains(" up to date, ")).unwrap();
    assert!(summary.starts_with("0 rendered, "), "{err}");
}

/// Lines of the journals under `out`.
fn journal_lines(out: &Path) -> usize {
    named(out, ".bulletin-pdf-journal")
        .iter()
        .map(|j| {
            std::fs::read_to_string(j)
                .unwrap_or_default()
                .lines()
                .count()
        })
        .sum()
}

#[test]
fn a_killed_batch_keeps_the_record_of_what_it_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    let files = catalogue::generate(&cat, 24, 8).unwrap();
    let reference = tmp.path().join("reference");
    let o = run_env(&[s(&cat), "--out-dir", s(&reference), "-q"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));

    let out = tmp.path().join("out");
    let mut child = Command::new(BIN)
        .args([
            s(&cat),
            "--out-dir",
            s(&out),
            "-j",
            "1",
            "-q",
            "--no-system-fonts",
        ])
        .args(["--shard", "1/1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed (SIGKILL: nothing of it runs after) once a few issues are done.
    let start = std::time::Instant::now();
    while journal_lines(&out) < 4 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch ended before it was killed"
        );
        assert!(start.elapsed().as_secs() < 300, "no progress");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Its worker ends when its parent does; wait for the last write.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let done = journal_lines(&out);
    assert!(done >= 4 && done < files.len(), "{done}");
    // No manifest was written (the run did not end): the journal is the
    // record.
    assert!(named(&out, ".bulletin-pdf-manifest").is_empty());
    // Cut the last line short, as a kill in the middle of a write would.
    let journal = named(&out, ".bulletin-pdf-journal").pop().unwrap();
    let mut text = std::fs::read(&journal).unwrap();
    text.extend_from_slice(b"{\"name\":\"issue-0099.pdf\",\"finger");
    std::fs::write(&journal, text).unwrap();

    // The re-run skips what the journal records and renders the rest.
    let o = run_env(&[s(&cat), "--out-dir", s(&out), "--shard", "1/1"], &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let summary = err.lines().find(|l| l.contains(" up to date, ")).unwrap();
    let numbers: Vec<usize> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let (rendered, up_to_date) = (numbers[0], numbers[1]);
    assert_eq!(up_to_date, done, "{summary} ({done} journaled)");
    assert_eq!(rendered + up_to_date, files.len(), "{summary}");
    // The journal is folded into the shard's manifest, then removed.
    assert!(named(&out, ".bulletin-pdf-journal").is_empty());
    assert!(!named(&out, ".bulletin-pdf-manifest.1-of-1.json").is_empty());
    // The same bytes as an uninterrupted run.
    assert!(
        pdfs(&out) == pdfs(&reference),
        "the PDFs differ from an uninterrupted run"
    );
}
