//! Failures → ErrorRecords in the shape Exchange's remote PowerShell produced.

use exomig_codec::clixml::Value;
use exomig_codec::psrp::records::ErrorRecord;

use crate::backend::InvokeError;

/// ErrorCategory values used here (System.Management.Automation.ErrorCategory).
pub mod category {
    pub const NOT_SPECIFIED: i32 = 0;
    pub const INVALID_ARGUMENT: i32 = 5;
    pub const INVALID_DATA: i32 = 6;
    pub const INVALID_OPERATION: i32 = 7;
    pub const OBJECT_NOT_FOUND: i32 = 13;
    pub const PARSER_ERROR: i32 = 17;
    pub const PERMISSION_DENIED: i32 = 18;
    pub const RESOURCE_EXISTS: i32 = 20;
    pub const RESOURCE_UNAVAILABLE: i32 = 21;
    pub const CONNECTION_ERROR: i32 = 27;
    pub const AUTHENTICATION_ERROR: i32 = 28;
    pub const LIMITS_EXCEEDED: i32 = 29;
}

/// The .NET namespace Exchange's task classes live in, for `…,Namespace.VerbNoun`.
fn task_namespace(noun: &str) -> &'static str {
    const RECIPIENT_NOUNS: &[&str] = &[
        "Mailbox",
        "Recipient",
        "User",
        "MailboxPermission",
        "DistributionGroup",
        "DistributionGroupMember",
        "MailContact",
        "MailUser",
        "Contact",
        "Group",
        "DynamicDistributionGroup",
        "UnifiedGroup",
        "UnifiedGroupLinks",
        "RecipientPermission",
        "CASMailbox",
        "MailboxStatistics",
    ];
    if RECIPIENT_NOUNS.iter().any(|n| n.eq_ignore_ascii_case(noun)) {
        "Microsoft.Exchange.Management.RecipientTasks"
    } else {
        "Microsoft.Exchange.Management.SystemConfigurationTasks"
    }
}

/// `[Server=…,RequestId=…,TimeStamp=…] [FailureCategory=Cmdlet-Class] ErrorId,Namespace.VerbNoun`.
pub fn exchange_error_id(cmdlet: &str, error_id: &str, class: &str) -> String {
    let (verb, noun) = cmdlet.split_once('-').unwrap_or((cmdlet, ""));
    let short_class = class.rsplit('.').next().unwrap_or(class);
    let stamp = httpdate_now();
    let request_id = uuid::Uuid::new_v4();
    let error_id = if error_id.is_empty() {
        short_class
    } else {
        error_id
    };
    format!(
        "[Server=exomig,RequestId={request_id},TimeStamp={stamp}] [FailureCategory=Cmdlet-{short_class}] {error_id},{}.{verb}{noun}",
        task_namespace(noun)
    )
}

fn httpdate_now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn category_for(status: u16, class: &str) -> i32 {
    let c = class.to_ascii_lowercase();
    if c.contains("notfound") || status == 404 {
        category::OBJECT_NOT_FOUND
    } else if c.contains("alreadyexists") || c.contains("duplicate") || status == 409 {
        category::RESOURCE_EXISTS
    } else if c.contains("permission") || c.contains("accessdenied") || status == 403 {
        category::PERMISSION_DENIED
    } else if c.contains("argument")
        || c.contains("parameter")
        || c.contains("validation")
        || status == 400
    {
        category::INVALID_ARGUMENT
    } else if status == 429 {
        category::LIMITS_EXCEEDED
    } else if c.contains("invalidoperation") {
        category::INVALID_OPERATION
    } else {
        category::NOT_SPECIFIED
    }
}

/// An upstream failure as a record. `identity` is the object the call was about, which
/// becomes the target as in `ObjectNotFound: (x:String) [Get-Mailbox], …`.
pub fn invoke_error_record(
    cmdlet: &str,
    error: &InvokeError,
    identity: Option<&str>,
) -> ErrorRecord {
    match error {
        InvokeError::Exchange {
            status,
            error_id,
            class,
            message,
            target,
        } => {
            let class_full = if class.is_empty() {
                "Microsoft.Exchange.Configuration.Tasks.TaskException".to_owned()
            } else {
                class.clone()
            };
            let mut types = vec![class_full.clone()];
            if class_full.starts_with("Microsoft.Exchange") {
                types.push("Microsoft.Exchange.Data.LocalizedException".into());
            }
            types.push("System.Exception".into());
            let mut rec = ErrorRecord::new(
                message.clone(),
                exchange_error_id(cmdlet, error_id, &class_full),
                category_for(*status, &class_full),
            )
            .with_exception_types(types);
            rec.activity = cmdlet.to_owned();
            let target = target.as_deref().filter(|t| !t.is_empty()).or(identity);
            if let Some(t) = target {
                rec.target_name = t.to_owned();
                rec.target_type = "String".into();
                rec.target_object = Value::str(t);
            }
            rec
        }
        InvokeError::Auth(msg) => {
            let mut rec = ErrorRecord::new(
                format!("Exchange Online refused the proxy's credentials: {msg}"),
                "[FailureCategory=AuthZ-AuthorizationException] UpstreamAuthenticationFailed",
                category::AUTHENTICATION_ERROR,
            )
            .with_exception_types([
                "System.UnauthorizedAccessException",
                "System.SystemException",
                "System.Exception",
            ]);
            rec.activity = cmdlet.to_owned();
            rec
        }
        InvokeError::Transport(msg) => {
            let mut rec = ErrorRecord::new(
                format!("Exchange Online could not be reached: {msg}"),
                "[FailureCategory=Upstream-ConnectionError] UpstreamUnavailable",
                category::CONNECTION_ERROR,
            )
            .with_exception_types([
                "System.Net.WebException",
                "System.InvalidOperationException",
                "System.SystemException",
                "System.Exception",
            ]);
            rec.activity = cmdlet.to_owned();
            rec
        }
    }
}

