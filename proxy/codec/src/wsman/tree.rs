//! A namespace-resolved element tree of a SOAP envelope. Clients use arbitrary
//! prefixes, so every name is kept as (namespace URI, local name).

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Envelopes deeper than this are not WS-Management; refusing them bounds work.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Default, Clone)]
pub(crate) struct Element {
    pub ns: String,
    pub local: String,
    /// Attributes as (namespace URI or "", local name, value).
    pub attrs: Vec<(String, String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, local))
    }

    /// An unqualified attribute (WS-Management attributes carry no prefix).
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(ns, l, _)| ns.is_empty() && l == local)
            .map(|(_, _, v)| v.as_str())
    }

    pub fn attr_ns(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, l, _)| n == ns && l == local)
            .map(|(_, _, v)| v.as_str())
    }

    pub fn trimmed_text(&self) -> &str {
        self.text.trim()
    }
}

pub(crate) fn parse(xml: &str) -> Result<Element, String> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(|e| e.to_string())?;
        let ns = match resolved {
            ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
            _ => String::new(),
        };
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err("elements nest too deeply".into());
                }
                let el = element(&reader, ns, &e)?;
                stack.push(el);
            }
            Event::Empty(e) => {
                let el = element(&reader, ns, &e)?;
                attach(&mut stack, &mut root, el)?;
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("unbalanced end tag")?;
                attach(&mut stack, &mut root, el)?;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.unescape().map_err(|e| e.to_string())?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("unclosed element".into());
    }
    root.ok_or_else(|| "no root element".into())
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None if root.is_none() => *root = Some(el),
        None => return Err("more than one root element".into()),
    }
    Ok(())
}

fn element(reader: &NsReader<&[u8]>, ns: String, e: &BytesStart<'_>) -> Result<Element, String> {
    let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        if a.key.as_namespace_binding().is_some() {
            continue;
        }
        let (res, name) = reader.resolve_attribute(a.key);
        let ans = match res {
            ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
            _ => String::new(),
        };
        let value = a
            .unescape_value()
            .map_err(|err| err.to_string())?
            .into_owned();
        attrs.push((
            ans,
            String::from_utf8_lossy(name.as_ref()).into_owned(),
            value,
        ));
    }
    Ok(Element {
        ns,
        local,
        attrs,
        text: String::new(),
        children: Vec::new(),
    })
}
