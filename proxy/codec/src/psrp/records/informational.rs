//! WARNING/VERBOSE/DEBUG records.

use crate::clixml::{to_clixml, PsObject, Value};

/// Kinds of informational record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InformationalKind {
    /// WARNING_RECORD
    Warning,
    /// VERBOSE_RECORD
    Verbose,
    /// DEBUG_RECORD
    Debug,
}

/// WARNING/VERBOSE/DEBUG_RECORD data: the two properties Windows reads with a
/// throwing getter, and the record's type chain.
pub fn informational_record(kind: InformationalKind, message: &str) -> String {
    let most_derived = match kind {
        InformationalKind::Warning => "System.Management.Automation.WarningRecord",
        InformationalKind::Verbose => "System.Management.Automation.VerboseRecord",
        InformationalKind::Debug => "System.Management.Automation.DebugRecord",
    };
    let mut rec = PsObject::with_types([
        most_derived,
        "System.Management.Automation.InformationalRecord",
        "System.Object",
    ]);
    rec.to_string = Some(message.to_owned());
    rec.push_extended("InformationalRecord_Message", Value::str(message));
    rec.push_extended(
        "InformationalRecord_SerializeInvocationInfo",
        Value::Bool(false),
    );
    to_clixml(&Value::obj(rec))
}

/// WARNING_RECORD data.
pub fn warning_record(message: &str) -> String {
    informational_record(InformationalKind::Warning, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clixml::from_clixml;

    #[test]
    fn warning_record_shape() {
        let v = from_clixml(&warning_record("careful")).expect("xml");
        let o = v.as_obj().expect("obj");
        assert!(o.is_type("System.Management.Automation.WarningRecord"));
        assert_eq!(
            o.get("InformationalRecord_Message").and_then(Value::as_str),
            Some("careful")
        );
        assert_eq!(
            o.get("InformationalRecord_SerializeInvocationInfo"),
            Some(&Value::Bool(false))
        );
    }
}
