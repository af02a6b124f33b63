//! Connection groups (B1): an online `New-PSSession` / `New-ExoPSSession`, its imports and
//! its cleanups, rewritten together or not at all.

use super::bind::{self, bind, Bound};
use super::creds::{self, Token};
use super::endpoint::{
    classify, render_value, svals_text, Class, Cloud, Endpoint, Kind, Piece, Resolver,
};
use super::index::{CmdSite, DefValue};
use super::Analyzer;
use crate::edits::{delete_stmt, replace_stmt};
use crate::emit::{cloud_params, cmdlet_for, disconnect, squote, Call};
use crate::model::*;
use crate::{Applicability, AuthPolicy, Edit, Rule, Severity};
use std::ops::Range;

/// What the rest of the analysis needs to know about the file's sessions.
#[derive(Debug, Default)]
pub struct Summary {
    /// Online groups found (rewritable or not) and their worst applicability.
    pub online: Vec<GroupInfo>,
    /// The file creates sessions that are not online Exchange (on-prem, unknown, others).
    pub other_sessions: bool,
    /// Statements already taken by a group (cleanup pipelines must not claim them again).
    pub claimed: Vec<Range<usize>>,
}

#[derive(Debug, Clone)]
pub struct GroupInfo {
    pub applicability: Applicability,
    /// Prefix of the group's import (for `Disconnect-ExchangeOnline -ModulePrefix`).
    pub prefix: Option<String>,
    pub unit: Option<usize>,
    pub cleanups: Vec<Range<usize>>,
    /// Import and cleanup statements (shared ones tie groups together).
    pub members: Vec<Range<usize>>,
}

/// Where a hashtable parameter came from, so the entry can be edited in place.
#[derive(Clone)]
enum Origin {
    Inline,
    /// An entry of a literal hashtable (`@{ … }`), by entry range.
    Entry(Range<usize>),
    /// A statement that adds one entry (`.Add(k, v)`, `$p[k] = v`): the statement range and
    /// the key expression range.
    AddStmt {
        stmt: Range<usize>,
        key: Range<usize>,
        form: AddForm,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AddForm {
    Add,
    Index,
}

#[derive(Clone)]
struct PSrc<'a> {
    name: String,
    known: bool,
    common: bool,
    value: Option<&'a Expr>,
    /// Source text of the whole parameter (inline) for verbatim carrying.
    text: String,
    origin: Origin,
}

struct Splat<'a> {
    var: &'a VarRef,
    /// The hashtable's defining statement and its `.Add`/index/`+=` statements.
    stmts: Vec<Range<usize>>,
    /// Why the hashtable cannot be edited in place (its entries still classify the call).
    not_editable: Option<String>,
    /// `$p += @{…}` statements with the ranges of their entries.
    plus: Vec<(Range<usize>, Vec<Range<usize>>)>,
    entries_params: Vec<PSrc<'a>>,
}

pub fn run(a: &mut Analyzer) -> Summary {
    let mut sum = Summary::default();
    let sites: Vec<usize> = (0..a.ix.cmds.len())
        .filter(|&i| {
            let c = a.ix.cmds[i].cmd;
            c.is("New-PSSession") || c.is("New-ExoPSSession")
        })
        .collect();
    // `Get-PSSession | Where …` checks change meaning after any rewrite (A7).
    let checks = a.ix.cmds.iter().any(|s| {
        (s.cmd.is("Get-PSSession") || s.cmd.is("gsn"))
            && !s.cmd.args.iter().any(|x| matches!(x, Arg::Param { name, .. } if name.to_ascii_lowercase().starts_with('n')))
            && !matches!(s.pipe.elems.last(), Some(Elem::Cmd(c)) if c.is("Remove-PSSession"))
    });
    for i in sites {
        connection(a, i, &mut sum, checks);
    }
    merge_shared(a, &mut sum);
    merge_cleanups(a, &sum);
    partial_disconnects(a, &sum);
    for i in 0..a.ix.cmds.len() {
        let c = a.ix.cmds[i].cmd;
        if c.is("New-CsOnlineSession") || c.is("New-PSSession") && sum.online.is_empty() {
            sum.other_sessions |= c.is("New-CsOnlineSession");
        }
    }
    sum
}

