//! Running pipelines: CREATE_PIPELINE (local commands and Exchange cmdlets forwarded
//! upstream) and GET_COMMAND_METADATA (answered from the catalogue).

pub mod bind;
pub mod local;
mod metadata;

use std::sync::Arc;

use exomig_codec::clixml::{json, to_clixml, Value};
use exomig_codec::psrp::pipeline::{pipeline_state, Command, CreatePipeline, PipelineState};
use exomig_codec::psrp::records::{warning_record, ErrorRecord};
use exomig_codec::psrp::MessageType;
use uuid::Uuid;

use crate::app::App;
use crate::backend::{InvokeError, UpstreamCall};
use crate::catalog::Cmdlet;
use crate::error_map;
use crate::shell::Shell;
use bind::{bind_arguments, identity_of, BindError};
use local::LocalCommand;

pub use metadata::answer_command_metadata;

/// A terminating failure: the record that goes into PIPELINE_STATE Failed.
type Failure = Box<ErrorRecord>;

/// A CREATE_PIPELINE waiting for END_OF_PIPELINE_INPUT.
#[derive(Debug, Clone)]
pub struct PendingPipeline {
    pub create: CreatePipeline,
}

/// Writes one pipeline's messages into its shell. Messages are buffered and handed over in
/// batches, so a waiting Receive gets many objects (and the final state) in one response
/// instead of waking for each.
pub struct Emitter {
    shell: Arc<Shell>,
    pid: Uuid,
    buffer: std::sync::Mutex<Vec<(MessageType, String)>>,
}

/// Hand buffered output to the shell once this many messages are waiting, so long outputs
/// stream instead of arriving all at the end.
const FLUSH_AT: usize = 64;

impl Emitter {
    pub fn new(shell: Arc<Shell>, pid: Uuid) -> Self {
        Self {
            shell,
            pid,
            buffer: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn send(&self, message_type: MessageType, data: String) {
        let full = {
            let mut b = self.buffer.lock().unwrap_or_else(|p| p.into_inner());
            b.push((message_type, data));
            b.len() >= FLUSH_AT
        };
        if full {
            self.flush(false);
        }
    }

    fn flush(&self, finished: bool) {
        let batch = std::mem::take(&mut *self.buffer.lock().unwrap_or_else(|p| p.into_inner()));
        self.shell.emit_batch(self.pid, batch, finished);
    }

    pub fn output(&self, v: &Value) {
        self.send(MessageType::PIPELINE_OUTPUT, to_clixml(v));
    }

    pub fn error(&self, rec: &ErrorRecord) {
        self.send(MessageType::ERROR_RECORD, rec.to_message_data());
    }

    pub fn warning(&self, text: &str) {
        self.send(MessageType::WARNING_RECORD, warning_record(text));
    }

    /// Queues the final state with everything still buffered and marks the pipeline
    /// finished, atomically, so a Receive never sees the state without `Done`.
    pub fn finish(&self, state: PipelineState, error: Option<&ErrorRecord>) {
        self.buffer.lock().unwrap_or_else(|p| p.into_inner()).push((
            MessageType::PIPELINE_STATE,
            pipeline_state(state, error.map(|e| e.to_value(false))),
        ));
        self.flush(true);
    }
}

/// Starts a pipeline in the background; its output goes to the pipeline's queue.
pub fn start(
    app: Arc<App>,
    shell: Arc<Shell>,
    pid: Uuid,
    create: CreatePipeline,
    input: Vec<Value>,
) {
    let task_shell = shell.clone();
    let handle = tokio::spawn(async move {
        let emitter = Emitter::new(task_shell.clone(), pid);
        match run(&app, &task_shell, &emitter, &create, input).await {
            Ok(()) => emitter.finish(PipelineState::Completed, None),
            Err(rec) => emitter.finish(PipelineState::Failed, Some(&rec)),
        }
    });
    let mut st = shell.lock();
    match st.pipelines.get_mut(&pid) {
        Some(slot) if !slot.finished => slot.task = Some(handle.abort_handle()),
        _ => {}
    }
}

/// Stops a running pipeline (ctrl_c): PIPELINE_STATE Stopped.
pub fn stop(shell: &Arc<Shell>, pid: Uuid) {
    let running = {
        let mut st = shell.lock();
        match st.pipelines.get_mut(&pid) {
            Some(slot) if !slot.finished => {
                if let Some(t) = slot.task.take() {
                    t.abort();
                }
                slot.pending = None;
                true
            }
            _ => false,
        }
    };
    if running {
        Emitter::new(shell.clone(), pid).finish(PipelineState::Stopped, None);
    }
}

enum Step<'a> {
    Local(LocalCommand),
    Exchange(&'a Cmdlet),
}

/// Checks every command before running any, as PowerShell resolves a whole pipeline first.
fn resolve<'a>(app: &'a App, commands: &[Command]) -> Result<Vec<Step<'a>>, Failure> {
    commands
        .iter()
        .map(|c| {
            if c.is_script {
                return Err(Box::new(error_map::scripts_not_allowed(&c.name)));
            }
            if let Some(l) = LocalCommand::lookup(&c.name) {
                return Ok(Step::Local(l));
            }
            app.catalog
                .get(&c.name)
                .map(Step::Exchange)
                .ok_or_else(|| Box::new(error_map::command_not_found(&c.name)))
        })
        .collect()
}

