//! Texts for `exomig explain RULE` and SARIF rule metadata.

use crate::{Rule, RuleDoc};

pub fn doc(rule: Rule) -> RuleDoc {
    let id = rule.id();
    match rule {
        Rule::Exo001 => RuleDoc {
            id,
            title: "",
            finds: "",
            why: "",
            before: "",
            after: "",
            applicability: "",
        },
        _ => RuleDoc {
            id,
            title: "",
            finds: "",
            why: "",
            before: "",
            after: "",
            applicability: "",
        },
    }
}
