//! psrp.md's "format traps", checked on the bytes the proxy sends to a Windows-shaped client:
//! values Windows PowerShell reads at fixed offsets or compares exactly.

mod support;

use exomig_codec::compression;
use exomig_codec::psrp::{Defragmenter, Message, MessageType};
use exomig_codec::wsman::inspect::summarize;
use exomig_emulator::{EmulatorConfig, Seed};
use exomig_winclient::checks::{element_texts, idle_timeout_ms};
use exomig_winclient::envelope::{ACTION_CREATE, ACTION_RECEIVE};
use exomig_winclient::Cmd;
use support::Stack;

/// The pool messages of every pool Receive in the log, as raw message bytes.
fn pool_messages(log: &[exomig_winclient::Exchange]) -> Vec<Message> {
    let mut defrag = Defragmenter::default();
    let mut out = Vec::new();
    for e in log
        .iter()
        .filter(|e| e.action == ACTION_RECEIVE && e.status == 200)
    {
        if e.request.contains("CommandId=") {
            continue;
        }
        let summary = summarize(&e.response).expect("response");
        for s in summary.streams {
            let plain = compression::decode(&s.data).expect("chunk framing");
            for m in defrag.push_packet(&plain).expect("fragments") {
                out.push(Message::parse(&m.message).expect("message"));
            }
        }
    }
    out
}

#[tokio::test]
async fn negotiation_bytes_match_what_windows_compares() {
    let stack = Stack::start().await;
    let client = stack.client(stack.config());
    client.open().await.expect("opens");
    let log = client.exchanges();

    // IdleTimeOut / MaxIdleTimeOut: PT<n>.<3 digits>S or absent, never PT900S.
    let create = log
        .iter()
        .find(|e| e.action == ACTION_CREATE)
        .expect("Create");
    let idle = element_texts(&create.response, "IdleTimeOut");
    assert_eq!(idle, vec!["PT900.000S"]);
    for text in element_texts(&create.response, "MaxIdleTimeOut") {
        assert!(idle_timeout_ms(text).is_ok(), "{text}");
    }
    // Windows slices Substring(2, Length − 3) and parses a decimal: that must be "900.000".
    assert_eq!(&idle[0][2..idle[0].len() - 1], "900.000");

    let messages = pool_messages(&log);
    let types: Vec<_> = messages.iter().map(|m| m.message_type).collect();
    assert_eq!(
        types,
        vec![
            MessageType::SESSION_CAPABILITY,
            MessageType::APPLICATION_PRIVATE_DATA,
            MessageType::RUNSPACEPOOL_STATE
        ]
    );
    let cap = messages[0].text().expect("utf8");
    assert!(
        cap.contains("<Version N=\"PSVersion\">2.0</Version>"),
        "{cap}"
    );
    assert!(
        cap.contains("<Version N=\"SerializationVersion\">1.1.0.1</Version>"),
        "{cap}"
    );
    assert!(
        cap.contains("<Version N=\"protocolversion\">2.3</Version>"),
        "{cap}"
    );
    assert!(
        messages[0].rpid.is_nil(),
        "first SESSION_CAPABILITY has RPID 0"
    );

    let private = messages[1].text().expect("utf8");
    assert!(!private.contains("DebugMode"), "{private}");
    assert!(private.contains(">PSVersionTable<"), "{private}");
    assert!(private.contains("<Version N=\"Value\">5.1"), "{private}");
    let state = messages[2].text().expect("utf8");
    assert!(
        state.contains("<I32 N=\"RunspaceState\">2</I32>"),
        "{state}"
    );
    client.close().await.expect("closes");
    stack.stop().await;
}

/// Large output: many Receives, one fragment per Stream, CommandState Running until the
/// final PIPELINE_STATE, then Done (the Windows client stops receiving after Done).
#[tokio::test]
async fn large_output_keeps_running_until_the_last_batch() {
    let mut emulator = EmulatorConfig::for_tests();
    emulator.seed = Some(Seed::generated(1200));
    let stack = Stack::with_emulator(emulator).await;
    let mut config = stack.config();
    // Windows starts at the pypsrp-compatible envelope, which forces several responses.
    config.max_envelope = 153_600;
    let client = stack.client(config);
    client.open().await.expect("opens");
    let run = client
        .invoke(
            &[Cmd::new("Get-Mailbox")
                .arg("ResultSize", exomig_codec::clixml::Value::str("Unlimited"))],
            &[],
        )
        .await
        .expect("runs");
    assert_eq!(run.state, 4);
    assert_eq!(run.outputs.len(), 1200);
    assert!(run.receives > 1, "output spans several ReceiveResponses");
    assert_eq!(run.running_states, run.receives - 1);
    assert!(run.streams >= run.messages.len());
    client.close().await.expect("closes");
    stack.stop().await;
}
