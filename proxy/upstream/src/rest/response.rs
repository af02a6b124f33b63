//! The InvokeCommand success body: `value`, `@adminapi.warnings`, `@adminapi.errors`,
//! `@odata.nextLink` (exo-rest.md §3.1, §3.3).

use serde_json::Value;
use uuid::Uuid;

use super::error::CmdletError;

/// What one cmdlet invocation produced, across all pages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CmdletResult {
    /// Output objects as the service sent them, `@odata.type`/`@data.type` annotations
    /// included (callers that want plain objects can drop keys containing `@`).
    pub objects: Vec<Value>,
    /// `@adminapi.warnings` of every page, in order.
    pub warnings: Vec<String>,
    /// Non-terminating errors (`@adminapi.errors`); the call counts as failed when any.
    pub errors: Vec<CmdletError>,
    /// `@adminapi.confirmationmessage`, for `-Confirm`/`-WhatIf` answers.
    pub confirmation_message: Option<String>,
    /// Pages fetched.
    pub pages: u32,
    /// The `client-request-id` used for every request of this invocation.
    pub client_request_id: Uuid,
}

/// One parsed page; `next_link` still unvalidated.
pub(crate) struct Page {
    pub next_link: Option<String>,
}

/// Adds one page's content to `result`. `Err` carries what is wrong with the shape.
pub(crate) fn absorb_page(
    result: &mut CmdletResult,
    status: u16,
    body: Value,
) -> Result<Page, String> {
    let Value::Object(mut object) = body else {
        return Err("the body is not a JSON object".to_owned());
    };
    // Moved, not cloned: a page can hold 1000 large objects.
    match object.remove("value") {
        Some(Value::Array(items)) => result.objects.extend(items),
        Some(Value::Null) | None => {}
        Some(other) => return Err(format!("`value` is not an array but {other}")),
    }
    if let Some(Value::Array(warnings)) = object.get("@adminapi.warnings") {
        result
            .warnings
            .extend(warnings.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    if let Some(Value::Array(errors)) = object.get("@adminapi.errors") {
        result.errors.extend(errors.iter().map(|e| match e {
            Value::String(text) => CmdletError::from_error_object(
                status,
                &serde_json::json!({ "details": [{ "message": text }] }),
            ),
            other => CmdletError::from_error_object(status, other.get("error").unwrap_or(other)),
        }));
    }
    if let Some(Value::String(message)) = object.get("@adminapi.confirmationmessage") {
        result.confirmation_message = Some(message.clone());
    }
    result.pages += 1;
    // One client also honours the key without `@` (exo-rest.md §3.3).
    let next_link = object
        .get("@odata.nextLink")
        .or_else(|| object.get("odata.nextLink"))
        .and_then(Value::as_str)
        .filter(|link| !link.is_empty())
        .map(str::to_owned);
    Ok(Page { next_link })
}
