//! Requests recorded from pypsrp 0.9.1 (regenerate with
//! `fixtures/gen_pypsrp_fixtures.py`) and a hand-written Windows-style Create,
//! decoded through every layer.

use std::time::Duration;

use exomig_codec::psrp::pipeline::CreatePipeline;
use exomig_codec::psrp::{ClientMessage, Defragmenter, Message, MessageType};
use exomig_codec::wsman::{Body, Operation, Request, SignalCode};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn messages(packet: &[u8]) -> Vec<Message> {
    let mut d = Defragmenter::default();
    d.push_packet(packet)
        .expect("fragments")
        .into_iter()
        .map(|r| Message::parse(&r.message).expect("message"))
        .collect()
}

const SHELL_ID: &str = "2476A808-3D3C-4C6A-9E1B-6F0E4B2B7C11";
const COMMAND_ID: &str = "BC65CA3C-1111-4222-8333-944455556666";

#[test]
fn pypsrp_create_opens_pool() {
    let r = Request::parse(&fixture("pypsrp_create.xml")).expect("parse");
    assert_eq!(r.operation, Operation::Create);
    let h = &r.header;
    assert!(h.message_id.starts_with("uuid:") && h.message_id.len() == 41);
    assert_eq!(h.max_envelope_size, Some(153_600));
    assert_eq!(h.operation_timeout, Some(Duration::from_secs(20)));
    assert_eq!(h.protocol_version(), Some("2.3"));
    assert_eq!(h.locale.as_deref(), Some("en-US"));
    assert_eq!(
        h.resource_uri.as_deref(),
        Some("http://schemas.microsoft.com/powershell/Microsoft.Exchange")
    );
    assert_eq!(
        h.to.as_deref(),
        Some("http://proxy.example:8080/PowerShell-LiveID/")
    );
    assert!(h.shell_id.is_none());
    assert!(!h.wants_compression());
    let Body::Create(shell) = &r.body else {
        panic!("create body")
    };
    assert_eq!(shell.input_streams, "stdin pr");
    assert_eq!(shell.output_streams, "stdout");
    let msgs = messages(&shell.creation_xml);
    let types: Vec<_> = msgs.iter().map(|m| m.message_type).collect();
    assert_eq!(
        types,
        vec![
            MessageType::SESSION_CAPABILITY,
            MessageType::INIT_RUNSPACEPOOL
        ]
    );
    assert_eq!(
        msgs[0].rpid.hyphenated().to_string().to_uppercase(),
        SHELL_ID
    );
    match ClientMessage::decode(&msgs[0]).expect("capability") {
        ClientMessage::SessionCapability(c) => {
            assert_eq!(
                (c.protocol_version.as_str(), c.ps_version.as_str()),
                ("2.3", "2.0")
            );
            assert_eq!(c.serialization_version, "1.1.0.1");
        }
        other => panic!("unexpected {other:?}"),
    }
    match ClientMessage::decode(&msgs[1]).expect("init") {
        ClientMessage::InitRunspacePool(i) => {
            assert_eq!((i.min_runspaces, i.max_runspaces), (1, 1))
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn pypsrp_command_carries_create_pipeline() {
    let r = Request::parse(&fixture("pypsrp_command.xml")).expect("parse");
    assert_eq!(r.operation, Operation::Command);
    assert_eq!(r.header.shell_id.as_deref(), Some(SHELL_ID));
    assert_eq!(r.header.option("WINRS_SKIP_CMD_SHELL"), Some("False"));
    let Body::Command(cl) = &r.body else {
        panic!("command body")
    };
    assert_eq!(cl.command_id.as_deref(), Some(COMMAND_ID));
    let msgs = messages(&cl.arguments);
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        msgs[0].pid.hyphenated().to_string().to_uppercase(),
        COMMAND_ID
    );
    let ClientMessage::CreatePipeline(p) = ClientMessage::decode(&msgs[0]).expect("decode") else {
        panic!("create pipeline expected")
    };
    assert!(p.no_input);
    assert_eq!(p.statements.len(), 2, "ExtraCmds holds both statements");
    let first = &p.statements[0][0];
    assert_eq!(first.name, "Get-Mailbox");
    assert!(!first.is_script);
    assert_eq!(first.use_local_scope, None);
    let arg = |n: &str| {
        first
            .args
            .iter()
            .find(|a| a.name.as_deref() == Some(n))
            .expect(n)
    };
    assert_eq!(arg("Identity").value.as_str(), Some("alex_x\r\n<&>"));
    assert_eq!(arg("ResultSize").value.as_i64(), Some(10));
    assert!(arg("IgnoreDefaultScope").switch_value());
    assert!(arg("Verbose").switch_value());
    let positional: Vec<_> = first.args.iter().filter(|a| a.name.is_none()).collect();
    assert_eq!(positional.len(), 1);
    assert_eq!(positional[0].value.as_str(), Some("positional"));
    let names: Vec<_> = p.statements[1].iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["Get-AcceptedDomain", "Select-Object"]);
    let prop = p.statements[1][1].args[0].value.as_list().expect("array");
    assert_eq!(prop.len(), 2);
    assert_eq!(first.merges.len(), 8);
}

#[test]
fn pypsrp_script_with_input() {
    let r = Request::parse(&fixture("pypsrp_command_script.xml")).expect("parse");
    let Body::Command(cl) = &r.body else {
        panic!("command body")
    };
    let msgs = messages(&cl.arguments);
    let p = CreatePipeline::from_value(&msgs[0].value().expect("clixml")).expect("pipeline");
    assert!(!p.no_input, "input follows by Send");
    assert!(p.commands()[0].is_script);
    assert_eq!(p.commands()[0].name, "Get-Process");
}

#[test]
fn pypsrp_get_command_metadata() {
    let r = Request::parse(&fixture("pypsrp_get_command_metadata.xml")).expect("parse");
    let Body::Command(cl) = &r.body else {
        panic!("command body")
    };
    let msgs = messages(&cl.arguments);
    let ClientMessage::GetCommandMetadata(m) = ClientMessage::decode(&msgs[0]).expect("decode")
    else {
        panic!("metadata expected")
    };
    assert_eq!(m.names, vec!["*"]);
    assert!(m.command_type.is_some());
}

#[test]
fn pypsrp_receive_pool_and_command() {
    let pool = Request::parse(&fixture("pypsrp_receive_pool.xml")).expect("parse");
    assert!(pool.header.keep_alive());
    let Body::Receive(rp) = &pool.body else {
        panic!("receive")
    };
    assert_eq!(rp.command_id, None);
    assert_eq!(rp.streams, "stdout");
    let cmd = Request::parse(&fixture("pypsrp_receive_cmd.xml")).expect("parse");
    let Body::Receive(rc) = &cmd.body else {
        panic!("receive")
    };
    assert_eq!(rc.command_id.as_deref(), Some(COMMAND_ID));
}

#[test]
fn pypsrp_send_signal_delete() {
    let send = Request::parse(&fixture("pypsrp_send.xml")).expect("parse");
    let Body::Send(s) = &send.body else {
        panic!("send")
    };
    assert_eq!(s.streams.len(), 1);
    assert_eq!(s.streams[0].name, "stdin");
    assert_eq!(s.streams[0].command_id.as_deref(), Some(COMMAND_ID));
    assert!(s.streams[0].end);
    assert_eq!(s.streams[0].data, b"\x00\x01payload");

    for (file, want) in [
        ("pypsrp_signal_terminate.xml", SignalCode::Terminate),
        ("pypsrp_signal_ctrl_c.xml", SignalCode::CtrlC),
    ] {
        let r = Request::parse(&fixture(file)).expect("parse");
        let Body::Signal(sig) = &r.body else {
            panic!("signal")
        };
        assert_eq!(sig.code, want);
        assert_eq!(sig.command_id.as_deref(), Some(COMMAND_ID));
    }
    let del = Request::parse(&fixture("pypsrp_delete.xml")).expect("parse");
    assert_eq!(del.operation, Operation::Delete);
    assert_eq!(del.header.shell_id.as_deref(), Some(SHELL_ID));
}

#[test]
fn windows_style_create_with_other_prefixes_and_compression() {
    let r = Request::parse(&fixture("windows_create.xml")).expect("parse");
    let h = &r.header;
    assert_eq!(h.message_id, "uuid:9E0B1F43-7A1D-4F5B-9C51-3D0E0D7A1B22");
    assert!(h.wants_compression());
    assert!(h.compression_must_understand);
    assert_eq!(h.no_profile(), Some(true));
    assert_eq!(h.codepage(), Some(65001));
    assert_eq!(h.data_locale.as_deref(), Some("de-DE"));
    assert_eq!(h.operation_timeout, Some(Duration::from_secs(180)));
    let Body::Create(shell) = &r.body else {
        panic!("create")
    };
    assert_eq!(shell.idle_timeout, Some(Duration::from_secs(7200)));
    assert_eq!(
        shell.shell_id.as_deref(),
        Some("7B1E1B2A-43A2-4E5C-9B8F-0C9D8E7F6A5B")
    );
    let frags = exomig_codec::psrp::parse_fragments(&shell.creation_xml).expect("fragments");
    assert_eq!(frags[0].blob, vec![1, 2, 3, 4]);
}

#[test]
fn crtl_c_spelling_matches() {
    assert_eq!(
        SignalCode::from_uri("powershell/signal/crtl_c"),
        SignalCode::CtrlC
    );
    assert_eq!(
        SignalCode::from_uri("http://schemas.microsoft.com/powershell/signal/ctrl_c"),
        SignalCode::CtrlC
    );
    assert!(matches!(
        SignalCode::from_uri("urn:other"),
        SignalCode::Other(_)
    ));
}

#[test]
fn malformed_envelopes_are_errors_not_panics() {
    for bad in [
        "",
        "<a>",
        "<x/>",
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"/>",
    ] {
        assert!(Request::parse(bad).is_err(), "{bad:?}");
    }
    // A Create whose creationXml is not base64.
    let broken = fixture("pypsrp_create.xml").replace("AAAAAAAAAAEAAAAA", "!!!!");
    assert!(Request::parse(&broken).is_err());
    assert!(Request::peek_message_id(&broken).is_some_and(|id| id.starts_with("uuid:")));
}

#[test]
fn send_with_several_streams_keeps_order() {
    let xml = fixture("pypsrp_send.xml").replace(
        "</rsp:Send>",
        "<rsp:Stream Name=\"pr\">AQI=</rsp:Stream><rsp:Stream Name=\"stdin\" CommandId=\"X\">Aw==</rsp:Stream></rsp:Send>",
    );
    let r = Request::parse(&xml).expect("parse");
    let Body::Send(s) = &r.body else {
        panic!("send")
    };
    let got: Vec<(&str, Option<&str>, &[u8])> = s
        .streams
        .iter()
        .map(|s| (s.name.as_str(), s.command_id.as_deref(), s.data.as_slice()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("stdin", Some(COMMAND_ID), b"\x00\x01payload".as_slice()),
            ("pr", None, &[1, 2][..]),
            ("stdin", Some("X"), &[3][..]),
        ]
    );
}

#[test]
fn unknown_action_is_reported_not_rejected() {
    let xml = fixture("pypsrp_delete.xml").replace(
        "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
        "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate",
    );
    let r = Request::parse(&xml).expect("parse");
    assert!(matches!(r.operation, Operation::Other(ref a) if a.ends_with("/Enumerate")));
    assert_eq!(r.body, Body::Other);
}

proptest::proptest! {
    #[test]
    fn parser_never_panics_on_damaged_fixtures(
        which in 0usize..4,
        cuts in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), 0usize..16), 1..6),
    ) {
        let name = ["pypsrp_create.xml", "pypsrp_command.xml", "pypsrp_send.xml", "windows_create.xml"][which];
        let mut bytes = fixture(name).into_bytes();
        for (at, len) in cuts {
            let start = at.index(bytes.len());
            let end = (start + len).min(bytes.len());
            bytes.drain(start..end);
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = Request::parse(&text);
        let _ = Request::peek_message_id(&text);
    }
}
