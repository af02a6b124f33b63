//! Rules outside connection groups: cleanup pipelines that name no session (EXO004),
//! `Get-PSSession` checks (EXO008), the V1 MFA module (EXO006), shadowing functions (EXO010)
//! and plaintext secrets (SEC001).

use super::bind::{self, bind};
use super::endpoint::{classify, Class, Kind};
use super::groups::Summary;
use super::index::{CmdSite, DefValue};
use super::Analyzer;
use crate::edits::{delete_stmt, eol_at, indent_of, replace_stmt};
use crate::emit::{cloud_params, cmdlet_for, disconnect, Call};
use crate::model::*;
use crate::{Applicability, Edit, Rule, Severity};
use std::ops::Range;

pub fn run(a: &mut Analyzer, sum: &Summary) {
    cleanup_pipelines(a, sum);
    session_checks(a, sum);
    shadowing(a);
    secrets(a);
    v1_connect(a);
    v1_loader(a);
}

fn is_where(c: &Command) -> bool {
    c.is("Where-Object") || c.is("where") || c.is("?")
}

fn modern_connects(a: &Analyzer) -> (bool, bool) {
    let mut connect = false;
    let mut disconnect = false;
    for s in &a.ix.cmds {
        let n = s
            .cmd
            .name
            .rsplit('\\')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        connect |= n == "connect-exchangeonline" || n == "connect-ippssession";
        disconnect |= n == "disconnect-exchangeonline";
    }
    (connect, disconnect)
}

fn cleanup_pipelines(a: &mut Analyzer, sum: &Summary) {
    let (connect, disconnect_seen) = modern_connects(a);
    let legacy = !sum.online.is_empty();
    if !legacy && (!connect || disconnect_seen) {
        return;
    }
    let sites: Vec<usize> = (0..a.ix.cmds.len())
        .filter(|&i| {
            let s = &a.ix.cmds[i];
            s.cmd.is("Remove-PSSession")
                && s.top
                && s.elem > 0
                && s.elem + 1 == s.pipe.elems.len()
                && s.pipe.assign.is_none()
        })
        .collect();
    for i in sites {
        let s: &CmdSite = &a.ix.cmds[i];
        let Some(Elem::Cmd(first)) = s.pipe.elems.first() else {
            continue;
        };
        if !first.is("Get-PSSession") && !first.is("gsn") {
            continue;
        }
        let gb = bind(first, bind::GET_PSSESSION);
        if gb.has("Name") || gb.has("Id") || !gb.positional.is_empty() {
            continue;
        }
        if sum.claimed.contains(&s.stmt.range) {
            continue;
        }
        let mut filter = a.text(&first.range).to_ascii_lowercase();
        let mut filtered = gb.has("ConfigurationName") || gb.has("ComputerName");
        let mut ok = true;
        for e in &s.pipe.elems[1..s.elem] {
            match e {
                Elem::Cmd(c) if is_where(c) => {
                    filtered = true;
                    filter.push_str(&a.text(&c.range).to_ascii_lowercase());
                }
                _ => ok = false,
            }
        }
        if !ok {
            continue;
        }
        let online_only = filter.contains("outlook.com")
            || filter.contains("office365")
            || filter.contains("outlook.c");
        let exchange = filter.contains("microsoft.exchange") || online_only;
        if filtered && !exchange {
            // A filter for some other service (Skype, on-premises): not ours.
            continue;
        }
        let stmt = s.stmt.range.clone();
        // Already preceded by our inserted Disconnect: nothing to do.
        if previous_is_disconnect(a, &stmt) {
            continue;
        }
        // Next to a group's own cleanup: one Disconnect is enough, this statement goes.
        let neighbour = sum.online.iter().find_map(|g| {
            let u = g.unit?;
            g.cleanups
                .iter()
                .any(|c| adjacent(a.src, c, &stmt))
                .then_some((u, g.applicability))
        });
        if let Some((u, appl)) = neighbour {
            let del = delete_stmt(a.src, stmt.clone());
            a.out.units[u].edits.push(del.clone());
            if !crate::edits::normalize(&mut a.out.units[u].edits) {
                a.out.units[u].edits.retain(|e| *e != del);
            } else {
                a.finding(
                    Rule::Exo004,
                    stmt.clone(),
                    stmt.start,
                    Severity::Warning,
                    appl,
                    "this cleanup sits next to the session's own cleanup, which becomes `Disconnect-ExchangeOnline -Confirm:$false`; it is removed".into(),
                    vec![del],
                    Some(u),
                );
                continue;
            }
        }
        let worst = sum
            .online
            .iter()
            .map(|g| g.applicability)
            .max()
            .unwrap_or(Applicability::Safe);
        let closes_others = sum.other_sessions && !online_only;
        let text = disconnect(&a.shadowed);
        let (edit, mut appl, how) = if filtered && !closes_others {
            (
                replace_stmt(a.src, stmt.clone(), &text, &[]),
                Applicability::Safe,
                "replaced by",
            )
        } else if !closes_others && !sum.other_sessions {
            (
                replace_stmt(a.src, stmt.clone(), &text, &[]),
                Applicability::Unsafe,
                "replaced by",
            )
        } else {
            let ins = format!(
                "{text}{}{}",
                eol_at(a.src, stmt.start),
                indent_of(a.src, stmt.start)
            );
            (
                Edit {
                    range: stmt.start..stmt.start,
                    replacement: ins,
                },
                Applicability::Unsafe,
                "preceded by",
            )
        };
        appl = appl.max(worst);
        if a.is_blocked(&stmt) {
            appl = Applicability::Manual;
        }
        let unit = a.add_unit(vec![edit.clone()], appl);
        let appl = if unit.is_none() {
            Applicability::Manual
        } else {
            appl
        };
        let why = if filtered {
            "this cleanup removes Exchange sessions by filter"
        } else {
            "this cleanup removes every PSSession (Skype, on-premises, SharePoint too)"
        };
        a.finding(
            Rule::Exo004,
            stmt.clone(),
            stmt.start,
            Severity::Warning,
            appl,
            format!("{why}; the modern module creates no PSSession: {how} `{text}`"),
            if unit.is_some() { vec![edit] } else { vec![] },
            unit,
        );
    }
}

