use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn primitive() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        any::<String>().prop_map(Value::Str),
        any::<u16>().prop_map(Value::Char),
        any::<bool>().prop_map(Value::Bool),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z".prop_map(Value::DateTime),
        "PT[0-9]{1,4}\\.[0-9]{1,7}S".prop_map(Value::Duration),
        any::<u8>().prop_map(Value::U8),
        any::<i8>().prop_map(Value::I8),
        any::<u16>().prop_map(Value::U16),
        any::<i16>().prop_map(Value::I16),
        any::<u32>().prop_map(Value::U32),
        any::<i32>().prop_map(Value::I32),
        any::<u64>().prop_map(Value::U64),
        any::<i64>().prop_map(Value::I64),
        any::<f32>()
            .prop_filter("NaN never equals itself", |f| !f.is_nan())
            .prop_map(Value::Single),
        any::<f64>()
            .prop_filter("NaN never equals itself", |f| !f.is_nan())
            .prop_map(Value::Double),
        "-?[0-9]{1,20}(\\.[0-9]{1,8})?".prop_map(Value::Decimal),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
        any::<u128>().prop_map(|u| Value::Guid(Uuid::from_u128(u))),
        any::<String>().prop_map(Value::Uri),
        "[0-9]{1,3}(\\.[0-9]{1,5}){1,3}".prop_map(Value::Version),
        any::<String>().prop_map(Value::ScriptBlock),
        "[A-Za-z0-9+/]{0,20}".prop_map(|s| Value::SecureString(SecureString(s))),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    primitive().prop_recursive(4, 48, 6, |inner| {
        let members = proptest::collection::vec((any::<String>(), inner.clone()), 0..4);
        let container = prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Container::List),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Container::Enumerable),
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Container::Stack),
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Container::Queue),
            proptest::collection::vec((inner.clone(), inner.clone()), 0..3)
                .prop_map(Container::Dict),
        ];
        (
            proptest::collection::vec("[A-Za-z.`\\[\\]0-9]{1,30}", 0..4),
            proptest::option::of(any::<String>()),
            members.clone(),
            members,
            proptest::option::of(primitive()),
            proptest::option::of(container),
        )
            .prop_map(
                |(type_names, to_string, props, extended, base, container)| {
                    Value::obj(PsObject {
                        type_names,
                        to_string,
                        props,
                        extended,
                        base,
                        container,
                    })
                },
            )
    })
}

proptest! {
    #[test]
    fn any_value_round_trips(v in value()) {
        let xml = to_clixml(&v);
        prop_assert_eq!(from_clixml(&xml).expect("own output parses"), v);
    }

    #[test]
    fn reader_never_panics(s in any::<String>()) {
        let _ = from_clixml(&s);
    }

    #[test]
    fn reader_never_panics_on_tag_soup(parts in proptest::collection::vec(prop_oneof![
        Just("<Obj RefId=\"0\">"), Just("</Obj>"), Just("<LST>"), Just("</LST>"), Just("<Ref RefId=\"0\" />"),
        Just("<TNRef RefId=\"0\" />"), Just("<I32>1</I32>"), Just("<S>x</S>"), Just("<DCT><En>"), Just("</En></DCT>"),
        Just("<MS>"), Just("</MS>"), Just("<TN RefId=\"0\"><T>A</T></TN>"),
    ], 0..30)) {
        let _ = from_clixml(&parts.concat());
    }
}

#[test]
fn string_escapes_on_the_wire() {
    assert_eq!(
        to_clixml(&Value::str("a\r\nb_x\t")),
        "<S>a_x000D__x000A_b_x005F_x_x0009_</S>"
    );
    assert_eq!(to_clixml(&Value::str("<&>")), "<S>&lt;&amp;&gt;</S>");
    assert_eq!(to_clixml(&Value::str("")), "<S />");
    assert_eq!(to_clixml(&Value::Nil), "<Nil />");
}

#[test]
fn enum_with_value_before_type_names() {
    // psrpcore's order: the <I32> comes before <TN>.
    let xml = r#"<Obj RefId="0"><I32>271</I32><TN RefId="0"><T>System.Management.Automation.CommandTypes</T><T>System.Enum</T></TN><ToString>Alias, Function</ToString></Obj>"#;
    let v = from_clixml(xml).expect("valid");
    assert_eq!(v.as_i64(), Some(271));
    let o = v.as_obj().expect("obj");
    assert!(o.is_type("System.Enum"));
    assert_eq!(o.to_string.as_deref(), Some("Alias, Function"));
}

