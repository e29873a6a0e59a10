//! The Fandol fonts that bulletin-pdf embeds, as bytes (GPL with font
//! exception; see `fonts/README.md`). Shared by the renderer, which loads
//! them into Typst, and the importer, which reads the original cmaps of
//! XeLaTeX PDFs made with them.

/// The embedded fonts: (file name, bytes).
pub const EMBEDDED: &[(&str, &[u8])] = &[
    (
        "FandolSong-Regular.otf",
        include_bytes!("../fonts/FandolSong-Regular.otf"),
    ),
    (
        "FandolSong-Bold.otf",
        include_bytes!("../fonts/FandolSong-Bold.otf"),
    ),
    (
        "FandolHei-Regular.otf",
        include_bytes!("../fonts/FandolHei-Regular.otf"),
    ),
    (
        "FandolHei-Bold.otf",
        include_bytes!("../fonts/FandolHei-Bold.otf"),
    ),
    (
        "FandolFang-Regular.otf",
        include_bytes!("../fonts/FandolFang-Regular.otf"),
    ),
    (
        "FandolKai-Regular.otf",
        include_bytes!("../fonts/FandolKai-Regular.otf"),
    ),
];
