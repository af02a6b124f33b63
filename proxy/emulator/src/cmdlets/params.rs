//! The `Parameters` hashtable of an InvokeCommand body, read the way Exchange binds it.

use serde_json::Value;

use super::error::CmdletError;

/// PowerShell's common parameters, accepted by every cmdlet.
const COMMON: [&str; 14] = [
    "ErrorAction",
    "WarningAction",
    "InformationAction",
    "ProgressAction",
    "Verbose",
    "Debug",
    "ErrorVariable",
    "WarningVariable",
    "InformationVariable",
    "OutVariable",
    "OutBuffer",
    "PipelineVariable",
    "UseCustomRouting",
    "DomainController",
];

/// Parameters as sent, minus the `@odata.type` annotations.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params {
    entries: Vec<(String, Value)>,
    /// The page (offset, length) the response will carry; query cmdlets copy only those
    /// objects out of the tenant, which keeps paging through thousands of mailboxes cheap.
    window: Option<(usize, usize)>,
}

fn is_annotation(key: &str) -> bool {
    key.contains("@odata.") || key.contains("@data.")
}

impl Params {
    pub fn from_json(value: Option<&Value>) -> Result<Self, CmdletError> {
        match value {
            None | Some(Value::Null) => Ok(Self::default()),
            Some(Value::Object(map)) => Ok(Self {
                entries: map
                    .iter()
                    .filter(|(k, _)| !is_annotation(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                window: None,
            }),
            Some(_) => Err(CmdletError::bad_request(
                "InvalidRequest",
                "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                "CmdletInput.Parameters must be a JSON object.",
            )),
        }
    }

    /// Refuses a parameter that the cmdlet does not have, as PowerShell's binder does.
    pub fn check(&self, allowed: &[&str]) -> Result<(), CmdletError> {
        for (name, _) in &self.entries {
            let known = allowed
                .iter()
                .chain(COMMON.iter())
                .any(|a| a.eq_ignore_ascii_case(name));
            if !known {
                return Err(CmdletError::unknown_parameter(name));
            }
        }
        Ok(())
    }

    pub fn with_window(mut self, offset: usize, len: usize) -> Self {
        self.window = Some((offset, len));
        self
    }

    pub fn window(&self) -> Option<(usize, usize)> {
        self.window
    }

    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.entries.retain(|(n, _)| keep(n));
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    pub fn string(&self, name: &str) -> Result<Option<String>, CmdletError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => scalar(v)
                .map(Some)
                .ok_or_else(|| CmdletError::bad_value(name, v, "System.String")),
        }
    }

    pub fn required(&self, name: &str) -> Result<String, CmdletError> {
        match self.string(name)? {
            Some(v) if !v.trim().is_empty() => Ok(v),
            Some(_) => Err(CmdletError::bad_request(
                "ParameterArgumentValidationErrorEmptyStringNotAllowed",
                "System.Management.Automation.ParameterBindingException",
                &format!(
                    "Cannot bind argument to parameter '{name}' because it is an empty string."
                ),
            )),
            None => Err(CmdletError::missing_parameter(name)),
        }
    }

    /// A switch or bool; `"True"`/`"False"` strings are accepted as PowerShell converts them.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, CmdletError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") || s == "$true" => {
                Ok(Some(true))
            }
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") || s == "$false" => {
                Ok(Some(false))
            }
            Some(Value::Number(n)) => Ok(Some(n.as_i64() != Some(0))),
            Some(v) => Err(CmdletError::bad_value(name, v, "System.Boolean")),
        }
    }

    /// A string or an array of strings.
    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>, CmdletError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    scalar(v).ok_or_else(|| CmdletError::bad_value(name, v, "System.String[]"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v) => scalar(v)
                .map(|s| Some(split_list(&s)))
                .ok_or_else(|| CmdletError::bad_value(name, v, "System.String[]")),
        }
    }

    /// `ResultSize`: a number or `Unlimited` (→ `None`); 1000 when absent, as in Exchange.
    pub fn result_size(&self) -> Result<Option<usize>, CmdletError> {
        const DEFAULT: usize = 1000;
        let Some(value) = self.get("ResultSize") else {
            return Ok(Some(DEFAULT));
        };
        let parsed = match value {
            Value::Null => return Ok(Some(DEFAULT)),
            Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
            Value::String(s) if s.trim().eq_ignore_ascii_case("unlimited") => return Ok(None),
            Value::String(s) => s.trim().parse::<usize>().ok(),
            _ => None,
        };
        match parsed {
            Some(n) if n > 0 => Ok(Some(n)),
            _ => Err(CmdletError::bad_value(
                "ResultSize",
                value,
                "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]",
            )),
        }
    }
}

