//! CLIXML reader.
//!
//! The document is first read into a small element tree so that children of an
//! `<Obj>` can be taken in any order (psrpcore writes an enum's `<I32>` before its
//! `<TN>`), then converted in document order so `<Ref>`/`<TNRef>` resolve against
//! what came before them.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use uuid::Uuid;

use super::escape;
use super::value::{Container, PsObject, SecureString, Value};

/// Nesting beyond this is rejected rather than risking the stack on hostile input;
/// real messages stay far below it.
const MAX_DEPTH: usize = 200;

/// Why a CLIXML document could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ClixmlError {
    /// The text is not well-formed XML.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// There is no value in the document.
    #[error("the document holds no value")]
    Empty,
    /// A tag that is not part of CLIXML appeared where a value was expected.
    #[error("unknown CLIXML element <{0}>")]
    UnknownTag(String),
    /// A primitive's text does not parse as its type.
    #[error("invalid <{tag}> value {text:?}")]
    BadValue {
        /// The element name.
        tag: String,
        /// The offending text.
        text: String,
    },
    /// A `<Ref>` or `<TNRef>` names a RefId that was not defined earlier.
    #[error("reference to unknown RefId {0:?}")]
    BadRef(String),
    /// References expand to more values than the reader allows.
    #[error("the document expands to more than {MAX_VALUES} values")]
    TooLarge,
    /// Elements nest deeper than the reader allows.
    #[error("elements nest deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

#[derive(Debug, Default)]
struct Node {
    tag: String,
    name: Option<String>,
    ref_id: Option<String>,
    text: String,
    children: Vec<Node>,
}

/// Reads the first value of a document. A `<Objs>` wrapper, as produced by
/// `Export-Clixml`, is looked through.
pub fn from_clixml(text: &str) -> Result<Value, ClixmlError> {
    from_clixml_all(text)?
        .into_iter()
        .next()
        .ok_or(ClixmlError::Empty)
}

/// Reads every top-level value of a document (the children of `<Objs>`, or the
/// root elements when there is no wrapper).
pub fn from_clixml_all(text: &str) -> Result<Vec<Value>, ClixmlError> {
    let roots = parse_tree(text)?;
    let mut ctx = Refs::default();
    // Copies are kept only of objects something refers back to; cloning every
    // object "just in case" made reading quadratic in nesting depth.
    for root in &roots {
        collect_ref_targets(root, &mut ctx.wanted);
    }
    let mut out = Vec::new();
    for root in &roots {
        if root.tag == "Objs" {
            for child in &root.children {
                out.push(ctx.value(child, 0)?);
            }
        } else {
            out.push(ctx.value(root, 0)?);
        }
    }
    Ok(out)
}

fn parse_tree(text: &str) -> Result<Vec<Node>, ClixmlError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut roots = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| ClixmlError::Xml(e.to_string()))?;
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ClixmlError::TooDeep);
                }
                stack.push(node_from(&e)?);
            }
            Event::Empty(e) => {
                let node = node_from(&e)?;
                attach(&mut stack, &mut roots, node);
            }
            Event::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| ClixmlError::Xml("unbalanced end tag".into()))?;
                attach(&mut stack, &mut roots, node);
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let s = t.unescape().map_err(|e| ClixmlError::Xml(e.to_string()))?;
                    top.text.push_str(&s);
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
        return Err(ClixmlError::Xml("unclosed element".into()));
    }
    Ok(roots)
}

fn attach(stack: &mut [Node], roots: &mut Vec<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => roots.push(node),
    }
}

fn node_from(e: &BytesStart<'_>) -> Result<Node, ClixmlError> {
    let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut node = Node {
        tag,
        ..Default::default()
    };
    for attr in e.attributes() {
        let attr = attr.map_err(|err| ClixmlError::Xml(err.to_string()))?;
        let value = attr
            .unescape_value()
            .map_err(|err| ClixmlError::Xml(err.to_string()))?;
        match attr.key.local_name().as_ref() {
            b"N" => node.name = Some(escape::decode(&value)),
            b"RefId" => node.ref_id = Some(value.into_owned()),
            _ => {}
        }
    }
    Ok(node)
}

/// Upper bound on values materialised from one document. `<Ref>` copies an earlier
/// object, so nested references could otherwise grow exponentially.
const MAX_VALUES: usize = 2_000_000;

fn collect_ref_targets(n: &Node, out: &mut HashSet<String>) {
    if n.tag == "Ref" {
        if let Some(id) = &n.ref_id {
            out.insert(id.clone());
        }
    }
    for c in &n.children {
        collect_ref_targets(c, out);
    }
}

#[derive(Default)]
struct Refs {
    wanted: HashSet<String>,
    objects: HashMap<String, (Value, usize)>,
    type_lists: HashMap<String, Vec<String>>,
    produced: usize,
}

