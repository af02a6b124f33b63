//! The PSRP payloads Windows PowerShell 5.1 sends, in its own serialization shape
//! (enum objects with type chains, every CREATE_PIPELINE field it writes).

use exomig_codec::clixml::{to_clixml, Container, PsObject, Value};

/// Windows PowerShell 5.1's version, as it appends it to the URI and reports it.
pub const CLIENT_PS_VERSION: &str = "5.1.19041.1";
/// CommandTypes that Import-PSSession asks for on 5.1: All minus Application, Script and
/// ExternalScript.
pub const IMPORT_COMMAND_TYPES: i32 = 399;

fn ms(props: Vec<(&str, Value)>) -> PsObject {
    let mut o = PsObject::default();
    for (n, v) in props {
        o.push_extended(n, v);
    }
    o
}

fn enumeration(enum_type: &str, label: &str, value: i32) -> Value {
    Value::obj(PsObject::enumeration(enum_type, label, value))
}

fn array_list(items: Vec<Value>) -> Value {
    let mut o = PsObject::with_types(["System.Collections.ArrayList", "System.Object"]);
    o.container = Some(Container::List(items));
    Value::obj(o)
}

fn string_array(items: &[&str]) -> Value {
    let mut o = PsObject::with_types(["System.String[]", "System.Array", "System.Object"]);
    o.container = Some(Container::List(
        items.iter().map(|s| Value::str(*s)).collect(),
    ));
    Value::obj(o)
}

fn host_info() -> Value {
    Value::obj(ms(vec![
        ("_isHostNull", Value::Bool(false)),
        ("_isHostUINull", Value::Bool(false)),
        ("_isHostRawUINull", Value::Bool(false)),
        ("_useRunspaceHost", Value::Bool(false)),
    ]))
}

/// SESSION_CAPABILITY as Windows PowerShell 5.1 sends it.
pub fn session_capability() -> String {
    to_clixml(&Value::obj(ms(vec![
        ("PSVersion", Value::Version("2.0".into())),
        ("protocolversion", Value::Version("2.3".into())),
        ("SerializationVersion", Value::Version("1.1.0.1".into())),
        ("TimeZone", Value::Bytes(vec![0; 16])),
    ])))
}

/// INIT_RUNSPACEPOOL with a host and the `PSVersionTable` application argument.
pub fn init_runspace_pool() -> String {
    let mut args = PsObject::with_types([
        "System.Management.Automation.PSPrimitiveDictionary",
        "System.Collections.Hashtable",
        "System.Object",
    ]);
    let mut table = PsObject::with_types([
        "System.Management.Automation.PSPrimitiveDictionary",
        "System.Collections.Hashtable",
        "System.Object",
    ]);
    table.container = Some(Container::Dict(vec![
        (
            Value::str("PSVersion"),
            Value::Version(CLIENT_PS_VERSION.into()),
        ),
        (Value::str("PSEdition"), Value::str("Desktop")),
        (
            Value::str("PSRemotingProtocolVersion"),
            Value::Version("2.3".into()),
        ),
    ]));
    args.container = Some(Container::Dict(vec![(
        Value::str("PSVersionTable"),
        Value::obj(table),
    )]));
    to_clixml(&Value::obj(ms(vec![
        ("MinRunspaces", Value::I32(1)),
        ("MaxRunspaces", Value::I32(1)),
        (
            "PSThreadOptions",
            enumeration(
                "System.Management.Automation.Runspaces.PSThreadOptions",
                "Default",
                0,
            ),
        ),
        (
            "ApartmentState",
            enumeration("System.Threading.ApartmentState", "Unknown", 2),
        ),
        ("HostInfo", host_info()),
        ("ApplicationArguments", Value::obj(args)),
    ])))
}

/// GET_COMMAND_METADATA as Import-PSSession sends it (`Name = *`, CommandType as an enum).
pub fn get_command_metadata(names: &[&str]) -> String {
    to_clixml(&Value::obj(ms(vec![
        ("Name", string_array(names)),
        (
            "CommandType",
            enumeration(
                "System.Management.Automation.CommandTypes",
                "Alias, Function, Filter, Cmdlet, Workflow",
                IMPORT_COMMAND_TYPES,
            ),
        ),
        ("Namespace", Value::Nil),
        ("ArgumentList", Value::Nil),
    ])))
}

/// One command of a pipeline: name and (parameter name or positional, value) arguments.
#[derive(Debug, Clone)]
pub struct Cmd {
    pub name: String,
    pub args: Vec<(Option<String>, Value)>,
}

impl Cmd {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &str, value: Value) -> Self {
        self.args.push((Some(name.to_owned()), value));
        self
    }
}

fn merge(name: &str) -> (String, Value) {
    (
        name.to_owned(),
        enumeration(
            "System.Management.Automation.Runspaces.PipelineResultTypes",
            "None",
            0,
        ),
    )
}

fn command(c: &Cmd) -> Value {
    let args = c
        .args
        .iter()
        .map(|(n, v)| {
            Value::obj(ms(vec![
                ("N", n.as_deref().map_or(Value::Nil, Value::str)),
                ("V", v.clone()),
            ]))
        })
        .collect();
    let mut o = ms(vec![
        ("Cmd", Value::str(&c.name)),
        ("IsScript", Value::Bool(false)),
        ("UseLocalScope", Value::Nil),
    ]);
    for m in [
        "MergeMyResult",
        "MergeToResult",
        "MergePreviousResults",
        "MergeError",
        "MergeWarning",
        "MergeVerbose",
        "MergeDebug",
        "MergeInformation",
    ] {
        let (n, v) = merge(m);
        o.push_extended(&n, v);
    }
    o.push_extended("Args", array_list(args));
    Value::obj(o)
}

/// CREATE_PIPELINE for one statement. Implicit remoting always has the input stream open,
/// so Windows sends `NoInput = false` and ends input with END_OF_PIPELINE_INPUT.
pub fn create_pipeline(commands: &[Cmd], no_input: bool) -> String {
    let powershell = ms(vec![
        ("IsNested", Value::Bool(false)),
        ("Cmds", array_list(commands.iter().map(command).collect())),
        ("History", Value::Nil),
        ("RedirectShellErrorOutputPipe", Value::Bool(true)),
    ]);
    to_clixml(&Value::obj(ms(vec![
        ("NoInput", Value::Bool(no_input)),
        (
            "ApartmentState",
            enumeration("System.Threading.ApartmentState", "Unknown", 2),
        ),
        (
            "RemoteStreamOptions",
            enumeration("System.Management.Automation.RemoteStreamOptions", "0", 0),
        ),
        ("AddToHistory", Value::Bool(false)),
        ("HostInfo", host_info()),
        ("PowerShell", Value::obj(powershell)),
        ("IsNested", Value::Bool(false)),
    ])))
}

/// `[System.Management.Automation.ActionPreference]` as a serialized enum, which implicit
/// remoting forwards for `-ErrorAction` and friends.
pub fn action_preference(label: &str, value: i32) -> Value {
    enumeration(
        "System.Management.Automation.ActionPreference",
        label,
        value,
    )
}
