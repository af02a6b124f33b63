//! Pipeline semantics against a fake upstream: binding by Identity, several statements,
//! terminating and non-terminating failures.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use exomig_codec::clixml::{from_clixml, Value};
use exomig_codec::psrp::pipeline::{Argument, Command, CreatePipeline};
use exomig_codec::psrp::{Defragmenter, Message, MessageType};
use serde_json::json;
use uuid::Uuid;

use crate::app::App;
use crate::backend::{
    Backend, BoxFuture, CredentialError, InvokeError, InvokeOutput, UpstreamCall,
    UpstreamCredential,
};
use crate::config::ProxyConfig;
use crate::query::ConnectionQuery;
use crate::shell::{PipelineSlot, Shell};

#[derive(Default)]
struct Fake {
    calls: Mutex<Vec<(String, serde_json::Value)>>,
}

impl Backend for Fake {
    fn verify_password<'a>(
        &'a self,
        _user: &'a str,
        _password: &'a secrecy::SecretString,
        _tenant: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), CredentialError>> {
        Box::pin(async { Ok(()) })
    }

    fn invoke<'a>(
        &'a self,
        call: &'a UpstreamCall,
    ) -> BoxFuture<'a, Result<InvokeOutput, InvokeError>> {
        self.calls.lock().expect("lock").push((
            call.cmdlet.clone(),
            serde_json::Value::Object(call.parameters.clone()),
        ));
        let result = match call.cmdlet.as_str() {
            "Get-Mailbox" => Ok(InvokeOutput {
                objects: ["a@contoso.com", "b@contoso.com"]
                    .iter()
                    .map(|i| {
                        json!({"Identity": i, "Name": i})
                            .as_object()
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect(),
                warnings: vec!["careful".into()],
                errors: vec![],
            }),
            "Get-User" => Err(InvokeError::Exchange {
                status: 404,
                error_id: "Ex1".into(),
                class: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
                    .into(),
                message: "not found".into(),
                target: None,
            }),
            "Get-Recipient" => Err(InvokeError::Transport("connection refused".into())),
            _ => Ok(InvokeOutput::default()),
        };
        Box::pin(async move { result })
    }

    fn ready(&self) -> BoxFuture<'_, bool> {
        Box::pin(async { true })
    }
}

fn cmd(name: &str, args: &[(&str, &str)]) -> Command {
    Command {
        name: name.into(),
        is_script: false,
        use_local_scope: None,
        args: args
            .iter()
            .map(|(n, v)| Argument {
                name: Some((*n).to_owned()),
                value: Value::str(*v),
            })
            .collect(),
        merges: vec![],
    }
}

/// Runs one pipeline to its end and returns the upstream calls and the emitted messages.
async fn run(statements: Vec<Vec<Command>>) -> (Vec<(String, serde_json::Value)>, Vec<Message>) {
    let fake = Arc::new(Fake::default());
    let app = App::new(
        ProxyConfig::new("127.0.0.1:0".parse().expect("addr")),
        None,
        fake.clone(),
    );
    let shell = Arc::new(Shell::new(
        "S".into(),
        "o".into(),
        "u".into(),
        UpstreamCredential::App,
        ConnectionQuery::default(),
        "127.0.0.1".into(),
    ));
    let pid = Uuid::new_v4();
    shell
        .lock()
        .pipelines
        .insert(pid, PipelineSlot::new("C".into()));
    let create = CreatePipeline {
        no_input: true,
        add_to_history: false,
        is_nested: false,
        statements,
        history: None,
    };
    super::start(app, shell.clone(), pid, create, Vec::new());
    let mut waited = Duration::ZERO;
    while !shell.lock().pipelines.get(&pid).is_some_and(|p| p.finished) {
        assert!(waited < Duration::from_secs(10), "pipeline never finished");
        tokio::time::sleep(Duration::from_millis(5)).await;
        waited += Duration::from_millis(5);
    }
    let fragments = shell
        .lock()
        .pipelines
        .get_mut(&pid)
        .map(|p| p.out.take(usize::MAX / 2, 0))
        .unwrap_or_default();
    let mut defrag = Defragmenter::default();
    let mut messages = Vec::new();
    for f in fragments {
        for m in defrag.push_packet(&f).expect("fragments") {
            messages.push(Message::parse(&m.message).expect("message"));
        }
    }
    let calls = fake.calls.lock().expect("lock").clone();
    (calls, messages)
}

