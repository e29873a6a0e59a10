//! The small commands: fonts, layouts, schema, new-layout, export-typst,
//! completions and the manual (init and check have their own modules).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use bulletin_render::export::ExportOptions;
use bulletin_render::{layout, Error, RenderOptions, Session};

use super::args::{Cli, Command, Setup};
use super::term;

/// For each font role of the layout, the font that will be used; with
/// `json`, an array of {role, family, origin, candidates} (family and origin
/// null when no candidate is available).
pub fn fonts(setup: &Setup, json: bool) -> Result<(), Error> {
    let session = Session::new(&setup.session_options())?;
    let layout = session.forced.clone().unwrap_or(session.default.clone());
    if json {
        let list: Vec<serde_json::Value> = layout
            .manifest
            .fonts
            .iter()
            .map(|(role, list)| {
                let found = session.fonts.resolve(list);
                let faces: Vec<serde_json::Value> = session
                    .fonts
                    .faces(list)
                    .iter()
                    .map(|(w, o)| serde_json::json!({ "weight": w, "origin": o.to_string() }))
                    .collect();
                serde_json::json!({
                    "role": role,
                    "family": found.map(|(f, _)| f),
                    "origin": found.map(|(_, o)| o.to_string()),
                    "faces": faces,
                    "candidates": list,
                })
            })
            .collect();
        return print_json(&serde_json::Value::Array(list));
    }
    term::out(&format!("layout: {}", layout.manifest.name));
    for (role, list) in &layout.manifest.fonts {
        match session.fonts.resolve(list) {
            Some((family, origin)) => {
                // Every weight of the family: titles use its bold face.
                let faces = session.fonts.faces(list);
                let others: Vec<String> = faces
                    .iter()
                    .filter(|(_, o)| o.to_string() != origin.to_string())
                    .map(|(w, o)| format!("{}: {o}", weight_name(*w)))
                    .collect();
                let more = if others.is_empty() {
                    String::new()
                } else {
                    format!("; {}", others.join("; "))
                };
                term::out(&format!("{role:<8} {family}  ({origin}{more})"))
            }
            None => term::out(&format!("{role:<8} none of {}", list.join(", "))),
        }
    }
    Ok(())
}

/// A font weight in words: bold for 700.
fn weight_name(w: u16) -> String {
    match w {
        100 => "thin".into(),
        200 => "extra-light".into(),
        300 => "light".into(),
        400 => "regular".into(),
        500 => "medium".into(),
        600 => "semibold".into(),
        700 => "bold".into(),
        800 => "extra-bold".into(),
        900 => "black".into(),
        w => format!("weight {w}"),
    }
}

fn print_json(v: &serde_json::Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(v)
        .map_err(|e| Error::output(format!("cannot write JSON: {e}")))?;
    writeln!(std::io::stdout().lock(), "{text}")
        .map_err(|e| Error::output(format!("cannot write JSON: {e}")))
}

/// The name of a parameter type, as `layout.toml` writes it.
fn type_name(ty: layout::ParamType) -> &'static str {
    match ty {
        layout::ParamType::Bool => "bool",
        layout::ParamType::Integer => "integer",
        layout::ParamType::Number => "number",
        layout::ParamType::Length => "length",
        layout::ParamType::String => "string",
        layout::ParamType::Color => "color",
    }
}

/// A layout's parameters as JSON objects.
fn params_json(l: &layout::Layout) -> serde_json::Value {
    let params: Vec<serde_json::Value> = l
        .manifest
        .params
        .iter()
        .map(|(name, p)| {
            serde_json::json!({
                "name": name,
                "type": type_name(p.ty),
                "default": serde_json::to_value(&p.default).unwrap_or(serde_json::Value::Null),
                "min": p.min,
                "max": p.max,
                "choices": p.choices.iter().map(|c| serde_json::to_value(c).unwrap_or(serde_json::Value::Null)).collect::<Vec<_>>(),
                "description": p.description,
            })
        })
        .collect();
    serde_json::Value::Array(params)
}

