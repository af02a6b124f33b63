//! CREATE_PIPELINE, GET_COMMAND_METADATA and PIPELINE_STATE.

use super::PsrpError;
use crate::clixml::{to_clixml, PsObject, Value};

/// PSInvocationState values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum PipelineState {
    /// 0
    NotStarted = 0,
    /// 1
    Running = 1,
    /// 2
    Stopping = 2,
    /// 3: after a ctrl_c signal.
    Stopped = 3,
    /// 4
    Completed = 4,
    /// 5: carries `ExceptionAsErrorRecord`.
    Failed = 5,
    /// 6
    Disconnected = 6,
}

/// PIPELINE_STATE data; `error` is the `ExceptionAsErrorRecord` (an ErrorRecord
/// object, see [`super::records::ErrorRecord`]) for Failed.
pub fn pipeline_state(state: PipelineState, error: Option<Value>) -> String {
    let mut root = PsObject::default();
    root.push_extended("PipelineState", Value::I32(state as i32));
    if let Some(e) = error {
        root.push_extended("ExceptionAsErrorRecord", e);
    }
    to_clixml(&Value::obj(root))
}

/// One argument of a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    /// Parameter name without the leading `-`; `None` for a positional argument.
    pub name: Option<String>,
    /// The value; `Nil` for a bare switch.
    pub value: Value,
}

impl Argument {
    /// Whether the argument turns a switch on. Clients send a switch as a bare
    /// name (`V` = Nil), as `$true`, or as a serialized SwitchParameter; all three
    /// mean "present" unless the value is explicitly false.
    pub fn switch_value(&self) -> bool {
        match &self.value {
            Value::Nil => true,
            v => v.as_bool().unwrap_or(true),
        }
    }
}

/// One command of a statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// `Cmd`: the command name, or script text when `is_script`.
    pub name: String,
    /// `IsScript`
    pub is_script: bool,
    /// `UseLocalScope`; `None` when sent as Nil.
    pub use_local_scope: Option<bool>,
    /// `Args` in order.
    pub args: Vec<Argument>,
    /// The `Merge*` stream redirections, by property name, as their integer
    /// PipelineResultTypes value (kept for completeness; the proxy ignores them).
    pub merges: Vec<(String, i64)>,
}

/// A parsed CREATE_PIPELINE.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatePipeline {
    /// `NoInput`: false means input follows by Send until END_OF_PIPELINE_INPUT.
    pub no_input: bool,
    /// `AddToHistory`
    pub add_to_history: bool,
    /// `IsNested` (outer, or the PowerShell object's when only that is present).
    pub is_nested: bool,
    /// Statements in order, each a pipeline of commands. `ExtraCmds` wins when
    /// present because it holds every statement, the first repeated from `Cmds`.
    pub statements: Vec<Vec<Command>>,
    /// `History` text when given.
    pub history: Option<String>,
}

impl CreatePipeline {
    /// The first statement's commands.
    pub fn commands(&self) -> &[Command] {
        self.statements.first().map(Vec::as_slice).unwrap_or(&[])
    }

    /// Reads the message value.
    pub fn from_value(v: &Value) -> Result<Self, PsrpError> {
        const MSG: &str = "CREATE_PIPELINE";
        let root = v.as_obj().ok_or(PsrpError::Missing {
            message: MSG,
            what: "object",
        })?;
        let ps = root
            .get("PowerShell")
            .and_then(Value::as_obj)
            .ok_or(PsrpError::Missing {
                message: MSG,
                what: "PowerShell",
            })?;
        let flag = |o: &PsObject, name: &str| o.get(name).and_then(Value::as_bool);
        let first = ps.get("Cmds").ok_or(PsrpError::Missing {
            message: MSG,
            what: "Cmds",
        })?;
        let mut statements = Vec::new();
        if let Some(extra) = ps.get("ExtraCmds").and_then(Value::as_list) {
            for stmt in extra {
                let cmds = stmt
                    .as_obj()
                    .and_then(|o| o.get("Cmds"))
                    .unwrap_or(&Value::Nil);
                statements.push(parse_commands(cmds)?);
            }
        }
        if statements.is_empty() {
            statements.push(parse_commands(first)?);
        }
        Ok(CreatePipeline {
            no_input: flag(root, "NoInput").unwrap_or(true),
            add_to_history: flag(root, "AddToHistory").unwrap_or(false),
            is_nested: flag(root, "IsNested")
                .or_else(|| flag(ps, "IsNested"))
                .unwrap_or(false),
            statements,
            history: ps.get("History").and_then(Value::as_str).map(str::to_owned),
        })
    }
}

