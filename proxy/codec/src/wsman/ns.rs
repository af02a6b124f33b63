//! Namespace and action URIs (psrp.md §2.1, §2.3).

/// SOAP 1.2 envelope.
pub const SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
/// WS-Addressing (2004/08).
pub const ADDRESSING: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
/// DMTF WS-Management.
pub const WSMAN: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
/// Microsoft WS-Management extensions.
pub const WSMV: &str = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd";
/// Windows remote shell.
pub const SHELL: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";
/// WS-Transfer.
pub const TRANSFER: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer";
/// WS-Management fault detail.
pub const WSMAN_FAULT: &str = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault";
/// Default namespace of `creationXml`.
pub const POWERSHELL: &str = "http://schemas.microsoft.com/powershell";
/// `xml:lang` and friends.
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";

/// The anonymous reply address.
pub const ANONYMOUS: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";

/// Create (open a pool).
pub const ACTION_CREATE: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create";
/// CreateResponse.
pub const ACTION_CREATE_RESPONSE: &str =
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse";
/// Delete (close a pool).
pub const ACTION_DELETE: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete";
/// DeleteResponse.
pub const ACTION_DELETE_RESPONSE: &str =
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse";
/// Get (pypsrp `is_alive`).
pub const ACTION_GET: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get";
/// GetResponse.
pub const ACTION_GET_RESPONSE: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse";
/// Command (new pipeline).
pub const ACTION_COMMAND: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command";
/// CommandResponse.
pub const ACTION_COMMAND_RESPONSE: &str =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse";
/// Send.
pub const ACTION_SEND: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send";
/// SendResponse.
pub const ACTION_SEND_RESPONSE: &str =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SendResponse";
/// Receive.
pub const ACTION_RECEIVE: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive";
/// ReceiveResponse.
pub const ACTION_RECEIVE_RESPONSE: &str =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse";
/// Signal.
pub const ACTION_SIGNAL: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal";
/// SignalResponse.
pub const ACTION_SIGNAL_RESPONSE: &str =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse";
/// Fault.
pub const ACTION_FAULT: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault";

/// Signal code that closes a command.
pub const SIGNAL_TERMINATE: &str =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate";
/// CommandState URIs.
pub const COMMAND_STATE_RUNNING: &str =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running";
/// CommandState Done.
pub const COMMAND_STATE_DONE: &str =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done";
