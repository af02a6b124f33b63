//! The cmdlets the emulator runs, one module per family, over a [`Tenant`].

mod contact;
mod error;
mod group;
mod mailbox;
mod org;
mod params;
mod permission;
mod recipient;

pub use error::CmdletError;
pub(crate) use params::Params;

use serde_json::Value;
use time::OffsetDateTime;

use crate::tenant::filter::{lookup, Filter};
use crate::tenant::objects::exo_datetime;
use crate::tenant::{Lookup, Obj, Recipient, Tenant};

/// What a cmdlet produced.
#[derive(Debug, Default)]
pub(crate) struct CmdletOutput {
    pub objects: Vec<Obj>,
    /// Set when `objects` is already the requested page of a larger result of this size.
    pub total: Option<usize>,
    pub warnings: Vec<String>,
    /// The tenant changed and must be persisted.
    pub changed: bool,
    /// `-WhatIf`: what would have happened.
    pub confirmation: Option<String>,
}

impl CmdletOutput {
    fn objects(objects: Vec<Obj>) -> Self {
        Self {
            objects,
            ..Self::default()
        }
    }
}

type Handler = fn(&mut Tenant, &Params) -> Result<CmdletOutput, CmdletError>;

/// Name, handler, and whether it changes the tenant.
const CMDLETS: [(&str, Handler, bool); 16] = [
    ("Get-AcceptedDomain", org::get_accepted_domain, false),
    (
        "Get-OrganizationConfig",
        org::get_organization_config,
        false,
    ),
    ("Get-Mailbox", mailbox::get_mailbox, false),
    ("Set-Mailbox", mailbox::set_mailbox, true),
    ("Get-Recipient", recipient::get_recipient, false),
    ("Get-User", recipient::get_user, false),
    (
        "Get-MailboxPermission",
        permission::get_mailbox_permission,
        false,
    ),
    (
        "Add-MailboxPermission",
        permission::add_mailbox_permission,
        true,
    ),
    (
        "Remove-MailboxPermission",
        permission::remove_mailbox_permission,
        true,
    ),
    (
        "Get-DistributionGroup",
        group::get_distribution_group,
        false,
    ),
    (
        "Get-DistributionGroupMember",
        group::get_distribution_group_member,
        false,
    ),
    (
        "Add-DistributionGroupMember",
        group::add_distribution_group_member,
        true,
    ),
    (
        "Remove-DistributionGroupMember",
        group::remove_distribution_group_member,
        true,
    ),
    ("New-MailContact", contact::new_mail_contact, true),
    ("Get-MailContact", contact::get_mail_contact, false),
    ("Remove-MailContact", contact::remove_mail_contact, true),
];

/// The cmdlet names the emulator knows, in their canonical spelling.
pub fn names() -> impl Iterator<Item = &'static str> {
    CMDLETS.iter().map(|(name, _, _)| *name)
}

/// Whether the cmdlet changes the tenant (unknown names count as not).
pub(crate) fn is_mutating(name: &str) -> bool {
    CMDLETS
        .iter()
        .any(|(n, _, mutates)| *mutates && n.eq_ignore_ascii_case(name.trim()))
}

/// Runs one cmdlet (name matched case-insensitively).
pub(crate) fn invoke(
    tenant: &mut Tenant,
    name: &str,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    let Some((canonical, handler, mutates)) = CMDLETS
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name.trim()))
    else {
        return Err(CmdletError::unknown_cmdlet(name));
    };
    if !*mutates {
        return handler(tenant, params);
    }
    let what_if = params.bool("WhatIf")?.unwrap_or(false);
    // The module sends `Confirm: true` first and expects the prompt text back, unexecuted;
    // it repeats the call with `Confirm: false` once the user agreed.
    let confirm = params.bool("Confirm")?.unwrap_or(false);
    if what_if || confirm {
        // Run against a copy so validation and errors are the real ones, then drop it.
        let mut scratch = tenant.clone();
        let mut preview = Params::clone(params);
        preview.remove_switches();
        handler(&mut scratch, &preview)?;
        let target = params
            .string("Identity")?
            .or(params.string("Name")?)
            .unwrap_or_default();
        let action = format!("Performing the operation \"{canonical}\" on target \"{target}\".");
        let message = if what_if {
            format!("What if: {action}")
        } else {
            format!("Are you sure you want to perform this action?\r\n{action}")
        };
        return Ok(CmdletOutput {
            confirmation: Some(message),
            ..CmdletOutput::default()
        });
    }
    handler(tenant, params)
}

impl Params {
    /// Drops `WhatIf`/`Confirm`, which only the dispatcher interprets.
    fn remove_switches(&mut self) {
        self.retain(|name| {
            !name.eq_ignore_ascii_case("WhatIf") && !name.eq_ignore_ascii_case("Confirm")
        });
    }
}

/// Parameters every mutating cmdlet accepts.
const MUTATING_COMMON: [&str; 2] = ["Confirm", "WhatIf"];

fn allowed<'a>(specific: &[&'a str], mutating: bool) -> Vec<&'a str> {
    let mut names = specific.to_vec();
    if mutating {
        names.extend(MUTATING_COMMON);
    }
    names
}

