//! Get-Mailbox and Set-Mailbox.

use serde_json::Value;

use super::params::{multi_valued, MultiValued};
use super::{
    allowed, identity_of, no_change_warning, query, resolve, touch, CmdletError, CmdletOutput,
    Params,
};
use crate::tenant::{Obj, Recipient, Tenant, MAILBOX_TYPES};

pub(super) fn get_mailbox(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&[
        "Identity",
        "ResultSize",
        "Filter",
        "RecipientTypeDetails",
        "Anr",
        "SortBy",
        "IncludeInactiveMailbox",
    ])?;
    query(tenant, params, Recipient::is_mailbox, |r| &r.props)
}

/// Single-valued string properties Set-Mailbox writes as given.
const TEXT: [&str; 6] = [
    "DisplayName",
    "Office",
    "RetentionPolicy",
    "RetainDeletedItemsFor",
    "MaxSendSize",
    "MaxReceiveSize",
];
const FLAGS: [&str; 5] = [
    "HiddenFromAddressListsEnabled",
    "DeliverToMailboxAndForward",
    "LitigationHoldEnabled",
    "AuditEnabled",
    "SingleItemRecoveryEnabled",
];
const OTHER: [&str; 8] = [
    "Identity",
    "EmailAddresses",
    "ForwardingSmtpAddress",
    "ForwardingAddress",
    "GrantSendOnBehalfTo",
    "Type",
    "WindowsEmailAddress",
    "Force",
];

fn custom_attribute_names() -> Vec<String> {
    (1..=15)
        .map(|n| format!("CustomAttribute{n}"))
        .chain((1..=5).map(|n| format!("ExtensionCustomAttribute{n}")))
        .collect()
}

