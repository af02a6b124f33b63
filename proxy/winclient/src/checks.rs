//! What Windows PowerShell checks in server data, reproduced so a deviation fails the test the
//! way it would fail on a real machine (psrp.md §2.5 and §4 "format traps", §6).

use exomig_codec::clixml::{Container, PsObject, Value};

/// Why the Windows client would refuse server data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub String);

fn reject<T>(why: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection(why.into()))
}

/// `IdleTimeOut` / `MaxIdleTimeOut` of the CreateResponse shell: WSManTransportManager slices
/// the text at fixed offsets, so only `PT<digits>.<3 digits>S` survives; returns milliseconds.
pub fn idle_timeout_ms(text: &str) -> Result<u64, Rejection> {
    let Some(inner) = text.strip_prefix("PT").and_then(|t| t.strip_suffix('S')) else {
        return reject(format!("IdleTimeOut {text:?} is not PT…S"));
    };
    let Some((secs, millis)) = inner.split_once('.') else {
        return reject(format!(
            "IdleTimeOut {text:?} has no '.' (Substring(2, -3))"
        ));
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(secs) || millis.len() != 3 || !digits(millis) {
        return reject(format!("IdleTimeOut {text:?} is not PT<n>.<3 digits>S"));
    }
    let secs: u64 = secs
        .parse()
        .map_err(|_| Rejection(format!("IdleTimeOut {text:?} overflows")))?;
    let millis: u64 = millis
        .parse()
        .map_err(|_| Rejection(format!("IdleTimeOut {text:?} is not numeric")))?;
    Ok(secs * 1000 + millis)
}

/// The text of every `<rsp:NAME>` element in a response, as the client's reader sees it.
pub fn element_texts<'a>(xml: &'a str, local_name: &str) -> Vec<&'a str> {
    let open = format!(":{local_name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        let is_closing = rest[..at]
            .rfind('<')
            .is_some_and(|lt| rest[lt + 1..].starts_with('/'));
        let after = &rest[at + open.len()..];
        let Some(end) = after.find('<') else { break };
        if !is_closing {
            out.push(&after[..end]);
        }
        rest = &after[end..];
    }
    out
}

fn version_of<'a>(o: &'a PsObject, name: &str) -> Option<&'a str> {
    match o.get(name)? {
        Value::Version(v) | Value::Str(v) => Some(v.as_str()),
        _ => None,
    }
}

/// The server's SESSION_CAPABILITY, as `RunClientNegotiationAlgorithm` judges it.
pub fn negotiate(capability: &Value) -> Result<(), Rejection> {
    let Some(o) = capability.as_obj() else {
        return reject("SESSION_CAPABILITY is not an object");
    };
    if version_of(o, "PSVersion") != Some("2.0") {
        return reject(format!(
            "server PSVersion {:?} is not exactly 2.0",
            version_of(o, "PSVersion")
        ));
    }
    if version_of(o, "SerializationVersion") != Some("1.1.0.1") {
        return reject(format!(
            "server SerializationVersion {:?} is not exactly 1.1.0.1",
            version_of(o, "SerializationVersion")
        ));
    }
    match version_of(o, "protocolversion") {
        Some("2.0" | "2.1" | "2.2" | "2.3") => Ok(()),
        other => reject(format!("server protocolversion {other:?} is not 2.0–2.3")),
    }
}

fn dict_get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match &v.as_obj()?.container {
        Some(Container::Dict(entries)) => entries
            .iter()
            .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// APPLICATION_PRIVATE_DATA: no `DebugMode` (it would start a remote debugger and an extra
/// pipeline), and `PSVersionTable.PSVersion`, which becomes the remote ServerVersion.
pub fn server_version(private_data: &Value) -> Result<String, Rejection> {
    let Some(data) = private_data
        .as_obj()
        .and_then(|o| o.get("ApplicationPrivateData"))
    else {
        return reject("APPLICATION_PRIVATE_DATA has no ApplicationPrivateData");
    };
    if dict_get(data, "DebugMode").is_some() {
        return reject("ApplicationPrivateData has a DebugMode key");
    }
    let Some(table) = dict_get(data, "PSVersionTable") else {
        return reject("ApplicationPrivateData has no PSVersionTable");
    };
    match dict_get(table, "PSVersion") {
        Some(Value::Version(v) | Value::Str(v)) => Ok(v.clone()),
        _ => reject("PSVersionTable has no PSVersion"),
    }
}

/// Whether a version text is at least 5.1 (Import-PSSession then adds `-PowerShellVersion`).
pub fn at_least_5_1(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) >= (5, 1)
}

