//! The XML parts, written with quick-xml (which escapes text and attribute
//! values), in OFD's namespace with the `ofd:` prefix.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// A number in millimetres as the parts write it: at most four decimals, no
/// trailing zeros, no `-0`.
pub fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    match s {
        "-0" | "" => "0".to_string(),
        s => s.to_string(),
    }
}

/// Text XML 1.0 can hold: other control characters become U+FFFD.
fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
    {
        s.into()
    } else {
        s.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => c,
                c if c.is_control() => '\u{FFFD}',
                c => c,
            })
            .collect::<String>()
            .into()
    }
}

pub struct Xml {
    w: quick_xml::Writer<Vec<u8>>,
}

impl Xml {
    pub fn new() -> Xml {
        let mut w = quick_xml::Writer::new(Vec::new());
        // Writing to a Vec cannot fail.
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        Xml { w }
    }

    fn start<'a>(name: &'a str, attrs: &[(&str, String)]) -> BytesStart<'a> {
        let mut e = BytesStart::new(name);
        for (k, v) in attrs {
            e.push_attribute((*k, &*clean(v)));
        }
        e
    }

    /// The root element, declaring the namespace.
    pub fn open_root(&mut self, name: &str) {
        self.open_root_with(name, &[]);
    }

    pub fn open_root_with(&mut self, name: &str, attrs: &[(&str, String)]) {
        let mut all = vec![("xmlns:ofd", crate::NAMESPACE.to_string())];
        all.extend(attrs.iter().cloned());
        self.open(name, &all);
    }

    pub fn open(&mut self, name: &str, attrs: &[(&str, String)]) {
        let _ = self.w.write_event(Event::Start(Self::start(name, attrs)));
    }

    pub fn close(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    pub fn empty(&mut self, name: &str, attrs: &[(&str, String)]) {
        let _ = self.w.write_event(Event::Empty(Self::start(name, attrs)));
    }

    pub fn text(&mut self, text: &str) {
        let _ = self
            .w
            .write_event(Event::Text(BytesText::new(&clean(text))));
    }

    pub fn text_element(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        self.text(text);
        self.close(name);
    }

    pub fn finish(self) -> Vec<u8> {
        self.w.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_never_negative_zero() {
        assert_eq!(num(210.0), "210");
        assert_eq!(num(0.35277777), "0.3528");
        assert_eq!(num(-0.00001), "0");
        assert_eq!(num(-1.5), "-1.5");
    }

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut x = Xml::new();
        x.open("a", &[("T", "<\"&>".into())]);
        x.text("x < y & #*$@\\ \u{1}");
        x.close("a");
        let s = String::from_utf8(x.finish()).unwrap();
        assert!(s.contains("T=\"&lt;&quot;&amp;&gt;\""), "{s}");
        assert!(s.contains("x &lt; y &amp; #*$@\\ \u{FFFD}"), "{s}");
    }
}