fn connection(a: &mut Analyzer, site_idx: usize, sum: &mut Summary, session_checks: bool) {
    let ix = a.ix;
    let site: &CmdSite = &ix.cmds[site_idx];
    let cmd = site.cmd;
    let v1 = cmd.is("New-ExoPSSession");
    let spec = if v1 {
        bind::V1_CONNECT
    } else {
        bind::NEW_PSSESSION
    };
    let b = bind(cmd, spec);
    let stmt = site.stmt;
    let stmt_start = stmt.range.start;

    // Gather parameters: inline, then splatted hashtables.
    let mut params: Vec<PSrc> = Vec::new();
    let mut manual: Vec<String> = Vec::new();
    for n in &b.named {
        params.push(PSrc {
            name: n.name.clone(),
            known: n.known,
            common: n.common,
            value: n.value,
            text: a.text(&n.range).to_string(),
            origin: Origin::Inline,
        });
    }
    let mut splats = Vec::new();
    for v in &b.splats {
        match splat(a, v, site) {
            Ok(s) => {
                if let Some(why) = &s.not_editable {
                    manual.push(why.clone());
                }
                splats.push(s)
            }
            Err(why) => manual.push(why),
        }
    }
    let splat_unknown = !manual.is_empty() && splats.is_empty();
    for s in &splats {
        params.extend(s.entries_params.iter().cloned());
    }
    let get = |name: &str| {
        params
            .iter()
            .rev()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    };
    let lit_of = |name: &str| {
        get(name)
            .and_then(|p| p.value)
            .and_then(|v| v.unparen().literal())
    };

    // A14 step 1–3.
    let config = lit_of("ConfigurationName").map(|c| c.to_ascii_lowercase());
    let mut positional: Vec<&Expr> = b.positional.clone();
    // The seed article's `…/PowerShell-LiveID/? DelegatedOrg=…`: a stray space after `?`.
    let mut uri_join: Option<&Expr> = None;
    if let (Some(uri), Some(first)) = (
        get("ConnectionUri").and_then(|p| p.value),
        positional.first(),
    ) {
        if uri.literal().is_some_and(|u| u.ends_with('?'))
            && first.literal().is_some_and(|l| l.contains('='))
        {
            uri_join = Some(first);
            positional.remove(0);
        }
    }
    // Without a configuration name the session is generic remoting unless its URI is online.
    let exchange_config = config
        .as_deref()
        .is_some_and(|c| c == "microsoft.exchange" || c == "microsoft.securityandcompliance")
        || (config.is_none() && v1);
    let resolver = Resolver { ix, src: a.src };
    let class = if splat_unknown {
        Class::Unknown(format!(
            "the parameters come from a hashtable that cannot be followed ({})",
            manual.join("; ")
        ))
    } else if positional.iter().any(|p| {
        p.literal()
            .is_some_and(|l| !l.is_empty() && l.trim().is_empty())
    }) {
        // A14 edge: "` " is an escaped space (a positional argument), not a continuation.
        Class::Unknown(
            "a backtick followed by a space is an escaped space (a stray positional argument), not a line continuation".into(),
        )
    } else if get("ComputerName").is_some() || !positional.is_empty() {
        Class::OnPrem("the session targets a computer name".into())
    } else if let Some(auth) = lit_of("Authentication")
        .map(|x| x.to_ascii_lowercase())
        .filter(|x| {
            matches!(
                x.as_str(),
                "kerberos"
                    | "negotiate"
                    | "default"
                    | "credssp"
                    | "digest"
                    | "negotiatewithimplicitcredential"
            )
        })
    {
        Class::OnPrem(format!("{auth} authentication is only used on premises"))
    } else {
        match get("ConnectionUri").and_then(|p| p.value) {
            None if v1 => Class::Online(Endpoint {
                kind: Kind::Exo,
                cloud: Cloud::Commercial,
                host: "outlook.office365.com".into(),
                query: Vec::new(),
                amp_entity: false,
            }),
            None => Class::OnPrem("no -ConnectionUri".into()),
            Some(uri) => {
                let mut cands = resolver.resolve(uri, uri.range.start, &site.ctx, 0);
                if let Some(j) = uri_join {
                    for c in &mut cands {
                        c.push(Piece::Lit(j.literal().unwrap_or_default()));
                    }
                }
                combine(cands.iter().map(classify).collect())
            }
        }
    };
    if !exchange_config && !splat_unknown && !matches!(class, Class::Online(_)) {
        return;
    }
    let ep = match class {
        Class::OnPrem(why) => {
            sum.other_sessions = true;
            if exchange_config {
                a.finding(
                    Rule::Exo001,
                    stmt.range.clone(),
                    stmt_start,
                    Severity::Info,
                    Applicability::Manual,
                    format!("on-premises Exchange connection ({why}); left unchanged"),
                    vec![],
                    None,
                );
            }
            return;
        }
        Class::Unknown(why) => {
            sum.other_sessions = true;
            a.finding(
                Rule::Exo009,
                stmt.range.clone(),
                stmt_start,
                Severity::Warning,
                Applicability::Manual,
                format!("{why}; it may be Exchange Online or on-premises, so the connection is left unchanged: make the URI a literal or migrate it by hand"),
                vec![],
                None,
            );
            return;
        }
        Class::Online(ep) => ep,
    };

    let mut g = GroupBuild {
        applicability: if v1 {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        },
        manual,
        unsafe_why: Vec::new(),
        notes: Vec::new(),
        import_stmts: Vec::new(),
        cleanup_stmts: Vec::new(),
        uses007: Vec::new(),
        uses008: Vec::new(),
        prefix: None,
        command_name: None,
        format_type: None,
        import_common: Vec::new(),
        moved: Vec::new(),
        named_import: false,
    };
    let mut rule = if v1 {
        Rule::Exo006
    } else if ep.kind == Kind::Exo {
        Rule::Exo001
    } else {
        Rule::Exo002
    };
    if a.is_blocked(&stmt.range) {
        g.manual.push("the statement touches a syntax error".into());
    }

    // Query string.
    let mut delegated: Option<String> = None;
    let mut token_flow = false;
    let mut dropped_q = Vec::new();
    for (k, v) in &ep.query {
        match k.as_str() {
            "delegatedorg" => delegated = Some(render_value(v)),
            "basicauthtooauthconversion" => {
                if svals_text(v).eq_ignore_ascii_case("true") {
                    token_flow = true;
                }
            }
            "email" | "psversion" | "proxymethod" | "serializationlevel" | "exchclientver" => {
                dropped_q.push(format!("{k}={}", svals_text(v)))
            }
            "" => {}
            other => g.manual.push(format!(
                "the URI has an unrecognised query parameter `{other}`"
            )),
        }
    }
    if !dropped_q.is_empty() {
        g.notes.push(format!(
            "query parameters dropped: {}",
            dropped_q.join(", ")
        ));
    }
    if ep.amp_entity {
        g.notes.push("`&amp;` in the URI was read as `&`".into());
    }
    if uri_join.is_some() {
        g.notes
            .push("the space after `?` in the URI was ignored".into());
    }
    if ep.cloud == Cloud::Germany {
        g.notes
            .push("Microsoft Cloud Deutschland is retired; check the target tenant".into());
    }

    // Session target.
    let target = session_target(a, site, &mut g);

    // Parameters of the creation call.
    let mut session_option: Option<String> = None;
    let mut cred: Option<&Expr> = None;
    let mut v1_upn: Option<String> = None;
    let mut common: Vec<String> = Vec::new();
    for p in &params {
        let n = p.name.to_ascii_lowercase();
        match n.as_str() {
            "configurationname" | "authentication" | "allowredirection" | "name"
            | "connectionuri" => {}
            "sessionoption" | "pssessionoption" => {
                session_option = p.value.map(|v| a.text(&v.range).to_string());
            }
            "credential" => cred = p.value,
            "userprincipalname" if v1 => v1_upn = p.value.map(|v| a.text(&v.range).to_string()),
            "delegatedorganization" if v1 => {
                delegated = p.value.map(|v| a.text(&v.range).to_string())
            }
            "azureadauthorizationendpointuri" if v1 => {}
            _ if p.common => {
                if matches!(p.origin, Origin::Inline) {
                    common.push(p.text.clone());
                }
            }
            _ if !p.known && n.starts_with("allowre") => {
                g.notes.push(format!("dropped -{}", p.name))
            }
            _ => g
                .manual
                .push(format!("-{} has no modern equivalent", p.name)),
        }
    }
    if session_option.is_some() {
        g.notes.push("-SessionOption becomes -PSSessionOption: it is ignored in REST mode and its proxy settings no longer apply".into());
    }

    // Uses of the session.
    if let Some(t) = &target {
        uses(a, site, t, &mut g);
    }
    if let Some(name) = lit_of("Name") {
        uses_by_name(a, &name, &mut g);
    }
    if target.is_some() && g.import_stmts.is_empty() && !matches!(target, Some(Target::Nested(_))) {
        g.unsafe_why
            .push("no Import-PSSession of this session was found in this file".into());
    }

    // The modern call.
    let cmdlet_name = a.shadowed.name(cmdlet_for(ep.kind));
    let mut call = Call::new(cmdlet_name);
    for (n, v) in cloud_params(ep.kind, ep.cloud, delegated.is_some()) {
        call.literal(n, &v);
    }
    let mut auth_entries: Vec<(String, String)> = Vec::new();
    if token_flow && !v1 {
        rule = Rule::Exo005;
        g.applicability = g.applicability.max(Applicability::Unsafe);
        match cred.map(|c| creds::token(ix, a.src, c, c.range.start, &site.ctx)) {
            Some(Token::Found(t)) => {
                call.param("AccessToken", &t);
                auth_entries.push(("AccessToken".into(), t));
                if delegated.is_none() {
                    let user = cred
                        .and_then(|c| creds::static_user(ix, a.src, c, c.range.start, &site.ctx));
                    if let Some(u) = user {
                        call.param("UserPrincipalName", &u);
                    } else if let Some(org) = options_org(&a.opts.auth) {
                        call.literal("Organization", &org);
                    } else {
                        g.manual.push("no tenant is known for the token (no DelegatedOrg, no static user name, no --organization)".into());
                    }
                }
                g.notes.push("the token must be a JWT for the Exchange resource of that cloud (e.g. https://outlook.office365.com) without the `Bearer ` prefix; the statements that build the credential stay and may now be dead code".into());
            }
            Some(Token::NotTraced(why)) => g.manual.push(format!("OAuth token flow: {why}")),
            None => g.manual.push("OAuth token flow without -Credential".into()),
        }
    } else if v1 {
        if let Some(u) = &v1_upn {
            call.param("UserPrincipalName", u);
        }
        if let Some(c) = cred {
            call.param("Credential", a.text(&c.range));
        }
    } else {
        auth_part(a, site, ep.kind, cred, &mut call, &mut auth_entries, &mut g);
    }
    if let Some(d) = &delegated {
        call.param("DelegatedOrganization", d);
    }
    if let Some(o) = &session_option {
        call.param("PSSessionOption", o);
    }
    if let Some(p) = &g.prefix {
        call.param("Prefix", p);
    }
    if let Some(c) = &g.command_name {
        call.param("CommandName", c);
    }
    if let Some(f) = &g.format_type {
        call.param("FormatTypeName", f);
    }
    for c in &common {
        call.raw(c);
    }
    for c in &g.import_common {
        let key = c
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if !common
            .iter()
            .any(|x| x.to_ascii_lowercase().starts_with(&key))
        {
            call.raw(c);
        }
    }

    // Credential reuse across EXO + SCC (B4).
    if let Some(c) = cred.and_then(|c| c.as_var()) {
        // The same definition (not just the same name) must reach both calls.
        let defs_at = |pos: usize, ctx: &super::index::Ctx| -> Vec<usize> {
            ix.reaching(&c.key(), pos, ctx)
                .iter()
                .map(|d| d.pos)
                .collect()
        };
        let mine = defs_at(c.range.start, &site.ctx);
        let reused = ix
            .cmds
            .iter()
            .filter(|s| s.cmd.is("New-PSSession") && !std::ptr::eq(s.cmd, cmd))
            .filter_map(|s| {
                bind(s.cmd, bind::NEW_PSSESSION)
                    .value("Credential")
                    .map(|v| (v, s))
            })
            .any(|(v, s)| {
                v.as_var().is_some_and(|v| {
                    v.key() == c.key()
                        && defs_at(v.range.start, &s.ctx) == mine
                        && (!mine.is_empty() || s.ctx.func == site.ctx.func)
                })
            });
        if reused && matches!(a.opts.auth, AuthPolicy::Credential) {
            g.notes.push(format!("{} feeds more than one Connect call, and the module empties the password after a Connect completes: the second may need a fresh credential", a.text(&c.range)));
        }
    }

    // Edits.
    let mut creation_edits: Vec<Edit> = Vec::new();
    let creation_range = match &target {
        Some(Target::Nested(import_stmt)) => import_stmt.clone(),
        _ => stmt.range.clone(),
    };
    if splats.len() > 1 {
        g.manual.push("more than one splatted hashtable".into());
    }
    if let Some(sp) = splats.first() {
        call.splat = Some(format!(
            "@{}",
            a.text(&sp.var.range).trim_start_matches('@')
        ));
        let (mut e, ok) = splat_edits(a, sp, &ep, delegated.as_deref(), &auth_entries);
        if !ok {
            g.manual
                .push("the splatted hashtable cannot be edited entry by entry".into());
        }
        creation_edits.append(&mut e);
        // Inline arguments already rendered stay after the splat; the hashtable carries the rest.
        call.args.retain(|x| {
            !x.starts_with("-ExchangeEnvironmentName")
                && !x.starts_with("-ConnectionUri")
                && !x.starts_with("-AzureADAuthorizationEndpointUri")
                && !x.starts_with("-DelegatedOrganization")
                && !x.starts_with("-PSSessionOption")
                && !auth_entries
                    .iter()
                    .any(|(k, _)| x.starts_with(&format!("-{k} ")) || *x == format!("-{k}"))
                || inline_has(&params, x)
        });
    }
    creation_edits.push(replace_stmt(
        a.src,
        creation_range.clone(),
        &call.render(),
        a.comments,
    ));
    let mut import_edits: Vec<(Range<usize>, Edit)> = Vec::new();
    for r in &g.import_stmts {
        if *r != creation_range {
            import_edits.push((r.clone(), delete_stmt(a.src, r.clone())));
        }
    }
    let mut cleanup_edits: Vec<(Range<usize>, Edit)> = Vec::new();
    for r in &g.cleanup_stmts {
        cleanup_edits.push((
            r.clone(),
            replace_stmt(a.src, r.clone(), &disconnect(&a.shadowed), &[]),
        ));
    }
    for r in g.import_stmts.iter().chain(g.cleanup_stmts.iter()) {
        if a.is_blocked(r) {
            g.manual
                .push("a statement of the group touches a syntax error".into());
        }
    }

    // Moved import arguments must not use variables set between creation and import: the
    // Connect call runs where the creation was.
    for r in ix.refs.iter().filter(|r| {
        g.moved
            .iter()
            .any(|m| m.start <= r.var.range.start && r.var.range.end <= m.end)
    }) {
        let key = r.var.key();
        // The session variable itself, and imports in another function (a caller), are not
        // moved arguments whose order matters here.
        let own = matches!(&target, Some(Target::Var(k, _)) if *k == key);
        if own || r.ctx.func != site.ctx.func {
            continue;
        }
        let set_between = ix.defs.iter().any(|d| {
            d.key == key
                && d.pos > creation_range.end
                && d.pos < r.var.range.start
                && d.ctx.func == r.ctx.func
        });
        if set_between {
            g.manual.push(format!(
                "{} is set between the creation and the import, but the Connect call takes the creation's place",
                a.text(&r.var.range)
            ));
        }
    }
    // Applicability.
    if session_checks {
        g.unsafe_why.push(
            "the file checks sessions with Get-PSSession, which finds none after migrating".into(),
        );
    }
    if !g.uses007.is_empty() || !g.uses008.is_empty() {
        g.unsafe_why
            .push("the session object is also used directly".into());
    }
    if !g.unsafe_why.is_empty() {
        g.applicability = g.applicability.max(Applicability::Unsafe);
    }
    if target.is_none() && !g.named_import {
        g.manual.push(
            "the session is not kept in a variable, so its import and cleanup cannot be followed"
                .into(),
        );
    }
    if !g.manual.is_empty() {
        g.applicability = Applicability::Manual;
    }
    let appl = g.applicability;

    let mut all: Vec<Edit> = creation_edits.clone();
    all.extend(import_edits.iter().map(|(_, e)| e.clone()));
    all.extend(cleanup_edits.iter().map(|(_, e)| e.clone()));
    let unit = a.add_unit(all, appl);
    let appl = if unit.is_none() {
        Applicability::Manual
    } else {
        appl
    };

    sum.online.push(GroupInfo {
        applicability: appl,
        prefix: g.prefix.clone(),
        unit,
        cleanups: g.cleanup_stmts.clone(),
        members: g
            .import_stmts
            .iter()
            .chain(g.cleanup_stmts.iter())
            .chain(splats.iter().flat_map(|s| s.stmts.iter()))
            .cloned()
            .collect(),
    });
    sum.claimed.push(creation_range.clone());
    sum.claimed.extend(g.cleanup_stmts.iter().cloned());
    sum.claimed.extend(g.import_stmts.iter().cloned());

    let severity = Severity::Error;
    let what = match (rule, ep.kind) {
        (Rule::Exo005, _) => "OAuth token passed as a Basic-auth password".to_string(),
        (Rule::Exo006, _) => "EXO V1 module session (New-ExoPSSession)".to_string(),
        (_, Kind::Exo) => {
            "remote PowerShell session to Exchange Online (Basic auth, retired)".to_string()
        }
        (_, Kind::Scc) => {
            "remote PowerShell session to Security & Compliance (Basic auth, retired)".to_string()
        }
        (_, Kind::Eop) => {
            "remote PowerShell session to standalone EOP (Basic auth, retired)".to_string()
        }
    };
    let mut msg = format!("{what}; use `{}`", call.cmdlet);
    if appl == Applicability::Manual {
        msg.push_str(&format!(" (not rewritten: {})", g.manual.join("; ")));
    } else if !g.unsafe_why.is_empty() {
        msg.push_str(&format!(" (unsafe: {})", g.unsafe_why.join("; ")));
    }
    for n in &g.notes {
        msg.push_str("; ");
        msg.push_str(n);
    }
    let own = if unit.is_some() {
        creation_edits
    } else {
        vec![]
    };
    a.finding(
        rule,
        stmt.range.clone(),
        stmt_start,
        severity,
        appl,
        msg,
        own,
        unit,
    );
    for (r, e) in import_edits {
        a.finding(
            Rule::Exo003,
            r.clone(),
            r.start,
            Severity::Warning,
            appl,
            format!(
                "Import-PSSession of a legacy session; {} imports the cmdlets itself",
                call.cmdlet
            ),
            if unit.is_some() { vec![e] } else { vec![] },
            unit,
        );
    }
    for (r, e) in cleanup_edits {
        a.finding(
            Rule::Exo004,
            r.clone(),
            r.start,
            Severity::Warning,
            appl,
            "Remove-PSSession of a legacy session; use `Disconnect-ExchangeOnline -Confirm:$false`"
                .into(),
            if unit.is_some() { vec![e] } else { vec![] },
            unit,
        );
    }
    for r in &g.uses007 {
        a.finding(
            Rule::Exo007,
            r.clone(),
            r.start,
            Severity::Warning,
            Applicability::Manual,
            "the session is used with Invoke-Command/Enter-PSSession; after migrating, run the block directly and replace `$using:x` with `$x`".into(),
            vec![],
            None,
        );
    }
    for (r, why) in &g.uses008 {
        a.finding(
            Rule::Exo008,
            r.clone(),
            r.start,
            Severity::Warning,
            Applicability::Manual,
            format!("{why}; the modern module creates no PSSession, use Get-ConnectionInformation instead"),
            vec![],
            None,
        );
    }
}

