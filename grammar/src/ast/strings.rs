//! String literals: quote kinds, expandable parts and PowerShell's escape rules.

use std::ops::Range;

use super::Variable;
use crate::syntax::{SyntaxElement, SyntaxKind as K, SyntaxNode};

/// How a string was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringKind {
    /// A bare word in argument mode: `Basic`, `https://x/?a=$b`.
    Bare,
    /// `'…'` (or typographic single quotes).
    Single,
    /// `"…"` (or typographic double quotes).
    Double,
    /// `@'…'@`
    HereSingle,
    /// `@"…"@`
    HereDouble,
}

/// One piece of an expandable string or bare word.
#[derive(Clone, Debug)]
pub enum StringPart<'a> {
    /// Literal text with escapes decoded.
    Literal(String),
    /// `$name` inside the string (`$x.y` in a string is `$x` then literal `.y`).
    Variable(Variable),
    /// `$( … )`
    SubExpression(&'a SyntaxNode),
    /// Another expression glued into a bare word (`$x.y` leading an argument, a number…).
    Expression(&'a SyntaxElement),
}

/// A string-like literal with its decoded value when it has no interpolation.
#[derive(Clone, Debug)]
pub struct StringLiteral<'a> {
    pub kind: StringKind,
    pub span: Range<usize>,
    /// The opening quote as written (`"`, `“`, `@"`, …); empty for bare words.
    pub open_quote: String,
    /// The closing quote as written; empty for bare words and unterminated strings.
    pub close_quote: String,
    pub parts: Vec<StringPart<'a>>,
    /// The value with escapes decoded, when no part needs evaluation.
    pub value: Option<String>,
}

impl<'a> StringLiteral<'a> {
    pub fn from_element(element: &'a SyntaxElement, src: &str) -> Option<StringLiteral<'a>> {
        let span = element.span();
        let text = element.text(src);
        match element {
            SyntaxElement::Token(t) => match t.kind {
                K::BareWord => Some(literal(StringKind::Bare, span, "", "", decode_bare(text))),
                K::SingleQuotedString => {
                    let mut chars = text.chars();
                    let open = chars.next()?;
                    let rest = chars.as_str();
                    let (body, close) = split_single_close(rest);
                    Some(literal(
                        StringKind::Single,
                        span,
                        &open.to_string(),
                        close,
                        decode_single(body),
                    ))
                }
                K::HereSingleQuotedString => {
                    let (open, body, close) = split_here(text);
                    Some(literal(
                        StringKind::HereSingle,
                        span,
                        open,
                        close,
                        body.to_owned(),
                    ))
                }
                _ => None,
            },
            SyntaxElement::Node(n) => match n.kind {
                K::ExpandableString | K::HereExpandableString => {
                    let here = n.kind == K::HereExpandableString;
                    let delimiters: Vec<&str> = n
                        .child_tokens()
                        .filter(|t| t.kind == K::StringDelimiter)
                        .map(|t| t.text(src))
                        .collect();
                    let open = delimiters.first().copied().unwrap_or("");
                    let close = if delimiters.len() > 1 {
                        delimiters.last().copied().unwrap_or("")
                    } else {
                        ""
                    };
                    let mut parts = Vec::new();
                    collect_parts(n, src, here, &mut parts);
                    let kind = if here {
                        StringKind::HereDouble
                    } else {
                        StringKind::Double
                    };
                    Some(with_parts(
                        kind,
                        span,
                        open.trim_end_matches(['\r', '\n', ' ', '\t']),
                        close.trim_start_matches(['\r', '\n']),
                        parts,
                    ))
                }
                K::ExpandableWord => {
                    let mut parts = Vec::new();
                    for child in n.children.iter() {
                        match child {
                            SyntaxElement::Token(t) if t.kind == K::BareWord => {
                                parts.push(StringPart::Literal(decode_bare(t.text(src))));
                            }
                            SyntaxElement::Token(t) if t.kind == K::Variable => {
                                match Variable::from_token(t, src) {
                                    Some(v) => parts.push(StringPart::Variable(v)),
                                    None => parts.push(StringPart::Expression(child)),
                                }
                            }
                            SyntaxElement::Token(t) if t.kind == K::SingleQuotedString => {
                                let inner = StringLiteral::from_element(child, src)?;
                                parts.push(StringPart::Literal(inner.value.unwrap_or_default()));
                            }
                            SyntaxElement::Node(inner) if inner.kind == K::ExpandableString => {
                                collect_parts(inner, src, false, &mut parts);
                            }
                            SyntaxElement::Node(inner) if inner.kind == K::SubExpression => {
                                parts.push(StringPart::SubExpression(inner));
                            }
                            other => parts.push(StringPart::Expression(other)),
                        }
                    }
                    Some(with_parts(StringKind::Bare, span, "", "", parts))
                }
                _ => None,
            },
        }
    }

    /// Whether the value depends on variables or subexpressions.
    pub fn is_interpolated(&self) -> bool {
        self.value.is_none()
    }
}

fn literal<'a>(
    kind: StringKind,
    span: Range<usize>,
    open: &str,
    close: &str,
    value: String,
) -> StringLiteral<'a> {
    StringLiteral {
        kind,
        span,
        open_quote: open.to_owned(),
        close_quote: close.to_owned(),
        parts: vec![StringPart::Literal(value.clone())],
        value: Some(value),
    }
}

