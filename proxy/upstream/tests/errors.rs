//! Error objects, categories and retry helpers (exo-rest.md §3.6, §3.7).

use std::time::Duration;

use exomig_upstream::rest::{
    is_idempotent, parse_claims_challenge, parse_retry_after, TimeoutPolicy,
};
use exomig_upstream::{CmdletError, ErrorCategory, RetryPolicy};
use serde_json::json;

#[test]
fn pipe_form_details_message_is_split_into_three_parts() {
    let body = json!({"error": {"code": "NotFound", "message": "Error executing cmdlet",
        "details": [{"code": "Client", "target": "", "message":
            "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'nobody' couldn't be found | really."}]}});
    let err = CmdletError::from_response(404, body.to_string().as_bytes());
    assert_eq!(err.status, 404);
    assert_eq!(err.error_id, "Ex6F9304");
    assert_eq!(
        err.exception_class,
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
    );
    assert_eq!(
        err.message,
        "The operation couldn't be performed because object 'nobody' couldn't be found | really."
    );
    assert_eq!(err.category, ErrorCategory::ObjectNotFound);
    assert_eq!(err.target, None);
}

#[test]
fn json_form_details_message_is_reformatted() {
    let inner = json!({"localizedString": {"stringId": "ErrorX"}, "ClassName": "Some.ArgumentException", "Message": "bad value"}).to_string();
    let body = json!({"error": {"details": [{"message": inner, "target": "Identity"}]}});
    let err = CmdletError::from_response(400, body.to_string().as_bytes());
    assert_eq!(
        (
            err.error_id.as_str(),
            err.exception_class.as_str(),
            err.message.as_str()
        ),
        ("ErrorX", "Some.ArgumentException", "bad value")
    );
    assert_eq!(err.category, ErrorCategory::InvalidArgument);
    assert_eq!(err.target.as_deref(), Some("Identity"));
}

#[test]
fn falls_back_to_innererror_then_error_message() {
    let body = json!({"error": {"message": "top", "innererror": {"internalexception": {
        "message": "inner text", "type": "Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException"}}}});
    let err = CmdletError::from_response(500, body.to_string().as_bytes());
    assert_eq!(err.message, "inner text");
    assert_eq!(
        err.exception_class,
        "Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException"
    );
    let top_only = json!({"error": {"message": "top"}});
    assert_eq!(
        CmdletError::from_response(500, top_only.to_string().as_bytes()).message,
        "top"
    );
}

#[test]
fn numeric_detail_code_is_the_powershell_category() {
    let body = json!({"error": {"details": [{"code": 18, "message": "E1|Foo.BarException|nope"}]}});
    let err = CmdletError::from_response(400, body.to_string().as_bytes());
    assert_eq!(err.category, ErrorCategory::PermissionDenied);
    assert_eq!(ErrorCategory::PermissionDenied.code(), 18);
    assert_eq!(
        ErrorCategory::from_code(13),
        Some(ErrorCategory::ObjectNotFound)
    );
    assert_eq!(ErrorCategory::from_code(99), None);
}

#[test]
fn plain_text_and_empty_bodies_become_messages() {
    let err = CmdletError::from_response(502, b"<html>Bad gateway</html>");
    assert_eq!(err.message, "<html>Bad gateway</html>");
    assert_eq!(err.category, ErrorCategory::NotSpecified);
    let empty = CmdletError::from_response(503, b"");
    assert!(empty.message.contains("503"));
    assert_eq!(empty.category, ErrorCategory::ResourceUnavailable);
}

