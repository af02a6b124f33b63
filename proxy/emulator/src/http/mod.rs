//! Routing and the HTTP side of each endpoint.

mod batch;
mod identity;
mod invoke;
mod paging;

use batch::batch;
use identity::{openid_configuration, token};
use invoke::invoke;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use serde_json::{json, Value};

use crate::cmdlets::CmdletError;
use crate::response;
use crate::shared::Shared;

/// Larger bodies are refused with 413, as the real front door does.
const MAX_BODY: usize = 1 << 20;

pub(crate) type Body = Full<Bytes>;

pub(crate) async fn route<B>(shared: Arc<Shared>, request: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let is = |s: &str, wanted: &str| s.eq_ignore_ascii_case(wanted);
    let started = Instant::now();
    let response = match (&method, seg.as_slice()) {
        (&Method::GET, [h]) if is(h, "healthz") => text(StatusCode::OK, "ok"),
        (&Method::POST, [tenant, o, v, t])
            if is(o, "oauth2") && is(v, "v2.0") && is(t, "token") =>
        {
            let tenant = (*tenant).to_owned();
            token(&shared, &tenant, request).await
        }
        (&Method::GET, [tenant, d, v, k])
            if is(d, "discovery") && is(v, "v2.0") && is(k, "keys") =>
        {
            if shared.idp.is_tenant(tenant) {
                json_response(StatusCode::OK, &shared.idp.jwks())
            } else {
                not_found()
            }
        }
        (&Method::GET, [tenant, v, w, o])
            if is(v, "v2.0") && is(w, ".well-known") && is(o, "openid-configuration") =>
        {
            openid_configuration(&shared, tenant, &request)
        }
        (&Method::POST, [a, version, tenant, c])
            if is(a, "adminapi")
                && (is(version, "beta") || is(version, "v1.0"))
                && is(c, "InvokeCommand") =>
        {
            let base = format!("{}/{a}/{version}/{tenant}", origin(&shared, &request));
            let tenant = (*tenant).to_owned();
            invoke(&shared, &tenant, &base, request).await
        }
        (&Method::POST, [a, version, tenant, c])
            if is(a, "adminapi")
                && (is(version, "beta") || is(version, "v1.0"))
                && (is(c, "$batch") || is(c, "%24batch")) =>
        {
            let base = format!("{}/{a}/{version}/{tenant}", origin(&shared, &request));
            let tenant = (*tenant).to_owned();
            batch(&shared, &tenant, &base, request).await
        }
        (_, [h]) if is(h, "healthz") => method_not_allowed(),
        (_, [_, o, v, t]) if is(o, "oauth2") && is(v, "v2.0") && is(t, "token") => {
            method_not_allowed()
        }
        (_, [a, _, _, c]) if is(a, "adminapi") && is(c, "InvokeCommand") => method_not_allowed(),
        _ => not_found(),
    };
    // Debug, not info: a test harness that never drains stderr must not stall on it.
    tracing::debug!(
        %method,
        path = %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

fn text(status: StatusCode, body: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    json_text(status, body.to_string(), "application/json; charset=utf-8")
}

fn json_text(status: StatusCode, body: String, content_type: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn not_found() -> Response<Body> {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({"error": {"code": "NotFound", "message": "The requested resource does not exist."}}),
    )
}

fn method_not_allowed() -> Response<Body> {
    json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &json!({"error": {"code": "MethodNotAllowed", "message": "The HTTP method is not allowed for this resource."}}),
    )
}

/// `http://host:port` as the client addressed us, for links and assertion audiences.
fn origin<B>(shared: &Shared, request: &Request<B>) -> String {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .map_or_else(|| shared.bound.to_string(), str::to_owned);
    format!("http://{host}")
}

async fn read_body<B>(request: Request<B>) -> Result<Bytes, Response<Body>>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(json_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &response::service_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestTooLarge",
                "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                "The request body is larger than 1 MiB.",
            ),
        )),
        Err(_) => Err(text(StatusCode::BAD_REQUEST, "unreadable request body")),
    }
}

fn exchange_error(error: &CmdletError) -> Response<Body> {
    let mut response = json_text(
        error.status,
        response::cmdlet_error(error).to_string(),
        response::ODATA_CONTENT_TYPE,
    );
    let short_class = error.class.rsplit('.').next().unwrap_or(&error.class);
    if let Ok(value) = HeaderValue::from_str(short_class) {
        response.headers_mut().insert("x-exceptiontype", value);
    }
    response
}

fn bad_request(error_id: &str, text: &str) -> CmdletError {
    CmdletError::bad_request(
        error_id,
        "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
        text,
    )
}
