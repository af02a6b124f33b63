//! PSRP messages arriving for a shell (creationXml, Command arguments, Send data) and what
//! each one triggers.

use std::sync::Arc;

use exomig_codec::clixml::Value;
use exomig_codec::psrp::capability::server_capability;
use exomig_codec::psrp::client::ClientMessage;
use exomig_codec::psrp::pipeline::{CreatePipeline, GetCommandMetadata};
use exomig_codec::psrp::pool::{
    application_private_data, available_runspaces_reply, runspace_pool_state, set_runspaces_reply,
    RunspacePoolState, DEFAULT_SERVER_POWERSHELL_VERSION,
};
use exomig_codec::psrp::{Message, MessageType, PsrpError};
use uuid::Uuid;

use crate::app::App;
use crate::pipeline::{self, PendingPipeline};
use crate::shell::{PipelineSlot, Shell, ShellState, Target};

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Psrp(#[from] PsrpError),
    /// The client's SESSION_CAPABILITY names a protocol version this server cannot speak.
    #[error("PSRP protocol version {0} is not supported")]
    Protocol(String),
    /// More pipeline input than one pipeline may buffer.
    #[error("more than {0} pipeline input objects")]
    TooMuchInput(usize),
}

/// Input objects one pipeline may buffer before END_OF_PIPELINE_INPUT: input is held in
/// memory until the command starts.
pub const MAX_PIPELINE_INPUT: usize = 100_000;

/// Work to do once the shell lock is released.
enum Action {
    Start {
        pid: Uuid,
        create: CreatePipeline,
        input: Vec<Value>,
    },
    Metadata {
        pid: Uuid,
        request: GetCommandMetadata,
    },
}

/// Feeds PSRP fragments into the shell. `command_id` is the WS-Man CommandId the data came
/// with (Command arguments, or Send with a CommandId).
pub fn feed(
    app: &Arc<App>,
    shell: &Arc<Shell>,
    data: &[u8],
    command_id: Option<&str>,
) -> Result<(), FeedError> {
    let actions = {
        let mut st = shell.lock();
        st.touch();
        let messages = st.defrag.push_packet(data)?;
        let mut actions = Vec::new();
        for r in messages {
            let message = Message::parse(&r.message)?;
            let decoded = ClientMessage::decode(&message)?;
            handle(&mut st, &message, decoded, command_id, &mut actions)?;
        }
        actions
    };
    shell.changed.notify_waiters();
    for action in actions {
        match action {
            Action::Start { pid, create, input } => {
                pipeline::start(app.clone(), shell.clone(), pid, create, input)
            }
            Action::Metadata { pid, request } => {
                pipeline::answer_command_metadata(app, shell, pid, &request)
            }
        }
    }
    Ok(())
}

fn slot<'a>(st: &'a mut ShellState, pid: Uuid, command_id: Option<&str>) -> &'a mut PipelineSlot {
    let cmd = command_id.map_or_else(
        || pid.hyphenated().to_string().to_uppercase(),
        str::to_owned,
    );
    st.commands.insert(cmd.to_ascii_uppercase(), pid);
    st.pipelines
        .entry(pid)
        .or_insert_with(|| PipelineSlot::new(cmd))
}

fn handle(
    st: &mut ShellState,
    message: &Message,
    decoded: ClientMessage,
    command_id: Option<&str>,
    actions: &mut Vec<Action>,
) -> Result<(), FeedError> {
    let rpid = st.rpid;
    let pool =
        |t: MessageType, data: String| Message::to_client(t, rpid, Uuid::nil(), data.into_bytes());
    match decoded {
        ClientMessage::SessionCapability(cap) => {
            if !cap.protocol_supported() {
                return Err(FeedError::Protocol(cap.protocol_version));
            }
            if !message.rpid.is_nil() {
                st.rpid = message.rpid;
            }
            // Windows answers the first SESSION_CAPABILITY with an all-zero RPID.
            let m = Message::to_client(
                MessageType::SESSION_CAPABILITY,
                Uuid::nil(),
                Uuid::nil(),
                server_capability().into_bytes(),
            );
            st.emit(Target::Pool, &m);
        }
        ClientMessage::InitRunspacePool(_) => {
            if !message.rpid.is_nil() {
                st.rpid = message.rpid;
            }
            let rpid = st.rpid;
            let data = application_private_data(DEFAULT_SERVER_POWERSHELL_VERSION);
            st.emit(
                Target::Pool,
                &Message::to_client(
                    MessageType::APPLICATION_PRIVATE_DATA,
                    rpid,
                    Uuid::nil(),
                    data.into_bytes(),
                ),
            );
            let state = runspace_pool_state(RunspacePoolState::Opened, None);
            st.emit(
                Target::Pool,
                &Message::to_client(
                    MessageType::RUNSPACEPOOL_STATE,
                    rpid,
                    Uuid::nil(),
                    state.into_bytes(),
                ),
            );
        }
        ClientMessage::CreatePipeline(create) => {
            let pid = message.pid;
            let s = slot(st, pid, command_id);
            if create.no_input {
                s.started = true;
                actions.push(Action::Start {
                    pid,
                    create,
                    input: Vec::new(),
                });
            } else {
                s.pending = Some(PendingPipeline { create });
            }
        }
        ClientMessage::GetCommandMetadata(request) => {
            let pid = message.pid;
            let s = slot(st, pid, command_id);
            s.started = true;
            actions.push(Action::Metadata { pid, request });
        }
        ClientMessage::PipelineInput(v) => {
            if let Some(s) = st.pipelines.get_mut(&message.pid) {
                if !s.started {
                    if s.input.len() >= MAX_PIPELINE_INPUT {
                        return Err(FeedError::TooMuchInput(MAX_PIPELINE_INPUT));
                    }
                    s.input.push(v);
                }
            }
        }
        ClientMessage::EndOfPipelineInput => {
            // pypsrp also sends one for pipelines that already ran; that is harmless.
            if let Some(s) = st.pipelines.get_mut(&message.pid) {
                if let Some(p) = s.pending.take() {
                    s.started = true;
                    let input = std::mem::take(&mut s.input);
                    actions.push(Action::Start {
                        pid: message.pid,
                        create: p.create,
                        input,
                    });
                }
            }
        }
        ClientMessage::SetMaxRunspaces(r) | ClientMessage::SetMinRunspaces(r) => {
            let m = pool(
                MessageType::RUNSPACE_AVAILABILITY,
                set_runspaces_reply(r.call_id, true),
            );
            st.emit(Target::Pool, &m);
        }
        ClientMessage::GetAvailableRunspaces(r) => {
            let m = pool(
                MessageType::RUNSPACE_AVAILABILITY,
                available_runspaces_reply(r.call_id, 1),
            );
            st.emit(Target::Pool, &m);
        }
        ClientMessage::Ignored(t) => {
            tracing::debug!(message_type = %t, "ignored client message");
        }
    }
    Ok(())
}