#[test]
fn categories_by_exception_class_and_status() {
    let cases = [
        (
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            Some(ErrorCategory::ObjectNotFound),
        ),
        (
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException",
            Some(ErrorCategory::InvalidArgument),
        ),
        (
            "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
            Some(ErrorCategory::ResourceExists),
        ),
        (
            "System.Management.Automation.ParameterBindingException",
            Some(ErrorCategory::InvalidArgument),
        ),
        (
            "Microsoft.Exchange.Data.Storage.StorageTransientException",
            Some(ErrorCategory::ResourceUnavailable),
        ),
        (
            "System.UnauthorizedAccessException",
            Some(ErrorCategory::PermissionDenied),
        ),
        ("Some.Unrelated.Thing", None),
    ];
    for (class, expected) in cases {
        assert_eq!(
            ErrorCategory::for_exception_class(class),
            expected,
            "{class}"
        );
    }
    assert_eq!(
        ErrorCategory::for_status(404),
        ErrorCategory::ObjectNotFound
    );
    assert_eq!(
        ErrorCategory::for_status(429),
        ErrorCategory::LimitsExceeded
    );
    assert_eq!(ErrorCategory::for_status(418), ErrorCategory::NotSpecified);
    assert_eq!(
        ErrorCategory::from_name("objectnotfound"),
        Some(ErrorCategory::ObjectNotFound)
    );
}

#[test]
fn transient_exception_names_are_recognised() {
    let transient = CmdletError::from_response(
        500,
        json!({"error": {"details": [{"message": "E|Microsoft.Exchange.Data.Directory.DCOverloadedException|busy"}]}}).to_string().as_bytes(),
    );
    assert!(transient.is_transient());
    let not = CmdletError::from_response(
        404,
        json!({"error": {"details": [{"message": "E|X.ManagementObjectNotFoundException|gone"}]}})
            .to_string()
            .as_bytes(),
    );
    assert!(!not.is_transient());
}

#[test]
fn retry_after_accepts_fractional_seconds_and_rejects_garbage() {
    assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
    assert_eq!(
        parse_retry_after(" 0.25 "),
        Some(Duration::from_millis(250))
    );
    assert_eq!(parse_retry_after("-1"), None);
    assert_eq!(parse_retry_after("soon"), None);
    assert_eq!(parse_retry_after("NaN"), None);
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(Duration::ZERO)
    );
}

#[test]
fn claims_challenge_is_extracted() {
    let header = r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==""#;
    assert_eq!(
        parse_claims_challenge(header).as_deref(),
        Some("eyJhY2Nlc3NfdG9rZW4iOnt9fQ==")
    );
    assert_eq!(
        parse_claims_challenge(r#"Bearer error="invalid_token""#),
        None
    );
    assert_eq!(parse_claims_challenge(r#"Bearer claims="#), None);
}

#[test]
fn only_reads_are_idempotent() {
    for read in [
        "Get-Mailbox",
        "get-recipient",
        "Test-MAPIConnectivity",
        "Search-UnifiedAuditLog",
    ] {
        assert!(is_idempotent(read), "{read}");
    }
    for write in [
        "Set-Mailbox",
        "New-MailContact",
        "Remove-MailContact",
        "Add-MailboxPermission",
        "Enable-Mailbox",
        "Getter",
    ] {
        assert!(!is_idempotent(write), "{write}");
    }
}

#[test]
fn per_cmdlet_timeouts_follow_the_module() {
    let policy = TimeoutPolicy::default();
    assert_eq!(policy.for_cmdlet("Get-Mailbox"), Duration::from_secs(1020));
    assert_eq!(
        policy.for_cmdlet("get-distributiongroupmember"),
        Duration::from_secs(3660)
    );
    assert_eq!(
        policy.for_cmdlet("Set-OrganizationConfig"),
        Duration::from_secs(1860)
    );
}

#[test]
fn retry_backoff_doubles_and_is_capped() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.backoff(0), Duration::from_secs(2));
    assert_eq!(policy.backoff(3), Duration::from_secs(16));
    assert_eq!(policy.backoff(40), policy.max_delay);
    assert_eq!(
        policy.delay(0, Some(Duration::from_millis(1500))),
        Duration::from_millis(1500)
    );
    assert_eq!(
        policy.delay(0, Some(Duration::from_secs(100_000))),
        policy.max_delay
    );
}
