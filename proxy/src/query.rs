//! The connection URI's query string, as legacy clients write it.
//!
//! Windows PowerShell appends `;PSVersion=…` with a semicolon when the URI already has a query,
//! and scripts copied from web pages sometimes carry a literal `&amp;`, so parameters are split
//! on `&` and `;` (which also splits `&amp;` into `&` + `amp;…`, handled below).

/// Connection options read from the query. Unknown names (`PSVersion`, `email`, …) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionQuery {
    /// `DelegatedOrg=DOMAIN`: the customer tenant for upstream calls.
    pub delegated_org: Option<String>,
    /// `BasicAuthToOAuthConversion=true`: the Basic password carries an OAuth token.
    pub basic_auth_to_oauth: bool,
}

impl ConnectionQuery {
    pub fn parse(query: Option<&str>) -> Self {
        let mut out = Self::default();
        let Some(query) = query else { return out };
        for pair in query.split(['&', ';']) {
            // `&amp;` splits into an `amp` piece without `=`, which is skipped like any other
            // malformed pair.
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let name = name.trim();
            let value = percent_decode(value.trim());
            if name.eq_ignore_ascii_case("DelegatedOrg") {
                if !value.is_empty() {
                    out.delegated_org = Some(value);
                }
            } else if name.eq_ignore_ascii_case("BasicAuthToOAuthConversion") {
                out.basic_auth_to_oauth = value.eq_ignore_ascii_case("true") || value == "1";
            }
        }
        out
    }
}

/// Minimal `%XX` decoding; invalid escapes are kept verbatim rather than rejected because the
/// value is only ever used as a tenant name.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_separators_and_ignores_case() {
        let q = ConnectionQuery::parse(Some(
            "basicauthtooauthconversion=TRUE;PSVersion=5.1.19041.1&delegatedorg=fabrikam.onmicrosoft.com",
        ));
        assert!(q.basic_auth_to_oauth);
        assert_eq!(q.delegated_org.as_deref(), Some("fabrikam.onmicrosoft.com"));
    }

    #[test]
    fn tolerates_html_escaped_ampersand() {
        let q = ConnectionQuery::parse(Some(
            "DelegatedOrg=contoso.com&amp;BasicAuthToOAuthConversion=true",
        ));
        assert_eq!(q.delegated_org.as_deref(), Some("contoso.com"));
        assert!(q.basic_auth_to_oauth);
    }

    #[test]
    fn absent_query_means_defaults() {
        assert_eq!(ConnectionQuery::parse(None), ConnectionQuery::default());
        let q = ConnectionQuery::parse(Some("PSVersion=5.1;BasicAuthToOAuthConversion=false"));
        assert!(!q.basic_auth_to_oauth);
        assert_eq!(q.delegated_org, None);
    }

    #[test]
    fn decodes_percent_escapes() {
        let q = ConnectionQuery::parse(Some("DelegatedOrg=a%2Eb.com"));
        assert_eq!(q.delegated_org.as_deref(), Some("a.b.com"));
    }
}
