//! WS-Management operations: Create, Command, Send, Receive, Signal, Delete (and Get).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use exomig_codec::psrp::capability::SERVER_PROTOCOL_VERSION;
use exomig_codec::wsman::budget::DEFAULT_MAX_ENVELOPE;
use exomig_codec::wsman::response::{
    command_response, create_response, delete_response, get_response, receive_response,
    send_response, signal_response,
};
use exomig_codec::wsman::{
    Body, CommandState, Fault, FaultKind, ReceiveRequest, ReceiveResponse, ReplyTo, Request,
    ShellCreate, ShellInfo, SignalCode, StreamPacket,
};
use uuid::Uuid;

use crate::app::App;
use crate::auth::Principal;
use crate::pipeline;
use crate::query::ConnectionQuery;
use crate::session::{feed, FeedError};
use crate::shell::{CreateError, Received, Shell, Target};

/// The `Machine` named in faults.
const MACHINE: &str = "exomig-proxy";
/// The resource every legacy client opens.
const EXCHANGE_RESOURCE: &str = "http://schemas.microsoft.com/powershell/Microsoft.Exchange";
/// pypsrp's default OperationTimeout, used when a request names none.
const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(20);
/// Answer a parked Receive this much before the client's OperationTimeout, so the reply is
/// on the wire before the client gives up on it.
const TIMEOUT_MARGIN: Duration = Duration::from_millis(500);

pub struct Reply {
    pub body: String,
    /// Sent with HTTP 500.
    pub fault: bool,
}

impl Reply {
    fn ok(body: String) -> Self {
        Self { body, fault: false }
    }

    fn fault(reply: &ReplyTo, kind: FaultKind) -> Self {
        Self {
            body: Fault::new(kind, MACHINE).to_envelope(reply),
            fault: true,
        }
    }

    fn fault_with(reply: &ReplyTo, kind: FaultKind, message: String) -> Self {
        let mut f = Fault::new(kind, MACHINE);
        f.message = Some(message);
        Self {
            body: f.to_envelope(reply),
            fault: true,
        }
    }
}

pub async fn dispatch(
    app: &Arc<App>,
    principal: Principal,
    query: ConnectionQuery,
    peer: SocketAddr,
    endpoint: &str,
    raw: &[u8],
) -> Reply {
    let text = decode_body(raw);
    let request = match Request::parse(&text) {
        Ok(r) => r,
        Err(e) => {
            let id = Request::peek_message_id(&text).unwrap_or_default();
            let reply = ReplyTo::new(id, Uuid::new_v4());
            return Reply::fault_with(
                &reply,
                FaultKind::InvalidRequest,
                format!("The request could not be read: {e}"),
            );
        }
    };
    let reply = ReplyTo::new(request.header.message_id.clone(), Uuid::new_v4());
    if let Body::Create(create) = &request.body {
        return create_shell(
            app, principal, query, peer, endpoint, &request, create, &reply,
        );
    }
    let Some(shell) = request
        .header
        .shell_id
        .as_deref()
        .and_then(|id| app.shells.get(id, &principal.owner))
    else {
        return Reply::fault(&reply, FaultKind::InvalidSelectors);
    };
    match &request.body {
        Body::Command(cl) => {
            let command_id = cl
                .command_id
                .clone()
                .unwrap_or_else(|| Uuid::new_v4().hyphenated().to_string().to_uppercase());
            if let Err(e) = feed(app, &shell, &cl.arguments, Some(&command_id)) {
                return Reply::fault_with(
                    &reply,
                    FaultKind::InvalidRequest,
                    format!("Invalid PSRP data: {e}"),
                );
            }
            Reply::ok(command_response(&reply, &command_id))
        }
        Body::Send(send) => {
            for stream in &send.streams {
                let data = if shell.compressed {
                    match exomig_codec::compression::decode(&stream.data) {
                        Ok(d) => d,
                        Err(e) => {
                            return Reply::fault_with(
                                &reply,
                                FaultKind::InvalidRequest,
                                format!("Invalid compressed data: {e}"),
                            )
                        }
                    }
                } else {
                    stream.data.clone()
                };
                if let Err(e) = feed(app, &shell, &data, stream.command_id.as_deref()) {
                    let kind = match e {
                        FeedError::TooMuchInput(_) => FaultKind::EncodingLimit,
                        _ => FaultKind::InvalidRequest,
                    };
                    return Reply::fault_with(&reply, kind, format!("Invalid PSRP data: {e}"));
                }
            }
            Reply::ok(send_response(&reply))
        }
        Body::Receive(rr) => receive(app, &shell, &request, rr, &reply).await,
        Body::Signal(sig) => {
            let pid = sig
                .command_id
                .as_deref()
                .and_then(|c| shell.lock().pid_for(c));
            if let Some(pid) = pid {
                match sig.code {
                    SignalCode::Terminate => terminate(&shell, pid),
                    SignalCode::CtrlC => pipeline::stop(&shell, pid),
                    SignalCode::Other(_) => {}
                }
            }
            // A Terminate for a command that is already gone still succeeds.
            Reply::ok(signal_response(&reply))
        }
        Body::Delete => {
            app.shells.remove(&shell.id, &principal.owner);
            tracing::info!(shell = %shell.id, user = %principal.user, "shell deleted");
            Reply::ok(delete_response(&reply))
        }
        Body::Get => Reply::ok(get_response(&reply, &shell.id)),
        Body::Create(_) | Body::Other => Reply::fault(&reply, FaultKind::ActionNotSupported),
    }
}

