//! Resolving a `-ConnectionUri` value to text (through reaching definitions, interpolation
//! and concatenation) and classifying it: online (kind + cloud), on-premises, or unknown.

use super::index::{Ctx, DefValue, Index};
use crate::model::*;

/// A piece of a resolved string: known text, or source text we could not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Lit(String),
    Hole(String),
}

pub type SVal = Vec<Piece>;

const MAX_DEPTH: usize = 8;
const MAX_CANDIDATES: usize = 16;

pub struct Resolver<'i, 'a> {
    pub ix: &'i Index<'a>,
    pub src: &'i str,
}

impl<'i, 'a> Resolver<'i, 'a> {
    /// Every value the expression may have; a `Hole` marks what stayed unknown.
    pub fn resolve(&self, e: &Expr, pos: usize, ctx: &Ctx, depth: usize) -> Vec<SVal> {
        let hole = || vec![vec![Piece::Hole(self.src[e.range.clone()].to_string())]];
        if depth > MAX_DEPTH {
            return hole();
        }
        match &e.kind {
            ExprKind::Str { parts, .. } => {
                let mut acc: Vec<SVal> = vec![Vec::new()];
                for p in parts {
                    let alts: Vec<SVal> = match p {
                        StrPart::Lit(t) => vec![vec![Piece::Lit(t.clone())]],
                        StrPart::Var(v) => {
                            let r = self.resolve_var(v, pos, ctx, depth + 1);
                            if r.len() == 1 {
                                r
                            } else {
                                vec![vec![Piece::Hole(self.src[v.range.clone()].to_string())]]
                            }
                        }
                        StrPart::Sub(r, _) => {
                            vec![vec![Piece::Hole(self.src[r.clone()].to_string())]]
                        }
                    };
                    acc = product(&acc, &alts);
                }
                acc.into_iter().map(normalize).collect()
            }
            ExprKind::Var(v) => self.resolve_var(v, pos, ctx, depth + 1),
            ExprKind::Paren(_) => match e.unparen() {
                inner if !std::ptr::eq(inner, e) => self.resolve(inner, pos, ctx, depth + 1),
                _ => hole(),
            },
            ExprKind::Binary { operands, ops } if ops.iter().all(|o| o == "+") => {
                let mut acc: Vec<SVal> = vec![Vec::new()];
                for o in operands {
                    let alts = self.resolve(o, pos, ctx, depth + 1);
                    acc = product(&acc, &alts);
                }
                acc.into_iter().map(normalize).collect()
            }
            ExprKind::Cast { ty, operand }
                if ty.eq_ignore_ascii_case("string") || ty.eq_ignore_ascii_case("uri") =>
            {
                self.resolve(operand, pos, ctx, depth + 1)
            }
            _ => hole(),
        }
    }

    pub fn resolve_var(&self, v: &VarRef, pos: usize, ctx: &Ctx, depth: usize) -> Vec<SVal> {
        let hole = || vec![vec![Piece::Hole(self.src[v.range.clone()].to_string())]];
        if depth > MAX_DEPTH {
            return hole();
        }
        let defs = self.ix.reaching(&v.key(), pos, ctx);
        if defs.is_empty() {
            return hole();
        }
        let mut out: Vec<SVal> = Vec::new();
        for d in defs {
            let vals = match &d.value {
                DefValue::Pipe(p) => {
                    let mut vals = match p.elems.as_slice() {
                        [Elem::Expr(x)] => self.resolve(x, d.pos, &d.ctx, depth + 1),
                        _ => hole(),
                    };
                    if d.op == "+=" {
                        let before = self.resolve_var(v, d.pos, &d.ctx, depth + 1);
                        vals = product(&before, &vals).into_iter().map(normalize).collect();
                    } else if d.op != "=" {
                        vals = hole();
                    }
                    vals
                }
                DefValue::Param(Some(x)) => self.resolve(x, d.pos, &d.ctx, depth + 1),
                DefValue::Param(None) | DefValue::Opaque => hole(),
            };
            for v in vals {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            if out.len() > MAX_CANDIDATES {
                return hole();
            }
        }
        out
    }
}

fn product(a: &[SVal], b: &[SVal]) -> Vec<SVal> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let mut v = x.clone();
            v.extend(y.iter().cloned());
            out.push(v);
            if out.len() > MAX_CANDIDATES {
                return out;
            }
        }
    }
    out
}