async fn run(
    app: &Arc<App>,
    shell: &Arc<Shell>,
    emitter: &Emitter,
    create: &CreatePipeline,
    input: Vec<Value>,
) -> Result<(), Failure> {
    let mut plans = Vec::with_capacity(create.statements.len());
    for statement in &create.statements {
        plans.push(resolve(app, statement)?);
    }
    let mut input = Some(input);
    for (statement, steps) in create.statements.iter().zip(plans) {
        // Pipeline input feeds the first statement only.
        let mut stream = input.take().unwrap_or_default();
        let mut piped = !create.no_input;
        for (command, step) in statement.iter().zip(steps) {
            stream = match step {
                Step::Local(l) => l.run(command, stream).map_err(|m| {
                    error_map::parameter_binding(
                        &command.name,
                        m,
                        "ParameterArgumentValidationError",
                    )
                })?,
                Step::Exchange(cmdlet) => {
                    run_exchange(
                        app,
                        shell,
                        emitter,
                        cmdlet,
                        command,
                        piped.then_some(stream),
                    )
                    .await?
                }
            };
            piped = true;
        }
        for v in &stream {
            emitter.output(v);
        }
    }
    Ok(())
}

/// One Exchange cmdlet: once without input, or once per piped object with its identity
/// bound to `Identity` (unless given explicitly), as the module binds by property name.
async fn run_exchange(
    app: &Arc<App>,
    shell: &Arc<Shell>,
    emitter: &Emitter,
    cmdlet: &Cmdlet,
    command: &Command,
    input: Option<Vec<Value>>,
) -> Result<Vec<Value>, Failure> {
    let bound = bind_arguments(cmdlet, command).map_err(|BindError::Positional(v)| {
        Box::new(error_map::parameter_binding(
            &cmdlet.name,
            format!("A positional parameter cannot be found that accepts argument '{v}'."),
            "PositionalParameterNotFound",
        ))
    })?;
    let calls: Vec<serde_json::Map<String, serde_json::Value>> = match input
        .filter(|i| !i.is_empty())
    {
        None => vec![bound.parameters.clone()],
        Some(objects) => {
            let target = cmdlet
                .parameters
                .iter()
                .find(|p| p.pipeline_by_property_name)
                .map(|p| p.name.clone());
            objects
                .iter()
                .filter_map(|o| {
                    let mut params = bound.parameters.clone();
                    match &target {
                        Some(name) if !params.contains_key(name) => {
                            params.insert(name.clone(), serde_json::Value::String(identity_of(o)?));
                        }
                        _ => {}
                    }
                    Some(params)
                })
                .collect()
        }
    };
    let tenant = shell
        .query
        .delegated_org
        .clone()
        .or_else(|| app.config.tenant.clone());
    let mut out = Vec::new();
    for parameters in calls {
        let identity = parameters
            .get("Identity")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let call = UpstreamCall {
            credential: shell.credential.clone(),
            tenant: tenant.clone(),
            cmdlet: cmdlet.name.clone(),
            parameters,
        };
        let started = std::time::Instant::now();
        let outcome = app.backend.invoke(&call).await;
        app.metrics.observe_cmdlet(&cmdlet.name, started.elapsed());
        match outcome {
            Ok(result) => {
                for w in result.warnings.iter().filter(|_| !bound.quiet_warnings) {
                    emitter.warning(w);
                }
                for e in &result.errors {
                    let rec = error_map::invoke_error_record(&cmdlet.name, e, identity.as_deref());
                    if bound.stop_on_error {
                        return Err(Box::new(rec));
                    }
                    if !bound.quiet_errors {
                        emitter.error(&rec);
                    }
                }
                out.extend(
                    result
                        .objects
                        .into_iter()
                        .map(|o| to_exchange_object(app, cmdlet, o)),
                );
            }
            Err(e @ InvokeError::Exchange { .. }) => {
                let rec = error_map::invoke_error_record(&cmdlet.name, &e, identity.as_deref());
                if bound.stop_on_error {
                    return Err(Box::new(rec));
                }
                // Non-terminating, as Exchange reports a missing object.
                if !bound.quiet_errors {
                    emitter.error(&rec);
                }
            }
            Err(e) => {
                return Err(Box::new(error_map::invoke_error_record(
                    &cmdlet.name,
                    &e,
                    identity.as_deref(),
                )))
            }
        }
    }
    Ok(out)
}

/// A REST output item as a `Deserialized.Microsoft.Exchange…` object: the codec's mapping,
/// with the catalogue's type chain where the codec only knows a property bag.
fn to_exchange_object(
    app: &App,
    cmdlet: &Cmdlet,
    item: serde_json::Map<String, serde_json::Value>,
) -> Value {
    // Taken by value: cloning every REST object's map just to wrap it was a measurable
    // share of a pipeline's CPU time.
    let json_item = serde_json::Value::Object(item);
    let mut value = json::json_to_object(&cmdlet.name, &json_item);
    if let Value::Obj(o) = &mut value {
        let generic = o
            .type_names
            .iter()
            .map(String::as_str)
            .eq(json::CUSTOM_OBJECT.iter().copied());
        if generic && cmdlet.output.is_some() {
            o.type_names = app.catalog.type_chain(cmdlet);
            o.props = std::mem::take(&mut o.extended);
        }
    }
    value
}

#[cfg(test)]
mod tests;