fn inline_has(params: &[PSrc], rendered: &str) -> bool {
    params.iter().any(|p| {
        matches!(p.origin, Origin::Inline)
            && rendered
                .to_ascii_lowercase()
                .starts_with(&format!("-{}", p.name.to_ascii_lowercase()))
    })
}

fn options_org(p: &AuthPolicy) -> Option<String> {
    match p {
        AuthPolicy::Certificate { organization, .. }
        | AuthPolicy::ManagedIdentity { organization, .. } => Some(organization.clone()),
        _ => None,
    }
}

fn combine(classes: Vec<Class>) -> Class {
    let mut it = classes.into_iter();
    let Some(first) = it.next() else {
        return Class::Unknown("the connection URI is not known statically".into());
    };
    let mut out = first;
    for c in it {
        out = match (out, c) {
            (Class::Unknown(w), _) | (_, Class::Unknown(w)) => Class::Unknown(w),
            (Class::Online(a), Class::Online(b)) => {
                if a.kind == b.kind && a.cloud == b.cloud && a.query == b.query {
                    Class::Online(a)
                } else {
                    Class::Unknown(
                        "the connection URI's definitions disagree on the service or cloud".into(),
                    )
                }
            }
            (Class::OnPrem(w), Class::OnPrem(_)) => Class::OnPrem(w),
            _ => Class::Unknown(
                "the connection URI's definitions disagree (online and on-premises)".into(),
            ),
        };
    }
    out
}

struct GroupBuild {
    applicability: Applicability,
    manual: Vec<String>,
    unsafe_why: Vec<String>,
    notes: Vec<String>,
    import_stmts: Vec<Range<usize>>,
    cleanup_stmts: Vec<Range<usize>>,
    uses007: Vec<Range<usize>>,
    uses008: Vec<(Range<usize>, String)>,
    prefix: Option<String>,
    command_name: Option<String>,
    format_type: Option<String>,
    import_common: Vec<String>,
    /// Ranges of import arguments that move onto the Connect call.
    moved: Vec<Range<usize>>,
    /// The session was imported through `Get-PSSession -Name X` (no variable needed).
    named_import: bool,
}

