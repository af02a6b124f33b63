//! Builders for objects shaped as Exchange Online returns them.

use serde_json::{json, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Obj, Recipient};
use crate::config::stable_guid;

/// The datacenter names that appear in distinguished names and organisational units.
const FOREST: &str = "EURPR01A001.PROD.OUTLOOK.COM";
const FOREST_DN: &str = "DC=EURPR01A001,DC=PROD,DC=OUTLOOK,DC=COM";

/// `2022-09-21T08:07:47.0000000+00:00`, the DateTime shape of the REST API.
pub fn exo_datetime(at: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}+00:00",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.nanosecond() / 100
    )
}

fn utc_datetime(at: OffsetDateTime) -> String {
    let local = exo_datetime(at);
    format!("{}Z", local.trim_end_matches("+00:00"))
}

fn object(value: Value) -> Obj {
    match value {
        Value::Object(map) => map,
        _ => Obj::new(),
    }
}

fn org_unit(domain: &str) -> String {
    format!("{FOREST}/Microsoft Exchange Hosted Organizations/{domain}")
}

fn distinguished_name(name: &str, domain: &str) -> String {
    format!("CN={name},OU={domain},OU=Microsoft Exchange Hosted Organizations,{FOREST_DN}")
}

/// The `.mail.onmicrosoft.com` routing domain that Exchange adds next to the initial domain.
pub fn routing_domain(domain: &str) -> String {
    match domain.strip_suffix(".onmicrosoft.com") {
        Some(prefix) => format!("{prefix}.mail.onmicrosoft.com"),
        None => format!("mail.{domain}"),
    }
}

pub fn accepted_domains(domain: &str, tenant_id: Uuid) -> Vec<Obj> {
    let routing = routing_domain(domain);
    [(domain.to_owned(), true), (routing, false)]
        .into_iter()
        .map(|(name, initial)| {
            object(json!({
                "Identity": name,
                "Name": name,
                "DomainName": name,
                "DomainType": "Authoritative",
                "Default": initial,
                "InitialDomain": initial,
                "MatchSubDomains": false,
                "AddressBookEnabled": true,
                "IsValid": true,
                "Guid": stable_guid(&tenant_id.to_string(), &format!("domain:{name}")).to_string(),
                "DistinguishedName": format!("CN={name},CN=Accepted Domains,CN=Transport Settings,CN={domain},CN=Microsoft Exchange,CN=Services,CN=Configuration,{FOREST_DN}"),
                "WhenCreated": "2023-03-01T10:00:00.0000000+00:00",
                "WhenChanged": "2023-03-01T10:00:00.0000000+00:00",
            }))
        })
        .collect()
}

pub fn organization_config(domain: &str, tenant_id: Uuid) -> Obj {
    let name = domain.split('.').next().unwrap_or(domain);
    object(json!({
        "Identity": domain,
        "Name": domain,
        "DisplayName": name,
        "Guid": stable_guid(&tenant_id.to_string(), "organization").to_string(),
        "OrganizationId": format!("{FOREST}/Microsoft Exchange Hosted Organizations/{domain} - {FOREST}/ConfigurationUnits/{domain}/Configuration"),
        "IsDehydrated": false,
        "AuditDisabled": false,
        "OAuth2ClientProfileEnabled": true,
        "ModernAuthenticationEnabled": true,
        "SendFromAliasEnabled": false,
        "MailTipsAllTipsEnabled": true,
        "CustomerLockboxEnabled": false,
        "FocusedInboxOn": true,
        "DefaultPublicFolderMailbox": null,
        "ActivityBasedAuthenticationTimeoutEnabled": true,
        "ActivityBasedAuthenticationTimeoutInterval": "06:00:00",
        "DistributionGroupNameBlockedWordsList": [],
        "ExchangeNotificationEnabled": true,
        "IsValid": true,
        "WhenCreated": "2023-03-01T10:00:00.0000000+00:00",
        "WhenChanged": "2023-03-01T10:00:00.0000000+00:00",
    }))
}

/// What a mailbox is built from; `extra` overrides any generated property.
#[derive(Clone, Debug)]
pub struct MailboxSpec {
    pub alias: String,
    pub display_name: String,
    pub type_details: String,
    pub first_name: String,
    pub last_name: String,
    pub created: OffsetDateTime,
    pub extra: Obj,
}

fn custom_attributes(obj: &mut Obj) {
    for n in 1..=15 {
        obj.insert(format!("CustomAttribute{n}"), Value::String(String::new()));
    }
    for n in 1..=5 {
        obj.insert(format!("ExtensionCustomAttribute{n}"), json!([]));
    }
}

