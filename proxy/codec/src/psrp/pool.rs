//! Runspace pool messages: INIT_RUNSPACEPOOL, APPLICATION_PRIVATE_DATA,
//! RUNSPACEPOOL_STATE, SET_MAX/MIN_RUNSPACES and their replies.

use super::capability::{SERVER_PROTOCOL_VERSION, SERVER_SERIALIZATION_VERSION};
use super::PsrpError;
use crate::clixml::{to_clixml, Container, PsObject, Value};

/// A PowerShell version for the server's `PSVersionTable.PSVersion`. Windows reads
/// it as the remote ServerVersion; ≥ 5.1 makes Import-PSSession pass
/// `-PowerShellVersion` to Get-FormatData, as against real Exchange servers.
pub const DEFAULT_SERVER_POWERSHELL_VERSION: &str = "5.1.17763.1";

/// RunspacePoolState values (MS-PSRP 2.2.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum RunspacePoolState {
    /// 0
    BeforeOpen = 0,
    /// 1
    Opening = 1,
    /// 2
    Opened = 2,
    /// 3
    Closed = 3,
    /// 4
    Closing = 4,
    /// 5: carries an error record.
    Broken = 5,
}

/// What INIT_RUNSPACEPOOL asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct InitRunspacePool {
    /// `MinRunspaces`
    pub min_runspaces: i32,
    /// `MaxRunspaces`
    pub max_runspaces: i32,
    /// `PSThreadOptions` enum value, when present.
    pub thread_options: Option<i64>,
    /// `ApartmentState` enum value, when present.
    pub apartment_state: Option<i64>,
    /// `HostInfo`, kept opaque.
    pub host_info: Option<Value>,
    /// `ApplicationArguments` (a PSPrimitiveDictionary or Nil).
    pub application_arguments: Option<Value>,
}

impl InitRunspacePool {
    /// Reads the message value.
    pub fn from_value(v: &Value) -> Result<Self, PsrpError> {
        const MSG: &str = "INIT_RUNSPACEPOOL";
        let o = v.as_obj().ok_or(PsrpError::Missing {
            message: MSG,
            what: "object",
        })?;
        let int = |name: &'static str| {
            o.get(name)
                .and_then(Value::as_i64)
                .and_then(|i| i32::try_from(i).ok())
                .ok_or(PsrpError::Missing {
                    message: MSG,
                    what: name,
                })
        };
        let non_nil = |name: &str| o.get(name).filter(|v| !v.is_nil()).cloned();
        Ok(InitRunspacePool {
            min_runspaces: int("MinRunspaces")?,
            max_runspaces: int("MaxRunspaces")?,
            thread_options: o.get("PSThreadOptions").and_then(Value::as_i64),
            apartment_state: o.get("ApartmentState").and_then(Value::as_i64),
            host_info: non_nil("HostInfo"),
            application_arguments: non_nil("ApplicationArguments"),
        })
    }
}

const PRIMITIVE_DICTIONARY: &[&str] = &[
    "System.Management.Automation.PSPrimitiveDictionary",
    "System.Collections.Hashtable",
    "System.Object",
];

fn primitive_dict(entries: Vec<(&str, Value)>) -> Value {
    let mut o = PsObject::with_types(PRIMITIVE_DICTIONARY.iter().copied());
    o.container = Some(Container::Dict(
        entries
            .into_iter()
            .map(|(k, v)| (Value::str(k), v))
            .collect(),
    ));
    Value::obj(o)
}

/// APPLICATION_PRIVATE_DATA with a `PSVersionTable` (PSRemotingProtocolVersion,
/// SerializationVersion, PSVersion, …). It deliberately has no `DebugMode` key:
/// with one, Windows starts a remote debugger and runs an extra pipeline.
pub fn application_private_data(powershell_version: &str) -> String {
    let version_table = primitive_dict(vec![
        (
            "PSRemotingProtocolVersion",
            Value::Version(SERVER_PROTOCOL_VERSION.into()),
        ),
        (
            "SerializationVersion",
            Value::Version(SERVER_SERIALIZATION_VERSION.into()),
        ),
        ("PSVersion", Value::Version(powershell_version.into())),
        ("PSEdition", Value::str("Desktop")),
        ("WSManStackVersion", Value::Version("3.0".into())),
        ("BuildVersion", Value::Version(powershell_version.into())),
        ("CLRVersion", Value::Version("4.0.30319.42000".into())),
    ]);
    let data = primitive_dict(vec![("PSVersionTable", version_table)]);
    let mut root = PsObject::default();
    root.push_extended("ApplicationPrivateData", data);
    to_clixml(&Value::obj(root))
}

/// RUNSPACEPOOL_STATE data; `error` is the `ExceptionAsErrorRecord` for Broken.
pub fn runspace_pool_state(state: RunspacePoolState, error: Option<Value>) -> String {
    let mut root = PsObject::default();
    root.push_extended("RunspaceState", Value::I32(state as i32));
    if let Some(e) = error {
        root.push_extended("ExceptionAsErrorRecord", e);
    }
    to_clixml(&Value::obj(root))
}

/// A SET_MAX_RUNSPACES / SET_MIN_RUNSPACES / GET_AVAILABLE_RUNSPACES request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunspaceRequest {
    /// The call id (`ci`) to echo in RUNSPACE_AVAILABILITY.
    pub call_id: i64,
    /// `MaxRunspaces` or `MinRunspaces`; `None` for GET_AVAILABLE_RUNSPACES.
    pub value: Option<i32>,
}