/// Resolves `-Identity` (or another identity parameter) among the recipients `kind` admits.
fn resolve(
    tenant: &Tenant,
    identity: &str,
    kind: fn(&Recipient) -> bool,
) -> Result<usize, CmdletError> {
    tenant.resolve(identity, kind).map_err(|e| match e {
        Lookup::NotFound => CmdletError::not_found(identity),
        Lookup::Ambiguous => CmdletError::ambiguous(identity),
    })
}

/// The shared body of the Get-* recipient cmdlets: `-Identity`, `-Anr`, `-Filter`,
/// `-RecipientTypeDetails`, `-RecipientType`, `-SortBy` and `-ResultSize`.
fn query(
    tenant: &Tenant,
    params: &Params,
    kind: fn(&Recipient) -> bool,
    project: fn(&Recipient) -> &Obj,
) -> Result<CmdletOutput, CmdletError> {
    if let Some(identity) = params.string("Identity")? {
        let index = resolve(tenant, &identity, kind)?;
        return Ok(CmdletOutput::objects(vec![project(
            &tenant.recipients[index],
        )
        .clone()]));
    }
    let filter = params
        .string("Filter")?
        .filter(|f| !f.trim().is_empty())
        .map(|f| Filter::parse(&f))
        .transpose()
        .map_err(|e| CmdletError::invalid_filter(&e.0))?;
    let type_details = params.strings("RecipientTypeDetails")?;
    let recipient_types = params.strings("RecipientType")?;
    let anr = params.string("Anr")?.map(|a| a.to_lowercase());
    let candidates: Vec<&Obj> = tenant
        .recipients
        .iter()
        .filter(|r| kind(r))
        .map(project)
        .collect();
    if let (Some(filter), Some(sample)) = (&filter, candidates.first()) {
        if let Some(unknown) = filter
            .properties()
            .into_iter()
            .find(|p| lookup(sample, p).is_none())
        {
            return Err(CmdletError::invalid_filter(&format!(
                "'{unknown}' is not a recognized filterable property. For more information about the filterable properties, see the cmdlet's help."
            )));
        }
    }
    let in_list = |obj: &&Obj, key: &str, list: &Option<Vec<String>>| {
        list.as_ref().is_none_or(|wanted| {
            let actual = obj.get(key).and_then(Value::as_str).unwrap_or_default();
            wanted.iter().any(|w| w.eq_ignore_ascii_case(actual))
        })
    };
    let mut selected: Vec<&Obj> = candidates
        .into_iter()
        .filter(|o| in_list(o, "RecipientTypeDetails", &type_details))
        .filter(|o| in_list(o, "RecipientType", &recipient_types))
        .filter(|o| filter.as_ref().is_none_or(|f| f.matches(o)))
        .filter(|o| anr.as_deref().is_none_or(|a| anr_matches(o, a)))
        .collect();
    if let Some(sort_by) = params.string("SortBy")? {
        let (key, descending) = match sort_by.strip_prefix('-') {
            Some(k) => (k.to_owned(), true),
            None => (sort_by.clone(), false),
        };
        selected.sort_by_key(|o| sort_key(lookup(o, &key)));
        if descending {
            selected.reverse();
        }
    }
    // Truncate before cloning: ResultSize is usually far below the tenant's size.
    let max = params.result_size()?;
    let more = max.is_some_and(|m| selected.len() > m);
    if let Some(m) = max {
        selected.truncate(m);
    }
    let total = selected.len();
    let (offset, len) = params.window().unwrap_or((0, total));
    let page = selected
        .into_iter()
        .skip(offset)
        .take(len)
        .cloned()
        .collect();
    let mut output = CmdletOutput::objects(page);
    output.total = Some(total);
    if more {
        output.warnings.push(MORE_RESULTS.to_owned());
    }
    Ok(output)
}

const MORE_RESULTS: &str = "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.";

fn sort_key(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.to_lowercase(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Ambiguous name resolution: a prefix of a name-like property.
fn anr_matches(obj: &Obj, prefix: &str) -> bool {
    [
        "Name",
        "Alias",
        "DisplayName",
        "FirstName",
        "LastName",
        "PrimarySmtpAddress",
    ]
    .iter()
    .any(|k| {
        obj.get(*k)
            .and_then(Value::as_str)
            .is_some_and(|v| v.to_lowercase().starts_with(prefix))
    })
}

/// Applies `-ResultSize`, warning as Exchange does when more results were available.
fn limit(mut objects: Vec<Obj>, params: &Params) -> Result<CmdletOutput, CmdletError> {
    let mut warnings = Vec::new();
    if let Some(max) = params.result_size()? {
        if objects.len() > max {
            objects.truncate(max);
            warnings.push(MORE_RESULTS.to_owned());
        }
    }
    Ok(CmdletOutput {
        objects,
        warnings,
        ..CmdletOutput::default()
    })
}

/// Marks an object as changed now.
fn touch(obj: &mut Obj) {
    let now = OffsetDateTime::now_utc();
    let local = exo_datetime(now);
    let utc = format!("{}Z", local.trim_end_matches("+00:00"));
    obj.insert("WhenChanged".into(), Value::String(local));
    if obj.contains_key("WhenChangedUTC") {
        obj.insert("WhenChangedUTC".into(), Value::String(utc));
    }
}

fn no_change_warning(identity: &str) -> String {
    format!(
        "The command completed successfully but no settings of '{identity}' have been modified."
    )
}

fn identity_of(recipient: &Recipient) -> String {
    recipient.str("Identity").unwrap_or_default().to_owned()
}
