//! The cmdlet catalogue (`proxy/catalog/cmdlets.json`): the Exchange Online cmdlets the proxy
//! advertises to Import-PSSession and forwards, with their parameters, and the .NET type
//! chains their output objects carry.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default)]
    pub switch: bool,
    #[serde(default)]
    pub position: Option<u32>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub pipeline_by_property_name: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Cmdlet {
    pub name: String,
    pub verb: String,
    pub noun: String,
    /// Key into `outputTypes` for the objects this cmdlet writes.
    #[serde(default)]
    pub output: Option<String>,
    pub parameters: Vec<Parameter>,
}

impl Cmdlet {
    /// The parameter a positional argument binds to (position 0), if any.
    pub fn first_positional(&self) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.position == Some(0))
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| {
            p.name.eq_ignore_ascii_case(name)
                || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    common_parameters: Vec<Parameter>,
    output_types: HashMap<String, Vec<String>>,
    cmdlets: Vec<Cmdlet>,
}

#[derive(Debug)]
pub struct Catalog {
    doc: Document,
    by_name: HashMap<String, usize>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid cmdlet catalogue: {0}")]
pub struct CatalogError(String);

const BUILTIN: &str = include_str!("../catalog/cmdlets.json");

impl Catalog {
    pub fn parse(json: &str) -> Result<Self, CatalogError> {
        let doc: Document = serde_json::from_str(json).map_err(|e| CatalogError(e.to_string()))?;
        let mut by_name = HashMap::new();
        for (i, c) in doc.cmdlets.iter().enumerate() {
            if by_name.insert(c.name.to_ascii_lowercase(), i).is_some() {
                return Err(CatalogError(format!("duplicate cmdlet {}", c.name)));
            }
        }
        Ok(Self { doc, by_name })
    }

    /// The catalogue compiled into the binary.
    pub fn builtin() -> &'static Catalog {
        static CELL: OnceLock<Catalog> = OnceLock::new();
        CELL.get_or_init(|| match Catalog::parse(BUILTIN) {
            Ok(c) => c,
            // A test parses the same file, so this cannot ship broken.
            Err(e) => panic!("{e}"),
        })
    }

    pub fn len(&self) -> usize {
        self.doc.cmdlets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.doc.cmdlets.is_empty()
    }

    pub fn cmdlets(&self) -> impl Iterator<Item = &Cmdlet> {
        self.doc.cmdlets.iter()
    }

    pub fn get(&self, name: &str) -> Option<&Cmdlet> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .and_then(|&i| self.doc.cmdlets.get(i))
    }

    /// The common parameters every cmdlet has (Verbose, ErrorAction, …); Import-PSSession
    /// gives a proxy function `[CmdletBinding()]` only when all of them are listed.
    pub fn common_parameters(&self) -> &[Parameter] {
        &self.doc.common_parameters
    }

    /// Cmdlets whose name matches any of the wildcard patterns (`*`, `?`, case-insensitive).
    pub fn matching<'a>(&'a self, patterns: &'a [String]) -> impl Iterator<Item = &'a Cmdlet> + 'a {
        self.doc
            .cmdlets
            .iter()
            .filter(move |c| patterns.iter().any(|p| wildcard_match(p, &c.name)))
    }

    /// The type chain (most derived first, ending in `System.Object`) of a cmdlet's output.
    pub fn type_chain(&self, cmdlet: &Cmdlet) -> Vec<String> {
        let mut chain = cmdlet
            .output
            .as_ref()
            .and_then(|o| self.doc.output_types.get(o).cloned())
            .unwrap_or_else(|| {
                let noun = cmdlet.output.as_deref().unwrap_or(&cmdlet.noun);
                vec![
                    format!("Microsoft.Exchange.Data.Directory.Management.{noun}"),
                    "Microsoft.Exchange.Data.ConfigurableObject".to_owned(),
                ]
            });
        chain.push("System.Object".to_owned());
        chain
    }
}