fn parse_commands(list: &Value) -> Result<Vec<Command>, PsrpError> {
    let items = list.as_list().ok_or(PsrpError::Missing {
        message: "CREATE_PIPELINE",
        what: "Cmds list",
    })?;
    items.iter().map(parse_command).collect()
}

fn parse_command(v: &Value) -> Result<Command, PsrpError> {
    const MSG: &str = "CREATE_PIPELINE";
    let o = v.as_obj().ok_or(PsrpError::Missing {
        message: MSG,
        what: "command object",
    })?;
    let name = o
        .get("Cmd")
        .and_then(Value::as_str)
        .ok_or(PsrpError::Missing {
            message: MSG,
            what: "Cmd",
        })?
        .to_owned();
    let mut args = Vec::new();
    if let Some(list) = o.get("Args").and_then(Value::as_list) {
        for a in list {
            let ao = a.as_obj().ok_or(PsrpError::Missing {
                message: MSG,
                what: "argument object",
            })?;
            let name = ao
                .get("N")
                .and_then(Value::as_str)
                .map(|n| n.trim_start_matches('-').to_owned());
            let value = ao.get("V").cloned().unwrap_or(Value::Nil);
            // `-Switch:$true` arrives from some hosts as one name with the value
            // glued on; split it so callers see a plain named argument.
            let (name, value) = match name {
                Some(n) if n.ends_with(':') => (Some(n.trim_end_matches(':').to_owned()), value),
                Some(n) => match n.split_once(':') {
                    Some((pn, lit)) if value.is_nil() => (Some(pn.to_owned()), literal_switch(lit)),
                    _ => (Some(n), value),
                },
                None => (None, value),
            };
            args.push(Argument { name, value });
        }
    }
    let merges = o
        .extended
        .iter()
        .chain(o.props.iter())
        .filter(|(n, _)| n.starts_with("Merge"))
        .filter_map(|(n, v)| v.as_i64().map(|i| (n.clone(), i)))
        .collect();
    Ok(Command {
        name,
        is_script: o.get("IsScript").and_then(Value::as_bool).unwrap_or(false),
        use_local_scope: o.get("UseLocalScope").and_then(Value::as_bool),
        args,
        merges,
    })
}

fn literal_switch(lit: &str) -> Value {
    match lit.trim().to_ascii_lowercase().as_str() {
        "$false" | "false" | "0" => Value::Bool(false),
        _ => Value::Bool(true),
    }
}

/// A parsed GET_COMMAND_METADATA (Import-PSSession's command discovery).
#[derive(Debug, Clone, PartialEq)]
pub struct GetCommandMetadata {
    /// `Name` patterns (wildcards allowed), e.g. `["*"]`.
    pub names: Vec<String>,
    /// `CommandType` flags (plain `I32` or an enum object).
    pub command_type: Option<i64>,
    /// `Namespace` (module names); empty when Nil.
    pub namespaces: Vec<String>,
    /// `ArgumentList`; empty when Nil.
    pub argument_list: Vec<Value>,
}

