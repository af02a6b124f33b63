//! Maps Exchange Online REST output (`value[]` items) to the objects the legacy
//! remote-PowerShell endpoint used to return.
//!
//! The type chain is written without a `Deserialized.` prefix: clients add it
//! themselves (psrp.md §7.3), and a prefixed chain would be prefixed twice by
//! psrpcore. Properties go into `<Props>` like adapted .NET properties.

use serde_json::{Map, Value as Json};
use uuid::Uuid;

use super::value::{Container, PsObject, Value};

const OBJECT: &str = "System.Object";
const CONFIGURABLE: &str = "Microsoft.Exchange.Data.ConfigurableObject";
const PRESENTATION: &str = "Microsoft.Exchange.Data.Directory.ADPresentationObject";
const AD_OBJECT: &str = "Microsoft.Exchange.Data.Directory.ADObject";
const AD_RAW: &str = "Microsoft.Exchange.Data.Directory.ADRawEntry";
const MAIL_RECIPIENT: &str = "Microsoft.Exchange.Data.Directory.Management.MailEnabledRecipient";
const MAIL_ORG_PERSON: &str = "Microsoft.Exchange.Data.Directory.Management.MailEnabledOrgPerson";

const MAILBOX: &[&str] = &[
    "Microsoft.Exchange.Data.Directory.Management.Mailbox",
    MAIL_ORG_PERSON,
    MAIL_RECIPIENT,
    PRESENTATION,
    CONFIGURABLE,
    OBJECT,
];
const REDUCED_RECIPIENT: &[&str] = &[
    "Microsoft.Exchange.Data.Directory.Management.ReducedRecipient",
    AD_OBJECT,
    AD_RAW,
    CONFIGURABLE,
    OBJECT,
];
const ACCEPTED_DOMAIN: &[&str] = &[
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain",
    "Microsoft.Exchange.Data.Directory.ADConfigurationObject",
    AD_OBJECT,
    AD_RAW,
    CONFIGURABLE,
    OBJECT,
];
const ORGANIZATION_CONFIG: &[&str] = &[
    "Microsoft.Exchange.Data.Directory.Management.OrganizationConfig",
    PRESENTATION,
    CONFIGURABLE,
    OBJECT,
];
const USER: &[&str] = &[
    "Microsoft.Exchange.Data.Directory.Management.User",
    PRESENTATION,
    CONFIGURABLE,
    OBJECT,
];
const MAILBOX_PERMISSION: &[&str] = &[
    "Microsoft.Exchange.Management.RecipientTasks.MailboxAcePresentationObject",
    "Microsoft.Exchange.Management.RecipientTasks.AcePresentationObject",
    CONFIGURABLE,
    OBJECT,
];
const DISTRIBUTION_GROUP: &[&str] = &[
    "Microsoft.Exchange.Data.Directory.Management.DistributionGroup",
    "Microsoft.Exchange.Data.Directory.Management.DistributionGroupBase",
    MAIL_RECIPIENT,
    PRESENTATION,
    CONFIGURABLE,
    OBJECT,
];
const MAIL_CONTACT: &[&str] = &[
    "Microsoft.Exchange.Data.Directory.Management.MailContact",
    MAIL_ORG_PERSON,
    MAIL_RECIPIENT,
    PRESENTATION,
    CONFIGURABLE,
    OBJECT,
];
/// The chain for cmdlets without an entry: a plain property bag.
pub const CUSTOM_OBJECT: &[&str] = &["System.Management.Automation.PSCustomObject", OBJECT];
const ARRAY_LIST: &[&str] = &["System.Collections.ArrayList", OBJECT];

/// Cmdlet (lower-case) → the .NET type chain of its output objects.
pub const CMDLET_TYPES: &[(&str, &[&str])] = &[
    ("get-mailbox", MAILBOX),
    ("set-mailbox", MAILBOX),
    ("get-recipient", REDUCED_RECIPIENT),
    ("get-distributiongroupmember", REDUCED_RECIPIENT),
    ("get-accepteddomain", ACCEPTED_DOMAIN),
    ("get-organizationconfig", ORGANIZATION_CONFIG),
    ("get-user", USER),
    ("get-mailboxpermission", MAILBOX_PERMISSION),
    ("add-mailboxpermission", MAILBOX_PERMISSION),
    ("get-distributiongroup", DISTRIBUTION_GROUP),
    ("get-mailcontact", MAIL_CONTACT),
    ("new-mailcontact", MAIL_CONTACT),
];