/// PowerShell-style wildcard match: `*` any run, `?` one character, case-insensitive.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cmdlets `exomig emulate` serves (interfaces.md §2).
    const EMULATOR_CMDLETS: [&str; 16] = [
        "Get-AcceptedDomain",
        "Get-OrganizationConfig",
        "Get-Mailbox",
        "Set-Mailbox",
        "Get-Recipient",
        "Get-User",
        "Get-MailboxPermission",
        "Add-MailboxPermission",
        "Remove-MailboxPermission",
        "Get-DistributionGroup",
        "Get-DistributionGroupMember",
        "Add-DistributionGroupMember",
        "Remove-DistributionGroupMember",
        "New-MailContact",
        "Get-MailContact",
        "Remove-MailContact",
    ];

    #[test]
    fn builtin_catalogue_covers_emulator_and_top_cmdlets() {
        let cat = Catalog::parse(BUILTIN).expect("catalogue parses");
        for name in EMULATOR_CMDLETS {
            assert!(cat.get(name).is_some(), "{name} missing");
        }
        assert!(cat.len() >= 116, "only {} cmdlets", cat.len());
        for name in [
            "Get-MailboxStatistics",
            "Get-MessageTrace",
            "Get-InboxRule",
            "Set-CASMailbox",
            "Get-TransportRule",
            "New-TransportRule",
            "Get-MailboxFolderPermission",
            "Add-RecipientPermission",
            "Get-UnifiedGroup",
            "Set-MailboxAutoReplyConfiguration",
        ] {
            assert!(cat.get(name).is_some(), "{name} missing");
        }
    }

    #[test]
    fn every_name_is_safe_for_import_pssession() {
        let cat = Catalog::builtin();
        let safe = |s: &str, colon_ok: bool| {
            (1..=100).contains(&s.len())
                && s.chars().all(|c| {
                    c.is_ascii_alphanumeric() || "-_.\\".contains(c) || (colon_ok && c == ':')
                })
        };
        for c in cat.cmdlets() {
            assert!(safe(&c.name, true), "{}", c.name);
            assert_eq!(format!("{}-{}", c.verb, c.noun), c.name);
            let mut seen = std::collections::HashSet::new();
            for p in c.parameters.iter().chain(cat.common_parameters()) {
                assert!(safe(&p.name, false), "{}: {}", c.name, p.name);
                assert!(
                    seen.insert(p.name.to_ascii_lowercase()),
                    "{}: duplicate {}",
                    c.name,
                    p.name
                );
            }
        }
        let common: Vec<&str> = cat
            .common_parameters()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        for required in [
            "Verbose",
            "Debug",
            "ErrorAction",
            "WarningAction",
            "ErrorVariable",
            "WarningVariable",
            "OutVariable",
            "OutBuffer",
            "PipelineVariable",
            "InformationAction",
            "InformationVariable",
            "ProgressAction",
        ] {
            assert!(common.contains(&required), "{required}");
        }
    }

    #[test]
    fn lookups_and_type_chains() {
        let cat = Catalog::builtin();
        let mbx = cat.get("get-MAILBOX").expect("known");
        assert_eq!(
            mbx.first_positional().map(|p| p.name.as_str()),
            Some("Identity")
        );
        assert!(mbx.parameter("archive").is_some_and(|p| p.switch));
        let chain = cat.type_chain(mbx);
        assert_eq!(
            chain.first().map(String::as_str),
            Some("Microsoft.Exchange.Data.Directory.Management.Mailbox")
        );
        assert_eq!(chain.last().map(String::as_str), Some("System.Object"));
        let patterns = ["get-mailbox*".to_owned()];
        let names: Vec<&str> = cat.matching(&patterns).map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"Get-Mailbox") && names.contains(&"Get-MailboxStatistics"));
        assert!(!names.contains(&"Set-Mailbox"));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", "Get-Mailbox"));
        assert!(wildcard_match("g?t-*box", "Get-Mailbox"));
        assert!(!wildcard_match("Get-User", "Get-Users"));
        assert!(wildcard_match("*-*", "a-b"));
        assert!(!wildcard_match("a*c", "abd"));
    }
}
