//! Importing old bulletins (.docx, .pdf, text, saved web pages; .doc/.wps
//! through LibreOffice) into issue files.
//!
//! A reader turns the input into a [`doc::Doc`] (paragraphs with their
//! typographic hints, tables, images); [`recognize`] finds the issue in it;
//! [`write`] writes the issue file (the model serialised), with a
//! `# check: …` comment wherever the importer guessed. [`import_all`]
//! imports files and folders as `bulletin-pdf import` does.

pub mod cid_unicode;
pub mod doc;
pub mod docx;
pub mod folder;
pub mod html;
pub mod input;
pub mod ocr;
pub mod pdf;
pub mod radicals;
pub mod recognize;
pub mod run;
pub mod text;
pub mod wire;
pub mod write;

pub use folder::{import_all, Host, ImportOptions, Outcome, Run};
pub use input::{
    found, import_file, read_bounded, sniff, Format, Imported, CONVERT_TIMEOUT, EXTENSIONS,
    MAX_INPUT_BYTES, MAX_TEXT_BYTES,
};
