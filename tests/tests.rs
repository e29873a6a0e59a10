//! The integration tests: one test binary, a module per topic (as ripgrep
//! does), with the shared helpers in `common`.

mod common;

mod advice;
mod architecture;
mod archive;
mod bad_inputs;
mod batch;
mod check;
mod cli;
mod edit;
mod errors;
mod export;
mod faults;
mod foot_fields;
mod head_fields;
mod hostile;
mod import;
mod import_facts;
mod import_readers;
mod import_scan;
mod import_xelatex;
mod incremental;
mod init;
mod layout_limits;
mod layouts;
mod numbered;
mod ofd;
mod pages;
mod pagination;
mod pasted;
mod preview;
mod props;
mod reference;
mod report;
mod rich;
mod roundtrip_docx;
mod roundtrip_pdf;
mod sandbox;
mod schedulers;
mod schema;
mod serve;
mod size;
mod slurm;
mod variants;
mod watch;
