//! One input file: read within its bounds, recognised by its bytes (not its
//! name), read by its reader (.doc/.wps converted through LibreOffice first;
//! a web page's images read from its own folder), and the issue found in it.

use std::path::Path;
use std::time::Duration;

use bulletin_model::{Error, Result};

use crate::docx;
use crate::html;
use crate::ocr;
use crate::pdf;
use crate::recognize;
use crate::text;

/// The most an input file may hold (photos included).
pub const MAX_INPUT_BYTES: u64 = bulletin_model::sandbox::FILE_LIMIT;

/// The most a text input may hold: its text becomes one issue file, and an
/// issue file is at most [`bulletin_model::source::MAX_FILE_BYTES`].
pub const MAX_TEXT_BYTES: u64 = bulletin_model::source::MAX_FILE_BYTES;

/// How long LibreOffice may take to convert a .doc or .wps file.
pub const CONVERT_TIMEOUT: Duration = Duration::from_secs(120);

/// What kind of input a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    Docx,
    Pdf,
    Text,
    /// A legacy binary Word/WPS document, converted through LibreOffice.
    Legacy,
    /// A saved web page (.html/.htm, also Word's "Save as Web Page").
    Html,
    /// A scan read through OCR: an image (PNG, JPEG, TIFF), or a PDF
    /// without a text layer.
    Scan,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Text => "text",
            Format::Legacy => "doc",
            Format::Html => "html",
            Format::Scan => "scan",
        }
    }
}

/// An imported input.
#[derive(Debug, Clone)]
pub struct Imported {
    pub format: Format,
    /// The issue found in it, with the places guessed.
    pub recognized: recognize::Recognized,
}

/// The file extensions a folder is searched for.
pub const EXTENSIONS: [&str; 13] = [
    "docx", "pdf", "txt", "md", "doc", "wps", "html", "htm", "png", "jpg", "jpeg", "tif", "tiff",
];

/// Reads a named input: a regular file of at most `limit` bytes, checked
/// and read through one handle (see [`bulletin_model::sandbox::read_bounded`]).
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use bulletin_model::sandbox::ReadError;
    bulletin_model::sandbox::read_bounded(path, limit).map_err(|e| {
        Error::input(match e {
            ReadError::Io(e) => format!("{}: cannot read the file: {e}", path.display()),
            ReadError::Folder => format!("{}: is a folder", path.display()),
            ReadError::NotRegular => format!(
                "{}: is not a regular file (a pipe, a socket or a device)",
                path.display()
            ),
            ReadError::TooLarge(_) => format!(
                "{}: the file is over the limit of {} MiB for an input",
                path.display(),
                limit >> 20
            ),
        })
    })
}

/// What the bytes are: by their magic bytes first, then by the extension.
pub fn sniff(bytes: &[u8], ext: &str) -> std::result::Result<Format, String> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // A zip: a .docx has word/document.xml (its name is stored plainly
        // in the zip's directory).
        if contains(bytes, b"word/document.xml") {
            return Ok(Format::Docx);
        }
        return Err(
            "a zip archive that is not a Word document (.docx): it has no \
                    word/document.xml"
                .into(),
        );
    }
    if contains(&bytes[..bytes.len().min(1024)], b"%PDF-") {
        return Ok(Format::Pdf);
    }
    if bytes.starts_with(&OLE_MAGIC) || bytes.starts_with(b"{\\rtf") {
        return Ok(Format::Legacy);
    }
    if crate::ocr::is_image(bytes) {
        return Ok(Format::Scan);
    }
    if looks_like_html(bytes) {
        return Ok(Format::Html);
    }
    match ext {
        "docx" => Err(
            "not a Word document (.docx): the file is not a zip archive (it may be \
                       damaged, or another format renamed)"
                .into(),
        ),
        "pdf" => Err("not a PDF: the file does not start with %PDF".into()),
        "png" | "jpg" | "jpeg" | "tif" | "tiff" => Err(format!(
            "not a PNG, JPEG or TIFF image: the file does not start as one (.{ext})"
        )),
        "doc" | "wps" if !bytes.is_empty() && std::str::from_utf8(bytes).is_err() => {
            Ok(Format::Legacy)
        }
        "html" | "htm" => Ok(Format::Html),
        _ => Ok(Format::Text),
    }
}

/// Whether the first KB holds `<!doctype html`, `<html`, `<meta` or
/// `<head>` (any case, after a byte order mark and whitespace; UTF-16 pages
/// are read through their BOM).
fn looks_like_html(bytes: &[u8]) -> bool {
    let head: Vec<u8> = if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        // UTF-16: the ASCII bytes of the first KB.
        bytes[2..bytes.len().min(2050)]
            .iter()
            .copied()
            .filter(|&b| b != 0)
            .collect()
    } else {
        bytes[..bytes.len().min(1024)].to_vec()
    };
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let lower = head.to_ascii_lowercase();
    [&b"<!doctype html"[..], b"<html", b"<meta", b"<head>"]
        .iter()
        .any(|m| contains(&lower, m))
}

