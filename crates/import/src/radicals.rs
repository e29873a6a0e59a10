//! Look-alike characters a PDF's text layer carries: Chromium's
//! print-to-PDF and some other producers map ideographs to the Kangxi
//! Radicals (⼆ U+2F06 for 二, ⽉ U+2F49 for 月) and the CJK Radicals
//! Supplement (⻓ U+2ED3 for 长). They look the same, but bodies no longer
//! match and the fonts have no glyphs for them. They are mapped to the
//! unified ideographs Unicode's equivalence data names (`radicals.txt`,
//! from EquivalentUnifiedIdeograph.txt; its source is noted there).

use std::sync::OnceLock;

/// The table: (first code point, last code point, ideograph), in order.
fn table() -> &'static [(u32, u32, char)] {
    static TABLE: OnceLock<Vec<(u32, u32, char)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<(u32, u32, char)> = include_str!("radicals.txt")
            .lines()
            .filter_map(|l| {
                let l = l.split('#').next()?.trim();
                let (range, to) = l.split_once(';')?;
                let (a, b) = match range.trim().split_once("..") {
                    Some((a, b)) => (a, b),
                    None => (range.trim(), range.trim()),
                };
                let hex = |s: &str| u32::from_str_radix(s.trim(), 16).ok();
                Some((hex(a)?, hex(b)?, char::from_u32(hex(to)?)?))
            })
            .collect();
        t.sort_unstable();
        t
    })
}

/// The unified ideograph a radical stands for, if it is one the table
/// maps.
pub fn ideograph(c: char) -> Option<char> {
    let cp = c as u32;
    if !(0x2E80..=0x2FDF).contains(&cp) {
        return None;
    }
    let t = table();
    let i = t.partition_point(|&(a, _, _)| a <= cp);
    let &(a, b, to) = t.get(i.checked_sub(1)?)?;
    (a..=b).contains(&cp).then_some(to)
}

/// The text with its radicals mapped, and how many were.
pub fn map(s: &str) -> (String, usize) {
    let mut n = 0;
    let out = s
        .chars()
        .map(|c| match ideograph(c) {
            Some(i) => {
                n += 1;
                i
            }
            None => c,
        })
        .collect();
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radicals_become_ideographs() {
        assert_eq!(map("⼆〇⼆〇年⼆⽉"), ("二〇二〇年二月".to_string(), 4));
        assert_eq!(map("⻓江"), ("长江".to_string(), 1));
        // A range (2E8C..2E8D) and the last of each block.
        assert_eq!(ideograph('\u{2E8D}'), Some('小'));
        assert_eq!(ideograph('\u{2EF3}'), Some('龟'));
        assert_eq!(ideograph('\u{2FD5}'), Some('龠'));
        // No equivalent: U+2E80, U+2E9A (unassigned), U+2FD6.
        assert_eq!(ideograph('\u{2E80}'), None);
        assert_eq!(ideograph('\u{2E9A}'), None);
        assert_eq!(ideograph('\u{2FD6}'), None);
        assert_eq!(map("二月"), ("二月".to_string(), 0));
        // Every Kangxi radical is mapped, as its compatibility decomposition.
        assert!((0x2F00..=0x2FD5).all(|c| ideograph(char::from_u32(c).unwrap()).is_some()));
        // 108 rows for the 114 characters of the supplement, 214 Kangxi radicals.
        assert_eq!(table().len(), 108 + 214);
    }
}
