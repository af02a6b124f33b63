//! The value model shared by the CLIXML reader and writer.

use uuid::Uuid;

/// One CLIXML value. Temporal and decimal values keep their wire text because the
/// proxy only relays them; converting would risk changing precision or offsets.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<Nil/>`
    Nil,
    /// `<S>`
    Str(String),
    /// `<C>`: one UTF-16 code unit.
    Char(u16),
    /// `<B>`
    Bool(bool),
    /// `<DT>`: ISO 8601 text as sent.
    DateTime(String),
    /// `<TS>`: xs:duration text as sent, e.g. `PT9.0269026S`.
    Duration(String),
    /// `<By>`
    U8(u8),
    /// `<SB>`
    I8(i8),
    /// `<U16>`
    U16(u16),
    /// `<I16>`
    I16(i16),
    /// `<U32>`
    U32(u32),
    /// `<I32>`
    I32(i32),
    /// `<U64>`
    U64(u64),
    /// `<I64>`
    I64(i64),
    /// `<Sg>`
    Single(f32),
    /// `<Db>`
    Double(f64),
    /// `<D>`: decimal text in invariant culture.
    Decimal(String),
    /// `<BA>`
    Bytes(Vec<u8>),
    /// `<G>`
    Guid(Uuid),
    /// `<URI>`
    Uri(String),
    /// `<Version>`
    Version(String),
    /// `<XD>`
    Xml(String),
    /// `<SBK>`
    ScriptBlock(String),
    /// `<SS>`: encrypted with a session key the proxy never negotiates.
    SecureString(SecureString),
    /// `<Obj>`
    Obj(Box<PsObject>),
}

/// The opaque base64 text of a `<SS>` element. Its `Debug` output is redacted so a
/// secret never reaches a log line through `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecureString(pub String);

impl std::fmt::Debug for SecureString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureString(<redacted>)")
    }
}

/// A complex object (`<Obj>`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PsObject {
    /// `<TN>` entries, most derived first. Empty means no `<TN>` is written.
    pub type_names: Vec<String>,
    /// `<ToString>`
    pub to_string: Option<String>,
    /// Adapted properties (`<Props>`), in wire order.
    pub props: Vec<(String, Value)>,
    /// Extended properties (`<MS>`), in wire order.
    pub extended: Vec<(String, Value)>,
    /// A primitive the object wraps, e.g. the `<I32>` of an enum.
    pub base: Option<Value>,
    /// `LST`/`IE`/`STK`/`QUE`/`DCT` content.
    pub container: Option<Container>,
}

/// The collection part of an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Container {
    /// `<LST>`
    List(Vec<Value>),
    /// `<IE>`
    Enumerable(Vec<Value>),
    /// `<STK>`
    Stack(Vec<Value>),
    /// `<QUE>`
    Queue(Vec<Value>),
    /// `<DCT>` with `<En>` key/value pairs, in wire order.
    Dict(Vec<(Value, Value)>),
}

impl Container {
    /// Elements of a list-like container; `None` for a dictionary.
    pub fn items(&self) -> Option<&[Value]> {
        match self {
            Container::List(v)
            | Container::Enumerable(v)
            | Container::Stack(v)
            | Container::Queue(v) => Some(v),
            Container::Dict(_) => None,
        }
    }
}

impl PsObject {
    /// An object with the given type chain and nothing else.
    pub fn with_types<I, S>(types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        PsObject {
            type_names: types.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }

    /// An enum value as PowerShell serializes it: `<I32>` wrapped in an object
    /// whose type chain is the enum type, `System.Enum`, `System.ValueType`,
    /// `System.Object`, with the label as ToString.
    pub fn enumeration(enum_type: &str, label: &str, value: i32) -> Self {
        PsObject {
            type_names: vec![
                enum_type.to_owned(),
                "System.Enum".to_owned(),
                "System.ValueType".to_owned(),
                "System.Object".to_owned(),
            ],
            to_string: Some(label.to_owned()),
            base: Some(Value::I32(value)),
            ..Default::default()
        }
    }

    /// A `System.Collections.ArrayList` of the given items.
    pub fn array_list(items: Vec<Value>) -> Self {
        PsObject {
            type_names: vec![
                "System.Collections.ArrayList".to_owned(),
                "System.Object".to_owned(),
            ],
            container: Some(Container::List(items)),
            ..Default::default()
        }
    }

    /// Looks a property up by name, extended first (where PSRP messages put theirs),
    /// then adapted. PowerShell property names are case-insensitive.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.extended
            .iter()
            .chain(self.props.iter())
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Adds an extended (`<MS>`) property.
    pub fn push_extended(&mut self, name: impl Into<String>, value: Value) {
        self.extended.push((name.into(), value));
    }

    /// Adds an adapted (`<Props>`) property.
    pub fn push_prop(&mut self, name: impl Into<String>, value: Value) {
        self.props.push((name.into(), value));
    }

    /// Whether any type name matches, ignoring a `Deserialized.` prefix.
    pub fn is_type(&self, name: &str) -> bool {
        self.type_names
            .iter()
            .any(|t| t.strip_prefix("Deserialized.").unwrap_or(t) == name)
    }
}

impl Value {
    /// Wraps an object.
    pub fn obj(o: PsObject) -> Value {
        Value::Obj(Box::new(o))
    }

    /// A string value.
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// The object, when this is one.
    pub fn as_obj(&self) -> Option<&PsObject> {
        match self {
            Value::Obj(o) => Some(o),
            _ => None,
        }
    }

    /// String content of `S`, or of an object's base string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Obj(o) => o.base.as_ref().and_then(Value::as_str),
            _ => None,
        }
    }

    /// Boolean content of `B`, or of an object's base (e.g. a SwitchParameter's `IsPresent`).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Obj(o) => o
                .base
                .as_ref()
                .and_then(Value::as_bool)
                .or_else(|| o.get("IsPresent").and_then(Value::as_bool)),
            _ => None,
        }
    }

    /// Any integer tag, or an enum object's integer base, widened to `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::U8(v) => Some(i64::from(*v)),
            Value::I8(v) => Some(i64::from(*v)),
            Value::U16(v) => Some(i64::from(*v)),
            Value::I16(v) => Some(i64::from(*v)),
            Value::U32(v) => Some(i64::from(*v)),
            Value::I32(v) => Some(i64::from(*v)),
            Value::U64(v) => i64::try_from(*v).ok(),
            Value::I64(v) => Some(*v),
            Value::Obj(o) => o.base.as_ref().and_then(Value::as_i64),
            _ => None,
        }
    }

    /// Whether this is `Nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Elements when this is an object with a list-like container.
    pub fn as_list(&self) -> Option<&[Value]> {
        self.as_obj()
            .and_then(|o| o.container.as_ref())
            .and_then(Container::items)
    }
}
