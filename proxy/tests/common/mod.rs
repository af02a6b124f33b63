//! A minimal WS-Man/PSRP client for driving the proxy in-process, built on the codec.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use exomig_codec::clixml::{from_clixml, to_clixml, Container, PsObject, Value};
use exomig_codec::psrp::{fragment, Defragmenter, Destination, Message, MessageType};
use exomig_emulator::{EmulatorConfig, RunningEmulator, TEST_PASSWORD, TEST_USER};
use exomig_proxy::config::ProxyConfig;
use exomig_proxy::upstream_backend::UpstreamBackend;
use exomig_proxy::{App, Server};
use tokio::sync::oneshot;
use uuid::Uuid;

pub const RESOURCE: &str = "http://schemas.microsoft.com/powershell/Microsoft.Exchange";
pub const ACTION_CREATE: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create";
pub const ACTION_DELETE: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete";
pub const ACTION_COMMAND: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command";
pub const ACTION_SEND: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send";
pub const ACTION_RECEIVE: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive";
pub const ACTION_SIGNAL: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal";
pub const CODE_INVALID_SELECTORS: &str = "2150858843";
pub const CODE_TIMED_OUT: &str = "2150858793";

/// An emulator and an in-process proxy in front of it.
pub struct Stack {
    pub emulator: RunningEmulator,
    pub proxy_url: String,
    pub app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Stack {
    pub async fn start(emulator: EmulatorConfig, tweak: impl FnOnce(&mut ProxyConfig)) -> Self {
        let emulator = exomig_emulator::spawn(emulator)
            .await
            .expect("emulator starts");
        let base = emulator.base_url();
        let mut config = ProxyConfig::new("127.0.0.1:0".parse().expect("addr"));
        config.upstream = Some(base.clone());
        config.authority = Some(base);
        config.tenant = Some("contoso.onmicrosoft.com".into());
        tweak(&mut config);
        let backend = Arc::new(UpstreamBackend::new(&config).expect("backend"));
        let app = App::new(config, None, backend);
        let server = Server::bind(app.clone()).await.expect("bind");
        let addr = server.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        Self {
            emulator,
            proxy_url: format!("http://{addr}/PowerShell-LiveID"),
            app,
            stop: Some(tx),
            server: Some(handle),
        }
    }

    /// The emulator's test tenant and the proxy's defaults.
    pub async fn start_default() -> Self {
        Self::start(EmulatorConfig::for_tests(), |_| {}).await
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(15), h).await;
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.proxy_url, TEST_USER, TEST_PASSWORD)
    }
}

/// One WS-Man client (one identity), with its own HTTP connection pool.
pub struct Client {
    pub url: String,
    pub user: String,
    pub password: String,
    pub http: reqwest::Client,
    pub max_envelope: usize,
    /// Extra SOAP header elements (e.g. `rsp:CompressionType`).
    pub extra_headers: String,
    next_oid: u64,
}

pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn is_fault_code(&self, code: &str) -> bool {
        self.status == 500 && self.body.contains(&format!("Code=\"{code}\""))
    }

    /// Decoded contents of every `rsp:Stream` element, in order.
    pub fn streams(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(start) = rest.find("<rsp:Stream ") {
            let after = &rest[start..];
            let Some(open_end) = after.find('>') else {
                break;
            };
            let Some(close) = after.find("</rsp:Stream>") else {
                break;
            };
            let b64 = &after[open_end + 1..close];
            out.push(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .expect("base64 stream"),
            );
            rest = &after[close..];
        }
        out
    }

    pub fn command_done(&self) -> bool {
        self.body.contains("CommandState/Done")
    }
}

impl Client {
    pub fn new(url: &str, user: &str, password: &str) -> Self {
        Self {
            url: url.to_owned(),
            user: user.to_owned(),
            password: password.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("http client"),
            max_envelope: 153_600,
            extra_headers: String::new(),
            next_oid: 1,
        }
    }

    /// Sends from `ip` (any 127.0.0.0/8 address reaches a loopback listener on Linux), so
    /// that tests can act as distinct clients.
    pub fn with_local_address(mut self, ip: std::net::IpAddr) -> Self {
        self.http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .local_address(ip)
            .build()
            .expect("http client");
        self
    }

