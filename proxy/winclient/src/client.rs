//! The Windows-shaped client: New-PSSession, Import-PSSession, proxy-function calls and
//! Remove-PSSession, step by step as WSManTransportManager and the WinRM client do them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use exomig_codec::clixml::{from_clixml, Value};
use exomig_codec::compression::{self, CompressionError};
use exomig_codec::psrp::{
    fragment, parse_fragments, Defragmenter, Destination, Message, MessageType, PsrpError,
};
use exomig_codec::wsman::inspect::{summarize, ResponseSummary};
use exomig_codec::wsman::{CommandState, WsmanError};
use uuid::Uuid;

use crate::checks::{self, ImportedCommand, Rejection};
use crate::envelope::{self, Header};
use crate::messages::{self, Cmd, CLIENT_PS_VERSION};
use crate::xpress::{self, ChunkMode};

/// Why a Windows-shaped session failed.
#[derive(Debug, thiserror::Error)]
pub enum WinClientError {
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("WS-Man fault {code:?} (HTTP {status}): {message}")]
    Fault {
        status: u16,
        code: Option<u32>,
        message: String,
    },
    #[error("unreadable response: {0}")]
    Response(#[from] WsmanError),
    #[error("PSRP: {0}")]
    Psrp(#[from] PsrpError),
    #[error("compressed stream: {0}")]
    Compression(#[from] CompressionError),
    #[error("CLIXML: {0}")]
    Clixml(#[from] exomig_codec::clixml::ClixmlError),
    #[error("Windows PowerShell would fail here: {0}")]
    Rejected(#[from] Rejection),
}

type Result<T> = std::result::Result<T, WinClientError>;

fn rejected<T>(why: impl Into<String>) -> Result<T> {
    Err(Rejection(why.into()).into())
}

/// Client settings; `Default` is Windows PowerShell 5.1 with compression.
#[derive(Debug, Clone)]
pub struct WinClientConfig {
    /// The `-ConnectionUri` as the script has it (trailing `/`, optional query).
    pub connection_uri: String,
    pub user: String,
    pub password: String,
    /// `rsp:CompressionType` on Create (off = `New-PSSessionOption -NoCompression`).
    pub compression: bool,
    pub chunk_mode: ChunkMode,
    /// Largest fragment blob the client writes. Windows cuts by envelope size; a small
    /// value forces every message over several fragments, Creates and Sends.
    pub fragment_blob: usize,
    pub max_envelope: usize,
    pub operation_timeout_s: u32,
    /// Post the first pool Receive while the rest of the creation data is still being sent
    /// (the WinRM client starts receiving as soon as Create completes).
    pub concurrent_first_receive: bool,
    /// Keep every request and answer for [`WinClient::exchanges`]. Tests look at the wire;
    /// a load generator turns it off so a long run does not grow without bound.
    pub keep_exchanges: bool,
}

impl WinClientConfig {
    pub fn new(connection_uri: &str, user: &str, password: &str) -> Self {
        Self {
            connection_uri: connection_uri.to_owned(),
            user: user.to_owned(),
            password: password.to_owned(),
            compression: true,
            chunk_mode: ChunkMode::Compress,
            fragment_blob: 1024,
            max_envelope: 512_000,
            operation_timeout_s: 20,
            concurrent_first_receive: true,
            keep_exchanges: true,
        }
    }
}

/// The URI WSManTransportManager really posts to: trailing `/` trimmed, `PSVersion` appended
/// with `?`, or with `;` when the URI already has a query.
pub fn windows_endpoint(connection_uri: &str) -> String {
    let (path, query) = match connection_uri.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (connection_uri, None),
    };
    let path = path.trim_end_matches('/');
    match query.filter(|q| !q.is_empty()) {
        Some(q) => format!("{path}?{q};PSVersion={CLIENT_PS_VERSION}"),
        None => format!("{path}?PSVersion={CLIENT_PS_VERSION}"),
    }
}

/// One request and its answer, kept so tests can look at the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub action: String,
    pub request: String,
    pub status: u16,
    pub response: String,
}

/// What New-PSSession learned while opening the pool.
#[derive(Debug, Clone)]
pub struct OpenedPool {
    pub shell_id: String,
    pub idle_timeout_ms: Option<u64>,
    pub max_idle_timeout_ms: Option<u64>,
    /// `PSVersionTable.PSVersion` of the server (the client's remote ServerVersion).
    pub server_version: String,
    /// Pool Receives needed until RUNSPACEPOOL_STATE Opened.
    pub receives: usize,
}

/// The outcome of one remote pipeline.
#[derive(Debug, Clone, Default)]
pub struct PipelineRun {
    pub command_id: String,
    pub messages: Vec<Message>,
    pub outputs: Vec<Value>,
    pub errors: Vec<Value>,
    /// Final `PipelineState` (4 Completed, 5 Failed, 3 Stopped).
    pub state: i64,
    /// ReceiveResponses read, and how many of them said Running.
    pub receives: usize,
    pub running_states: usize,
    /// Fragments received, each in its own `rsp:Stream`.
    pub streams: usize,
    /// When the Receive that said CommandState Done was read, before the closing Signal:
    /// the end of the call as the caller of the cmdlet sees it.
    pub done_at: Option<Instant>,
}

/// What Import-PSSession ends up with.
#[derive(Debug, Clone)]
pub struct ImportedSession {
    pub commands: Vec<ImportedCommand>,
    /// `Get-FormatData … | Measure-Object` count (progress only).
    pub format_count: i64,
    /// Objects `Get-FormatData` returned.
    pub format_objects: usize,
    /// Whether `-PowerShellVersion` was passed (ServerVersion ≥ 5.1).
    pub passed_powershell_version: bool,
}

pub struct WinClient {
    pub config: WinClientConfig,
    pub endpoint: String,
    http: reqwest::Client,
    session_id: String,
    pool: Uuid,
    shell_id: String,
    next_oid: AtomicU64,
    sequence: AtomicU64,
    pool_defrag: Mutex<Defragmenter>,
    log: Mutex<Vec<Exchange>>,
}

fn upper(id: Uuid) -> String {
    id.hyphenated().to_string().to_uppercase()
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn final_state(m: &Message) -> Option<i64> {
    if m.message_type != MessageType::PIPELINE_STATE {
        return None;
    }
    let v = from_clixml(m.text().ok()?).ok()?;
    v.as_obj()?
        .get("PipelineState")?
        .as_i64()
        .filter(|s| (3..=5).contains(s))
}

impl WinClient {
    pub fn new(config: WinClientConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(
                u64::from(config.operation_timeout_s) + 30,
            ))
            .build()?;
        let pool = Uuid::new_v4();
        Ok(Self {
            endpoint: windows_endpoint(&config.connection_uri),
            config,
            http,
            session_id: format!("uuid:{}", upper(Uuid::new_v4())),
            pool,
            shell_id: upper(pool),
            next_oid: AtomicU64::new(1),
            sequence: AtomicU64::new(1),
            pool_defrag: Mutex::new(Defragmenter::default()),
            log: Mutex::new(Vec::new()),
        })
    }

    pub fn shell_id(&self) -> &str {
        &self.shell_id
    }

    /// Every request so far with its answer.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Fragments of one client message, each as its own chunk of bytes (Windows sends the
    /// queued data one fragment at a time).
    fn message_fragments(&self, message_type: MessageType, pid: Uuid, data: &str) -> Vec<Vec<u8>> {
        let m = Message {
            destination: Destination::Server,
            message_type,
            rpid: self.pool,
            pid,
            data: data.as_bytes().to_vec(),
        };
        let oid = self.next_oid.fetch_add(1, Ordering::Relaxed);
        fragment(oid, &m.to_bytes(), self.config.fragment_blob)
            .iter()
            .map(|f| f.to_bytes())
            .collect()
    }

    async fn post(
        &self,
        action: &str,
        shell: bool,
        options: &[(&str, &str, bool)],
        extra: &str,
        body: &str,
    ) -> Result<(ResponseSummary, String)> {
        let message_id = format!("uuid:{}", upper(Uuid::new_v4()));
        let header = Header {
            to: &self.endpoint,
            action,
            message_id: &message_id,
            session_id: &self.session_id,
            sequence: self.sequence.fetch_add(1, Ordering::Relaxed),
            max_envelope: self.config.max_envelope,
            operation_timeout_s: self.config.operation_timeout_s,
            shell_id: shell.then_some(self.shell_id.as_str()),
            options,
            extra,
        };
        let request = envelope::envelope(&header, body);
        let kept = self.config.keep_exchanges.then(|| request.clone());
        let response = self
            .http
            .post(&self.endpoint)
            .basic_auth(&self.config.user, Some(&self.config.password))
            .header("Content-Type", "application/soap+xml;charset=UTF-8")
            .body(request)
            .send()
            .await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        if let Some(request) = kept {
            if let Ok(mut log) = self.log.lock() {
                log.push(Exchange {
                    action: action.to_owned(),
                    request,
                    status,
                    response: text.clone(),
                });
            }
        }
        if status == 401 {
            return Err(WinClientError::Fault {
                status,
                code: None,
                message: "Access is denied.".into(),
            });
        }
        let summary = summarize(&text)?;
        if status != 200 || summary.fault_code.is_some() {
            return Err(WinClientError::Fault {
                status,
                code: summary.fault_code,
                message: summary.fault_message.unwrap_or_default(),
            });
        }
        if summary.relates_to.as_deref() != Some(message_id.as_str()) {
            return rejected(format!(
                "RelatesTo {:?} does not echo MessageID {message_id}",
                summary.relates_to
            ));
        }
        Ok((summary, text))
    }

    /// One Send on `stdin`: the stream buffer compressed on its own when the shell asked for
    /// compression.
    async fn send(&self, command_id: Option<&str>, data: &[u8]) -> Result<()> {
        let payload = if self.config.compression {
            xpress::frame(data, self.config.chunk_mode)
        } else {
            data.to_vec()
        };
        let attr = command_id
            .map(|c| format!(" CommandId=\"{c}\""))
            .unwrap_or_default();
        let body = format!(
            "<rsp:Send xmlns:rsp=\"{}\"><rsp:Stream Name=\"stdin\"{attr}>{}</rsp:Stream></rsp:Send>",
            envelope::SHELL_NS,
            b64(&payload)
        );
        self.post(envelope::ACTION_SEND, true, &[], "", &body)
            .await?;
        Ok(())
    }

    /// Checks one Stream the way the WinRM client reads it: chunk-framed when compression was
    /// negotiated, and exactly one whole fragment inside.
    fn unpack_stream(&self, name: &str, data: &[u8]) -> Result<Vec<u8>> {
        if name != "stdout" {
            return rejected(format!("stream {name:?} was not asked for"));
        }
        let plain = if self.config.compression {
            compression::decode(data)?
        } else {
            data.to_vec()
        };
        let fragments = parse_fragments(&plain)?;
        let whole: usize = fragments.iter().map(|f| f.encoded_len()).sum();
        if fragments.len() != 1 || whole != plain.len() {
            return rejected(format!(
                "a Stream holds {} fragments ({whole} of {} bytes); Windows expects exactly one",
                fragments.len(),
                plain.len()
            ));
        }
        Ok(plain)
    }

    async fn receive(&self, command_id: Option<&str>) -> Result<ResponseSummary> {
        let attr = command_id
            .map(|c| format!(" CommandId=\"{c}\""))
            .unwrap_or_default();
        let body = format!(
            "<rsp:Receive xmlns:rsp=\"{}\" SequenceId=\"0\"><rsp:DesiredStream{attr}>stdout</rsp:DesiredStream></rsp:Receive>",
            envelope::SHELL_NS
        );
        let options = [("WSMAN_CMDSHELL_OPTION_KEEPALIVE", "TRUE", false)];
        let (summary, _) = self
            .post(envelope::ACTION_RECEIVE, true, &options, "", &body)
            .await?;
        Ok(summary)
    }

    /// New-PSSession: Create with the first fragment in creationXml, the rest by Send on
    /// stdin without CommandId, then pool Receives until the pool is Opened.
    pub async fn open(&self) -> Result<OpenedPool> {
        let mut chunks = self.message_fragments(
            MessageType::SESSION_CAPABILITY,
            Uuid::nil(),
            &messages::session_capability(),
        );
        chunks.extend(self.message_fragments(
            MessageType::INIT_RUNSPACEPOOL,
            Uuid::nil(),
            &messages::init_runspace_pool(),
        ));
        let mut chunks = chunks.into_iter();
        let first = chunks.next().unwrap_or_default();
        let body = format!(
            "<rsp:Shell xmlns:rsp=\"{}\" Name=\"WinRM1\" ShellId=\"{}\"><rsp:InputStreams>stdin pr</rsp:InputStreams>\
             <rsp:OutputStreams>stdout</rsp:OutputStreams><creationXml xmlns=\"http://schemas.microsoft.com/powershell\">{}</creationXml></rsp:Shell>",
            envelope::SHELL_NS,
            self.shell_id,
            b64(&first)
        );
        let extra = if self.config.compression {
            envelope::compression_header()
        } else {
            String::new()
        };
        let options = [("protocolversion", "2.3", true)];
        let (created, text) = self
            .post(envelope::ACTION_CREATE, false, &options, &extra, &body)
            .await?;
        if created.shell_id.as_deref() != Some(self.shell_id.as_str()) {
            return rejected(format!(
                "CreateResponse SelectorSet names {:?}, not {}",
                created.shell_id, self.shell_id
            ));
        }
        let timeout = |name: &str| -> Result<Option<u64>> {
            match checks::element_texts(&text, name).first() {
                Some(t) => Ok(Some(checks::idle_timeout_ms(t)?)),
                None => Ok(None),
            }
        };
        let idle_timeout_ms = timeout("IdleTimeOut")?;
        let max_idle_timeout_ms = timeout("MaxIdleTimeOut")?;
        let send_rest = async {
            for chunk in chunks {
                self.send(None, &chunk).await?;
            }
            Ok::<(), WinClientError>(())
        };
        let mut early = None;
        if self.config.concurrent_first_receive {
            let (received, sent) = tokio::join!(self.receive(None), send_rest);
            sent?;
            early = Some(received?);
        } else {
            send_rest.await?;
        }

        let mut opened = None;
        let mut server_version = None;
        let mut receives = 0;
        while opened.is_none() {
            receives += 1;
            if receives > 10 {
                return rejected("the pool never reached Opened");
            }
            let r = match early.take() {
                Some(r) => r,
                None => self.receive(None).await?,
            };
            if r.command_state.is_some() {
                return rejected("a pool Receive carried CommandState");
            }
            for m in self.pool_messages(&r)? {
                let value = m.value()?;
                match m.message_type {
                    MessageType::SESSION_CAPABILITY => checks::negotiate(&value)?,
                    MessageType::APPLICATION_PRIVATE_DATA => {
                        server_version = Some(checks::server_version(&value)?);
                    }
                    MessageType::RUNSPACEPOOL_STATE => {
                        opened = value
                            .as_obj()
                            .and_then(|o| o.get("RunspaceState"))
                            .and_then(Value::as_i64);
                    }
                    t if !t.is_known() => return rejected(format!("unknown message {t:?}")),
                    _ => {}
                }
            }
        }
        if opened != Some(2) {
            return rejected(format!("RunspaceState {opened:?} instead of Opened"));
        }
        let Some(server_version) = server_version else {
            return rejected("no APPLICATION_PRIVATE_DATA before the pool opened");
        };
        Ok(OpenedPool {
            shell_id: self.shell_id.clone(),
            idle_timeout_ms,
            max_idle_timeout_ms,
            server_version,
            receives,
        })
    }

    fn pool_messages(&self, r: &ResponseSummary) -> Result<Vec<Message>> {
        let mut out = Vec::new();
        for s in &r.streams {
            let plain = self.unpack_stream(&s.name, &s.data)?;
            let mut defrag = self
                .pool_defrag
                .lock()
                .map_err(|_| Rejection("pool defragmenter poisoned".into()))?;
            for m in defrag.push_packet(&plain)? {
                out.push(Message::parse(&m.message)?);
            }
        }
        Ok(out)
    }

    /// One parked pool Receive (what the WinRM client keeps outstanding between commands).
    /// Returns the number of fragments it carried; a TimedOut fault is `Ok(0)`.
    pub async fn pool_receive(&self) -> Result<usize> {
        match self.receive(None).await {
            Ok(r) => Ok(self.pool_messages(&r)?.len()),
            Err(WinClientError::Fault {
                code: Some(2_150_858_793),
                ..
            }) => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Starts a pipeline: Command with the first fragment in Arguments and the command text
    /// in `rsp:Command` (history), the rest by Send with the CommandId.
    async fn start(
        &self,
        message_type: MessageType,
        data: &str,
        history: &str,
    ) -> Result<(Uuid, String)> {
        let pid = Uuid::new_v4();
        let command_id = upper(pid);
        let mut chunks = self.message_fragments(message_type, pid, data).into_iter();
        let first = chunks.next().unwrap_or_default();
        let body = format!(
            "<rsp:CommandLine xmlns:rsp=\"{}\" CommandId=\"{command_id}\"><rsp:Command>{}</rsp:Command>\
             <rsp:Arguments>{}</rsp:Arguments></rsp:CommandLine>",
            envelope::SHELL_NS,
            envelope::xml_escape(history),
            b64(&first)
        );
        let options = [("WINRS_SKIP_CMD_SHELL", "FALSE", false)];
        let (r, _) = self
            .post(envelope::ACTION_COMMAND, true, &options, "", &body)
            .await?;
        if r.command_id.as_deref() != Some(command_id.as_str()) {
            return rejected(format!(
                "CommandResponse id {:?} is not {command_id}",
                r.command_id
            ));
        }
        for chunk in chunks {
            self.send(Some(&command_id), &chunk).await?;
        }
        Ok((pid, command_id))
    }

    /// Receives on a command until CommandState Done (then stops, as WinRM does), and
    /// closes the command with Terminate.
    async fn finish(&self, command_id: &str) -> Result<PipelineRun> {
        let mut run = PipelineRun {
            command_id: command_id.to_owned(),
            ..Default::default()
        };
        let mut defrag = Defragmenter::default();
        let mut final_seen = None;
        loop {
            if run.receives >= 500 {
                return rejected("CommandState never became Done");
            }
            let r = self.receive(Some(command_id)).await?;
            run.receives += 1;
            for s in &r.streams {
                let plain = self.unpack_stream(&s.name, &s.data)?;
                run.streams += 1;
                for m in defrag.push_packet(&plain)? {
                    let m = Message::parse(&m.message)?;
                    if final_seen.is_some() {
                        return rejected("data after the final PIPELINE_STATE");
                    }
                    if !m.message_type.is_known() {
                        return rejected(format!("unknown message {:?}", m.message_type));
                    }
                    final_seen = final_state(&m);
                    match m.message_type {
                        MessageType::PIPELINE_OUTPUT => run.outputs.push(m.value()?),
                        MessageType::ERROR_RECORD => run.errors.push(m.value()?),
                        _ => {}
                    }
                    run.messages.push(m);
                }
            }
            match r.command_state {
                Some(CommandState::Done { .. }) => {
                    run.done_at = Some(Instant::now());
                    let Some(state) = final_seen else {
                        return rejected("CommandState Done before the final PIPELINE_STATE");
                    };
                    if !defrag.is_idle() {
                        return rejected("CommandState Done with a message still incomplete");
                    }
                    run.state = state;
                    break;
                }
                Some(CommandState::Running) => run.running_states += 1,
                None => return rejected("a command Receive without CommandState"),
            }
        }
        self.signal(command_id, envelope::SIGNAL_TERMINATE).await?;
        Ok(run)
    }

    pub async fn signal(&self, command_id: &str, code: &str) -> Result<()> {
        let body = format!(
            "<rsp:Signal xmlns:rsp=\"{}\" CommandId=\"{command_id}\"><rsp:Code>{code}</rsp:Code></rsp:Signal>",
            envelope::SHELL_NS
        );
        self.post(envelope::ACTION_SIGNAL, true, &[], "", &body)
            .await?;
        Ok(())
    }

    /// An implicit-remoting call (`Invoke-Command` under an imported proxy function):
    /// NoInput=false, the pipeline input, then END_OF_PIPELINE_INPUT by Send.
    pub async fn invoke(&self, commands: &[Cmd], input: &[Value]) -> Result<PipelineRun> {
        let history = commands
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(" | ");
        let (pid, command_id) = self
            .start(
                MessageType::CREATE_PIPELINE,
                &messages::create_pipeline(commands, false),
                &history,
            )
            .await?;
        for value in input {
            let data = exomig_codec::clixml::to_clixml(value);
            for chunk in self.message_fragments(MessageType::PIPELINE_INPUT, pid, &data) {
                self.send(Some(&command_id), &chunk).await?;
            }
        }
        for chunk in self.message_fragments(MessageType::END_OF_PIPELINE_INPUT, pid, "") {
            self.send(Some(&command_id), &chunk).await?;
        }
        self.finish(&command_id).await
    }

    /// A call without pipeline input (NoInput=true, as pypsrp and `Invoke-Command -Session`
    /// send it): Command, then Receive until Done; no Send at all when the command fits the
    /// first fragment.
    pub async fn run(&self, commands: &[Cmd]) -> Result<PipelineRun> {
        let history = commands
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(" | ");
        let (_, command_id) = self
            .start(
                MessageType::CREATE_PIPELINE,
                &messages::create_pipeline(commands, true),
                &history,
            )
            .await?;
        self.finish(&command_id).await
    }

    /// Starts an implicit-remoting call whose input stays open (a proxy function waiting on
    /// pipeline input); returns the CommandId.
    pub async fn begin(&self, commands: &[Cmd]) -> Result<String> {
        let (_, command_id) = self
            .start(
                MessageType::CREATE_PIPELINE,
                &messages::create_pipeline(commands, false),
                " ",
            )
            .await?;
        Ok(command_id)
    }

    /// Ctrl+C on a running call: PowerShell's `crtl_c` signal, then Receive until Done.
    pub async fn stop(&self, command_id: &str) -> Result<PipelineRun> {
        self.signal(command_id, envelope::SIGNAL_CRTL_C).await?;
        self.finish(command_id).await
    }

    /// Import-PSSession: GET_COMMAND_METADATA, `Get-FormatData | Measure-Object`, then
    /// `Get-FormatData` (a terminating failure there aborts the import).
    pub async fn import_pssession(&self, server_version: &str) -> Result<ImportedSession> {
        let (_, command_id) = self
            .start(
                MessageType::GET_COMMAND_METADATA,
                &messages::get_command_metadata(&["*"]),
                " ",
            )
            .await?;
        let metadata = self.finish(&command_id).await?;
        if metadata.state != 4 {
            return rejected(format!(
                "GET_COMMAND_METADATA ended in state {}",
                metadata.state
            ));
        }
        let commands = checks::rehydrate_metadata(&metadata.outputs)?;

        let passed_powershell_version = checks::at_least_5_1(server_version);
        let format_data = || {
            let mut c = Cmd::new("Get-FormatData").arg("TypeName", Value::str("*"));
            if passed_powershell_version {
                c = c.arg(
                    "PowerShellVersion",
                    Value::Version(CLIENT_PS_VERSION.into()),
                );
            }
            c
        };
        // Progress only: any failure here is caught by the client.
        let counted = self
            .invoke(&[format_data(), Cmd::new("Measure-Object")], &[])
            .await?;
        let format_count = counted
            .outputs
            .first()
            .and_then(Value::as_obj)
            .and_then(|o| o.get("Count"))
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let formats = self.invoke(&[format_data()], &[]).await?;
        if formats.state != 4 {
            return rejected(format!("Get-FormatData ended in state {}", formats.state));
        }
        Ok(ImportedSession {
            commands,
            format_count,
            format_objects: formats.outputs.len(),
            passed_powershell_version,
        })
    }

    /// Remove-PSSession: Delete with the ShellId selector.
    pub async fn close(&self) -> Result<()> {
        let (r, _) = self
            .post(envelope::ACTION_DELETE, true, &[], "", "")
            .await?;
        if !r.action.ends_with("DeleteResponse") {
            return rejected(format!("Delete answered with {}", r.action));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::windows_endpoint;

    #[test]
    fn psversion_is_appended_like_wsmantransportmanager() {
        assert_eq!(
            windows_endpoint("https://h/PowerShell-LiveID/"),
            "https://h/PowerShell-LiveID?PSVersion=5.1.19041.1"
        );
        assert_eq!(
            windows_endpoint("https://h/PowerShell-LiveID/?BasicAuthToOAuthConversion=true"),
            "https://h/PowerShell-LiveID?BasicAuthToOAuthConversion=true;PSVersion=5.1.19041.1"
        );
    }
}
