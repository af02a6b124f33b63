//! Parsing WS-Management request envelopes.

use std::time::Duration;

use base64::Engine as _;

use super::duration::parse_duration;
use super::ns;
use super::tree::{self, Element};

/// Why a request envelope was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WsmanError {
    /// Not well-formed XML.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// Well-formed, but not a SOAP 1.2 envelope with Header and Body.
    #[error("not a SOAP envelope: {0}")]
    NotSoap(&'static str),
    /// A required element or attribute is absent.
    #[error("missing {0}")]
    Missing(&'static str),
    /// Base64 content does not decode.
    #[error("invalid base64 in {0}")]
    Base64(&'static str),
    /// A header value has the wrong shape.
    #[error("invalid {what}: {value:?}")]
    Invalid {
        /// The header.
        what: &'static str,
        /// The offending text.
        value: String,
    },
}

/// Operation selected by `wsa:Action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// transfer/Create
    Create,
    /// transfer/Delete
    Delete,
    /// transfer/Get
    Get,
    /// shell/Command
    Command,
    /// shell/Send
    Send,
    /// shell/Receive
    Receive,
    /// shell/Signal
    Signal,
    /// Anything else (answer with the ActionNotSupported fault).
    Other(String),
}

impl Operation {
    /// Maps an action URI.
    pub fn from_action(action: &str) -> Self {
        match action {
            ns::ACTION_CREATE => Operation::Create,
            ns::ACTION_DELETE => Operation::Delete,
            ns::ACTION_GET => Operation::Get,
            ns::ACTION_COMMAND => Operation::Command,
            ns::ACTION_SEND => Operation::Send,
            ns::ACTION_RECEIVE => Operation::Receive,
            ns::ACTION_SIGNAL => Operation::Signal,
            other => Operation::Other(other.to_owned()),
        }
    }
}

/// The SOAP header fields the proxy uses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Header {
    /// `wsa:Action`
    pub action: String,
    /// `wsa:To`
    pub to: Option<String>,
    /// `wsman:ResourceURI`
    pub resource_uri: Option<String>,
    /// `wsa:MessageID`, verbatim (echo it byte for byte in `RelatesTo`).
    pub message_id: String,
    /// `wsa:ReplyTo/wsa:Address`
    pub reply_to: Option<String>,
    /// `wsman:MaxEnvelopeSize`
    pub max_envelope_size: Option<usize>,
    /// `wsman:OperationTimeout`
    pub operation_timeout: Option<Duration>,
    /// `wsman:Locale/@xml:lang`
    pub locale: Option<String>,
    /// `wsmv:DataLocale/@xml:lang`
    pub data_locale: Option<String>,
    /// `wsmv:SessionId`
    pub session_id: Option<String>,
    /// `wsman:SelectorSet/wsman:Selector[@Name="ShellId"]`
    pub shell_id: Option<String>,
    /// Every `wsman:OptionSet/wsman:Option` as (Name, value), in order.
    pub options: Vec<(String, String)>,
    /// `rsp:CompressionType` text (e.g. `xpress`).
    pub compression_type: Option<String>,
    /// Whether `rsp:CompressionType` carried `mustUnderstand="true"`.
    pub compression_must_understand: bool,
}

impl Header {
    /// An option's value by name, case-insensitively.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `protocolversion` option (sent on Create).
    pub fn protocol_version(&self) -> Option<&str> {
        self.option("protocolversion")
    }

