//! A render session: what every issue of a run shares. The fonts (loaded
//! once), the layout given on the command line, the layouts issues name
//! (each read once), and the local packages folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::fonts::{FontOptions, Fonts};
use crate::layout::{self, Layout};

/// How to set up a session: the layout and where fonts and packages are.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SessionOptions {
    /// A layout by name or folder (`--layout`): used for every issue, even
    /// those whose issue or series file names another.
    pub layout: Option<String>,
    /// Folders searched for fonts; their fonts win over the others.
    pub font_paths: Vec<PathBuf>,
    /// Also use the installed system fonts that the layouts name.
    pub system_fonts: bool,
    /// A local folder of Typst packages (`NAMESPACE/NAME/VERSION/`).
    pub package_path: Option<PathBuf>,
}

/// What the issues of a run share.
pub struct Session {
    /// The fonts: the font paths', the system's the layouts name, and the
    /// embedded Fandol set.
    pub fonts: Arc<Fonts>,
    /// The local packages folder layouts may import from.
    pub packages: Option<PathBuf>,
    /// The layout given for every issue (`--layout`), if any.
    pub forced: Option<Arc<Layout>>,
    /// The layout of issues that name none.
    pub default: Arc<Layout>,
    /// Layouts named by issues and series files, by (folder named from, name).
    named: Mutex<HashMap<(PathBuf, String), Arc<Layout>>>,
    options: SessionOptions,
}

impl Session {
    /// Loads the layout and the fonts. The system fonts indexed are those of
    /// the families that the chosen layout and every bundled layout name (an
    /// issue may name a bundled layout), which keeps start-up fast.
    pub fn new(options: &SessionOptions) -> Result<Session> {
        let forced = match &options.layout {
            Some(name) => Some(Arc::new(Layout::find(name, Path::new("."))?)),
            None => None,
        };
        for dir in &options.font_paths {
            if !dir.is_dir() {
                return Err(Error::input(format!(
                    "--font-path {}: no such folder; name a folder that holds font files \
                     (.ttf, .otf, .ttc)",
                    dir.display()
                )));
            }
        }
        let mut families: std::collections::BTreeSet<String> = forced
            .iter()
            .flat_map(|l| l.families().cloned().collect::<Vec<_>>())
            .collect();
        for (name, _) in layout::BUNDLED {
            if let Ok(l) = Layout::bundled(name) {
                families.extend(l.families().cloned());
            }
        }
        let fonts = Fonts::load(&FontOptions {
            font_paths: options.font_paths.clone(),
            system: options.system_fonts,
            no_embedded: false,
            families,
        });
        Ok(Session::with_fonts(
            Arc::new(fonts),
            forced,
            options.clone(),
        ))
    }

    /// A session with fonts already loaded (tests, benchmarks, and `watch`
    /// when a layout changes but the fonts did not).
    pub fn with_fonts(
        fonts: Arc<Fonts>,
        forced: Option<Arc<Layout>>,
        options: SessionOptions,
    ) -> Session {
        Session {
            fonts,
            packages: options.package_path.clone(),
            forced,
            default: Arc::new(Layout::embedded_default()),
            named: Mutex::new(HashMap::new()),
            options,
        }
    }

    /// The options the session was set up with.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// The same session with its layouts read again (a designer edited
    /// one), sharing the fonts.
    pub fn reload_layouts(&self) -> Result<Session> {
        let forced = match &self.options.layout {
            Some(name) => Some(Arc::new(Layout::find(name, Path::new("."))?)),
            None => None,
        };
        Ok(Session::with_fonts(
            self.fonts.clone(),
            forced,
            self.options.clone(),
        ))
    }

    /// The layout for an issue: `--layout` if given, else the one the issue
    /// or its series names (resolved from `base`, the folder of the file
    /// that names it), else the default.
    pub fn layout_for(&self, named: Option<&str>, base: &Path) -> Result<Arc<Layout>> {
        if let Some(l) = &self.forced {
            return Ok(l.clone());
        }
        let Some(name) = named else {
            return Ok(self.default.clone());
        };
        let key = (base.to_path_buf(), name.to_string());
        let mut map = self.named.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = map.get(&key) {
            return Ok(l.clone());
        }
        let layout = Arc::new(Layout::find(name, base)?);
        map.insert(key, layout.clone());
        Ok(layout)
    }
}
