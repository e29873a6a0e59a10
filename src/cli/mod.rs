//! The command-line interface over the library: arguments, one module per
//! command, and the terminal.

pub mod args;
pub mod batch;
pub mod check;
pub mod commands;
pub mod edit;
mod edit_doc;
mod edit_paste;
#[cfg(feature = "import")]
pub mod import;
pub mod init;
pub mod render;
pub mod term;
pub mod watch;
pub mod watcher;
pub mod worker;