    /// Whether Receive asked for keep-alive (`WSMAN_CMDSHELL_OPTION_KEEPALIVE`).
    pub fn keep_alive(&self) -> bool {
        self.option("WSMAN_CMDSHELL_OPTION_KEEPALIVE")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `WINRS_NOPROFILE` option.
    pub fn no_profile(&self) -> Option<bool> {
        self.option("WINRS_NOPROFILE")
            .map(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `WINRS_CODEPAGE` option.
    pub fn codepage(&self) -> Option<u32> {
        self.option("WINRS_CODEPAGE")
            .and_then(|v| v.trim().parse().ok())
    }

    /// Whether the client asked for xpress-compressed streams.
    pub fn wants_compression(&self) -> bool {
        self.compression_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("xpress"))
    }
}

/// `rsp:Shell` of a Create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShellCreate {
    /// Client-chosen `ShellId` attribute (the RunspacePool id, upper case).
    pub shell_id: Option<String>,
    /// `rsp:Name`
    pub name: Option<String>,
    /// `rsp:InputStreams`, e.g. `stdin pr`.
    pub input_streams: String,
    /// `rsp:OutputStreams`, e.g. `stdout`.
    pub output_streams: String,
    /// `rsp:IdleTimeOut`
    pub idle_timeout: Option<Duration>,
    /// Decoded `creationXml`: PSRP fragments.
    pub creation_xml: Vec<u8>,
}

/// `rsp:CommandLine` of a Command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandLine {
    /// `CommandId` attribute; clients choose it (= the pipeline id).
    pub command_id: Option<String>,
    /// `rsp:Command` text (history text or empty; ignored by the proxy).
    pub command: String,
    /// Decoded `rsp:Arguments`, concatenated: PSRP fragments.
    pub arguments: Vec<u8>,
}

/// One `rsp:Stream` of a Send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendStream {
    /// `Name`: `stdin` or `pr`.
    pub name: String,
    /// `CommandId`, absent for pool-level data.
    pub command_id: Option<String>,
    /// `End="true"`
    pub end: bool,
    /// Decoded data.
    pub data: Vec<u8>,
}

/// `rsp:Send`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SendRequest {
    /// Streams in document order.
    pub streams: Vec<SendStream>,
}

/// `rsp:Receive`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiveRequest {
    /// `DesiredStream` names, e.g. `stdout`.
    pub streams: String,
    /// `CommandId`, absent for pool receives.
    pub command_id: Option<String>,
}

/// What a Signal asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignalCode {
    /// `…/signal/Terminate`
    Terminate,
    /// `…/signal/ctrl_c` or PowerShell's `…/signal/crtl_c`.
    CtrlC,
    /// Anything else, verbatim.
    Other(String),
}

impl SignalCode {
    /// Classifies a code URI by its last segment, so both spellings of ctrl_c
    /// and any base URI match.
    pub fn from_uri(uri: &str) -> Self {
        let last = uri.trim().rsplit('/').next().unwrap_or("");
        if last.eq_ignore_ascii_case("terminate") {
            SignalCode::Terminate
        } else if last.eq_ignore_ascii_case("ctrl_c") || last.eq_ignore_ascii_case("crtl_c") {
            SignalCode::CtrlC
        } else {
            SignalCode::Other(uri.trim().to_owned())
        }
    }
}

/// `rsp:Signal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    /// `CommandId` attribute.
    pub command_id: Option<String>,
    /// `rsp:Code`.
    pub code: SignalCode,
}

/// The body, by operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Create with its shell.
    Create(ShellCreate),
    /// Command.
    Command(CommandLine),
    /// Send.
    Send(SendRequest),
    /// Receive.
    Receive(ReceiveRequest),
    /// Signal.
    Signal(Signal),
    /// Delete (empty body).
    Delete,
    /// Get (empty body).
    Get,
    /// Unknown action; the body is not interpreted.
    Other,
}

/// A parsed request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Header fields.
    pub header: Header,
    /// The operation from the action.
    pub operation: Operation,
    /// The body.
    pub body: Body,
}