impl Refs {
    fn value(&mut self, n: &Node, depth: usize) -> Result<Value, ClixmlError> {
        if depth > MAX_DEPTH {
            return Err(ClixmlError::TooDeep);
        }
        let start = self.produced;
        self.count(1)?;
        let t = n.text.as_str();
        let v = match n.tag.as_str() {
            "Nil" => Value::Nil,
            "S" => Value::Str(escape::decode(t)),
            "C" => Value::Char(num(n)?),
            "B" => Value::Bool(match t.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(bad(n)),
            }),
            "DT" => Value::DateTime(t.trim().to_owned()),
            "TS" => Value::Duration(t.trim().to_owned()),
            "By" => Value::U8(num(n)?),
            "SB" => Value::I8(num(n)?),
            "U16" => Value::U16(num(n)?),
            "I16" => Value::I16(num(n)?),
            "U32" => Value::U32(num(n)?),
            "I32" => Value::I32(num(n)?),
            "U64" => Value::U64(num(n)?),
            "I64" => Value::I64(num(n)?),
            "Sg" => Value::Single(float(n)? as f32),
            "Db" => Value::Double(float(n)?),
            "D" => Value::Decimal(t.trim().to_owned()),
            "BA" => Value::Bytes(
                base64::engine::general_purpose::STANDARD
                    .decode(t.trim().as_bytes())
                    .map_err(|_| bad(n))?,
            ),
            "G" => Value::Guid(Uuid::parse_str(t.trim()).map_err(|_| bad(n))?),
            "URI" => Value::Uri(escape::decode(t)),
            "Version" => Value::Version(t.trim().to_owned()),
            "XD" => Value::Xml(escape::decode(t)),
            "SBK" => Value::ScriptBlock(escape::decode(t)),
            "SS" => Value::SecureString(SecureString(t.trim().to_owned())),
            "Ref" => {
                let id = n.ref_id.clone().unwrap_or_default();
                let (v, size) = self
                    .objects
                    .get(&id)
                    .cloned()
                    .ok_or(ClixmlError::BadRef(id))?;
                self.count(size)?;
                return Ok(v);
            }
            "Obj" => {
                let v = Value::obj(self.object(n, depth)?);
                // Only objects a `<Ref>` points back to are kept: every PSRP object has a
                // RefId, and copying each one (at every nesting level) was most of the
                // time spent reading a CREATE_PIPELINE.
                if let Some(id) = n.ref_id.as_ref().filter(|id| self.wanted.contains(*id)) {
                    self.objects
                        .insert(id.clone(), (v.clone(), self.produced - start));
                }
                v
            }
            other => return Err(ClixmlError::UnknownTag(other.to_owned())),
        };
        Ok(v)
    }

    fn count(&mut self, n: usize) -> Result<(), ClixmlError> {
        self.produced = self.produced.saturating_add(n);
        if self.produced > MAX_VALUES {
            return Err(ClixmlError::TooLarge);
        }
        Ok(())
    }

    fn object(&mut self, n: &Node, depth: usize) -> Result<PsObject, ClixmlError> {
        let mut o = PsObject::default();
        for child in &n.children {
            match child.tag.as_str() {
                "TN" => {
                    let names: Vec<String> = child
                        .children
                        .iter()
                        .filter(|t| t.tag == "T")
                        .map(|t| escape::decode(&t.text))
                        .collect();
                    if let Some(id) = &child.ref_id {
                        self.type_lists.insert(id.clone(), names.clone());
                    }
                    o.type_names = names;
                }
                "TNRef" => {
                    let id = child.ref_id.clone().unwrap_or_default();
                    o.type_names = self
                        .type_lists
                        .get(&id)
                        .cloned()
                        .ok_or(ClixmlError::BadRef(id))?;
                }
                "ToString" => o.to_string = Some(escape::decode(&child.text)),
                "Props" => o.props = self.members(child, depth)?,
                "MS" => o.extended = self.members(child, depth)?,
                "LST" => o.container = Some(Container::List(self.items(child, depth)?)),
                "IE" => o.container = Some(Container::Enumerable(self.items(child, depth)?)),
                "STK" => o.container = Some(Container::Stack(self.items(child, depth)?)),
                "QUE" => o.container = Some(Container::Queue(self.items(child, depth)?)),
                "DCT" => o.container = Some(Container::Dict(self.dict(child, depth)?)),
                _ => o.base = Some(self.value(child, depth + 1)?),
            }
        }
        Ok(o)
    }

    fn members(&mut self, n: &Node, depth: usize) -> Result<Vec<(String, Value)>, ClixmlError> {
        n.children
            .iter()
            .map(|c| {
                Ok((
                    c.name.clone().unwrap_or_default(),
                    self.value(c, depth + 1)?,
                ))
            })
            .collect()
    }

    fn items(&mut self, n: &Node, depth: usize) -> Result<Vec<Value>, ClixmlError> {
        n.children
            .iter()
            .map(|c| self.value(c, depth + 1))
            .collect()
    }

    fn dict(&mut self, n: &Node, depth: usize) -> Result<Vec<(Value, Value)>, ClixmlError> {
        let mut out = Vec::new();
        for en in n.children.iter().filter(|c| c.tag == "En") {
            let pick = |want: &str, pos: usize| {
                en.children
                    .iter()
                    .find(|c| c.name.as_deref() == Some(want))
                    .or_else(|| en.children.get(pos))
            };
            let (Some(k), Some(v)) = (pick("Key", 0), pick("Value", 1)) else {
                return Err(ClixmlError::Xml(
                    "dictionary entry without Key and Value".into(),
                ));
            };
            out.push((self.value(k, depth + 1)?, self.value(v, depth + 1)?));
        }
        Ok(out)
    }
}

fn bad(n: &Node) -> ClixmlError {
    ClixmlError::BadValue {
        tag: n.tag.clone(),
        text: n.text.chars().take(64).collect(),
    }
}

fn num<T: std::str::FromStr>(n: &Node) -> Result<T, ClixmlError> {
    n.text.trim().parse().map_err(|_| bad(n))
}

fn float(n: &Node) -> Result<f64, ClixmlError> {
    match n.text.trim() {
        "INF" | "Infinity" => Ok(f64::INFINITY),
        "-INF" | "-Infinity" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        t => t.parse().map_err(|_| bad(n)),
    }
}
