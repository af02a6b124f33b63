//! Get-AcceptedDomain and Get-OrganizationConfig.

use serde_json::Value;

use super::{limit, CmdletError, CmdletOutput, Params};
use crate::tenant::Tenant;

pub(super) fn get_accepted_domain(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&["Identity", "ResultSize"])?;
    let domains = tenant.accepted_domains.clone();
    if let Some(identity) = params.string("Identity")? {
        let found = domains.into_iter().find(|d| {
            ["Identity", "Name", "DomainName", "Guid"].iter().any(|k| {
                d.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(&identity))
            })
        });
        return match found {
            Some(domain) => Ok(CmdletOutput::objects(vec![domain])),
            None => Err(CmdletError::not_found(&identity)),
        };
    }
    limit(domains, params)
}

pub(super) fn get_organization_config(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&["Identity"])?;
    if let Some(identity) = params.string("Identity")? {
        let matches = ["Identity", "Name", "Guid"].iter().any(|k| {
            tenant
                .organization_config
                .get(*k)
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(&identity))
        });
        if !matches {
            return Err(CmdletError::not_found(&identity));
        }
    }
    Ok(CmdletOutput::objects(vec![tenant
        .organization_config
        .clone()]))
}
