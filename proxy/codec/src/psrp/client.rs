//! Classification of messages a client sends, so the server handles each kind
//! once and ignores host responses safely.

use super::capability::SessionCapability;
use super::pipeline::{CreatePipeline, GetCommandMetadata};
use super::pool::{InitRunspacePool, RunspaceRequest};
use super::{Message, MessageType, PsrpError};
use crate::clixml::Value;

/// A decoded client→server message.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// SESSION_CAPABILITY
    SessionCapability(SessionCapability),
    /// INIT_RUNSPACEPOOL
    InitRunspacePool(InitRunspacePool),
    /// CREATE_PIPELINE
    CreatePipeline(CreatePipeline),
    /// GET_COMMAND_METADATA
    GetCommandMetadata(GetCommandMetadata),
    /// PIPELINE_INPUT: one input object.
    PipelineInput(Value),
    /// END_OF_PIPELINE_INPUT
    EndOfPipelineInput,
    /// SET_MAX_RUNSPACES
    SetMaxRunspaces(RunspaceRequest),
    /// SET_MIN_RUNSPACES
    SetMinRunspaces(RunspaceRequest),
    /// GET_AVAILABLE_RUNSPACES
    GetAvailableRunspaces(RunspaceRequest),
    /// Host responses and other messages the proxy never asked for; the server
    /// drops them (it sends no host calls).
    Ignored(MessageType),
}

impl ClientMessage {
    /// Decodes the payload of a reassembled client message.
    pub fn decode(m: &Message) -> Result<Self, PsrpError> {
        let t = m.message_type;
        Ok(match t {
            MessageType::SESSION_CAPABILITY => {
                Self::SessionCapability(SessionCapability::from_value(&m.value()?)?)
            }
            MessageType::INIT_RUNSPACEPOOL => {
                Self::InitRunspacePool(InitRunspacePool::from_value(&m.value()?)?)
            }
            MessageType::CREATE_PIPELINE => {
                Self::CreatePipeline(CreatePipeline::from_value(&m.value()?)?)
            }
            MessageType::GET_COMMAND_METADATA => {
                Self::GetCommandMetadata(GetCommandMetadata::from_value(&m.value()?)?)
            }
            MessageType::PIPELINE_INPUT => Self::PipelineInput(m.value()?),
            MessageType::END_OF_PIPELINE_INPUT => Self::EndOfPipelineInput,
            MessageType::SET_MAX_RUNSPACES => {
                Self::SetMaxRunspaces(RunspaceRequest::from_value(&m.value()?)?)
            }
            MessageType::SET_MIN_RUNSPACES => {
                Self::SetMinRunspaces(RunspaceRequest::from_value(&m.value()?)?)
            }
            MessageType::GET_AVAILABLE_RUNSPACES => {
                Self::GetAvailableRunspaces(RunspaceRequest::from_value(&m.value()?)?)
            }
            other => Self::Ignored(other),
        })
    }
}