    pub fn envelope(
        &self,
        action: &str,
        shell: Option<&str>,
        message_id: &str,
        timeout_s: u32,
        body: &str,
    ) -> String {
        let selector = shell
            .map(|s| format!("<wsman:SelectorSet><wsman:Selector Name=\"ShellId\">{s}</wsman:Selector></wsman:SelectorSet>"))
            .unwrap_or_default();
        format!(
            "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" \
             xmlns:wsman=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" xmlns:rsp=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell\">\
             <s:Header><wsa:Action s:mustUnderstand=\"true\">{action}</wsa:Action>\
             <wsman:MaxEnvelopeSize s:mustUnderstand=\"true\">{max}</wsman:MaxEnvelopeSize>\
             <wsa:MessageID>{message_id}</wsa:MessageID><wsman:OperationTimeout>PT{timeout_s}S</wsman:OperationTimeout>\
             <wsa:ReplyTo><wsa:Address s:mustUnderstand=\"true\">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:Address></wsa:ReplyTo>\
             <wsman:ResourceURI s:mustUnderstand=\"true\">{RESOURCE}</wsman:ResourceURI><wsa:To>{url}</wsa:To>{selector}{extra}</s:Header>\
             <s:Body>{body}</s:Body></s:Envelope>",
            max = self.max_envelope,
            url = self.url,
            extra = self.extra_headers,
        )
    }

    pub async fn post(&self, xml: String) -> Reply {
        let r = self
            .http
            .post(&self.url)
            .basic_auth(&self.user, Some(&self.password))
            .header("Content-Type", "application/soap+xml;charset=UTF-8")
            .body(xml)
            .send()
            .await
            .expect("request sent");
        let status = r.status().as_u16();
        Reply {
            status,
            body: r.text().await.expect("body"),
        }
    }

    pub async fn op(&self, action: &str, shell: Option<&str>, body: &str) -> Reply {
        let id = format!(
            "uuid:{}",
            Uuid::new_v4().hyphenated().to_string().to_uppercase()
        );
        self.post(self.envelope(action, shell, &id, 20, body)).await
    }

    /// Client→server message bytes, fragmented.
    pub fn fragments(
        &mut self,
        message_type: MessageType,
        rpid: Uuid,
        pid: Uuid,
        data: &str,
    ) -> Vec<u8> {
        let m = Message {
            destination: Destination::Server,
            message_type,
            rpid,
            pid,
            data: data.as_bytes().to_vec(),
        };
        let oid = self.next_oid;
        self.next_oid += 1;
        fragment(oid, &m.to_bytes(), 32 * 1024)
            .iter()
            .flat_map(|f| f.to_bytes())
            .collect()
    }

    /// Creates a shell whose creationXml opens a runspace pool; returns the ShellId.
    pub async fn create_pool(&mut self) -> (String, Reply) {
        let id = Uuid::new_v4();
        let mut data = self.fragments(
            MessageType::SESSION_CAPABILITY,
            id,
            Uuid::nil(),
            &session_capability(),
        );
        data.extend(self.fragments(
            MessageType::INIT_RUNSPACEPOOL,
            id,
            Uuid::nil(),
            &init_runspace_pool(),
        ));
        let shell_id = id.hyphenated().to_string().to_uppercase();
        let reply = self
            .op(ACTION_CREATE, None, &shell_body(&shell_id, &data))
            .await;
        (shell_id, reply)
    }

    pub async fn receive(&self, shell: &str, command_id: Option<&str>, timeout_s: u32) -> Reply {
        let attr = command_id
            .map(|c| format!(" CommandId=\"{c}\""))
            .unwrap_or_default();
        let body = format!(
            "<rsp:Receive><rsp:DesiredStream{attr}>stdout</rsp:DesiredStream></rsp:Receive>"
        );
        let id = format!("uuid:{}", Uuid::new_v4());
        self.post(self.envelope(ACTION_RECEIVE, Some(shell), &id, timeout_s, &body))
            .await
    }