/// The signature of an OLE compound file (.doc, .wps, .xls…).
const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Whether an OLE compound file's header is sound: byte order FFFE, a
/// sector size of 512 or 4096 bytes, mini sectors of 64 bytes.
fn ole_header_ok(b: &[u8]) -> bool {
    b.len() >= 512
        && b[0x1C..0x1E] == [0xFE, 0xFF]
        && matches!(u16::from_le_bytes([b[0x1E], b[0x1F]]), 9 | 12)
        && u16::from_le_bytes([b[0x20], b[0x21]]) == 6
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Imports one file: reads it, recognises the issue. Never panics on any
/// input; a file that cannot be imported gives an error saying why.
pub fn import_file(path: &Path) -> Result<Imported> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = read_bounded(path, MAX_INPUT_BYTES)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "issue".into());
    let fail = |m: String| Error::input(format!("{}: {m}", path.display()));
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(fail("the file is empty: there is nothing to import".into()));
    }
    let mut format = sniff(&bytes, &ext).map_err(fail)?;
    let doc = match format {
        Format::Docx => guarded(|| docx::read(&bytes).map_err(|e| e.to_string())).map_err(fail)?,
        Format::Pdf => match guarded(|| Ok(pdf::read(&bytes))).map_err(fail)? {
            Ok(doc) => doc,
            // A scan: read through OCR.
            Err(crate::doc::ReadError::Scan(_)) => {
                format = Format::Scan;
                guarded(|| ocr::read_pdf(&bytes).map_err(|e| e.to_string())).map_err(fail)?
            }
            Err(e) => return Err(fail(e.to_string())),
        },
        Format::Scan => {
            guarded(|| ocr::read_image(&bytes).map_err(|e| e.to_string())).map_err(fail)?
        }
        Format::Text => {
            if bytes.len() as u64 > MAX_TEXT_BYTES {
                return Err(fail(format!(
                    "the text is {:.1} MiB; one issue file holds at most {} MiB: split the \
                     text into its issues",
                    bytes.len() as f64 / (1u64 << 20) as f64,
                    MAX_TEXT_BYTES >> 20
                )));
            }
            text::read(&bytes).map_err(|e| fail(e.to_string()))?
        }
        Format::Html => {
            // Images are read from the page's own folder only.
            let folder = path
                .parent()
                .map(|p| {
                    if p.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        p
                    }
                })
                .and_then(|p| bulletin_model::sandbox::Root::open(p).ok());
            guarded(|| html::read_in(&bytes, folder.as_ref()).map_err(|e| e.to_string()))
                .map_err(fail)?
        }
        Format::Legacy => {
            if bytes.starts_with(&OLE_MAGIC) && !ole_header_ok(&bytes) {
                return Err(fail(
                    "a damaged legacy Word/WPS document (its compound-file header is \
                     invalid): open it in Word or WPS if they can, and save it as .docx"
                        .into(),
                ));
            }
            let docx = convert_legacy(path).map_err(fail)?;
            guarded(|| docx::read(&docx).map_err(|e| e.to_string())).map_err(fail)?
        }
    };
    let recognized = guarded(|| Ok(recognize::recognize(doc, &stem))).map_err(fail)?;
    Ok(Imported { format, recognized })
}

/// Runs a reader, turning a panic (a bug) into an error for this input.
fn guarded<T>(
    f: impl FnOnce() -> std::result::Result<T, String>,
) -> std::result::Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => Err(
            "the importer failed on this file (an internal error); please report it \
                       with the file"
                .into(),
        ),
    }
}

pub use crate::run::kill_group;
use crate::run::{on_path, run_limited, RunError};

/// Converts a .doc/.wps file to .docx with LibreOffice (`soffice --headless
/// --convert-to docx`), in a temporary folder, within [`CONVERT_TIMEOUT`].
fn convert_legacy(path: &Path) -> std::result::Result<Vec<u8>, String> {
    let Some(soffice) = on_path("soffice").or_else(|| on_path("libreoffice")) else {
        return Err(
            "a legacy Word/WPS document (.doc/.wps) needs LibreOffice to convert it, \
                    and soffice is not installed: open it in Word or WPS and save it as .docx, \
                    then import the .docx"
                .into(),
        );
    };
    // A private folder (mkdtemp: a name no one can tell in advance, mode
    // 0700), LibreOffice's profile inside it: no other user can read the
    // document or put another conversion in its place.
    let dir = conversion_dir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let tmp = dir.path().to_path_buf();
    let result = (|| {
        // A copy with a plain name: LibreOffice names its output after it.
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_else(|| "doc".into());
        let input = tmp.join(format!("input.{ext}"));
        std::fs::copy(path, &input).map_err(|e| format!("cannot copy the file: {e}"))?;
        let profile = format!(
            "-env:UserInstallation=file://{}",
            tmp.join("profile").display()
        );
        // Its own process group (run_limited), so that a time-out ends the
        // converter it starts too, not only the launcher.
        let mut command = std::process::Command::new(&soffice);
        command
            .arg(profile)
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                "docx",
                "--outdir",
            ])
            .arg(&tmp)
            .arg(&input)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        match run_limited(&mut command, CONVERT_TIMEOUT) {
            Ok(_) => {}
            Err(RunError::Spawn(e)) => {
                return Err(format!("cannot run {}: {e}", soffice.display()))
            }
            Err(RunError::Timeout) => {
                return Err(format!(
                    "LibreOffice did not convert the file within {} s: open it in Word or \
                     WPS and save it as .docx",
                    CONVERT_TIMEOUT.as_secs()
                ))
            }
            Err(RunError::Wait(e)) => return Err(format!("LibreOffice failed: {e}")),
        }
        let out = tmp.join("input.docx");
        read_bounded(&out, MAX_INPUT_BYTES).map_err(|_| {
            "LibreOffice could not convert the file (it may be damaged or protected): open it \
             in Word or WPS and save it as .docx"
                .to_string()
        })
    })();
    drop(dir);
    result
}