enum Target {
    Var(String, usize),
    /// `$cfg['Session365'] = …`: matched by normalised text.
    Slot(String),
    /// `Import-PSSession (New-PSSession …)`: the import statement.
    Nested(Range<usize>),
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(|c| c.to_lowercase())
        .collect::<String>()
        .replace('"', "'")
}

fn session_target(a: &Analyzer, site: &CmdSite, g: &mut GroupBuild) -> Option<Target> {
    let p = site.pipe;
    if site.top
        && site.elem == 0
        && p.elems.len() == 1
        && matches!(site.stmt.kind, StmtKind::Pipeline(_))
    {
        let assign = p.assign.as_ref()?;
        if assign.op != "=" {
            return None;
        }
        let t = super::index::strip_cast(&assign.target);
        return match &t.kind {
            ExprKind::Var(v) if v.name == "null" => None,
            ExprKind::Var(v) => Some(Target::Var(v.key(), site.stmt.range.end)),
            ExprKind::Index { .. } | ExprKind::Member { .. } => {
                g.unsafe_why.push(
                    "the session is stored in a hashtable slot or property for later lookup".into(),
                );
                Some(Target::Slot(norm(a.text(&t.range))))
            }
            _ => None,
        };
    }
    if let StmtKind::Flow { keyword, .. } = &site.stmt.kind {
        if keyword == "return" {
            g.manual.push("the session is returned from a function; migrate the caller's import with it by hand".into());
        }
        return None;
    }
    // `Import-PSSession (New-PSSession …)`.
    if let Some(parent) = site.parent_cmd {
        if parent.is("Import-PSSession") && p.assign.is_none() && p.elems.len() == 1 {
            let outer = a.ix.cmds.iter().find(|s| std::ptr::eq(s.cmd, parent))?;
            let mut imp = GroupBuild {
                applicability: Applicability::Safe,
                manual: vec![],
                unsafe_why: vec![],
                notes: vec![],
                import_stmts: vec![],
                cleanup_stmts: vec![],
                uses007: vec![],
                uses008: vec![],
                prefix: None,
                command_name: None,
                format_type: None,
                import_common: vec![],
                moved: vec![],
                named_import: false,
            };
            import_site(a, outer, &mut imp);
            g.manual.append(&mut imp.manual);
            g.prefix = imp.prefix;
            g.command_name = imp.command_name;
            g.format_type = imp.format_type;
            g.import_common = imp.import_common;
            return imp.import_stmts.first().cloned().map(Target::Nested);
        }
    }
    None
}

/// The innermost command whose argument list holds `r`.
fn cmd_holding<'x, 'a>(a: &'x Analyzer<'_, 'a>, r: &Range<usize>) -> Option<&'x CmdSite<'a>> {
    a.ix.cmds
        .iter()
        .filter(|s| {
            s.cmd.range.start <= r.start
                && r.end <= s.cmd.range.end
                && !(s.cmd.name_range.start <= r.start && r.end <= s.cmd.name_range.end)
        })
        .min_by_key(|s| s.cmd.range.len())
}

/// The session argument of a session-taking cmdlet: `-Session x` or the first positional.
fn session_arg<'b>(b: &Bound<'b>) -> Option<&'b Expr> {
    b.value("Session").or_else(|| {
        if b.has("Session") {
            None
        } else {
            b.positional.first().copied()
        }
    })
}

fn is_ref_to(e: &Expr, r: &Range<usize>) -> bool {
    e.unparen().range == *r
}

fn uses(a: &Analyzer, site: &CmdSite, t: &Target, g: &mut GroupBuild) {
    uses_in(a, site.stmt.range.end, &site.ctx, t, g, 0);
}

/// Follows the session held by `t` from position `end` on, in the scope of `ctx`.
fn uses_in(
    a: &Analyzer,
    end: usize,
    ctx: &super::index::Ctx,
    t: &Target,
    g: &mut GroupBuild,
    depth: usize,
) {
    let ix = a.ix;
    match t {
        Target::Nested(_) => {}
        Target::Slot(text) => {
            // Only imports and cleanups naming the same slot are followed.
            for s in &ix.cmds {
                if s.cmd.range.start <= end {
                    continue;
                }
                let spec = if s.cmd.is("Import-PSSession") {
                    bind::IMPORT_PSSESSION
                } else if s.cmd.is("Remove-PSSession") {
                    bind::REMOVE_PSSESSION
                } else {
                    continue;
                };
                let b = bind(s.cmd, spec);
                if let Some(v) = session_arg(&b) {
                    if norm(a.text(&v.unparen().range)) == *text {
                        if s.cmd.is("Import-PSSession") {
                            import_site(a, s, g);
                        } else {
                            cleanup_site(s, g);
                        }
                    }
                }
            }
        }
        Target::Var(key, after) => {
            let scoped = key.starts_with("global:") || key.starts_with("script:");
            let next_def = ix
                .defs
                .iter()
                .filter(|d| d.key == *key && d.pos >= *after && d.ctx.func == ctx.func && matches!(d.value, DefValue::Pipe(_)))
                .filter(|d| d.ctx.encloses(ctx) || d.ctx.blocks.starts_with(&ctx.blocks))
                .filter(|d| match &d.value {
                    DefValue::Pipe(p) => !matches!(p.elems.as_slice(), [Elem::Expr(Expr { kind: ExprKind::Var(v), .. })] if v.name == "null"),
                    _ => true,
                })
                .map(|d| d.pos)
                .min()
                .unwrap_or(usize::MAX);
            // A retry loop's condition (`while ($null -eq $s)`) runs after the creation too.
            let in_loop_head = |rr: &Range<usize>| {
                ix.stmts.iter().any(|s| match &s.stmt.kind {
                    StmtKind::Compound { keyword, heads, .. } => {
                        matches!(keyword.as_str(), "while" | "do" | "for")
                            && s.stmt.range.start <= rr.start
                            && s.stmt.range.end >= *after
                            && heads
                                .iter()
                                .any(|h| h.range.start <= rr.start && rr.end <= h.range.end)
                    }
                    _ => false,
                })
            };
            let mut handled: Vec<Range<usize>> = Vec::new();
            for r in &ix.refs {
                // A `$global:`/`$script:` session outlives the call that made it: earlier code (a
                // connected-check at the top of the connect function) inspects it too.
                if r.var.key() != *key
                    || (!scoped && r.var.range.start < *after && !in_loop_head(&r.var.range))
                    || r.var.range.start >= next_def
                {
                    continue;
                }
                if !scoped && r.ctx.func != ctx.func {
                    continue;
                }
                if handled
                    .iter()
                    .any(|h| h.start <= r.var.range.start && r.var.range.end <= h.end)
                {
                    continue;
                }
                let rr = r.var.range.clone();
                if r.returned {
                    returned_session(a, r, ctx, g, depth);
                    continue;
                }
                if r.in_string {
                    g.uses008
                        .push((stmt_of(a, &rr), "the session object is inspected".into()));
                    continue;
                }
                // `if ($s) { Import-PSSession $s }`
                if let Some(guard) = import_guard(a, &rr) {
                    let before = g.import_stmts.len();
                    if let Some(inner) = guard.1 {
                        import_site(a, inner, g);
                        if g.import_stmts.len() > before {
                            g.import_stmts.truncate(before);
                            g.import_stmts.push(guard.0.clone());
                            handled.push(guard.0);
                            continue;
                        }
                    }
                }
                // `$s | Remove-PSSession`
                if let Some(cs) = ix.cmds.iter().find(|s| {
                    s.elem == 1
                        && s.cmd.is("Remove-PSSession")
                        && matches!(s.pipe.elems.first(), Some(Elem::Expr(e)) if e.range == rr)
                }) {
                    cleanup_site(cs, g);
                    handled.push(cs.pipe.range.clone());
                    continue;
                }
                let Some(cs) = cmd_holding(a, &rr) else {
                    g.uses008
                        .push((stmt_of(a, &rr), "the session object is used".into()));
                    continue;
                };
                let c = cs.cmd;
                if c.is("Import-PSSession") {
                    let b = bind(c, bind::IMPORT_PSSESSION);
                    if session_arg(&b).is_some_and(|v| is_ref_to(v, &rr)) {
                        import_site(a, cs, g);
                        handled.push(c.range.clone());
                        continue;
                    }
                } else if c.is("Remove-PSSession") {
                    let b = bind(c, bind::REMOVE_PSSESSION);
                    let direct = session_arg(&b).is_some_and(|v| is_ref_to(v, &rr));
                    let by_id = b
                        .value("Id")
                        .or_else(|| b.positional.first().copied())
                        .is_some_and(|v| matches!(&v.unparen().kind, ExprKind::Member { target, name, .. } if target.range == rr && name.eq_ignore_ascii_case("id")));
                    // `Remove-PSSession $exo, $scc`: one cleanup shared by both groups.
                    let in_list = session_arg(&b).is_some_and(|v| {
                        matches!(&v.unparen().kind, ExprKind::Binary { operands, ops } if ops.iter().all(|o| o == ",") && operands.iter().any(|o| o.range == rr))
                    });
                    if direct || by_id || in_list {
                        cleanup_site(cs, g);
                        handled.push(c.range.clone());
                        continue;
                    }
                } else if c.is("Invoke-Command") || c.is("icm") {
                    let b = bind(c, bind::INVOKE_COMMAND);
                    if b.value("Session").is_some_and(|v| is_ref_to(v, &rr)) {
                        g.uses007.push(cs.stmt.range.clone());
                        continue;
                    }
                } else if c.is("Enter-PSSession") || c.is("etsn") {
                    g.uses007.push(cs.stmt.range.clone());
                    continue;
                } else if c.is("Export-PSSession") {
                    g.uses008.push((
                        cs.stmt.range.clone(),
                        "Export-PSSession saves the session's proxy module".into(),
                    ));
                    continue;
                }
                g.uses008
                    .push((stmt_of(a, &rr), "the session object is used".into()));
            }
        }
    }
}

