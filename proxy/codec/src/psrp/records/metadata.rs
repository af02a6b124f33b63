//! GET_COMMAND_METADATA replies (psrp.md §6).

use crate::clixml::{to_clixml, Container, PsObject, Value};

/// The first PIPELINE_OUTPUT answering GET_COMMAND_METADATA: the count object.
pub fn command_metadata_count(count: i32) -> String {
    let mut o = PsObject::with_types([
        "Selected.Microsoft.PowerShell.Commands.GenericMeasureInfo",
        "System.Management.Automation.PSCustomObject",
        "System.Object",
    ]);
    o.push_extended("Count", Value::I32(count));
    to_clixml(&Value::obj(o))
}

/// One command for GET_COMMAND_METADATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandMetadata {
    /// Command name.
    pub name: String,
    /// CommandTypes value: 8 Cmdlet, 2 Function, 1 Alias.
    pub command_type: i32,
    /// Module name for `Namespace`.
    pub namespace: String,
    /// Parameters as (name, is_switch, aliases).
    pub parameters: Vec<(String, bool, Vec<String>)>,
}

/// PowerShell's common parameters as (name, is_switch, aliases). Import-PSSession
/// adds `[CmdletBinding()]` to a proxy only when every one of them is listed
/// (psrp.md §6); `ProgressAction` matters for PowerShell 7.4+ clients.
pub const COMMON_PARAMETERS: &[(&str, bool, &[&str])] = &[
    ("Verbose", true, &["vb"]),
    ("Debug", true, &["db"]),
    ("ErrorAction", false, &["ea"]),
    ("WarningAction", false, &["wa"]),
    ("InformationAction", false, &["infa"]),
    ("ProgressAction", false, &["proga"]),
    ("ErrorVariable", false, &["ev"]),
    ("WarningVariable", false, &["wv"]),
    ("InformationVariable", false, &["iv"]),
    ("OutVariable", false, &["ov"]),
    ("OutBuffer", false, &["ob"]),
    ("PipelineVariable", false, &["pv"]),
];

fn command_type_name(t: i32) -> &'static str {
    match t {
        1 => "Alias",
        2 => "Function",
        4 => "Filter",
        _ => "Cmdlet",
    }
}

impl CommandMetadata {
    /// Appends every common parameter not already listed.
    pub fn with_common_parameters(mut self) -> Self {
        for (name, is_switch, aliases) in COMMON_PARAMETERS {
            if !self
                .parameters
                .iter()
                .any(|(n, _, _)| n.eq_ignore_ascii_case(name))
            {
                self.parameters.push((
                    (*name).to_owned(),
                    *is_switch,
                    aliases.iter().map(|a| (*a).to_owned()).collect(),
                ));
            }
        }
        self
    }

    /// The PIPELINE_OUTPUT data for this command, in the shape Windows'
    /// `Get-Command | Select-Object …` produces.
    pub fn to_message_data(&self) -> String {
        let kind = command_type_name(self.command_type);
        let mut o = PsObject::with_types([
            format!("Selected.System.Management.Automation.{kind}Info"),
            "System.Management.Automation.PSCustomObject".into(),
            "System.Object".into(),
        ]);
        let mut ct = PsObject::with_types([
            "System.Management.Automation.CommandTypes",
            "System.Enum",
            "System.ValueType",
            "System.Object",
        ]);
        ct.to_string = Some(kind.to_owned());
        ct.base = Some(Value::I32(self.command_type));
        let mut output_type = PsObject::with_types(["System.Collections.ObjectModel.ReadOnlyCollection`1[[System.Management.Automation.PSTypeName, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]", "System.Object"]);
        output_type.container = Some(Container::List(Vec::new()));
        let params = self
            .parameters
            .iter()
            .map(|(name, is_switch, aliases)| {
                let mut p = PsObject::with_types(["System.Management.Automation.ParameterMetadata", "System.Object"]);
                p.to_string = Some("System.Management.Automation.ParameterMetadata".into());
                p.push_prop("Name", Value::str(name));
                p.push_prop(
                    "ParameterType",
                    Value::str(if *is_switch { "System.Management.Automation.SwitchParameter" } else { "System.Object" }),
                );
                let mut al = PsObject::with_types(["System.Collections.ObjectModel.Collection`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]", "System.Object"]);
                al.container = Some(Container::List(aliases.iter().map(Value::str).collect()));
                p.push_prop("Aliases", Value::obj(al));
                p.push_prop("IsDynamic", Value::Bool(false));
                p.push_prop("SwitchParameter", Value::Bool(*is_switch));
                (Value::str(name), Value::obj(p))
            })
            .collect();
        let mut pd = PsObject::with_types([
            "System.Collections.Generic.Dictionary`2[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089],[System.Management.Automation.ParameterMetadata, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]",
            "System.Object",
        ]);
        pd.container = Some(Container::Dict(params));
        o.push_extended("Name", Value::str(&self.name));
        o.push_extended("Namespace", Value::str(&self.namespace));
        o.push_extended("HelpUri", Value::str(""));
        o.push_extended("CommandType", Value::obj(ct));
        o.push_extended("ResolvedCommandName", Value::Nil);
        o.push_extended("OutputType", Value::obj(output_type));
        o.push_extended("Parameters", Value::obj(pd));
        to_clixml(&Value::obj(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clixml::from_clixml;

    #[test]
    fn command_metadata_shapes() {
        let count = from_clixml(&command_metadata_count(2)).expect("xml");
        assert_eq!(
            count.as_obj().and_then(|o| o.get("Count")),
            Some(&Value::I32(2))
        );
        let md = CommandMetadata {
            name: "Get-Mailbox".into(),
            command_type: 8,
            namespace: "ExchangeOnline".into(),
            parameters: vec![
                ("Identity".into(), false, vec![]),
                ("Verbose".into(), true, vec!["vb".into()]),
            ],
        };
        let v = from_clixml(&md.to_message_data()).expect("xml");
        let o = v.as_obj().expect("obj");
        assert_eq!(
            o.type_names[0],
            "Selected.System.Management.Automation.CmdletInfo"
        );
        assert_eq!(o.get("CommandType").and_then(Value::as_i64), Some(8));
        let Some(Container::Dict(params)) = o
            .get("Parameters")
            .and_then(Value::as_obj)
            .and_then(|p| p.container.as_ref())
        else {
            panic!("parameters dictionary expected")
        };
        let verbose = params
            .iter()
            .find(|(k, _)| k.as_str() == Some("Verbose"))
            .and_then(|(_, v)| v.as_obj());
        assert_eq!(
            verbose.and_then(|p| p.get("SwitchParameter")),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            verbose.and_then(|p| p.get("IsDynamic")),
            Some(&Value::Bool(false))
        );
    }

    #[test]
    fn common_parameters_are_added_once() {
        let md = CommandMetadata {
            name: "Get-Mailbox".into(),
            command_type: 8,
            namespace: String::new(),
            parameters: vec![("Verbose".into(), true, vec![])],
        }
        .with_common_parameters();
        assert_eq!(md.parameters.len(), COMMON_PARAMETERS.len());
        assert!(md
            .parameters
            .iter()
            .any(|(n, s, _)| n == "ProgressAction" && !s));
    }
}
