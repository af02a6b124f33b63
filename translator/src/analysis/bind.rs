//! Parameter binding as PowerShell does it for the cmdlets we care about: names match
//! case-insensitively, by alias, or by any unambiguous prefix; colon-bound values; switches.

use crate::model::{Arg, Command, Expr, ExprKind, VarRef};
use std::ops::Range;

pub struct ParamSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub switch: bool,
}

const fn p(name: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch: false,
    }
}
const fn pa(name: &'static str, aliases: &'static [&'static str]) -> ParamSpec {
    ParamSpec {
        name,
        aliases,
        switch: false,
    }
}
const fn sw(name: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch: true,
    }
}
const fn swa(name: &'static str, aliases: &'static [&'static str]) -> ParamSpec {
    ParamSpec {
        name,
        aliases,
        switch: true,
    }
}

/// The PowerShell common parameters; carried over verbatim to the modern call.
pub const COMMON: &[ParamSpec] = &[
    pa("ErrorAction", &["ea"]),
    pa("WarningAction", &["wa"]),
    pa("InformationAction", &["infa"]),
    pa("ErrorVariable", &["ev"]),
    pa("WarningVariable", &["wv"]),
    pa("InformationVariable", &["iv"]),
    pa("OutVariable", &["ov"]),
    pa("OutBuffer", &["ob"]),
    pa("PipelineVariable", &["pv"]),
    swa("Verbose", &["vb"]),
    swa("Debug", &["db"]),
];

pub const NEW_PSSESSION: &[ParamSpec] = &[
    pa("ConnectionUri", &["URI", "CU"]),
    p("ConfigurationName"),
    p("Credential"),
    p("Authentication"),
    sw("AllowRedirection"),
    p("SessionOption"),
    p("Name"),
    pa("ComputerName", &["Cn"]),
    p("Session"),
    p("Port"),
    sw("UseSSL"),
    p("ApplicationName"),
    p("CertificateThumbprint"),
    p("ThrottleLimit"),
    sw("EnableNetworkAccess"),
    pa("VMName", &["VMN"]),
    p("VMId"),
    p("ContainerId"),
    p("HostName"),
    p("UserName"),
    p("KeyFilePath"),
    p("SSHTransport"),
    sw("UseWindowsPowerShell"),
];

/// V1 module cmdlets (`New-ExoPSSession`, `Connect-EXOPSSession`).
pub const V1_CONNECT: &[ParamSpec] = &[
    p("ConnectionUri"),
    p("AzureADAuthorizationEndpointUri"),
    p("UserPrincipalName"),
    p("Credential"),
    p("PSSessionOption"),
    p("DelegatedOrganization"),
    sw("BypassMailboxAnchoring"),
];

pub const IMPORT_PSSESSION: &[ParamSpec] = &[
    p("Session"),
    pa("CommandName", &["Name"]),
    p("FormatTypeName"),
    p("Prefix"),
    sw("AllowClobber"),
    sw("DisableNameChecking"),
    pa("ArgumentList", &["Args"]),
    pa("CommandType", &["Type"]),
    pa("Module", &["PSSnapin"]),
    p("FullyQualifiedModule"),
    p("Certificate"),
];

pub const REMOVE_PSSESSION: &[ParamSpec] = &[
    p("Session"),
    p("Id"),
    p("Name"),
    p("InstanceId"),
    pa("ComputerName", &["Cn"]),
    p("VMName"),
    p("ContainerId"),
    p("VMId"),
    sw("WhatIf"),
    sw("Confirm"),
];

pub const INVOKE_COMMAND: &[ParamSpec] = &[
    p("Session"),
    p("ScriptBlock"),
    pa("ComputerName", &["Cn"]),
    p("Credential"),
    p("FilePath"),
    pa("ArgumentList", &["Args"]),
    sw("AsJob"),
    sw("HideComputerName"),
    p("JobName"),
    p("ThrottleLimit"),
    sw("InDisconnectedSession"),
    p("SessionName"),
    p("SessionOption"),
    p("ConnectionUri"),
    p("ConfigurationName"),
    p("InputObject"),
    sw("NoNewScope"),
];

pub const GET_CREDENTIAL: &[ParamSpec] =
    &[p("Credential"), p("Message"), p("UserName"), p("Title")];

pub const CONVERTTO_SECURESTRING: &[ParamSpec] = &[
    p("String"),
    sw("AsPlainText"),
    sw("Force"),
    p("Key"),
    p("SecureKey"),
];

pub const NEW_OBJECT: &[ParamSpec] = &[
    p("TypeName"),
    pa("ArgumentList", &["Args"]),
    p("ComObject"),
    p("Property"),
    sw("Strict"),
];

pub const IMPORT_MODULE: &[ParamSpec] = &[
    p("Name"),
    p("ModuleInfo"),
    sw("Global"),
    p("Prefix"),
    sw("Force"),
    p("Scope"),
    sw("PassThru"),
    sw("AsCustomObject"),
    p("Function"),
    p("Cmdlet"),
    p("Variable"),
    p("Alias"),
    sw("NoClobber"),
    sw("DisableNameChecking"),
    p("MinimumVersion"),
    p("RequiredVersion"),
    p("MaximumVersion"),
    pa("ArgumentList", &["Args"]),
];

pub const GET_PSSESSION: &[ParamSpec] = &[
    p("Name"),
    p("Id"),
    pa("ComputerName", &["Cn"]),
    p("InstanceId"),
    p("State"),
    p("ConfigurationName"),
];

pub struct NamedArg<'a> {
    /// Canonical parameter name (from the spec), or the name as written when unknown.
    pub name: String,
    pub known: bool,
    pub common: bool,
    pub value: Option<&'a Expr>,
    /// From the dash to the end of the value.
    pub range: Range<usize>,
}