fn with_parts<'a>(
    kind: StringKind,
    span: Range<usize>,
    open: &str,
    close: &str,
    parts: Vec<StringPart<'a>>,
) -> StringLiteral<'a> {
    let value = parts
        .iter()
        .map(|p| match p {
            StringPart::Literal(s) => Some(s.as_str()),
            _ => None,
        })
        .collect::<Option<String>>();
    StringLiteral {
        kind,
        span,
        open_quote: open.to_owned(),
        close_quote: close.to_owned(),
        parts,
        value,
    }
}

fn collect_parts<'a>(node: &'a SyntaxNode, src: &str, here: bool, parts: &mut Vec<StringPart<'a>>) {
    for child in node.children.iter() {
        match child {
            SyntaxElement::Token(t) if t.kind == K::StringText => {
                let text = t.text(src);
                let decoded = if here {
                    decode_escapes(text, false)
                } else {
                    decode_double(text)
                };
                match parts.last_mut() {
                    Some(StringPart::Literal(prev)) => prev.push_str(&decoded),
                    _ => parts.push(StringPart::Literal(decoded)),
                }
            }
            SyntaxElement::Token(t) if t.kind == K::Variable => {
                if let Some(v) = Variable::from_token(t, src) {
                    parts.push(StringPart::Variable(v));
                }
            }
            SyntaxElement::Node(n) if n.kind == K::SubExpression => {
                parts.push(StringPart::SubExpression(n));
            }
            _ => {}
        }
    }
    if parts.is_empty() {
        parts.push(StringPart::Literal(String::new()));
    }
}

const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
const DOUBLE_QUOTES: [char; 4] = ['"', '\u{201C}', '\u{201D}', '\u{201E}'];

/// Splits `body'` into body and closing quote, honouring doubled quotes.
fn split_single_close(rest: &str) -> (&str, &str) {
    let mut iter = rest.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if SINGLE_QUOTES.contains(&c) {
            match iter.peek() {
                Some((_, next)) if SINGLE_QUOTES.contains(next) => {
                    iter.next();
                }
                _ => return (&rest[..i], &rest[i..]),
            }
        }
    }
    (rest, "")
}

/// `@'\n…\n'@` → (`@'`, body, `'@`).
fn split_here(text: &str) -> (&str, &str, &str) {
    let open_len = text.chars().take(2).map(char::len_utf8).sum::<usize>();
    let open = &text[..open_len.min(text.len())];
    let after_open = &text[open.len()..];
    let body_start = after_open
        .find(['\n', '\r'])
        .map(|i| {
            let rest = &after_open[i..];
            i + if rest.starts_with("\r\n") { 2 } else { 1 }
        })
        .unwrap_or(after_open.len());
    let body_and_close = &after_open[body_start..];
    let ends_closed = body_and_close.ends_with('@')
        && body_and_close
            .chars()
            .rev()
            .nth(1)
            .is_some_and(|c| SINGLE_QUOTES.contains(&c));
    if !ends_closed {
        return (open, body_and_close, "");
    }
    let quote_len = body_and_close
        .chars()
        .rev()
        .nth(1)
        .map(char::len_utf8)
        .unwrap_or(1);
    let close_start = body_and_close.len() - 1 - quote_len;
    let body = &body_and_close[..close_start];
    let body = body
        .strip_suffix("\r\n")
        .or_else(|| body.strip_suffix('\n'))
        .or_else(|| body.strip_suffix('\r'))
        .unwrap_or(body);
    (open, body, &body_and_close[close_start..])
}

/// The value of a single-quoted string body: two consecutive single quotes are one.
pub fn decode_single(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if SINGLE_QUOTES.contains(&c) && chars.peek().is_some_and(|n| SINGLE_QUOTES.contains(n)) {
            chars.next();
        }
    }
    out
}

/// Literal text of a double-quoted string: backtick escapes and doubled quotes decoded.
pub fn decode_double(text: &str) -> String {
    decode_escapes(text, true)
}

/// A bare word's value: backtick escapes decoded (`` `  `` is an escaped space).
pub fn decode_bare(text: &str) -> String {
    decode_escapes(text, false)
}

fn decode_escapes(text: &str, doubled_quotes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '`' {
            let Some(next) = chars.next() else {
                break;
            };
            match next {
                '0' => out.push('\0'),
                'a' => out.push('\u{07}'),
                'b' => out.push('\u{08}'),
                'e' => out.push('\u{1B}'),
                'f' => out.push('\u{0C}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'v' => out.push('\u{0B}'),
                'u' if chars.peek() == Some(&'{') => {
                    let mut hex = String::new();
                    chars.next();
                    for h in chars.by_ref() {
                        if h == '}' {
                            break;
                        }
                        hex.push(h);
                    }
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(ch) => out.push(ch),
                        None => {
                            out.push_str("u{");
                            out.push_str(&hex);
                            out.push('}');
                        }
                    }
                }
                other => out.push(other),
            }
        } else if doubled_quotes
            && DOUBLE_QUOTES.contains(&c)
            && chars.peek().is_some_and(|n| DOUBLE_QUOTES.contains(n))
        {
            chars.next();
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}
