//! Shells (runspace pools) and their per-user registry.
//!
//! A shell owns everything about one pool: the PSRP defragmenter for what the client sends,
//! the pool-level output queue, its pipelines and their output queues. Receives long-poll on
//! the shell's [`Notify`], which is signalled whenever output is queued or the shell closes.

mod queue;
mod registry;

pub use queue::{OutQueue, Target};
pub use registry::{CreateError, ShellRegistry};

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use exomig_codec::psrp::{Defragmenter, Message, MessageType};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::backend::UpstreamCredential;
use crate::query::ConnectionQuery;

/// One pipeline (or GET_COMMAND_METADATA "special pipeline") of a shell.
pub struct PipelineSlot {
    /// The WS-Man CommandId the client addresses it by, as sent.
    pub command_id: String,
    pub out: OutQueue,
    /// The final PIPELINE_STATE is queued.
    pub finished: bool,
    /// Execution started (NoInput, or END_OF_PIPELINE_INPUT arrived).
    pub started: bool,
    /// The parsed CREATE_PIPELINE, waiting for its input to end.
    pub pending: Option<crate::pipeline::PendingPipeline>,
    /// Objects received by PIPELINE_INPUT so far.
    pub input: Vec<exomig_codec::clixml::Value>,
    pub task: Option<tokio::task::AbortHandle>,
}

impl PipelineSlot {
    pub fn new(command_id: String) -> Self {
        Self {
            command_id,
            out: OutQueue::default(),
            finished: false,
            started: false,
            pending: None,
            input: Vec::new(),
            task: None,
        }
    }
}

pub struct ShellState {
    pub defrag: Defragmenter,
    next_object_id: u64,
    pub pool_out: OutQueue,
    pub pipelines: HashMap<Uuid, PipelineSlot>,
    /// CommandId (upper-case) → PID.
    pub commands: HashMap<String, Uuid>,
    pub closed: bool,
    pub last_activity: Instant,
    /// The pool id from the client's messages (RPID), used on every message we send after
    /// the first SESSION_CAPABILITY.
    pub rpid: Uuid,
}

pub struct Shell {
    /// ShellId as the client chose it (upper-case GUID text for pypsrp and Windows).
    pub id: String,
    pub owner: String,
    pub user: String,
    pub credential: UpstreamCredential,
    pub query: ConnectionQuery,
    pub client_ip: String,
    /// The client asked for xpress compression at Create (Windows PowerShell does by
    /// default): Send data arrives compressed and Receive data goes out chunk-framed.
    pub compressed: bool,
    pub state: Mutex<ShellState>,
    pub changed: Notify,
}

/// Largest fragment blob we send: whole fragments must fit any client envelope (pypsrp starts
/// at 153600 bytes), with room for base64 growth and the SOAP wrapper.
pub const MAX_BLOB: usize = 32 * 1024;

impl Shell {
    pub fn new(
        id: String,
        owner: String,
        user: String,
        credential: UpstreamCredential,
        query: ConnectionQuery,
        client_ip: String,
    ) -> Self {
        let rpid = Uuid::parse_str(&id).unwrap_or_default();
        Self {
            id,
            owner,
            user,
            credential,
            query,
            client_ip,
            compressed: false,
            state: Mutex::new(ShellState {
                defrag: Defragmenter::default(),
                next_object_id: 1,
                pool_out: OutQueue::default(),
                pipelines: HashMap::new(),
                commands: HashMap::new(),
                closed: false,
                last_activity: Instant::now(),
                rpid,
            }),
            changed: Notify::new(),
        }
    }

    /// Locks the state. A poisoned lock means a handler panicked mid-update; the state is
    /// still structurally valid, so keep serving rather than failing every later request.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, ShellState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a pipeline's messages in order, optionally marking it finished in the same
    /// step, then wakes waiting Receives once.
    pub fn emit_batch(&self, pid: Uuid, batch: Vec<(MessageType, String)>, finished: bool) {
        {
            let mut st = self.lock();
            let rpid = st.rpid;
            for (message_type, data) in batch {
                let m = Message::to_client(message_type, rpid, pid, data.into_bytes());
                st.emit(Target::Pipeline(pid), &m);
            }
            if finished {
                if let Some(p) = st.pipelines.get_mut(&pid) {
                    p.finished = true;
                    p.task = None;
                }
            }
        }
        self.changed.notify_waiters();
    }

    pub fn idle_for(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.lock().last_activity)
    }
}

impl ShellState {
    pub fn touch(&mut self) {
        self.last_activity = Instant::now();
    }

    /// Fragments a message into the target queue under the next ObjectId.
    pub fn emit(&mut self, target: Target, message: &Message) {
        let oid = self.next_object_id;
        self.next_object_id += 1;
        let bytes = message.to_bytes();
        let fragments = exomig_codec::psrp::fragment(oid, &bytes, MAX_BLOB);
        let queue = match target {
            Target::Pool => Some(&mut self.pool_out),
            Target::Pipeline(pid) => self.pipelines.get_mut(&pid).map(|p| &mut p.out),
        };
        if let Some(q) = queue {
            for f in fragments {
                q.push(f.to_bytes());
            }
        }
    }

    /// The PID a CommandId refers to.
    pub fn pid_for(&self, command_id: &str) -> Option<Uuid> {
        self.commands.get(&command_id.to_ascii_uppercase()).copied()
    }
}

/// The outcome of a Receive.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// Whole fragments, and for pipelines whether the final state has now been handed out.
    Data { fragments: Vec<Vec<u8>>, done: bool },
    /// Nothing arrived within the wait.
    TimedOut,
    /// The shell or command no longer exists.
    Gone,
}

impl Shell {
    /// Long-polls for output: returns as soon as fragments are queued (or the pipeline is
    /// finished), else after `wait`.
    pub async fn receive(
        &self,
        target: Target,
        max_envelope_size: usize,
        command_id_len: usize,
        wait: Duration,
        stopping: impl Fn() -> bool,
    ) -> Received {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Register interest before looking, so output queued in between is not missed.
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = self.lock();
                if st.closed {
                    return Received::Gone;
                }
                st.touch();
                match target {
                    Target::Pool => {
                        let fragments = st.pool_out.take(max_envelope_size, 0);
                        if !fragments.is_empty() {
                            return Received::Data {
                                fragments,
                                done: false,
                            };
                        }
                    }
                    Target::Pipeline(pid) => {
                        let Some(slot) = st.pipelines.get_mut(&pid) else {
                            return Received::Gone;
                        };
                        let fragments = slot.out.take(max_envelope_size, command_id_len);
                        let done = slot.finished && slot.out.is_empty();
                        if !fragments.is_empty() || done {
                            return Received::Data { fragments, done };
                        }
                    }
                }
            }
            if stopping() {
                return Received::TimedOut;
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(deadline) => return Received::TimedOut,
            }
        }
    }
}
