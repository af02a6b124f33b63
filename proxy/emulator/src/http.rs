//! Routing and the HTTP side of each endpoint.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::cmdlets::{self, CmdletError, Params};
use crate::form;
use crate::response;
use crate::shared::{lock, take_failure, Shared};
use crate::throttle::Admission;
use crate::token::{aad_error, AuthFailure};

/// Larger bodies are refused with 413, as the real front door does.
const MAX_BODY: usize = 1 << 20;
const MAX_PAGE_SIZE: usize = 1000;

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

async fn token<B>(shared: &Arc<Shared>, tenant: &str, request: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    shared.token_requests.fetch_add(1, Ordering::SeqCst);
    if take_failure(&shared.fail_token) {
        let reply = aad_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            90033,
            "A transient error has occurred. Please try again.",
        );
        return json_response(reply.status, &reply.body);
    }
    let origin = origin(shared, &request);
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let reply = shared.idp.token_endpoint(tenant, &origin, &body);
    let mut response = json_response(reply.status, &reply.body);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    if let Some(error) = reply.body.get("error").and_then(Value::as_str) {
        tracing::info!(tenant, error, "token request refused");
    }
    response
}

fn openid_configuration<B>(shared: &Shared, tenant: &str, request: &Request<B>) -> Response<Body> {
    if !shared.idp.is_tenant(tenant) {
        return not_found();
    }
    let base = format!("{}/{tenant}", origin(shared, request));
    json_response(
        StatusCode::OK,
        &json!({
            "issuer": shared.idp.issuer(),
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "jwks_uri": format!("{base}/discovery/v2.0/keys"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "grant_types_supported": ["client_credentials", "password"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["pairwise"],
        }),
    )
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

fn unauthorized(failure: &AuthFailure) -> Response<Body> {
    let (status, description) = match failure {
        AuthFailure::Missing => (
            StatusCode::UNAUTHORIZED,
            "The request has no bearer token.".to_owned(),
        ),
        AuthFailure::Invalid(reason) => (
            StatusCode::UNAUTHORIZED,
            format!("The token is not valid: {reason}."),
        ),
        AuthFailure::WrongTenant => (
            StatusCode::UNAUTHORIZED,
            "The token was not issued for the tenant in the request URL.".to_owned(),
        ),
        AuthFailure::MissingRole => (
            StatusCode::FORBIDDEN,
            "The app token does not carry the Exchange.ManageAsApp role.".to_owned(),
        ),
    };
    let error = CmdletError::new(
        status,
        if status == StatusCode::FORBIDDEN {
            "AccessDenied"
        } else {
            "InvalidToken"
        },
        "Microsoft.Exchange.Security.Authentication.AuthenticationException",
        &description,
    );
    let mut response = exchange_error(&error);
    let challenge = if status == StatusCode::UNAUTHORIZED {
        format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
    } else {
        format!("Bearer error=\"insufficient_scope\", error_description=\"{description}\"")
    };
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// `Prefer: odata.maxpagesize=N` (also read from `X-Prefer`, which some clients send).
fn page_size<'a>(values: impl Iterator<Item = &'a str>) -> usize {
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
struct Query {
    select: Option<Vec<String>>,
    skip_token: Option<String>,
}

fn query(text: Option<&str>) -> Query {
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
fn fingerprint(body: &[u8]) -> String {
    let canonical = serde_json::from_slice::<Value>(body)
        .map(|v| canonical_json(&v))
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    let digest = Sha256::digest(canonical.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

fn canonical_json(value: &Value) -> String {
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

fn make_skip_token(offset: usize, body: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}:{}", fingerprint(body)))
}

fn parse_skip_token(token: &str, body: &[u8]) -> Option<usize> {
    let decoded = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (offset, print) = text.split_once(':')?;
    (print == fingerprint(body))
        .then(|| offset.parse().ok())
        .flatten()
}

fn bad_request(error_id: &str, text: &str) -> CmdletError {
    CmdletError::bad_request(
        error_id,
        "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
        text,
    )
}

async fn invoke<B>(
    shared: &Arc<Shared>,
    tenant: &str,
    base: &str,
    request: Request<B>,
) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    shared.invoke_requests.fetch_add(1, Ordering::SeqCst);
    if take_failure(&shared.fail_invoke) {
        return injected_failure();
    }
    let claims = match authorize(shared, tenant, request.headers()) {
        Ok(claims) => claims,
        Err(failure) => return unauthorized(&failure),
    };
    let rate_headers = match admit(shared) {
        Ok(headers) => headers,
        Err(t) => return throttled(t.limit, t.retry_after),
    };
    let page_size = page_size(
        request
            .headers()
            .get_all("prefer")
            .iter()
            .chain(request.headers().get_all("x-prefer").iter())
            .filter_map(|v| v.to_str().ok()),
    );
    let query = query(request.uri().query());
    let client_request_id = request.headers().get("client-request-id").cloned();
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let mut response = run_cmdlet(shared, base, &body, page_size, &query).await;
    let headers = response.headers_mut();
    for (name, value) in rate_headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    if let Some(id) = client_request_id {
        headers.insert("client-request-id", id);
    }
    decorate(&mut response, &claims.appid);
    response
}

/// Headers every InvokeCommand answer carries.
fn decorate(response: &mut Response<Body>, appid: &str) {
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(&Uuid::new_v4().to_string()) {
        headers.insert("request-id", id);
    }
    headers.insert("odata-version", HeaderValue::from_static("4.0"));
    headers.insert(
        "x-calculatedbetarget",
        HeaderValue::from_static("am0pr01mb0042.eurprd01.prod.outlook.com"),
    );
    if let Ok(app) = HeaderValue::from_str(appid) {
        headers.insert("x-ms-appid", app);
    }
}

fn injected_failure() -> Response<Body> {
    exchange_error(&CmdletError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServerBusy",
        "Microsoft.Exchange.Data.Storage.StorageTransientException",
        "The server is temporarily unavailable. Please try again later.",
    ))
}

fn authorize(
    shared: &Shared,
    tenant: &str,
    headers: &http::HeaderMap,
) -> Result<crate::token::AccessClaims, AuthFailure> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    shared
        .idp
        .authorize(authorization, tenant)
        .inspect_err(|failure| {
            tracing::info!(
                tenant,
                reason = failure_kind(failure),
                "InvokeCommand refused"
            );
        })
}

/// A call refused by the throttle.
struct Throttled {
    limit: u32,
    retry_after: Duration,
}

/// Counts the call against the throttle; the `Rate-Limit-*` headers to send, or a 429.
fn admit(shared: &Shared) -> Result<Vec<(&'static str, String)>, Throttled> {
    let mut rate_headers = Vec::new();
    if let Some(throttle) = &shared.throttle {
        let mut throttle = lock(throttle);
        let limit = throttle.limit();
        match throttle.admit(Instant::now()) {
            Admission::Allowed {
                remaining,
                reset_in,
            } => {
                rate_headers.push(("rate-limit-limit", limit.to_string()));
                rate_headers.push(("rate-limit-remaining", remaining.to_string()));
                rate_headers.push(("rate-limit-reset", reset_at(reset_in)));
            }
            Admission::Throttled { retry_after } => return Err(Throttled { limit, retry_after }),
        }
    }
    Ok(rate_headers)
}

/// `POST …/{tenant}/$batch`: up to 20 InvokeCommand requests in one envelope, as the module
/// sends pipeline input. Each member is counted, throttled and failure-injected on its own.
async fn batch<B>(
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
const MAX_BATCH: usize = 20;

async fn batch_member(shared: &Arc<Shared>, base: &str, item: &Value) -> Response<Body> {
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
        Err(t) => return throttled(t.limit, t.retry_after),
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

fn failure_kind(failure: &AuthFailure) -> &'static str {
    match failure {
        AuthFailure::Missing => "missing",
        AuthFailure::Invalid(_) => "invalid",
        AuthFailure::WrongTenant => "wrong-tenant",
        AuthFailure::MissingRole => "missing-role",
    }
}

/// An ISO timestamp `after` from now, as `Rate-Limit-Reset` carries it.
fn reset_at(after: Duration) -> String {
    let at = OffsetDateTime::now_utc() + after;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn throttled(limit: u32, retry_after: Duration) -> Response<Body> {
    // Whole seconds, rounded up, so a client that sleeps exactly this long is admitted.
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = exchange_error(&CmdletError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "Microsoft.Exchange.Admin.OData.Core.ThrottlingException",
        &format!("The request was throttled: more than {limit} calls per minute for this tenant. Try again in {seconds} seconds."),
    ));
    let headers = response.headers_mut();
    for (name, value) in [
        ("retry-after", seconds.to_string()),
        ("rate-limit-limit", limit.to_string()),
        ("rate-limit-remaining", "0".to_owned()),
        ("rate-limit-reset", reset_at(Duration::from_secs(seconds))),
        ("rate-limit-reason", "TenantCallsPerMinute".to_owned()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

async fn run_cmdlet(
    shared: &Arc<Shared>,
    base: &str,
    body: &[u8],
    page_size: usize,
    query: &Query,
) -> Response<Body> {
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return exchange_error(&bad_request(
                "InvalidRequestBody",
                &format!("The request body is not valid JSON: {e}."),
            ))
        }
    };
    let input = parsed.get("CmdletInput");
    let Some(name) = input
        .and_then(|i| i.get("CmdletName"))
        .and_then(Value::as_str)
    else {
        return exchange_error(&bad_request(
            "InvalidRequestBody",
            "The request body must be {\"CmdletInput\":{\"CmdletName\":\"…\",\"Parameters\":{…}}}.",
        ));
    };

    let offset = match &query.skip_token {
        None => 0,
        Some(token) => match parse_skip_token(token, body) {
            Some(offset) if !cmdlets::is_mutating(name) => offset,
            _ => {
                return exchange_error(&bad_request(
                    "InvalidSkipToken",
                    "The skip token is not valid for this request; send the same body to the @odata.nextLink URL.",
                ))
            }
        },
    };
    let params = match Params::from_json(input.and_then(|i| i.get("Parameters"))) {
        Ok(p) => p.with_window(offset, page_size),
        Err(e) => return exchange_error(&e),
    };
    let outcome = {
        let mut tenant = lock(&shared.tenant);
        cmdlets::invoke(&mut tenant, name, &params)
    };
    let output = match outcome {
        Ok(output) => output,
        Err(e) => {
            tracing::debug!(cmdlet = name, status = e.status.as_u16(), "cmdlet failed");
            return exchange_error(&e);
        }
    };
    if output.changed {
        if let Err(e) = shared.persist().await {
            tracing::error!(error = %e, "cannot persist the tenant");
            return exchange_error(&CmdletError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "StatePersistenceFailed",
                "System.IO.IOException",
                &format!("The change was made but could not be saved: {e}."),
            ));
        }
    }
    let (total, page) = match output.total {
        Some(total) => (total, output.objects),
        None => {
            let total = output.objects.len();
            let page = output
                .objects
                .into_iter()
                .skip(offset)
                .take(page_size)
                .collect();
            (total, page)
        }
    };
    let end = offset.saturating_add(page_size).min(total);
    let value: Vec<Value> = page
        .into_iter()
        .map(|obj| match &query.select {
            Some(names) => response::select(obj, names),
            None => obj,
        })
        .map(|obj| Value::Object(response::annotate(obj)))
        .collect();
    let next_link = (end < total).then(|| {
        let mut link = format!(
            "{base}/InvokeCommand?$skiptoken={}",
            make_skip_token(end, body)
        );
        if let Some(select) = &query.select {
            link.push_str(&format!("&$select={}", form::encode(&select.join(","))));
        }
        link
    });
    // Warnings about the whole result belong with its last page.
    let warnings: &[String] = if next_link.is_none() {
        &output.warnings
    } else {
        &[]
    };
    let context = format!("{base}/$metadata#Collection(Exchange.GenericHashTable)");
    let text = response::collection(
        &context,
        warnings,
        &value,
        next_link.as_deref(),
        output.confirmation.as_deref(),
    );
    let mut response = json_text(StatusCode::OK, text, response::ODATA_CONTENT_TYPE);
    if let Ok(applied) = HeaderValue::from_str(&format!(
        "odata.include-annotations=\"*\", odata.maxpagesize={page_size}"
    )) {
        response.headers_mut().insert("preference-applied", applied);
    }
    response
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
