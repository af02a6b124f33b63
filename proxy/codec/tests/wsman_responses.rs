//! Response and fault envelopes: exact shapes (snapshots) and the details
//! clients depend on.

use std::collections::VecDeque;
use std::time::Duration;

use exomig_codec::wsman::budget::{self, next_receive_response, packets_that_fit};
use exomig_codec::wsman::response::{
    command_response, create_response, delete_response, receive_response, send_response,
    signal_response,
};
use exomig_codec::wsman::{
    CommandState, Fault, FaultKind, ReceiveResponse, ReplyTo, ShellInfo, StreamPacket,
};
use uuid::Uuid;

fn reply() -> ReplyTo {
    // Lower-case hex and odd spacing must survive untouched.
    ReplyTo::new(
        "uuid:0452cd16-33D4-4D4D-A71A-10C22E54F4C5",
        Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0),
    )
}

fn shell() -> ShellInfo {
    ShellInfo {
        shell_id: "2476A808-3D3C-4C6A-9E1B-6F0E4B2B7C11".into(),
        resource_uri: "http://schemas.microsoft.com/powershell/Microsoft.Exchange".into(),
        address: "http://proxy.example:8080/PowerShell-LiveID/?a=1&b=2".into(),
        owner: "admin@contoso.com".into(),
        client_ip: "127.0.0.1".into(),
        idle_timeout: Duration::from_secs(900),
        input_streams: "stdin pr".into(),
        output_streams: "stdout".into(),
        compression: false,
    }
}

#[test]
fn relates_to_is_echoed_byte_for_byte() {
    let r = reply();
    for xml in [
        send_response(&r),
        signal_response(&r),
        delete_response(&r),
        command_response(&r, "X"),
    ] {
        assert!(
            xml.contains("<a:RelatesTo>uuid:0452cd16-33D4-4D4D-A71A-10C22E54F4C5</a:RelatesTo>"),
            "{xml}"
        );
        assert!(
            xml.contains("<a:MessageID>uuid:12345678-9ABC-DEF0-1234-56789ABCDEF0</a:MessageID>")
        );
    }
}

#[test]
fn create_response_shape() {
    let xml = create_response(&reply(), &shell());
    assert!(xml.contains("<rsp:IdleTimeOut>PT900.000S</rsp:IdleTimeOut>"));
    assert!(xml.contains(
        "<w:SelectorSet><w:Selector Name=\"ShellId\">2476A808-3D3C-4C6A-9E1B-6F0E4B2B7C11</w:Selector></w:SelectorSet>"
    ));
    assert!(xml.contains("?a=1&amp;b=2"), "address is XML-escaped");
    insta::assert_snapshot!(xml);
}

#[test]
fn create_response_reports_compression() {
    let mut s = shell();
    s.compression = true;
    assert!(create_response(&reply(), &s)
        .contains("<rsp:CompressionMode>XpressCompression</rsp:CompressionMode>"));
}

#[test]
fn delete_response_has_empty_body() {
    assert!(delete_response(&reply()).contains("<s:Body/>"));
}

#[test]
fn receive_response_shapes() {
    let pool = ReceiveResponse {
        command_id: None,
        streams: vec![
            StreamPacket::stdout(b"abc".to_vec()),
            StreamPacket::stdout(b"de".to_vec()),
        ],
        state: None,
    };
    let xml = receive_response(&reply(), &pool);
    assert!(xml.contains("<rsp:Stream Name=\"stdout\">YWJj</rsp:Stream><rsp:Stream Name=\"stdout\">ZGU=</rsp:Stream>"));
    assert!(!xml.contains("CommandState"));
    let cmd = ReceiveResponse {
        command_id: Some("BC65CA3C".into()),
        streams: vec![StreamPacket::stdout(vec![1, 2, 3])],
        state: Some(CommandState::Done { exit_code: Some(0) }),
    };
    insta::assert_snapshot!(receive_response(&reply(), &cmd));
}

#[test]
fn invalid_selectors_fault_shape() {
    let xml = Fault::new(FaultKind::InvalidSelectors, "proxy").to_envelope(&reply());
    assert!(xml.contains("<a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action>"));
    assert!(xml.contains("Code=\"2150858843\""));
    assert!(
        xml.contains("<s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value>")
    );
    insta::assert_snapshot!(xml);
}