impl GetCommandMetadata {
    /// Reads the message value.
    pub fn from_value(v: &Value) -> Result<Self, PsrpError> {
        let o = v.as_obj().ok_or(PsrpError::Missing {
            message: "GET_COMMAND_METADATA",
            what: "object",
        })?;
        let strings = |name: &str| -> Vec<String> {
            match o.get(name) {
                Some(Value::Str(s)) => vec![s.clone()],
                Some(v) => v
                    .as_list()
                    .map(|l| {
                        l.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                None => Vec::new(),
            }
        };
        Ok(GetCommandMetadata {
            names: strings("Name"),
            command_type: o.get("CommandType").and_then(Value::as_i64),
            namespaces: strings("Namespace"),
            argument_list: o
                .get("ArgumentList")
                .and_then(Value::as_list)
                .map(<[Value]>::to_vec)
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clixml::from_clixml;

    #[test]
    fn completed_state_golden() {
        assert_eq!(
            pipeline_state(PipelineState::Completed, None),
            "<Obj RefId=\"0\"><MS><I32 N=\"PipelineState\">4</I32></MS></Obj>"
        );
    }

    #[test]
    fn metadata_accepts_both_command_type_forms() {
        let pypsrp = r#"<Obj RefId="0"><MS><Obj N="Name" RefId="1"><TN RefId="0"><T>System.String[]</T><T>System.Array</T><T>System.Object</T></TN><LST><S>*</S></LST></Obj><I32 N="CommandType">511</I32><Nil N="Namespace" /><Nil N="ArgumentList" /></MS></Obj>"#;
        let psrpcore = r#"<Obj RefId="0"><MS><Obj N="Name" RefId="1"><LST><S>Get-*</S><S>Set-Mailbox</S></LST></Obj><Obj N="CommandType" RefId="2"><I32>271</I32><TN RefId="0"><T>System.Management.Automation.CommandTypes</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Alias, Function, Filter, Cmdlet, Configuration</ToString></Obj><Obj N="Namespace" RefId="3"><LST><S>ExchangeOnline</S></LST></Obj><Nil N="ArgumentList" /></MS></Obj>"#;
        let a = GetCommandMetadata::from_value(&from_clixml(pypsrp).expect("xml")).expect("a");
        assert_eq!(a.names, vec!["*"]);
        assert_eq!(a.command_type, Some(511));
        assert!(a.namespaces.is_empty());
        let b = GetCommandMetadata::from_value(&from_clixml(psrpcore).expect("xml")).expect("b");
        assert_eq!(b.names, vec!["Get-*", "Set-Mailbox"]);
        assert_eq!(b.command_type, Some(271));
        assert_eq!(b.namespaces, vec!["ExchangeOnline"]);
    }

    fn pipeline_with_args(args: &str) -> CreatePipeline {
        let xml = format!(
            r#"<Obj RefId="0"><MS><B N="NoInput">false</B><B N="AddToHistory">true</B><B N="IsNested">false</B><Obj N="PowerShell" RefId="1"><MS><B N="IsNested">false</B><Nil N="ExtraCmds" /><Obj N="Cmds" RefId="2"><LST><Obj RefId="3"><MS><S N="Cmd">Set-Mailbox</S><B N="IsScript">false</B><B N="UseLocalScope">true</B><Obj N="Args" RefId="4"><LST>{args}</LST></Obj></MS></Obj></LST></Obj><S N="History">Set-Mailbox x</S></MS></Obj></MS></Obj>"#
        );
        CreatePipeline::from_value(&from_clixml(&xml).expect("xml")).expect("pipeline")
    }

    #[test]
    fn switches_in_every_form() {
        let p = pipeline_with_args(
            r#"<Obj RefId="10"><MS><S N="N">-Bare</S><Nil N="V" /></MS></Obj>
               <Obj RefId="11"><MS><S N="N">-WithTrue</S><B N="V">true</B></MS></Obj>
               <Obj RefId="12"><MS><S N="N">-Glued:$true</S><Nil N="V" /></MS></Obj>
               <Obj RefId="13"><MS><S N="N">-GluedOff:$false</S><Nil N="V" /></MS></Obj>
               <Obj RefId="14"><MS><S N="N">-Colon:</S><B N="V">false</B></MS></Obj>
               <Obj RefId="15"><MS><S N="N">Typed</S><Obj N="V" RefId="16"><TN RefId="0"><T>System.Management.Automation.SwitchParameter</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>True</ToString><Props><B N="IsPresent">true</B></Props></Obj></MS></Obj>
               <Obj RefId="17"><MS><S N="N">TypedOff</S><Obj N="V" RefId="18"><TNRef RefId="0" /><ToString>False</ToString><Props><B N="IsPresent">false</B></Props></Obj></MS></Obj>"#,
        );
        let on: Vec<(String, bool)> = p.commands()[0]
            .args
            .iter()
            .map(|a| (a.name.clone().unwrap_or_default(), a.switch_value()))
            .collect();
        assert_eq!(
            on,
            vec![
                ("Bare".to_owned(), true),
                ("WithTrue".to_owned(), true),
                ("Glued".to_owned(), true),
                ("GluedOff".to_owned(), false),
                ("Colon".to_owned(), false),
                ("Typed".to_owned(), true),
                ("TypedOff".to_owned(), false),
            ]
        );
        assert!(!p.no_input);
        assert!(p.add_to_history);
        assert_eq!(p.history.as_deref(), Some("Set-Mailbox x"));
        assert_eq!(p.commands()[0].use_local_scope, Some(true));
        assert_eq!(p.statements.len(), 1, "Nil ExtraCmds falls back to Cmds");
    }

    #[test]
    fn missing_cmd_is_reported() {
        let v = from_clixml(r#"<Obj RefId="0"><MS><Obj N="PowerShell" RefId="1"><MS><Obj N="Cmds" RefId="2"><LST><Obj RefId="3"><MS /></Obj></LST></Obj></MS></Obj></MS></Obj>"#).expect("xml");
        assert_eq!(
            CreatePipeline::from_value(&v),
            Err(PsrpError::Missing {
                message: "CREATE_PIPELINE",
                what: "Cmd"
            })
        );
        assert!(CreatePipeline::from_value(&Value::I32(1)).is_err());
    }
}