/// The private folder of one conversion, removed when dropped.
fn conversion_dir() -> std::io::Result<tempfile::TempDir> {
    crate::run::private_dir()
}

/// A summary of what was found, for the report: placeholders (nothing
/// found) are null.
pub fn found(r: &recognize::Recognized) -> serde_json::Value {
    let issue = &r.issue;
    let missing = |key: &str| r.placeholders.contains(&key);
    let found = |key: &str, v: serde_json::Value| {
        if missing(key) {
            serde_json::Value::Null
        } else {
            v
        }
    };
    let articles: Vec<&bulletin_model::Article> = issue
        .columns
        .iter()
        .flat_map(|c| &c.articles)
        .chain(&issue.articles)
        .collect();
    let footer: Vec<&str> = match &issue.footer {
        Some(f) => bulletin_model::FooterField::ALL
            .iter()
            .filter(|field| field.get(f).is_some())
            .map(|field| field.key())
            .chain(f.print_date.as_ref().map(|_| "print_date"))
            .chain(f.copies.map(|_| "copies"))
            .collect(),
        None => Vec::new(),
    };
    let b = &issue.bulletin;
    serde_json::json!({
        "name": found("bulletin.name", serde_json::json!(b.name)),
        "above": b.above,
        "office": found("bulletin.office", serde_json::json!(b.office)),
        "marker": b.marker,
        "number": found("issue.number", serde_json::json!(issue.issue.number)),
        "total": issue.issue.total,
        "date": found("issue.date", serde_json::json!(issue.issue.date.get_ref().to_string())),
        "columns": issue.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "articles": articles.len(),
        "titles": articles.iter().map(|a| a.title.replace('\n', "")).collect::<Vec<_>>(),
        "footer": footer,
        "images": r.images.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A web page is told by its first KB, whatever its name; by its name
    /// only when the bytes say nothing else.
    #[test]
    fn web_pages_are_sniffed_by_content_then_by_extension() {
        for head in [
            &b"<!DOCTYPE html><p>x"[..],
            b"\xEF\xBB\xBF  <HTML><body>x",
            b"\r\n<Meta charset=gbk>x",
            b"<HEAD><title>t</title></HEAD>",
        ] {
            assert_eq!(sniff(head, "txt"), Ok(Format::Html), "{head:?}");
        }
        let mut le = vec![0xFF, 0xFE];
        for u in "<html><body>简报".encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(sniff(&le, "htm"), Ok(Format::Html));
        assert_eq!(sniff(b"<p>just a fragment</p>", "htm"), Ok(Format::Html));
        assert_eq!(sniff(b"<p>just a fragment</p>", "txt"), Ok(Format::Text));
        assert_eq!(sniff(b"%PDF-1.7 <html>", "html"), Ok(Format::Pdf));
        let late = [vec![b'x'; 2000], b"<html>".to_vec()].concat();
        assert_eq!(sniff(&late, "txt"), Ok(Format::Text));
        assert_eq!(Format::Html.name(), "html");
        assert!(EXTENSIONS.contains(&"html") && EXTENSIONS.contains(&"htm"));
    }

    /// The conversion folder is private and its name cannot be told in
    /// advance: folders planted under the old names
    /// (`$TMPDIR/bulletin-pdf-import-PID-N`) are never used.
    #[test]
    fn the_conversion_folder_is_private_and_unpredictable() {
        use std::os::unix::fs::PermissionsExt;
        let planted: Vec<PathBuf> = (0..4)
            .map(|n| {
                let p = std::env::temp_dir()
                    .join(format!("bulletin-pdf-import-{}-{n}", std::process::id()));
                let _ = std::fs::create_dir_all(&p);
                p
            })
            .collect();
        let a = conversion_dir().unwrap();
        let b = conversion_dir().unwrap();
        assert_ne!(a.path(), b.path());
        for d in [&a, &b] {
            assert!(
                !planted.iter().any(|p| p == d.path()),
                "{}",
                d.path().display()
            );
            let mode = std::fs::metadata(d.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{:o}", mode);
        }
        for p in planted {
            let _ = std::fs::remove_dir(p);
        }
    }
}
