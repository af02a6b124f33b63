//! Get-Recipient and Get-User.

use super::{query, CmdletError, CmdletOutput, Params};
use crate::tenant::{Obj, Recipient, Tenant};

const QUERY_PARAMS: [&str; 7] = [
    "Identity",
    "ResultSize",
    "Filter",
    "RecipientTypeDetails",
    "Anr",
    "SortBy",
    "RecipientType",
];

pub(super) fn get_recipient(
    tenant: &mut Tenant,
    params: &Params,
) -> Result<CmdletOutput, CmdletError> {
    params.check(&QUERY_PARAMS)?;
    query(tenant, params, |_| true, |r| &r.props)
}

fn user_view(recipient: &Recipient) -> &Obj {
    &recipient.user
}

pub(super) fn get_user(tenant: &mut Tenant, params: &Params) -> Result<CmdletOutput, CmdletError> {
    params.check(&QUERY_PARAMS[..6])?;
    query(
        tenant,
        params,
        |r| r.is_mailbox() && !r.user.is_empty(),
        user_view,
    )
}
