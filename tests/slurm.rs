//! The Slurm recipe, run on a real (single-node) Slurm cluster: the
//! README's scripts (`examples/slurm/`) render a generated catalogue of
//! 2,000 issues as an array job of 8 shards and merge the shards' reports
//! after them; one task is killed midway and re-submitted. The cluster is
//! started by `.ci/slurm-cluster` (Debian's slurmctld, slurmd,
//! slurm-client and munge, which `.ci/run` installs) and stopped after.
//! Without those packages (and no way to install them) the test says it
//! skipped, unless `BULLETIN_REQUIRE_SLURM=1` (as `.ci/run` sets), when
//! that is a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

/// The issues of the catalogue.
const ISSUES: usize = 2000;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn recipe(name: &str) -> PathBuf {
    root().join("examples/slurm").join(name)
}

#[test]
fn the_readme_quotes_the_slurm_recipe_verbatim() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for name in ["submit.sh", "render.sbatch", "merge.sbatch", "resubmit.sh"] {
        let script = std::fs::read_to_string(recipe(name)).unwrap();
        let block = format!("`examples/slurm/{name}`:\n\n```bash\n{script}```");
        assert!(
            readme.contains(&block),
            "README.md does not quote examples/slurm/{name} as it is (the line \
             `examples/slurm/{name}`:, then the script in a ```bash block)"
        );
    }
}

/// A cluster started by `.ci/slurm-cluster`, stopped when dropped.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
}

impl Cluster {
    fn start(dir: &Path) -> Option<Cluster> {
        let o = Command::new(root().join(".ci/slurm-cluster"))
            .args(["start", s(dir)])
            .output()
            .unwrap();
        if o.status.code() == Some(77) {
            let why = stderr(&o);
            assert!(
                std::env::var_os("BULLETIN_REQUIRE_SLURM").is_none(),
                "BULLETIN_REQUIRE_SLURM is set, and Slurm cannot be set up: {why}"
            );
            eprintln!("SKIPPED the Slurm test: {why}");
            return None;
        }
        assert!(
            o.status.success(),
            "the test cluster did not start: {}",
            stderr(&o)
        );
        Some(Cluster {
            dir: dir.to_path_buf(),
            conf: dir.join("slurm.conf"),
        })
    }

