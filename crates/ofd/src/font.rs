//! Font programs for the package: a subset of the glyphs a document uses
//! (subsetter, as Typst's PDFs), with the tables an OFD reader needs back in
//! it. subsetter leaves out `cmap` and `OS/2` (a PDF carries its own
//! encoding); an OFD reader finds glyphs through the font's `cmap`, and
//! GB/T 42133-2022 6.2.6c asks a subset to keep `cmap` and `OS/2`. So a
//! `cmap` is built from the characters the document maps to each glyph, and
//! the original `OS/2` is copied.

use std::collections::BTreeMap;

/// The tables of an sfnt (one face of a collection), by tag.
fn tables(data: &[u8], index: u32) -> Option<Vec<([u8; 4], &[u8])>> {
    let u32_at = |o: usize| -> Option<u32> {
        Some(u32::from_be_bytes(data.get(o..o + 4)?.try_into().ok()?))
    };
    let u16_at = |o: usize| -> Option<u16> {
        Some(u16::from_be_bytes(data.get(o..o + 2)?.try_into().ok()?))
    };
    let mut start = 0usize;
    if data.get(0..4)? == b"ttcf" {
        start = u32_at(12 + 4 * index as usize)? as usize;
    }
    let count = u16_at(start + 4)? as usize;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let rec = start + 12 + 16 * i;
        let tag: [u8; 4] = data.get(rec..rec + 4)?.try_into().ok()?;
        let offset = u32_at(rec + 8)? as usize;
        let len = u32_at(rec + 12)? as usize;
        out.push((tag, data.get(offset..offset.checked_add(len)?)?));
    }
    Some(out)
}

fn checksum(data: &[u8]) -> u32 {
    let mut sum = 0u32;
    for chunk in data.chunks(4) {
        let mut b = [0u8; 4];
        b[..chunk.len()].copy_from_slice(chunk);
        sum = sum.wrapping_add(u32::from_be_bytes(b));
    }
    sum
}

