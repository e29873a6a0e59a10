//! bulletin-pdf: typeset Chinese government work bulletins (工作简报) from a
//! TOML issue file to print-ready PDF, in-process with the Typst crates.
//!
//! The pipeline, shared by every command:
//!
//! 1. A [`Session`] holds what a run shares: the fonts (loaded once), the
//!    layout given for every issue, the layouts issues name, the local
//!    packages folder.
//! 2. [`prepare`] reads an issue file on top of its series files
//!    ([`data`]), chooses its [`Layout`] and builds the data the layout
//!    reads as `/issue.json` ([`Data`]).
//! 3. A [`Renderer`] lays it out in a [`BulletinWorld`] it keeps from one
//!    issue to the next (typst-kit's file store: sources parsed once, the
//!    files each compile read recorded).
//! 4. [`export_pdf`] writes the PDF, [`write_atomic`] puts it in place;
//!    [`preview`] makes page images and the live preview's page.
//!
//! ```no_run
//! use bulletin_pdf::{export_pdf, render_file, write_atomic, RenderOptions, Session, SessionOptions};
//! let session = Session::new(&SessionOptions { system_fonts: true, ..Default::default() })?;
//! let rendered = render_file(&session, "issue-363.toml".as_ref(), &RenderOptions::default())?;
//! write_atomic("issue-363.pdf".as_ref(), &export_pdf(&rendered)?)?;
//! # Ok::<(), bulletin_pdf::Error>(())
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod batch;
pub mod content;
pub mod data;
pub mod diag;
pub mod document;
pub mod export;
pub mod fonts;
pub mod layout;
pub mod output;
pub mod pdf;
pub mod pipeline;
pub mod preview;
pub mod report;
pub mod session;
pub mod world;

// The model's modules, under the names the renderer's modules use.
use bulletin_model::{body, error, issue as model, sandbox, source};
pub use bulletin_model::{limits, Issue};

pub use crate::data::Data;
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::export::export_typst;
pub use crate::fonts::{FontOptions, Fonts};
pub use crate::layout::Layout;
pub use crate::output::write_atomic;
pub use crate::pdf::export_pdf;
pub use crate::pipeline::{
    compile_project, prepare, render_file, Prepared, RenderOptions, Rendered, Renderer,
};
pub use crate::session::{Session, SessionOptions};
pub use crate::world::BulletinWorld;
