//! Building response envelopes in the prefix style of Windows servers
//! (`s`, `a`, `x`, `w`, `rsp`, `p`).

use std::fmt::Write as _;
use std::time::Duration;

use base64::Engine as _;
use uuid::Uuid;

use super::duration::format_idle_timeout;
use super::ns;
use crate::xml_text::escape;

/// What every reply header needs: the request's MessageID, echoed byte for byte
/// (pypsrp raises on any mismatch), and a fresh id for the reply. The id is
/// passed in because this crate does no randomness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTo {
    /// The request's `wsa:MessageID`, verbatim.
    pub relates_to: String,
    /// The reply's own id.
    pub message_id: Uuid,
}

impl ReplyTo {
    /// A reply context.
    pub fn new(relates_to: impl Into<String>, message_id: Uuid) -> Self {
        ReplyTo {
            relates_to: relates_to.into(),
            message_id,
        }
    }
}

pub(crate) fn envelope(reply: &ReplyTo, action: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = write!(
        out,
        "<s:Envelope xml:lang=\"en-US\" xmlns:s=\"{}\" xmlns:a=\"{}\" xmlns:x=\"{}\" xmlns:w=\"{}\" xmlns:rsp=\"{}\" xmlns:p=\"{}\">\
         <s:Header><a:Action>{}</a:Action><a:MessageID>uuid:{}</a:MessageID><a:To>{}</a:To><a:RelatesTo>{}</a:RelatesTo></s:Header>",
        ns::SOAP,
        ns::ADDRESSING,
        ns::TRANSFER,
        ns::WSMAN,
        ns::SHELL,
        ns::WSMV,
        action,
        reply.message_id.hyphenated().to_string().to_uppercase(),
        ns::ANONYMOUS,
        escape(&reply.relates_to),
    );
    if body.is_empty() {
        out.push_str("<s:Body/>");
    } else {
        out.push_str("<s:Body>");
        out.push_str(body);
        out.push_str("</s:Body>");
    }
    out.push_str("</s:Envelope>");
    out
}

/// The shell a CreateResponse describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellInfo {
    /// ShellId (echo the client's, upper case).
    pub shell_id: String,
    /// ResourceURI of the request.
    pub resource_uri: String,
    /// The request's `wsa:To`, used as the EndpointReference address.
    pub address: String,
    /// Authenticated user name.
    pub owner: String,
    /// Client address as text.
    pub client_ip: String,
    /// Advertised idle timeout (Exchange Online used 15 minutes).
    pub idle_timeout: Duration,
    /// `InputStreams`, usually `stdin pr`.
    pub input_streams: String,
    /// `OutputStreams`, usually `stdout`.
    pub output_streams: String,
    /// `CompressionMode` to report when the client asked for compression.
    pub compression: bool,
}

/// CreateResponse with the mandatory `ResourceCreated` EndpointReference (pypsrp
/// builds its ShellId selector from it) and the `rsp:Shell` description.
pub fn create_response(reply: &ReplyTo, shell: &ShellInfo) -> String {
    let id = escape(&shell.shell_id);
    let uri = escape(&shell.resource_uri);
    let mut body = format!(
        "<x:ResourceCreated><a:Address>{addr}</a:Address><a:ReferenceParameters><w:ResourceURI>{uri}</w:ResourceURI>\
         <w:SelectorSet><w:Selector Name=\"ShellId\">{id}</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>\
         <rsp:Shell xmlns:rsp=\"{shell_ns}\"><rsp:ShellId>{id}</rsp:ShellId><rsp:ResourceUri>{uri}</rsp:ResourceUri>\
         <rsp:Owner>{owner}</rsp:Owner><rsp:ClientIP>{ip}</rsp:ClientIP><rsp:IdleTimeOut>{idle}</rsp:IdleTimeOut>\
         <rsp:InputStreams>{input}</rsp:InputStreams><rsp:OutputStreams>{output}</rsp:OutputStreams>\
         <rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity>",
        addr = escape(&shell.address),
        shell_ns = ns::SHELL,
        owner = escape(&shell.owner),
        ip = escape(&shell.client_ip),
        idle = format_idle_timeout(shell.idle_timeout),
        input = escape(&shell.input_streams),
        output = escape(&shell.output_streams),
    );
    if shell.compression {
        body.push_str("<rsp:CompressionMode>XpressCompression</rsp:CompressionMode>");
    }
    body.push_str(
        "<rsp:BufferMode>Block</rsp:BufferMode><rsp:State>Connected</rsp:State></rsp:Shell>",
    );
    envelope(reply, ns::ACTION_CREATE_RESPONSE, &body)
}

