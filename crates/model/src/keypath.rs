//! A place in an issue, named by its key path in the issue file
//! (`bulletin`, `issue`, `columns[2]`, `columns[0].articles[3]`,
//! `articles[1]`, `footer`): where a writer attaches a comment, where a
//! message points.

use serde::Serialize;

/// A place in an issue: a table of its file, a column or an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyPath {
    /// The file as a whole (its first lines).
    File,
    /// `[bulletin]`.
    Bulletin,
    /// `[issue]`.
    Issue,
    /// `[footer]`.
    Footer,
    /// `columns[N]`, counted from 0.
    Column(usize),
    /// An article: `columns[C].articles[N]` in a column, `articles[N]` in a
    /// bulletin without columns (counted from 0).
    Article { column: Option<usize>, index: usize },
}

/// One step of a key path: a key, or an index into an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    Key(&'static str),
    Index(usize),
}

impl KeyPath {
    /// The steps from the file's root to the place (none for the file).
    pub fn segments(&self) -> Vec<Segment> {
        use Segment::{Index, Key};
        match *self {
            KeyPath::File => vec![],
            KeyPath::Bulletin => vec![Key("bulletin")],
            KeyPath::Issue => vec![Key("issue")],
            KeyPath::Footer => vec![Key("footer")],
            KeyPath::Column(c) => vec![Key("columns"), Index(c)],
            KeyPath::Article {
                column: Some(c),
                index,
            } => vec![Key("columns"), Index(c), Key("articles"), Index(index)],
            KeyPath::Article {
                column: None,
                index,
            } => vec![Key("articles"), Index(index)],
        }
    }

    /// The place in words, counted from 1: "column 2 article 3", "footer".
    pub fn describe(&self) -> String {
        match *self {
            KeyPath::File => "file".into(),
            KeyPath::Bulletin => "bulletin".into(),
            KeyPath::Issue => "issue".into(),
            KeyPath::Footer => "footer".into(),
            KeyPath::Column(c) => format!("column {}", c + 1),
            KeyPath::Article {
                column: Some(c),
                index,
            } => format!("column {} article {}", c + 1, index + 1),
            KeyPath::Article {
                column: None,
                index,
            } => format!("article {}", index + 1),
        }
    }
}

impl std::fmt::Display for KeyPath {
    /// The key path: `columns[0].articles[3]` (empty for the file).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.segments().iter().enumerate() {
            match s {
                Segment::Key(k) if i == 0 => f.write_str(k)?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl Serialize for KeyPath {
    /// As its key path.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::str::FromStr for KeyPath {
    type Err = String;

    /// Reads a key path as [`Display`](std::fmt::Display) writes it.
    fn from_str(s: &str) -> Result<KeyPath, String> {
        let bad = || format!("{s:?} is not a key path such as columns[0].articles[3]");
        let index = |part: &str, key: &str| -> Result<usize, String> {
            part.strip_prefix(key)
                .and_then(|r| r.strip_prefix('['))
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|n| n.parse().ok())
                .ok_or_else(bad)
        };
        let parts: Vec<&str> = s.split('.').collect();
        Ok(match parts.as_slice() {
            [""] => KeyPath::File,
            ["bulletin"] => KeyPath::Bulletin,
            ["issue"] => KeyPath::Issue,
            ["footer"] => KeyPath::Footer,
            [c] if c.starts_with("columns[") => KeyPath::Column(index(c, "columns")?),
            [a] => KeyPath::Article {
                column: None,
                index: index(a, "articles")?,
            },
            [c, a] => KeyPath::Article {
                column: Some(index(c, "columns")?),
                index: index(a, "articles")?,
            },
            _ => return Err(bad()),
        })
    }
}

impl<'de> serde::Deserialize<'de> for KeyPath {
    /// From its key path.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<KeyPath, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_read_back() {
        for k in [
            KeyPath::File,
            KeyPath::Bulletin,
            KeyPath::Issue,
            KeyPath::Footer,
            KeyPath::Column(3),
            KeyPath::Article {
                column: Some(1),
                index: 4,
            },
            KeyPath::Article {
                column: None,
                index: 0,
            },
        ] {
            assert_eq!(k.to_string().parse::<KeyPath>(), Ok(k));
        }
        assert!("columns[x]".parse::<KeyPath>().is_err());
    }

    #[test]
    fn key_paths() {
        assert_eq!(KeyPath::File.to_string(), "");
        assert_eq!(KeyPath::Bulletin.to_string(), "bulletin");
        assert_eq!(KeyPath::Column(2).to_string(), "columns[2]");
        let a = KeyPath::Article {
            column: Some(0),
            index: 3,
        };
        assert_eq!(a.to_string(), "columns[0].articles[3]");
        assert_eq!(a.describe(), "column 1 article 4");
        let a = KeyPath::Article {
            column: None,
            index: 1,
        };
        assert_eq!(a.to_string(), "articles[1]");
    }
}