fn guids(tenant_id: Uuid, alias: &str) -> (String, String) {
    let t = tenant_id.to_string();
    let object_id = stable_guid(&t, &format!("object:{}", alias.to_ascii_lowercase()));
    let exchange_guid = stable_guid(&t, &format!("mailbox:{}", alias.to_ascii_lowercase()));
    (object_id.to_string(), exchange_guid.to_string())
}

pub fn mailbox(spec: &MailboxSpec, domain: &str, tenant_id: Uuid) -> Recipient {
    let alias = &spec.alias;
    let address = format!("{alias}@{domain}");
    let (object_id, exchange_guid) = guids(tenant_id, alias);
    let created = exo_datetime(spec.created);
    let resource_type = match spec.type_details.as_str() {
        "RoomMailbox" => Value::from("Room"),
        "EquipmentMailbox" => Value::from("Equipment"),
        _ => Value::Null,
    };
    let is_user = spec.type_details == "UserMailbox";
    let mut props = object(json!({
        "Identity": alias,
        "Name": alias,
        "Alias": alias,
        "DisplayName": spec.display_name,
        "PrimarySmtpAddress": address,
        "UserPrincipalName": address,
        "WindowsEmailAddress": address,
        "MicrosoftOnlineServicesID": address,
        "EmailAddresses": [format!("SMTP:{address}"), format!("smtp:{alias}@{}", routing_domain(domain))],
        "RecipientType": "UserMailbox",
        "RecipientTypeDetails": spec.type_details,
        "Guid": object_id,
        "ExchangeObjectId": object_id,
        "ExternalDirectoryObjectId": object_id,
        "ExchangeGuid": exchange_guid,
        "ArchiveGuid": "00000000-0000-0000-0000-000000000000",
        "ArchiveStatus": "None",
        "ArchiveName": [],
        "DistinguishedName": distinguished_name(alias, domain),
        "OrganizationalUnit": org_unit(domain),
        "Database": "EURPR01DG001-db042",
        "ServerName": "am0pr01mb0042",
        "SamAccountName": format!("$V{}", &exchange_guid[..12].replace('-', "").to_ascii_uppercase()),
        "Office": "",
        "UsageLocation": "United States",
        "HiddenFromAddressListsEnabled": false,
        "ForwardingAddress": null,
        "ForwardingSmtpAddress": null,
        "DeliverToMailboxAndForward": false,
        "GrantSendOnBehalfTo": [],
        "LitigationHoldEnabled": false,
        "SingleItemRecoveryEnabled": true,
        "RetainDeletedItemsFor": "14.00:00:00",
        "AuditEnabled": true,
        "RetentionPolicy": "Default MRM Policy",
        "ProhibitSendQuota": "99 GB (106,300,440,576 bytes)",
        "ProhibitSendReceiveQuota": "100 GB (107,374,182,400 bytes)",
        "IssueWarningQuota": "98 GB (105,226,698,752 bytes)",
        "MaxSendSize": "35 MB (36,700,160 bytes)",
        "MaxReceiveSize": "36 MB (37,748,736 bytes)",
        "ResourceType": resource_type,
        "ResourceCapacity": null,
        "IsMailboxEnabled": true,
        "AccountDisabled": !is_user,
        "IsDirSynced": false,
        "IsShared": spec.type_details == "SharedMailbox",
        "IsResource": !resource_type.is_null(),
        "MailboxPlan": if is_user { Value::from("ExchangeOnlineEnterprise") } else { Value::Null },
        "WhenCreated": created,
        "WhenChanged": created,
        "WhenCreatedUTC": utc_datetime(spec.created),
        "WhenChangedUTC": utc_datetime(spec.created),
        "WhenMailboxCreated": created,
        "IsValid": true,
        "ObjectState": "Unchanged",
    }));
    custom_attributes(&mut props);
    for (k, v) in &spec.extra {
        props.insert(k.clone(), v.clone());
    }
    let user = object(json!({
        "Identity": alias,
        "Name": alias,
        "DisplayName": spec.display_name,
        "FirstName": spec.first_name,
        "LastName": spec.last_name,
        "Initials": "",
        "UserPrincipalName": address,
        "WindowsEmailAddress": address,
        "MicrosoftOnlineServicesID": address,
        "RecipientType": "UserMailbox",
        "RecipientTypeDetails": spec.type_details,
        "Guid": object_id,
        "ExternalDirectoryObjectId": object_id,
        "DistinguishedName": distinguished_name(alias, domain),
        "OrganizationalUnit": org_unit(domain),
        "Department": "",
        "Title": "",
        "Company": "",
        "Office": "",
        "City": "",
        "CountryOrRegion": null,
        "Phone": "",
        "MobilePhone": "",
        "Manager": null,
        "AccountDisabled": !is_user,
        "IsDirSynced": false,
        "UsageLocation": "United States",
        "WhenCreated": created,
        "WhenChanged": created,
        "IsValid": true,
    }));
    Recipient { props, user }
}