/// CommandResponse echoing the client's CommandId.
pub fn command_response(reply: &ReplyTo, command_id: &str) -> String {
    let body = format!(
        "<rsp:CommandResponse><rsp:CommandId>{}</rsp:CommandId></rsp:CommandResponse>",
        escape(command_id)
    );
    envelope(reply, ns::ACTION_COMMAND_RESPONSE, &body)
}

/// SendResponse.
pub fn send_response(reply: &ReplyTo) -> String {
    envelope(reply, ns::ACTION_SEND_RESPONSE, "<rsp:SendResponse/>")
}

/// SignalResponse.
pub fn signal_response(reply: &ReplyTo) -> String {
    envelope(reply, ns::ACTION_SIGNAL_RESPONSE, "<rsp:SignalResponse/>")
}

/// DeleteResponse with an empty body.
pub fn delete_response(reply: &ReplyTo) -> String {
    envelope(reply, ns::ACTION_DELETE_RESPONSE, "")
}

/// GetResponse for pypsrp's `is_alive` probe, describing the shell minimally.
pub fn get_response(reply: &ReplyTo, shell_id: &str) -> String {
    let body = format!(
        "<rsp:Shell><rsp:ShellId>{}</rsp:ShellId><rsp:State>Connected</rsp:State></rsp:Shell>",
        escape(shell_id)
    );
    envelope(reply, ns::ACTION_GET_RESPONSE, &body)
}

/// State of the command a pipeline Receive is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandState {
    /// Output pending or not finished.
    Running,
    /// The final PIPELINE_STATE has been handed out.
    Done {
        /// `rsp:ExitCode`, when one should be reported.
        exit_code: Option<i32>,
    },
}

/// One `rsp:Stream` element: one or more *whole* fragments (never a partial one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamPacket {
    /// Stream name, `stdout` for PSRP.
    pub name: String,
    /// Bytes to base64 (already compression-framed when the shell compresses).
    pub data: Vec<u8>,
}

impl StreamPacket {
    /// A `stdout` packet.
    pub fn stdout(data: Vec<u8>) -> Self {
        StreamPacket {
            name: "stdout".into(),
            data,
        }
    }
}

/// The content of a ReceiveResponse.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiveResponse {
    /// CommandId for pipeline receives; `None` for the pool.
    pub command_id: Option<String>,
    /// Stream elements in order.
    pub streams: Vec<StreamPacket>,
    /// CommandState, only on pipeline receives.
    pub state: Option<CommandState>,
}

/// ReceiveResponse envelope.
pub fn receive_response(reply: &ReplyTo, r: &ReceiveResponse) -> String {
    let cmd_attr = r
        .command_id
        .as_deref()
        .map(|c| format!(" CommandId=\"{}\"", escape(c)))
        .unwrap_or_default();
    let mut body = String::from("<rsp:ReceiveResponse>");
    for s in &r.streams {
        let _ = write!(
            body,
            "<rsp:Stream Name=\"{}\"{cmd_attr}>{}</rsp:Stream>",
            escape(&s.name),
            base64::engine::general_purpose::STANDARD.encode(&s.data)
        );
    }
    if let Some(state) = r.state {
        let (uri, exit) = match state {
            CommandState::Running => (ns::COMMAND_STATE_RUNNING, None),
            CommandState::Done { exit_code } => (ns::COMMAND_STATE_DONE, exit_code),
        };
        let _ = write!(body, "<rsp:CommandState{cmd_attr} State=\"{uri}\"");
        match exit {
            Some(code) => {
                let _ = write!(
                    body,
                    "><rsp:ExitCode>{code}</rsp:ExitCode></rsp:CommandState>"
                );
            }
            None => body.push_str("/>"),
        }
    }
    body.push_str("</rsp:ReceiveResponse>");
    envelope(reply, ns::ACTION_RECEIVE_RESPONSE, &body)
}