#[allow(clippy::too_many_arguments)]
fn create_shell(
    app: &Arc<App>,
    principal: Principal,
    query: ConnectionQuery,
    peer: SocketAddr,
    endpoint: &str,
    request: &Request,
    create: &ShellCreate,
    reply: &ReplyTo,
) -> Reply {
    let shell_id = create
        .shell_id
        .clone()
        .unwrap_or_else(|| Uuid::new_v4().hyphenated().to_string().to_uppercase());
    let mut shell = Shell::new(
        shell_id.clone(),
        principal.owner.clone(),
        principal.user.clone(),
        principal.credential.clone(),
        query,
        peer.ip().to_string(),
    );
    shell.compressed = request.header.wants_compression();
    let shell = match app.shells.insert(shell) {
        Ok(s) => s,
        Err(CreateError::Quota(limit)) => {
            return Reply::fault(
                reply,
                FaultKind::QuotaMaxShells {
                    limit: u32::try_from(limit).unwrap_or(u32::MAX),
                },
            )
        }
        Err(CreateError::Exists) => {
            return Reply::fault_with(
                reply,
                FaultKind::InvalidRequest,
                "A shell with this ShellId already exists.".into(),
            )
        }
        Err(CreateError::ShuttingDown) => {
            return Reply::fault_with(
                reply,
                FaultKind::InternalError,
                "The proxy is shutting down.".into(),
            )
        }
    };
    if let Err(e) = feed(app, &shell, &create.creation_xml, None) {
        app.shells.remove(&shell_id, &principal.owner);
        return match e {
            FeedError::Protocol(_) => Reply::fault(
                reply,
                FaultKind::ProtocolVersion {
                    server_version: SERVER_PROTOCOL_VERSION.to_owned(),
                },
            ),
            other => Reply::fault_with(
                reply,
                FaultKind::InvalidRequest,
                format!("Invalid creationXml: {other}"),
            ),
        };
    }
    tracing::info!(shell = %shell_id, user = %principal.user, "shell created");
    let info = ShellInfo {
        shell_id,
        resource_uri: request
            .header
            .resource_uri
            .clone()
            .unwrap_or_else(|| EXCHANGE_RESOURCE.to_owned()),
        address: request
            .header
            .to
            .clone()
            .unwrap_or_else(|| endpoint.to_owned()),
        owner: principal.user,
        client_ip: peer.ip().to_string(),
        idle_timeout: app.shells.idle_timeout(),
        input_streams: non_empty(&create.input_streams, "stdin pr"),
        output_streams: non_empty(&create.output_streams, "stdout"),
        compression: shell.compressed,
    };
    Reply::ok(create_response(reply, &info))
}

/// Request text: UTF-8 (what every client sends by default), or UTF-16 when a byte-order mark
/// says so (WinRM can be configured to send it).
fn decode_body(raw: &[u8]) -> String {
    let utf16 = |bytes: &[u8], big_endian: bool| {
        let units = bytes.chunks_exact(2).map(|c| {
            let pair = [c[0], c[1]];
            if big_endian {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            }
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    };
    match raw {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        _ => String::from_utf8_lossy(raw).into_owned(),
    }
}

fn non_empty(value: &str, default: &str) -> String {
    if value.trim().is_empty() {
        default.to_owned()
    } else {
        value.to_owned()
    }
}

fn terminate(shell: &Shell, pid: Uuid) {
    let mut st = shell.lock();
    if let Some(slot) = st.pipelines.remove(&pid) {
        if let Some(t) = slot.task {
            t.abort();
        }
        st.commands.retain(|_, p| *p != pid);
    }
}

async fn receive(
    app: &Arc<App>,
    shell: &Arc<Shell>,
    request: &Request,
    rr: &ReceiveRequest,
    reply: &ReplyTo,
) -> Reply {
    let target = match rr.command_id.as_deref() {
        None => Target::Pool,
        Some(c) => match shell.lock().pid_for(c) {
            Some(pid) => Target::Pipeline(pid),
            None => return Reply::fault(reply, FaultKind::InvalidSelectors),
        },
    };
    let max_envelope = request
        .header
        .max_envelope_size
        .unwrap_or(DEFAULT_MAX_ENVELOPE);
    let operation_timeout = request
        .header
        .operation_timeout
        .unwrap_or(DEFAULT_OPERATION_TIMEOUT);
    let wait = operation_timeout
        .saturating_sub(TIMEOUT_MARGIN)
        .min(app.config.max_receive_wait);
    let command_id_len = rr.command_id.as_deref().map_or(0, str::len);
    let outcome = shell
        .receive(target, max_envelope, command_id_len, wait, || {
            app.shells.is_closing()
        })
        .await;
    match outcome {
        Received::Data { fragments, done } => {
            let state = rr.command_id.as_ref().map(|_| {
                if done {
                    CommandState::Done { exit_code: Some(0) }
                } else {
                    CommandState::Running
                }
            });
            let response = ReceiveResponse {
                command_id: rr.command_id.clone(),
                streams: fragments
                    .into_iter()
                    .map(|f| {
                        StreamPacket::stdout(if shell.compressed {
                            exomig_codec::compression::encode_stored(&f)
                        } else {
                            f
                        })
                    })
                    .collect(),
                state,
            };
            Reply::ok(receive_response(reply, &response))
        }
        Received::TimedOut => Reply::fault(reply, FaultKind::TimedOut),
        Received::Gone => Reply::fault(reply, FaultKind::InvalidSelectors),
    }
}

#[cfg(test)]
mod tests {
    use super::decode_body;

    #[test]
    fn bodies_decode_from_utf8_and_utf16_with_bom() {
        let text = "<s:Envelope>é</s:Envelope>";
        assert_eq!(decode_body(text.as_bytes()), text);
        let mut bom8 = vec![0xEF, 0xBB, 0xBF];
        bom8.extend_from_slice(text.as_bytes());
        assert_eq!(decode_body(&bom8), text);
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_body(&le), text);
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode_body(&be), text);
    }
}