pub(super) fn set_mailbox(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    let custom = custom_attribute_names();
    let mut names: Vec<&str> = TEXT
        .iter()
        .chain(FLAGS.iter())
        .chain(OTHER.iter())
        .copied()
        .collect();
    names.extend(custom.iter().map(String::as_str));
    params.check(&allowed(&names, true))?;
    let identity = params.required("Identity")?;
    let index = resolve(tenant, &identity, Recipient::is_mailbox)?;
    let mut updated = tenant.recipients[index].clone();
    let props = &mut updated.props;

    for name in TEXT {
        if let Some(value) = params.string(name)? {
            props.insert(name.to_owned(), Value::String(value));
        }
    }
    for name in FLAGS {
        if let Some(value) = params.bool(name)? {
            props.insert(name.to_owned(), Value::Bool(value));
        }
    }
    for name in &custom {
        let Some(value) = params.get(name) else {
            continue;
        };
        let new = if name.starts_with("Extension") {
            let current = string_list(props.get(name.as_str()));
            Value::from(apply_multi(current, multi_valued(name, value)?, |s| s))
        } else {
            Value::String(params.string(name)?.unwrap_or_default())
        };
        props.insert(name.clone(), new);
    }
    if params.has("ForwardingSmtpAddress") {
        let value = params
            .string("ForwardingSmtpAddress")?
            .filter(|v| !v.is_empty());
        let value = value.map(|v| {
            if v.to_ascii_lowercase().starts_with("smtp:") {
                v
            } else {
                format!("smtp:{v}")
            }
        });
        props.insert(
            "ForwardingSmtpAddress".into(),
            value.map_or(Value::Null, Value::String),
        );
    }
    if params.has("ForwardingAddress") {
        let value = match params
            .string("ForwardingAddress")?
            .filter(|v| !v.is_empty())
        {
            Some(target) => {
                let i = tenant
                    .resolve(&target, |_| true)
                    .map_err(|_| CmdletError::recipient_not_found(&target))?;
                Value::String(identity_of(&tenant.recipients[i]))
            }
            None => Value::Null,
        };
        props.insert("ForwardingAddress".into(), value);
    }
    if let Some(value) = params.get("GrantSendOnBehalfTo") {
        let current = string_list(props.get("GrantSendOnBehalfTo"));
        let change = multi_valued("GrantSendOnBehalfTo", value)?;
        let mut resolved = Vec::new();
        for name in change_names(&change) {
            let i = tenant
                .resolve(&name, |_| true)
                .map_err(|_| CmdletError::recipient_not_found(&name))?;
            resolved.push((name, identity_of(&tenant.recipients[i])));
        }
        let canonical = |s: String| {
            resolved
                .iter()
                .find(|(given, _)| *given == s)
                .map_or(s.clone(), |(_, id)| id.clone())
        };
        props.insert(
            "GrantSendOnBehalfTo".into(),
            Value::from(apply_multi(current, change, canonical)),
        );
    }
    if let Some(kind) = params.string("Type")? {
        let details = match kind.to_ascii_lowercase().as_str() {
            "regular" => "UserMailbox",
            "shared" => "SharedMailbox",
            "room" => "RoomMailbox",
            "equipment" => "EquipmentMailbox",
            _ => {
                return Err(CmdletError::bad_value(
                    "Type",
                    &Value::String(kind.clone()),
                    "Microsoft.Exchange.Management.RecipientTasks.ConvertibleMailboxSubType",
                ))
            }
        };
        debug_assert!(MAILBOX_TYPES.contains(&details));
        props.insert("RecipientTypeDetails".into(), details.into());
        props.insert("IsShared".into(), Value::Bool(details == "SharedMailbox"));
        updated
            .user
            .insert("RecipientTypeDetails".into(), details.into());
    }
    let props = &mut updated.props;
    if let Some(value) = params.get("EmailAddresses") {
        let change = multi_valued("EmailAddresses", value)?;
        set_addresses(props, change)?;
    }
    if let Some(primary) = params.string("WindowsEmailAddress")? {
        let current = string_list(props.get("EmailAddresses"));
        let mut list: Vec<String> = current
            .into_iter()
            .map(|a| demote(&a))
            .filter(|a| !address_part(a).eq_ignore_ascii_case(&primary))
            .collect();
        list.insert(0, format!("SMTP:{primary}"));
        set_addresses(props, MultiValued::Replace(list))?;
    }
    // Addresses must stay unique across the tenant.
    let own_guid = tenant.recipients[index].guid();
    for address in string_list(updated.props.get("EmailAddresses")) {
        let taken = tenant.recipients.iter().any(|r| {
            r.guid() != own_guid
                && string_list(r.props.get("EmailAddresses"))
                    .iter()
                    .any(|a| address_part(a).eq_ignore_ascii_case(address_part(&address)))
        });
        if taken {
            return Err(CmdletError::bad_request(
                "Ex8E2D14",
                "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                &format!("The proxy address \"{address}\" is already being used by the proxy addresses or LegacyExchangeDN. Please choose another proxy address."),
            ));
        }
    }
    if let Some(display) = updated.props.get("DisplayName").cloned() {
        updated.user.insert("DisplayName".into(), display);
    }
    if let Some(primary) = updated.props.get("PrimarySmtpAddress").cloned() {
        updated.user.insert("WindowsEmailAddress".into(), primary);
    }

    let current = &tenant.recipients[index];
    if updated == *current {
        return Ok(CmdletOutput {
            warnings: vec![no_change_warning(&identity_of(current))],
            ..CmdletOutput::default()
        });
    }
    touch(&mut updated.props);
    touch(&mut updated.user);
    tenant.recipients[index] = updated;
    Ok(CmdletOutput {
        changed: true,
        ..CmdletOutput::default()
    })
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn change_names(change: &MultiValued) -> Vec<String> {
    match change {
        MultiValued::Replace(list) => list.clone(),
        MultiValued::Modify { add, remove } => add.iter().chain(remove).cloned().collect(),
    }
}

fn apply_multi(
    current: Vec<String>,
    change: MultiValued,
    canonical: impl Fn(String) -> String,
) -> Vec<String> {
    match change {
        MultiValued::Replace(list) => list.into_iter().map(canonical).collect(),
        MultiValued::Modify { add, remove } => {
            let remove: Vec<String> = remove.into_iter().map(&canonical).collect();
            let mut list: Vec<String> = current
                .into_iter()
                .filter(|c| !remove.iter().any(|r| r.eq_ignore_ascii_case(c)))
                .collect();
            for a in add.into_iter().map(canonical) {
                if !list.iter().any(|c| c.eq_ignore_ascii_case(&a)) {
                    list.push(a);
                }
            }
            list
        }
    }
}

/// The address without its `smtp:` prefix.
fn address_part(address: &str) -> &str {
    match address.split_once(':') {
        Some((prefix, rest)) if prefix.eq_ignore_ascii_case("smtp") => rest,
        _ => address,
    }
}

fn demote(address: &str) -> String {
    match address.strip_prefix("SMTP:") {
        Some(rest) => format!("smtp:{rest}"),
        None => address.to_owned(),
    }
}