fn previous_is_disconnect(a: &Analyzer, stmt: &Range<usize>) -> bool {
    let Some(site) = a.ix.stmt_site(stmt) else {
        return false;
    };
    if site.idx == 0 {
        return false;
    }
    let prev = &site.block.stmts[site.idx - 1];
    a.text(&prev.range)
        .to_ascii_lowercase()
        .contains("disconnect-exchangeonline")
}

fn session_checks(a: &mut Analyzer, sum: &Summary) {
    if sum.online.is_empty() {
        return;
    }
    let mut seen: Vec<Range<usize>> = Vec::new();
    let mut found = Vec::new();
    for s in &a.ix.cmds {
        if !(s.cmd.is("Get-PSSession") || s.cmd.is("gsn")) {
            continue;
        }
        let gb = bind(s.cmd, bind::GET_PSSESSION);
        if gb.has("Name") || !gb.positional.is_empty() {
            continue; // by-name lookups are reported with their group
        }
        let ends_in_remove =
            matches!(s.pipe.elems.last(), Some(Elem::Cmd(c)) if c.is("Remove-PSSession"));
        if ends_in_remove {
            continue;
        }
        let r = s.stmt.range.clone();
        if seen.contains(&r) || sum.claimed.contains(&r) {
            continue;
        }
        seen.push(r.clone());
        found.push(r);
    }
    for r in found {
        let head = head_range(a, &r);
        a.finding(
            Rule::Exo008,
            head.clone(),
            head.start,
            Severity::Warning,
            Applicability::Manual,
            "Get-PSSession checks find no Exchange session after migrating (the modern module creates none); use Get-ConnectionInformation".into(),
            vec![],
            None,
        );
    }
}

/// For a compound statement, the range of its first line (findings point at the head).
fn head_range(a: &Analyzer, r: &Range<usize>) -> Range<usize> {
    let end = crate::edits::line_end(a.src, r.start).min(r.end);
    r.start..end.max(r.start)
}

