//! Checking an issue without writing anything: everything a render checks
//! before it lays out (the TOML with its series files, dates, `[style]`
//! against the layout's parameters, the body's blocks and files,
//! characters no font has), then a proofreader's warnings
//! ([`bulletin_model::lint`]) and the warnings a render gives about the
//! issue (head fields the layout does not place, a 密级 without a 份号,
//! text read as pasted from Word): one list, so that `check` says what a
//! render would.

use std::path::Path;

use bulletin_model::lint::{self, Warning};
use bulletin_model::source::{self, Encoding};

use crate::error::{Error, Result};
use crate::pipeline::{self, RenderOptions};
use crate::session::Session;

/// Checks one issue file: its error, or its warnings. The file is read
/// once.
pub fn check_file(session: &Session, path: &Path, opts: &RenderOptions) -> Result<Vec<Warning>> {
    let series = source::read_series(path, opts.encoding)?;
    let bytes = source::read_limited(path)?;
    check_bytes(session, path, &bytes, &series, opts).map(|(_, w)| w)
}

/// [`check_file`] on an issue's bytes read already (the editor's edited
/// text, not yet saved), on top of its series files: `path` names it and
/// its folder holds the files it names. Gives the prepared issue too, so
/// that the bytes checked are the bytes rendered.
pub fn check_bytes(
    session: &Session,
    path: &Path,
    bytes: &[u8],
    series: &[std::sync::Arc<source::Series>],
    opts: &RenderOptions,
) -> Result<(pipeline::Prepared, Vec<Warning>)> {
    let prepared = pipeline::prepare_bytes(session, path, bytes, series, opts)?;
    pipeline::check_glyphs(&prepared.data, &session.fonts)
        .map_err(|m| Error::input(format!("{}: {m}", path.display())))?;
    let own = decode(bytes, opts.encoding);
    let mut sources = vec![lint::Source { path, text: &own }];
    sources.extend(series.iter().rev().map(|s| lint::Source {
        path: &s.path,
        text: &s.text,
    }));
    let mut warnings = lint::lint(&prepared.issue, &sources);
    // What a render warns about the issue, at the file.
    warnings.extend(prepared.data.warnings.iter().map(|m| Warning {
        message: m.clone(),
        file: path.to_path_buf(),
        line: None,
        column: None,
    }));
    Ok((prepared, warnings))
}

/// The text of an issue file (already read and decoded successfully once).
fn decode(bytes: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Gbk => encoding_rs::GB18030.decode(bytes).0.into_owned(),
        _ => {
            let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            String::from_utf8_lossy(b).into_owned()
        }
    }
}