fn final_state(messages: &[Message]) -> Option<i64> {
    let last = messages.last()?;
    assert_eq!(last.message_type, MessageType::PIPELINE_STATE);
    from_clixml(last.text().ok()?)
        .ok()?
        .as_obj()?
        .get("PipelineState")?
        .as_i64()
}

fn count(messages: &[Message], t: MessageType) -> usize {
    messages.iter().filter(|m| m.message_type == t).count()
}

#[tokio::test]
async fn piped_objects_bind_to_identity_of_the_next_cmdlet() {
    let (calls, messages) = run(vec![vec![
        cmd("Get-Mailbox", &[]),
        cmd("Set-Mailbox", &[("DisplayName", "X")]),
    ]])
    .await;
    assert_eq!(
        calls,
        vec![
            ("Get-Mailbox".to_owned(), json!({})),
            (
                "Set-Mailbox".to_owned(),
                json!({"DisplayName": "X", "Identity": "a@contoso.com"})
            ),
            (
                "Set-Mailbox".to_owned(),
                json!({"DisplayName": "X", "Identity": "b@contoso.com"})
            ),
        ]
    );
    assert_eq!(count(&messages, MessageType::WARNING_RECORD), 1);
    assert_eq!(
        count(&messages, MessageType::PIPELINE_OUTPUT),
        0,
        "Set-Mailbox writes nothing"
    );
    assert_eq!(final_state(&messages), Some(4));
}

#[tokio::test]
async fn every_statement_runs_and_an_explicit_identity_wins() {
    let (calls, messages) = run(vec![
        vec![cmd("Get-Mailbox", &[])],
        vec![
            cmd("Get-Mailbox", &[]),
            cmd("Get-MailboxPermission", &[("Identity", "fixed")]),
        ],
    ])
    .await;
    let names: Vec<&str> = calls.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "Get-Mailbox",
            "Get-Mailbox",
            "Get-MailboxPermission",
            "Get-MailboxPermission"
        ]
    );
    assert_eq!(calls[2].1, json!({"Identity": "fixed"}));
    assert_eq!(
        count(&messages, MessageType::PIPELINE_OUTPUT),
        2,
        "outputs of the first statement"
    );
    let first = from_clixml(messages[1].text().expect("utf8")).expect("clixml");
    let obj = first.as_obj().expect("object");
    assert_eq!(
        obj.type_names[0],
        "Microsoft.Exchange.Data.Directory.Management.Mailbox"
    );
    assert_eq!(obj.to_string.as_deref(), Some("a@contoso.com"));
    assert_eq!(final_state(&messages), Some(4));
}

#[tokio::test]
async fn not_found_is_non_terminating_and_transport_failure_is_terminating() {
    let (_, messages) = run(vec![vec![cmd("Get-User", &[("Identity", "ghost")])]]).await;
    assert_eq!(count(&messages, MessageType::ERROR_RECORD), 1);
    assert_eq!(final_state(&messages), Some(4));

    let (_, messages) = run(vec![vec![cmd("Get-Recipient", &[])]]).await;
    assert_eq!(count(&messages, MessageType::ERROR_RECORD), 0);
    assert_eq!(final_state(&messages), Some(5), "Failed");
    let state = messages
        .last()
        .and_then(|m| m.text().ok())
        .unwrap_or_default();
    assert!(
        state.contains("ExceptionAsErrorRecord") && state.contains("UpstreamUnavailable"),
        "{state}"
    );
}

#[tokio::test]
async fn nothing_runs_when_any_command_is_unknown() {
    let (calls, messages) = run(vec![vec![
        cmd("Get-Mailbox", &[]),
        cmd("Remove-Everything", &[]),
    ]])
    .await;
    assert!(calls.is_empty(), "resolution happens before execution");
    assert_eq!(final_state(&messages), Some(5));
    let state = messages
        .last()
        .and_then(|m| m.text().ok())
        .unwrap_or_default();
    assert!(state.contains("CommandNotFoundException"), "{state}");
}
