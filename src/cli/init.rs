//! `bulletin-pdf init [DIR]`: a new issue file to fill in (and, with
//! `--series`, a series file), numbered after the newest issue in the folder
//! and dated today; the work is [`bulletin_model::init`]'s. Never overwrites
//! a file.

use std::path::Path;

use bulletin_model::init::{self, Wrote};
use bulletin_render::Error;

use super::term;

/// Writes a new issue file (and with `series` a series file) into `dir`,
/// and says what it wrote.
pub fn run(dir: &Path, series: bool) -> Result<(), Error> {
    let done = init::init(dir, series, init::today())?;
    for w in &done.written {
        let what = match w.what {
            Wrote::Series => "the series file".to_string(),
            Wrote::Issue => format!("issue {}, {}", done.number, done.date),
            Wrote::Schema(_) => "JSON Schema, for editors".to_string(),
        };
        term::line(&format!("wrote {} ({what})", w.path.display()));
    }
    term::line(&format!(
        "fill it in, then: bulletin-pdf check {} && bulletin-pdf {}",
        done.issue.display(),
        done.issue.display()
    ));
    Ok(())
}
