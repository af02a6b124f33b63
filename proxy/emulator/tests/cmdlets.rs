//! Each cmdlet over HTTP against the default tenant: results, identities, filters, errors.

mod common;

use common::*;
use exomig_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::{json, Value};

async fn setup() -> (RunningEmulator, String) {
    let emu = start(EmulatorConfig::for_tests()).await;
    let token = app_token(&emu).await;
    (emu, token)
}

fn names(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .filter_map(|o| o["Name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn accepted_domain_and_organization_config() {
    let (emu, token) = setup().await;
    let domains = invoke(&emu, &token, "Get-AcceptedDomain", json!({})).await;
    assert_eq!(domains.status, 200);
    let objects = domains.objects();
    let default: Vec<&Value> = objects
        .iter()
        .filter(|d| d["Default"] == json!(true))
        .collect();
    assert_eq!(default.len(), 1);
    assert_eq!(default[0]["DomainName"], "contoso.onmicrosoft.com");
    assert_eq!(default[0]["DomainType"], "Authoritative");
    let one = invoke(
        &emu,
        &token,
        "Get-AcceptedDomain",
        json!({"Identity": "contoso.mail.onmicrosoft.com"}),
    )
    .await;
    assert_eq!(one.objects().len(), 1);
    let org = invoke(&emu, &token, "Get-OrganizationConfig", json!({})).await;
    assert_eq!(org.objects().len(), 1);
    assert_eq!(org.objects()[0]["Name"], "contoso.onmicrosoft.com");
    assert_eq!(
        org.body["@odata.context"]
            .as_str()
            .map(|c| c.ends_with("$metadata#Collection(Exchange.GenericHashTable)")),
        Some(true)
    );
}

#[tokio::test]
async fn get_mailbox_lists_every_kind_with_exchange_shapes() {
    let (emu, token) = setup().await;
    let reply = invoke(
        &emu,
        &token,
        "Get-Mailbox",
        json!({"ResultSize": "Unlimited"}),
    )
    .await;
    assert_eq!(reply.status, 200);
    let objects = reply.objects();
    assert!(objects.len() >= 5);
    for kind in [
        "UserMailbox",
        "SharedMailbox",
        "RoomMailbox",
        "EquipmentMailbox",
    ] {
        assert!(
            objects.iter().any(|o| o["RecipientTypeDetails"] == kind),
            "{kind}"
        );
    }
    let first = &reply.body["value"][0];
    assert_eq!(first["EmailAddresses@odata.type"], "#Collection(String)");
    assert_eq!(first["ExchangeGuid@data.type"], "System.Guid");
    for n in 1..=15 {
        assert!(
            first[format!("CustomAttribute{n}")].is_string(),
            "CustomAttribute{n}"
        );
    }
    let created = first["WhenCreated"].as_str().unwrap_or_default();
    assert!(created.ends_with(".0000000+00:00"), "{created}");
}

#[tokio::test]
async fn get_mailbox_snapshot_of_one_user() {
    let (emu, token) = setup().await;
    let reply = invoke(&emu, &token, "Get-Mailbox", json!({"Identity": "adelev"})).await;
    assert_eq!(reply.status, 200);
    insta::assert_json_snapshot!("get_mailbox_adelev", reply.body["value"][0]);
}

#[tokio::test]
async fn identity_resolves_by_name_alias_address_and_guid() {
    let (emu, token) = setup().await;
    let by_alias = invoke(&emu, &token, "Get-Mailbox", json!({"Identity": "adelev"}))
        .await
        .objects();
    assert_eq!(by_alias.len(), 1);
    let adele = &by_alias[0];
    let guid = adele["Guid"].as_str().unwrap_or_default().to_owned();
    let exchange_guid = adele["ExchangeGuid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for identity in [
        "Adele Vance".to_owned(),
        "ADELEV@contoso.onmicrosoft.com".to_owned(),
        "smtp:adelev@contoso.mail.onmicrosoft.com".to_owned(),
        guid,
        exchange_guid,
    ] {
        let found = invoke(&emu, &token, "Get-Mailbox", json!({"Identity": identity})).await;
        assert_eq!(found.status, 200, "{identity}");
        assert_eq!(names(&found.objects()), vec!["adelev"], "{identity}");
    }
}

#[tokio::test]
async fn missing_object_is_404_in_the_exchange_error_shape() {
    let (emu, token) = setup().await;
    let reply = invoke(
        &emu,
        &token,
        "Get-Mailbox",
        json!({"Identity": "nobody@contoso.onmicrosoft.com"}),
    )
    .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body["error"]["code"], "NotFound");
    let parts: Vec<String> = reply.detail().split('|').map(str::to_owned).collect();
    assert_eq!(parts.len(), 3, "{}", reply.detail());
    assert_eq!(
        parts[1],
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
    );
    assert!(parts[2].starts_with("The operation couldn't be performed because object 'nobody@contoso.onmicrosoft.com' couldn't be found on '"));
    assert!(reply.body["error"]["innererror"]["internalexception"]["message"].is_string());
}

#[tokio::test]
async fn bad_parameters_and_unknown_cmdlets_are_400() {
    let (emu, token) = setup().await;
    let unknown = invoke(&emu, &token, "Get-Mailbox", json!({"Idenity": "adelev"})).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.detail(),
        "NamedParameterNotFound|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name 'Idenity'."
    );
    let result_size = invoke(&emu, &token, "Get-Mailbox", json!({"ResultSize": "lots"})).await;
    assert_eq!(result_size.status, 400);
    let missing = invoke(
        &emu,
        &token,
        "Set-Mailbox",
        json!({"CustomAttribute1": "x"}),
    )
    .await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.detail().contains("MissingMandatoryParameter"),
        "{}",
        missing.detail()
    );
    let cmdlet = invoke(&emu, &token, "Get-Mailboxx", json!({})).await;
    assert_eq!(cmdlet.status, 400);
    assert!(
        cmdlet.detail().starts_with("CommandNotFoundException|"),
        "{}",
        cmdlet.detail()
    );
    let lower = invoke(&emu, &token, "get-mailbox", json!({"Identity": "info"})).await;
    assert_eq!(names(&lower.objects()), vec!["info"]);
}

