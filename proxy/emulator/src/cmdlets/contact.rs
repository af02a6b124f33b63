//! New-, Get- and Remove-MailContact.

use serde_json::Value;
use time::OffsetDateTime;

use super::{allowed, query, resolve, CmdletError, CmdletOutput, Params};
use crate::tenant::objects;
use crate::tenant::{Recipient, Tenant};

pub(super) fn new_mail_contact(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&allowed(
        &[
            "Name",
            "ExternalEmailAddress",
            "Alias",
            "DisplayName",
            "FirstName",
            "LastName",
            "Initials",
            "OrganizationalUnit",
            "PrimarySmtpAddress",
        ],
        true,
    ))?;
    let name = params.required("Name")?;
    let external = params.required("ExternalEmailAddress")?;
    let external = match external.split_once(':') {
        Some((prefix, rest)) if prefix.eq_ignore_ascii_case("smtp") => rest.to_owned(),
        _ => external,
    };
    let valid = external.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains(' ')
    });
    if !valid {
        return Err(CmdletError::bad_value(
            "ExternalEmailAddress",
            &Value::String(external),
            "Microsoft.Exchange.Data.ProxyAddress",
        ));
    }
    let alias = params.string("Alias")?.unwrap_or_else(|| {
        name.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect()
    });
    if tenant.name_in_use(&name) || tenant.name_in_use(&alias) {
        return Err(CmdletError::bad_request(
            "Ex9B8A7C",
            "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
            &format!("The name \"{name}\" is already being used. Please try another name."),
        )
        .with_target(&name));
    }
    if tenant.address_in_use(&external) {
        return Err(CmdletError::bad_request(
            "Ex8E2D14",
            "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
            &format!("The proxy address \"SMTP:{external}\" is already being used by the proxy addresses or LegacyExchangeDN. Please choose another proxy address."),
        ));
    }
    let display = params
        .string("DisplayName")?
        .unwrap_or_else(|| name.clone());
    let contact = objects::contact(
        &name,
        &alias,
        &display,
        &external,
        &tenant.domain,
        tenant.tenant_id,
        OffsetDateTime::now_utc(),
    );
    let shown = contact.props.clone();
    tenant.recipients.push(contact);
    Ok(CmdletOutput {
        objects: vec![shown],
        changed: true,
        ..CmdletOutput::default()
    })
}

pub(super) fn get_mail_contact(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&[
        "Identity",
        "ResultSize",
        "Filter",
        "Anr",
        "SortBy",
        "RecipientTypeDetails",
    ])?;
    query(tenant, params, Recipient::is_contact, |r| &r.props)
}

pub(super) fn remove_mail_contact(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&allowed(&["Identity"], true))?;
    let identity = params.required("Identity")?;
    let index = resolve(tenant, &identity, Recipient::is_contact)?;
    tenant.remove_recipient(index);
    Ok(CmdletOutput {
        changed: true,
        ..CmdletOutput::default()
    })
}
