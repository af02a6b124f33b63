//! CLIXML writer.

use std::fmt::Write as _;

use base64::Engine as _;

use super::escape;
use super::value::{Container, PsObject, Value};
use crate::xml_text;

/// Serializes values into one CLIXML document fragment, numbering `RefId`s for
/// objects and type-name lists from 0 as PowerShell does within one message, and
/// reusing a repeated type chain through `<TNRef>`.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    next_obj_ref: u32,
    type_lists: Vec<(Vec<String>, u32)>,
}

/// Writes `value` without a property name, as the data of a PSRP message.
pub fn to_clixml(value: &Value) -> String {
    let mut w = Writer::new();
    w.write(None, value);
    w.finish()
}

impl Writer {
    /// A writer with empty RefId tables.
    pub fn new() -> Self {
        Self::default()
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }

    /// Appends `value`, with `N="name"` when a name is given.
    pub fn write(&mut self, name: Option<&str>, value: &Value) {
        match value {
            Value::Nil => self.empty("Nil", name),
            Value::Str(s) => self.text_elem("S", name, s, true),
            Value::Char(c) => self.text_elem("C", name, &c.to_string(), false),
            Value::Bool(b) => self.text_elem("B", name, if *b { "true" } else { "false" }, false),
            Value::DateTime(s) => self.text_elem("DT", name, s, false),
            Value::Duration(s) => self.text_elem("TS", name, s, false),
            Value::U8(v) => self.text_elem("By", name, &v.to_string(), false),
            Value::I8(v) => self.text_elem("SB", name, &v.to_string(), false),
            Value::U16(v) => self.text_elem("U16", name, &v.to_string(), false),
            Value::I16(v) => self.text_elem("I16", name, &v.to_string(), false),
            Value::U32(v) => self.text_elem("U32", name, &v.to_string(), false),
            Value::I32(v) => self.text_elem("I32", name, &v.to_string(), false),
            Value::U64(v) => self.text_elem("U64", name, &v.to_string(), false),
            Value::I64(v) => self.text_elem("I64", name, &v.to_string(), false),
            Value::Single(v) => self.text_elem("Sg", name, &float_text(f64::from(*v)), false),
            Value::Double(v) => self.text_elem("Db", name, &float_text(*v), false),
            Value::Decimal(s) => self.text_elem("D", name, s, false),
            Value::Bytes(b) => {
                let text = base64::engine::general_purpose::STANDARD.encode(b);
                self.text_elem("BA", name, &text, false)
            }
            Value::Guid(g) => self.text_elem("G", name, &g.hyphenated().to_string(), false),
            Value::Uri(s) => self.text_elem("URI", name, s, true),
            Value::Version(s) => self.text_elem("Version", name, s, false),
            Value::Xml(s) => self.text_elem("XD", name, s, true),
            Value::ScriptBlock(s) => self.text_elem("SBK", name, s, true),
            Value::SecureString(s) => self.text_elem("SS", name, &s.0, false),
            Value::Obj(o) => self.object(name, o),
        }
    }

    fn open(&mut self, tag: &str, name: Option<&str>) {
        self.out.push('<');
        self.out.push_str(tag);
        if let Some(n) = name {
            self.out.push_str(" N=\"");
            self.out.push_str(&xml_text::escape(&escape::encode_cow(n)));
            self.out.push('"');
        }
    }

    fn empty(&mut self, tag: &str, name: Option<&str>) {
        self.open(tag, name);
        self.out.push_str(" />");
    }

    fn text_elem(&mut self, tag: &str, name: Option<&str>, text: &str, clixml_escape: bool) {
        if text.is_empty() {
            return self.empty(tag, name);
        }
        self.open(tag, name);
        self.out.push('>');
        if clixml_escape {
            self.out
                .push_str(&xml_text::escape(&escape::encode_cow(text)));
        } else {
            self.out.push_str(&xml_text::escape(text));
        }
        let _ = write!(self.out, "</{tag}>");
    }

    fn object(&mut self, name: Option<&str>, o: &PsObject) {
        let ref_id = self.next_obj_ref;
        self.next_obj_ref += 1;
        self.open("Obj", name);
        let _ = write!(self.out, " RefId=\"{ref_id}\">");
        self.type_names(&o.type_names);
        if let Some(ts) = &o.to_string {
            self.text_elem("ToString", None, ts, true);
        }
        if let Some(base) = &o.base {
            self.write(None, base);
        }
        if let Some(c) = &o.container {
            self.container(c);
        }
        if !o.props.is_empty() {
            self.out.push_str("<Props>");
            for (n, v) in &o.props {
                self.write(Some(n), v);
            }
            self.out.push_str("</Props>");
        }
        if !o.extended.is_empty() {
            self.out.push_str("<MS>");
            for (n, v) in &o.extended {
                self.write(Some(n), v);
            }
            self.out.push_str("</MS>");
        }
        self.out.push_str("</Obj>");
    }

    fn type_names(&mut self, names: &[String]) {
        if names.is_empty() {
            return;
        }
        if let Some((_, id)) = self.type_lists.iter().find(|(t, _)| t.as_slice() == names) {
            let _ = write!(self.out, "<TNRef RefId=\"{id}\" />");
            return;
        }
        let id = u32::try_from(self.type_lists.len()).unwrap_or(u32::MAX);
        self.type_lists.push((names.to_vec(), id));
        let _ = write!(self.out, "<TN RefId=\"{id}\">");
        for t in names {
            self.text_elem("T", None, t, true);
        }
        self.out.push_str("</TN>");
    }

    fn container(&mut self, c: &Container) {
        let (tag, items) = match c {
            Container::List(v) => ("LST", v),
            Container::Enumerable(v) => ("IE", v),
            Container::Stack(v) => ("STK", v),
            Container::Queue(v) => ("QUE", v),
            Container::Dict(entries) => {
                self.out.push_str("<DCT>");
                for (k, v) in entries {
                    self.out.push_str("<En>");
                    self.write(Some("Key"), k);
                    self.write(Some("Value"), v);
                    self.out.push_str("</En>");
                }
                self.out.push_str("</DCT>");
                return;
            }
        };
        let _ = write!(self.out, "<{tag}>");
        for v in items {
            self.write(None, v);
        }
        let _ = write!(self.out, "</{tag}>");
    }
}

/// .NET's XmlConvert spelling for non-finite values; finite values use Rust's
/// shortest round-trip form, which .NET parses back exactly.
fn float_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v == f64::INFINITY {
        "INF".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-INF".to_owned()
    } else {
        format!("{v:?}")
    }
}
