//! ErrorCategory values and names.

/// ErrorCategory names, indexed by value (System.Management.Automation.ErrorCategory).
const CATEGORY_NAMES: &[&str] = &[
    "NotSpecified",
    "OpenError",
    "CloseError",
    "DeviceError",
    "DeadlockDetected",
    "InvalidArgument",
    "InvalidData",
    "InvalidOperation",
    "InvalidResult",
    "InvalidType",
    "MetadataError",
    "NotImplemented",
    "NotInstalled",
    "ObjectNotFound",
    "OperationStopped",
    "OperationTimeout",
    "SyntaxError",
    "ParserError",
    "PermissionDenied",
    "ResourceBusy",
    "ResourceExists",
    "ResourceUnavailable",
    "ReadError",
    "WriteError",
    "FromStdErr",
    "SecurityError",
    "ProtocolError",
    "ConnectionError",
    "AuthenticationError",
    "LimitsExceeded",
    "QuotaExceeded",
    "NotEnabled",
];

/// ErrorCategory.ObjectNotFound.
pub const CATEGORY_OBJECT_NOT_FOUND: i32 = 13;
/// ErrorCategory.ParserError.
pub const CATEGORY_PARSER_ERROR: i32 = 17;
/// ErrorCategory.InvalidOperation.
pub const CATEGORY_INVALID_OPERATION: i32 = 7;
/// ErrorCategory.NotSpecified.
pub const CATEGORY_NOT_SPECIFIED: i32 = 0;

pub(super) fn exchange_category(short_class: &str) -> i32 {
    let c = short_class.to_ascii_lowercase();
    if c.contains("notfound") {
        CATEGORY_OBJECT_NOT_FOUND
    } else if c.contains("alreadyexists") || c.contains("duplicate") {
        20
    } else if c.contains("accessdenied") || c.contains("permission") || c.contains("unauthorized") {
        18
    } else if c.contains("argument") || c.contains("parameter") || c.contains("validation") {
        5
    } else if c.contains("invalidoperation") {
        CATEGORY_INVALID_OPERATION
    } else {
        CATEGORY_NOT_SPECIFIED
    }
}

/// The name of an ErrorCategory value (`NotSpecified` when out of range).
pub fn category_name(category: i32) -> &'static str {
    usize::try_from(category)
        .ok()
        .and_then(|i| CATEGORY_NAMES.get(i))
        .copied()
        .unwrap_or("NotSpecified")
}