/// Properties tried in order for `<ToString>`, the text PowerShell shows for the
/// object in string context.
const TO_STRING_KEYS: &[&str] = &["Identity", "Name", "DisplayName"];

/// The type chain for a cmdlet's output, matched case-insensitively; unknown
/// cmdlets get [`CUSTOM_OBJECT`].
pub fn type_names_for(cmdlet: &str) -> &'static [&'static str] {
    CMDLET_TYPES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(cmdlet))
        .map_or(CUSTOM_OBJECT, |(_, types)| types)
}

/// Converts one REST output item. Objects get the cmdlet's type chain, a
/// `ToString` and adapted properties; `@`-annotated keys are dropped but their
/// `@data.type` hints decide GUID and date typing.
pub fn json_to_object(cmdlet: &str, item: &Json) -> Value {
    let Json::Object(map) = item else {
        return json_to_value(item);
    };
    let types = type_names_for(cmdlet);
    let mut obj = PsObject::with_types(types.iter().copied());
    let props = convert_members(map);
    obj.to_string = TO_STRING_KEYS
        .iter()
        .find_map(|k| map.get(*k).and_then(Json::as_str).filter(|s| !s.is_empty()))
        .map(str::to_owned);
    if types == CUSTOM_OBJECT {
        obj.extended = props;
    } else {
        obj.props = props;
    }
    Value::obj(obj)
}

/// Converts a JSON value without an Exchange type: scalars map to primitives,
/// arrays to ArrayList, objects to PSCustomObject.
pub fn json_to_value(v: &Json) -> Value {
    convert(v, None)
}

fn convert_members(map: &Map<String, Json>) -> Vec<(String, Value)> {
    // Type hints sit next to their property as `Prop@data.type` (preferred) or
    // `Prop@odata.type`; collect them in one pass instead of probing per key.
    let mut hints: Vec<(&str, &str, bool)> = Vec::new();
    for (k, v) in map {
        let Some(hint) = v.as_str() else { continue };
        if let Some(prop) = k.strip_suffix("@data.type") {
            hints.push((prop, hint, true));
        } else if let Some(prop) = k.strip_suffix("@odata.type") {
            hints.push((prop, hint, false));
        }
    }
    map.iter()
        .filter(|(k, _)| !k.contains('@'))
        .map(|(k, v)| {
            let hint = hints
                .iter()
                .filter(|(p, _, _)| p == k)
                .max_by_key(|(_, _, preferred)| *preferred)
                .map(|(_, h, _)| *h);
            (k.clone(), convert(v, hint))
        })
        .collect()
}

fn convert(v: &Json, hint: Option<&str>) -> Value {
    let hint = hint.map(|h| {
        h.trim_start_matches('#')
            .trim_start_matches("System.")
            .trim_start_matches("Edm.")
    });
    match v {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => number(n, hint),
        Json::String(s) => string(s, hint),
        Json::Array(items) => {
            let mut list = PsObject::with_types(ARRAY_LIST.iter().copied());
            // A `#Collection(Guid)` hint types the elements.
            let inner = hint
                .and_then(|h| h.strip_prefix("Collection("))
                .map(|h| h.trim_end_matches(')'));
            list.container = Some(Container::List(
                items.iter().map(|i| convert(i, inner)).collect(),
            ));
            Value::obj(list)
        }
        Json::Object(map) => {
            let mut o = PsObject::with_types(CUSTOM_OBJECT.iter().copied());
            o.extended = convert_members(map);
            Value::obj(o)
        }
    }
}

fn number(n: &serde_json::Number, hint: Option<&str>) -> Value {
    if let Some(i) = n.as_i64() {
        return match hint {
            Some("Int16") => i16::try_from(i).map_or(Value::I64(i), Value::I16),
            Some("Int64") => Value::I64(i),
            Some("Byte") => u8::try_from(i).map_or(Value::I64(i), Value::U8),
            _ => i32::try_from(i).map_or(Value::I64(i), Value::I32),
        };
    }
    if let Some(u) = n.as_u64() {
        return Value::U64(u);
    }
    Value::Double(n.as_f64().unwrap_or(f64::NAN))
}

fn string(s: &str, hint: Option<&str>) -> Value {
    match hint {
        Some("Guid") => Uuid::parse_str(s).map_or_else(|_| Value::str(s), Value::Guid),
        Some("DateTime") | Some("DateTimeOffset") => Value::DateTime(s.to_owned()),
        Some("String") => Value::str(s),
        _ if looks_like_guid(s) => Uuid::parse_str(s).map_or_else(|_| Value::str(s), Value::Guid),
        _ if looks_like_datetime(s) => Value::DateTime(s.to_owned()),
        _ => Value::str(s),
    }
}

