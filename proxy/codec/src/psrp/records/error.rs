//! ErrorRecord objects (psrp.md §7.4).

use super::category::{
    category_name, exchange_category, CATEGORY_OBJECT_NOT_FOUND, CATEGORY_PARSER_ERROR,
};
use crate::clixml::{to_clixml, PsObject, Value};

/// The parts of an ErrorRecord. Every property Windows PowerShell reads with its
/// throwing getter is always written (psrp.md §7.4), with Nil or empty text when
/// there is nothing to say.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRecord {
    /// Exception message, also the record's ToString.
    pub message: String,
    /// Exception type chain, most derived first, without `System.Object`
    /// (appended); e.g. `["System.Management.Automation.RuntimeException",
    /// "System.SystemException", "System.Exception"]`.
    pub exception_types: Vec<String>,
    /// `FullyQualifiedErrorId`, e.g. `CommandNotFoundException`.
    pub fully_qualified_error_id: String,
    /// ErrorCategory value.
    pub category: i32,
    /// `ErrorCategory_Activity`, usually the cmdlet name.
    pub activity: String,
    /// `ErrorCategory_Reason`, usually the exception's short type name.
    pub reason: String,
    /// `ErrorCategory_TargetName`.
    pub target_name: String,
    /// `ErrorCategory_TargetType`.
    pub target_type: String,
    /// `TargetObject`; `Nil` when none.
    pub target_object: Value,
    /// `ErrorDetails_Message`, when different from the exception message.
    pub error_details: Option<String>,
    /// `ErrorDetails_RecommendedAction`.
    pub recommended_action: Option<String>,
}

impl ErrorRecord {
    /// A record with the common defaults: a RuntimeException chain, reason taken
    /// from the short exception type name, empty targets.
    pub fn new(
        message: impl Into<String>,
        fully_qualified_error_id: impl Into<String>,
        category: i32,
    ) -> Self {
        ErrorRecord {
            message: message.into(),
            exception_types: vec![
                "System.Management.Automation.RuntimeException".into(),
                "System.SystemException".into(),
                "System.Exception".into(),
            ],
            fully_qualified_error_id: fully_qualified_error_id.into(),
            category,
            activity: String::new(),
            reason: "RuntimeException".into(),
            target_name: String::new(),
            target_type: String::new(),
            target_object: Value::Nil,
            error_details: None,
            recommended_action: None,
        }
    }

