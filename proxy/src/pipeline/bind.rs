//! Binding PSRP arguments and piped objects to REST parameters (psrp.md §11).

use exomig_codec::clixml::{Container, Value};
use exomig_codec::psrp::pipeline::Command;
use serde_json::{Map, Number, Value as Json};

use crate::catalog::Cmdlet;

/// Parameters that PowerShell handles itself; they are never sent upstream.
const COMMON: &[&str] = &[
    "Verbose",
    "Debug",
    "ErrorAction",
    "WarningAction",
    "InformationAction",
    "ProgressAction",
    "ErrorVariable",
    "WarningVariable",
    "InformationVariable",
    "OutVariable",
    "OutBuffer",
    "PipelineVariable",
];

/// The arguments of one Exchange cmdlet call.
#[derive(Debug, Clone, Default)]
pub struct BoundCall {
    pub parameters: Map<String, Json>,
    /// `-ErrorAction Stop`: errors become terminating.
    pub stop_on_error: bool,
    /// `-ErrorAction SilentlyContinue|Ignore`: errors are not written.
    pub quiet_errors: bool,
    /// `-WarningAction SilentlyContinue|Ignore`: warnings are not written.
    pub quiet_warnings: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindError {
    /// A positional argument for a cmdlet without a positional parameter, or a second one.
    Positional(String),
}

pub fn bind_arguments(cmdlet: &Cmdlet, command: &Command) -> Result<BoundCall, BindError> {
    let mut call = BoundCall::default();
    for arg in &command.args {
        match &arg.name {
            Some(name) => {
                if let Some(common) = COMMON.iter().find(|c| c.eq_ignore_ascii_case(name)) {
                    let pref = preference(&arg.value);
                    let quiet = pref.eq_ignore_ascii_case("SilentlyContinue")
                        || pref.eq_ignore_ascii_case("Ignore");
                    match *common {
                        "ErrorAction" => {
                            call.stop_on_error = pref.eq_ignore_ascii_case("Stop");
                            call.quiet_errors = quiet;
                        }
                        "WarningAction" => call.quiet_warnings = quiet,
                        _ => {}
                    }
                    continue;
                }
                let param = cmdlet.parameter(name);
                let key = param.map_or_else(|| name.clone(), |p| p.name.clone());
                let json =
                    if param.is_some_and(|p| p.switch) || arg.value.is_nil() && param.is_none() {
                        Json::Bool(arg.switch_value())
                    } else {
                        to_json(&arg.value)
                    };
                call.parameters.insert(key, json);
            }
            None => {
                let shown = display(&arg.value);
                let Some(p) = cmdlet.first_positional() else {
                    return Err(BindError::Positional(shown));
                };
                if call.parameters.contains_key(&p.name) {
                    return Err(BindError::Positional(shown));
                }
                call.parameters.insert(p.name.clone(), to_json(&arg.value));
            }
        }
    }
    Ok(call)
}

/// The text of an ActionPreference, sent as an enum object or a string.
fn preference(v: &Value) -> String {
    match v {
        Value::Obj(o) => o
            .to_string
            .clone()
            .or_else(|| o.base.as_ref().and_then(|b| b.as_str().map(str::to_owned)))
            .or_else(|| {
                o.base.as_ref().and_then(Value::as_i64).map(|i| {
                    if i == 1 {
                        "Stop".into()
                    } else {
                        i.to_string()
                    }
                })
            })
            .unwrap_or_default(),
        other => display(other),
    }
}

/// What a piped object contributes to the next cmdlet's `Identity`: its `Identity`
/// property, else its ToString, as the module binds by property name.
pub fn identity_of(v: &Value) -> Option<String> {
    match v {
        Value::Nil => None,
        Value::Obj(o) if o.container.is_none() => o
            .get("Identity")
            .filter(|i| !i.is_nil())
            .map(display)
            .or_else(|| o.to_string.clone())
            .or_else(|| o.base.as_ref().map(display)),
        other => Some(display(other)),
    }
}

/// A value as PowerShell would show it in string context.
pub fn display(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        Value::Str(s)
        | Value::DateTime(s)
        | Value::Duration(s)
        | Value::Decimal(s)
        | Value::Uri(s)
        | Value::Version(s)
        | Value::Xml(s)
        | Value::ScriptBlock(s) => s.clone(),
        Value::Char(c) => char::from_u32(u32::from(*c))
            .map(String::from)
            .unwrap_or_default(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        Value::U8(n) => n.to_string(),
        Value::I8(n) => n.to_string(),
        Value::U16(n) => n.to_string(),
        Value::I16(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::I32(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::Single(n) => n.to_string(),
        Value::Double(n) => n.to_string(),
        Value::Bytes(b) => format!("System.Byte[] ({} bytes)", b.len()),
        Value::Guid(g) => g.to_string(),
        Value::SecureString(_) => "System.Security.SecureString".to_owned(),
        Value::Obj(o) => o
            .to_string
            .clone()
            .or_else(|| o.base.as_ref().map(display))
            .unwrap_or_default(),
    }
}

/// A CLIXML argument value as REST JSON (exo-rest.md §2.8).
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::U8(n) => Json::from(*n),
        Value::I8(n) => Json::from(*n),
        Value::U16(n) => Json::from(*n),
        Value::I16(n) => Json::from(*n),
        Value::U32(n) => Json::from(*n),
        Value::I32(n) => Json::from(*n),
        Value::U64(n) => Json::from(*n),
        Value::I64(n) => Json::from(*n),
        Value::Single(n) => Number::from_f64(f64::from(*n)).map_or(Json::Null, Json::Number),
        Value::Double(n) => Number::from_f64(*n).map_or(Json::Null, Json::Number),
        Value::Bytes(b) => serde_json::json!({"@odata.type": "#Exchange.ByteArrayType", "Data": b}),
        Value::Obj(o) => match &o.container {
            Some(Container::Dict(entries)) => {
                let mut map = Map::new();
                map.insert(
                    "@odata.type".into(),
                    Json::from("#Exchange.GenericHashTable"),
                );
                for (k, val) in entries {
                    map.insert(display(k), to_json(val));
                }
                Json::Object(map)
            }
            Some(c) => Json::Array(c.items().unwrap_or(&[]).iter().map(to_json).collect()),
            None => {
                if o.is_type("System.Management.Automation.SwitchParameter") {
                    Json::Bool(v.as_bool().unwrap_or(true))
                } else if let Some(s) = &o.to_string {
                    // Enums and rich objects travel as their text, as the module does.
                    Json::String(s.clone())
                } else if let Some(b) = &o.base {
                    to_json(b)
                } else {
                    Json::String(identity_of(v).unwrap_or_default())
                }
            }
        },
        other => Json::String(display(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exomig_codec::clixml::PsObject;
    use exomig_codec::psrp::pipeline::Argument;

    fn cmd(args: Vec<Argument>) -> Command {
        Command {
            name: "Get-Mailbox".into(),
            is_script: false,
            use_local_scope: None,
            args,
            merges: vec![],
        }
    }

    fn named(n: &str, v: Value) -> Argument {
        Argument {
            name: Some(n.into()),
            value: v,
        }
    }

    #[test]
    fn binds_named_positional_switches_and_drops_common_parameters() {
        let cat = crate::catalog::Catalog::builtin();
        let mbx = cat.get("Get-Mailbox").expect("known");
        let mut sw = PsObject::with_types([
            "System.Management.Automation.SwitchParameter",
            "System.ValueType",
            "System.Object",
        ]);
        sw.push_prop("IsPresent", Value::Bool(true));
        let mut ea = PsObject::with_types([
            "System.Management.Automation.ActionPreference",
            "System.Enum",
            "System.ValueType",
            "System.Object",
        ]);
        ea.to_string = Some("Stop".into());
        ea.base = Some(Value::I32(1));
        let bound = bind_arguments(
            mbx,
            &cmd(vec![
                Argument {
                    name: None,
                    value: Value::str("alice"),
                },
                named("ResultSize", Value::I32(5)),
                named("Archive", Value::Nil),
                named("SoftDeletedMailbox", Value::Bool(false)),
                named("Arbitration", Value::obj(sw)),
                named("ErrorAction", Value::obj(ea)),
                named("Verbose", Value::Nil),
            ]),
        )
        .expect("binds");
        assert!(bound.stop_on_error);
        assert!(!bound.quiet_errors && !bound.quiet_warnings);
        let p = serde_json::Value::Object(bound.parameters);
        assert_eq!(
            p,
            serde_json::json!({"Identity":"alice","ResultSize":5,"Archive":true,"SoftDeletedMailbox":false,"Arbitration":true})
        );
    }

    #[test]
    fn silently_continue_quietens_errors_and_warnings() {
        let cat = crate::catalog::Catalog::builtin();
        let mbx = cat.get("Get-Mailbox").expect("known");
        let bound = bind_arguments(
            mbx,
            &cmd(vec![
                named("ErrorAction", Value::str("SilentlyContinue")),
                named("WarningAction", Value::str("Ignore")),
            ]),
        )
        .expect("binds");
        assert!(bound.quiet_errors && bound.quiet_warnings && !bound.stop_on_error);
        assert!(
            bound.parameters.is_empty(),
            "common parameters never go upstream"
        );
    }

    #[test]
    fn positional_without_parameter_fails() {
        let cat = crate::catalog::Catalog::builtin();
        let nc = cat.get("New-MailContact").expect("known");
        let err = bind_arguments(
            nc,
            &cmd(vec![Argument {
                name: None,
                value: Value::str("x"),
            }]),
        );
        assert_eq!(err.err(), Some(BindError::Positional("x".into())));
        let mbx = cat.get("Get-Mailbox").expect("known");
        let twice = bind_arguments(
            mbx,
            &cmd(vec![
                Argument {
                    name: None,
                    value: Value::str("a"),
                },
                Argument {
                    name: None,
                    value: Value::str("b"),
                },
            ]),
        );
        assert!(twice.is_err());
    }

    #[test]
    fn lists_and_hashtables_become_json() {
        let mut list = PsObject::with_types(["System.Collections.ArrayList", "System.Object"]);
        list.container = Some(Container::List(vec![Value::str("a"), Value::I32(2)]));
        assert_eq!(to_json(&Value::obj(list)), serde_json::json!(["a", 2]));
        let mut ht = PsObject::with_types(["System.Collections.Hashtable", "System.Object"]);
        ht.container = Some(Container::Dict(vec![(
            Value::str("Add"),
            Value::str("x@y"),
        )]));
        assert_eq!(
            to_json(&Value::obj(ht)),
            serde_json::json!({"@odata.type":"#Exchange.GenericHashTable","Add":"x@y"})
        );
    }

    #[test]
    fn identity_of_piped_objects() {
        let mut o = PsObject::with_types(["Microsoft.Exchange.Data.Directory.Management.Mailbox"]);
        o.to_string = Some("Alice".into());
        o.push_prop("Identity", Value::str("alice@contoso.com"));
        assert_eq!(
            identity_of(&Value::obj(o)).as_deref(),
            Some("alice@contoso.com")
        );
        let no_id = PsObject {
            to_string: Some("bob".into()),
            ..Default::default()
        };
        assert_eq!(identity_of(&Value::obj(no_id)).as_deref(), Some("bob"));
        assert_eq!(identity_of(&Value::str("carol")).as_deref(), Some("carol"));
        assert_eq!(identity_of(&Value::Nil), None);
    }
}
