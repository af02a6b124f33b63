//! Get-, Add- and Remove-MailboxPermission.

use serde_json::Value;

use super::{allowed, identity_of, resolve, CmdletError, CmdletOutput, Params};
use crate::tenant::objects::permission_object;
use crate::tenant::{MailboxPermission, Recipient, Tenant};

const RIGHTS: [&str; 6] = [
    "FullAccess",
    "ExternalAccount",
    "DeleteItem",
    "ReadPermission",
    "ChangePermission",
    "ChangeOwner",
];

/// The trustee as Exchange records it: a mailbox's UPN, a group's address, else as given.
fn trustee(tenant: &Tenant, user: &str) -> Result<String, CmdletError> {
    if user.contains('\\') {
        // Well-known principals such as NT AUTHORITY\SELF are not recipients.
        return Ok(user.to_owned());
    }
    let index = tenant
        .resolve(user, |r| r.is_mailbox() || r.is_group())
        .map_err(|_| CmdletError::recipient_not_found(user))?;
    let r = &tenant.recipients[index];
    Ok(r.str("UserPrincipalName")
        .or(r.str("PrimarySmtpAddress"))
        .unwrap_or(user)
        .to_owned())
}

/// Whether a recorded trustee is the one `user` names.
fn same_trustee(tenant: &Tenant, recorded: &str, user: &str) -> bool {
    recorded.eq_ignore_ascii_case(user)
        || tenant
            .resolve(user, |r| r.is_mailbox() || r.is_group())
            .is_ok_and(|i| tenant.recipients[i].matches_identity(recorded))
}

fn rights(params: &Params) -> Result<Vec<String>, CmdletError> {
    let wanted = params
        .strings("AccessRights")?
        .ok_or_else(|| CmdletError::missing_parameter("AccessRights"))?;
    wanted
        .iter()
        .map(|w| {
            RIGHTS
                .iter()
                .find(|r| r.eq_ignore_ascii_case(w))
                .map(|r| (*r).to_owned())
                .ok_or_else(|| {
                    CmdletError::bad_value(
                        "AccessRights",
                        &Value::String(w.clone()),
                        "Microsoft.Exchange.Management.RecipientTasks.MailboxRights[]",
                    )
                })
        })
        .collect()
}

pub(super) fn get_mailbox_permission(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&["Identity", "User", "Owner", "ResultSize"])?;
    let identity = params.required("Identity")?;
    let index = resolve(tenant, &identity, Recipient::is_mailbox)?;
    let mailbox = &tenant.recipients[index];
    let guid = mailbox.guid();
    let shown = identity_of(mailbox);
    let user = params.string("User")?;
    let objects = tenant
        .mailbox_permissions
        .iter()
        .filter(|p| Some(p.mailbox) == guid)
        .filter(|p| {
            user.as_deref()
                .is_none_or(|u| same_trustee(tenant, &p.user, u))
        })
        .map(|p| permission_object(&shown, p))
        .collect();
    super::limit(objects, params)
}

pub(super) fn add_mailbox_permission(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&allowed(
        &[
            "Identity",
            "User",
            "AccessRights",
            "InheritanceType",
            "AutoMapping",
            "Deny",
        ],
        true,
    ))?;
    let identity = params.required("Identity")?;
    let user_param = params.required("User")?;
    let wanted = rights(params)?;
    let inheritance = params
        .string("InheritanceType")?
        .unwrap_or_else(|| "All".to_owned());
    let deny = params.bool("Deny")?.unwrap_or(false);
    let index = resolve(tenant, &identity, Recipient::is_mailbox)?;
    let guid = tenant.recipients[index]
        .guid()
        .ok_or_else(|| CmdletError::not_found(&identity))?;
    let shown = identity_of(&tenant.recipients[index]);
    let user = trustee(tenant, &user_param)?;
    let existing = tenant
        .mailbox_permissions
        .iter()
        .position(|p| p.mailbox == guid && p.deny == deny && p.user.eq_ignore_ascii_case(&user));
    let mut output = CmdletOutput::default();
    let entry = match existing {
        Some(i) => {
            let entry = &mut tenant.mailbox_permissions[i];
            let before = entry.access_rights.len();
            for r in &wanted {
                if !entry.access_rights.contains(r) {
                    entry.access_rights.push(r.clone());
                }
            }
            if entry.access_rights.len() == before {
                output.warnings.push(format!(
                    "The appropriate access control entry is already present on the object \"{shown}\" for account \"{user}\"."
                ));
            } else {
                output.changed = true;
            }
            entry.clone()
        }
        None => {
            let entry = MailboxPermission {
                mailbox: guid,
                user,
                access_rights: wanted,
                deny,
                inheritance_type: inheritance,
                is_inherited: false,
            };
            tenant.mailbox_permissions.push(entry.clone());
            output.changed = true;
            entry
        }
    };
    output.objects.push(permission_object(&shown, &entry));
    Ok(output)
}

pub(super) fn remove_mailbox_permission(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&allowed(
        &[
            "Identity",
            "User",
            "AccessRights",
            "InheritanceType",
            "Deny",
            "BypassMasterAccountSid",
        ],
        true,
    ))?;
    let identity = params.required("Identity")?;
    let user = params.required("User")?;
    let wanted = rights(params)?;
    let deny = params.bool("Deny")?.unwrap_or(false);
    let index = resolve(tenant, &identity, Recipient::is_mailbox)?;
    let guid = tenant.recipients[index].guid();
    let shown = identity_of(&tenant.recipients[index]);
    let position = tenant.mailbox_permissions.iter().position(|p| {
        Some(p.mailbox) == guid
            && p.deny == deny
            && same_trustee(tenant, &p.user, &user)
            && wanted.iter().any(|w| p.access_rights.contains(w))
    });
    let Some(position) = position else {
        return Ok(CmdletOutput {
            warnings: vec![format!(
                "Can't remove the access control entry on the object \"{shown}\" for account \"{user}\" because the ACE doesn't exist on the object."
            )],
            ..CmdletOutput::default()
        });
    };
    let entry = &mut tenant.mailbox_permissions[position];
    entry.access_rights.retain(|r| !wanted.contains(r));
    if entry.access_rights.is_empty() {
        tenant.mailbox_permissions.remove(position);
    }
    Ok(CmdletOutput {
        changed: true,
        ..CmdletOutput::default()
    })
}
