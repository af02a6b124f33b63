//! Parameter encoding per exo-rest.md §2.8.

use exomig_upstream::rest::{format_datetime, rewrite_filter_booleans};
use exomig_upstream::{ParamValue, Parameters};
use serde_json::json;
use time::macros::datetime;

#[test]
fn switches_bools_ints_strings_and_null() {
    let params = Parameters::new()
        .switch("Archive")
        .with("HiddenFromAddressListsEnabled", ParamValue::Switch(false))
        .with("Enabled", true)
        .with("ProhibitSendQuota", 42i64)
        .with("Identity", "user@contoso.com")
        .with("ManagedBy", ParamValue::Null);
    assert_eq!(
        serde_json::Value::Object(params.to_json()),
        json!({
            "Archive": true,
            "HiddenFromAddressListsEnabled": false,
            "Enabled": true,
            "ProhibitSendQuota": 42,
            "Identity": "user@contoso.com",
            "ManagedBy": null,
        })
    );
}

#[test]
fn string_arrays_stay_plain_arrays() {
    let params = Parameters::new().with("Members", vec!["a@x", "b@x"]);
    let json = params.to_json();
    assert_eq!(json["Members"], json!(["a@x", "b@x"]));
    assert!(!json.contains_key("Members@odata.type"));
}

#[test]
fn hashtables_get_the_generic_hashtable_type_recursively() {
    let inner = ParamValue::Hashtable(vec![("Deep".into(), "v".into())]);
    let params = Parameters::new().with(
        "EmailAddresses",
        ParamValue::Hashtable(vec![
            ("Add".into(), "smtp:a@x".into()),
            ("Nested".into(), inner),
        ]),
    );
    assert_eq!(
        params.to_json()["EmailAddresses"],
        json!({
            "@odata.type": "#Exchange.GenericHashTable",
            "Add": "smtp:a@x",
            "Nested": { "@odata.type": "#Exchange.GenericHashTable", "Deep": "v" },
        })
    );
}

#[test]
fn hashtable_arrays_get_a_sibling_collection_annotation() {
    let params = Parameters::new().with(
        "Rules",
        ParamValue::Array(vec![
            ParamValue::Hashtable(vec![("A".into(), 1i64.into())]),
            ParamValue::Hashtable(vec![("B".into(), 2i64.into())]),
        ]),
    );
    let json = params.to_json();
    assert_eq!(
        json["Rules@odata.type"],
        json!("#Collection(Exchange.GenericHashTable)")
    );
    assert_eq!(json["Rules"][1]["B"], json!(2));
}

#[test]
fn byte_arrays_and_arrays_of_byte_arrays() {
    let params = Parameters::new()
        .with("Photo", ParamValue::Bytes(vec![1, 2, 255]))
        .with(
            "Certificates",
            ParamValue::Array(vec![
                ParamValue::Bytes(vec![7]),
                ParamValue::Bytes(vec![8, 9]),
            ]),
        );
    let json = params.to_json();
    assert_eq!(
        json["Photo"],
        json!({"@odata.type": "#Exchange.ByteArrayType", "Data": [1, 2, 255]})
    );
    assert_eq!(
        json["Certificates@odata.type"],
        json!("#Collection(Exchange.ByteArrayType)")
    );
    assert_eq!(
        json["Certificates"],
        json!([{"Data": [7]}, {"Data": [8, 9]}])
    );
}

#[test]
fn dates_are_sent_in_utc_without_a_zone_suffix() {
    let local = datetime!(2024-03-10 23:30:05 -05:00);
    assert_eq!(format_datetime(local), "2024-03-11T04:30:05");
    let params = Parameters::new().with("StartDate", local);
    assert_eq!(params.to_json()["StartDate"], json!("2024-03-11T04:30:05"));
}

#[test]
fn filter_booleans_are_rewritten_only_in_filter_parameters() {
    let filter =
        "HiddenFromAddressListsEnabled -eq $TRUE -and Enabled -ne $false -and X -eq $trueish";
    let params = Parameters::new()
        .with("Filter", filter)
        .with("recipientfilter", "A -eq $true")
        .with("Notes", "$true stays");
    let json = params.to_json();
    assert_eq!(
        json["Filter"],
        json!(
            "HiddenFromAddressListsEnabled -eq 'True' -and Enabled -ne 'False' -and X -eq $trueish"
        )
    );
    assert_eq!(json["recipientfilter"], json!("A -eq 'True'"));
    assert_eq!(json["Notes"], json!("$true stays"));
    assert_eq!(rewrite_filter_booleans("$"), "$");
    assert_eq!(rewrite_filter_booleans("cost $5"), "cost $5");
}

#[test]
fn use_custom_routing_is_never_sent() {
    let params = Parameters::new()
        .switch("UseCustomRouting")
        .with("Identity", "x");
    let json = params.to_json();
    assert!(!json.contains_key("UseCustomRouting"));
    assert!(json.contains_key("Identity"));
}

#[test]
fn setting_a_name_again_replaces_it_case_insensitively() {
    let params = Parameters::new()
        .with("Identity", "a")
        .with("identity", "b");
    assert_eq!(params.iter().count(), 1);
    assert_eq!(
        params.get("IDENTITY"),
        Some(&ParamValue::String("b".into()))
    );
}

#[test]
fn result_size_reads_numbers_and_ignores_unlimited() {
    assert_eq!(
        Parameters::new().with("ResultSize", 10i64).result_size(),
        Some(10)
    );
    assert_eq!(
        Parameters::new().with("ResultSize", "25").result_size(),
        Some(25)
    );
    assert_eq!(
        Parameters::new()
            .with("ResultSize", "Unlimited")
            .result_size(),
        None
    );
    assert_eq!(Parameters::new().result_size(), None);
}

#[test]
fn floats_and_paging_modes() {
    use exomig_upstream::Paging;
    let params = Parameters::new()
        .with("Ratio", 0.5f64)
        .with("Bad", f64::NAN);
    let json = params.to_json();
    assert_eq!(json["Ratio"], json!(0.5));
    assert_eq!(json["Bad"], json!(null));
    assert_eq!(Parameters::new().paging(), Paging::FirstPage);
    assert_eq!(
        Parameters::new().with("ResultSize", "unlimited").paging(),
        Paging::All
    );
    assert_eq!(
        Parameters::new().with("ResultSize", 7i64).paging(),
        Paging::UpTo(7)
    );
    assert_eq!(
        Parameters::new().with("ResultSize", "oops").paging(),
        Paging::All
    );
}