fn looks_like_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `YYYY-MM-DDTHH:MM:SS` followed by nothing, fractions or an offset: the shape
/// REST uses for DateTime properties.
fn looks_like_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:dd";
    b.len() >= shape.len()
        && b.iter().zip(shape.iter()).all(|(c, p)| {
            if *p == b'd' {
                c.is_ascii_digit()
            } else {
                c == p
            }
        })
        && b[shape.len()..]
            .iter()
            .all(|c| c.is_ascii_digit() || b".+-:Z".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clixml::to_clixml;
    use serde_json::json;

    #[test]
    fn mailbox_gets_exchange_chain_props_and_to_string() {
        let item = json!({
            "Identity": "alex", "DisplayName": "Alex W", "ExchangeGuid": "05b16a01-1111-2222-3333-444455556666",
            "ExchangeGuid@data.type": "System.Guid", "WhenCreated": "2022-09-21T08:07:47.0000000+00:00",
            "EmailAddresses": ["SMTP:alex@contoso.com"], "EmailAddresses@odata.type": "#Collection(String)",
            "ItemCount": 42, "IsMailboxEnabled": true, "ProhibitSendQuota": "99 GB (106,300,440,576 bytes)",
            "Notes": null
        });
        let v = json_to_object("Get-Mailbox", &item);
        let o = v.as_obj().expect("object");
        assert_eq!(
            o.type_names[0],
            "Microsoft.Exchange.Data.Directory.Management.Mailbox"
        );
        assert_eq!(
            o.type_names.last().map(String::as_str),
            Some("System.Object")
        );
        assert_eq!(o.to_string.as_deref(), Some("alex"));
        assert!(o.props.iter().all(|(k, _)| !k.contains('@')));
        assert!(matches!(o.get("ExchangeGuid"), Some(Value::Guid(_))));
        assert!(matches!(o.get("WhenCreated"), Some(Value::DateTime(_))));
        assert_eq!(o.get("ItemCount"), Some(&Value::I32(42)));
        assert_eq!(o.get("Notes"), Some(&Value::Nil));
        let list = o
            .get("EmailAddresses")
            .and_then(Value::as_list)
            .expect("list");
        assert_eq!(list, &[Value::str("SMTP:alex@contoso.com")]);
        // Properties keep the REST answer's order (annotations dropped), not alphabetical.
        let names: Vec<&str> = o.props.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "Identity",
                "DisplayName",
                "ExchangeGuid",
                "WhenCreated",
                "EmailAddresses",
                "ItemCount",
                "IsMailboxEnabled",
                "ProhibitSendQuota",
                "Notes"
            ]
        );
        insta::assert_snapshot!(to_clixml(&v));
    }

    #[test]
    fn recipient_and_domain_chains() {
        assert!(type_names_for("GET-RECIPIENT")[0].ends_with(".ReducedRecipient"));
        assert!(type_names_for("Get-AcceptedDomain")[0].ends_with(".AcceptedDomain"));
        assert_eq!(type_names_for("Get-Unknown"), CUSTOM_OBJECT);
    }

    #[test]
    fn to_string_falls_back_to_name() {
        let v = json_to_object(
            "Get-AcceptedDomain",
            &json!({"Name": "contoso.com", "DomainName": "contoso.com"}),
        );
        assert_eq!(
            v.as_obj().and_then(|o| o.to_string.as_deref()),
            Some("contoso.com")
        );
    }

    #[test]
    fn unknown_cmdlet_gives_property_bag_in_member_set() {
        let v = json_to_object("Get-Whatever", &json!({"A": 1}));
        let o = v.as_obj().expect("object");
        assert_eq!(o.extended, vec![("A".to_owned(), Value::I32(1))]);
        assert!(o.props.is_empty());
    }

    #[test]
    fn heuristics_without_hints() {
        assert!(matches!(
            json_to_value(&json!("2020-01-02T03:04:05Z")),
            Value::DateTime(_)
        ));
        assert!(matches!(
            json_to_value(&json!("2020-01-02 03:04")),
            Value::Str(_)
        ));
        assert_eq!(
            json_to_value(&json!(5_000_000_000i64)),
            Value::I64(5_000_000_000)
        );
        assert_eq!(json_to_value(&json!(1.5)), Value::Double(1.5));
    }
}
