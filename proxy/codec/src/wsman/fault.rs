//! SOAP faults in the shape Windows servers produce and pypsrp parses
//! (`f:WSManFault/@Code` as an integer, `f:Message` text).

use super::ns;
use super::response::{envelope, ReplyTo};
use crate::xml_text::escape;

/// The faults the proxy raises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Unknown (or foreign) ShellId / CommandId.
    InvalidSelectors,
    /// Receive long poll expired; clients re-issue the Receive.
    TimedOut,
    /// Too many shells for this user.
    QuotaMaxShells {
        /// The limit, quoted in the message.
        limit: u32,
    },
    /// The user may not use this shell or resource.
    AccessDenied,
    /// `wsa:Action` not implemented.
    ActionNotSupported,
    /// A reply could not be made to fit MaxEnvelopeSize, or a request was too big.
    EncodingLimit,
    /// The client's PSRP protocol version is not served.
    ProtocolVersion {
        /// Our version, e.g. `2.3`.
        server_version: String,
    },
    /// The request could not be parsed or was invalid.
    InvalidRequest,
    /// A failure inside the proxy.
    InternalError,
}

impl FaultKind {
    /// (code, SOAP code, WS-Man subcode, default text).
    fn parts(&self) -> (u32, &'static str, &'static str, String) {
        match self {
            FaultKind::InvalidSelectors => (
                2150858843,
                "s:Sender",
                "w:InvalidSelectors",
                "The WS-Management service cannot process the request because the request contained invalid \
                 selectors for the resource."
                    .into(),
            ),
            FaultKind::TimedOut => (
                2150858793,
                "s:Receiver",
                "w:TimedOut",
                "The WS-Management service cannot complete the operation within the time specified in \
                 OperationTimeout."
                    .into(),
            ),
            FaultKind::QuotaMaxShells { limit } => (
                2150859173,
                "s:Receiver",
                "w:QuotaLimit",
                format!(
                    "This user is allowed a maximum number of {limit} concurrent shells, which has been exceeded. \
                     Close existing shells or raise the quota for this user."
                ),
            ),
            FaultKind::AccessDenied => (5, "s:Sender", "w:AccessDenied", "Access is denied.".into()),
            FaultKind::ActionNotSupported => (
                2150858771,
                "s:Sender",
                "a:ActionNotSupported",
                "The action is not supported by the service.".into(),
            ),
            FaultKind::EncodingLimit => (
                2150858805,
                "s:Sender",
                "w:EncodingLimit",
                "The WS-Management service cannot process the request because the envelope size exceeds the \
                 maximum allowed."
                    .into(),
            ),
            FaultKind::ProtocolVersion { server_version } => (
                2152991685,
                "s:Sender",
                "w:InvalidParameter",
                format!(
                    "<PSProtocolVersionError ServerProtocolVersion=\"{server_version}\" \
                     ServerBuildVersion=\"{server_version}\">The PowerShell remoting protocol version of the client \
                     is not supported by the server.</PSProtocolVersionError>"
                ),
            ),
            FaultKind::InvalidRequest => {
                (2150858817, "s:Sender", "w:SchemaValidationError", "The request is not valid.".into())
            }
            FaultKind::InternalError => {
                (2150858752, "s:Receiver", "w:InternalError", "The service encountered an internal error.".into())
            }
        }
    }

    /// The `WSManFault/@Code` value.
    pub fn code(&self) -> u32 {
        self.parts().0
    }
}

/// A fault to send with HTTP 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Which fault.
    pub kind: FaultKind,
    /// Overrides the default message when set.
    pub message: Option<String>,
    /// `Machine` attribute (the proxy's host name).
    pub machine: String,
}

impl Fault {
    /// A fault with the default message.
    pub fn new(kind: FaultKind, machine: impl Into<String>) -> Self {
        Fault {
            kind,
            message: None,
            machine: machine.into(),
        }
    }

    /// The fault envelope.
    pub fn to_envelope(&self, reply: &ReplyTo) -> String {
        let (code, soap_code, subcode, default) = self.kind.parts();
        let text = self.message.clone().unwrap_or(default);
        // ProtocolVersion's message is itself XML that clients parse; keep it as
        // markup in f:Message and plain in the Reason.
        let detail_message = match self.kind {
            FaultKind::ProtocolVersion { .. } if self.message.is_none() => text.clone(),
            _ => escape(&text).into_owned(),
        };
        let body = format!(
            "<s:Fault><s:Code><s:Value>{soap_code}</s:Value><s:Subcode><s:Value>{subcode}</s:Value></s:Subcode></s:Code>\
             <s:Reason><s:Text xml:lang=\"en-US\">{reason}</s:Text></s:Reason>\
             <s:Detail><f:WSManFault xmlns:f=\"{fns}\" Code=\"{code}\" Machine=\"{machine}\"><f:Message>{detail_message}</f:Message>\
             </f:WSManFault></s:Detail></s:Fault>",
            reason = escape(&text),
            fns = ns::WSMAN_FAULT,
            machine = escape(&self.machine),
        );
        envelope(reply, ns::ACTION_FAULT, &body)
    }
}
