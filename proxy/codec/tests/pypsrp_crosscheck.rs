//! Writes the server messages the proxy sends, fragmented as on the wire, for
//! `fixtures/pypsrp_crosscheck.py` to decode with pypsrp 0.9.1's own
//! defragmenter and serializer. Run by hand:
//! `EXOMIG_CODEC_DUMP=/tmp/server.b64 cargo test -p exomig-codec --test pypsrp_crosscheck -- --ignored`
//! then `python3 tests/fixtures/pypsrp_crosscheck.py /tmp/server.b64`.

use base64::Engine as _;
use exomig_codec::clixml::{json::json_to_object, to_clixml};
use exomig_codec::psrp::capability::server_capability;
use exomig_codec::psrp::pipeline::{pipeline_state, PipelineState};
use exomig_codec::psrp::pool::{application_private_data, runspace_pool_state, RunspacePoolState};
use exomig_codec::psrp::records::{
    command_metadata_count, warning_record, CommandMetadata, ErrorRecord,
};
use exomig_codec::psrp::{fragment, Message, MessageType};
use uuid::Uuid;

#[test]
#[ignore = "produces input for the pypsrp cross-check script"]
fn dump_server_messages() {
    let Ok(path) = std::env::var("EXOMIG_CODEC_DUMP") else {
        return;
    };
    let rpid = Uuid::from_u128(0x2476_A808_3D3C_4C6A_9E1B_6F0E_4B2B_7C11);
    let pid = Uuid::from_u128(0xBC65_CA3C_1111_4222_8333_9444_5555_6666);
    let mailbox = serde_json::json!({
        "Identity": "alex", "Name": "alex_x\r\n", "ExchangeGuid": "05b16a01-1111-2222-3333-444455556666",
        "WhenCreated": "2022-09-21T08:07:47.0000000+00:00", "EmailAddresses": ["SMTP:a@b.c", "smtp:x@y.z"],
        "ItemCount": 42, "Big": 5_000_000_000i64, "Dbl": 1.5, "Nested": {"A": 1}
    });
    let metadata = CommandMetadata {
        name: "Get-Mailbox".into(),
        command_type: 8,
        namespace: "ExchangeOnline".into(),
        parameters: vec![("Identity".into(), false, vec![])],
    }
    .with_common_parameters();
    let messages = [
        (
            MessageType::SESSION_CAPABILITY,
            Uuid::nil(),
            Uuid::nil(),
            server_capability(),
        ),
        (
            MessageType::APPLICATION_PRIVATE_DATA,
            rpid,
            Uuid::nil(),
            application_private_data("5.1.17763.1"),
        ),
        (
            MessageType::RUNSPACEPOOL_STATE,
            rpid,
            Uuid::nil(),
            runspace_pool_state(RunspacePoolState::Opened, None),
        ),
        (
            MessageType::PIPELINE_OUTPUT,
            rpid,
            pid,
            to_clixml(&json_to_object("Get-Mailbox", &mailbox)),
        ),
        (
            MessageType::ERROR_RECORD,
            rpid,
            pid,
            ErrorRecord::from_exchange_detail(
                "Ex1|Microsoft.Exchange.X.ManagementObjectNotFoundException|Not found",
                "Get-Mailbox",
                "x",
            )
            .to_message_data(),
        ),
        (
            MessageType::WARNING_RECORD,
            rpid,
            pid,
            warning_record("careful"),
        ),
        (
            MessageType::PIPELINE_OUTPUT,
            rpid,
            pid,
            command_metadata_count(1),
        ),
        (
            MessageType::PIPELINE_OUTPUT,
            rpid,
            pid,
            metadata.to_message_data(),
        ),
        (
            MessageType::PIPELINE_STATE,
            rpid,
            pid,
            pipeline_state(
                PipelineState::Failed,
                Some(ErrorRecord::command_not_found("Get-Nope").to_value(false)),
            ),
        ),
        (
            MessageType::PIPELINE_STATE,
            rpid,
            pid,
            pipeline_state(PipelineState::Completed, None),
        ),
    ];
    let mut out = Vec::new();
    for (oid, (t, r, p, data)) in (1u64..).zip(messages) {
        for f in fragment(
            oid,
            &Message::to_client(t, r, p, data.into_bytes()).to_bytes(),
            300,
        ) {
            f.write_to(&mut out);
        }
    }
    std::fs::write(path, base64::engine::general_purpose::STANDARD.encode(out))
        .expect("write dump");
}