#[test]
fn ref_and_tnref_resolve_within_the_document() {
    let xml = r#"<Obj RefId="0"><MS><Obj N="A" RefId="1"><TN RefId="0"><T>My.Type</T><T>System.Object</T></TN><MS><I32 N="X">5</I32></MS></Obj><Ref N="B" RefId="1" /><Obj N="C" RefId="2"><TNRef RefId="0" /></Obj></MS></Obj>"#;
    let v = from_clixml(xml).expect("valid");
    let o = v.as_obj().expect("obj");
    assert_eq!(o.get("A"), o.get("B"));
    assert_eq!(
        o.get("B").and_then(Value::as_obj).and_then(|b| b.get("X")),
        Some(&Value::I32(5))
    );
    assert_eq!(
        o.get("C")
            .and_then(Value::as_obj)
            .map(|c| c.type_names.clone()),
        Some(vec!["My.Type".to_owned(), "System.Object".to_owned()])
    );
}

#[test]
fn dangling_references_are_errors() {
    assert!(matches!(
        from_clixml(r#"<Ref RefId="9" />"#),
        Err(ClixmlError::BadRef(_))
    ));
    assert!(matches!(
        from_clixml(r#"<Obj RefId="0"><TNRef RefId="3" /></Obj>"#),
        Err(ClixmlError::BadRef(_))
    ));
}

#[test]
fn bad_primitives_are_errors() {
    for xml in [
        "<I32>x</I32>",
        "<B>yes</B>",
        "<G>not-a-guid</G>",
        "<BA>***</BA>",
        "<By>256</By>",
        "<Bogus/>",
    ] {
        assert!(from_clixml(xml).is_err(), "{xml}");
    }
    assert_eq!(from_clixml(""), Err(ClixmlError::Empty));
}

#[test]
fn deep_nesting_is_rejected_not_overflowing() {
    let xml = "<Obj RefId=\"0\"><LST>".repeat(5000);
    assert!(from_clixml(&xml).is_err());
}

#[test]
fn reference_bombs_are_bounded() {
    // Each level holds eight references to the previous one: 8^10 values if expanded.
    let mut xml =
        String::from(r#"<Obj RefId="0"><LST><Obj RefId="r0"><LST><I32>1</I32></LST></Obj>"#);
    for level in 1..10 {
        xml.push_str(&format!(r#"<Obj RefId="r{level}"><LST>"#));
        for _ in 0..8 {
            xml.push_str(&format!(r#"<Ref RefId="r{}" />"#, level - 1));
        }
        xml.push_str("</LST></Obj>");
    }
    xml.push_str("</LST></Obj>");
    assert_eq!(from_clixml(&xml), Err(ClixmlError::TooLarge));
}

#[test]
fn objs_wrapper_and_multiple_roots() {
    let xml = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S>a</S><I32>2</I32></Objs>"#;
    assert_eq!(
        from_clixml_all(xml),
        Ok(vec![Value::str("a"), Value::I32(2)])
    );
}

#[test]
fn type_name_lists_are_reused_by_reference() {
    let mut root = PsObject::default();
    for n in ["a", "b"] {
        root.push_extended(
            n,
            Value::obj(PsObject::with_types(["T.One", "System.Object"])),
        );
    }
    let xml = to_clixml(&Value::obj(root));
    assert_eq!(xml.matches("<TN ").count(), 1);
    assert!(xml.contains("<TNRef RefId=\"0\" />"));
    assert!(xml.contains("<Obj N=\"b\" RefId=\"2\">"));
}

#[test]
fn secure_string_debug_is_redacted() {
    let v = Value::SecureString(SecureString("c2VjcmV0".into()));
    assert!(!format!("{v:?}").contains("c2VjcmV0"));
}

#[test]
fn floats_use_xml_spellings() {
    assert_eq!(to_clixml(&Value::Double(f64::INFINITY)), "<Db>INF</Db>");
    assert_eq!(
        to_clixml(&Value::Double(f64::NEG_INFINITY)),
        "<Db>-INF</Db>"
    );
    assert_eq!(to_clixml(&Value::Double(1.5)), "<Db>1.5</Db>");
    assert!(matches!(from_clixml("<Db>NaN</Db>"), Ok(Value::Double(f)) if f.is_nan()));
}

#[test]
fn enum_and_list_helpers_serialize_like_powershell() {
    let e = Value::obj(PsObject::enumeration("System.ConsoleColor", "Red", 12));
    assert_eq!(
        to_clixml(&e),
        "<Obj RefId=\"0\"><TN RefId=\"0\"><T>System.ConsoleColor</T><T>System.Enum</T><T>System.ValueType</T>\
         <T>System.Object</T></TN><ToString>Red</ToString><I32>12</I32></Obj>"
    );
    assert_eq!(e.as_i64(), Some(12));
    let l = Value::obj(PsObject::array_list(vec![Value::str("a")]));
    assert_eq!(
        to_clixml(&l),
        "<Obj RefId=\"0\"><TN RefId=\"0\"><T>System.Collections.ArrayList</T><T>System.Object</T></TN><LST><S>a</S></LST></Obj>"
    );
}
