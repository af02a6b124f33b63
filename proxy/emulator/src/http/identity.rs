//! The identity provider's endpoints: token, JWKS metadata.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Request, Response, StatusCode};
use serde_json::{json, Value};

use super::{json_response, not_found, origin, read_body, Body};
use crate::shared::{take_failure, Shared};
use crate::token::aad_error;

pub(super) async fn token<B>(
    shared: &Arc<Shared>,
    tenant: &str,
    request: Request<B>,
) -> Response<Body>
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

pub(super) fn openid_configuration<B>(
    shared: &Shared,
    tenant: &str,
    request: &Request<B>,
) -> Response<Body> {
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