fn shadowing(a: &mut Analyzer) {
    let hits: Vec<(Range<usize>, String)> =
        a.ix.functions
            .iter()
            .filter_map(|f| {
                let bare = f.name.rsplit(':').next().unwrap_or(&f.name);
                let l = bare.to_ascii_lowercase();
                matches!(
                    l.as_str(),
                    "connect-exchangeonline" | "disconnect-exchangeonline" | "connect-ippssession"
                )
                .then(|| (f.stmt.range.clone(), bare.to_string()))
            })
            .collect();
    for (r, name) in hits {
        let head = head_range(a, &r);
        a.finding(
            Rule::Exo010,
            head,
            r.start,
            Severity::Warning,
            Applicability::Manual,
            format!("function `{name}` shadows the ExchangeOnlineManagement cmdlet; rewritten calls use `ExchangeOnlineManagement\\{name}` (consider renaming the function)"),
            vec![],
            None,
        );
    }
}

fn secrets(a: &mut Analyzer) {
    let mut hits = Vec::new();
    for s in &a.ix.cmds {
        if !s.cmd.is("ConvertTo-SecureString") {
            continue;
        }
        let b = bind(s.cmd, bind::CONVERTTO_SECURESTRING);
        if !b.has("AsPlainText") {
            continue;
        }
        let Some(v) = b.value("String").or_else(|| b.positional.first().copied()) else {
            continue;
        };
        if v.unparen().literal().is_some() {
            hits.push((s.stmt.range.clone(), v.range.clone()));
        }
    }
    for (stmt, _v) in hits {
        let head = head_range(a, &stmt);
        a.finding(
            Rule::Sec001,
            head,
            stmt.start,
            Severity::Error,
            Applicability::Manual,
            "plaintext password or token in the script; use Get-Credential, SecretManagement or certificate-based app-only auth".into(),
            vec![],
            None,
        );
    }
}

