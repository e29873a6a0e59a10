//! The terminal: colours (one switch, for every message), messages and the
//! batch progress bar.

use std::io::IsTerminal;

use bulletin_pdf::diag;

/// Turns colours on when standard error is a terminal and `NO_COLOR` is
/// not set.
pub fn init() {
    diag::set_color(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none());
}

/// Whether standard error is a terminal (progress bars, not log lines).
pub fn interactive() -> bool {
    std::io::stderr().is_terminal()
}

/// Prints an error (a diagnostic as it is, a plain message as `error: …`).
pub fn error(message: &str) {
    eprintln!("{}", diag::error(message));
}

/// Prints a warning (a diagnostic as it is, a plain message as `warning: …`).
pub fn warning(message: &str) {
    eprintln!("{}", diag::warning(message));
}

/// A progress bar for `total` issues on a terminal; `None` otherwise.
pub fn progress(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    (!quiet && interactive()).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} issues  {per_sec}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    })
}
