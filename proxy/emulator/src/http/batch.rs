//! `$batch`: several InvokeCommand requests in one envelope.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use http::header::HeaderValue;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};

use super::invoke::{
    admit, authorize, decorate, injected_failure, run_cmdlet, throttled, unauthorized,
};
use super::paging::{page_size, query};
use super::{bad_request, exchange_error, json_text, read_body, Body};
use crate::response;
use crate::shared::{take_failure, Shared};

/// `POST …/{tenant}/$batch`: up to 20 InvokeCommand requests in one envelope, as the module
/// sends pipeline input. Each member is counted, throttled and failure-injected on its own.
pub(super) async fn batch<B>(
    shared: &Arc<Shared>,
    tenant: &str,
    base: &str,
    request: Request<B>,
) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let claims = match authorize(shared, tenant, request.headers()) {
        Ok(claims) => claims,
        Err(failure) => return unauthorized(&failure),
    };
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let envelope: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(requests) = envelope.get("requests").and_then(Value::as_array) else {
        return exchange_error(&bad_request(
            "InvalidBatchRequest",
            "The batch body must be {\"requests\":[{\"id\",\"method\",\"url\",\"headers\",\"body\"}]}.",
        ));
    };
    if requests.len() > MAX_BATCH {
        return exchange_error(&bad_request(
            "InvalidBatchRequest",
            &format!("A batch holds at most {MAX_BATCH} requests."),
        ));
    }
    let mut responses = Vec::with_capacity(requests.len());
    for item in requests {
        let id = item.get("id").map_or(Value::Null, |v| match v {
            Value::String(_) => v.clone(),
            other => Value::String(other.to_string()),
        });
        let response = batch_member(shared, base, item).await;
        let status = response.status().as_u16();
        let headers: serde_json::Map<String, Value> = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.to_string(), Value::String(v.to_str().ok()?.to_owned()))))
            .collect();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(http_body_util::Collected::to_bytes)
            .unwrap_or_default();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        responses.push(json!({"id": id, "status": status, "headers": headers, "body": body}));
    }
    let mut response = json_text(
        StatusCode::OK,
        json!({ "responses": responses }).to_string(),
        response::ODATA_CONTENT_TYPE,
    );
    decorate(&mut response, &claims.appid);
    response
}

/// The module flushes every 10; Graph's limit of 20 leaves room for other clients.
pub(super) const MAX_BATCH: usize = 20;

pub(super) async fn batch_member(shared: &Arc<Shared>, base: &str, item: &Value) -> Response<Body> {
    let method = item.get("method").and_then(Value::as_str).unwrap_or("POST");
    let url = item.get("url").and_then(Value::as_str).unwrap_or_default();
    let (path, query_text) = match url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (url, None),
    };
    if !method.eq_ignore_ascii_case("POST")
        || !path.to_ascii_lowercase().ends_with("/invokecommand")
    {
        return exchange_error(&bad_request(
            "InvalidBatchRequest",
            "Each batch member must be a POST to the InvokeCommand URL.",
        ));
    }
    shared.invoke_requests.fetch_add(1, Ordering::SeqCst);
    if take_failure(&shared.fail_invoke) {
        return injected_failure();
    }
    let rate_headers = match admit(shared) {
        Ok(headers) => headers,
        Err(t) => return throttled(&t),
    };
    let prefer: Vec<&str> = item
        .get("headers")
        .and_then(Value::as_object)
        .map(|headers| {
            headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("prefer"))
                .filter_map(|(_, v)| v.as_str())
                .collect()
        })
        .unwrap_or_default();
    let body = item.get("body").map(Value::to_string).unwrap_or_default();
    let mut response = run_cmdlet(
        shared,
        base,
        body.as_bytes(),
        page_size(prefer.into_iter()),
        &query(query_text),
    )
    .await;
    for (name, value) in rate_headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