#[tokio::test]
async fn filter_result_size_and_recipient_type_details() {
    let (emu, token) = setup().await;
    let shared = invoke(
        &emu,
        &token,
        "Get-Mailbox",
        json!({"Filter": "RecipientTypeDetails -eq 'SharedMailbox'"}),
    )
    .await;
    assert_eq!(names(&shared.objects()), vec!["info"]);
    let custom = invoke(
        &emu,
        &token,
        "Get-Mailbox",
        json!({"Filter": "CustomAttribute1 -eq \"retail\""}),
    )
    .await;
    assert_eq!(names(&custom.objects()), vec!["adelev"]);
    let like = invoke(
        &emu,
        &token,
        "Get-Recipient",
        json!({"Filter": "{PrimarySmtpAddress -like 'a*'}"}),
    )
    .await;
    assert_eq!(names(&like.objects()), vec!["admin", "adelev", "alexw"]);
    let rooms = invoke(
        &emu,
        &token,
        "Get-Mailbox",
        json!({"RecipientTypeDetails": ["RoomMailbox", "EquipmentMailbox"]}),
    )
    .await;
    assert_eq!(names(&rooms.objects()), vec!["confroom1", "projector1"]);
    let two = invoke(&emu, &token, "Get-Mailbox", json!({"ResultSize": 2})).await;
    assert_eq!(two.objects().len(), 2);
    assert!(
        two.warnings()[0].starts_with("There are more results available"),
        "{:?}",
        two.warnings()
    );
    let bad = invoke(&emu, &token, "Get-Mailbox", json!({"Filter": "Name -eq"})).await;
    assert_eq!(bad.status, 400);
    let unknown = invoke(
        &emu,
        &token,
        "Get-Mailbox",
        json!({"Filter": "ShoeSize -eq '9'"}),
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown
        .detail()
        .contains("'ShoeSize' is not a recognized filterable property"));
}