fn normalize(v: SVal) -> SVal {
    let mut out: SVal = Vec::new();
    for p in v {
        match (out.last_mut(), p) {
            (Some(Piece::Lit(a)), Piece::Lit(b)) => a.push_str(&b),
            (_, Piece::Lit(b)) if b.is_empty() => {}
            (_, p) => out.push(p),
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Exo,
    Scc,
    Eop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Commercial,
    GccHigh,
    DoD,
    China,
    Germany,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub kind: Kind,
    pub cloud: Cloud,
    pub host: String,
    /// (lower-cased key, value) pairs of the query.
    pub query: Vec<(String, SVal)>,
    /// The query held `&amp;` (copied from a web page).
    pub amp_entity: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    Online(Endpoint),
    OnPrem(String),
    Unknown(String),
}

pub fn host_table(host: &str) -> Option<(Kind, Cloud)> {
    let h = host.to_ascii_lowercase();
    let h = h.trim_end_matches('.');
    Some(match h {
        "outlook.office365.com" | "ps.outlook.com" => (Kind::Exo, Cloud::Commercial),
        "outlook.office365.us" => (Kind::Exo, Cloud::GccHigh),
        "webmail.apps.mil" | "outlook-dod.office365.us" => (Kind::Exo, Cloud::DoD),
        "partner.outlook.cn" => (Kind::Exo, Cloud::China),
        "outlook.office.de" => (Kind::Exo, Cloud::Germany),
        "ps.compliance.protection.outlook.com" => (Kind::Scc, Cloud::Commercial),
        "ps.compliance.protection.office365.us" => (Kind::Scc, Cloud::GccHigh),
        "l5.ps.compliance.protection.office365.us" => (Kind::Scc, Cloud::DoD),
        "ps.compliance.protection.partner.outlook.cn" => (Kind::Scc, Cloud::China),
        "ps.compliance.protection.outlook.de" => (Kind::Scc, Cloud::Germany),
        "ps.protection.outlook.com" => (Kind::Eop, Cloud::Commercial),
        "ps.protection.outlook.de" => (Kind::Eop, Cloud::Germany),
        _ => {
            let pod = h
                .strip_prefix("pod")
                .and_then(|r| r.strip_suffix("psh.outlook.com"))
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            if pod {
                (Kind::Exo, Cloud::Commercial)
            } else {
                return None;
            }
        }
    })
}

/// Classifies one resolved URI value.
pub fn classify(v: &SVal) -> Class {
    // Work on the leading literal; holes after the host only matter in the query.
    let first_lit = match v.first() {
        Some(Piece::Lit(t)) => t.trim_start().to_string(),
        _ => return Class::Unknown("the connection URI is not known statically".into()),
    };
    let lower = first_lit.to_ascii_lowercase();
    let (scheme, rest_start) = match lower.find("://") {
        Some(i) => (lower[..i].to_string(), i + 3),
        None => {
            if v.len() > 1 {
                return Class::Unknown("the connection URI is not known statically".into());
            }
            return Class::OnPrem(format!("`{first_lit}` is not an Exchange Online URI"));
        }
    };
    if scheme == "http" {
        return Class::OnPrem("plain http is only used by on-premises Exchange".into());
    }
    let after = &first_lit[rest_start..];
    let host_end = after.find(['/', '?', ':']).unwrap_or(after.len());
    if host_end == after.len() && v.len() > 1 {
        return Class::Unknown("the host of the connection URI is not known statically".into());
    }
    let host = &after[..host_end];
    let Some((kind, cloud)) = host_table(host) else {
        if scheme != "https" {
            return Class::Unknown(format!("unexpected URI scheme `{scheme}`"));
        }
        return Class::OnPrem(format!("`{host}` is not an Exchange Online host"));
    };
    // Rebuild the text after the host, keeping holes, and split off the query.
    let mut tail: SVal = vec![Piece::Lit(after[host_end..].to_string())];
    tail.extend(v.iter().skip(1).cloned());
    // The path is not checked: any path on an online host is that host's endpoint.
    let mut query_pieces: SVal = Vec::new();
    let mut in_query = false;
    for p in tail {
        match p {
            Piece::Lit(t) if !in_query => {
                if let Some(i) = t.find('?') {
                    in_query = true;
                    query_pieces.push(Piece::Lit(t[i + 1..].to_string()));
                }
            }
            Piece::Hole(h) if !in_query => {
                return Class::Unknown(format!(
                    "the URI path contains `{h}`, which is not known statically"
                ))
            }
            p => query_pieces.push(p),
        }
    }
    let (query, amp_entity) = split_query(&query_pieces);
    Class::Online(Endpoint {
        kind,
        cloud,
        host: host.to_ascii_lowercase(),
        query,
        amp_entity,
    })
}

fn split_query(pieces: &SVal) -> (Vec<(String, SVal)>, bool) {
    let mut amp = false;
    let mut items: Vec<SVal> = vec![Vec::new()];
    for p in pieces {
        match p {
            Piece::Lit(t) => {
                let t = if t.to_ascii_lowercase().contains("&amp;") {
                    amp = true;
                    t.replace("&amp;", "&").replace("&AMP;", "&")
                } else {
                    t.clone()
                };
                let mut first = true;
                for seg in t.split(['&', ';']) {
                    if !first {
                        items.push(Vec::new());
                    }
                    first = false;
                    if !seg.is_empty() {
                        if let Some(last) = items.last_mut() {
                            last.push(Piece::Lit(seg.to_string()));
                        }
                    }
                }
            }
            h => {
                if let Some(last) = items.last_mut() {
                    last.push(h.clone());
                }
            }
        }
    }
    let mut out = Vec::new();
    for it in items {
        let it = normalize(it);
        if it.is_empty() {
            continue;
        }
        match it.first() {
            Some(Piece::Lit(t)) => {
                let t = t.trim_start();
                match t.split_once('=') {
                    Some((k, v)) => {
                        let mut val = Vec::new();
                        if !v.is_empty() {
                            val.push(Piece::Lit(v.to_string()));
                        }
                        val.extend(it.iter().skip(1).cloned());
                        out.push((k.trim().to_ascii_lowercase(), val));
                    }
                    None => out.push((t.trim().to_ascii_lowercase(), it[1..].to_vec())),
                }
            }
            _ => out.push((String::new(), it)),
        }
    }
    (out, amp)
}

/// Renders a resolved value as a PowerShell argument: literal → bare word or single-quoted; a
/// lone variable → the variable; other interpolation → a double-quoted string.
pub fn render_value(v: &SVal) -> String {
    match v.as_slice() {
        [Piece::Lit(t)] => quote_arg(t),
        [Piece::Hole(h)] if is_simple_var(h) => h.clone(),
        _ => {
            let mut s = String::from("\"");
            for p in v {
                match p {
                    Piece::Lit(t) => {
                        for c in t.chars() {
                            if matches!(c, '"' | '`' | '$') {
                                s.push('`');
                            }
                            s.push(c);
                        }
                    }
                    Piece::Hole(h) => s.push_str(h),
                }
            }
            s.push('"');
            s
        }
    }
}

fn is_simple_var(h: &str) -> bool {
    h.strip_prefix('$').is_some_and(|r| {
        !r.is_empty()
            && r.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

/// A literal as a command argument: bare when that is unambiguous, else single-quoted.
pub fn quote_arg(t: &str) -> String {
    let bare = !t.is_empty()
        && !t.starts_with(['-', '@', '$', '#', '\''])
        && t.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@' | ':' | '/' | '\\')
        });
    if bare {
        t.to_string()
    } else {
        format!("'{}'", t.replace('\'', "''"))
    }
}

pub fn svals_text(v: &SVal) -> String {
    v.iter()
        .map(|p| match p {
            Piece::Lit(t) => t.as_str(),
            Piece::Hole(h) => h.as_str(),
        })
        .collect()
}