    /// Replaces the exception chain; the reason becomes the most derived type's
    /// short name.
    pub fn with_exception_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exception_types = types.into_iter().map(Into::into).collect();
        if let Some(first) = self.exception_types.first() {
            self.reason = first.rsplit('.').next().unwrap_or(first).to_owned();
        }
        self
    }

    /// The failure of an `IsScript=true` command on a no-language endpoint, as
    /// the Windows JEA recording shows it (psrp.md §5.4). Send it as the
    /// `ExceptionAsErrorRecord` of PIPELINE_STATE Failed.
    pub fn scripts_not_allowed(script: &str) -> Self {
        let mut e = ErrorRecord::new(
            "The syntax is not supported by this runspace. This can occur if the runspace is in no-language mode.",
            "ScriptsNotAllowed",
            CATEGORY_PARSER_ERROR,
        )
        .with_exception_types([
            "System.Management.Automation.ParseException",
            "System.Management.Automation.RuntimeException",
            "System.SystemException",
            "System.Exception",
        ]);
        e.target_name = script.to_owned();
        e.target_type = "String".into();
        e.target_object = Value::str(script);
        e
    }

    /// An unknown command name (PIPELINE_STATE Failed).
    pub fn command_not_found(name: &str) -> Self {
        let mut e = ErrorRecord::new(
            format!(
                "The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable \
                 program. Check the spelling of the name, or if a path was included, verify that the path is \
                 correct and try again."
            ),
            "CommandNotFoundException",
            CATEGORY_OBJECT_NOT_FOUND,
        )
        .with_exception_types([
            "System.Management.Automation.CommandNotFoundException",
            "System.Management.Automation.RuntimeException",
            "System.SystemException",
            "System.Exception",
        ]);
        e.target_name = name.to_owned();
        e.target_type = "String".into();
        e.target_object = Value::str(name);
        e
    }

    /// A non-terminating Exchange error from the REST detail text in its
    /// `ErrorId|Class|Text` form (exo-rest.md §3.6). Text without two `|` is used
    /// as the message with a generic exception. The category is inferred from
    /// the exception class name.
    pub fn from_exchange_detail(detail: &str, cmdlet: &str, target: &str) -> Self {
        let mut parts = detail.splitn(3, '|');
        let (id, class, text) = match (parts.next(), parts.next(), parts.next()) {
            (Some(id), Some(class), Some(text)) if !class.trim().is_empty() => {
                (id.trim(), class.trim(), text)
            }
            _ => ("", "System.Exception", detail),
        };
        let short = class.rsplit('.').next().unwrap_or(class);
        let category = exchange_category(short);
        let fqid = if id.is_empty() {
            format!("[FailureCategory=Cmdlet-{short}] {cmdlet}")
        } else {
            format!("[FailureCategory=Cmdlet-{short}] {id},{cmdlet}")
        };
        let types: Vec<String> = if class == "System.Exception" {
            vec![class.to_owned()]
        } else {
            vec![class.to_owned(), "System.Exception".to_owned()]
        };
        let mut e = ErrorRecord::new(text, fqid, category).with_exception_types(types);
        e.activity = cmdlet.to_owned();
        e.target_name = target.to_owned();
        e.target_type = if target.is_empty() {
            String::new()
        } else {
            "String".into()
        };
        e.target_object = if target.is_empty() {
            Value::Nil
        } else {
            Value::str(target)
        };
        e
    }

    /// `ErrorCategory_Message` as PowerShell formats it:
    /// `Category: (TargetName:TargetType) [Activity], Reason`.
    pub fn category_message(&self) -> String {
        format!(
            "{}: ({}:{}) [{}], {}",
            category_name(self.category),
            self.target_name,
            self.target_type,
            self.activity,
            self.reason
        )
    }

    /// The ErrorRecord object. `write_error_stream` adds `writeErrorStream=true`,
    /// as on records sent by ERROR_RECORD (not inside PIPELINE_STATE).
    pub fn to_value(&self, write_error_stream: bool) -> Value {
        let mut exception = PsObject::with_types(
            self.exception_types
                .iter()
                .cloned()
                .chain(["System.Object".into()]),
        );
        exception.to_string = Some(self.message.clone());
        exception.push_prop("Message", Value::str(&self.message));
        exception.push_prop("Data", Value::Nil);
        exception.push_prop("InnerException", Value::Nil);
        exception.push_prop("TargetSite", Value::Nil);
        exception.push_prop("StackTrace", Value::Nil);
        exception.push_prop("HelpLink", Value::Nil);
        exception.push_prop("Source", Value::Nil);
        exception.push_prop("HResult", Value::I32(-2146233087));

        let mut rec =
            PsObject::with_types(["System.Management.Automation.ErrorRecord", "System.Object"]);
        rec.to_string = Some(self.message.clone());
        if write_error_stream {
            rec.push_extended("writeErrorStream", Value::Bool(true));
        }
        rec.push_extended("Exception", Value::obj(exception));
        rec.push_extended("TargetObject", self.target_object.clone());
        rec.push_extended(
            "FullyQualifiedErrorId",
            Value::str(&self.fully_qualified_error_id),
        );
        rec.push_extended("InvocationInfo", Value::Nil);
        rec.push_extended("ErrorCategory_Category", Value::I32(self.category));
        rec.push_extended("ErrorCategory_Activity", Value::str(&self.activity));
        rec.push_extended("ErrorCategory_Reason", Value::str(&self.reason));
        rec.push_extended("ErrorCategory_TargetName", Value::str(&self.target_name));
        rec.push_extended("ErrorCategory_TargetType", Value::str(&self.target_type));
        rec.push_extended("ErrorCategory_Message", Value::str(self.category_message()));
        if let Some(d) = &self.error_details {
            rec.push_extended("ErrorDetails_Message", Value::str(d));
        }
        if let Some(a) = &self.recommended_action {
            rec.push_extended("ErrorDetails_RecommendedAction", Value::str(a));
        }
        rec.push_extended("SerializeExtendedInfo", Value::Bool(false));
        Value::obj(rec)
    }

    /// ERROR_RECORD message data.
    pub fn to_message_data(&self) -> String {
        to_clixml(&self.to_value(true))
    }
}