#[tokio::test]
async fn set_mailbox_changes_and_warns_when_nothing_changed() {
    let (emu, token) = setup().await;
    let set = invoke(&emu, &token, "Set-Mailbox", json!({
        "Identity": "meganb",
        "CustomAttribute7": "Contractor",
        "HiddenFromAddressListsEnabled": true,
        "EmailAddresses": {"@odata.type": "#Exchange.GenericHashTable", "Add": ["megan.bowen@contoso.onmicrosoft.com"]},
    })).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert!(set.warnings().is_empty());
    let megan = &invoke(
        &emu,
        &token,
        "Get-Mailbox",
        json!({"Identity": "megan.bowen@contoso.onmicrosoft.com"}),
    )
    .await
    .objects()[0];
    assert_eq!(megan["CustomAttribute7"], "Contractor");
    assert_eq!(megan["HiddenFromAddressListsEnabled"], true);
    assert_eq!(
        megan["PrimarySmtpAddress"],
        "meganb@contoso.onmicrosoft.com"
    );
    assert!(megan["EmailAddresses"]
        .as_array()
        .is_some_and(|a| a.contains(&json!("smtp:megan.bowen@contoso.onmicrosoft.com"))));
    let again = invoke(
        &emu,
        &token,
        "Set-Mailbox",
        json!({"Identity": "meganb", "CustomAttribute7": "Contractor"}),
    )
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.warnings(),
        vec!["The command completed successfully but no settings of 'meganb' have been modified."]
    );
    let taken = invoke(
        &emu,
        &token,
        "Set-Mailbox",
        json!({"Identity": "meganb", "EmailAddresses": {"Add": "adelev@contoso.onmicrosoft.com"}}),
    )
    .await;
    assert_eq!(taken.status, 400, "{}", taken.body);
}

#[tokio::test]
async fn what_if_reports_without_changing() {
    let (emu, token) = setup().await;
    let reply = invoke(
        &emu,
        &token,
        "Set-Mailbox",
        json!({"Identity": "alexw", "CustomAttribute2": "x", "WhatIf": true}),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body["@adminapi.confirmationmessage"]
        .as_str()
        .is_some_and(|m| m.starts_with("What if:")));
    let alex = &invoke(&emu, &token, "Get-Mailbox", json!({"Identity": "alexw"}))
        .await
        .objects()[0];
    assert_eq!(alex["CustomAttribute2"], "");
}

#[tokio::test]
async fn get_recipient_and_get_user() {
    let (emu, token) = setup().await;
    let all = invoke(
        &emu,
        &token,
        "Get-Recipient",
        json!({"ResultSize": "Unlimited"}),
    )
    .await
    .objects();
    for kind in [
        "UserMailbox",
        "MailContact",
        "MailUniversalDistributionGroup",
        "MailUniversalSecurityGroup",
    ] {
        assert!(
            all.iter().any(|o| o["RecipientTypeDetails"] == kind),
            "{kind}"
        );
    }
    let contacts = invoke(
        &emu,
        &token,
        "Get-Recipient",
        json!({"RecipientTypeDetails": "MailContact"}),
    )
    .await;
    assert_eq!(names(&contacts.objects()), vec!["Partner Contact"]);
    let user = invoke(
        &emu,
        &token,
        "Get-User",
        json!({"Identity": "alexw@contoso.onmicrosoft.com"}),
    )
    .await
    .objects();
    assert_eq!(user[0]["FirstName"], "Alex");
    assert_eq!(user[0]["LastName"], "Wilber");
    assert_eq!(
        user[0]["UserPrincipalName"],
        "alexw@contoso.onmicrosoft.com"
    );
}

