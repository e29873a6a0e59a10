//! The issue model of bulletin-pdf: one issue of a Chinese work bulletin
//! (工作简报) as it is written in its TOML file, with everything that can
//! be known about it without a layout.
//!
//! - [`issue`]: the serde types of an issue ([`Issue`] … [`Footer`]), the one
//!   definition that reading, writing and the JSON schemas share;
//! - [`body`]: the body grammar (paragraphs, headings, run-in leads, runs);
//! - [`source`]: bounded reads, encodings, series files, the checks serde
//!   cannot make;
//! - [`lint`]: a proofreader's warnings;
//! - [`keypath`]: a place in an issue (`columns[0].articles[3]`), for
//!   messages and the comments a writer attaches there;
//! - [`init`]: new issue files to fill in, written from the model's schema;
//! - [`image`]: what an image file is, and its size in pixels;
//! - [`text`]: the text helpers every part shares (one CJK predicate, one
//!   full-width map, one edit distance);
//! - [`error`]: errors with the place in the file and what to write instead.
//!
//! Nothing here depends on Typst.
//!
//! ```
//! let issue = bulletin_model::source::parse_issue(
//!     "issue.toml".as_ref(),
//!     r#"
//! [bulletin]
//! name = "工作简报"
//! office = "办公室"
//! [issue]
//! number = 3
//! date = 2024-05-06
//! [[articles]]
//! title = "标题"
//! body = "正文。"
//! "#
//!     .as_bytes(),
//! )?;
//! assert_eq!(issue.issue.number.to_string(), "3");
//! # Ok::<(), bulletin_model::Error>(())
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod advice;
pub mod body;
pub mod date;
pub mod diag;
pub mod error;
pub mod image;
pub mod init;
pub mod issue;
pub mod keypath;
pub mod limits;
pub mod lint;
pub mod sandbox;
pub mod source;
pub mod text;

pub use crate::error::{Error, ErrorKind, Fix, Result};
pub use crate::issue::{
    Article, Body, Bulletin, Column, Date, Footer, FooterField, Issue, IssueInfo, IssueNumber,
    Note, Options,
};
pub use crate::keypath::KeyPath;
