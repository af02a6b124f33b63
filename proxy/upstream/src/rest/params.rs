//! Cmdlet parameters and their JSON encoding (exo-rest.md §2.8).

use serde_json::{Map, Value};
use time::OffsetDateTime;

const HASHTABLE_TYPE: &str = "#Exchange.GenericHashTable";
const HASHTABLE_COLLECTION_TYPE: &str = "#Collection(Exchange.GenericHashTable)";
const BYTES_TYPE: &str = "#Exchange.ByteArrayType";
const BYTES_COLLECTION_TYPE: &str = "#Collection(Exchange.ByteArrayType)";

/// Parameters whose filter text gets `$true`/`$false` rewritten to `'True'`/`'False'`.
const FILTER_PARAMETERS: [&str; 3] = ["Filter", "RecipientFilter", "RecipientPreviewFilter"];
/// Module-side parameters that are never sent (the module strips them, §2.7).
const CLIENT_ONLY_PARAMETERS: [&str; 1] = ["UseCustomRouting"];

/// One PowerShell parameter value, typed so it can be encoded the way the module does.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// `-Archive` (true) or `-Archive:$false`.
    Switch(bool),
    Bool(bool),
    Int(i64),
    /// `double`; a non-finite value is sent as `null` (JSON has no NaN or infinity).
    Float(f64),
    String(String),
    /// `string[]`, `int[]`, `hashtable[]`, … An array of hashtables or byte arrays gets its
    /// `<Param>@odata.type` collection annotation.
    Array(Vec<ParamValue>),
    /// `@{Add='a'; Remove='b'}`, keys in source order.
    Hashtable(Vec<(String, ParamValue)>),
    /// Sent in UTC as `yyyy-MM-ddTHH:mm:ss` without a zone suffix.
    DateTime(OffsetDateTime),
    /// `byte[]`.
    Bytes(Vec<u8>),
    Null,
}

impl From<&str> for ParamValue {
    fn from(value: &str) -> Self {
        ParamValue::String(value.to_owned())
    }
}

impl From<String> for ParamValue {
    fn from(value: String) -> Self {
        ParamValue::String(value)
    }
}

impl From<i64> for ParamValue {
    fn from(value: i64) -> Self {
        ParamValue::Int(value)
    }
}

impl From<f64> for ParamValue {
    fn from(value: f64) -> Self {
        ParamValue::Float(value)
    }
}

impl From<bool> for ParamValue {
    fn from(value: bool) -> Self {
        ParamValue::Bool(value)
    }
}

impl From<OffsetDateTime> for ParamValue {
    fn from(value: OffsetDateTime) -> Self {
        ParamValue::DateTime(value)
    }
}

impl<T: Into<ParamValue>> From<Vec<T>> for ParamValue {
    fn from(values: Vec<T>) -> Self {
        ParamValue::Array(values.into_iter().map(Into::into).collect())
    }
}

/// How many pages a call fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// No `ResultSize`: one page, and the service's "more results available" warning.
    FirstPage,
    /// `ResultSize Unlimited`: every page.
    All,
    /// A numeric `ResultSize`: pages until that many objects, then truncated to it.
    UpTo(u64),
}

/// Named parameters of one cmdlet call, in the order given. Setting a name again (compared
/// case-insensitively, as PowerShell binds) replaces the earlier value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parameters {
    entries: Vec<(String, ParamValue)>,
}

