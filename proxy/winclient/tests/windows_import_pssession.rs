//! The whole legacy flow as Windows PowerShell 5.1 drives it, through the proxy against the
//! emulator: New-PSSession → Import-PSSession → imported cmdlets → Remove-PSSession.

mod support;

use base64::Engine as _;
use exomig_codec::clixml::Value;
use exomig_codec::psrp::MessageType;
use exomig_winclient::envelope::{ACTION_COMMAND, ACTION_CREATE, ACTION_SEND};
use exomig_winclient::messages::action_preference;
use exomig_winclient::xpress::{has_huffman_chunk, ChunkMode};
use exomig_winclient::{Cmd, WinClientError};
use support::Stack;

fn stream_payloads(request: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = request;
    while let Some(at) = rest.find("<rsp:Stream ") {
        let after = &rest[at..];
        let (Some(open), Some(close)) = (after.find('>'), after.find("</rsp:Stream>")) else {
            break;
        };
        out.push(
            base64::engine::general_purpose::STANDARD
                .decode(&after[open + 1..close])
                .expect("base64"),
        );
        rest = &after[close..];
    }
    out
}

fn arguments(request: &str) -> Vec<u8> {
    let start = request
        .find("<rsp:Arguments>")
        .map_or(0, |i| i + "<rsp:Arguments>".len());
    let end = request.find("</rsp:Arguments>").unwrap_or(start);
    base64::engine::general_purpose::STANDARD
        .decode(&request[start..end])
        .expect("base64")
}

fn type_names(v: &Value) -> Vec<String> {
    v.as_obj().map(|o| o.type_names.clone()).unwrap_or_default()
}

#[tokio::test]
async fn windows_powershell_imports_the_session_and_runs_cmdlets() {
    let stack = Stack::start().await;
    let mut config = stack.config();
    // A script whose URI already carries a query gets `;PSVersion=` appended.
    config.connection_uri = format!("{}?BasicAuthToOAuthConversion=false", stack.connection_uri);
    let client = stack.client(config);
    assert!(client
        .endpoint
        .ends_with("/PowerShell-LiveID?BasicAuthToOAuthConversion=false;PSVersion=5.1.19041.1"));

    // New-PSSession
    let opened = client.open().await.expect("pool opens");
    assert_eq!(opened.idle_timeout_ms, Some(900_000));
    assert!(
        opened.server_version.starts_with("5.1"),
        "{}",
        opened.server_version
    );

    // Import-PSSession
    let imported = client
        .import_pssession(&opened.server_version)
        .await
        .expect("Import-PSSession succeeds");
    assert!(imported.passed_powershell_version);
    assert_eq!(imported.format_count, 0);
    assert_eq!(imported.format_objects, 0);
    let get_mailbox = imported
        .commands
        .iter()
        .find(|c| c.name == "Get-Mailbox")
        .expect("Get-Mailbox imported");
    assert!(get_mailbox.cmdlet_binding, "every common parameter listed");
    assert!(get_mailbox.parameters.iter().any(|p| p == "Identity"));
    assert!(imported.commands.iter().all(|c| c.name != "Get-Command"));

    // An imported proxy function: Invoke-Command with NoInput=false and EOF by Send.
    let all = client
        .invoke(&[Cmd::new("Get-Mailbox")], &[])
        .await
        .expect("Get-Mailbox runs");
    assert_eq!(all.state, 4);
    assert!(!all.outputs.is_empty());
    assert!(
        type_names(&all.outputs[0])[0].ends_with(".Mailbox"),
        "{:?}",
        type_names(&all.outputs[0])
    );
    let identity = all.outputs[0]
        .as_obj()
        .and_then(|o| o.get("Identity"))
        .and_then(Value::as_str)
        .expect("Identity")
        .to_owned();
    let one = client
        .invoke(
            &[Cmd::new("Get-Mailbox")
                .arg("Identity", Value::str(&identity))
                .arg("ErrorAction", action_preference("Continue", 2))],
            &[],
        )
        .await
        .expect("Get-Mailbox -Identity runs");
    assert_eq!(one.state, 4);
    assert_eq!(one.outputs.len(), 1);
    assert_eq!(
        one.outputs[0]
            .as_obj()
            .and_then(|o| o.get("Identity"))
            .and_then(Value::as_str),
        Some(identity.as_str())
    );

    // A non-terminating Exchange error still ends Completed, with an ERROR_RECORD.
    let missing = client
        .invoke(
            &[Cmd::new("Get-Mailbox").arg("Identity", Value::str("nobody-here"))],
            &[],
        )
        .await
        .expect("runs");
    assert_eq!(missing.state, 4);
    assert_eq!(missing.errors.len(), 1);
    assert!(missing
        .messages
        .iter()
        .any(|m| m.message_type == MessageType::ERROR_RECORD));

    // Remove-PSSession
    client.close().await.expect("Delete");
    let after = client.pool_receive().await;
    assert!(
        matches!(
            after,
            Err(WinClientError::Fault {
                code: Some(2_150_858_843),
                ..
            })
        ),
        "{after:?}"
    );

    // The wire really carried what Windows sends.
    let log = client.exchanges();
    let create = log
        .iter()
        .find(|e| e.action == ACTION_CREATE)
        .expect("Create");
    assert!(create.request.contains(">xpress</rsp:CompressionType>"));
    assert!(create.response.contains("PT900.000S"));
    let creation_sends = log
        .iter()
        .skip_while(|e| e.action != ACTION_CREATE)
        .skip(1)
        .take_while(|e| e.action != ACTION_COMMAND)
        .filter(|e| e.action == ACTION_SEND)
        .collect::<Vec<_>>();
    assert!(
        !creation_sends.is_empty(),
        "creation data continued by Send"
    );
    assert!(creation_sends
        .iter()
        .all(|e| !e.request.contains("CommandId=")));
    let sends: Vec<Vec<u8>> = log
        .iter()
        .filter(|e| e.action == ACTION_SEND)
        .flat_map(|e| stream_payloads(&e.request))
        .collect();
    assert!(
        sends.iter().any(|s| has_huffman_chunk(s)),
        "some Send data was Huffman-coded"
    );
    let commands: Vec<_> = log.iter().filter(|e| e.action == ACTION_COMMAND).collect();
    // Windows puts only the first fragment in Arguments; the message continues by Send.
    let partial = commands.iter().any(|e| {
        let args = arguments(&e.request);
        exomig_codec::psrp::parse_fragments(&args)
            .is_ok_and(|f| f.len() == 1 && f[0].start && !f[0].end)
    });
    assert!(partial, "some CREATE_PIPELINE continued by Send");
    assert!(commands
        .iter()
        .any(|e| e.request.contains("<rsp:Command>Get-Mailbox</rsp:Command>")));
    assert!(log
        .iter()
        .all(|e| e.status == 200 || e.action.ends_with("Receive")));
    stack.stop().await;
}

