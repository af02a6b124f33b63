//! Throughput of the hot codec paths: fragmenting/reassembling output,
//! serializing mailbox objects, and reading a pypsrp CREATE_PIPELINE.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use exomig_codec::clixml::json::json_to_object;
use exomig_codec::clixml::{from_clixml, Writer};
use exomig_codec::psrp::{fragment, Defragmenter, Message};
use exomig_codec::wsman::{Body, Request};

fn mailbox(i: usize) -> serde_json::Value {
    serde_json::json!({
        "Identity": format!("user{i}"), "Name": format!("user{i}"), "DisplayName": format!("User {i}"),
        "Alias": format!("user{i}"), "PrimarySmtpAddress": format!("user{i}@contoso.com"),
        "ExchangeGuid": format!("05b16a01-1111-2222-3333-{i:012}"), "ExchangeGuid@data.type": "System.Guid",
        "RecipientTypeDetails": "UserMailbox", "WhenCreated": "2022-09-21T08:07:47.0000000+00:00",
        "EmailAddresses": [format!("SMTP:user{i}@contoso.com"), format!("smtp:user{i}@contoso.onmicrosoft.com")],
        "ProhibitSendQuota": "99 GB (106,300,440,576 bytes)", "HiddenFromAddressListsEnabled": false,
        "ItemCount": i, "Notes": null
    })
}

fn bench(c: &mut Criterion) {
    let message = vec![0x5Au8; 1 << 20];
    let mut g = c.benchmark_group("fragment");
    g.throughput(Throughput::Bytes(message.len() as u64));
    g.bench_function("fragment+defragment 1 MiB at 16 KiB", |b| {
        b.iter(|| {
            let mut packet = Vec::with_capacity(message.len() + 2048);
            for f in fragment(1, black_box(&message), 16 * 1024) {
                f.write_to(&mut packet);
            }
            let mut d = Defragmenter::default();
            d.push_packet(&packet).expect("valid")
        })
    });
    g.finish();

    let items: Vec<serde_json::Value> = (0..1000).map(mailbox).collect();
    c.bench_function("clixml write 1000 mailboxes", |b| {
        b.iter(|| {
            let mut total = 0;
            for item in &items {
                let mut w = Writer::new();
                w.write(None, &json_to_object("Get-Mailbox", black_box(item)));
                total += w.finish().len();
            }
            total
        })
    });

    let envelope = include_str!("../tests/fixtures/pypsrp_command.xml");
    let Ok(Request {
        body: Body::Command(cl),
        ..
    }) = Request::parse(envelope)
    else {
        panic!("fixture parses")
    };
    let mut d = Defragmenter::default();
    let msg = d.push_packet(&cl.arguments).expect("fragments").remove(0);
    let xml = Message::parse(&msg.message)
        .expect("message")
        .text()
        .expect("utf-8")
        .to_owned();
    c.bench_function("clixml read CREATE_PIPELINE", |b| {
        b.iter(|| from_clixml(black_box(&xml)).expect("valid"))
    });
    c.bench_function("wsman parse Command envelope", |b| {
        b.iter_batched(
            || envelope,
            |e| Request::parse(black_box(e)).expect("valid"),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
