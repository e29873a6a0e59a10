//! The renderer of bulletin-pdf: lays out Chinese government work bulletins
//! (工作简报), read with [`bulletin_model`], with the Typst crates, in-process,
//! and exports them: print-ready PDF (PDF/A, PDF/UA), page images, plain Typst
//! projects, numbered print runs, whole catalogues with reports.
//!
//! The pipeline, shared by every command:
//!
//! 1. A [`Session`] holds what a run shares: the fonts (loaded once), the
//!    layout given for every issue, the layouts issues name, the local
//!    packages folder.
//! 2. [`prepare`] reads an issue file on top of its series files
//!    ([`bulletin_model::source`]), chooses its [`Layout`] and builds the
//!    layout's view of it, the data the layout reads as `/issue.json`
//!    ([`Data`]).
//! 3. A [`Renderer`] lays it out in a [`BulletinWorld`] it keeps from one
//!    issue to the next (typst-kit's file store: sources parsed once, the
//!    files each compile read recorded).
//! 4. [`export_pdf`] makes the PDF, [`write_atomic`] puts it in place;
//!    [`preview`] makes page images and the live preview's page;
//!    [`numbered`] prints numbered copies; [`batch`] renders catalogues.
//!
//! An issue from a string, to PDF (with the embedded fonts only):
//!
//! ```
//! use bulletin_render::{export_pdf, prepare_bytes, RenderOptions, Renderer, Session, SessionOptions};
//! let toml = r#"
//! [bulletin]
//! name = "工作简报"
//! office = "办公室"
//!
//! [issue]
//! number = 12
//! date = 2024-05-06
//!
//! [[articles]]
//! title = "全市召开安全生产工作会议"
//! body = "会议要求，各地各部门要压实责任。"
//! "#;
//! let session = Session::new(&SessionOptions::default())?;
//! let opts = RenderOptions::default();
//! let prepared = prepare_bytes(&session, "issue.toml".as_ref(), toml.as_bytes(), &[], &opts)?;
//! let rendered = Renderer::new(&session).render(&prepared, &opts)?;
//! let pdf = export_pdf(&rendered)?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! # Ok::<(), bulletin_render::Error>(())
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod batch;
pub mod check;
pub mod content;
pub mod data;
mod diag;
pub mod document;
pub mod export;
pub mod fonts;
pub mod images;
pub mod layout;
pub mod numbered;
pub mod ofd;
mod output;
mod pdf;
mod pipeline;
pub mod preview;
pub mod report;
mod session;
mod world;

// The model's modules, under the names the renderer's modules use.
use bulletin_model::{body, error, issue as model, sandbox, source};
pub use bulletin_model::{limits, Issue};

pub use crate::data::Data;
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::export::export_typst;
pub use crate::fonts::{FontFile, FontOptions, Fonts, Origin};
pub use crate::layout::Layout;
pub use crate::ofd::{export_for, export_ofd};
pub use crate::output::{
    refuse_inputs, refuse_report, remove_staged, stage, write_atomic, Staged, Stager,
};
pub use crate::pdf::export_pdf;
pub use crate::pipeline::{
    compile_project, folder_of, prepare, prepare_bytes, prepare_with, render_file, Prepared,
    RenderOptions, Rendered, Renderer,
};
pub use crate::session::{Session, SessionOptions};
pub use crate::world::{BulletinWorld, Loader};