/// `"a,b"` is how a string[] arrives when a script passes one comma-joined string.
fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A value PowerShell would bind to a string parameter.
pub(crate) fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_owned()),
        _ => None,
    }
}

/// How a multi-valued property is to change.
#[derive(Debug, PartialEq)]
pub(crate) enum MultiValued {
    Replace(Vec<String>),
    Modify {
        add: Vec<String>,
        remove: Vec<String>,
    },
}

/// Reads `-EmailAddresses x,y` or `-EmailAddresses @{Add='x'; Remove='y'}`.
pub(crate) fn multi_valued(name: &str, value: &Value) -> Result<MultiValued, CmdletError> {
    let list = |v: &Value| -> Result<Vec<String>, CmdletError> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|i| scalar(i).ok_or_else(|| CmdletError::bad_value(name, i, "System.String")))
                .collect(),
            other => scalar(other)
                .map(|s| vec![s])
                .ok_or_else(|| CmdletError::bad_value(name, other, "System.String")),
        }
    };
    match value {
        Value::Object(map) => {
            let mut add = Vec::new();
            let mut remove = Vec::new();
            for (key, v) in map
                .iter()
                .filter(|(k, _)| !is_annotation(k) && k.as_str() != "@odata.type")
            {
                match key.to_ascii_lowercase().as_str() {
                    "add" | "+" => add.extend(list(v)?),
                    "remove" | "-" => remove.extend(list(v)?),
                    _ => {
                        return Err(CmdletError::bad_request(
                            "ParameterArgumentTransformationError",
                            "System.Management.Automation.ParameterBindingException",
                            &format!("Cannot process argument transformation on parameter '{name}'. The hashtable key '{key}' is not valid; use Add or Remove."),
                        ))
                    }
                }
            }
            Ok(MultiValued::Modify { add, remove })
        }
        other => Ok(MultiValued::Replace(list(other)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn annotations_are_not_parameters() {
        let body = json!({"Identity": "x", "EmailAddresses@odata.type": "#Collection(String)"});
        let params = Params::from_json(Some(&body)).expect("object");
        assert!(params.check(&["Identity"]).is_ok());
    }

    #[test]
    fn unknown_parameter_is_named() {
        let params = Params::from_json(Some(&json!({"Idnetity": "x"}))).expect("object");
        let err = params.check(&["Identity"]).expect_err("unknown");
        assert!(err.message.contains("'Idnetity'"), "{}", err.message);
    }

    #[test]
    fn result_size_forms() {
        let rs = |v: Value| {
            Params::from_json(Some(&json!({ "ResultSize": v }))).and_then(|p| p.result_size())
        };
        assert_eq!(rs(json!("Unlimited")).ok(), Some(None));
        assert_eq!(rs(json!(5)).ok(), Some(Some(5)));
        assert_eq!(rs(json!("7")).ok(), Some(Some(7)));
        assert!(rs(json!("lots")).is_err());
        assert!(rs(json!(0)).is_err());
    }

    #[test]
    fn hashtable_add_remove() {
        let v =
            json!({"@odata.type": "#Exchange.GenericHashTable", "Add": "a@b", "Remove": ["c@d"]});
        assert_eq!(
            multi_valued("EmailAddresses", &v).ok(),
            Some(MultiValued::Modify {
                add: vec!["a@b".into()],
                remove: vec!["c@d".into()]
            })
        );
    }
}