fn v1_connect(a: &mut Analyzer) {
    let user_v1 = a.ix.function_names().any(|n| {
        let l = n.rsplit(':').next().unwrap_or(n).to_ascii_lowercase();
        l == "connect-exopssession"
    });
    // (statement, the modern call if one can be built, notes, reasons it is manual)
    type Job = (Range<usize>, Option<Call>, Vec<String>, Vec<String>);
    let mut jobs: Vec<Job> = Vec::new();
    for s in &a.ix.cmds {
        // `Import-Module (Connect-IPPSSession …) -Global` (V1): unwrap.
        if s.cmd.is("Import-Module")
            && s.top
            && s.elem == 0
            && s.pipe.elems.len() == 1
            && s.pipe.assign.is_none()
        {
            let b = bind(s.cmd, bind::IMPORT_MODULE);
            let inner = b
                .value("ModuleInfo")
                .or_else(|| b.positional.first().copied())
                .and_then(|e| e.paren_command());
            if let Some(c) = inner.filter(|c| c.is("Connect-IPPSSession")) {
                let mut call = Call::new(a.shadowed.name("Connect-IPPSSession"));
                let t = a.text(&c.range);
                let rest = t[c.name_range.end - c.range.start..].trim();
                if !rest.is_empty() {
                    call.raw(rest);
                }
                jobs.push((
                    s.stmt.range.clone(),
                    Some(call),
                    vec!["the modern Connect-IPPSSession returns nothing to import".into()],
                    vec![],
                ));
            }
            continue;
        }
        if user_v1 || !s.cmd.is("Connect-EXOPSSession") {
            continue;
        }
        let tail_ok = s.pipe.elems.len() == 1
            || (s.pipe.elems.len() == 2
                && matches!(&s.pipe.elems[1], Elem::Cmd(c) if c.is("Out-Null")));
        let assign_ok = s
            .pipe
            .assign
            .as_ref()
            .is_none_or(|x| x.target.as_var().is_some_and(|v| v.name == "null"));
        if !s.top || s.elem != 0 || !tail_ok || !assign_ok {
            jobs.push((
                s.stmt.range.clone(),
                None,
                vec![],
                vec!["the call is part of a larger expression".into()],
            ));
            continue;
        }
        let b = bind(s.cmd, bind::V1_CONNECT);
        let mut manual = Vec::new();
        let mut kind = Kind::Exo;
        let mut cloud_part = Vec::new();
        if let Some(uri) = b.value("ConnectionUri") {
            match uri
                .unparen()
                .literal()
                .map(|u| classify(&vec![super::endpoint::Piece::Lit(u)]))
            {
                Some(Class::Online(ep)) => {
                    kind = ep.kind;
                    cloud_part = cloud_params(ep.kind, ep.cloud, b.has("DelegatedOrganization"));
                }
                _ => {
                    manual.push("the -ConnectionUri is not a known Exchange Online endpoint".into())
                }
            }
        }
        let mut call = Call::new(a.shadowed.name(cmdlet_for(kind)));
        for (n, v) in cloud_part {
            call.literal(n, &v);
        }
        for name in [
            "UserPrincipalName",
            "Credential",
            "DelegatedOrganization",
            "PSSessionOption",
            "BypassMailboxAnchoring",
        ] {
            if let Some(n) = b.get(name) {
                call.raw(a.text(&n.range));
            }
        }
        for n in &b.named {
            if n.common {
                call.raw(a.text(&n.range));
            } else if !n.known {
                manual.push(format!(
                    "-{} is not a parameter of Connect-EXOPSSession",
                    n.name
                ));
            }
        }
        if !b.positional.is_empty() {
            manual.push("unexpected positional arguments".into());
        }
        jobs.push((s.stmt.range.clone(), Some(call), vec![], manual));
    }
    for (r, call, notes, manual) in jobs {
        let blocked = a.is_blocked(&r);
        let appl = if call.is_none() || !manual.is_empty() || blocked {
            Applicability::Manual
        } else {
            Applicability::Unsafe
        };
        let (edits, unit) = match (&call, appl) {
            (Some(c), Applicability::Unsafe) => {
                let e = replace_stmt(a.src, r.clone(), &c.render(), a.comments);
                let u = a.add_unit(vec![e.clone()], appl);
                (vec![e], u)
            }
            _ => (vec![], None),
        };
        let mut msg = match &call {
            Some(c) => format!("EXO V1 MFA module call; use `{}`", c.cmdlet),
            None => "EXO V1 MFA module call".to_string(),
        };
        if !manual.is_empty() {
            msg.push_str(&format!(" (not rewritten: {})", manual.join("; ")));
        }
        for n in notes {
            msg.push_str("; ");
            msg.push_str(&n);
        }
        let head = head_range(a, &r);
        a.finding(
            Rule::Exo006,
            head,
            r.start,
            Severity::Error,
            if unit.is_some() {
                appl
            } else {
                Applicability::Manual
            },
            msg,
            edits,
            unit,
        );
    }
}

fn mentions_v1(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    l.contains("createexopssession") || l.contains("exopowershellmodule")
}

