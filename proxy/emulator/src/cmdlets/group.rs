//! Get-DistributionGroup and the member cmdlets.

use super::{allowed, identity_of, limit, query, resolve, CmdletError, CmdletOutput, Params};
use crate::tenant::{Recipient, Tenant};

pub(super) fn get_distribution_group(
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
    ])?;
    query(tenant, params, Recipient::is_group, |r| &r.props)
}

pub(super) fn get_distribution_group_member(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&["Identity", "ResultSize", "IgnoreDefaultScope"])?;
    let identity = params.required("Identity")?;
    let index = resolve(tenant, &identity, Recipient::is_group)?;
    let members = tenant.recipients[index]
        .guid()
        .and_then(|g| tenant.group_members.get(&g))
        .map(|guids| {
            guids
                .iter()
                .filter_map(|g| tenant.index_of_guid(*g))
                .map(|i| tenant.recipients[i].props.clone())
                .collect()
        })
        .unwrap_or_default();
    limit(members, params)
}

/// The group and member GUIDs named by `-Identity` and `-Member`.
fn group_and_member(
    tenant: &Tenant,
    params: &Params,
) -> Result<(uuid::Uuid, uuid::Uuid, String, String), CmdletError> {
    let identity = params.required("Identity")?;
    let member = params.required("Member")?;
    let group_index = resolve(tenant, &identity, Recipient::is_group)?;
    let group = &tenant.recipients[group_index];
    let group_guid = group
        .guid()
        .ok_or_else(|| CmdletError::not_found(&identity))?;
    let member_index = tenant
        .resolve(&member, |r| r.guid() != Some(group_guid))
        .map_err(|e| match e {
            crate::tenant::Lookup::NotFound => CmdletError::recipient_not_found(&member),
            crate::tenant::Lookup::Ambiguous => CmdletError::ambiguous(&member),
        })?;
    let member_recipient = &tenant.recipients[member_index];
    let member_guid = member_recipient
        .guid()
        .ok_or_else(|| CmdletError::recipient_not_found(&member))?;
    Ok((
        group_guid,
        member_guid,
        identity_of(group),
        identity_of(member_recipient),
    ))
}

pub(super) fn add_distribution_group_member(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&allowed(
        &["Identity", "Member", "BypassSecurityGroupManagerCheck"],
        true,
    ))?;
    let (group, member, group_name, member_name) = group_and_member(tenant, params)?;
    let members = tenant.group_members.entry(group).or_default();
    if members.contains(&member) {
        return Err(CmdletError::bad_request(
            "Ex5A1B2C",
            "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException",
            &format!("The recipient \"{member_name}\" is already a member of the group \"{group_name}\"."),
        )
        .with_target(&member_name));
    }
    members.push(member);
    Ok(CmdletOutput {
        changed: true,
        ..CmdletOutput::default()
    })
}

pub(super) fn remove_distribution_group_member(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&allowed(
        &["Identity", "Member", "BypassSecurityGroupManagerCheck"],
        true,
    ))?;
    let (group, member, group_name, member_name) = group_and_member(tenant, params)?;
    let members = tenant.group_members.entry(group).or_default();
    let Some(position) = members.iter().position(|m| *m == member) else {
        return Err(CmdletError::bad_request(
            "Ex7D3E4F",
            "Microsoft.Exchange.Management.Tasks.MemberNotFoundException",
            &format!(
                "The recipient \"{member_name}\" isn't a member of the group \"{group_name}\"."
            ),
        )
        .with_target(&member_name));
    };
    members.remove(position);
    Ok(CmdletOutput {
        changed: true,
        ..CmdletOutput::default()
    })
}