#[tokio::test]
async fn mailbox_permissions_round_trip() {
    let (emu, token) = setup().await;
    let users = |reply: &Reply| -> Vec<String> {
        reply
            .objects()
            .iter()
            .filter_map(|p| p["User"].as_str().map(str::to_owned))
            .collect()
    };
    let before = invoke(
        &emu,
        &token,
        "Get-MailboxPermission",
        json!({"Identity": "info"}),
    )
    .await;
    assert_eq!(
        users(&before),
        vec!["NT AUTHORITY\\SELF", "adelev@contoso.onmicrosoft.com"]
    );
    let added = invoke(&emu, &token, "Add-MailboxPermission", json!({"Identity": "info", "User": "alexw", "AccessRights": ["FullAccess"], "InheritanceType": "All", "AutoMapping": false})).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.objects()[0]["AccessRights"], json!(["FullAccess"]));
    let only_alex = invoke(
        &emu,
        &token,
        "Get-MailboxPermission",
        json!({"Identity": "info", "User": "alexw@contoso.onmicrosoft.com"}),
    )
    .await;
    assert_eq!(users(&only_alex), vec!["alexw@contoso.onmicrosoft.com"]);
    let removed = invoke(&emu, &token, "Remove-MailboxPermission", json!({"Identity": "info", "User": "alexw", "AccessRights": "FullAccess", "Confirm": false})).await;
    assert_eq!(removed.status, 200);
    assert!(removed.warnings().is_empty());
    let again = invoke(&emu, &token, "Remove-MailboxPermission", json!({"Identity": "info", "User": "alexw", "AccessRights": "FullAccess", "Confirm": false})).await;
    assert!(
        again.warnings()[0].contains("because the ACE doesn't exist"),
        "{:?}",
        again.warnings()
    );
    let bad_right = invoke(
        &emu,
        &token,
        "Add-MailboxPermission",
        json!({"Identity": "info", "User": "alexw", "AccessRights": "Everything"}),
    )
    .await;
    assert_eq!(bad_right.status, 400);
    let no_user = invoke(
        &emu,
        &token,
        "Add-MailboxPermission",
        json!({"Identity": "info", "User": "ghost", "AccessRights": "FullAccess"}),
    )
    .await;
    assert_eq!(no_user.status, 404);
}

#[tokio::test]
async fn distribution_groups_and_members() {
    let (emu, token) = setup().await;
    let groups = invoke(&emu, &token, "Get-DistributionGroup", json!({})).await;
    assert_eq!(names(&groups.objects()), vec!["sales", "itsecurity"]);
    let members = |emu: &RunningEmulator, token: &str| {
        let (emu, token) = (emu.invoke_url(), token.to_owned());
        async move {
            let reply = post(
                &emu,
                &token,
                &body(
                    "Get-DistributionGroupMember",
                    json!({"Identity": "Sales Team"}),
                ),
                None,
            )
            .await;
            names(&reply.objects())
        }
    };
    assert_eq!(members(&emu, &token).await, vec!["adelev", "alexw"]);
    let add = invoke(
        &emu,
        &token,
        "Add-DistributionGroupMember",
        json!({"Identity": "sales", "Member": "meganb@contoso.onmicrosoft.com"}),
    )
    .await;
    assert_eq!(add.status, 200, "{}", add.body);
    assert_eq!(
        members(&emu, &token).await,
        vec!["adelev", "alexw", "meganb"]
    );
    let twice = invoke(
        &emu,
        &token,
        "Add-DistributionGroupMember",
        json!({"Identity": "sales", "Member": "meganb"}),
    )
    .await;
    assert_eq!(twice.status, 400);
    assert!(twice.detail().contains("MemberAlreadyExistsException"));
    let remove = invoke(
        &emu,
        &token,
        "Remove-DistributionGroupMember",
        json!({"Identity": "sales", "Member": "adelev", "Confirm": false}),
    )
    .await;
    assert_eq!(remove.status, 200);
    assert_eq!(members(&emu, &token).await, vec!["alexw", "meganb"]);
    let not_member = invoke(
        &emu,
        &token,
        "Remove-DistributionGroupMember",
        json!({"Identity": "sales", "Member": "adelev"}),
    )
    .await;
    assert_eq!(not_member.status, 400);
    assert!(not_member.detail().contains("MemberNotFoundException"));
    let ghost = invoke(
        &emu,
        &token,
        "Add-DistributionGroupMember",
        json!({"Identity": "sales", "Member": "ghost"}),
    )
    .await;
    assert_eq!(ghost.status, 404);
    let no_group = invoke(
        &emu,
        &token,
        "Get-DistributionGroupMember",
        json!({"Identity": "adelev"}),
    )
    .await;
    assert_eq!(no_group.status, 404, "a mailbox is not a group");
}

