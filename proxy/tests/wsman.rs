//! The proxy in-process against the emulator, driven with raw WS-Management requests.

mod common;

use std::io::{Read as _, Write as _};
use std::time::Duration;

use common::*;
use exomig_codec::clixml::{from_clixml, Value};
use exomig_codec::psrp::{Defragmenter, Message, MessageType};
use exomig_emulator::{EmulatorConfig, Seed};
use uuid::Uuid;

fn decode_all(replies: &[&Reply]) -> Vec<Message> {
    let mut defrag = Defragmenter::default();
    let mut out = Vec::new();
    for r in replies {
        for s in r.streams() {
            for m in defrag.push_packet(&s).expect("fragments") {
                out.push(Message::parse(&m.message).expect("message"));
            }
        }
    }
    out
}

#[tokio::test]
async fn requests_without_valid_credentials_get_401_basic() {
    let stack = Stack::start_default().await;
    let http = reqwest::Client::new();
    let none = http
        .post(&stack.proxy_url)
        .body("<x/>")
        .send()
        .await
        .expect("sent");
    assert_eq!(none.status(), 401);
    let challenge = none
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(challenge.starts_with("Basic"), "{challenge}");
    let mut wrong = Client::new(
        &stack.proxy_url,
        exomig_emulator::TEST_USER,
        "not-the-password",
    );
    let (_, r) = wrong.create_pool().await;
    assert_eq!(r.status, 401, "Create with a wrong password: {}", r.body);
    // Health endpoints need no credentials; routing ignores case and a trailing slash.
    let base = stack.proxy_url.trim_end_matches("/PowerShell-LiveID");
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .expect("sent")
            .status(),
        200
    );
    assert_eq!(
        http.get(format!("{base}/readyz"))
            .send()
            .await
            .expect("sent")
            .status(),
        200
    );
    let lower = http
        .post(format!("{base}/powershell-liveid/?PSVersion=5.1"))
        .send()
        .await
        .expect("sent");
    assert_eq!(lower.status(), 401);
    assert_eq!(
        http.post(format!("{base}/elsewhere"))
            .send()
            .await
            .expect("sent")
            .status(),
        404
    );
    stack.stop().await;
}

#[tokio::test]
async fn oversized_body_is_413_and_the_connection_stays_usable() {
    let stack = Stack::start(EmulatorConfig::for_tests(), |c| c.max_body = 64 * 1024).await;
    let addr = stack
        .proxy_url
        .trim_start_matches("http://")
        .trim_end_matches("/PowerShell-LiveID")
        .to_owned();
    let body = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let big = vec![b'x'; 200 * 1024];
        let head = format!(
            "POST /PowerShell-LiveID HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n",
            big.len()
        );
        s.write_all(head.as_bytes()).expect("head");
        s.write_all(&big).expect("body");
        let first = read_response(&mut s);
        s.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
            .expect("second");
        let second = read_response(&mut s);
        (first, second)
    })
    .await
    .expect("join");
    assert!(body.0.starts_with("HTTP/1.1 413"), "{}", body.0);
    assert!(
        body.1.starts_with("HTTP/1.1 200"),
        "same connection answers again: {}",
        body.1
    );
    stack.stop().await;
}

/// Reads one HTTP/1.1 response with a Content-Length body.
fn read_response(s: &mut std::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).expect("read") == 0 {
            break;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).expect("body");
    head + &String::from_utf8_lossy(&body)
}