/// The common parameters a proxy function needs to get `[CmdletBinding()]` on 5.1.
pub const COMMON_PARAMETERS: [&str; 11] = [
    "Verbose",
    "Debug",
    "ErrorAction",
    "WarningAction",
    "ErrorVariable",
    "WarningVariable",
    "OutVariable",
    "OutBuffer",
    "PipelineVariable",
    "InformationAction",
    "InformationVariable",
];

/// One command as Import-PSSession rehydrates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCommand {
    pub name: String,
    pub command_type: i64,
    pub parameters: Vec<String>,
    /// Every common parameter was listed, so the proxy function is an advanced function.
    pub cmdlet_binding: bool,
}

/// Commands Import-PSSession never imports.
const SKIPPED: [&str; 7] = [
    "Get-Command",
    "Get-FormatData",
    "Get-Help",
    "Select-Object",
    "Measure-Object",
    "Exit-PSSession",
    "Out-Default",
];

fn safe_name(name: &str, allow_colon: bool) -> bool {
    (1..=100).contains(&name.chars().count())
        && name.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '\\') || (allow_colon && c == ':')
        })
}

fn required<'a>(o: &'a PsObject, name: &str, what: &str) -> Result<&'a Value, Rejection> {
    o.get(name)
        .ok_or_else(|| Rejection(format!("malformed {what}: no {name}")))
}

