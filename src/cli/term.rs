//! The terminal: colours (decided here, where messages are written),
//! messages and the batch progress bar.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use bulletin_model::diag::{self, Diagnostic};
use bulletin_model::Error;

static COLOR: AtomicBool = AtomicBool::new(false);

/// Turns colours on when standard error is a terminal and `NO_COLOR` is
/// not set, or when `CLICOLOR_FORCE` is set (to something other than 0).
pub fn init() {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    let on = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        false
    } else {
        set("CLICOLOR_FORCE") || std::io::stderr().is_terminal()
    };
    COLOR.store(on, Ordering::Relaxed);
}

/// Whether messages are written with colours.
pub fn color() -> bool {
    COLOR.load(Ordering::Relaxed)
}

/// Whether standard error is a terminal (progress bars, not log lines).
pub fn interactive() -> bool {
    std::io::stderr().is_terminal()
}

/// Prints an error: with its place and line when it has one, else as
/// `error: MESSAGE`.
pub fn error(e: &Error) {
    eprintln!("{}", e.render(color()));
}

/// Prints a line of the log on standard error; text from outside in it
/// (file names, titles) cannot drive the terminal (see
/// [`bulletin_model::text::visible`]).
pub fn line(s: &str) {
    eprintln!("{}", bulletin_model::text::visible(s));
}

/// Prints a line on standard output, as [`line`] does.
pub fn out(s: &str) {
    println!("{}", bulletin_model::text::visible(s));
}

/// Prints a plain message as an error, `error: MESSAGE`.
pub fn error_text(message: &str) {
    error(&Error::input(message));
}

/// Prints a warning, `warning: MESSAGE` (with its place when it has one).
pub fn warning(w: &Diagnostic) {
    eprintln!("{}", diag::render(w, color()));
}

/// Prints a plain message as a warning.
pub fn warning_text(message: &str) {
    warning(&Diagnostic::warning(message));
}

/// A progress bar for `total` issues on a terminal; `None` otherwise.
pub fn progress(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    (!quiet && interactive()).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} issues  {rate}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            // indicatif's {per_sec} prints 15.9044/s: one decimal is enough.
            .with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&rate(s.per_sec()));
                },
            ),
        );
        bar
    })
}

/// A rate for people: `15.9/s`, `250/s`.
pub fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        "0/s".into()
    } else if per_sec >= 100.0 {
        format!("{per_sec:.0}/s")
    } else {
        format!("{per_sec:.1}/s")
    }
}