#[tokio::test]
async fn pool_opens_and_a_cmdlet_runs_over_raw_wsman() {
    let stack = Stack::start_default().await;
    let mut c = stack.client();
    let (shell, created) = c.create_pool().await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(
        created.body.contains(&format!(
            "<w:Selector Name=\"ShellId\">{shell}</w:Selector>"
        )),
        "{}",
        created.body
    );
    assert!(
        created
            .body
            .contains("<rsp:IdleTimeOut>PT900.000S</rsp:IdleTimeOut>"),
        "{}",
        created.body
    );

    // RelatesTo echoes the MessageID byte for byte, whatever its casing.
    let odd_id = "uuid:abcDEF01-2345-6789-abcd-ef0123456789";
    let opened = c
        .post(c.envelope(
            ACTION_RECEIVE,
            Some(&shell),
            odd_id,
            20,
            "<rsp:Receive><rsp:DesiredStream>stdout</rsp:DesiredStream></rsp:Receive>",
        ))
        .await;
    assert!(
        opened
            .body
            .contains(&format!("<a:RelatesTo>{odd_id}</a:RelatesTo>")),
        "{}",
        opened.body
    );
    let messages = decode_all(&[&opened]);
    let types: Vec<MessageType> = messages.iter().map(|m| m.message_type).collect();
    assert_eq!(
        types,
        vec![
            MessageType::SESSION_CAPABILITY,
            MessageType::APPLICATION_PRIVATE_DATA,
            MessageType::RUNSPACEPOOL_STATE
        ]
    );
    assert!(
        messages[0].rpid.is_nil(),
        "first SESSION_CAPABILITY carries an all-zero RPID"
    );
    let cap = messages[0].text().expect("utf8");
    assert!(
        cap.contains(">2.0</Version>")
            && cap.contains(">1.1.0.1</Version>")
            && cap.contains(">2.3</Version>"),
        "{cap}"
    );
    assert!(!messages[1].text().expect("utf8").contains("DebugMode"));
    assert!(messages[1].text().expect("utf8").contains("PSVersionTable"));

    let (cid, cmd) = c
        .command(
            &shell,
            pool_id(&shell),
            &[("Get-AcceptedDomain", vec![])],
            true,
        )
        .await;
    assert!(
        cmd.body
            .contains(&format!("<rsp:CommandId>{cid}</rsp:CommandId>")),
        "{}",
        cmd.body
    );
    let (out, replies) = c.drain(&shell, &cid).await;
    assert!(count_type(&out, MessageType::PIPELINE_OUTPUT) >= 1);
    let last = out.last().expect("messages");
    assert_eq!(last.message_type, MessageType::PIPELINE_STATE);
    assert_eq!(pipeline_state(last), Some(4));
    assert!(replies.last().is_some_and(Reply::command_done));
    let domain = from_clixml(out[0].text().expect("utf8")).expect("clixml");
    let obj = domain.as_obj().expect("object");
    assert!(
        obj.type_names[0].ends_with("AcceptedDomain"),
        "{:?}",
        obj.type_names
    );
    assert_eq!(
        obj.get("DomainName").and_then(Value::as_str),
        Some("contoso.onmicrosoft.com")
    );

    let term = c
        .signal(
            &shell,
            &cid,
            "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate",
        )
        .await;
    assert_eq!(term.status, 200);
    // A Terminate for a command that is already gone still succeeds.
    let again = c
        .signal(
            &shell,
            &cid,
            "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate",
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let gone = c.receive(&shell, Some(&cid), 5).await;
    assert!(gone.is_fault_code(CODE_INVALID_SELECTORS), "{}", gone.body);
    let deleted = c.op(ACTION_DELETE, Some(&shell), "").await;
    assert_eq!(deleted.status, 200);
    assert!(deleted.body.contains("DeleteResponse"));
    stack.stop().await;
}

#[tokio::test]
async fn an_idle_pool_receive_times_out_with_the_wsman_fault() {
    let stack = Stack::start_default().await;
    let mut c = stack.client();
    let (shell, _) = c.create_pool().await;
    let first = c.receive(&shell, None, 20).await;
    assert_eq!(first.status, 200, "the open messages are waiting");
    let idle = c.receive(&shell, None, 1).await;
    assert!(idle.is_fault_code(CODE_TIMED_OUT), "{}", idle.body);
    assert!(idle.body.contains("w:TimedOut"));
    stack.stop().await;
}

#[tokio::test]
async fn another_users_shell_is_invisible() {
    let stack = Stack::start_default().await;
    let mut owner = stack.client();
    let (shell, _) = owner.create_pool().await;
    let token_url = format!("{}?BasicAuthToOAuthConversion=true", stack.proxy_url);
    let stranger = Client::new(&token_url, "someone", "Bearer some.other.token");
    let peek = stranger.receive(&shell, None, 2).await;
    assert!(peek.is_fault_code(CODE_INVALID_SELECTORS), "{}", peek.body);
    let delete = stranger.op(ACTION_DELETE, Some(&shell), "").await;
    assert!(
        delete.is_fault_code(CODE_INVALID_SELECTORS),
        "{}",
        delete.body
    );
    let still = owner.receive(&shell, None, 5).await;
    assert_eq!(
        still.status, 200,
        "the owner's shell survived: {}",
        still.body
    );
    stack.stop().await;
}

#[tokio::test]
async fn ctrl_c_stops_a_pipeline_waiting_for_input() {
    let stack = Stack::start_default().await;
    let mut c = stack.client();
    let (shell, _) = c.create_pool().await;
    c.receive(&shell, None, 5).await;
    let (cid, _) = c
        .command(&shell, pool_id(&shell), &[("Get-Mailbox", vec![])], false)
        .await;
    // PowerShell's own constant is misspelt `crtl_c`; both spellings stop the pipeline.
    let stop = c.signal(&shell, &cid, "powershell/signal/crtl_c").await;
    assert_eq!(stop.status, 200, "{}", stop.body);
    let (out, _) = c.drain(&shell, &cid).await;
    assert_eq!(out.last().and_then(pipeline_state), Some(3), "Stopped");
    assert_eq!(count_type(&out, MessageType::PIPELINE_OUTPUT), 0);
    stack.stop().await;
}

#[tokio::test]
async fn pipeline_input_then_end_of_input_runs_the_command() {
    let stack = Stack::start_default().await;
    let mut c = stack.client();
    let (shell, _) = c.create_pool().await;
    c.receive(&shell, None, 5).await;
    let pool = pool_id(&shell);
    let (cid, _) = c
        .command(&shell, pool, &[("Measure-Object", vec![])], false)
        .await;
    let pid = Uuid::parse_str(&cid).expect("guid");
    let mut data = Vec::new();
    for v in ["a", "b", "c"] {
        data.extend(c.fragments(
            MessageType::PIPELINE_INPUT,
            pool,
            pid,
            &format!("<S>{v}</S>"),
        ));
    }
    data.extend(c.fragments(MessageType::END_OF_PIPELINE_INPUT, pool, pid, ""));
    use base64::Engine as _;
    let body = format!(
        "<rsp:Send><rsp:Stream Name=\"stdin\" CommandId=\"{cid}\">{}</rsp:Stream></rsp:Send>",
        base64::engine::general_purpose::STANDARD.encode(data)
    );
    let sent = c.op(ACTION_SEND, Some(&shell), &body).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let (out, _) = c.drain(&shell, &cid).await;
    let measured = from_clixml(out[0].text().expect("utf8")).expect("clixml");
    assert_eq!(
        measured.as_obj().and_then(|o| o.get("Count")),
        Some(&Value::I32(3))
    );
    assert_eq!(out.last().and_then(pipeline_state), Some(4));
    stack.stop().await;
}

#[tokio::test]
async fn large_output_fits_the_client_envelope_and_reassembles() {
    let mut emulator = EmulatorConfig::for_tests();
    emulator.seed = Some(Seed::generated(400));
    let stack = Stack::start(emulator, |_| {}).await;
    let mut c = stack.client();
    let (shell, _) = c.create_pool().await;
    c.receive(&shell, None, 5).await;
    let (cid, _) = c
        .command(
            &shell,
            pool_id(&shell),
            &[(
                "Get-Mailbox",
                vec![(Some("ResultSize"), Value::str("Unlimited"))],
            )],
            true,
        )
        .await;
    let (out, replies) = c.drain(&shell, &cid).await;
    assert!(
        replies.len() > 1,
        "the output needs several ReceiveResponses"
    );
    for r in &replies {
        assert!(
            r.body.len() <= c.max_envelope,
            "{} bytes > MaxEnvelopeSize",
            r.body.len()
        );
    }
    for r in &replies[..replies.len() - 1] {
        assert!(
            r.body.contains("CommandState/Running"),
            "Running until the last batch"
        );
    }
    assert!(count_type(&out, MessageType::PIPELINE_OUTPUT) >= 400);
    assert_eq!(out.last().and_then(pipeline_state), Some(4));
    stack.stop().await;
}

#[tokio::test]
async fn a_parked_receive_does_not_block_other_requests_and_delete_releases_it() {
    let stack = Stack::start_default().await;
    let mut c = stack.client();
    let (shell, _) = c.create_pool().await;
    c.receive(&shell, None, 5).await;
    // A second client (its own connections) parks a pool Receive for up to 30 s.
    let parked_client = stack.client();
    let shell2 = shell.clone();
    let parked = tokio::spawn(async move { parked_client.receive(&shell2, None, 30).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (cid, _) = c
        .command(
            &shell,
            pool_id(&shell),
            &[("Get-AcceptedDomain", vec![])],
            true,
        )
        .await;
    let (out, _) = c.drain(&shell, &cid).await;
    assert_eq!(out.last().and_then(pipeline_state), Some(4));
    assert!(!parked.is_finished(), "the pool receive is still parked");
    let deleted = c.op(ACTION_DELETE, Some(&shell), "").await;
    assert_eq!(deleted.status, 200);
    let released = tokio::time::timeout(Duration::from_secs(10), parked)
        .await
        .expect("released")
        .expect("join");
    assert!(
        released.is_fault_code(CODE_INVALID_SELECTORS),
        "{}",
        released.body
    );
    stack.stop().await;
}

#[tokio::test]
async fn shell_quota_fault_and_unknown_actions() {
    let stack = Stack::start(EmulatorConfig::for_tests(), |c| c.max_shells_per_user = 1).await;
    let mut c = stack.client();
    let (_, first) = c.create_pool().await;
    assert_eq!(first.status, 200);
    let (_, second) = c.create_pool().await;
    assert!(second.is_fault_code("2150859173"), "{}", second.body);
    let garbage = c.post("<not-soap/>".into()).await;
    assert_eq!(garbage.status, 500);
    assert!(garbage.body.contains("s:Fault"), "{}", garbage.body);
    stack.stop().await;
}

/// Windows PowerShell puts only the first chunk of its PSRP data into creationXml and Command
/// Arguments; the rest follows by Send (psrp.md §2.5).
#[tokio::test]
async fn data_split_between_create_command_and_send_like_windows() {
    use base64::Engine as _;
    let stack = Stack::start_default().await;
    let mut c = stack.client();
    let pool = Uuid::new_v4();
    let shell = pool.hyphenated().to_string().to_uppercase();
    let cap = c.fragments(
        MessageType::SESSION_CAPABILITY,
        pool,
        Uuid::nil(),
        &session_capability(),
    );
    let init = c.fragments(
        MessageType::INIT_RUNSPACEPOOL,
        pool,
        Uuid::nil(),
        &init_runspace_pool(),
    );
    // Cut inside the INIT_RUNSPACEPOOL fragment: the tail arrives by Send without CommandId.
    let mut all = cap.clone();
    all.extend(&init);
    let cut = cap.len() + 30;
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    let create = shell_body(&shell, &all[..cut]);
    assert_eq!(c.op(ACTION_CREATE, None, &create).await.status, 200);
    let send = format!(
        "<rsp:Send><rsp:Stream Name=\"stdin\">{}</rsp:Stream></rsp:Send>",
        b64(&all[cut..])
    );
    assert_eq!(c.op(ACTION_SEND, Some(&shell), &send).await.status, 200);
    let opened = c.receive(&shell, None, 10).await;
    let messages = decode_all(&[&opened]);
    assert_eq!(
        messages.last().map(|m| m.message_type),
        Some(MessageType::RUNSPACEPOOL_STATE)
    );

    let pid = Uuid::new_v4();
    let cid = pid.hyphenated().to_string().to_uppercase();
    let data = c.fragments(
        MessageType::CREATE_PIPELINE,
        pool,
        pid,
        &create_pipeline(&[("Get-AcceptedDomain", vec![])], true),
    );
    let half = data.len() / 2;
    let command = format!(
        "<rsp:CommandLine CommandId=\"{cid}\"><rsp:Command> </rsp:Command><rsp:Arguments>{}</rsp:Arguments></rsp:CommandLine>",
        b64(&data[..half])
    );
    let r = c.op(ACTION_COMMAND, Some(&shell), &command).await;
    assert!(r.body.contains(&cid), "{}", r.body);
    let rest = format!(
        "<rsp:Send><rsp:Stream Name=\"stdin\" CommandId=\"{cid}\">{}</rsp:Stream></rsp:Send>",
        b64(&data[half..])
    );
    assert_eq!(c.op(ACTION_SEND, Some(&shell), &rest).await.status, 200);
    let (out, _) = c.drain(&shell, &cid).await;
    assert_eq!(out.last().and_then(pipeline_state), Some(4));
    assert!(count_type(&out, MessageType::PIPELINE_OUTPUT) >= 1);
    stack.stop().await;
}

/// A client that negotiates xpress compression sends chunk-framed Send data and gets
/// chunk-framed Receive data back.
#[tokio::test]
async fn xpress_compression_framing() {
    use base64::Engine as _;
    use exomig_codec::compression;
    let stack = Stack::start_default().await;
    let mut c = stack.client();
    c.extra_headers =
        "<rsp:CompressionType s:mustUnderstand=\"true\">xpress</rsp:CompressionType>".into();
    let (shell, created) = c.create_pool().await;
    assert!(created.body.contains("CompressionMode"), "{}", created.body);
    let opened = c.receive(&shell, None, 10).await;
    let framed = opened.streams();
    assert!(!framed.is_empty());
    let mut defrag = Defragmenter::default();
    let mut types = Vec::new();
    for s in framed {
        let plain = compression::decode(&s).expect("chunk framing");
        for m in defrag.push_packet(&plain).expect("fragments") {
            types.push(Message::parse(&m.message).expect("message").message_type);
        }
    }
    assert_eq!(types.last(), Some(&MessageType::RUNSPACEPOOL_STATE));

    // Pipeline input sent compressed (stored chunks) is decoded before reassembly.
    let pool = pool_id(&shell);
    let (cid, _) = c
        .command(&shell, pool, &[("Measure-Object", vec![])], false)
        .await;
    let pid = Uuid::parse_str(&cid).expect("guid");
    let mut data = c.fragments(MessageType::PIPELINE_INPUT, pool, pid, "<S>x</S>");
    data.extend(c.fragments(MessageType::END_OF_PIPELINE_INPUT, pool, pid, ""));
    let body = format!(
        "<rsp:Send><rsp:Stream Name=\"stdin\" CommandId=\"{cid}\">{}</rsp:Stream></rsp:Send>",
        base64::engine::general_purpose::STANDARD.encode(compression::encode_stored(&data))
    );
    assert_eq!(c.op(ACTION_SEND, Some(&shell), &body).await.status, 200);
    let r = c.receive(&shell, Some(&cid), 10).await;
    let mut defrag = Defragmenter::default();
    let mut msgs = Vec::new();
    for s in r.streams() {
        for m in defrag
            .push_packet(&compression::decode(&s).expect("framed"))
            .expect("fragments")
        {
            msgs.push(Message::parse(&m.message).expect("message"));
        }
    }
    let measured = from_clixml(msgs[0].text().expect("utf8")).expect("clixml");
    assert_eq!(
        measured.as_obj().and_then(|o| o.get("Count")),
        Some(&Value::I32(1))
    );
    stack.stop().await;
}

#[tokio::test]
async fn malformed_psrp_data_is_a_fault_and_the_shell_survives() {
    use base64::Engine as _;
    let stack = Stack::start_default().await;
    let mut c = stack.client();
    let (shell, _) = c.create_pool().await;
    c.receive(&shell, None, 5).await;
    // A fragment header announcing a blob far larger than any message bound.
    let mut bogus = vec![0u8; 17];
    bogus[7] = 9;
    bogus[16] = 3;
    bogus.extend_from_slice(&u32::MAX.to_be_bytes());
    let body = format!(
        "<rsp:CommandLine CommandId=\"{}\"><rsp:Command/><rsp:Arguments>{}</rsp:Arguments></rsp:CommandLine>",
        Uuid::new_v4().hyphenated().to_string().to_uppercase(),
        base64::engine::general_purpose::STANDARD.encode(bogus)
    );
    let r = c.op(ACTION_COMMAND, Some(&shell), &body).await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(r.body.contains("s:Fault"), "{}", r.body);
    let (cid, _) = c
        .command(
            &shell,
            pool_id(&shell),
            &[("Get-AcceptedDomain", vec![])],
            true,
        )
        .await;
    let (out, _) = c.drain(&shell, &cid).await;
    assert_eq!(
        out.last().and_then(pipeline_state),
        Some(4),
        "the shell still runs commands"
    );
    stack.stop().await;
}

#[tokio::test]
async fn an_unsupported_protocol_version_is_refused_at_create() {
    use exomig_codec::clixml::{to_clixml, PsObject};
    let stack = Stack::start_default().await;
    let mut c = stack.client();
    let pool = Uuid::new_v4();
    let mut cap = PsObject::default();
    cap.push_extended("protocolversion", Value::Version("1.0".into()));
    cap.push_extended("PSVersion", Value::Version("2.0".into()));
    cap.push_extended("SerializationVersion", Value::Version("1.1.0.1".into()));
    let data = c.fragments(
        MessageType::SESSION_CAPABILITY,
        pool,
        Uuid::nil(),
        &to_clixml(&Value::obj(cap)),
    );
    let shell = pool.hyphenated().to_string().to_uppercase();
    let body = shell_body(&shell, &data);
    let r = c.op(ACTION_CREATE, None, &body).await;
    assert!(r.is_fault_code("2152991685"), "{}", r.body);
    assert!(r.body.contains("PSProtocolVersionError"), "{}", r.body);
    let gone = c.receive(&shell, None, 1).await;
    assert!(
        gone.is_fault_code(CODE_INVALID_SELECTORS),
        "the refused shell is not kept"
    );
    stack.stop().await;
}