fn stmt_of(a: &Analyzer, r: &Range<usize>) -> Range<usize> {
    a.ix.stmts
        .iter()
        .filter(|s| s.stmt.range.start <= r.start && r.end <= s.stmt.range.end)
        .min_by_key(|s| s.stmt.range.len())
        .map(|s| {
            // report compound statements at their head, not their whole body
            s.stmt.range.clone()
        })
        .unwrap_or(r.clone())
}

/// `if ($s) { Import-PSSession $s … }` with the reference in the condition: the `if`
/// statement and the import inside it.
fn import_guard<'x, 'a>(
    a: &'x Analyzer<'_, 'a>,
    r: &Range<usize>,
) -> Option<(Range<usize>, Option<&'x CmdSite<'a>>)> {
    let site = a.ix.stmts.iter().find(|s| match &s.stmt.kind {
        StmtKind::Compound { keyword, heads, .. } => {
            keyword == "if"
                && heads.len() == 1
                && heads[0].range.start <= r.start
                && r.end <= heads[0].range.end
        }
        _ => false,
    })?;
    let StmtKind::Compound { heads, blocks, .. } = &site.stmt.kind else {
        return None;
    };
    if blocks.len() != 1 || blocks[0].stmts.len() != 1 {
        return None;
    }
    // The condition must be the bare variable (or a null comparison of it).
    let head = &heads[0];
    let ok = match head.elems.as_slice() {
        [Elem::Expr(e)] => match &e.kind {
            ExprKind::Var(_) => e.range == *r,
            ExprKind::Binary { operands, ops } => {
                ops.len() == 1
                    && ops[0] == "-ne"
                    && operands.iter().any(|o| o.range == *r)
                    && operands
                        .iter()
                        .any(|o| o.as_var().is_some_and(|v| v.name == "null"))
            }
            _ => false,
        },
        _ => false,
    };
    if !ok {
        return None;
    }
    let inner = &blocks[0].stmts[0];
    let cs = a.ix.cmds.iter().find(|s| {
        s.stmt.range == inner.range && (s.cmd.is("Import-PSSession") || s.cmd.is("Import-Module"))
    });
    let cs = cs.and_then(|s| {
        if s.cmd.is("Import-Module") {
            a.ix.cmds.iter().find(|x| {
                x.parent_cmd.is_some_and(|p| std::ptr::eq(p, s.cmd)) && x.cmd.is("Import-PSSession")
            })
        } else {
            Some(s)
        }
    });
    Some((site.stmt.range.clone(), cs))
}

fn is_out_null(e: &Elem) -> bool {
    matches!(e, Elem::Cmd(c) if c.is("Out-Null") && c.args.is_empty())
}

/// Records an import statement (B3 import rows) and the parameters that move to Connect.
fn import_site(a: &Analyzer, cs: &CmdSite, g: &mut GroupBuild) {
    let c = cs.cmd;
    let mut wrapper_prefix: Option<String> = None;
    let mut extra_stmts: Vec<Range<usize>> = Vec::new();
    let stmt_range;
    if cs.top {
        let p = cs.pipe;
        let tail_ok = p.elems.len() == 1 || (p.elems.len() == 2 && is_out_null(&p.elems[1]));
        if cs.elem != 0 || !tail_ok {
            g.manual
                .push("the import is part of a longer pipeline".into());
            return;
        }
        if let Some(asg) = &p.assign {
            match asg.target.as_var() {
                Some(v) if v.name == "null" => {}
                Some(v) => {
                    // `$m = Import-PSSession …` then `Import-Module $m -Global`.
                    let key = v.key();
                    for r in
                        a.ix.refs
                            .iter()
                            .filter(|r| r.var.key() == key && r.var.range.start > cs.stmt.range.end)
                    {
                        let holder = cmd_holding(a, &r.var.range);
                        match holder {
                            Some(h)
                                if h.cmd.is("Import-Module")
                                    && h.top
                                    && h.pipe.elems.len() == 1 =>
                            {
                                let b = bind(h.cmd, bind::IMPORT_MODULE);
                                if let Some(pv) = b.value("Prefix") {
                                    wrapper_prefix = Some(a.text(&pv.range).to_string());
                                }
                                extra_stmts.push(h.stmt.range.clone());
                            }
                            _ => g.uses008.push((
                                stmt_of(a, &r.var.range),
                                format!(
                                    "the module object {} returned by Import-PSSession is used",
                                    a.text(&r.var.range)
                                ),
                            )),
                        }
                    }
                }
                None => {
                    g.manual
                        .push("the import's result is stored in a slot".into());
                    return;
                }
            }
        }
        stmt_range = cs.stmt.range.clone();
    } else if let Some(parent) = cs.parent_cmd.filter(|p| p.is("Import-Module")) {
        let outer = a.ix.cmds.iter().find(|s| std::ptr::eq(s.cmd, parent));
        match outer {
            Some(o)
                if o.top
                    && o.elem == 0
                    && (o.pipe.elems.len() == 1
                        || (o.pipe.elems.len() == 2 && is_out_null(&o.pipe.elems[1])))
                    && o.pipe.assign.is_none() =>
            {
                let b = bind(parent, bind::IMPORT_MODULE);
                if let Some(pv) = b.value("Prefix") {
                    wrapper_prefix = Some(a.text(&pv.range).to_string());
                }
                stmt_range = o.stmt.range.clone();
            }
            _ => {
                g.manual
                    .push("the Import-Module wrapper is not a statement of its own".into());
                return;
            }
        }
    } else {
        g.manual
            .push("the import is nested in another expression".into());
        return;
    }

    let b = bind(c, bind::IMPORT_PSSESSION);
    let mut slots: Vec<&str> = ["Session", "CommandName", "FormatTypeName"]
        .into_iter()
        .filter(|s| !b.has(s))
        .collect();
    let mut command_name = b.value("CommandName").map(|v| a.text(&v.range).to_string());
    let mut format_type = b
        .value("FormatTypeName")
        .map(|v| a.text(&v.range).to_string());
    for p in &b.positional {
        if slots.is_empty() {
            g.manual
                .push("Import-PSSession has unexpected positional arguments".into());
            break;
        }
        let slot = slots.remove(0);
        match slot {
            "CommandName" => command_name = Some(a.text(&p.range).to_string()),
            "FormatTypeName" => format_type = Some(a.text(&p.range).to_string()),
            _ => {}
        }
    }
    // Everything after the session argument may move to the Connect call.
    g.moved.push(c.name_range.end..c.range.end);
    let mut prefix = b.value("Prefix").map(|v| a.text(&v.range).to_string());
    match (&prefix, &wrapper_prefix) {
        (None, Some(w)) => prefix = Some(w.clone()),
        (Some(p), Some(w)) if !p.eq_ignore_ascii_case(w) => g
            .manual
            .push("Import-PSSession and Import-Module give different prefixes".into()),
        _ => {}
    }
    if let Some(p) = &prefix {
        let bare = p.trim_matches(|c| c == '\'' || c == '"');
        if bare.is_empty() || !bare.chars().all(|c| c.is_ascii_alphanumeric()) {
            g.manual.push(format!(
                "the prefix {p} is not a static letters-and-digits name"
            ));
        } else if bare.eq_ignore_ascii_case("exo") {
            g.manual
                .push("the prefix EXO would clash with the module's own Get-EXO* cmdlets".into());
        }
    }
    for n in &b.named {
        let ln = n.name.to_ascii_lowercase();
        match ln.as_str() {
            "session"
            | "commandname"
            | "formattypename"
            | "prefix"
            | "allowclobber"
            | "disablenamechecking" => {}
            "erroraction" | "warningaction" => g.import_common.push(a.text(&n.range).to_string()),
            _ if n.common => {}
            _ => g.manual.push(format!(
                "Import-PSSession -{} has no modern equivalent",
                n.name
            )),
        }
    }
    for (old, new, label) in [
        (&mut g.prefix, prefix, "prefixes"),
        (&mut g.command_name, command_name, "command lists"),
        (&mut g.format_type, format_type, "format type lists"),
    ] {
        if let Some(n) = new {
            match old {
                Some(o) if *o != n => g.manual.push(format!(
                    "the session is imported twice with different {label}"
                )),
                _ => *old = Some(n),
            }
        }
    }
    if !g.import_stmts.contains(&stmt_range) {
        g.import_stmts.push(stmt_range);
    }
    for s in extra_stmts {
        if !g.import_stmts.contains(&s) {
            g.import_stmts.push(s);
        }
    }
}

