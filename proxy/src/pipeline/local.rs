//! Commands the proxy answers itself: the ones Import-PSSession and common scripts pipe
//! Exchange output through.

use exomig_codec::clixml::{PsObject, Value};
use exomig_codec::psrp::pipeline::Command;

use super::bind::display;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalCommand {
    GetFormatData,
    MeasureObject,
    SelectObject,
    OutDefault,
    OutNull,
}

impl LocalCommand {
    pub fn lookup(name: &str) -> Option<Self> {
        [
            ("Get-FormatData", Self::GetFormatData),
            ("Measure-Object", Self::MeasureObject),
            ("Select-Object", Self::SelectObject),
            ("Out-Default", Self::OutDefault),
            ("Out-Null", Self::OutNull),
        ]
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, c)| c)
    }

    pub fn run(self, command: &Command, input: Vec<Value>) -> Result<Vec<Value>, String> {
        match self {
            // No format data: clients then show property lists, and Import-PSSession accepts
            // an empty answer unless -FormatTypeName was given (psrp.md §6).
            Self::GetFormatData | Self::OutNull => Ok(Vec::new()),
            // Output already goes to the client; Out-Default only formats on a console.
            Self::OutDefault => Ok(input),
            Self::MeasureObject => Ok(vec![measure(input.len())]),
            Self::SelectObject => select(command, input),
        }
    }
}

/// `Measure-Object` without -Property: a GenericMeasureInfo with the count.
fn measure(count: usize) -> Value {
    let mut o = PsObject::with_types([
        "Microsoft.PowerShell.Commands.GenericMeasureInfo",
        "Microsoft.PowerShell.Commands.MeasureInfo",
        "System.Object",
    ]);
    o.to_string = Some("Microsoft.PowerShell.Commands.GenericMeasureInfo".into());
    o.push_prop(
        "Count",
        Value::I32(i32::try_from(count).unwrap_or(i32::MAX)),
    );
    for name in ["Average", "Sum", "Maximum", "Minimum", "Property"] {
        o.push_prop(name, Value::Nil);
    }
    Value::obj(o)
}

fn arg<'a>(command: &'a Command, name: &str) -> Option<&'a Value> {
    command
        .args
        .iter()
        .find(|a| {
            a.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .map(|a| &a.value)
}

fn strings(v: &Value) -> Vec<String> {
    match v.as_list() {
        Some(items) => items.iter().map(display).collect(),
        None => display(v)
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fn count(command: &Command, name: &str) -> Result<Option<usize>, String> {
    match arg(command, name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| display(v).parse().ok())
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "Cannot bind parameter '{name}': '{}' is not a non-negative integer.",
                    display(v)
                )
            }),
    }
}

/// `Select-Object [-Property] a,b [-ExpandProperty p] [-First n] [-Last n] [-Skip n]`.
fn select(command: &Command, input: Vec<Value>) -> Result<Vec<Value>, String> {
    let mut items = input;
    if let Some(skip) = count(command, "Skip")? {
        items = items.into_iter().skip(skip).collect();
    }
    if let Some(first) = count(command, "First")? {
        items.truncate(first);
    }
    if let Some(last) = count(command, "Last")? {
        let from = items.len().saturating_sub(last);
        items = items.split_off(from);
    }
    let positional = command
        .args
        .iter()
        .find(|a| a.name.is_none())
        .map(|a| &a.value);
    let properties = arg(command, "Property").or(positional).map(strings);
    if let Some(expand) = arg(command, "ExpandProperty").map(display) {
        return Ok(items
            .iter()
            .filter_map(|v| v.as_obj().and_then(|o| o.get(&expand)).cloned())
            .flat_map(|v| match v.as_list() {
                Some(list) => list.to_vec(),
                None => vec![v],
            })
            .collect());
    }
    let Some(properties) = properties.filter(|p| !p.iter().any(|n| n == "*")) else {
        return Ok(items);
    };
    Ok(items
        .into_iter()
        .map(|item| {
            let source = item.as_obj();
            let first_type = source
                .and_then(|o| o.type_names.first())
                .map(|t| t.strip_prefix("Deserialized.").unwrap_or(t).to_owned())
                .unwrap_or_else(|| "System.Object".into());
            let mut o = PsObject::with_types([
                format!("Selected.{first_type}"),
                "System.Management.Automation.PSCustomObject".into(),
                "System.Object".into(),
            ]);
            for p in &properties {
                let (name, value) = source
                    .and_then(|s| {
                        s.extended
                            .iter()
                            .chain(s.props.iter())
                            .find(|(n, _)| n.eq_ignore_ascii_case(p))
                            .map(|(n, v)| (n.clone(), v.clone()))
                    })
                    .unwrap_or_else(|| (p.clone(), Value::Nil));
                o.push_extended(name, value);
            }
            Value::obj(o)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use exomig_codec::psrp::pipeline::Argument;

    fn cmd(name: &str, args: Vec<(Option<&str>, Value)>) -> Command {
        Command {
            name: name.into(),
            is_script: false,
            use_local_scope: None,
            args: args
                .into_iter()
                .map(|(n, v)| Argument {
                    name: n.map(str::to_owned),
                    value: v,
                })
                .collect(),
            merges: vec![],
        }
    }

    fn mailbox(name: &str) -> Value {
        let mut o = PsObject::with_types([
            "Microsoft.Exchange.Data.Directory.Management.Mailbox",
            "System.Object",
        ]);
        o.push_prop("Name", Value::str(name));
        o.push_prop("Alias", Value::str(name.to_lowercase()));
        Value::obj(o)
    }

    #[test]
    fn measure_counts_input() {
        let out = LocalCommand::MeasureObject
            .run(
                &cmd("Measure-Object", vec![]),
                vec![Value::I32(1), Value::I32(2)],
            )
            .expect("runs");
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].as_obj().and_then(|o| o.get("Count")),
            Some(&Value::I32(2))
        );
    }

    #[test]
    fn select_first_and_properties() {
        let input = vec![mailbox("A"), mailbox("B"), mailbox("C")];
        let c = cmd(
            "Select-Object",
            vec![(Some("First"), Value::I32(2)), (None, Value::str("name"))],
        );
        let out = LocalCommand::SelectObject
            .run(&c, input.clone())
            .expect("runs");
        assert_eq!(out.len(), 2);
        let o = out[1].as_obj().expect("object");
        assert_eq!(
            o.type_names[0],
            "Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox"
        );
        assert_eq!(o.extended, vec![("Name".to_owned(), Value::str("B"))]);
        let e = cmd(
            "Select-Object",
            vec![
                (Some("ExpandProperty"), Value::str("Alias")),
                (Some("Last"), Value::I32(1)),
            ],
        );
        assert_eq!(
            LocalCommand::SelectObject.run(&e, input).expect("runs"),
            vec![Value::str("c")]
        );
        let bad = cmd("Select-Object", vec![(Some("First"), Value::str("x"))]);
        assert!(LocalCommand::SelectObject.run(&bad, vec![]).is_err());
    }

    #[test]
    fn format_data_is_empty_and_lookup_ignores_case() {
        assert_eq!(
            LocalCommand::lookup("get-formatdata"),
            Some(LocalCommand::GetFormatData)
        );
        assert_eq!(LocalCommand::lookup("Get-Mailbox"), None);
        let out =
            LocalCommand::GetFormatData.run(&cmd("Get-FormatData", vec![]), vec![Value::I32(1)]);
        assert_eq!(out, Ok(vec![]));
    }
}
