//! The in-memory tenant: recipients, groups, permissions and organisation settings, with
//! property names and value shapes as Exchange Online returns them. No I/O here.

pub mod filter;
pub(crate) mod objects;
pub mod seed;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// One object as the REST API shows it: property name → JSON value.
pub type Obj = Map<String, Value>;

/// Recipient kinds the emulator models, by `RecipientTypeDetails`.
pub const MAILBOX_TYPES: [&str; 4] = [
    "UserMailbox",
    "SharedMailbox",
    "RoomMailbox",
    "EquipmentMailbox",
];
pub const GROUP_TYPES: [&str; 2] = [
    "MailUniversalDistributionGroup",
    "MailUniversalSecurityGroup",
];
pub const CONTACT_TYPE: &str = "MailContact";

/// A recipient and, for mailboxes, the directory user behind it (what Get-User shows).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Recipient {
    pub props: Obj,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub user: Obj,
}

impl Recipient {
    pub fn guid(&self) -> Option<Uuid> {
        self.str("Guid").and_then(|g| Uuid::parse_str(g).ok())
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.props.get(name).and_then(Value::as_str)
    }

    pub fn type_details(&self) -> &str {
        self.str("RecipientTypeDetails").unwrap_or_default()
    }

    pub fn is_mailbox(&self) -> bool {
        MAILBOX_TYPES.contains(&self.type_details())
    }

    pub fn is_group(&self) -> bool {
        GROUP_TYPES.contains(&self.type_details())
    }

    pub fn is_contact(&self) -> bool {
        self.type_details() == CONTACT_TYPE
    }

    /// Whether `identity` names this recipient the way Exchange's identity parameters accept:
    /// name, alias, display name, distinguished name, any address (with or without the
    /// `smtp:` prefix), user principal name or any of its GUIDs.
    pub fn matches_identity(&self, identity: &str) -> bool {
        let wanted = identity.trim();
        let wanted_address = strip_address_prefix(wanted);
        const SCALARS: [&str; 11] = [
            "Identity",
            "Name",
            "Alias",
            "DisplayName",
            "DistinguishedName",
            "PrimarySmtpAddress",
            "UserPrincipalName",
            "WindowsEmailAddress",
            "Guid",
            "ExchangeGuid",
            "ExternalDirectoryObjectId",
        ];
        SCALARS.iter().any(|key| {
            self.str(key)
                .is_some_and(|v| !v.is_empty() && v.eq_ignore_ascii_case(wanted))
        }) || self
            .props
            .get("EmailAddresses")
            .and_then(Value::as_array)
            .is_some_and(|addresses| {
                addresses.iter().filter_map(Value::as_str).any(|a| {
                    a.eq_ignore_ascii_case(wanted)
                        || strip_address_prefix(a).eq_ignore_ascii_case(wanted_address)
                })
            })
    }
}

/// `smtp:a@b` → `a@b`; other proxy prefixes (`SIP:`, `X500:`) stay.
fn strip_address_prefix(address: &str) -> &str {
    match address.split_once(':') {
        Some((prefix, rest)) if prefix.eq_ignore_ascii_case("smtp") => rest,
        _ => address,
    }
}

/// One access control entry on a mailbox (what Get-MailboxPermission shows).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MailboxPermission {
    pub mailbox: Uuid,
    /// The trustee as Exchange displays it (`NT AUTHORITY\SELF`, a UPN, a name).
    pub user: String,
    pub access_rights: Vec<String>,
    pub deny: bool,
    pub inheritance_type: String,
    pub is_inherited: bool,
}

/// The whole tenant; what `--state FILE` holds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Tenant {
    pub domain: String,
    pub tenant_id: Uuid,
    pub accepted_domains: Vec<Obj>,
    pub organization_config: Obj,
    pub recipients: Vec<Recipient>,
    /// Group GUID → member GUIDs, in the order they were added.
    pub group_members: BTreeMap<Uuid, Vec<Uuid>>,
    pub mailbox_permissions: Vec<MailboxPermission>,
}

/// Why an identity did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    NotFound,
    Ambiguous,
}

impl Tenant {
    /// An empty tenant with its accepted domains and organisation config.
    pub fn empty(domain: &str, tenant_id: Uuid) -> Self {
        Self {
            domain: domain.to_owned(),
            tenant_id,
            accepted_domains: objects::accepted_domains(domain, tenant_id),
            organization_config: objects::organization_config(domain, tenant_id),
            recipients: Vec::new(),
            group_members: BTreeMap::new(),
            mailbox_permissions: Vec::new(),
        }
    }

    /// The tenant served when there is neither state nor seed: realistic mailboxes of each
    /// kind, a contact, two groups with members and a delegated permission.
    pub fn sample(domain: &str, tenant_id: Uuid) -> Self {
        seed::Seed::sample().build(domain, tenant_id)
    }

    /// Resolves `identity` among the recipients `filter` admits.
    pub fn resolve(
        &self,
        identity: &str,
        filter: impl Fn(&Recipient) -> bool,
    ) -> Result<usize, Lookup> {
        let mut found = self
            .recipients
            .iter()
            .enumerate()
            .filter(|(_, r)| filter(r) && r.matches_identity(identity))
            .map(|(i, _)| i);
        match (found.next(), found.next()) {
            (Some(i), None) => Ok(i),
            (Some(_), Some(_)) => Err(Lookup::Ambiguous),
            (None, _) => Err(Lookup::NotFound),
        }
    }

    pub fn index_of_guid(&self, guid: Uuid) -> Option<usize> {
        self.recipients.iter().position(|r| r.guid() == Some(guid))
    }

    /// Whether a new recipient may take this name or alias.
    pub fn name_in_use(&self, name: &str) -> bool {
        self.recipients.iter().any(|r| {
            ["Name", "Alias"]
                .iter()
                .any(|k| r.str(k).is_some_and(|v| v.eq_ignore_ascii_case(name)))
        })
    }

    pub fn address_in_use(&self, address: &str) -> bool {
        self.recipients.iter().any(|r| {
            r.props
                .get("EmailAddresses")
                .and_then(Value::as_array)
                .is_some_and(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .any(|x| strip_address_prefix(x).eq_ignore_ascii_case(address))
                })
        })
    }

    /// Removes a recipient and everything that points at it.
    pub fn remove_recipient(&mut self, index: usize) -> Recipient {
        let removed = self.recipients.remove(index);
        if let Some(guid) = removed.guid() {
            self.group_members.remove(&guid);
            for members in self.group_members.values_mut() {
                members.retain(|m| *m != guid);
            }
            self.mailbox_permissions.retain(|p| p.mailbox != guid);
        }
        removed
    }
}