fn cleanup_site(cs: &CmdSite, g: &mut GroupBuild) {
    let p = cs.pipe;
    if !cs.top || p.assign.is_some() || cs.elem + 1 != p.elems.len() || p.elems.len() > 2 {
        g.manual
            .push("the cleanup is part of a larger expression".into());
        return;
    }
    if !g.cleanup_stmts.contains(&cs.stmt.range) {
        g.cleanup_stmts.push(cs.stmt.range.clone());
    }
}

/// `Remove-PSSession -Name X`, `Get-PSSession -Name X | Remove-PSSession`, and other
/// `Get-PSSession -Name X` lookups for a session created with `-Name X`.
fn uses_by_name(a: &Analyzer, name: &str, g: &mut GroupBuild) {
    for cs in &a.ix.cmds {
        let c = cs.cmd;
        if c.is("Remove-PSSession") {
            let b = bind(c, bind::REMOVE_PSSESSION);
            if b.value("Name")
                .and_then(|v| v.literal())
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
            {
                cleanup_site(cs, g);
            }
        } else if c.is("Get-PSSession") {
            let b = bind(c, bind::GET_PSSESSION);
            let named = b
                .value("Name")
                .or_else(|| b.positional.first().copied())
                .and_then(|v| v.literal())
                .is_some_and(|n| n.eq_ignore_ascii_case(name));
            if !named {
                continue;
            }
            let next = cs.pipe.elems.get(cs.elem + 1);
            match next {
                Some(Elem::Cmd(rc))
                    if rc.is("Remove-PSSession")
                        && cs.elem == 0
                        && cs.pipe.elems.len() == 2
                        && cs.top =>
                {
                    if !g.cleanup_stmts.contains(&cs.stmt.range) {
                        g.cleanup_stmts.push(cs.stmt.range.clone());
                    }
                }
                _ => {
                    // `Import-PSSession (Get-PSSession -Name X)`: the import of a session that
                    // was created without keeping it in a variable.
                    let import = cs
                        .parent_cmd
                        .filter(|p| p.is("Import-PSSession") && cs.pipe.elems.len() == 1)
                        .and_then(|p| a.ix.cmds.iter().find(|o| std::ptr::eq(o.cmd, p)));
                    match import {
                        Some(outer) => {
                            import_site(a, outer, g);
                            g.named_import = true;
                        }
                        None => g.uses008.push((
                            cs.stmt.range.clone(),
                            format!("the session is looked up by name ({name})"),
                        )),
                    }
                }
            }
        }
    }
}

fn auth_part(
    a: &Analyzer,
    site: &CmdSite,
    kind: Kind,
    cred: Option<&Expr>,
    call: &mut Call,
    entries: &mut Vec<(String, String)>,
    g: &mut GroupBuild,
) {
    if cred.is_some()
        && !matches!(
            a.opts.auth,
            AuthPolicy::Credential | AuthPolicy::Interactive
        )
    {
        g.notes.push(
            "the statements that build the credential stay and may now be unused or still prompt"
                .into(),
        );
    }
    match &a.opts.auth {
        AuthPolicy::Credential => {
            if let Some(c) = cred {
                let t = a.text(&c.range).to_string();
                call.param("Credential", &t);
                entries.push(("Credential".into(), t));
            }
        }
        AuthPolicy::Interactive => {
            let user =
                cred.and_then(|c| creds::static_user(a.ix, a.src, c, c.range.start, &site.ctx));
            if let Some(u) = user {
                call.param("UserPrincipalName", &u);
                entries.push(("UserPrincipalName".into(), u));
            }
            if cred.is_some() {
                g.notes.push("--auth interactive: the statements that build the credential stay and may still prompt".into());
            }
        }
        AuthPolicy::Device => {
            if kind != Kind::Exo {
                g.manual.push("Connect-IPPSSession has no -Device".into());
            } else {
                call.switch("Device");
                entries.push(("Device".into(), "$true".into()));
                g.notes.push("-Device needs PowerShell 7".into());
            }
        }
        AuthPolicy::Certificate {
            app_id,
            organization,
            thumbprint,
            file,
        } => {
            call.literal("AppId", app_id);
            entries.push(("AppId".into(), squote(app_id)));
            if let Some(t) = thumbprint {
                call.literal("CertificateThumbprint", t);
                entries.push(("CertificateThumbprint".into(), squote(t)));
            } else if let Some(f) = file {
                call.literal("CertificateFilePath", f);
                entries.push(("CertificateFilePath".into(), squote(f)));
            }
            call.literal("Organization", organization);
            entries.push(("Organization".into(), squote(organization)));
        }
        AuthPolicy::ManagedIdentity {
            organization,
            account_id,
        } => {
            if kind != Kind::Exo {
                g.manual
                    .push("Connect-IPPSSession has no -ManagedIdentity".into());
            } else {
                call.switch("ManagedIdentity");
                entries.push(("ManagedIdentity".into(), "$true".into()));
                call.literal("Organization", organization);
                entries.push(("Organization".into(), squote(organization)));
                if let Some(id) = account_id {
                    call.literal("ManagedIdentityAccountId", id);
                    entries.push(("ManagedIdentityAccountId".into(), squote(id)));
                }
            }
        }
    }
}