/// `-SessionOption (New-PSSessionOption -NoCompression)`: no CompressionType, plain streams,
/// and the same flows work; stored-only chunk framing also works with compression on.
#[tokio::test]
async fn without_compression_and_with_stored_chunks_only() {
    let stack = Stack::start().await;
    for (compression, mode) in [(false, ChunkMode::Compress), (true, ChunkMode::Stored)] {
        let mut config = stack.config();
        config.compression = compression;
        config.chunk_mode = mode;
        config.concurrent_first_receive = false;
        let client = stack.client(config);
        assert!(client
            .endpoint
            .ends_with("/PowerShell-LiveID?PSVersion=5.1.19041.1"));
        let opened = client.open().await.expect("opens");
        let run = client
            .invoke(&[Cmd::new("Get-AcceptedDomain")], &[])
            .await
            .expect("runs");
        assert_eq!(run.state, 4);
        assert!(!run.outputs.is_empty());
        client.close().await.expect("closes");
        let create = client
            .exchanges()
            .into_iter()
            .find(|e| e.action == ACTION_CREATE)
            .expect("Create");
        assert_eq!(create.request.contains("CompressionType"), compression);
        assert!(opened.receives >= 1);
    }
    stack.stop().await;
}

/// Pipeline input crosses the wire compressed and split into several fragments and Sends.
#[tokio::test]
async fn pipeline_input_by_compressed_send() {
    let stack = Stack::start().await;
    let client = stack.client(stack.config());
    client.open().await.expect("opens");
    let input: Vec<Value> = (0..5)
        .map(|i| Value::str(format!("item-{i}-{}", "x".repeat(300))))
        .collect();
    let run = client
        .invoke(&[Cmd::new("Measure-Object")], &input)
        .await
        .expect("runs");
    assert_eq!(run.state, 4);
    let count = run
        .outputs
        .first()
        .and_then(Value::as_obj)
        .and_then(|o| o.get("Count"))
        .cloned();
    assert_eq!(count.and_then(|c| c.as_i64()), Some(5));
    client.close().await.expect("closes");
    stack.stop().await;
}

/// The WinRM client keeps a pool Receive parked while commands run; it must not block them,
/// and Delete must release it.
#[tokio::test]
async fn a_parked_pool_receive_while_commands_run() {
    let stack = Stack::start().await;
    let client = std::sync::Arc::new(stack.client(stack.config()));
    client.open().await.expect("opens");
    let parked = {
        let c = client.clone();
        tokio::spawn(async move { c.pool_receive().await })
    };
    let run = client
        .invoke(&[Cmd::new("Get-AcceptedDomain")], &[])
        .await
        .expect("runs beside the parked Receive");
    assert_eq!(run.state, 4);
    client.close().await.expect("closes");
    let released = parked.await.expect("joins");
    assert!(
        matches!(released, Ok(0) | Err(WinClientError::Fault { .. })),
        "{released:?}"
    );
    stack.stop().await;
}

/// Ctrl+C from Windows uses PowerShell's own `crtl_c` spelling; a call waiting for input stops
/// with PIPELINE_STATE Stopped and CommandState Done.
#[tokio::test]
async fn ctrl_c_with_the_windows_spelling_stops_a_waiting_call() {
    let stack = Stack::start().await;
    let client = stack.client(stack.config());
    client.open().await.expect("opens");
    let command_id = client
        .begin(&[Cmd::new("Measure-Object")])
        .await
        .expect("starts");
    let stopped = client.stop(&command_id).await.expect("stops");
    assert_eq!(stopped.state, 3);
    assert!(stopped.outputs.is_empty());
    client.close().await.expect("closes");
    stack.stop().await;
}

/// A wrong password is HTTP 401 on Create, which Windows reports as "Access is denied".
#[tokio::test]
async fn wrong_password_is_access_denied() {
    let stack = Stack::start().await;
    let mut config = stack.config();
    config.password = "not-the-password".into();
    let client = stack.client(config);
    let refused = client.open().await;
    assert!(
        matches!(refused, Err(WinClientError::Fault { status: 401, .. })),
        "{refused:?}"
    );
    stack.stop().await;
}
