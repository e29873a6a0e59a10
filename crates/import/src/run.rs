//! Running an external program (LibreOffice, tesseract, pdftoppm) with a
//! time limit, in its own process group: a time-out ends it and whatever it
//! started. While it runs, its group is listed, so that an import worker
//! ending on its own time limit ends it too ([`kill_running`]); on Linux
//! it is also killed when the process that started it dies.

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Why a program did not finish.
#[derive(Debug)]
pub enum RunError {
    /// It could not be started.
    Spawn(std::io::Error),
    /// It ran past its time limit and was killed.
    Timeout,
    /// Waiting for it failed.
    Wait(std::io::Error),
}

/// The process groups of the programs running now.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Runs `command` (its standard streams set by the caller: never a pipe
/// that nobody reads) in its own process group, waiting at most `limit`;
/// past it the whole group is killed.
pub fn run_limited(command: &mut Command, limit: Duration) -> Result<ExitStatus, RunError> {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl(2) is async-signal-safe; the closure allocates
        // nothing. It asks the kernel to kill the program when the thread
        // that started it ends (this one waits for it).
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(command, || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
                Ok(())
            });
        }
    }
    let mut child = command.spawn().map_err(RunError::Spawn)?;
    let id = child.id();
    if let Ok(mut running) = RUNNING.lock() {
        running.push(id);
    }
    let start = Instant::now();
    let result = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if start.elapsed() > limit => {
                kill_group(&mut child);
                break Err(RunError::Timeout);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                kill_group(&mut child);
                break Err(RunError::Wait(e));
            }
        }
    };
    // What the program left running in its group ends with it.
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(id) {
        // SAFETY: kill(2) on the group the child led.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    if let Ok(mut running) = RUNNING.lock() {
        running.retain(|&p| p != id);
    }
    result
}

/// Ends a child and every process of its group (LibreOffice's launcher
/// starts the converter as another process), and waits for it. The child
/// must have been started with `process_group(0)`.
pub fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the
        // child leads (it was started with process_group(0)).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Kills the process groups of the programs running now (for an import
/// worker that stops on its time limit: its converters and OCR go too).
pub fn kill_running() {
    let groups = match RUNNING.lock() {
        Ok(running) => running.clone(),
        Err(e) => e.into_inner().clone(),
    };
    #[cfg(unix)]
    for id in groups {
        if let Ok(pid) = i32::try_from(id) {
            // SAFETY: kill(2) on a group started by run_limited.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = groups;
}

/// Whether a program is on PATH: its path.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// A private temporary folder (mkdtemp: a name no one can tell in
/// advance, mode 0700), removed when dropped.
pub fn private_dir() -> std::io::Result<tempfile::TempDir> {
    let mut b = tempfile::Builder::new();
    b.prefix("bulletin-pdf-import-");
    #[cfg(unix)]
    b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    b.tempdir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_past_its_limit_is_killed_with_its_group() {
        let dir = private_dir().unwrap();
        let marker = dir.path().join("late");
        // The shell starts a child that would write the marker after 2 s.
        let script = format!("(sleep 2; touch '{}') & wait", marker.display());
        let start = Instant::now();
        let r = run_limited(
            Command::new("sh").args(["-c", &script]),
            Duration::from_millis(300),
        );
        assert!(matches!(r, Err(RunError::Timeout)), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(2));
        std::thread::sleep(Duration::from_millis(2500));
        assert!(!marker.exists(), "the grandchild outlived the time-out");
    }

    #[test]
    fn a_program_within_its_limit_gives_its_status() {
        let r = run_limited(
            Command::new("sh").args(["-c", "exit 3"]),
            Duration::from_secs(10),
        );
        assert_eq!(r.unwrap().code(), Some(3));
    }
}