/// Resolves `@p` to its hashtable: one literal definition in the same scope, plus `.Add()`,
/// index assignments and `+= @{…}` before the call.
fn splat<'a>(a: &Analyzer<'_, 'a>, v: &'a VarRef, site: &CmdSite<'a>) -> Result<Splat<'a>, String> {
    let ix = a.ix;
    let key = v.key();
    let defs: Vec<_> = ix
        .defs
        .iter()
        .filter(|d| d.key == key && d.pos < site.stmt.range.start && d.ctx.func == site.ctx.func)
        .collect();
    let base = defs
        .iter()
        .rev()
        .find(|d| d.op == "=")
        .ok_or("the splatted hashtable is not defined in this scope")?;
    let mut stmts = vec![base.stmt.range.clone()];
    let mut entries: Vec<PSrc<'a>> = Vec::new();
    let mut plus = Vec::new();
    let hash_entries = |e: &'a Expr| -> Option<&'a Vec<HashEntry>> {
        match &e.unparen().kind {
            ExprKind::Hash(h) => Some(h),
            _ => None,
        }
    };
    let push_hash = |h: &'a Vec<HashEntry>, entries: &mut Vec<PSrc<'a>>| {
        for en in h {
            let (name, known, common) = canon(&en.key);
            let value = en.value.as_ref().and_then(|p| match p.elems.as_slice() {
                [Elem::Expr(x)] => Some(x),
                _ => None,
            });
            entries.push(PSrc {
                name,
                known,
                common,
                value,
                text: a.text(&en.range).to_string(),
                origin: Origin::Entry(en.range.clone()),
            });
        }
    };
    let DefValue::Pipe(p) = &base.value else {
        return Err("the splatted hashtable is not a literal".into());
    };
    let [Elem::Expr(x)] = p.elems.as_slice() else {
        return Err("the splatted hashtable is not a literal".into());
    };
    let h = hash_entries(x).ok_or("the splatted hashtable is not a literal")?;
    push_hash(h, &mut entries);
    for d in defs.iter().filter(|d| d.pos > base.pos) {
        if d.op != "+=" {
            return Err("the splatted hashtable is redefined".into());
        }
        let DefValue::Pipe(p) = &d.value else {
            return Err("unexpected splat definition".into());
        };
        let [Elem::Expr(x)] = p.elems.as_slice() else {
            return Err("the hashtable is extended with a non-literal".into());
        };
        let h = hash_entries(x).ok_or("the hashtable is extended with a non-literal")?;
        push_hash(h, &mut entries);
        plus.push((
            d.stmt.range.clone(),
            h.iter().map(|e| e.range.clone()).collect(),
        ));
        stmts.push(d.stmt.range.clone());
    }
    // `.Add(k, v)` and `$p[k] = v` statements between the definition and the call.
    for st in &ix.stmts {
        let r = &st.stmt.range;
        if r.start <= base.pos || r.start >= site.stmt.range.start || st.ctx.func != site.ctx.func {
            continue;
        }
        let StmtKind::Pipeline(p) = &st.stmt.kind else {
            continue;
        };
        if let Some(asg) = &p.assign {
            if let ExprKind::Index { target, index } = &asg.target.kind {
                if target.as_var().is_some_and(|t| t.key() == key) {
                    let k = index.literal().ok_or("a hashtable key is not a literal")?;
                    let (name, known, common) = canon(&k);
                    let value = match p.elems.as_slice() {
                        [Elem::Expr(x)] => Some(x),
                        _ => None,
                    };
                    entries.push(PSrc {
                        name,
                        known,
                        common,
                        value,
                        text: a.text(r).to_string(),
                        origin: Origin::AddStmt {
                            stmt: r.clone(),
                            key: index.range.clone(),
                            form: AddForm::Index,
                        },
                    });
                    stmts.push(r.clone());
                }
            } else if let ExprKind::Member { target, .. } = &asg.target.kind {
                if target.as_var().is_some_and(|t| t.key() == key) {
                    return Err("the hashtable is modified through a property".into());
                }
            }
            continue;
        }
        if let [Elem::Expr(Expr {
            kind:
                ExprKind::Member {
                    target,
                    name,
                    args: Some(args),
                    ..
                },
            ..
        })] = p.elems.as_slice()
        {
            if target.as_var().is_some_and(|t| t.key() == key) {
                if !name.eq_ignore_ascii_case("add") || args.len() != 2 {
                    return Err(format!("the hashtable is modified with .{name}()"));
                }
                let k = args[0]
                    .literal()
                    .ok_or("a hashtable key is not a literal")?;
                let (cname, known, common) = canon(&k);
                entries.push(PSrc {
                    name: cname,
                    known,
                    common,
                    value: Some(&args[1]),
                    text: a.text(r).to_string(),
                    origin: Origin::AddStmt {
                        stmt: r.clone(),
                        key: args[0].range.clone(),
                        form: AddForm::Add,
                    },
                });
                stmts.push(r.clone());
            }
        }
    }
    // Every other use of the hashtable makes in-place editing unsafe to reason about.
    let mut not_editable = None;
    for r in ix
        .refs
        .iter()
        .filter(|r| r.var.key() == key && r.ctx.func == site.ctx.func)
    {
        let inside = stmts
            .iter()
            .any(|s| s.start <= r.var.range.start && r.var.range.end <= s.end);
        // Another New-PSSession splatting the same table: both groups edit it identically,
        // and the shared statements tie them into one unit (see `merge_shared`).
        let other_connection = ix.cmds.iter().any(|c| {
            (c.cmd.is("New-PSSession") || c.cmd.is("New-ExoPSSession"))
                && c.cmd.args.iter().any(|x| matches!(x, Arg::Value(e) if e.range == r.var.range && matches!(e.kind, ExprKind::Splat(_))))
        });
        if !inside && r.var.range != v.range && !other_connection {
            not_editable = Some("the splatted hashtable is used elsewhere".to_string());
        }
    }
    Ok(Splat {
        var: v,
        stmts,
        not_editable,
        plus,
        entries_params: entries,
    })
}

fn canon(key: &str) -> (String, bool, bool) {
    let k = key.trim_matches(|c| c == '\'' || c == '"');
    for (spec, common) in [(bind::NEW_PSSESSION, false), (bind::COMMON, true)] {
        for ps in spec {
            if ps.name.eq_ignore_ascii_case(k)
                || ps.aliases.iter().any(|x| x.eq_ignore_ascii_case(k))
            {
                return (ps.name.to_string(), true, common);
            }
        }
    }
    (k.to_string(), false, false)
}

/// Entry-by-entry edits of the splatted hashtable (C5). Returns false when some entry cannot
/// be handled.
fn splat_edits(
    a: &Analyzer,
    sp: &Splat,
    ep: &Endpoint,
    delegated: Option<&str>,
    auth_entries: &[(String, String)],
) -> (Vec<Edit>, bool) {
    let mut edits = Vec::new();
    let mut ok = true;
    let cloud: Vec<(String, String)> = cloud_params(ep.kind, ep.cloud, delegated.is_some())
        .into_iter()
        .map(|(k, v)| (k.to_string(), squote(&v)))
        .collect();
    let mut uri_new = cloud.clone();
    if let Some(d) = delegated {
        let v = if d.starts_with('$') || d.starts_with('"') || d.starts_with('\'') {
            d.to_string()
        } else {
            squote(d)
        };
        uri_new.push(("DelegatedOrganization".into(), v));
    }
    let cred_in_hash = sp.entries_params.iter().any(|p| p.name == "Credential");
    for p in &sp.entries_params {
        let action: Option<Vec<(String, String)>> = match p.name.as_str() {
            "ConfigurationName" | "Authentication" | "AllowRedirection" | "Name" => Some(vec![]),
            "ConnectionUri" => Some(uri_new.clone()),
            "Credential" => {
                if cred_in_hash && !matches!(a.opts.auth, AuthPolicy::Credential) {
                    Some(auth_entries.to_vec())
                } else {
                    None
                }
            }
            "SessionOption" => {
                // rename the key in place
                match &p.origin {
                    Origin::Entry(r) | Origin::AddStmt { key: r, .. } => {
                        let kr = match &p.origin {
                            Origin::Entry(_) => key_range_of(a, r),
                            _ => r.clone(),
                        };
                        let old = a.text(&kr);
                        let new = if old.starts_with(['\'', '"']) {
                            let q = &old[..1];
                            format!("{q}PSSessionOption{q}")
                        } else {
                            "PSSessionOption".to_string()
                        };
                        edits.push(Edit {
                            range: kr,
                            replacement: new,
                        });
                    }
                    Origin::Inline => {}
                }
                None
            }
            _ if p.common => None,
            _ => {
                ok = false;
                None
            }
        };
        let Some(new_entries) = action else { continue };
        match &p.origin {
            Origin::Entry(r) => edits.push(replace_entry(a, r, &new_entries)),
            Origin::AddStmt { stmt, form, .. } => {
                if new_entries.is_empty() {
                    edits.push(delete_stmt(a.src, stmt.clone()));
                } else {
                    let var = format!("${}", sp.var.name);
                    let indent = crate::edits::indent_of(a.src, stmt.start);
                    let eol = crate::edits::eol_at(a.src, stmt.start);
                    let lines: Vec<String> = new_entries
                        .iter()
                        .map(|(k, v)| match form {
                            AddForm::Add => format!("{var}.Add('{k}', {v})"),
                            AddForm::Index => format!("{var}['{k}'] = {v}"),
                        })
                        .collect();
                    edits.push(Edit {
                        range: stmt.clone(),
                        replacement: lines.join(&format!("{eol}{indent}")),
                    });
                }
            }
            Origin::Inline => {}
        }
    }
    // A `+=` statement whose entries all went: delete it whole.
    for (stmt, entries) in &sp.plus {
        let all_dropped = entries.iter().all(|r| {
            edits.iter().any(|e| {
                e.replacement.is_empty() && e.range.start <= r.start && r.end <= e.range.end
            })
        });
        if all_dropped && !entries.is_empty() {
            edits.retain(|e| !(stmt.start <= e.range.start && e.range.end <= stmt.end));
            edits.push(delete_stmt(a.src, stmt.clone()));
        }
    }
    (edits, ok)
}

fn key_range_of(a: &Analyzer, entry: &Range<usize>) -> Range<usize> {
    let t = a.text(entry);
    let end = t
        .find(|c: char| c == '=' || c.is_whitespace())
        .unwrap_or(t.len());
    entry.start..entry.start + end
}

fn replace_entry(a: &Analyzer, r: &Range<usize>, new: &[(String, String)]) -> Edit {
    if new.is_empty() {
        return delete_stmt(a.src, r.clone());
    }
    let own_line = {
        let ls = crate::edits::line_start(a.src, r.start);
        a.src[ls..r.start].trim().is_empty()
    };
    let eol = crate::edits::eol_at(a.src, r.start);
    let ind = crate::edits::indent_of(a.src, r.start);
    let sep = if own_line {
        format!("{eol}{ind}")
    } else {
        "; ".to_string()
    };
    let text = new
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(&sep);
    Edit {
        range: r.clone(),
        replacement: text,
    }
}

