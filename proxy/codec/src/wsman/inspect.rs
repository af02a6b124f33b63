//! Reading the proxy's own responses back, for tests that play the client
//! side (the server never needs this).

use base64::Engine as _;

use super::ns;
use super::request::WsmanError;
use super::response::{CommandState, StreamPacket};
use super::tree;

/// The parts of a response envelope a client acts on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseSummary {
    /// `a:Action`
    pub action: String,
    /// `a:RelatesTo`
    pub relates_to: Option<String>,
    /// ShellId from `ResourceCreated/ReferenceParameters/SelectorSet` (Create).
    pub shell_id: Option<String>,
    /// `rsp:CommandResponse/rsp:CommandId` (Command).
    pub command_id: Option<String>,
    /// Decoded `rsp:Stream` elements of a ReceiveResponse, in order.
    pub streams: Vec<StreamPacket>,
    /// CommandState of a ReceiveResponse.
    pub command_state: Option<CommandState>,
    /// `f:WSManFault/@Code` of a fault.
    pub fault_code: Option<u32>,
    /// `f:WSManFault/f:Message` text of a fault.
    pub fault_message: Option<String>,
}

/// Summarises a response envelope.
pub fn summarize(xml: &str) -> Result<ResponseSummary, WsmanError> {
    let root = tree::parse(xml).map_err(WsmanError::Xml)?;
    let header = root
        .child(ns::SOAP, "Header")
        .ok_or(WsmanError::NotSoap("no soap:Header"))?;
    let body = root
        .child(ns::SOAP, "Body")
        .ok_or(WsmanError::NotSoap("no soap:Body"))?;
    let text = |e: Option<&tree::Element>| e.map(|e| e.trimmed_text().to_owned());
    let mut out = ResponseSummary {
        action: text(header.child(ns::ADDRESSING, "Action"))
            .ok_or(WsmanError::Missing("wsa:Action"))?,
        relates_to: text(header.child(ns::ADDRESSING, "RelatesTo")),
        ..Default::default()
    };
    out.shell_id = body
        .child(ns::TRANSFER, "ResourceCreated")
        .and_then(|r| r.child(ns::ADDRESSING, "ReferenceParameters"))
        .and_then(|r| r.child(ns::WSMAN, "SelectorSet"))
        .and_then(|s| {
            s.children_named(ns::WSMAN, "Selector")
                .find(|s| s.attr("Name") == Some("ShellId"))
        })
        .map(|s| s.trimmed_text().to_owned());
    out.command_id = text(
        body.child(ns::SHELL, "CommandResponse")
            .and_then(|c| c.child(ns::SHELL, "CommandId")),
    );
    if let Some(rr) = body.child(ns::SHELL, "ReceiveResponse") {
        for s in rr.children_named(ns::SHELL, "Stream") {
            let compact: String = s
                .text
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let data = base64::engine::general_purpose::STANDARD
                .decode(compact.as_bytes())
                .map_err(|_| WsmanError::Base64("rsp:Stream"))?;
            out.streams.push(StreamPacket {
                name: s.attr("Name").unwrap_or_default().to_owned(),
                data,
            });
        }
        out.command_state = rr.child(ns::SHELL, "CommandState").map(|cs| {
            if cs.attr("State").is_some_and(|s| s.ends_with("/Done")) {
                let exit_code = cs
                    .child(ns::SHELL, "ExitCode")
                    .and_then(|e| e.trimmed_text().parse().ok());
                CommandState::Done { exit_code }
            } else {
                CommandState::Running
            }
        });
    }
    if let Some(f) = body
        .child(ns::SOAP, "Fault")
        .and_then(|f| f.child(ns::SOAP, "Detail"))
        .and_then(|d| d.child(ns::WSMAN_FAULT, "WSManFault"))
    {
        out.fault_code = f.attr("Code").and_then(|c| c.parse().ok());
        out.fault_message = text(f.child(ns::WSMAN_FAULT, "Message"));
    }
    Ok(out)
}