impl Request {
    /// Parses an envelope. The MessageID is required because every reply must
    /// echo it; anything else missing is reported only where the operation needs it.
    pub fn parse(xml: &str) -> Result<Self, WsmanError> {
        let root = tree::parse(xml).map_err(WsmanError::Xml)?;
        if !root.is(ns::SOAP, "Envelope") {
            return Err(WsmanError::NotSoap("root is not soap:Envelope"));
        }
        let header_el = root
            .child(ns::SOAP, "Header")
            .ok_or(WsmanError::NotSoap("no soap:Header"))?;
        let body_el = root
            .child(ns::SOAP, "Body")
            .ok_or(WsmanError::NotSoap("no soap:Body"))?;
        let header = parse_header(header_el)?;
        let operation = Operation::from_action(&header.action);
        let body = match operation {
            Operation::Create => Body::Create(parse_shell(body_el)?),
            Operation::Command => Body::Command(parse_command(body_el)?),
            Operation::Send => Body::Send(parse_send(body_el)?),
            Operation::Receive => Body::Receive(parse_receive(body_el)?),
            Operation::Signal => Body::Signal(parse_signal(body_el)?),
            Operation::Delete => Body::Delete,
            Operation::Get => Body::Get,
            Operation::Other(_) => Body::Other,
        };
        Ok(Request {
            header,
            operation,
            body,
        })
    }

    /// The MessageID, for replies and faults even when the body was bad. Returns
    /// `None` when the envelope cannot be read at all.
    pub fn peek_message_id(xml: &str) -> Option<String> {
        let root = tree::parse(xml).ok()?;
        let h = root.child(ns::SOAP, "Header")?;
        h.child(ns::ADDRESSING, "MessageID")
            .map(|m| m.trimmed_text().to_owned())
    }
}

fn text_of(h: &Element, ns: &str, local: &str) -> Option<String> {
    h.child(ns, local).map(|e| e.trimmed_text().to_owned())
}

