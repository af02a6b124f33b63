//! Following a credential to where it was built: a static user name (for
//! `--auth interactive` and token flows) and an OAuth token smuggled as the password.

use super::bind::{self, bind};
use super::index::{Ctx, DefValue, Index};
use crate::model::*;

pub enum CredSrc<'a> {
    GetCredential(&'a Command),
    PsCredential {
        user: &'a Expr,
        password: &'a Expr,
    },
    /// A user name given directly (`-Credential user@x`), which prompts for the password.
    UserName(&'a Expr),
}

/// Where the credential expression was built, through at most a few single definitions.
pub fn source<'a>(
    ix: &Index<'a>,
    e: &'a Expr,
    pos: usize,
    ctx: &Ctx,
    depth: usize,
) -> Option<CredSrc<'a>> {
    if depth > 6 {
        return None;
    }
    let e = e.unparen();
    if let Some(c) = e.paren_command() {
        return from_command(c);
    }
    match &e.kind {
        ExprKind::Var(v) => {
            let defs = ix.reaching(&v.key(), pos, ctx);
            let [d] = defs.as_slice() else { return None };
            match &d.value {
                DefValue::Pipe(p) if d.op == "=" => match p.elems.as_slice() {
                    [Elem::Cmd(c)] => from_command(c),
                    [Elem::Expr(x)] => source(ix, x, d.pos, &d.ctx, depth + 1),
                    _ => None,
                },
                DefValue::Param(Some(x)) => source(ix, x, d.pos, &d.ctx, depth + 1),
                _ => None,
            }
        }
        ExprKind::Member {
            target,
            name,
            is_static: true,
            args: Some(args),
        } if name.eq_ignore_ascii_case("new")
            && is_pscredential_type(target)
            && args.len() == 2 =>
        {
            Some(CredSrc::PsCredential {
                user: &args[0],
                password: &args[1],
            })
        }
        ExprKind::Str { .. } => Some(CredSrc::UserName(e)),
        _ => None,
    }
}

fn is_pscredential_type(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::TypeLit(t) => t.to_ascii_lowercase().ends_with("pscredential"),
        _ => false,
    }
}

fn from_command(c: &Command) -> Option<CredSrc<'_>> {
    if c.is("Get-Credential") {
        return Some(CredSrc::GetCredential(c));
    }
    if c.is("New-Object") {
        let b = bind(c, bind::NEW_OBJECT);
        let mut pos = b.positional.iter();
        let ty = match b.value("TypeName") {
            Some(t) => Some(t),
            None => pos.next().copied(),
        }?;
        let ty = ty.literal()?;
        if !ty.to_ascii_lowercase().ends_with("pscredential") {
            return None;
        }
        let args = match b.value("ArgumentList") {
            Some(a) => Some(a),
            None => pos.next().copied(),
        }?;
        let items = list_items(args);
        if let [u, p] = items.as_slice() {
            return Some(CredSrc::PsCredential {
                user: u,
                password: p,
            });
        }
    }
    None
}

/// The elements of `a, b` or `(a, b)`.
pub fn list_items(e: &Expr) -> Vec<&Expr> {
    let e = e.unparen();
    let inner = if let ExprKind::Paren(p) = &e.kind {
        match p.elems.as_slice() {
            [Elem::Expr(x)] => x,
            _ => return vec![e],
        }
    } else {
        e
    };
    match &inner.kind {
        ExprKind::Binary { operands, ops } if ops.iter().all(|o| o == ",") => {
            operands.iter().collect()
        }
        _ => vec![inner],
    }
}

/// The statically known user name of a credential, as source text (quoting kept).
pub fn static_user<'a>(
    ix: &Index<'a>,
    src: &str,
    cred: &'a Expr,
    pos: usize,
    ctx: &Ctx,
) -> Option<String> {
    let lit = |e: &Expr| e.literal().map(|_| src[e.range.clone()].to_string());
    match source(ix, cred, pos, ctx, 0)? {
        CredSrc::GetCredential(c) => {
            let b = bind(c, bind::GET_CREDENTIAL);
            let v = b
                .value("UserName")
                .or_else(|| b.value("Credential"))
                .or_else(|| b.positional.first().copied())?;
            lit(v)
        }
        CredSrc::PsCredential { user, .. } => lit(user.unparen()),
        CredSrc::UserName(e) => lit(e),
    }
}

pub enum Token {
    /// The token expression to emit after `-AccessToken`.
    Found(String),
    NotTraced(String),
}

/// Traces the password of a credential to `ConvertTo-SecureString <E> -AsPlainText` and
/// extracts the token expression from `E` (`"Bearer $(X)"`, `"Bearer $X"`, `'Bearer ' + X`).
pub fn token<'a>(ix: &Index<'a>, src: &str, cred: &'a Expr, pos: usize, ctx: &Ctx) -> Token {
    let Some(CredSrc::PsCredential { password, .. }) = source(ix, cred, pos, ctx, 0) else {
        return Token::NotTraced(
            "the credential is not built from a PSCredential in this file".into(),
        );
    };
    let pw = password.unparen();
    let conv: Option<&Command> = if let Some(c) = pw.paren_command() {
        Some(c)
    } else if let Some(v) = pw.as_var() {
        let defs = ix.reaching(&v.key(), pos, ctx);
        match defs.as_slice() {
            [d] => match &d.value {
                DefValue::Pipe(p) => match p.elems.as_slice() {
                    [Elem::Cmd(c)] => Some(c),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    } else {
        None
    };
    let Some(conv) = conv.filter(|c| c.is("ConvertTo-SecureString")) else {
        return Token::NotTraced(
            "the password does not come from ConvertTo-SecureString in this file".into(),
        );
    };
    let b = bind(conv, bind::CONVERTTO_SECURESTRING);
    if !b.has("AsPlainText") {
        return Token::NotTraced("the password is not converted with -AsPlainText".into());
    }
    let Some(e) = b.value("String").or_else(|| b.positional.first().copied()) else {
        return Token::NotTraced("no token expression found".into());
    };
    Token::Found(token_expr(src, e))
}

fn token_expr(src: &str, e: &Expr) -> String {
    let text = |r: &std::ops::Range<usize>| src[r.clone()].to_string();
    if let ExprKind::Str { parts, quote, .. } = &e.kind {
        if *quote != Quote::Single {
            if let [StrPart::Lit(l), rest] = parts.as_slice() {
                if l.trim().eq_ignore_ascii_case("bearer") {
                    match rest {
                        StrPart::Var(v) => return text(&v.range),
                        StrPart::Sub(r, _) => {
                            let inner =
                                src[r.start + 2..r.end.saturating_sub(1)].trim().to_string();
                            return wrap_if_needed(&inner);
                        }
                        StrPart::Lit(_) => {}
                    }
                }
            }
        }
    }
    if let ExprKind::Binary { operands, ops } = &e.kind {
        if ops.len() == 1 && ops[0] == "+" {
            if let Some(l) = operands[0].literal() {
                if l.trim().eq_ignore_ascii_case("bearer") {
                    return wrap_if_needed(&text(&operands[1].range));
                }
            }
        }
    }
    if e.literal().is_some() {
        return text(&e.range);
    }
    wrap_if_needed(&text(&e.range))
}

/// A variable or member chain as written; anything else in parentheses.
fn wrap_if_needed(t: &str) -> String {
    let simple = t.strip_prefix('$').is_some_and(|r| {
        !r.is_empty()
            && r.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | ':'))
    });
    if simple {
        t.to_string()
    } else {
        format!("({t})")
    }
}