impl Parameters {
    pub fn new() -> Self {
        Parameters::default()
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<ParamValue>) -> &mut Self {
        let name = name.into();
        let value = value.into();
        match self
            .entries
            .iter_mut()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(&name))
        {
            Some(slot) => slot.1 = value,
            None => self.entries.push((name, value)),
        }
        self
    }

    /// Builder form of [`Parameters::set`].
    pub fn with(mut self, name: impl Into<String>, value: impl Into<ParamValue>) -> Self {
        self.set(name, value);
        self
    }

    /// A present switch (`-Name`).
    pub fn switch(self, name: impl Into<String>) -> Self {
        self.with(name, ParamValue::Switch(true))
    }

    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.entries
            .iter()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `Parameters` object of the request body.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        for (name, value) in &self.entries {
            if CLIENT_ONLY_PARAMETERS
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name))
            {
                continue;
            }
            if let Some(annotation) = collection_annotation(value) {
                out.insert(format!("{name}@odata.type"), Value::from(annotation));
            }
            let encoded = match value {
                ParamValue::String(text)
                    if FILTER_PARAMETERS
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case(name)) =>
                {
                    Value::from(rewrite_filter_booleans(text))
                }
                ParamValue::Array(items) if is_bytes_collection(items) => {
                    Value::Array(items.iter().map(|item| encode_bytes(item, false)).collect())
                }
                other => encode(other),
            };
            out.insert(name.clone(), encoded);
        }
        out
    }

    /// A numeric `ResultSize`: the page size is min(ResultSize, PageSize) and paging stops
    /// once that many objects arrived.
    pub fn result_size(&self) -> Option<u64> {
        match self.get("ResultSize") {
            Some(ParamValue::Int(n)) => u64::try_from(*n).ok(),
            Some(ParamValue::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// How far to follow `@odata.nextLink`, as the module does (exo-rest.md §3.4).
    pub fn paging(&self) -> Paging {
        match self.get("ResultSize") {
            None => Paging::FirstPage,
            Some(ParamValue::String(s)) if s.trim().eq_ignore_ascii_case("Unlimited") => {
                Paging::All
            }
            Some(_) => self.result_size().map_or(Paging::All, Paging::UpTo),
        }
    }
}

fn collection_annotation(value: &ParamValue) -> Option<&'static str> {
    match value {
        ParamValue::Array(items) if !items.is_empty() => {
            if items.iter().all(|i| matches!(i, ParamValue::Hashtable(_))) {
                Some(HASHTABLE_COLLECTION_TYPE)
            } else if is_bytes_collection(items) {
                Some(BYTES_COLLECTION_TYPE)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn is_bytes_collection(items: &[ParamValue]) -> bool {
    !items.is_empty() && items.iter().all(|i| matches!(i, ParamValue::Bytes(_)))
}

fn encode_bytes(value: &ParamValue, typed: bool) -> Value {
    let mut object = Map::new();
    if typed {
        object.insert("@odata.type".into(), Value::from(BYTES_TYPE));
    }
    let data = match value {
        ParamValue::Bytes(bytes) => bytes.iter().map(|b| Value::from(*b)).collect(),
        _ => Vec::new(),
    };
    object.insert("Data".into(), Value::Array(data));
    Value::Object(object)
}

fn encode(value: &ParamValue) -> Value {
    match value {
        ParamValue::Switch(on) | ParamValue::Bool(on) => Value::Bool(*on),
        ParamValue::Int(n) => Value::from(*n),
        ParamValue::Float(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
        ParamValue::String(text) => Value::from(text.as_str()),
        ParamValue::Array(items) => Value::Array(items.iter().map(encode).collect()),
        ParamValue::Hashtable(entries) => {
            let mut object = Map::new();
            object.insert("@odata.type".into(), Value::from(HASHTABLE_TYPE));
            for (key, inner) in entries {
                object.insert(key.clone(), encode(inner));
            }
            Value::Object(object)
        }
        ParamValue::DateTime(at) => Value::from(format_datetime(*at)),
        ParamValue::Bytes(_) => encode_bytes(value, true),
        ParamValue::Null => Value::Null,
    }
}

/// UTC, sortable pattern, no zone suffix: `2024-05-01T13:45:00`.
pub fn format_datetime(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

/// `$true`/`$false` inside an OPATH filter become `'True'`/`'False'` (case-insensitive,
/// only as whole variables: `$trueValue` is left alone).
pub fn rewrite_filter_booleans(filter: &str) -> String {
    let mut out = String::with_capacity(filter.len());
    let mut rest = filter;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let replaced = [("true", "'True'"), ("false", "'False'")]
            .into_iter()
            .find_map(|(word, replacement)| {
                let candidate = after.get(..word.len())?;
                let boundary = after[word.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                (candidate.eq_ignore_ascii_case(word) && boundary)
                    .then_some((replacement, word.len()))
            });
        match replaced {
            Some((replacement, consumed)) => {
                out.push_str(replacement);
                rest = &after[consumed..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