/// The bundled layouts and those in ./layouts/; with `json`, an array of
/// {name, place, description, params}.
pub fn layouts(json: bool) -> Result<(), Error> {
    if !json {
        for (name, place, desc) in layout::list() {
            term::out(&format!("{name:<12} {desc}  [{place}]"));
        }
        return Ok(());
    }
    let list: Vec<serde_json::Value> = layout::list()
        .into_iter()
        .map(|(name, place, desc)| {
            let loaded = if place == "bundled" {
                layout::Layout::bundled(&name)
            } else {
                layout::Layout::from_dir(Path::new(&place))
            };
            let (params, error) = match &loaded {
                Ok(l) => (params_json(l), None),
                Err(e) => (serde_json::json!([]), Some(e.message.clone())),
            };
            let mut v = serde_json::json!({
                "name": name,
                "place": place,
                "description": desc,
                "params": params,
            });
            if let Some(e) = error {
                v["error"] = e.into();
            }
            v
        })
        .collect();
    print_json(&serde_json::Value::Array(list))
}

/// The JSON Schema of an issue file, of an issue in a series, or of a
/// series file.
pub fn schema(kind: bulletin_model::issue::SchemaKind) -> Result<(), Error> {
    print_schema(&bulletin_model::issue::schema_of(kind))
}

/// Prints a JSON Schema.
pub fn print_schema(schema: &serde_json::Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(schema)
        .map_err(|e| Error::output(format!("cannot write the schema: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Copies the default layout into ./layouts/NAME/.
pub fn new_layout(name: &str) -> Result<(), Error> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(Error::input(format!(
            "{name:?}: a layout name is letters, digits, - and _, e.g. new-layout my-office"
        )));
    }
    let dir = Path::new("layouts").join(name);
    layout::new_layout(name, &dir)?;
    term::line(&format!(
        "wrote {}: edit theme.typ (every tunable) or the element files, then render with --layout {name}",
        dir.display()
    ));
    Ok(())
}

/// A plain Typst project of one issue (`export-typst`).
pub fn export_typst(command: &Command) -> Result<(), Error> {
    let Command::ExportTypst {
        input,
        dir,
        force,
        no_fonts,
        encoding,
        allow_missing_glyphs,
        limits,
        setup,
    } = command
    else {
        return Err(Error::usage("export-typst: not that command"));
    };
    let export = ExportOptions {
        force: *force,
        fonts: !*no_fonts,
    };
    let opts = &RenderOptions {
        encoding: *encoding,
        allow_missing_glyphs: *allow_missing_glyphs,
        ..Default::default()
    };
    let limits = limits.limits();
    let export = &export;
    let session = Session::new(&setup.session_options())?;
    // The layout runs: the render's limits hold, to the last file written.
    let dog = bulletin_model::limits::Watchdog::start(limits, |e| {
        term::error_text(&e.message());
        crate::exit(1);
    });
    let _watched = dog.watch_task(
        &input.display().to_string(),
        bulletin_model::limits::Task::Export,
    );
    let exported = bulletin_render::export_typst(&session, input, opts, dir, export)?;
    term::line(&format!(
        "wrote {} ({} files, layout {}); compile it with: typst compile --font-path {}/fonts {}/main.typ",
        dir.display(),
        exported.files.len(),
        exported.layout,
        dir.display(),
        dir.display()
    ));
    Ok(())
}

/// A shell completion script on standard output.
pub fn completions(shell: clap_complete::Shell) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "bulletin-pdf", &mut std::io::stdout());
}

/// The manual page on standard output, or one page per command in `dir`.
pub fn man(dir: Option<&PathBuf>) -> Result<(), Error> {
    let cmd = Cli::command();
    let io = |e: std::io::Error| Error::output(format!("cannot write the manual: {e}"));
    let Some(dir) = dir else {
        let mut out = std::io::stdout().lock();
        clap_mangen::Man::new(cmd).render(&mut out).map_err(io)?;
        return out.flush().map_err(io);
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut pages = vec![("bulletin-pdf".to_string(), cmd.clone())];
    for sub in cmd
        .get_subcommands()
        .filter(|s| s.get_name() != "help" && !s.is_hide_set())
    {
        let name = format!("bulletin-pdf-{}", sub.get_name());
        // clap names commands with static strings; this runs once.
        let static_name: &'static str = Box::leak(name.clone().into_boxed_str());
        pages.push((name, sub.clone().name(static_name)));
    }
    for (name, page) in pages {
        let mut bytes = Vec::new();
        clap_mangen::Man::new(page).render(&mut bytes).map_err(io)?;
        bulletin_render::write_atomic(&dir.join(format!("{name}.1")), &bytes)?;
    }
    term::line(&format!("wrote the manual pages into {}", dir.display()));
    Ok(())
}