#[test]
fn fault_codes() {
    assert_eq!(FaultKind::TimedOut.code(), 2150858793);
    assert_eq!(FaultKind::QuotaMaxShells { limit: 3 }.code(), 2150859173);
    assert_eq!(FaultKind::EncodingLimit.code(), 2150858805);
    assert_eq!(FaultKind::ActionNotSupported.code(), 2150858771);
    let timed_out = Fault::new(FaultKind::TimedOut, "proxy").to_envelope(&reply());
    assert!(
        timed_out.contains("<s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:TimedOut</s:Value>")
    );
    let quota = Fault::new(FaultKind::QuotaMaxShells { limit: 3 }, "proxy").to_envelope(&reply());
    assert!(quota.contains("maximum number of 3 concurrent shells"));
}

#[test]
fn custom_fault_message_is_escaped() {
    let mut f = Fault::new(FaultKind::AccessDenied, "proxy");
    f.message = Some("a < b & c".into());
    let xml = f.to_envelope(&reply());
    assert!(xml.contains("<f:Message>a &lt; b &amp; c</f:Message>"));
}

#[test]
fn protocol_version_fault_carries_markup() {
    let xml = Fault::new(
        FaultKind::ProtocolVersion {
            server_version: "2.3".into(),
        },
        "proxy",
    )
    .to_envelope(&reply());
    assert!(xml.contains("<f:Message><PSProtocolVersionError ServerProtocolVersion=\"2.3\""));
}

#[test]
fn receive_budget_keeps_whole_packets_and_envelope_size() {
    let max_env = 153_600;
    let blob = budget::max_fragment_blob(max_env, false);
    let mut queue: VecDeque<StreamPacket> = (0..10)
        .map(|_| StreamPacket::stdout(vec![0x41; blob + 21]))
        .collect();
    let mut responses = Vec::new();
    while !queue.is_empty() {
        responses.push(next_receive_response(
            &reply(),
            &mut queue,
            max_env,
            Some("BC65CA3C-1111-4222-8333-944455556666"),
            true,
        ));
    }
    assert_eq!(responses.len(), 10, "one max-size fragment per response");
    for r in &responses {
        assert!(r.len() <= max_env, "{} > {max_env}", r.len());
    }
    assert!(responses[..9]
        .iter()
        .all(|r| r.contains("CommandState/Running")));
    assert!(responses[9].contains("CommandState/Done"));

    let small = vec![1000; 500];
    let n = packets_that_fit(&small, max_env, 36);
    assert!(n > 50 && n < 500);
    assert_eq!(
        packets_that_fit(&[10_000_000], max_env, 0),
        1,
        "progress even when oversized"
    );
    assert_eq!(packets_that_fit(&[], max_env, 0), 0);
}

#[test]
fn compressed_fragments_fit_after_stored_framing() {
    use exomig_codec::compression::encode_stored;
    use exomig_codec::psrp::fragment;
    for max_env in [153_600usize, 512_000] {
        let blob = budget::max_fragment_blob(max_env, true);
        let message = vec![7u8; blob * 3];
        let mut queue: VecDeque<StreamPacket> = fragment(1, &message, blob)
            .iter()
            .map(|f| StreamPacket::stdout(encode_stored(&f.to_bytes())))
            .collect();
        while !queue.is_empty() {
            let xml = next_receive_response(
                &reply(),
                &mut queue,
                max_env,
                Some("BC65CA3C-1111-4222-8333-944455556666"),
                true,
            );
            assert!(xml.len() <= max_env, "{} > {max_env}", xml.len());
        }
    }
}

#[test]
fn responses_read_back_like_a_client() {
    use exomig_codec::wsman::inspect::summarize;
    let created = summarize(&create_response(&reply(), &shell())).expect("create");
    assert_eq!(
        created.shell_id.as_deref(),
        Some("2476A808-3D3C-4C6A-9E1B-6F0E4B2B7C11")
    );
    assert_eq!(
        created.relates_to.as_deref(),
        Some("uuid:0452cd16-33D4-4D4D-A71A-10C22E54F4C5")
    );
    assert_eq!(
        summarize(&command_response(&reply(), "C1"))
            .expect("cmd")
            .command_id
            .as_deref(),
        Some("C1")
    );
    let rr = ReceiveResponse {
        command_id: Some("C1".into()),
        streams: vec![
            StreamPacket::stdout(vec![9, 8, 7]),
            StreamPacket::stdout(vec![]),
        ],
        state: Some(CommandState::Done { exit_code: Some(0) }),
    };
    let got = summarize(&receive_response(&reply(), &rr)).expect("receive");
    assert_eq!(got.streams, rr.streams);
    assert_eq!(got.command_state, rr.state);
    let fault =
        summarize(&Fault::new(FaultKind::TimedOut, "p").to_envelope(&reply())).expect("fault");
    assert_eq!(fault.fault_code, Some(2150858793));
    assert!(fault
        .fault_message
        .is_some_and(|m| m.contains("OperationTimeout")));
}
