//! WS-Management over SOAP 1.2 as spoken by WinRM clients and pypsrp: request
//! parsing by namespace URI, response and fault building, and envelope budgets.

pub mod budget;
mod duration;
pub mod fault;
pub mod inspect;
pub mod ns;
pub mod request;
pub mod response;
mod tree;

pub use duration::{format_idle_timeout, parse_duration};
pub use fault::{Fault, FaultKind};
pub use request::{
    Body, CommandLine, Header, Operation, ReceiveRequest, Request, SendRequest, SendStream,
    ShellCreate, Signal, SignalCode, WsmanError,
};
pub use response::{CommandState, ReceiveResponse, ReplyTo, ShellInfo, StreamPacket};
