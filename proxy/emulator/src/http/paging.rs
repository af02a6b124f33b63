//! Paging: `Prefer: odata.maxpagesize`, `$select`, and skip tokens bound to the request body.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::form;

pub(super) const MAX_PAGE_SIZE: usize = 1000;

/// `Prefer: odata.maxpagesize=N` (also read from `X-Prefer`, which some clients send).
pub(super) fn page_size<'a>(values: impl Iterator<Item = &'a str>) -> usize {
    values
        .flat_map(|v| v.split([',', ';']))
        .filter_map(|pref| {
            let (name, value) = pref.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("odata.maxpagesize")
                .then(|| value.trim().trim_matches('"').parse::<usize>().ok())
                .flatten()
        })
        .next()
        .map_or(MAX_PAGE_SIZE, |n| n.clamp(1, MAX_PAGE_SIZE))
}

/// What the query string asks for.
pub(super) struct Query {
    pub(super) select: Option<Vec<String>>,
    pub(super) skip_token: Option<String>,
}

pub(super) fn query(text: Option<&str>) -> Query {
    let pairs = form::parse(text.unwrap_or_default());
    let find = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    Query {
        select: find("$select").map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        }),
        skip_token: find("$skiptoken"),
    }
}

/// Ties a skip token to the body it was issued for, so a different body cannot reuse it.
/// The body is hashed in a canonical form (sorted keys, no whitespace), so a client that
/// re-serialises the same request (a batch member fetched alone) still fits.
pub(super) fn fingerprint(body: &[u8]) -> String {
    let canonical = serde_json::from_slice::<Value>(body)
        .map(|v| canonical_json(&v))
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    let digest = Sha256::digest(canonical.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical_json(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

pub(super) fn make_skip_token(offset: usize, body: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}:{}", fingerprint(body)))
}

pub(super) fn parse_skip_token(token: &str, body: &[u8]) -> Option<usize> {
    let decoded = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (offset, print) = text.split_once(':')?;
    (print == fingerprint(body))
        .then(|| offset.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_token_is_bound_to_body() {
        let token = make_skip_token(1000, b"{\"a\":1}");
        assert_eq!(parse_skip_token(&token, b"{\"a\":1}"), Some(1000));
        assert_eq!(parse_skip_token(&token, b"{\"a\":2}"), None);
        assert_eq!(parse_skip_token("garbage!", b"{}"), None);
        let reordered = make_skip_token(5, br#"{"b":[1,{"y":2,"x":1}],"a":"s"}"#);
        assert_eq!(
            parse_skip_token(&reordered, br#"{ "a": "s", "b": [1, {"x": 1, "y": 2}] }"#),
            Some(5)
        );
    }

    #[test]
    fn page_size_from_prefer() {
        let one = |v: &'static str| std::iter::once(v);
        assert_eq!(page_size(one("odata.maxpagesize=250")), 250);
        assert_eq!(
            page_size(one(
                "odata.include-annotations=\"*\", odata.maxpagesize=5000"
            )),
            1000
        );
        assert_eq!(
            page_size(one("odata.maxpagesize=0;odata.continue-on-error")),
            1
        );
        assert_eq!(page_size(std::iter::empty()), 1000);
    }
}