    /// Sends CREATE_PIPELINE for one command; returns the CommandId.
    pub async fn command(
        &mut self,
        shell: &str,
        pool: Uuid,
        commands: &[CommandSpec<'_>],
        no_input: bool,
    ) -> (String, Reply) {
        let pid = Uuid::new_v4();
        let data = self.fragments(
            MessageType::CREATE_PIPELINE,
            pool,
            pid,
            &create_pipeline(commands, no_input),
        );
        let cid = pid.hyphenated().to_string().to_uppercase();
        let body = format!(
            "<rsp:CommandLine CommandId=\"{cid}\"><rsp:Command></rsp:Command><rsp:Arguments>{}</rsp:Arguments></rsp:CommandLine>",
            base64::engine::general_purpose::STANDARD.encode(data)
        );
        let reply = self.op(ACTION_COMMAND, Some(shell), &body).await;
        (cid, reply)
    }

    pub async fn signal(&self, shell: &str, command_id: &str, code: &str) -> Reply {
        let body = format!(
            "<rsp:Signal CommandId=\"{command_id}\"><rsp:Code>{code}</rsp:Code></rsp:Signal>"
        );
        self.op(ACTION_SIGNAL, Some(shell), &body).await
    }

    /// Receives on a command until Done; returns the decoded messages.
    pub async fn drain(&self, shell: &str, command_id: &str) -> (Vec<Message>, Vec<Reply>) {
        let mut defrag = Defragmenter::default();
        let mut messages = Vec::new();
        let mut replies = Vec::new();
        for _ in 0..200 {
            let r = self.receive(shell, Some(command_id), 20).await;
            assert_eq!(r.status, 200, "receive failed: {}", r.body);
            for s in r.streams() {
                for m in defrag.push_packet(&s).expect("fragments") {
                    messages.push(Message::parse(&m.message).expect("message"));
                }
            }
            let done = r.command_done();
            replies.push(r);
            if done {
                return (messages, replies);
            }
        }
        panic!("command never finished");
    }
}

/// A command name and its (name or positional, value) arguments.
pub type CommandSpec<'a> = (&'a str, Vec<(Option<&'a str>, Value)>);

/// The `rsp:Shell` body of a Create whose creationXml carries `creation` (PSRP fragments).
pub fn shell_body(shell_id: &str, creation: &[u8]) -> String {
    format!(
        "<rsp:Shell ShellId=\"{shell_id}\"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams>\
         <creationXml xmlns=\"http://schemas.microsoft.com/powershell\">{}</creationXml></rsp:Shell>",
        base64::engine::general_purpose::STANDARD.encode(creation)
    )
}

pub fn pool_id(shell_id: &str) -> Uuid {
    Uuid::parse_str(shell_id).expect("shell id is a GUID")
}

fn ms(props: Vec<(&str, Value)>) -> PsObject {
    let mut o = PsObject::default();
    for (n, v) in props {
        o.push_extended(n, v);
    }
    o
}

fn list(items: Vec<Value>) -> Value {
    let mut o = PsObject::with_types(["System.Collections.ArrayList", "System.Object"]);
    o.container = Some(Container::List(items));
    Value::obj(o)
}

pub fn session_capability() -> String {
    to_clixml(&Value::obj(ms(vec![
        ("protocolversion", Value::Version("2.3".into())),
        ("PSVersion", Value::Version("2.0".into())),
        ("SerializationVersion", Value::Version("1.1.0.1".into())),
    ])))
}

pub fn init_runspace_pool() -> String {
    to_clixml(&Value::obj(ms(vec![
        ("MinRunspaces", Value::I32(1)),
        ("MaxRunspaces", Value::I32(1)),
        (
            "HostInfo",
            Value::obj(ms(vec![("_isHostNull", Value::Bool(true))])),
        ),
        ("ApplicationArguments", Value::Nil),
    ])))
}

pub fn create_pipeline(commands: &[CommandSpec<'_>], no_input: bool) -> String {
    let cmds = commands
        .iter()
        .map(|(name, args)| {
            let args = args
                .iter()
                .map(|(n, v)| {
                    Value::obj(ms(vec![
                        ("N", n.map_or(Value::Nil, Value::str)),
                        ("V", v.clone()),
                    ]))
                })
                .collect();
            Value::obj(ms(vec![
                ("Cmd", Value::str(*name)),
                ("IsScript", Value::Bool(false)),
                ("UseLocalScope", Value::Nil),
                ("Args", list(args)),
            ]))
        })
        .collect();
    let powershell = ms(vec![
        ("IsNested", Value::Bool(false)),
        ("ExtraCmds", Value::Nil),
        ("Cmds", list(cmds)),
        ("History", Value::Nil),
        ("RedirectShellErrorOutputPipe", Value::Bool(false)),
    ]);
    to_clixml(&Value::obj(ms(vec![
        ("NoInput", Value::Bool(no_input)),
        ("AddToHistory", Value::Bool(false)),
        ("IsNested", Value::Bool(false)),
        ("PowerShell", Value::obj(powershell)),
    ])))
}

/// The `PipelineState` of a PIPELINE_STATE message.
pub fn pipeline_state(m: &Message) -> Option<i64> {
    let v = from_clixml(m.text().ok()?).ok()?;
    v.as_obj()?.get("PipelineState")?.as_i64()
}

pub fn count_type(messages: &[Message], t: MessageType) -> usize {
    messages.iter().filter(|m| m.message_type == t).count()
}
