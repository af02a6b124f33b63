//! GET_COMMAND_METADATA (Import-PSSession's discovery), answered from the catalogue.

use std::sync::Arc;

use exomig_codec::psrp::pipeline::{GetCommandMetadata, PipelineState};
use exomig_codec::psrp::records::{command_metadata_count, CommandMetadata};
use exomig_codec::psrp::MessageType;
use uuid::Uuid;

use super::Emitter;
use crate::app::App;
use crate::catalog::Cmdlet;
use crate::shell::Shell;

/// CommandTypes flags: 8 Cmdlet, 2 Function (RBAC-trimmed Exchange cmdlets are functions).
const CMDLET: i64 = 8;
const FUNCTION: i64 = 2;

/// The module name Import-PSSession shows for the imported commands.
const NAMESPACE: &str = "tmp_exomig";

pub fn answer_command_metadata(
    app: &Arc<App>,
    shell: &Arc<Shell>,
    pid: Uuid,
    request: &GetCommandMetadata,
) {
    let emitter = Emitter::new(shell.clone(), pid);
    let wanted_type = request.command_type.unwrap_or(CMDLET | FUNCTION);
    let patterns: Vec<String> = if request.names.is_empty() {
        vec!["*".to_owned()]
    } else {
        request.names.clone()
    };
    let commands: Vec<&Cmdlet> = if wanted_type & (CMDLET | FUNCTION) == 0 {
        Vec::new()
    } else {
        app.catalog.matching(&patterns).collect()
    };
    emitter.send(
        MessageType::PIPELINE_OUTPUT,
        command_metadata_count(i32::try_from(commands.len()).unwrap_or(i32::MAX)),
    );
    for c in commands {
        let parameters = c
            .parameters
            .iter()
            .chain(app.catalog.common_parameters())
            .map(|p| (p.name.clone(), p.switch, p.aliases.clone()))
            .collect();
        let meta = CommandMetadata {
            name: c.name.clone(),
            command_type: if wanted_type & CMDLET != 0 { 8 } else { 2 },
            namespace: NAMESPACE.to_owned(),
            parameters,
        };
        emitter.send(MessageType::PIPELINE_OUTPUT, meta.to_message_data());
    }
    emitter.finish(PipelineState::Completed, None);
}