#[tokio::test]
async fn mail_contacts_new_get_remove() {
    let (emu, token) = setup().await;
    let created = invoke(
        &emu,
        &token,
        "New-MailContact",
        json!({"Name": "Tony Stark", "ExternalEmailAddress": "tony@starkindustries.example"}),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let contact = &created.objects()[0];
    assert_eq!(
        contact["ExternalEmailAddress"],
        "SMTP:tony@starkindustries.example"
    );
    assert_eq!(contact["RecipientTypeDetails"], "MailContact");
    assert_eq!(contact["Alias"], "TonyStark");
    let found = invoke(
        &emu,
        &token,
        "Get-MailContact",
        json!({"Identity": "tony@starkindustries.example"}),
    )
    .await;
    assert_eq!(names(&found.objects()), vec!["Tony Stark"]);
    let duplicate = invoke(
        &emu,
        &token,
        "New-MailContact",
        json!({"Name": "Tony Stark", "ExternalEmailAddress": "other@starkindustries.example"}),
    )
    .await;
    assert_eq!(duplicate.status, 400);
    let invalid = invoke(
        &emu,
        &token,
        "New-MailContact",
        json!({"Name": "Bad", "ExternalEmailAddress": "not-an-address"}),
    )
    .await;
    assert_eq!(invalid.status, 400);
    let prompt = invoke(
        &emu,
        &token,
        "Remove-MailContact",
        json!({"Identity": "Tony Stark", "Confirm": true}),
    )
    .await;
    assert_eq!(prompt.status, 200);
    assert!(prompt.body["@adminapi.confirmationmessage"]
        .as_str()
        .is_some_and(|m| m.starts_with("Are you sure you want to perform this action?")));
    let still_there = invoke(
        &emu,
        &token,
        "Get-MailContact",
        json!({"Identity": "Tony Stark"}),
    )
    .await;
    assert_eq!(still_there.status, 200, "Confirm: true only asks");
    let removed = invoke(
        &emu,
        &token,
        "Remove-MailContact",
        json!({"Identity": "Tony Stark", "Confirm": false}),
    )
    .await;
    assert_eq!(removed.status, 200);
    assert!(removed.objects().is_empty());
    let gone = invoke(
        &emu,
        &token,
        "Get-MailContact",
        json!({"Identity": "Tony Stark"}),
    )
    .await;
    assert_eq!(gone.status, 404);
    let not_a_contact = invoke(
        &emu,
        &token,
        "Remove-MailContact",
        json!({"Identity": "adelev"}),
    )
    .await;
    assert_eq!(not_a_contact.status, 404);
}

#[tokio::test]
async fn select_trims_properties() {
    let (emu, token) = setup().await;
    let url = format!("{}?$select=Name,PrimarySmtpAddress", emu.invoke_url());
    let reply = post(
        &url,
        &token,
        &body("Get-Mailbox", json!({"Identity": "info"})),
        None,
    )
    .await;
    let objects = reply.objects();
    let keys: Vec<&String> = objects[0]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, vec!["Name", "PrimarySmtpAddress"]);
}

#[tokio::test]
async fn set_mailbox_type_forwarding_and_primary_address() {
    let (emu, token) = setup().await;
    let set = invoke(
        &emu,
        &token,
        "Set-Mailbox",
        json!({
            "Identity": "alexw",
            "Type": "Shared",
            "ForwardingSmtpAddress": "alex@fabrikam.example",
            "DeliverToMailboxAndForward": true,
            "WindowsEmailAddress": "alex.wilber@contoso.onmicrosoft.com",
        }),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let alex = &invoke(&emu, &token, "Get-Mailbox", json!({"Identity": "alexw"}))
        .await
        .objects()[0];
    assert_eq!(alex["RecipientTypeDetails"], "SharedMailbox");
    assert_eq!(alex["ForwardingSmtpAddress"], "smtp:alex@fabrikam.example");
    assert_eq!(
        alex["PrimarySmtpAddress"],
        "alex.wilber@contoso.onmicrosoft.com"
    );
    assert_eq!(
        alex["EmailAddresses"][0], "SMTP:alex.wilber@contoso.onmicrosoft.com",
        "{}",
        alex["EmailAddresses"]
    );
    assert!(alex["EmailAddresses"]
        .as_array()
        .is_some_and(|a| a.contains(&json!("smtp:alexw@contoso.onmicrosoft.com"))));
    assert_ne!(alex["WhenChanged"], alex["WhenCreated"]);
    let bad = invoke(
        &emu,
        &token,
        "Set-Mailbox",
        json!({"Identity": "alexw", "Type": "Castle"}),
    )
    .await;
    assert_eq!(bad.status, 400);
}
