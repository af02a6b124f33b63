//! Rendering of the modern calls: cmdlet name (module-qualified when the file shadows it),
//! cloud parameters per B2, auth parameters per `--auth`, and the carried arguments in the
//! documented order.

use crate::analysis::endpoint::{quote_arg, Cloud, Kind};

pub const MODULE: &str = "ExchangeOnlineManagement";

/// Names of the module's cmdlets that a user function in the file shadows (lower-cased).
#[derive(Debug, Default, Clone)]
pub struct Shadowed(pub Vec<String>);

impl Shadowed {
    pub fn name(&self, cmdlet: &str) -> String {
        if self.0.iter().any(|n| n.eq_ignore_ascii_case(cmdlet)) {
            format!("{MODULE}\\{cmdlet}")
        } else {
            cmdlet.to_string()
        }
    }
}

pub fn cmdlet_for(kind: Kind) -> &'static str {
    match kind {
        Kind::Exo => "Connect-ExchangeOnline",
        Kind::Scc | Kind::Eop => "Connect-IPPSSession",
    }
}

/// `(name, value)` parameter pairs of the cloud part; a `None` value is a switch.
pub fn cloud_params(kind: Kind, cloud: Cloud, delegated: bool) -> Vec<(&'static str, String)> {
    let env = |e: &str| vec![("ExchangeEnvironmentName", e.to_string())];
    let scc = |uri: &str, auth: &str| {
        vec![
            ("ConnectionUri", uri.to_string()),
            ("AzureADAuthorizationEndpointUri", auth.to_string()),
        ]
    };
    match (kind, cloud) {
        (Kind::Exo, Cloud::Commercial) => vec![],
        (Kind::Exo, Cloud::GccHigh) => env("O365USGovGCCHigh"),
        (Kind::Exo, Cloud::DoD) => env("O365USGovDoD"),
        (Kind::Exo, Cloud::China) => env("O365China"),
        (Kind::Exo, Cloud::Germany) => env("O365GermanyCloud"),
        (Kind::Scc, Cloud::Commercial) => {
            if delegated {
                vec![(
                    "AzureADAuthorizationEndpointUri",
                    "https://login.microsoftonline.com/organizations".to_string(),
                )]
            } else {
                vec![]
            }
        }
        (Kind::Scc, Cloud::GccHigh) => scc(
            "https://ps.compliance.protection.office365.us/powershell-liveid/",
            "https://login.microsoftonline.us/organizations",
        ),
        (Kind::Scc, Cloud::DoD) => scc(
            "https://l5.ps.compliance.protection.office365.us/powershell-liveid/",
            "https://login.microsoftonline.us/organizations",
        ),
        (Kind::Scc, Cloud::China) => scc(
            "https://ps.compliance.protection.partner.outlook.cn/powershell-liveid",
            "https://login.chinacloudapi.cn/organizations",
        ),
        (Kind::Scc, Cloud::Germany) => scc(
            "https://ps.compliance.protection.outlook.de/powershell-liveid/",
            "https://login.microsoftonline.de/organizations",
        ),
        (Kind::Eop, Cloud::Germany) => scc(
            "https://ps.protection.outlook.de/powershell-liveid/",
            "https://login.microsoftonline.de/organizations",
        ),
        (Kind::Eop, _) => {
            let mut v = vec![(
                "ConnectionUri",
                "https://ps.protection.outlook.com/powershell-liveid/".to_string(),
            )];
            if delegated {
                v.push((
                    "AzureADAuthorizationEndpointUri",
                    "https://login.microsoftonline.com/organizations".to_string(),
                ));
            }
            v
        }
    }
}

/// One modern call being assembled: `-Name value` fragments in emission order.
#[derive(Debug, Default, Clone)]
pub struct Call {
    pub cmdlet: String,
    pub splat: Option<String>,
    pub args: Vec<String>,
}

impl Call {
    pub fn new(cmdlet: String) -> Call {
        Call {
            cmdlet,
            splat: None,
            args: Vec::new(),
        }
    }
    /// A parameter whose value is PowerShell source text (copied verbatim).
    pub fn param(&mut self, name: &str, value_src: &str) {
        self.args.push(format!("-{name} {value_src}"));
    }
    /// A parameter whose value is a plain literal we generate (quoted when needed).
    pub fn literal(&mut self, name: &str, value: &str) {
        self.args.push(format!("-{name} {}", quote_arg(value)));
    }
    pub fn switch(&mut self, name: &str) {
        self.args.push(format!("-{name}"));
    }
    /// Text copied verbatim (common parameters as written).
    pub fn raw(&mut self, text: &str) {
        self.args.push(text.to_string());
    }
    pub fn render(&self) -> String {
        let mut s = self.cmdlet.clone();
        if let Some(sp) = &self.splat {
            s.push(' ');
            s.push_str(sp);
        }
        for a in &self.args {
            s.push(' ');
            s.push_str(a);
        }
        s
    }
}

pub fn disconnect(shadowed: &Shadowed) -> String {
    format!(
        "{} -Confirm:$false",
        shadowed.name("Disconnect-ExchangeOnline")
    )
}

/// A single-quoted PowerShell string (for hashtable values, where bare words are commands).
pub fn squote(t: &str) -> String {
    format!("'{}'", t.replace('\'', "''"))
}
