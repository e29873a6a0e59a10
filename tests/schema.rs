//! The JSON Schemas agree with the tool: the committed schemas are current,
//! the examples, a series file and an issue leaning on it pass a real JSON
//! Schema validator (boon), and dates the tool refuses are refused by the
//! schema where a schema can tell (see `TOML_DATE_DESCRIPTION` in crates/model/src/issue.rs).

use std::process::Command;

use crate::common::*;
use serde_json::Value;

/// TOML as an editor hands it to a JSON Schema validator: Taplo (Even
/// Better TOML) and TOML-to-JSON converters turn a date into its RFC 3339
/// string. (serde_json of a `toml::Value` would give the toml crate's
/// private form `{"$__toml_private_datetime": "…"}`, which no editor sees.)
fn to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

fn toml_json(text: &str) -> Value {
    to_json(&toml::Value::Table(toml::from_str(text).unwrap()))
}

fn schema_text(args: &[&str]) -> String {
    let o = Command::new(BIN).arg("schema").args(args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// Validates with boon (draft 2020-12, formats asserted); the error text
/// on failure.
fn validate(schema: &str, instance: &Value) -> Result<(), String> {
    let schema: Value = serde_json::from_str(schema).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler
        .add_resource("file:///schema.json", schema)
        .unwrap();
    let index = compiler
        .compile("file:///schema.json", &mut schemas)
        .unwrap();
    schemas
        .validate(instance, index)
        .map_err(|e| format!("{e:#}"))
}

#[test]
fn the_committed_schemas_are_current() {
    for (args, file) in [
        (&[][..], "issue.schema.json"),
        (&["--partial"][..], "issue-partial.schema.json"),
        (&["--series"][..], "series.schema.json"),
    ] {
        let printed = schema_text(args);
        let committed = std::fs::read_to_string(root().join("examples").join(file)).unwrap();
        assert_eq!(
            printed.trim(),
            committed.trim(),
            "examples/{file} is stale: bulletin-pdf schema {} > examples/{file}",
            args.join(" ")
        );
    }
}

/// The layout's view is one set of types with its schema in docs/: the
/// committed schema is current, and the data every example gives its layout
/// passes it.
#[test]
fn the_view_schema_is_current_and_the_examples_data_passes_it() {
    let printed = schema_text(&["--view"]);
    let committed = std::fs::read_to_string(root().join("docs/issue-json.schema.json")).unwrap();
    assert_eq!(
        printed.trim(),
        committed.trim(),
        "docs/issue-json.schema.json is stale: bulletin-pdf schema --view > \
         docs/issue-json.schema.json"
    );
    let session = bulletin_render::Session::new(&Default::default()).unwrap();
    for ex in ["issue-363.toml", "zhuanbao.toml", "qingkuang.toml"] {
        let prepared = bulletin_render::prepare(
            &session,
            &root().join("examples").join(ex),
            &Default::default(),
        )
        .unwrap();
        let data = serde_json::to_value(&prepared.data).unwrap();
        validate(&printed, &data).unwrap_or_else(|e| panic!("{ex}: {e}"));
    }
    // The check can fail: a layout's data without its masthead does not pass.
    let session_data = bulletin_render::prepare(
        &session,
        &root().join("examples/issue-363.toml"),
        &Default::default(),
    )
    .unwrap();
    let mut broken = serde_json::to_value(&session_data.data).unwrap();
    broken.as_object_mut().unwrap().remove("bulletin");
    assert!(validate(&printed, &broken).is_err());
}

#[test]
fn the_examples_pass_the_schema() {
    let schema = schema_text(&[]);
    for ex in ["issue-363.toml", "zhuanbao.toml"] {
        let text = std::fs::read_to_string(root().join("examples").join(ex)).unwrap();
        validate(&schema, &toml_json(&text)).unwrap_or_else(|e| panic!("{ex}: {e}"));
    }
    // Why the conversion is by hand: the toml crate's own serde form of a
    // date is an object.
    let v: toml::Table = toml::from_str("d = 2020-02-10").unwrap();
    let direct = serde_json::to_value(&v).unwrap();
    assert!(direct["d"].is_object(), "{direct}");
}

const SERIES: &str = r#"#:schema ./series.schema.json
[bulletin]
name = "工作简报"
office = "协调小组办公室"

[footer]
bao = "上级单位"
"#;

const LEANING: &str = r#"#:schema ./issue-partial.schema.json
[bulletin]
above = "建设学习型党组织"

[issue]
number = 7
date = 2024-06-18

[[articles]]
title = "标题"
body = "正文。"
"#;

#[test]
fn a_series_file_and_an_issue_leaning_on_it_pass_their_schemas() {
    let full = schema_text(&[]);
    let partial = schema_text(&["--partial"]);
    let series = schema_text(&["--series"]);
    validate(&series, &toml_json(SERIES)).unwrap();
    validate(&partial, &toml_json(LEANING)).unwrap();
    // The complete schema wants [bulletin] whole; a series file is no issue.
    let e = validate(&full, &toml_json(LEANING)).unwrap_err();
    assert!(e.contains("office"), "{e}");
    let e = validate(&partial, &toml_json(SERIES)).unwrap_err();
    assert!(e.contains("issue"), "{e}");
    // A complete issue passes all three.
    let complete = minimal_issue("标题", "正文。", "单位");
    for s in [&full, &partial, &series] {
        validate(s, &toml_json(&complete)).unwrap();
    }
    // Unknown keys are refused in a series file too, as the tool refuses them.
    let typo = SERIES.replace("office", "ofice");
    assert!(validate(&series, &toml_json(&typo)).is_err());
    // And the tool agrees: the pair checks.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bulletin.toml"), SERIES).unwrap();
    std::fs::write(tmp.path().join("issue-7.toml"), LEANING).unwrap();
    let o = run(&["check", tmp.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn dates_the_tool_refuses_are_refused_by_the_schema_where_it_can_tell() {
    let schema = schema_text(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let issue = |date: &str| minimal_issue("标题", "正文。", "单位").replace("2021-03-04", date);
    let tool_refuses = |date: &str| {
        let path = tmp.path().join("d.toml");
        std::fs::write(&path, issue(date)).unwrap();
        let o = run(&["check", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{date}: {}", stderr(&o));
        stderr(&o)
    };
    validate(&schema, &toml_json(&issue("2021-03-04"))).unwrap();
    for bad in [
        "\"2024/6/18\"",
        "\"2024年6月18日\"",
        "\"2024-13-01\"",
        "\"2024-06-18T10:00:00\"",
        "2024-06-18T10:00:00",
        "10:00:00",
    ] {
        let e = validate(&schema, &toml_json(&issue(bad)))
            .expect_err(&format!("the schema accepts date = {bad}"));
        assert!(e.contains("/issue/date"), "{bad}: {e}");
        tool_refuses(bad);
    }
    // A quoted date in the right shape: Taplo and every TOML-to-JSON
    // converter give a validator the same string for it as for a real date,
    // so the schema cannot refuse it (its description says so); check does,
    // at its line and column.
    validate(&schema, &toml_json(&issue("\"2024-06-18\""))).unwrap();
    let err = tool_refuses("\"2024-06-18\"");
    assert!(err.contains("d.toml:7:"), "{err}");
    let v: Value = serde_json::from_str(&schema).unwrap();
    let desc = v["$defs"]["TomlDate"]["description"].as_str().unwrap();
    assert!(desc.contains("bulletin-pdf check"), "{desc}");
}