/// Bare addresses become secondary `smtp:` entries; exactly one `SMTP:` must remain.
fn normalize(address: &str) -> Result<String, CmdletError> {
    let normalized = if address.contains(':') {
        address.to_owned()
    } else {
        format!("smtp:{address}")
    };
    let is_smtp = normalized.to_ascii_lowercase().starts_with("smtp:");
    let local_domain = address_part(&normalized).split_once('@');
    if is_smtp && !local_domain.is_some_and(|(l, d)| !l.is_empty() && d.contains('.')) {
        return Err(CmdletError::bad_request(
            "Ex4B12CE",
            "Microsoft.Exchange.Data.DataValidationException",
            &format!("The address '{normalized}' is invalid: \"{}\" isn't a valid SMTP address. The domain name can't contain spaces and it has to have a prefix and a suffix, such as example.com.", address_part(&normalized)),
        ));
    }
    Ok(normalized)
}

fn set_addresses(props: &mut Obj, change: MultiValued) -> Result<(), CmdletError> {
    let current = string_list(props.get("EmailAddresses"));
    let change = match change {
        MultiValued::Replace(list) => MultiValued::Replace(
            list.iter()
                .map(|a| normalize(a))
                .collect::<Result<_, _>>()?,
        ),
        MultiValued::Modify { add, remove } => MultiValued::Modify {
            add: add.iter().map(|a| normalize(a)).collect::<Result<_, _>>()?,
            remove: remove
                .iter()
                .map(|a| normalize(a))
                .collect::<Result<_, _>>()?,
        },
    };
    let mut list = apply_multi(current.clone(), change, |s| s);
    let primaries: Vec<&String> = list.iter().filter(|a| a.starts_with("SMTP:")).collect();
    let primary = match primaries.len() {
        1 => primaries[0].clone(),
        0 => {
            // Removing or replacing addresses without naming a primary keeps the old one when
            // it is still there, as Exchange does.
            let old = current.iter().find(|a| a.starts_with("SMTP:"));
            match old.and_then(|o| list.iter_mut().find(|a| address_part(a).eq_ignore_ascii_case(address_part(o)))) {
                Some(kept) => {
                    *kept = format!("SMTP:{}", address_part(kept));
                    kept.clone()
                }
                None => {
                    return Err(CmdletError::bad_request(
                        "Ex1A5F7E",
                        "Microsoft.Exchange.Data.DataValidationException",
                        "The primary SMTP address can't be removed. Set another address as primary (SMTP:) first.",
                    ))
                }
            }
        }
        _ => {
            return Err(CmdletError::bad_request(
                "Ex2C9E41",
                "Microsoft.Exchange.Data.DataValidationException",
                "Only one primary SMTP address (SMTP:) can be specified.",
            ))
        }
    };
    list.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let primary_address = address_part(&primary).to_owned();
    props.insert("EmailAddresses".into(), Value::from(list));
    props.insert(
        "PrimarySmtpAddress".into(),
        Value::String(primary_address.clone()),
    );
    props.insert("WindowsEmailAddress".into(), Value::String(primary_address));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(addresses: Value) -> Obj {
        json!({ "EmailAddresses": addresses })
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn add_keeps_primary() {
        let mut p = props(json!(["SMTP:a@x.com"]));
        set_addresses(
            &mut p,
            MultiValued::Modify {
                add: vec!["b@x.com".into()],
                remove: vec![],
            },
        )
        .expect("ok");
        assert_eq!(p["EmailAddresses"], json!(["SMTP:a@x.com", "smtp:b@x.com"]));
        assert_eq!(p["PrimarySmtpAddress"], json!("a@x.com"));
    }

    #[test]
    fn new_primary_replaces_old() {
        let mut p = props(json!(["SMTP:a@x.com"]));
        set_addresses(
            &mut p,
            MultiValued::Replace(vec!["SMTP:b@x.com".into(), "a@x.com".into()]),
        )
        .expect("ok");
        assert_eq!(p["PrimarySmtpAddress"], json!("b@x.com"));
    }

    #[test]
    fn removing_primary_fails_and_bad_address_fails() {
        let mut p = props(json!(["SMTP:a@x.com", "smtp:b@x.com"]));
        assert!(set_addresses(
            &mut p,
            MultiValued::Modify {
                add: vec![],
                remove: vec!["a@x.com".into()]
            }
        )
        .is_err());
        assert!(set_addresses(
            &mut p,
            MultiValued::Modify {
                add: vec!["nope".into()],
                remove: vec![]
            }
        )
        .is_err());
    }
}