pub struct Bound<'a> {
    pub named: Vec<NamedArg<'a>>,
    pub positional: Vec<&'a Expr>,
    pub splats: Vec<&'a VarRef>,
    /// A parameter prefix that matched several parameters.
    pub ambiguous: Vec<String>,
}

impl<'a> Bound<'a> {
    pub fn get(&self, name: &str) -> Option<&NamedArg<'a>> {
        self.named
            .iter()
            .find(|n| n.name.eq_ignore_ascii_case(name))
    }
    pub fn value(&self, name: &str) -> Option<&'a Expr> {
        self.get(name).and_then(|n| n.value)
    }
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

enum Lookup {
    Known(&'static ParamSpec, bool),
    Ambiguous,
    Unknown,
}

fn lookup(spec: &'static [ParamSpec], written: &str) -> Lookup {
    let w = written.to_ascii_lowercase();
    for (table, common) in [(spec, false), (COMMON, true)] {
        for ps in table {
            if ps.name.eq_ignore_ascii_case(&w)
                || ps.aliases.iter().any(|a| a.eq_ignore_ascii_case(&w))
            {
                return Lookup::Known(ps, common);
            }
        }
    }
    let mut hits: Vec<(&'static ParamSpec, bool)> = Vec::new();
    for (table, common) in [(spec, false), (COMMON, true)] {
        for ps in table {
            if ps.name.to_ascii_lowercase().starts_with(&w) {
                hits.push((ps, common));
            }
        }
    }
    match hits.len() {
        0 => Lookup::Unknown,
        1 => Lookup::Known(hits[0].0, hits[0].1),
        _ => Lookup::Ambiguous,
    }
}

pub fn bind<'a>(cmd: &'a Command, spec: &'static [ParamSpec]) -> Bound<'a> {
    let mut b = Bound {
        named: Vec::new(),
        positional: Vec::new(),
        splats: Vec::new(),
        ambiguous: Vec::new(),
    };
    let mut i = 0;
    while i < cmd.args.len() {
        match &cmd.args[i] {
            Arg::Param {
                name,
                range,
                colon_value,
            } => {
                let (canon, known, common, switch) = match lookup(spec, name) {
                    Lookup::Known(ps, common) => (ps.name.to_string(), true, common, ps.switch),
                    Lookup::Ambiguous => {
                        b.ambiguous.push(name.clone());
                        (name.clone(), false, false, true)
                    }
                    // Unknown names are taken as switches: a value after one would be a
                    // positional argument, which the callers treat as a reason not to rewrite.
                    Lookup::Unknown => (name.clone(), false, false, true),
                };
                let mut value = colon_value.as_ref();
                let mut end = colon_value
                    .as_ref()
                    .map(|v| v.range.end)
                    .unwrap_or(range.end);
                if value.is_none() && !switch {
                    if let Some(Arg::Value(v)) = cmd.args.get(i + 1) {
                        value = Some(v);
                        end = v.range.end;
                        i += 1;
                    }
                }
                b.named.push(NamedArg {
                    name: canon,
                    known,
                    common,
                    value,
                    range: range.start..end,
                });
            }
            Arg::Value(e) => {
                if let ExprKind::Splat(v) = &e.kind {
                    b.splats.push(v);
                } else {
                    b.positional.push(e);
                }
            }
            Arg::Redirect { .. } => {}
        }
        i += 1;
    }
    b
}