fn v1_loader(a: &mut Analyzer) {
    let mut jobs: Vec<(Range<usize>, Vec<Edit>, Option<String>)> = Vec::new();
    let mut consumed: Vec<Range<usize>> = Vec::new();
    for st in &a.ix.stmts {
        let StmtKind::Pipeline(p) = &st.stmt.kind else {
            continue;
        };
        let Some(asg) = &p.assign else { continue };
        let Some(first) = p.first_cmd() else { continue };
        let search = ["get-childitem", "gci", "dir", "ls"]
            .iter()
            .any(|n| first.is(n));
        if !search || !mentions_v1(a.text(&st.stmt.range)) {
            continue;
        }
        let Some(var) = asg.target.as_var() else {
            jobs.push((
                st.stmt.range.clone(),
                vec![],
                Some("the search result is not kept in a variable".into()),
            ));
            continue;
        };
        let key = var.key();
        // Load statements: later siblings in the same block that use the variable.
        let mut loads: Vec<Range<usize>> = Vec::new();
        let mut why = None;
        for r in
            a.ix.refs
                .iter()
                .filter(|r| r.var.key() == key && r.var.range.start > st.stmt.range.end)
        {
            let sib = st
                .block
                .stmts
                .iter()
                .find(|s| s.range.start <= r.var.range.start && r.var.range.end <= s.range.end);
            let Some(sib) = sib else {
                why = Some(format!(
                    "{} is used outside the loader block",
                    a.text(&var.range)
                ));
                break;
            };
            let is_load = match &sib.kind {
                StmtKind::Pipeline(lp) => {
                    lp.assign.is_none()
                        && lp.elems.len() == 1
                        && lp.first_cmd().is_some_and(|c| {
                            c.invocation == Some('.')
                                || c.is("Import-Module")
                                || c.is("New-Module")
                                || c.is("ipmo")
                        })
                }
                _ => false,
            };
            if !is_load {
                why = Some(format!("{} has other uses", a.text(&var.range)));
                break;
            }
            if !loads.contains(&sib.range) {
                loads.push(sib.range.clone());
            }
        }
        if why.is_none() && loads.is_empty() {
            why = Some("no load statement follows the search".into());
        }
        let blocked = a.is_blocked(&st.stmt.range) || loads.iter().any(|l| a.is_blocked(l));
        if blocked {
            why = Some("the loader touches a syntax error".into());
        }
        let mut edits = Vec::new();
        if why.is_none() {
            edits.push(replace_stmt(
                a.src,
                st.stmt.range.clone(),
                "Import-Module ExchangeOnlineManagement",
                a.comments,
            ));
            for l in &loads {
                edits.push(delete_stmt(a.src, l.clone()));
            }
            consumed.extend(loads);
        }
        jobs.push((st.stmt.range.clone(), edits, why));
    }
    // A dot-source or Import-Module of a hard-coded V1 path, with no search before it.
    for s in &a.ix.cmds {
        if !s.top || s.elem != 0 || s.pipe.elems.len() != 1 || s.pipe.assign.is_some() {
            continue;
        }
        let load = s.cmd.invocation == Some('.') || s.cmd.is("Import-Module") || s.cmd.is("ipmo");
        if !load || !mentions_v1(a.text(&s.cmd.range)) || consumed.contains(&s.stmt.range) {
            continue;
        }
        if jobs.iter().any(|(r, _, _)| *r == s.stmt.range) {
            continue;
        }
        // Loading through a variable from a search is handled above.
        let via_var = a.ix.refs.iter().any(|r| {
            s.cmd.range.start <= r.var.range.start
                && r.var.range.end <= s.cmd.range.end
                && !matches!(
                    a.ix.reaching(&r.var.key(), r.var.range.start, &s.ctx)
                        .first()
                        .map(|d| &d.value),
                    None | Some(DefValue::Param(_)) | Some(DefValue::Opaque)
                )
        });
        if via_var {
            continue;
        }
        jobs.push((
            s.stmt.range.clone(),
            vec![replace_stmt(
                a.src,
                s.stmt.range.clone(),
                "Import-Module ExchangeOnlineManagement",
                &[],
            )],
            None,
        ));
    }
    for (r, edits, why) in jobs {
        let appl = if why.is_some() || edits.is_empty() {
            Applicability::Manual
        } else {
            Applicability::Unsafe
        };
        let unit = a.add_unit(edits.clone(), appl);
        let appl = if unit.is_none() {
            Applicability::Manual
        } else {
            appl
        };
        let mut msg =
            "EXO V1 MFA module loader (ClickOnce); the ExchangeOnlineManagement module replaces it"
                .to_string();
        if let Some(w) = why {
            msg.push_str(&format!(" (not rewritten: {w})"));
        }
        msg.push_str("; presence checks, install prompts and `winrm … Basic=\"true\"` are left for review (WinRM Basic is not needed in REST mode)");
        let head = head_range(a, &r);
        a.finding(
            Rule::Exo006,
            head,
            r.start,
            Severity::Error,
            appl,
            msg,
            if unit.is_some() { edits } else { vec![] },
            unit,
        );
    }
}

/// Two statements with only whitespace or `;` between them.
fn adjacent(src: &str, x: &Range<usize>, y: &Range<usize>) -> bool {
    let (first, second) = if x.start < y.start { (x, y) } else { (y, x) };
    first.end <= second.start
        && src
            .get(first.end..second.start)
            .is_some_and(|t| t.chars().all(|c| c.is_whitespace() || c == ';'))
}
