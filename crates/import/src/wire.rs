//! An import as bytes, for a worker process to hand its result to the
//! process that writes it: `import` reads each document in a process of its
//! own, under the time and memory limits, so that a document made to
//! exhaust the reader ends that process only.
//!
//! The form: one line of JSON (the issue as TOML text, the checks, the
//! report's lists, the images' names and sizes), then the images' bytes, one
//! after the other. It is read back with every size checked.

use serde::{Deserialize, Serialize};

use bulletin_model::keypath::KeyPath;

use crate::input::{Format, Imported};
use crate::recognize::{Check, Recognized};

#[derive(Serialize, Deserialize)]
struct Head {
    format: Format,
    /// The issue, serialised as an issue file (it reads back with its
    /// spans, which JSON cannot carry).
    issue: String,
    checks: Vec<(KeyPath, String)>,
    placeholders: Vec<String>,
    dropped: Vec<String>,
    repairs: Vec<String>,
    notices: Vec<String>,
    /// (path relative to the issue file, bytes).
    images: Vec<(String, u64)>,
}

/// The keys that can hold a placeholder (see [`Recognized::placeholders`]).
const PLACEHOLDERS: [&str; 4] = [
    "bulletin.name",
    "bulletin.office",
    "issue.number",
    "issue.date",
];

/// An import as bytes.
pub fn encode(imp: &Imported) -> Result<Vec<u8>, String> {
    let r = &imp.recognized;
    let head = Head {
        format: imp.format,
        issue: toml::to_string(&r.issue).map_err(|e| format!("cannot encode the issue: {e}"))?,
        checks: r.checks.iter().map(|c| (c.at, c.message.clone())).collect(),
        placeholders: r.placeholders.iter().map(|p| p.to_string()).collect(),
        dropped: r.dropped.clone(),
        repairs: r.repairs.clone(),
        notices: r.notices.clone(),
        images: r
            .images
            .iter()
            .map(|(n, b)| (n.clone(), b.len() as u64))
            .collect(),
    };
    let mut out = serde_json::to_vec(&head).map_err(|e| e.to_string())?;
    out.push(b'\n');
    for (_, bytes) in &r.images {
        out.extend_from_slice(bytes);
    }
    Ok(out)
}

/// An import read back from [`encode`]'s bytes.
pub fn decode(bytes: &[u8]) -> Result<Imported, String> {
    let bad = |m: &str| format!("the import worker's answer is damaged ({m})");
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| bad("no head"))?;
    let head: Head = serde_json::from_slice(&bytes[..end]).map_err(|e| bad(&e.to_string()))?;
    // serde's reading only: the checks are the writer's, after the import.
    let issue: bulletin_model::Issue =
        toml::from_str(&head.issue).map_err(|e| bad(&e.to_string()))?;
    let mut rest = &bytes[end + 1..];
    let mut images = Vec::new();
    for (name, len) in head.images {
        let len = usize::try_from(len).map_err(|_| bad("an image's size"))?;
        if len > rest.len() {
            return Err(bad("an image is cut short"));
        }
        let (data, tail) = rest.split_at(len);
        images.push((name, data.to_vec()));
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(bad("bytes after the images"));
    }
    let placeholders = head
        .placeholders
        .iter()
        .map(|p| {
            PLACEHOLDERS
                .iter()
                .find(|k| **k == p.as_str())
                .copied()
                .ok_or_else(|| bad("an unknown placeholder"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Imported {
        format: head.format,
        recognized: Recognized {
            issue,
            checks: head
                .checks
                .into_iter()
                .map(|(at, message)| Check { at, message })
                .collect(),
            placeholders,
            dropped: head.dropped,
            repairs: head.repairs,
            images,
            notices: head.notices,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An import of a text bulletin reads back as the same import.
    #[test]
    fn an_import_reads_back_from_its_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x.txt");
        std::fs::write(&p, "工作简报\n第3期\n县委办公室　　2020年5月6日\n\n【工作动态】\n\n标题一\n\n正文第一段。\n\n（单位）\n").unwrap();
        let mut imp = crate::input::import_file(&p).unwrap();
        imp.recognized
            .images
            .push(("img-1.png".into(), vec![1, 2, 3]));
        let back = decode(&encode(&imp).unwrap()).unwrap();
        assert_eq!(
            toml::to_string(&back.recognized.issue).unwrap(),
            toml::to_string(&imp.recognized.issue).unwrap()
        );
        assert_eq!(back.recognized.images, imp.recognized.images);
        assert_eq!(back.recognized.checks, imp.recognized.checks);
        assert_eq!(back.recognized.placeholders, imp.recognized.placeholders);
        assert!(decode(&encode(&imp).unwrap()[..10]).is_err());
    }
}