/// `RehydrateCommandMetadata` + `IsSafeCommandMetadata` over the GET_COMMAND_METADATA
/// output: the count object first, then one object per command. Returns the commands that
/// would be imported.
pub fn rehydrate_metadata(outputs: &[Value]) -> Result<Vec<ImportedCommand>, Rejection> {
    let Some((count, items)) = outputs.split_first() else {
        return reject("GET_COMMAND_METADATA returned nothing (no count object)");
    };
    let count = count
        .as_obj()
        .and_then(|o| o.get("Count"))
        .and_then(Value::as_i64)
        .ok_or_else(|| Rejection("first object has no Count".into()))?;
    if usize::try_from(count).ok() != Some(items.len()) {
        return reject(format!(
            "Count says {count}, {} objects followed",
            items.len()
        ));
    }
    let mut out = Vec::new();
    for item in items {
        let Some(o) = item.as_obj() else {
            return reject("command metadata is not an object");
        };
        let name = required(o, "Name", "command")?
            .as_str()
            .ok_or_else(|| Rejection("Name is not a string".into()))?
            .to_owned();
        let command_type = required(o, "CommandType", "command")?
            .as_i64()
            .ok_or_else(|| Rejection(format!("{name}: CommandType is not an enum")))?;
        if command_type == 1 && o.get("ResolvedCommandName").is_none_or(Value::is_nil) {
            return reject(format!("alias {name} has no ResolvedCommandName"));
        }
        if !safe_name(&name, true) {
            return reject(format!("unsafe command name {name:?}"));
        }
        let mut parameters = Vec::new();
        if let Some(params) = o.get("Parameters").filter(|p| !p.is_nil()) {
            let Some(Container::Dict(entries)) = params.as_obj().and_then(|p| p.container.as_ref())
            else {
                return reject(format!("{name}: Parameters is not a dictionary"));
            };
            for (_, meta) in entries {
                let Some(m) = meta.as_obj() else {
                    return reject(format!("{name}: parameter metadata is not an object"));
                };
                let pname = required(m, "Name", "parameter")?
                    .as_str()
                    .ok_or_else(|| Rejection(format!("{name}: parameter Name")))?;
                required(m, "IsDynamic", "parameter")?
                    .as_bool()
                    .ok_or_else(|| Rejection(format!("{name}/{pname}: IsDynamic")))?;
                required(m, "SwitchParameter", "parameter")?
                    .as_bool()
                    .ok_or_else(|| Rejection(format!("{name}/{pname}: SwitchParameter")))?;
                if !safe_name(pname, false) {
                    return reject(format!("{name}: unsafe parameter name {pname:?}"));
                }
                parameters.push(pname.to_owned());
            }
        }
        let cmdlet_binding = COMMON_PARAMETERS
            .iter()
            .all(|c| parameters.iter().any(|p| p.eq_ignore_ascii_case(c)));
        if SKIPPED.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
            continue;
        }
        out.push(ImportedCommand {
            name,
            command_type,
            parameters,
            cmdlet_binding,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_timeout_needs_exactly_three_decimals() {
        assert_eq!(idle_timeout_ms("PT900.000S"), Ok(900_000));
        assert_eq!(idle_timeout_ms("PT7.250S"), Ok(7_250));
        for bad in [
            "PT900S",
            "PT900.0S",
            "PT900.0000S",
            "P900.000S",
            "PT.000S",
            "PT9a.000S",
        ] {
            assert!(idle_timeout_ms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn element_texts_ignore_prefixes() {
        let xml = "<x:Shell><rsp:IdleTimeOut>PT1.000S</rsp:IdleTimeOut><q:IdleTimeOut>b</q:IdleTimeOut></x:Shell>";
        assert_eq!(element_texts(xml, "IdleTimeOut"), vec!["PT1.000S", "b"]);
    }

    fn caps(ps: &str, ser: &str, proto: &str) -> Value {
        let mut o = PsObject::default();
        o.push_extended("protocolversion", Value::Version(proto.into()));
        o.push_extended("PSVersion", Value::Version(ps.into()));
        o.push_extended("SerializationVersion", Value::Version(ser.into()));
        Value::obj(o)
    }

    #[test]
    fn negotiation_is_exact() {
        assert!(negotiate(&caps("2.0", "1.1.0.1", "2.3")).is_ok());
        assert!(negotiate(&caps("5.1", "1.1.0.1", "2.3")).is_err());
        assert!(negotiate(&caps("2.0", "1.1.0.2", "2.3")).is_err());
        assert!(negotiate(&caps("2.0", "1.1.0.1", "3.0")).is_err());
    }

    #[test]
    fn debug_mode_and_missing_version_table_are_refused() {
        let dict = |entries: Vec<(&str, Value)>| {
            let mut o = PsObject::with_types(["System.Collections.Hashtable", "System.Object"]);
            o.container = Some(Container::Dict(
                entries
                    .into_iter()
                    .map(|(k, v)| (Value::str(k), v))
                    .collect(),
            ));
            Value::obj(o)
        };
        let wrap = |d: Value| {
            let mut root = PsObject::default();
            root.push_extended("ApplicationPrivateData", d);
            Value::obj(root)
        };
        let table = dict(vec![("PSVersion", Value::Version("5.1.1".into()))]);
        assert_eq!(
            server_version(&wrap(dict(vec![("PSVersionTable", table.clone())]))),
            Ok("5.1.1".into())
        );
        assert!(server_version(&wrap(dict(vec![
            ("PSVersionTable", table),
            ("DebugMode", Value::I32(1))
        ])))
        .is_err());
        assert!(server_version(&wrap(dict(vec![]))).is_err());
    }

    #[test]
    fn version_threshold() {
        assert!(at_least_5_1("5.1.19041.1"));
        assert!(at_least_5_1("7.4"));
        assert!(!at_least_5_1("5.0.10586"));
        assert!(!at_least_5_1("2.0"));
    }

    #[test]
    fn metadata_needs_a_matching_count() {
        let mut count = PsObject::default();
        count.push_extended("Count", Value::I32(1));
        assert!(rehydrate_metadata(&[Value::obj(count)]).is_err());
        assert!(rehydrate_metadata(&[]).is_err());
    }
}
