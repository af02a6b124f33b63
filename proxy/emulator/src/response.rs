//! Exchange Online's response shapes: OData collections, annotations and error objects.

use http::StatusCode;
use serde_json::{json, Value};

use crate::cmdlets::CmdletError;
use crate::tenant::Obj;

pub(crate) const ODATA_CONTENT_TYPE: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

const GUID_PROPERTIES: [&str; 4] = ["Guid", "ExchangeGuid", "ArchiveGuid", "ExchangeObjectId"];
const DATE_PROPERTIES: [&str; 5] = [
    "WhenCreated",
    "WhenChanged",
    "WhenCreatedUTC",
    "WhenChangedUTC",
    "WhenMailboxCreated",
];

/// Adds the type annotations Exchange puts next to typed properties.
pub(crate) fn annotate(obj: Obj) -> Obj {
    let mut out = Obj::new();
    for (key, value) in obj {
        if value.is_array() {
            out.insert(format!("{key}@odata.type"), "#Collection(String)".into());
        } else if GUID_PROPERTIES.contains(&key.as_str()) && value.is_string() {
            out.insert(format!("{key}@odata.type"), "#Guid".into());
            out.insert(format!("{key}@data.type"), "System.Guid".into());
        } else if DATE_PROPERTIES.contains(&key.as_str()) && value.is_string() {
            out.insert(format!("{key}@data.type"), "System.DateTime".into());
        }
        out.insert(key, value);
    }
    out
}

/// Keeps only the properties `$select` names (case-insensitive).
pub(crate) fn select(obj: Obj, names: &[String]) -> Obj {
    obj.into_iter()
        .filter(|(k, _)| names.iter().any(|n| n.eq_ignore_ascii_case(k)))
        .collect()
}

/// A success body, keys in the order the service sends them.
pub(crate) fn collection(
    context: &str,
    warnings: &[String],
    value: &[Value],
    next_link: Option<&str>,
    confirmation: Option<&str>,
) -> String {
    // serde_json's map is ordered by key here, so the body is written by hand to keep the
    // service's order (clients do not depend on it, but people reading captures do).
    let mut out = String::from("{");
    out.push_str(&format!(
        "\"@odata.context\":{}",
        Value::String(context.to_owned())
    ));
    out.push_str(",\"adminapi.warnings@odata.type\":\"#Collection(String)\"");
    out.push_str(&format!(",\"@adminapi.warnings\":{}", json!(warnings)));
    if let Some(message) = confirmation {
        out.push_str(&format!(
            ",\"@adminapi.confirmationmessage\":{}",
            Value::String(message.to_owned())
        ));
    }
    out.push_str(",\"value\":");
    out.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned()));
    if let Some(link) = next_link {
        out.push_str(&format!(
            ",\"@odata.nextLink\":{}",
            Value::String(link.to_owned())
        ));
    }
    out.push('}');
    out
}

/// `NotFound`, `BadRequest`, … as `error.code`.
fn status_code_name(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("Error")
        .split(|c: char| !c.is_ascii_alphanumeric())
        .collect()
}

/// The error object of a failed cmdlet.
pub(crate) fn cmdlet_error(error: &CmdletError) -> Value {
    let message = error.pipe_message();
    json!({
        "error": {
            "code": status_code_name(error.status),
            "message": "Error executing cmdlet",
            "details": [{
                "code": "Client",
                "target": error.target,
                "message": message,
            }],
            "innererror": {
                "message": message,
                "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                "stacktrace": "",
                "internalexception": {
                    "message": error.message,
                    "type": "Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException",
                    "stacktrace": "",
                }
            }
        },
        "adminapi.warnings@odata.type": "#Collection(String)",
        "@adminapi.warnings": [],
    })
}

/// An error outside cmdlet execution (authentication, throttling, bad requests).
pub(crate) fn service_error(status: StatusCode, error_id: &str, class: &str, text: &str) -> Value {
    cmdlet_error(&CmdletError::new(status, error_id, class, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_shape() {
        let body = cmdlet_error(&CmdletError::not_found("nobody"));
        assert_eq!(body["error"]["code"], "NotFound");
        let message = body["error"]["details"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(message.split('|').count(), 3, "{message}");
        assert!(message.contains("ManagementObjectNotFoundException"));
    }

    #[test]
    fn collection_is_valid_json_with_annotations() {
        let text = collection("ctx", &["w".into()], &[json!({"a": 1})], Some("next"), None);
        let parsed: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(parsed["@odata.nextLink"], "next");
        assert_eq!(parsed["@adminapi.warnings"][0], "w");
        assert_eq!(
            parsed["adminapi.warnings@odata.type"],
            "#Collection(String)"
        );
    }
}
