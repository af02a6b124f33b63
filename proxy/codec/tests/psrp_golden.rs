//! Byte-level vectors from psrp.md §8 and §4.

use exomig_codec::psrp::capability::server_capability;
use exomig_codec::psrp::pipeline::{pipeline_state, PipelineState};
use exomig_codec::psrp::pool::application_private_data;
use exomig_codec::psrp::{fragment, Defragmenter, Message, MessageType};
use uuid::Uuid;

#[test]
fn completed_pipeline_state_fragment_matches_reference_bytes() {
    let rpid = Uuid::parse_str("B943AA75-0000-4000-8000-000000000001").expect("uuid");
    let pid = Uuid::parse_str("BC65CA3C-0000-4000-8000-000000000002").expect("uuid");
    let data = pipeline_state(PipelineState::Completed, None);
    assert_eq!(
        data,
        r#"<Obj RefId="0"><MS><I32 N="PipelineState">4</I32></MS></Obj>"#
    );
    let msg = Message::to_client(
        MessageType::PIPELINE_STATE,
        rpid,
        pid,
        data.clone().into_bytes(),
    )
    .to_bytes();
    let frags = fragment(6, &msg, 32 * 1024);
    assert_eq!(frags.len(), 1);
    let bytes = frags[0].to_bytes();
    let mut want = vec![
        0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100, 1, 0, 0, 0, 0x06, 0x10,
        0x04, 0x00,
    ];
    want.extend_from_slice(&rpid.to_bytes_le());
    want.extend_from_slice(&pid.to_bytes_le());
    want.extend_from_slice(data.as_bytes());
    assert_eq!(bytes, want);
}

#[test]
fn pool_open_reply_reassembles_in_order() {
    let rpid = Uuid::parse_str("B943AA75-0000-4000-8000-000000000001").expect("uuid");
    let msgs = [
        Message::to_client(
            MessageType::SESSION_CAPABILITY,
            Uuid::nil(),
            Uuid::nil(),
            server_capability().into_bytes(),
        ),
        Message::to_client(
            MessageType::APPLICATION_PRIVATE_DATA,
            rpid,
            Uuid::nil(),
            application_private_data("5.1.17763.1").into_bytes(),
        ),
    ];
    let mut packet = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        for f in fragment(i as u64 + 1, &m.to_bytes(), 64) {
            f.write_to(&mut packet);
        }
    }
    let mut d = Defragmenter::default();
    let got: Vec<Message> = d
        .push_packet(&packet)
        .expect("valid")
        .iter()
        .map(|r| Message::parse(&r.message).expect("message"))
        .collect();
    assert_eq!(got, msgs.to_vec());
    assert_eq!(
        got[0].rpid,
        Uuid::nil(),
        "first SESSION_CAPABILITY carries a nil RPID"
    );
    let text = got[1].text().expect("utf-8");
    assert!(text.contains("PSVersionTable") && !text.contains("DebugMode"));
}