/// Writes an sfnt from its tables (sorted by tag, 4-byte aligned, with
/// checksums and head.checkSumAdjustment).
fn build_sfnt(flavor: [u8; 4], mut tables: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
    tables.sort_by_key(|t| t.0);
    let n = tables.len() as u16;
    let selector = 15 - n.max(1).leading_zeros() as u16;
    let range = (1u16 << selector) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&flavor);
    for v in [n, range, selector, n * 16 - range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in &mut tables {
        if tag == b"head" && data.len() >= 12 {
            data[8..12].fill(0);
            head_at = Some(offset);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    if let Some(at) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    out
}

/// A `cmap` table: format 4 (Windows BMP, one segment a character, while it
/// fits) and format 12 (Windows full repertoire), from character to glyph.
pub fn cmap_table(map: &BTreeMap<char, u16>) -> Vec<u8> {
    // Format 12: groups of consecutive characters with consecutive glyphs.
    let mut groups: Vec<(u32, u32, u32)> = Vec::new();
    for (&c, &g) in map {
        let (c, g) = (c as u32, u32::from(g));
        match groups.last_mut() {
            Some((start, end, gid)) if *end + 1 == c && *gid + (c - *start) == g => *end = c,
            _ => groups.push((c, c, g)),
        }
    }
    let mut f12 = Vec::new();
    f12.extend_from_slice(&12u16.to_be_bytes());
    f12.extend_from_slice(&0u16.to_be_bytes());
    f12.extend_from_slice(&((16 + 12 * groups.len()) as u32).to_be_bytes());
    f12.extend_from_slice(&0u32.to_be_bytes());
    f12.extend_from_slice(&(groups.len() as u32).to_be_bytes());
    for (s, e, g) in &groups {
        for v in [s, e, g] {
            f12.extend_from_slice(&v.to_be_bytes());
        }
    }
    // Format 4: a segment a BMP character, then the closing 0xFFFF segment.
    let bmp: Vec<(u16, u16)> = map
        .iter()
        .filter(|(c, _)| (**c as u32) < 0xFFFF)
        .map(|(c, g)| (*c as u32 as u16, *g))
        .collect();
    let seg = bmp.len() + 1;
    let f4_len = 16 + 8 * seg;
    let f4 = (f4_len <= 0xFFFF).then(|| {
        let mut t = Vec::with_capacity(f4_len);
        let sel = 15 - (seg as u16).leading_zeros() as u16;
        let range = 2 * (1u16 << sel);
        for v in [
            4u16,
            f4_len as u16,
            0,
            (seg * 2) as u16,
            range,
            sel,
            (seg * 2) as u16 - range,
        ] {
            t.extend_from_slice(&v.to_be_bytes());
        }
        for (c, _) in &bmp {
            t.extend_from_slice(&c.to_be_bytes());
        }
        t.extend_from_slice(&0xFFFFu16.to_be_bytes());
        t.extend_from_slice(&0u16.to_be_bytes()); // reservedPad
        for (c, _) in &bmp {
            t.extend_from_slice(&c.to_be_bytes());
        }
        t.extend_from_slice(&0xFFFFu16.to_be_bytes());
        for (c, g) in &bmp {
            t.extend_from_slice(&g.wrapping_sub(*c).to_be_bytes());
        }
        t.extend_from_slice(&1u16.to_be_bytes());
        for _ in 0..seg {
            t.extend_from_slice(&0u16.to_be_bytes());
        }
        t
    });
    let records: Vec<(u16, u16, &[u8])> = match &f4 {
        Some(f4) => vec![(3, 1, f4.as_slice()), (3, 10, f12.as_slice())],
        None => vec![(3, 10, f12.as_slice())],
    };
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&(records.len() as u16).to_be_bytes());
    let mut offset = 4 + 8 * records.len();
    for (p, e, t) in &records {
        out.extend_from_slice(&p.to_be_bytes());
        out.extend_from_slice(&e.to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        offset += t.len();
    }
    for (_, _, t) in &records {
        out.extend_from_slice(t);
    }
    out
}

/// An embedded font program.
pub struct Program {
    pub bytes: Vec<u8>,
    /// The glyph of the document's glyph `g` in `bytes`.
    pub remap: BTreeMap<u16, u16>,
    /// `.otf` (CFF outlines) or `.ttf`.
    pub extension: &'static str,
}

/// Subsets a font to `glyphs` and gives it a `cmap` from `chars` (character
/// to the original glyph) and the original `OS/2`. When the font cannot be
/// subset and `allow_full` is set, the whole font is embedded with its own
/// tables; otherwise the subsetter's error is returned.
pub fn program(
    data: &[u8],
    index: u32,
    glyphs: &std::collections::BTreeSet<u16>,
    chars: &BTreeMap<char, u16>,
    allow_full: bool,
) -> Result<Program, String> {
    let mut remapper = subsetter::GlyphRemapper::new();
    for &g in glyphs {
        remapper.remap(g);
    }
    let original = tables(data, index).ok_or("the font's table directory is malformed")?;
    let cff = original.iter().any(|(t, _)| t == b"CFF ");
    let extension = if cff { "otf" } else { "ttf" };
    match subsetter::subset(data, index, &remapper) {
        Ok(sub) => {
            let remap: BTreeMap<u16, u16> = glyphs
                .iter()
                .filter_map(|&g| Some((g, remapper.get(g)?)))
                .collect();
            let mut t: Vec<([u8; 4], Vec<u8>)> = tables(&sub, 0)
                .ok_or("the subset's table directory is malformed")?
                .into_iter()
                .map(|(tag, d)| (tag, d.to_vec()))
                .collect();
            let flavor: [u8; 4] = sub[0..4].try_into().unwrap_or(*b"\0\x01\0\0");
            let cmap: BTreeMap<char, u16> = chars
                .iter()
                .filter_map(|(&c, g)| Some((c, *remap.get(g)?)))
                .collect();
            t.retain(|(tag, _)| tag != b"cmap" && tag != b"OS/2");
            t.push((*b"cmap", cmap_table(&cmap)));
            if let Some((_, os2)) = original.iter().find(|(tag, _)| tag == b"OS/2") {
                t.push((*b"OS/2", os2.to_vec()));
            }
            Ok(Program {
                bytes: build_sfnt(flavor, t),
                remap,
                extension,
            })
        }
        Err(e) if allow_full => {
            let _ = e;
            let bytes = if data.get(0..4) == Some(b"ttcf") {
                let t = original
                    .into_iter()
                    .map(|(tag, d)| (tag, d.to_vec()))
                    .collect();
                let flavor = if cff { *b"OTTO" } else { *b"\0\x01\0\0" };
                build_sfnt(flavor, t)
            } else {
                data.to_vec()
            };
            Ok(Program {
                bytes,
                remap: glyphs.iter().map(|&g| (g, g)).collect(),
                extension,
            })
        }
        Err(e) => Err(format!("cannot subset the font: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmap_groups_consecutive_characters() {
        let map: BTreeMap<char, u16> = [('a', 3), ('b', 4), ('c', 5), ('中', 9)].into();
        let t = cmap_table(&map);
        // Two encoding records: (3,1) format 4 and (3,10) format 12.
        assert_eq!(u16::from_be_bytes([t[2], t[3]]), 2);
        let f12_at = u32::from_be_bytes([t[16], t[17], t[18], t[19]]) as usize;
        assert_eq!(u16::from_be_bytes([t[f12_at], t[f12_at + 1]]), 12);
        let groups = u32::from_be_bytes(t[f12_at + 12..f12_at + 16].try_into().unwrap());
        assert_eq!(groups, 2);
    }
}
