//! `InvokeCommand`: token checks, throttling, failure injection and running the cmdlet.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Request, Response, StatusCode};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::paging::{make_skip_token, page_size, parse_skip_token, query, Query};
use super::{bad_request, exchange_error, json_text, read_body, Body};
use crate::cmdlets::{self, CmdletError, Params};
use crate::form;
use crate::response;
use crate::shared::{lock, take_failure, Shared};
use crate::throttle::Admission;
use crate::token::{AccessClaims, AuthFailure};

pub(super) fn unauthorized(failure: &AuthFailure) -> Response<Body> {
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

pub(super) async fn invoke<B>(
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
        Err(t) => return throttled(&t),
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
pub(super) fn decorate(response: &mut Response<Body>, appid: &str) {
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

pub(super) fn injected_failure() -> Response<Body> {
    exchange_error(&CmdletError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServerBusy",
        "Microsoft.Exchange.Data.Storage.StorageTransientException",
        "The server is temporarily unavailable. Please try again later.",
    ))
}

pub(super) fn authorize(
    shared: &Shared,
    tenant: &str,
    headers: &http::HeaderMap,
) -> Result<AccessClaims, AuthFailure> {
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
pub(super) struct Throttled {
    pub(super) limit: u32,
    pub(super) window: Duration,
    pub(super) retry_after: Duration,
}

/// Counts the call against the throttle; the `Rate-Limit-*` headers to send, or a 429.
pub(super) fn admit(shared: &Shared) -> Result<Vec<(&'static str, String)>, Throttled> {
    let mut rate_headers = Vec::new();
    if let Some(throttle) = &shared.throttle {
        let mut throttle = lock(throttle);
        let limit = throttle.limit();
        let window = throttle.window();
        match throttle.admit(Instant::now()) {
            Admission::Allowed {
                remaining,
                reset_in,
            } => {
                rate_headers.push(("rate-limit-limit", limit.to_string()));
                rate_headers.push(("rate-limit-remaining", remaining.to_string()));
                rate_headers.push(("rate-limit-reset", reset_at(reset_in)));
            }
            Admission::Throttled { retry_after } => {
                return Err(Throttled {
                    limit,
                    window,
                    retry_after,
                })
            }
        }
    }
    Ok(rate_headers)
}

pub(super) fn failure_kind(failure: &AuthFailure) -> &'static str {
    match failure {
        AuthFailure::Missing => "missing",
        AuthFailure::Invalid(_) => "invalid",
        AuthFailure::WrongTenant => "wrong-tenant",
        AuthFailure::MissingRole => "missing-role",
    }
}

/// An ISO timestamp `after` from now, as `Rate-Limit-Reset` carries it.
pub(super) fn reset_at(after: Duration) -> String {
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

pub(super) fn throttled(t: &Throttled) -> Response<Body> {
    let (limit, retry_after) = (t.limit, t.retry_after);
    let per = if t.window == Duration::from_secs(60) {
        "minute".to_owned()
    } else {
        format!("{:?}", t.window)
    };
    // Whole seconds, rounded up, so a client that sleeps exactly this long is admitted.
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = exchange_error(&CmdletError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "Microsoft.Exchange.Admin.OData.Core.ThrottlingException",
        &format!("The request was throttled: more than {limit} calls per {per} for this tenant. Try again in {seconds} seconds."),
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

pub(super) async fn run_cmdlet(
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