fn parse_header(h: &Element) -> Result<Header, WsmanError> {
    let action = text_of(h, ns::ADDRESSING, "Action").ok_or(WsmanError::Missing("wsa:Action"))?;
    // Echoed byte for byte, so not trimmed beyond surrounding whitespace, which
    // pretty-printing clients may add.
    let message_id =
        text_of(h, ns::ADDRESSING, "MessageID").ok_or(WsmanError::Missing("wsa:MessageID"))?;
    let max_envelope_size = match text_of(h, ns::WSMAN, "MaxEnvelopeSize") {
        Some(v) => Some(v.parse().map_err(|_| WsmanError::Invalid {
            what: "MaxEnvelopeSize",
            value: v,
        })?),
        None => None,
    };
    let operation_timeout = match text_of(h, ns::WSMAN, "OperationTimeout") {
        Some(v) => Some(parse_duration(&v).ok_or(WsmanError::Invalid {
            what: "OperationTimeout",
            value: v,
        })?),
        None => None,
    };
    let lang = |e: Option<&Element>| {
        e.and_then(|e| {
            e.attr_ns(ns::XML, "lang")
                .or_else(|| e.attr("lang"))
                .map(str::to_owned)
        })
    };
    let shell_id = h.child(ns::WSMAN, "SelectorSet").and_then(|s| {
        s.children_named(ns::WSMAN, "Selector")
            .find(|sel| {
                sel.attr("Name")
                    .is_some_and(|n| n.eq_ignore_ascii_case("ShellId"))
            })
            .map(|sel| sel.trimmed_text().to_owned())
    });
    let options = h
        .child(ns::WSMAN, "OptionSet")
        .map(|set| {
            set.children_named(ns::WSMAN, "Option")
                .filter_map(|o| {
                    o.attr("Name")
                        .map(|n| (n.to_owned(), o.trimmed_text().to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    let compression = h.child(ns::SHELL, "CompressionType");
    Ok(Header {
        action,
        to: text_of(h, ns::ADDRESSING, "To"),
        resource_uri: text_of(h, ns::WSMAN, "ResourceURI"),
        message_id,
        reply_to: h
            .child(ns::ADDRESSING, "ReplyTo")
            .and_then(|r| r.child(ns::ADDRESSING, "Address"))
            .map(|a| a.trimmed_text().to_owned()),
        max_envelope_size,
        operation_timeout,
        locale: lang(h.child(ns::WSMAN, "Locale")),
        data_locale: lang(h.child(ns::WSMV, "DataLocale")),
        session_id: text_of(h, ns::WSMV, "SessionId"),
        shell_id,
        options,
        compression_type: compression.map(|c| c.trimmed_text().to_owned()),
        compression_must_understand: compression
            .and_then(|c| c.attr_ns(ns::SOAP, "mustUnderstand"))
            .is_some_and(|v| v == "true" || v == "1"),
    })
}

fn base64(text: &str, what: &'static str) -> Result<Vec<u8>, WsmanError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| WsmanError::Base64(what))
}

fn parse_shell(body: &Element) -> Result<ShellCreate, WsmanError> {
    let shell = body
        .child(ns::SHELL, "Shell")
        .ok_or(WsmanError::Missing("rsp:Shell"))?;
    let creation = shell
        .child(ns::POWERSHELL, "creationXml")
        .ok_or(WsmanError::Missing("creationXml"))?;
    let idle_timeout = match text_of(shell, ns::SHELL, "IdleTimeOut") {
        Some(v) => Some(parse_duration(&v).ok_or(WsmanError::Invalid {
            what: "IdleTimeOut",
            value: v,
        })?),
        None => None,
    };
    Ok(ShellCreate {
        shell_id: shell.attr("ShellId").map(str::to_owned),
        name: text_of(shell, ns::SHELL, "Name"),
        input_streams: text_of(shell, ns::SHELL, "InputStreams").unwrap_or_default(),
        output_streams: text_of(shell, ns::SHELL, "OutputStreams").unwrap_or_default(),
        idle_timeout,
        creation_xml: base64(&creation.text, "creationXml")?,
    })
}

fn parse_command(body: &Element) -> Result<CommandLine, WsmanError> {
    let cl = body
        .child(ns::SHELL, "CommandLine")
        .ok_or(WsmanError::Missing("rsp:CommandLine"))?;
    let mut arguments = Vec::new();
    for a in cl.children_named(ns::SHELL, "Arguments") {
        arguments.extend(base64(&a.text, "rsp:Arguments")?);
    }
    Ok(CommandLine {
        command_id: cl.attr("CommandId").map(str::to_owned),
        command: cl
            .child(ns::SHELL, "Command")
            .map(|c| c.text.clone())
            .unwrap_or_default(),
        arguments,
    })
}

fn parse_send(body: &Element) -> Result<SendRequest, WsmanError> {
    let send = body
        .child(ns::SHELL, "Send")
        .ok_or(WsmanError::Missing("rsp:Send"))?;
    let streams = send
        .children_named(ns::SHELL, "Stream")
        .map(|s| {
            Ok(SendStream {
                name: s.attr("Name").unwrap_or("stdin").to_owned(),
                command_id: s.attr("CommandId").map(str::to_owned),
                end: s
                    .attr("End")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true")),
                data: base64(&s.text, "rsp:Stream")?,
            })
        })
        .collect::<Result<_, WsmanError>>()?;
    Ok(SendRequest { streams })
}

fn parse_receive(body: &Element) -> Result<ReceiveRequest, WsmanError> {
    let r = body
        .child(ns::SHELL, "Receive")
        .ok_or(WsmanError::Missing("rsp:Receive"))?;
    let ds = r.child(ns::SHELL, "DesiredStream");
    Ok(ReceiveRequest {
        streams: ds
            .map(|d| d.trimmed_text().to_owned())
            .unwrap_or_else(|| "stdout".into()),
        command_id: ds.and_then(|d| d.attr("CommandId")).map(str::to_owned),
    })
}

fn parse_signal(body: &Element) -> Result<Signal, WsmanError> {
    let s = body
        .child(ns::SHELL, "Signal")
        .ok_or(WsmanError::Missing("rsp:Signal"))?;
    let code = text_of(s, ns::SHELL, "Code").ok_or(WsmanError::Missing("rsp:Code"))?;
    Ok(Signal {
        command_id: s.attr("CommandId").map(str::to_owned),
        code: SignalCode::from_uri(&code),
    })
}