/// B3 "several groups": consecutive cleanup statements of different groups become one
/// Disconnect (a parameterless Disconnect closes every connection), so the groups' units merge.
fn merge_cleanups(a: &mut Analyzer, sum: &Summary) {
    let mut sites: Vec<(Range<usize>, usize)> = sum
        .online
        .iter()
        .filter_map(|g| g.unit.map(|u| (g, u)))
        .flat_map(|(g, u)| g.cleanups.iter().map(move |c| (c.clone(), u)))
        .collect();
    sites.sort_by_key(|(r, _)| r.start);
    let mut target_of: Vec<usize> = (0..a.out.units.len()).collect();
    let root = |t: &Vec<usize>, mut u: usize| {
        while t[u] != u {
            u = t[u];
        }
        u
    };
    for w in sites.windows(2) {
        let (r1, u1) = (&w[0].0, w[0].1);
        let (r2, u2) = (&w[1].0, w[1].1);
        let between = a.src.get(r1.end..r2.start).unwrap_or("x");
        if !between.chars().all(|c| c.is_whitespace() || c == ';') {
            continue;
        }
        let (k1, k2) = (root(&target_of, u1), root(&target_of, u2));
        if k1 == k2 {
            continue;
        }
        // The second cleanup is deleted; the first already became the Disconnect.
        let del = delete_stmt(a.src, r2.clone());
        let mut moved: Vec<Edit> = std::mem::take(&mut a.out.units[k2].edits)
            .into_iter()
            .map(|e| if e.range == *r2 { del.clone() } else { e })
            .collect();
        let appl = a.out.units[k1]
            .applicability
            .max(a.out.units[k2].applicability);
        a.out.units[k1].edits.append(&mut moved);
        crate::edits::normalize(&mut a.out.units[k1].edits);
        a.out.units[k1].applicability = appl;
        target_of[k2] = k1;
        for f in &mut a.out.findings {
            if f.unit == Some(k2) {
                f.unit = Some(k1);
                f.applicability = f.applicability.max(appl);
                for e in &mut f.edits {
                    if e.range == *r2 {
                        *e = del.clone();
                    }
                }
            }
            if f.unit == Some(k1) {
                f.applicability = f.applicability.max(appl);
            }
        }
    }
}

/// Creations that share an import or cleanup (a session assigned in both branches of an `if`)
/// form one group (B1): rewritten together, or all left alone when one of them cannot be.
fn merge_shared(a: &mut Analyzer, sum: &mut Summary) {
    let n = sum.online.len();
    let mut comp: Vec<usize> = (0..n).collect();
    fn root(c: &[usize], mut i: usize) -> usize {
        while c[i] != i {
            i = c[i];
        }
        i
    }
    for i in 0..n {
        for j in i + 1..n {
            let shared = sum.online[i]
                .members
                .iter()
                .any(|m| sum.online[j].members.contains(m));
            if shared {
                let (ri, rj) = (root(&comp, i), root(&comp, j));
                if ri != rj {
                    comp[rj] = ri;
                }
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        groups.entry(root(&comp, i)).or_default().push(i);
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let units: Vec<Option<usize>> = members.iter().map(|&i| sum.online[i].unit).collect();
        if units.iter().any(|u| u.is_none()) {
            // One definition is not rewritable: none is.
            for u in units.into_iter().flatten() {
                a.out.units[u].edits.clear();
                for f in &mut a.out.findings {
                    if f.unit == Some(u) {
                        f.unit = None;
                        f.edits.clear();
                        f.applicability = Applicability::Manual;
                        if matches!(
                            f.rule,
                            Rule::Exo001 | Rule::Exo002 | Rule::Exo005 | Rule::Exo006
                        ) {
                            f.message.push_str("; not rewritten: another definition of the same session cannot be rewritten");
                        }
                    }
                }
            }
            for &i in members {
                sum.online[i].unit = None;
                sum.online[i].applicability = Applicability::Manual;
            }
            continue;
        }
        let units: Vec<usize> = units.into_iter().flatten().collect();
        let Some((&first, rest)) = units.split_first() else {
            continue;
        };
        for &u in rest {
            if u == first {
                continue;
            }
            let mut moved = std::mem::take(&mut a.out.units[u].edits);
            a.out.units[first].edits.append(&mut moved);
            let appl = a.out.units[first]
                .applicability
                .max(a.out.units[u].applicability);
            a.out.units[first].applicability = appl;
            for f in &mut a.out.findings {
                if f.unit == Some(u) {
                    f.unit = Some(first);
                }
            }
        }
        let ok = crate::edits::normalize(&mut a.out.units[first].edits);
        let appl = a.out.units[first].applicability;
        for f in &mut a.out.findings {
            if f.unit == Some(first) {
                f.applicability = if ok { appl } else { Applicability::Manual };
                if !ok {
                    f.unit = None;
                    f.edits.clear();
                }
            }
        }
        if !ok {
            a.out.units[first].edits.clear();
        }
        for &i in members {
            sum.online[i].unit = if ok { Some(first) } else { None };
            sum.online[i].applicability = if ok { appl } else { Applicability::Manual };
        }
    }
}

/// `return $s` in a function: the callers' imports and cleanups in this file join the group
/// (B1), which becomes unsafe because the function now returns nothing.
fn returned_session(
    a: &Analyzer,
    r: &super::index::Ref,
    ctx: &super::index::Ctx,
    g: &mut GroupBuild,
    depth: usize,
) {
    let why =
        "the session is returned from a function; migrate the caller's import with it by hand";
    let Some(fid) = ctx.func else {
        g.manual.push(why.into());
        return;
    };
    // Only `return $s` itself: anything else built from the session needs a person.
    let plain = a.ix.stmts.iter().any(|s| match &s.stmt.kind {
        StmtKind::Flow {
            keyword,
            value: Some(p),
        } => {
            keyword == "return"
                && p.assign.is_none()
                && matches!(p.elems.as_slice(), [Elem::Expr(e)] if e.range == r.var.range)
        }
        _ => false,
    });
    let fname = a.ix.functions[fid]
        .name
        .rsplit(':')
        .next()
        .unwrap_or("")
        .to_string();
    if !plain || depth > 2 || fname.is_empty() {
        g.manual.push(why.into());
        return;
    }
    let mut callers = 0;
    for cs in a.ix.cmds.iter().filter(|c| c.cmd.is(&fname)) {
        callers += 1;
        if cs.top && cs.elem == 0 && cs.pipe.elems.len() == 1 {
            if let Some(v) = cs.pipe.assign.as_ref().and_then(|x| x.target.as_var()) {
                let t = Target::Var(v.key(), cs.stmt.range.end);
                uses_in(a, cs.stmt.range.end, &cs.ctx, &t, g, depth + 1);
                continue;
            }
        }
        if let Some(parent) = cs.parent_cmd.filter(|p| p.is("Import-PSSession")) {
            if let Some(outer) = a.ix.cmds.iter().find(|s| std::ptr::eq(s.cmd, parent)) {
                import_site(a, outer, g);
                continue;
            }
        }
        g.manual.push(format!(
            "the session returned by {fname} is used in a way that cannot be followed"
        ));
    }
    if callers == 0 {
        g.manual.push(why.into());
    } else {
        g.unsafe_why.push(format!("the session is returned from {fname}, which now returns nothing; its callers' import and cleanup are migrated with it"));
    }
}

/// A cleanup that ends one group while another group's connection is still cleaned up later:
/// a parameterless Disconnect would close that one too, so a prefixed group disconnects by
/// `-ModulePrefix`; otherwise the message warns (B3, recommended).
fn partial_disconnects(a: &mut Analyzer, sum: &Summary) {
    let plain = disconnect(&a.shadowed);
    for (gi, g) in sum.online.iter().enumerate() {
        let Some(u) = g.unit else { continue };
        for c in &g.cleanups {
            let later_other = sum.online.iter().enumerate().any(|(hi, h)| {
                hi != gi && h.unit != Some(u) && h.cleanups.iter().any(|hc| hc.start > c.end)
            });
            if !later_other {
                continue;
            }
            let new_text = g.prefix.as_ref().map(|p| {
                format!(
                    "{} -ModulePrefix {} -Confirm:$false",
                    a.shadowed.name("Disconnect-ExchangeOnline"),
                    p
                )
            });
            let note = match &new_text {
                Some(_) => "; only this prefix's connection is closed, another connection is still in use",
                None => "; a parameterless Disconnect also closes the other connections still in use later in the script",
            };
            for e in a.out.units[u]
                .edits
                .iter_mut()
                .filter(|e| e.range == *c && e.replacement == plain)
            {
                if let Some(t) = &new_text {
                    e.replacement = t.clone();
                }
            }
            for f in a
                .out
                .findings
                .iter_mut()
                .filter(|f| f.unit == Some(u) && f.range == *c && f.rule == Rule::Exo004)
            {
                for e in f.edits.iter_mut().filter(|e| e.replacement == plain) {
                    if let Some(t) = &new_text {
                        e.replacement = t.clone();
                    }
                }
                f.message.push_str(note);
            }
        }
    }
}