pub fn contact(
    name: &str,
    alias: &str,
    display_name: &str,
    external: &str,
    domain: &str,
    tenant_id: Uuid,
    created: OffsetDateTime,
) -> Recipient {
    let (object_id, _) = guids(tenant_id, alias);
    let created = exo_datetime(created);
    let external_with_prefix = format!("SMTP:{external}");
    let mut props = object(json!({
        "Identity": name,
        "Name": name,
        "Alias": alias,
        "DisplayName": display_name,
        "ExternalEmailAddress": external_with_prefix,
        "PrimarySmtpAddress": external,
        "WindowsEmailAddress": external,
        "EmailAddresses": [external_with_prefix],
        "RecipientType": "MailContact",
        "RecipientTypeDetails": "MailContact",
        "Guid": object_id,
        "ExchangeObjectId": object_id,
        "ExternalDirectoryObjectId": object_id,
        "DistinguishedName": distinguished_name(name, domain),
        "OrganizationalUnit": org_unit(domain),
        "HiddenFromAddressListsEnabled": false,
        "UsePreferMessageFormat": false,
        "MessageFormat": "Mime",
        "IsDirSynced": false,
        "WhenCreated": created,
        "WhenChanged": created,
        "IsValid": true,
        "ObjectState": "Unchanged",
    }));
    custom_attributes(&mut props);
    Recipient {
        props,
        user: Obj::new(),
    }
}

pub fn group(
    alias: &str,
    display_name: &str,
    type_details: &str,
    domain: &str,
    tenant_id: Uuid,
    created: OffsetDateTime,
) -> Recipient {
    let (object_id, _) = guids(tenant_id, alias);
    let address = format!("{alias}@{domain}");
    let created = exo_datetime(created);
    let group_type = if type_details == "MailUniversalSecurityGroup" {
        "Universal, SecurityEnabled"
    } else {
        "Universal"
    };
    let mut props = object(json!({
        "Identity": alias,
        "Name": alias,
        "Alias": alias,
        "DisplayName": display_name,
        "PrimarySmtpAddress": address,
        "WindowsEmailAddress": address,
        "EmailAddresses": [format!("SMTP:{address}"), format!("smtp:{alias}@{}", routing_domain(domain))],
        "RecipientType": type_details,
        "RecipientTypeDetails": type_details,
        "GroupType": group_type,
        "Guid": object_id,
        "ExchangeObjectId": object_id,
        "ExternalDirectoryObjectId": object_id,
        "DistinguishedName": distinguished_name(alias, domain),
        "OrganizationalUnit": org_unit(domain),
        "ManagedBy": [],
        "MemberJoinRestriction": "Closed",
        "MemberDepartRestriction": "Closed",
        "RequireSenderAuthenticationEnabled": true,
        "HiddenFromAddressListsEnabled": false,
        "IsDirSynced": false,
        "WhenCreated": created,
        "WhenChanged": created,
        "IsValid": true,
        "ObjectState": "Unchanged",
    }));
    custom_attributes(&mut props);
    Recipient {
        props,
        user: Obj::new(),
    }
}

/// The default entry every mailbox has: full access for the mailbox itself.
pub fn self_permission(mailbox: Uuid) -> super::MailboxPermission {
    super::MailboxPermission {
        mailbox,
        user: "NT AUTHORITY\\SELF".to_owned(),
        access_rights: vec!["FullAccess".to_owned(), "ReadPermission".to_owned()],
        deny: false,
        inheritance_type: "All".to_owned(),
        is_inherited: false,
    }
}

/// A permission entry as Get-MailboxPermission returns it.
pub fn permission_object(identity: &str, permission: &super::MailboxPermission) -> Obj {
    object(json!({
        "Identity": identity,
        "User": permission.user,
        "AccessRights": permission.access_rights,
        "IsInherited": permission.is_inherited,
        "Deny": permission.deny,
        "InheritanceType": permission.inheritance_type,
        "IsValid": true,
        "ObjectState": "Unchanged",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn datetime_has_seven_fraction_digits_and_offset() {
        assert_eq!(
            exo_datetime(datetime!(2022-09-21 08:07:47.5 UTC)),
            "2022-09-21T08:07:47.5000000+00:00"
        );
    }

    #[test]
    fn routing_domain_of_initial_domain() {
        assert_eq!(
            routing_domain("contoso.onmicrosoft.com"),
            "contoso.mail.onmicrosoft.com"
        );
    }
}