#[cfg(test)]
mod tests {
    use super::super::CATEGORY_NOT_SPECIFIED;
    use super::*;
    use crate::clixml::from_clixml;

    /// Properties Windows reads with a getter that throws when missing.
    const REQUIRED: &[&str] = &[
        "Exception",
        "TargetObject",
        "FullyQualifiedErrorId",
        "ErrorCategory_Category",
        "ErrorCategory_Activity",
        "ErrorCategory_Reason",
        "ErrorCategory_TargetName",
        "ErrorCategory_TargetType",
        "ErrorCategory_Message",
        "SerializeExtendedInfo",
    ];

    fn not_found() -> ErrorRecord {
        let mut e = ErrorRecord::new(
            "Couldn't find object \"x\".",
            "5AB1E7A2,Get-Mailbox",
            CATEGORY_OBJECT_NOT_FOUND,
        )
        .with_exception_types([
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            "System.Exception",
        ]);
        e.activity = "Get-Mailbox".into();
        e.target_name = "x".into();
        e.target_type = "String".into();
        e.target_object = Value::str("x");
        e
    }

    #[test]
    fn error_record_has_every_required_property() {
        let v = from_clixml(&not_found().to_message_data()).expect("xml");
        let o = v.as_obj().expect("obj");
        for name in REQUIRED {
            assert!(o.get(name).is_some(), "missing {name}");
        }
        assert_eq!(o.get("writeErrorStream"), Some(&Value::Bool(true)));
        let ex = o
            .get("Exception")
            .and_then(Value::as_obj)
            .expect("exception");
        assert_eq!(
            ex.get("Message").and_then(Value::as_str),
            Some("Couldn't find object \"x\".")
        );
        assert_eq!(
            ex.type_names.last().map(String::as_str),
            Some("System.Object")
        );
    }

    #[test]
    fn category_message_format() {
        assert_eq!(
            not_found().category_message(),
            "ObjectNotFound: (x:String) [Get-Mailbox], ManagementObjectNotFoundException"
        );
        assert_eq!(category_name(99), "NotSpecified");
        assert_eq!(category_name(CATEGORY_PARSER_ERROR), "ParserError");
    }

    #[test]
    fn state_record_has_no_write_error_stream() {
        let v = not_found().to_value(false);
        assert!(v.as_obj().and_then(|o| o.get("writeErrorStream")).is_none());
    }

    #[test]
    fn exchange_pipe_detail_becomes_not_found_record() {
        let e = ErrorRecord::from_exchange_detail(
            "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found.",
            "Get-Mailbox",
            "x",
        );
        assert_eq!(e.category, CATEGORY_OBJECT_NOT_FOUND);
        assert_eq!(e.reason, "ManagementObjectNotFoundException");
        assert_eq!(
            e.fully_qualified_error_id,
            "[FailureCategory=Cmdlet-ManagementObjectNotFoundException] Ex6F9304,Get-Mailbox"
        );
        assert_eq!(
            e.message,
            "The operation couldn't be performed because object 'x' couldn't be found."
        );
        assert_eq!(
            e.category_message(),
            "ObjectNotFound: (x:String) [Get-Mailbox], ManagementObjectNotFoundException"
        );
        let plain = ErrorRecord::from_exchange_detail("something broke", "Set-Mailbox", "");
        assert_eq!(plain.category, CATEGORY_NOT_SPECIFIED);
        assert_eq!(plain.message, "something broke");
        assert_eq!(plain.target_object, Value::Nil);
    }

    #[test]
    fn scripts_not_allowed_matches_jea_recording() {
        let e = ErrorRecord::scripts_not_allowed("Get-Process | % Name");
        assert_eq!(e.fully_qualified_error_id, "ScriptsNotAllowed");
        assert_eq!(e.category, CATEGORY_PARSER_ERROR);
        assert_eq!(e.reason, "ParseException");
        assert_eq!(e.target_object, Value::str("Get-Process | % Name"));
        let nf = ErrorRecord::command_not_found("Get-Nope");
        assert!(nf
            .message
            .starts_with("The term 'Get-Nope' is not recognized"));
        assert_eq!(nf.category, CATEGORY_OBJECT_NOT_FOUND);
    }
}