impl RunspaceRequest {
    /// Reads the message value.
    pub fn from_value(v: &Value) -> Result<Self, PsrpError> {
        let o = v.as_obj().ok_or(PsrpError::Missing {
            message: "runspace request",
            what: "object",
        })?;
        let call_id = o
            .get("ci")
            .and_then(Value::as_i64)
            .ok_or(PsrpError::Missing {
                message: "runspace request",
                what: "ci",
            })?;
        let value = o
            .get("MaxRunspaces")
            .or_else(|| o.get("MinRunspaces"))
            .and_then(Value::as_i64)
            .and_then(|i| i32::try_from(i).ok());
        Ok(RunspaceRequest { call_id, value })
    }
}

/// RUNSPACE_AVAILABILITY answering SET_MAX/MIN_RUNSPACES.
pub fn set_runspaces_reply(call_id: i64, accepted: bool) -> String {
    let mut root = PsObject::default();
    root.push_extended("SetMinMaxRunspacesResponse", Value::Bool(accepted));
    root.push_extended("ci", Value::I64(call_id));
    to_clixml(&Value::obj(root))
}

/// RUNSPACE_AVAILABILITY answering GET_AVAILABLE_RUNSPACES.
pub fn available_runspaces_reply(call_id: i64, available: i64) -> String {
    let mut root = PsObject::default();
    root.push_extended("SetMinMaxRunspacesResponse", Value::I64(available));
    root.push_extended("ci", Value::I64(call_id));
    to_clixml(&Value::obj(root))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clixml::from_clixml;

    #[test]
    fn private_data_has_version_table_and_no_debug_mode() {
        let xml = application_private_data("5.1.17763.1");
        assert!(!xml.contains("DebugMode"));
        let v = from_clixml(&xml).expect("valid");
        let apd = v
            .as_obj()
            .and_then(|o| o.get("ApplicationPrivateData"))
            .and_then(Value::as_obj)
            .expect("apd");
        assert!(apd.is_type("System.Management.Automation.PSPrimitiveDictionary"));
        let Some(Container::Dict(entries)) = &apd.container else {
            panic!("dict expected")
        };
        let (_, table) = entries
            .iter()
            .find(|(k, _)| k.as_str() == Some("PSVersionTable"))
            .expect("table");
        let Some(Container::Dict(t)) = table.as_obj().and_then(|o| o.container.as_ref()) else {
            panic!("dict")
        };
        let get = |k: &str| {
            t.iter()
                .find(|(key, _)| key.as_str() == Some(k))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("PSVersion"), Some(Value::Version("5.1.17763.1".into())));
        assert_eq!(
            get("PSRemotingProtocolVersion"),
            Some(Value::Version("2.3".into()))
        );
        assert_eq!(
            get("SerializationVersion"),
            Some(Value::Version("1.1.0.1".into()))
        );
        // The second dictionary reuses the first TN list.
        assert!(xml.contains("<TNRef RefId=\"0\" />"));
    }

    #[test]
    fn pool_state_golden() {
        assert_eq!(
            runspace_pool_state(RunspacePoolState::Opened, None),
            "<Obj RefId=\"0\"><MS><I32 N=\"RunspaceState\">2</I32></MS></Obj>"
        );
    }

    #[test]
    fn init_runspace_pool_from_pypsrp_shape() {
        let xml = r#"<Obj RefId="0"><MS><I32 N="MinRunspaces">1</I32><I32 N="MaxRunspaces">3</I32><Obj N="PSThreadOptions" RefId="1"><TN RefId="0"><T>System.Management.Automation.Runspaces.PSThreadOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Default</ToString><I32>0</I32></Obj><Obj N="ApartmentState" RefId="2"><TN RefId="1"><T>System.Threading.ApartmentState</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Unknown</ToString><I32>2</I32></Obj><Obj N="HostInfo" RefId="3"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B><B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj><Nil N="ApplicationArguments" /></MS></Obj>"#;
        let init = InitRunspacePool::from_value(&from_clixml(xml).expect("xml")).expect("init");
        assert_eq!((init.min_runspaces, init.max_runspaces), (1, 3));
        assert_eq!(init.apartment_state, Some(2));
        assert_eq!(init.thread_options, Some(0));
        assert!(init.host_info.is_some());
        assert!(init.application_arguments.is_none());
    }

    #[test]
    fn set_max_runspaces_round_trip() {
        let req = from_clixml(
            r#"<Obj RefId="0"><MS><I32 N="MaxRunspaces">5</I32><I64 N="ci">7</I64></MS></Obj>"#,
        )
        .expect("xml");
        let r = RunspaceRequest::from_value(&req).expect("request");
        assert_eq!(
            r,
            RunspaceRequest {
                call_id: 7,
                value: Some(5)
            }
        );
        let reply = from_clixml(&set_runspaces_reply(r.call_id, true)).expect("xml");
        let o = reply.as_obj().expect("obj");
        assert_eq!(
            o.get("SetMinMaxRunspacesResponse"),
            Some(&Value::Bool(true))
        );
        assert_eq!(o.get("ci"), Some(&Value::I64(7)));
    }
}
