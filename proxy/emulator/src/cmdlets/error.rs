//! Cmdlet failures, carrying what Exchange puts in `error.details[0]`.

use http::StatusCode;
use serde_json::Value;

/// The domain controller name Exchange quotes in not-found messages.
pub(crate) const DOMAIN_CONTROLLER: &str = "AM0PR01A001DC01.EURPR01A001.prod.outlook.com";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error_id}|{class}|{message}")]
pub struct CmdletError {
    pub status: StatusCode,
    pub error_id: String,
    pub class: String,
    pub message: String,
    pub target: String,
}

impl CmdletError {
    pub fn new(status: StatusCode, error_id: &str, class: &str, message: &str) -> Self {
        Self {
            status,
            error_id: error_id.to_owned(),
            class: class.to_owned(),
            message: message.to_owned(),
            target: String::new(),
        }
    }

    pub fn bad_request(error_id: &str, class: &str, message: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error_id, class, message)
    }

    pub fn with_target(mut self, target: &str) -> Self {
        self.target = target.to_owned();
        self
    }

    /// `ErrorId|ExceptionClass|Text`, the form clients split on `|`.
    pub fn pipe_message(&self) -> String {
        format!("{}|{}|{}", self.error_id, self.class, self.message)
    }

    pub fn not_found(identity: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Ex6F9304",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            &format!("The operation couldn't be performed because object '{identity}' couldn't be found on '{DOMAIN_CONTROLLER}'."),
        )
        .with_target(identity)
    }

    /// A recipient named by a parameter other than -Identity (e.g. -Member) is missing.
    pub fn recipient_not_found(identity: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Ex9FA3B0",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            &format!("Couldn't find object \"{identity}\". Please make sure that it was spelled correctly or specify a different object."),
        )
        .with_target(identity)
    }

    pub fn ambiguous(identity: &str) -> Self {
        Self::bad_request(
            "Ex3C5D1B",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException",
            &format!("The operation couldn't be performed because '{identity}' matches multiple entries."),
        )
        .with_target(identity)
    }

    pub fn unknown_parameter(name: &str) -> Self {
        Self::bad_request(
            "NamedParameterNotFound",
            "System.Management.Automation.ParameterBindingException",
            &format!("A parameter cannot be found that matches parameter name '{name}'."),
        )
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::bad_request(
            "MissingMandatoryParameter",
            "System.Management.Automation.ParameterBindingException",
            &format!("Cannot process command because of one or more missing mandatory parameters: {name}."),
        )
    }

    pub fn bad_value(name: &str, value: &Value, type_name: &str) -> Self {
        let shown = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Self::bad_request(
            "ParameterArgumentTransformationError",
            "System.Management.Automation.ParameterBindingException",
            &format!("Cannot process argument transformation on parameter '{name}'. Cannot convert value \"{shown}\" to type \"{type_name}\"."),
        )
    }

    pub fn unknown_cmdlet(name: &str) -> Self {
        Self::bad_request(
            "CommandNotFoundException",
            "System.Management.Automation.CommandNotFoundException",
            &format!("The term '{name}' is not recognized as a name of a cmdlet, function, script file, or executable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."),
        )
    }

    pub fn invalid_filter(detail: &str) -> Self {
        Self::bad_request(
            "ParameterBindingFailed",
            "System.Management.Automation.ParameterBindingException",
            &format!("Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"{detail}\""),
        )
    }
}