/// `add_script(...)` on a NoLanguage endpoint: PIPELINE_STATE Failed with this record
/// (psrp.md §5.4, from a recording of a Windows JEA endpoint).
pub fn scripts_not_allowed(script: &str) -> ErrorRecord {
    let mut rec = ErrorRecord::new(
        "The syntax is not supported by this runspace. This can occur if the runspace is in no-language mode.",
        "ScriptsNotAllowed",
        category::PARSER_ERROR,
    )
    .with_exception_types([
        "System.Management.Automation.ParseException",
        "System.Management.Automation.RuntimeException",
        "System.SystemException",
        "System.Exception",
    ]);
    rec.target_name = script.to_owned();
    rec.target_type = "String".into();
    rec.target_object = Value::str(script);
    rec
}

/// An unknown command name.
pub fn command_not_found(name: &str) -> ErrorRecord {
    let mut rec = ErrorRecord::new(
        format!(
            "The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
        ),
        "CommandNotFoundException",
        category::OBJECT_NOT_FOUND,
    )
    .with_exception_types([
        "System.Management.Automation.CommandNotFoundException",
        "System.Management.Automation.RuntimeException",
        "System.SystemException",
        "System.Exception",
    ]);
    rec.target_name = name.to_owned();
    rec.target_type = "String".into();
    rec.target_object = Value::str(name);
    rec
}

/// A parameter-binding failure (positional argument without a positional parameter, …).
pub fn parameter_binding(cmdlet: &str, message: String, error_id: &str) -> ErrorRecord {
    let (verb, noun) = cmdlet.split_once('-').unwrap_or((cmdlet, ""));
    let mut rec = ErrorRecord::new(
        message,
        format!("{error_id},{}.{verb}{noun}", task_namespace(noun)),
        category::INVALID_ARGUMENT,
    )
    .with_exception_types([
        "System.Management.Automation.ParameterBindingException",
        "System.Management.Automation.RuntimeException",
        "System.SystemException",
        "System.Exception",
    ]);
    rec.activity = cmdlet.to_owned();
    rec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_maps_to_object_not_found_with_exchange_id() {
        let err = InvokeError::Exchange {
            status: 404,
            error_id: "Ex6F9304".into(),
            class: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
                .into(),
            message:
                "The operation couldn't be performed because object 'ghost' couldn't be found."
                    .into(),
            target: None,
        };
        let rec = invoke_error_record("Get-Mailbox", &err, Some("ghost"));
        assert_eq!(rec.category, category::OBJECT_NOT_FOUND);
        assert!(rec.fully_qualified_error_id.ends_with(
            "[FailureCategory=Cmdlet-ManagementObjectNotFoundException] Ex6F9304,Microsoft.Exchange.Management.RecipientTasks.GetMailbox"
        ), "{}", rec.fully_qualified_error_id);
        assert!(rec
            .fully_qualified_error_id
            .starts_with("[Server=exomig,RequestId="));
        assert_eq!(rec.reason, "ManagementObjectNotFoundException");
        assert_eq!(
            rec.category_message(),
            "ObjectNotFound: (ghost:String) [Get-Mailbox], ManagementObjectNotFoundException"
        );
    }

    #[test]
    fn categories_from_status_and_class() {
        assert_eq!(
            category_for(400, "X.ParameterBindingException"),
            category::INVALID_ARGUMENT
        );
        assert_eq!(
            category_for(500, "X.ADObjectAlreadyExistsException"),
            category::RESOURCE_EXISTS
        );
        assert_eq!(category_for(429, ""), category::LIMITS_EXCEEDED);
        assert_eq!(category_for(500, "X.Whatever"), category::NOT_SPECIFIED);
    }

    #[test]
    fn script_record_matches_the_windows_recording() {
        let rec = scripts_not_allowed("$x = 1");
        assert_eq!(rec.fully_qualified_error_id, "ScriptsNotAllowed");
        assert_eq!(rec.category, 17);
        assert_eq!(rec.reason, "ParseException");
        assert_eq!(rec.target_object, Value::str("$x = 1"));
    }
}