    /// A client command (sbatch, scontrol, a script of the recipe) on this
    /// cluster, with the bulletin-pdf under test on the PATH.
    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        let bin = Path::new(BIN).parent().unwrap();
        let path = std::env::var("PATH").unwrap_or_default();
        c.env("SLURM_CONF", &self.conf)
            .env("PATH", format!("{}:{path}", bin.display()));
        c
    }

    fn output(&self, program: &str, args: &[&str]) -> String {
        let o = self
            .command(Path::new(program))
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{program} {args:?}: {}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    }

    /// The state of a job (`RUNNING`, `COMPLETED`, …): `scontrol show
    /// job` (the cluster keeps finished jobs for an hour).
    fn state(&self, job: &str) -> String {
        let o = self
            .command(Path::new("scontrol"))
            .args(["show", "job", job])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        text.split_whitespace()
            .find_map(|w| w.strip_prefix("JobState="))
            .unwrap_or("GONE")
            .to_string()
    }

    /// Waits until `job` is in one of `states`; panics with the logs after
    /// `limit`.
    fn wait(&self, job: &str, states: &[&str], limit: Duration, logs: &Path) -> String {
        let start = Instant::now();
        loop {
            let state = self.state(job);
            if states.contains(&state.as_str()) {
                return state;
            }
            if start.elapsed() > limit {
                panic!(
                    "job {job} is {state} after {limit:?}, not {states:?}\n{}",
                    self.logs(logs)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn logs(&self, reports: &Path) -> String {
        let mut out = String::new();
        for dir in [reports, &self.dir] {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "log") {
                    let text = std::fs::read_to_string(&p).unwrap_or_default();
                    let tail: Vec<&str> = text.lines().rev().take(15).collect();
                    out.push_str(&format!("--- {}\n", p.display()));
                    for l in tail.iter().rev() {
                        out.push_str(l);
                        out.push('\n');
                    }
                }
            }
        }
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command(Path::new("scancel"))
            .args(["--user=root"])
            .status();
        let _ = Command::new(root().join(".ci/slurm-cluster"))
            .args(["stop", s(&self.dir)])
            .status();
    }
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

/// The lines of the journals and manifests of shard `k` of 8 under `out`.
fn shard_record(out: &Path, k: u64) -> (usize, usize) {
    let (mut journaled, mut manifests) = (0, 0);
    for d in std::fs::read_dir(out).into_iter().flatten().flatten() {
        let j = d
            .path()
            .join(format!(".bulletin-pdf-journal.{k}-of-8.jsonl"));
        journaled += std::fs::read_to_string(&j).map_or(0, |t| t.lines().count());
        manifests += usize::from(
            d.path()
                .join(format!(".bulletin-pdf-manifest.{k}-of-8.json"))
                .exists(),
        );
    }
    (journaled, manifests)
}

fn report(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_catalogue_renders_as_a_slurm_array_with_one_task_killed_and_resubmitted() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(cluster) = Cluster::start(&tmp.path().join("cluster")) else {
        return;
    };
    let cat = tmp.path().join("catalogue");
    let files = catalogue::generate(&cat, ISSUES, 2025).unwrap();
    assert_eq!(files.len(), ISSUES);

    // The yardstick: one process, on the whole machine.
    let single = tmp.path().join("single");
    let o = run(&[s(&cat), "--out-dir", s(&single), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = pdfs(&single);
    assert_eq!(expected.len(), ISSUES);

    // The recipe: an array of 8 shards and a merge after them.
    let out = tmp.path().join("out");
    let reports = tmp.path().join("reports");
    let ids = cluster.output(
        s(&recipe("submit.sh")),
        &[s(&cat), s(&out), s(&reports), "--no-system-fonts"],
    );
    let ids: Vec<&str> = ids.split_whitespace().collect();
    let (array, merge) = (ids[0].to_string(), ids[1].to_string());
    let limit = Duration::from_secs(900);

    // Task 3 (shard 4/8) is killed (SIGKILL, to the task and all its
    // processes) midway: once it has finished about half of its ~250
    // issues.
    let midway = ISSUES / 8 / 2;
    let killed = format!("{array}_3");
    let start = Instant::now();
    loop {
        let (journaled, manifests) = shard_record(&out, 4);
        if journaled >= midway {
            break;
        }
        assert_eq!(manifests, 0, "task 3 ended before it could be killed");
        assert!(
            start.elapsed() < limit,
            "task 3 did not start\n{}",
            cluster.logs(&reports)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    cluster.output("scancel", &["--full", "--signal=KILL", &killed]);
    let state = cluster.wait(&killed, &["CANCELLED", "FAILED"], limit, &reports);
    // The other tasks finish; the merge, whose dependency can no longer be
    // met, is cancelled.
    for t in [0, 1, 2, 4, 5, 6, 7] {
        let task = format!("{array}_{t}");
        let got = cluster.wait(
            &task,
            &["COMPLETED", "FAILED", "CANCELLED"],
            limit,
            &reports,
        );
        assert_eq!(got, "COMPLETED", "task {t}\n{}", cluster.logs(&reports));
    }
    cluster.wait(&merge, &["CANCELLED"], limit, &reports);
    // What task 3 finished is recorded (its journal); it wrote no manifest
    // (it never ended) and no report.
    let (journaled, manifests) = shard_record(&out, 4);
    assert!(journaled >= midway, "{journaled}");
    assert_eq!(manifests, 0);
    assert!(!reports.join("shard-3.jsonl").exists());
    let shard_size = ISSUES
        - (0..8)
            .filter(|&t| t != 3)
            .map(|t| report(&reports.join(format!("shard-{t}.jsonl"))).len())
            .sum::<usize>();
    assert!(
        journaled < shard_size,
        "task 3 was {state} after it finished"
    );
    // Every PDF there is whole (written atomically): the bytes of the
    // single-process run.
    for (rel, bytes) in pdfs(&out) {
        assert!(expected.get(&rel) == Some(&bytes), "{rel} differs");
    }

    // Re-submitted: the same task of the same array, then a new merge.
    let merge = cluster.output(
        s(&recipe("resubmit.sh")),
        &[&array, "3", s(&cat), s(&reports)],
    );
    let merge = merge.trim().to_string();
    let got = cluster.wait(
        &merge,
        &["COMPLETED", "FAILED", "CANCELLED"],
        limit,
        &reports,
    );
    assert_eq!(got, "COMPLETED", "{}", cluster.logs(&reports));
    assert_eq!(cluster.state(&killed), "COMPLETED");

    // The merged report covers every issue exactly once.
    let summary = std::fs::read_to_string(reports.join("summary.txt")).unwrap();
    assert!(
        summary.starts_with(&format!("8 reports, {ISSUES} issues: ")),
        "{summary}"
    );
    assert!(summary.contains(" 0 failed, 0 not run"), "{summary}");
    let mut inputs = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    for t in 0..8 {
        for l in report(&reports.join(format!("shard-{t}.jsonl"))) {
            assert!(
                inputs.insert(l["input"].as_str().unwrap().to_string()),
                "{l}"
            );
            assert_eq!(l["shard"], format!("{}/8", t + 1).as_str(), "{l}");
            assert_eq!(l["task"], format!("slurm array task {t}").as_str(), "{l}");
            hosts.insert(l["host"].as_str().unwrap().to_string());
        }
    }
    let all: BTreeSet<String> = files.iter().map(|f| f.display().to_string()).collect();
    assert!(inputs == all, "the reports do not cover the catalogue");
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    assert!(
        summary.contains(&format!("shard 4/8: {shard_size} issues on ")),
        "{summary}"
    );

    // The re-run finished the shard and skipped what it had done.
    let again = report(&reports.join("shard-3.jsonl"));
    assert_eq!(again.len(), shard_size);
    let count = |status: &str| again.iter().filter(|l| l["status"] == status).count();
    assert_eq!(
        count("up-to-date"),
        journaled,
        "skipped: what the journal recorded"
    );
    assert_eq!(count("rendered"), shard_size - journaled);
    assert_eq!(
        shard_record(&out, 4),
        (0, 3),
        "no journal left, a manifest in each folder"
    );

    // The PDFs are the single-process run's, byte for byte.
    let got = pdfs(&out);
    assert_eq!(got.len(), ISSUES);
    assert!(
        got == expected,
        "the array's PDFs differ from the single-process run's"
    );
}
