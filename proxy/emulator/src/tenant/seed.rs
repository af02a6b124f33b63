//! The `--seed FILE` format: a tenant described by its objects, with every property Exchange
//! would fill in left out. See README.md for the format.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::objects::{self, MailboxSpec};
use super::{MailboxPermission, Obj, Tenant, GROUP_TYPES, MAILBOX_TYPES};

/// A tenant to start from.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub mailboxes: Vec<SeedMailbox>,
    /// Adds this many user mailboxes `user00001`…, for paging tests.
    #[serde(default)]
    pub generate_mailboxes: usize,
    #[serde(default)]
    pub contacts: Vec<SeedContact>,
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
    #[serde(default)]
    pub permissions: Vec<SeedPermission>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedMailbox {
    pub alias: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// `UserMailbox` (default), `SharedMailbox`, `RoomMailbox` or `EquipmentMailbox`.
    #[serde(default)]
    pub recipient_type_details: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// Any further properties, as Get-Mailbox shows them (e.g. `CustomAttribute1`).
    #[serde(default)]
    pub properties: Obj,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedContact {
    pub name: String,
    pub external_email_address: String,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedGroup {
    pub alias: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// `MailUniversalDistributionGroup` (default) or `MailUniversalSecurityGroup`.
    #[serde(default)]
    pub recipient_type_details: Option<String>,
    /// Identities (alias, address, name) of recipients defined in the seed.
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedPermission {
    /// The mailbox.
    pub identity: String,
    /// The trustee, e.g. a user principal name.
    pub user: String,
    pub access_rights: Vec<String>,
}

fn base_time() -> OffsetDateTime {
    // 2024-01-15T09:30:00Z: a fixed origin keeps seeded tenants identical across runs.
    OffsetDateTime::from_unix_timestamp(1_705_311_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn split_name(display: &str) -> (String, String) {
    match display.split_once(' ') {
        Some((first, last)) => (first.to_owned(), last.to_owned()),
        None => (display.to_owned(), String::new()),
    }
}

impl Seed {
    /// The default tenant.
    pub fn sample() -> Self {
        let mailbox = |alias: &str, display: &str, kind: &str| SeedMailbox {
            alias: alias.to_owned(),
            display_name: Some(display.to_owned()),
            recipient_type_details: Some(kind.to_owned()),
            first_name: None,
            last_name: None,
            properties: Obj::new(),
        };
        let mut adele = mailbox("adelev", "Adele Vance", "UserMailbox");
        adele
            .properties
            .insert("CustomAttribute1".into(), "Retail".into());
        adele.properties.insert("Office".into(), "18/2111".into());
        let mut alex = mailbox("alexw", "Alex Wilber", "UserMailbox");
        alex.properties
            .insert("CustomAttribute1".into(), "Marketing".into());
        Self {
            mailboxes: vec![
                mailbox("admin", "MOD Administrator", "UserMailbox"),
                adele,
                alex,
                mailbox("meganb", "Megan Bowen", "UserMailbox"),
                mailbox("info", "Info Desk", "SharedMailbox"),
                mailbox("confroom1", "Conference Room 1", "RoomMailbox"),
                mailbox("projector1", "Projector 1", "EquipmentMailbox"),
            ],
            generate_mailboxes: 0,
            contacts: vec![SeedContact {
                name: "Partner Contact".to_owned(),
                external_email_address: "partner@fabrikam.com".to_owned(),
                alias: Some("partnercontact".to_owned()),
                display_name: None,
            }],
            groups: vec![
                SeedGroup {
                    alias: "sales".to_owned(),
                    display_name: Some("Sales Team".to_owned()),
                    recipient_type_details: None,
                    members: vec!["adelev".to_owned(), "alexw".to_owned()],
                },
                SeedGroup {
                    alias: "itsecurity".to_owned(),
                    display_name: Some("IT Security".to_owned()),
                    recipient_type_details: Some("MailUniversalSecurityGroup".to_owned()),
                    members: vec!["meganb".to_owned()],
                },
            ],
            permissions: vec![SeedPermission {
                identity: "info".to_owned(),
                user: "adelev".to_owned(),
                access_rights: vec!["FullAccess".to_owned()],
            }],
        }
    }

    /// `count` generated user mailboxes and nothing else.
    pub fn generated(count: usize) -> Self {
        Self {
            generate_mailboxes: count,
            ..Self::default()
        }
    }

    /// Builds the tenant, checking that references resolve.
    pub fn try_build(&self, domain: &str, tenant_id: Uuid) -> Result<Tenant, String> {
        let mut tenant = Tenant::empty(domain, tenant_id);
        // Names and aliases taken so far; a set keeps seeding 2,500+ mailboxes linear.
        let mut taken: HashSet<String> = HashSet::new();
        let mut claim = |names: &[&str]| {
            if names.iter().any(|n| taken.contains(&n.to_lowercase())) {
                return false;
            }
            taken.extend(names.iter().map(|n| n.to_lowercase()));
            true
        };
        let origin = base_time();
        let mut minute = 0i64;
        let mut next_time = || {
            minute += 1;
            origin + Duration::minutes(minute)
        };
        for m in &self.mailboxes {
            let kind = m
                .recipient_type_details
                .clone()
                .unwrap_or_else(|| "UserMailbox".to_owned());
            if !MAILBOX_TYPES.contains(&kind.as_str()) {
                return Err(format!(
                    "mailbox '{}': unknown RecipientTypeDetails '{kind}'",
                    m.alias
                ));
            }
            if !claim(&[&m.alias]) {
                return Err(format!("mailbox '{}' is defined twice", m.alias));
            }
            let display = m.display_name.clone().unwrap_or_else(|| m.alias.clone());
            let (first, last) = split_name(&display);
            let spec = MailboxSpec {
                alias: m.alias.clone(),
                display_name: display,
                type_details: kind,
                first_name: m.first_name.clone().unwrap_or(first),
                last_name: m.last_name.clone().unwrap_or(last),
                created: next_time(),
                extra: m.properties.clone(),
            };
            tenant
                .recipients
                .push(objects::mailbox(&spec, domain, tenant_id));
        }
        const DEPARTMENTS: [&str; 4] = ["Sales", "Marketing", "Engineering", "Finance"];
        for n in 1..=self.generate_mailboxes {
            let alias = format!("user{n:05}");
            if !claim(&[&alias]) {
                continue;
            }
            let mut extra = Obj::new();
            extra.insert(
                "CustomAttribute1".into(),
                DEPARTMENTS[n % DEPARTMENTS.len()].into(),
            );
            let spec = MailboxSpec {
                display_name: format!("Test User {n:05}"),
                alias,
                type_details: "UserMailbox".to_owned(),
                first_name: "Test".to_owned(),
                last_name: format!("User {n:05}"),
                created: next_time(),
                extra,
            };
            tenant
                .recipients
                .push(objects::mailbox(&spec, domain, tenant_id));
        }
        for c in &self.contacts {
            let alias = c.alias.clone().unwrap_or_else(|| {
                c.name
                    .chars()
                    .filter(|ch| ch.is_ascii_alphanumeric())
                    .collect()
            });
            if !claim(&[&c.name, &alias]) {
                return Err(format!("contact '{}' is defined twice", c.name));
            }
            let display = c.display_name.clone().unwrap_or_else(|| c.name.clone());
            tenant.recipients.push(objects::contact(
                &c.name,
                &alias,
                &display,
                &c.external_email_address,
                domain,
                tenant_id,
                next_time(),
            ));
        }
        for g in &self.groups {
            let kind = g
                .recipient_type_details
                .clone()
                .unwrap_or_else(|| GROUP_TYPES[0].to_owned());
            if !GROUP_TYPES.contains(&kind.as_str()) {
                return Err(format!(
                    "group '{}': unknown RecipientTypeDetails '{kind}'",
                    g.alias
                ));
            }
            if !claim(&[&g.alias]) {
                return Err(format!("group '{}' is defined twice", g.alias));
            }
            let display = g.display_name.clone().unwrap_or_else(|| g.alias.clone());
            let group = objects::group(&g.alias, &display, &kind, domain, tenant_id, next_time());
            let group_guid = group.guid().ok_or("group without a GUID")?;
            tenant.recipients.push(group);
            let mut members = Vec::new();
            for member in &g.members {
                let index = tenant
                    .resolve(member, |r| !r.is_group() || r.guid() != Some(group_guid))
                    .map_err(|_| {
                        format!(
                            "group '{}': member '{member}' is not a unique recipient",
                            g.alias
                        )
                    })?;
                if let Some(guid) = tenant.recipients[index].guid() {
                    if !members.contains(&guid) {
                        members.push(guid);
                    }
                }
            }
            tenant.group_members.insert(group_guid, members);
        }
        let mailbox_guids: Vec<Uuid> = tenant
            .recipients
            .iter()
            .filter(|r| r.is_mailbox())
            .filter_map(|r| r.guid())
            .collect();
        tenant
            .mailbox_permissions
            .extend(mailbox_guids.into_iter().map(objects::self_permission));
        for p in &self.permissions {
            let index = tenant
                .resolve(&p.identity, |r| r.is_mailbox())
                .map_err(|_| {
                    format!(
                        "permission: mailbox '{}' is not a unique mailbox",
                        p.identity
                    )
                })?;
            let mailbox = tenant.recipients[index]
                .guid()
                .ok_or("mailbox without a GUID")?;
            let user = match tenant.resolve(&p.user, |r| r.is_mailbox()) {
                Ok(i) => tenant.recipients[i]
                    .str("UserPrincipalName")
                    .unwrap_or(&p.user)
                    .to_owned(),
                Err(_) => p.user.clone(),
            };
            tenant.mailbox_permissions.push(MailboxPermission {
                mailbox,
                user,
                access_rights: p.access_rights.clone(),
                deny: false,
                inheritance_type: "All".to_owned(),
                is_inherited: false,
            });
        }
        Ok(tenant)
    }

    /// Like [`Seed::try_build`] for seeds known to be consistent (the built-in ones); an
    /// inconsistent seed yields the tenant without recipients rather than a panic.
    pub fn build(&self, domain: &str, tenant_id: Uuid) -> Tenant {
        self.try_build(domain, tenant_id)
            .unwrap_or_else(|_| Tenant::empty(domain, tenant_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_has_every_mailbox_kind_and_groups_with_members() {
        let tenant = Seed::sample()
            .try_build("contoso.onmicrosoft.com", Uuid::nil())
            .expect("sample seed is consistent");
        for kind in MAILBOX_TYPES {
            assert!(
                tenant.recipients.iter().any(|r| r.type_details() == kind),
                "{kind}"
            );
        }
        assert!(tenant.recipients.iter().filter(|r| r.is_mailbox()).count() >= 5);
        assert!(tenant.group_members.values().all(|m| !m.is_empty()));
    }

    #[test]
    fn unknown_member_is_reported() {
        let mut seed = Seed::sample();
        seed.groups[0].members.push("nobody".into());
        let err = seed
            .try_build("contoso.onmicrosoft.com", Uuid::nil())
            .expect_err("unknown member");
        assert!(err.contains("nobody"), "{err}");
    }

    #[test]
    fn generated_mailboxes_are_unique() {
        let tenant = Seed::generated(30).build("contoso.onmicrosoft.com", Uuid::nil());
        let mut guids: Vec<_> = tenant.recipients.iter().filter_map(|r| r.guid()).collect();
        guids.sort();
        guids.dedup();
        assert_eq!(guids.len(), 30);
    }
}
