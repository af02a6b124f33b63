//! A tolerant recursive-descent reader for the PowerShell subset the analysis needs. It never
//! fails: text it cannot place becomes an `Error` statement and an entry in `errors`, and every
//! loop advances, so any input terminates.

use super::ast::*;
use std::ops::Range;

/// Nesting beyond this is read as opaque text, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

pub struct Parsed {
    pub root: Block,
    /// Ranges the reader could not make sense of.
    pub errors: Vec<Range<usize>>,
    /// Every comment (`#…` and `<#…#>`) in source order.
    pub comments: Vec<Range<usize>>,
}

pub fn parse(src: &str) -> Parsed {
    let mut p = Parser {
        src,
        pos: 0,
        depth: 0,
        errors: Vec::new(),
        comments: Vec::new(),
    };
    let root = p.block_until(None);
    p.comments.sort_by_key(|r| r.start);
    p.comments.dedup();
    Parsed {
        root,
        errors: p.errors,
        comments: p.comments,
    }
}

pub fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}' | '\u{2015}')
}
pub fn is_squote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}
pub fn is_dquote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}
fn is_nl(c: char) -> bool {
    c == '\n' || c == '\r'
}
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | '\u{feff}' | '\u{b}' | '\u{c}')
}
fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
    errors: Vec<Range<usize>>,
    comments: Vec<Range<usize>>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }
    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }
    fn starts_with_ci(&self, s: &str) -> bool {
        self.src
            .get(self.pos..self.pos + s.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(s))
    }

    /// Skips spaces, line continuations and comments; newlines too when `nl`.
    fn ws(&mut self, nl: bool) {
        loop {
            match self.peek() {
                Some(c) if is_space(c) => {
                    self.bump();
                }
                Some(c) if nl && is_nl(c) => {
                    self.bump();
                }
                Some('`') if self.peek_at(1).is_some_and(is_nl) => {
                    self.bump();
                    if self.bump() == Some('\r') && self.peek() == Some('\n') {
                        self.bump();
                    }
                }
                Some('#') => {
                    let start = self.pos;
                    while let Some(c) = self.peek() {
                        if is_nl(c) {
                            break;
                        }
                        self.bump();
                    }
                    self.comments.push(start..self.pos);
                }
                Some('<') if self.peek_at(1) == Some('#') => {
                    let start = self.pos;
                    self.pos += 2;
                    match self.src[self.pos..].find("#>") {
                        Some(i) => self.pos += i + 2,
                        None => {
                            self.pos = self.src.len();
                            self.errors.push(start..self.pos);
                        }
                    }
                    self.comments.push(start..self.pos);
                }
                _ => return,
            }
        }
    }

    /// Skips statement separators: newlines, `;` and whitespace.
    fn seps(&mut self) {
        loop {
            self.ws(true);
            if self.peek() == Some(';') {
                self.bump();
            } else {
                return;
            }
        }
    }

    fn block_until(&mut self, close: Option<char>) -> Block {
        let start = self.pos;
        let mut stmts = Vec::new();
        loop {
            self.seps();
            match self.peek() {
                None => break,
                Some(c) if Some(c) == close => break,
                Some(c @ (')' | '}' | ']')) if close.is_some() && Some(c) != close => {
                    // A stray closer inside a block: record and skip so the block can finish.
                    let s = self.pos;
                    self.bump();
                    self.errors.push(s..self.pos);
                    stmts.push(Stmt {
                        range: s..self.pos,
                        kind: StmtKind::Error,
                    });
                }
                Some(')' | '}' | ']') if close.is_none() => {
                    let s = self.pos;
                    self.bump();
                    self.errors.push(s..self.pos);
                    stmts.push(Stmt {
                        range: s..self.pos,
                        kind: StmtKind::Error,
                    });
                }
                Some(_) => {
                    let before = self.pos;
                    let st = self.statement();
                    if self.pos == before {
                        // Guarantee progress on anything unexpected.
                        self.bump();
                        self.errors.push(before..self.pos);
                        stmts.push(Stmt {
                            range: before..self.pos,
                            kind: StmtKind::Error,
                        });
                    } else {
                        stmts.push(st);
                    }
                }
            }
        }
        Block {
            range: start..self.pos,
            stmts,
        }
    }

    /// `{ … }` with the opening brace at the current position.
    fn brace_block(&mut self) -> Option<Block> {
        if self.peek() != Some('{') {
            return None;
        }
        let start = self.pos;
        self.bump();
        if self.depth >= MAX_DEPTH {
            self.skip_balanced('{', '}');
            return Some(Block {
                range: start..self.pos,
                stmts: Vec::new(),
            });
        }
        self.depth += 1;
        let mut b = self.block_until(Some('}'));
        self.depth -= 1;
        if self.peek() == Some('}') {
            self.bump();
        } else {
            self.errors.push(start..self.pos);
        }
        b.range = start..self.pos;
        Some(b)
    }

    /// Skips to the matching closer, counting only the given pair (used past the depth cap).
    fn skip_balanced(&mut self, open: char, close: char) {
        let mut d = 1usize;
        while let Some(c) = self.bump() {
            if c == open {
                d += 1;
            } else if c == close {
                d -= 1;
                if d == 0 {
                    return;
                }
            }
        }
    }

    fn keyword(&self) -> Option<String> {
        let rest = &self.src[self.pos..];
        let end = rest
            .char_indices()
            .find(|(_, c)| !(is_ident(*c) || *c == '-'))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        let w = rest[..end].to_ascii_lowercase();
        let next = rest[end..].chars().next();
        let ends_ok = next.is_none_or(|c| {
            is_space(c) || is_nl(c) || matches!(c, '(' | '{' | ';' | '$' | '}' | ')' | '#')
        });
        if !ends_ok {
            return None;
        }
        Some(w)
    }

    fn statement(&mut self) -> Stmt {
        let start = self.pos;
        if let Some(kw) = self.keyword() {
            match kw.as_str() {
                "function" | "filter" | "workflow" | "configuration" => {
                    return self.function(start, kw.len())
                }
                "if" | "foreach" | "for" | "while" | "switch" | "try" | "trap" | "do" | "begin"
                | "process" | "end" | "dynamicparam" | "data" | "clean" => {
                    if let Some(s) = self.compound(start, &kw) {
                        return s;
                    }
                    self.pos = start;
                }
                "return" | "throw" | "exit" | "break" | "continue" => {
                    self.pos += kw.len();
                    self.ws(false);
                    let kw_end = start + kw.len();
                    let value = if self.at_pipeline_end() {
                        None
                    } else {
                        Some(self.pipeline())
                    };
                    let end = value.as_ref().map(|v| v.range.end).unwrap_or(kw_end);
                    return Stmt {
                        range: start..end.max(kw_end),
                        kind: StmtKind::Flow { keyword: kw, value },
                    };
                }
                "class" | "enum" => {
                    // Type definitions never hold connections; skip them whole.
                    while let Some(c) = self.peek() {
                        if c == '{' {
                            break;
                        }
                        self.bump();
                    }
                    if self.peek() == Some('{') {
                        self.bump();
                        self.skip_balanced('{', '}');
                    }
                    return Stmt {
                        range: start..self.pos,
                        kind: StmtKind::Error,
                    };
                }
                _ => {}
            }
        }
        let p = self.pipeline();
        Stmt {
            range: start..p.range.end.max(start),
            kind: StmtKind::Pipeline(p),
        }
    }

    fn function(&mut self, start: usize, kwlen: usize) -> Stmt {
        self.pos += kwlen;
        self.ws(true);
        let name_start = self.pos;
        while let Some(c) = self.peek() {
            if is_space(c) || is_nl(c) || c == '{' || c == '(' {
                break;
            }
            self.bump();
        }
        let name_range = name_start..self.pos;
        let name = self.src[name_range.clone()].to_string();
        self.ws(true);
        if self.peek() == Some('(') {
            let _ = self.primary_expr();
            self.ws(true);
        }
        let body = self.brace_block().unwrap_or_default();
        Stmt {
            range: start..self.pos,
            kind: StmtKind::Function {
                name,
                name_range,
                body,
            },
        }
    }

    /// Reads a compound statement; `None` when the keyword is not followed by its syntax (then
    /// the word is a command name, e.g. `end` as an argument-less command).
    fn compound(&mut self, start: usize, kw: &str) -> Option<Stmt> {
        self.pos += kw.len();
        let mut heads = Vec::new();
        let mut blocks = Vec::new();
        match kw {
            "begin" | "process" | "end" | "dynamicparam" | "clean" | "try" | "finally" => {
                self.ws(true);
                blocks.push(self.brace_block()?);
                if kw == "try" {
                    loop {
                        let save = self.pos;
                        self.ws(true);
                        if self.starts_with_ci("catch") {
                            self.pos += 5;
                            self.ws(true);
                            while self.peek() == Some('[') || self.peek() == Some(',') {
                                if self.peek() == Some(',') {
                                    self.bump();
                                } else {
                                    self.bump();
                                    self.skip_balanced('[', ']');
                                }
                                self.ws(true);
                            }
                            match self.brace_block() {
                                Some(b) => blocks.push(b),
                                None => break,
                            }
                        } else if self.starts_with_ci("finally") {
                            self.pos += 7;
                            self.ws(true);
                            match self.brace_block() {
                                Some(b) => blocks.push(b),
                                None => break,
                            }
                        } else {
                            self.pos = save;
                            break;
                        }
                    }
                }
            }
            "trap" | "data" => {
                self.ws(true);
                while self.peek().is_some_and(|c| c != '{' && !is_nl(c)) {
                    self.bump();
                }
                blocks.push(self.brace_block()?);
            }
            "do" => {
                self.ws(true);
                blocks.push(self.brace_block()?);
                let save = self.pos;
                self.ws(true);
                if self.starts_with_ci("while") || self.starts_with_ci("until") {
                    self.pos += 5;
                    self.ws(true);
                    heads.push(self.paren_head()?);
                } else {
                    self.pos = save;
                }
            }
            "switch" => {
                self.ws(true);
                while self.peek().is_some_and(is_dash) {
                    self.bump();
                    while self.peek().is_some_and(is_ident) {
                        self.bump();
                    }
                    self.ws(true);
                }
                heads.push(self.paren_head()?);
                self.ws(true);
                if self.peek() != Some('{') {
                    return None;
                }
                self.bump();
                loop {
                    self.seps();
                    match self.peek() {
                        None => break,
                        Some('}') => {
                            self.bump();
                            break;
                        }
                        Some('{') => {
                            if let Some(b) = self.brace_block() {
                                blocks.push(b);
                            }
                        }
                        Some(_) => {
                            let before = self.pos;
                            let _ = self.cmd_arg();
                            self.ws(true);
                            if let Some(b) = self.brace_block() {
                                blocks.push(b);
                            }
                            if self.pos == before {
                                self.bump();
                            }
                        }
                    }
                }
            }
            _ => {
                // if / foreach / for / while
                loop {
                    self.ws(true);
                    heads.push(self.paren_head()?);
                    self.ws(true);
                    blocks.push(self.brace_block()?);
                    if kw != "if" {
                        break;
                    }
                    let save = self.pos;
                    self.ws(true);
                    if self.starts_with_ci("elseif") {
                        self.pos += 6;
                        continue;
                    }
                    if self.starts_with_ci("else") {
                        self.pos += 4;
                        self.ws(true);
                        if let Some(b) = self.brace_block() {
                            blocks.push(b);
                        }
                        break;
                    }
                    self.pos = save;
                    break;
                }
            }
        }
        Some(Stmt {
            range: start..self.pos,
            kind: StmtKind::Compound {
                keyword: kw.to_string(),
                heads,
                blocks,
            },
        })
    }

    /// `( … )` of a compound statement; for `for(;;)` and `foreach ($x in …)` the inner parts
    /// are read as pipelines separated by `;` (the `in` form stays one pipeline).
    fn paren_head(&mut self) -> Option<Pipeline> {
        if self.peek() != Some('(') {
            return None;
        }
        let start = self.pos;
        self.bump();
        self.seps();
        let mut p = if self.peek() == Some(')') {
            Pipeline {
                range: self.pos..self.pos,
                assign: None,
                elems: Vec::new(),
            }
        } else {
            self.pipeline()
        };
        // for (init; cond; step) and anything unexpected: read the rest as pipelines.
        loop {
            self.seps();
            match self.peek() {
                Some(')') => {
                    self.bump();
                    break;
                }
                None => {
                    self.errors.push(start..self.pos);
                    break;
                }
                Some(_) => {
                    let before = self.pos;
                    let q = self.pipeline();
                    p.elems.extend(q.elems);
                    if self.pos == before {
                        self.bump();
                    }
                }
            }
        }
        p.range = start..self.pos;
        Some(p)
    }

    fn at_pipeline_end(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) => {
                is_nl(c)
                    || matches!(c, ';' | ')' | '}' | ']')
                    || (c == '&' && self.peek_at(1) == Some('&'))
                    || (c == '|' && self.peek_at(1) == Some('|'))
            }
        }
    }

    fn pipeline(&mut self) -> Pipeline {
        let start = self.pos;
        let mut first_expr = None;
        // An assignment: an expression followed by `=`, `+=`, … The target is parsed once and
        // reused as the first operand when no operator follows (re-parsing would be
        // exponential in the nesting depth).
        if self.peek().is_some_and(|c| c == '$' || c == '[') {
            let target = self.unary();
            let after = self.pos;
            self.ws(false);
            if let Some(op) = self.assign_op() {
                self.pos += op.len();
                self.ws(true);
                let value = if let Some(kw) = self.keyword().filter(|k| {
                    matches!(
                        k.as_str(),
                        "if" | "switch" | "foreach" | "for" | "while" | "try" | "do"
                    )
                }) {
                    // `$x = if (…) {…}`: keep the statement as an opaque expression.
                    let s = self.pos;
                    match self.compound(s, &kw) {
                        Some(_) => Pipeline {
                            range: s..self.pos,
                            assign: None,
                            elems: vec![Elem::Expr(Expr {
                                range: s..self.pos,
                                kind: ExprKind::Other,
                            })],
                        },
                        None => {
                            self.pos = s;
                            self.pipeline()
                        }
                    }
                } else if self.depth >= MAX_DEPTH {
                    // `$a = $b = …` beyond the cap: the rest of the line stays opaque.
                    let e = self.opaque_rest_of_line();
                    Pipeline {
                        range: e.range.clone(),
                        assign: None,
                        elems: vec![Elem::Expr(e)],
                    }
                } else {
                    self.depth += 1;
                    let p = self.pipeline();
                    self.depth -= 1;
                    p
                };
                let end = value.range.end.max(target.range.end);
                return Pipeline {
                    range: start..end,
                    assign: Some(Assign {
                        target,
                        op: op.to_string(),
                    }),
                    elems: value.elems,
                };
            }
            self.pos = after;
            first_expr = Some(self.expr_rest(start, target, false));
        }
        let mut elems = Vec::new();
        loop {
            self.ws(false);
            let before = self.pos;
            let el = match first_expr.take() {
                Some(e) => Elem::Expr(e),
                None => {
                    if self.at_pipeline_end() {
                        break;
                    }
                    self.element()
                }
            };
            let progressed = self.pos != before || !el.range().is_empty();
            elems.push(el);
            self.ws(false);
            if progressed && self.peek() == Some('|') && self.peek_at(1) != Some('|') {
                self.bump();
                self.ws(true);
                continue;
            }
            break;
        }
        let end = elems.last().map(|e| e.range().end).unwrap_or(start);
        Pipeline {
            range: start..end.max(start),
            assign: None,
            elems,
        }
    }

    fn assign_op(&self) -> Option<&'static str> {
        let rest = &self.src[self.pos..];
        for op in ["+=", "-=", "*=", "/=", "%=", "??="] {
            if rest.starts_with(op) {
                return Some(op);
            }
        }
        if rest.starts_with('=') && !rest.starts_with("==") {
            return Some("=");
        }
        None
    }

    fn element(&mut self) -> Elem {
        let c = match self.peek() {
            Some(c) => c,
            None => {
                return Elem::Expr(Expr {
                    range: self.pos..self.pos,
                    kind: ExprKind::Other,
                })
            }
        };
        let next = self.peek_at(1);
        let is_invocation = (c == '&' || c == '.')
            && next.is_some_and(|n| {
                is_space(n) || is_squote(n) || is_dquote(n) || n == '$' || n == '(' || n == '{'
            });
        let starts_command = is_invocation
            || (c.is_alphabetic() || c == '_' || c == '\\' || c == '?' || c == '%')
            || (c == '.' && next.is_some_and(|n| n == '\\' || n == '/'));
        if starts_command {
            Elem::Cmd(self.command())
        } else {
            let e = self.expr(false);
            Elem::Expr(e)
        }
    }

    fn command(&mut self) -> Command {
        let start = self.pos;
        let mut invocation = None;
        let name;
        let name_range;
        let mut name_expr = None;
        if let Some(c @ ('&' | '.')) = self.peek() {
            if self
                .peek_at(1)
                .is_some_and(|n| !is_ident(n) && n != '\\' && n != '/')
            {
                self.bump();
                invocation = Some(c);
                self.ws(false);
            }
        }
        let ns = self.pos;
        if invocation.is_some() {
            let e = self.cmd_arg();
            name_range = ns..e.range.end;
            name = e
                .literal()
                .unwrap_or_else(|| self.src[name_range.clone()].to_string());
            name_expr = Some(Box::new(e));
        } else {
            let e = self.bare_word();
            name_range = e.range.clone();
            name = self.src[name_range.clone()].to_string();
        }
        let mut args = Vec::new();
        loop {
            self.ws(false);
            if self.at_pipeline_end() || self.peek() == Some('|') {
                break;
            }
            let before = self.pos;
            let c = self.peek().unwrap_or(' ');
            let n = self.peek_at(1);
            if is_dash(c) && n.is_some_and(|n| n.is_alphabetic() || n == '_' || n == '?') {
                let ps = self.pos;
                self.bump();
                while self
                    .peek()
                    .is_some_and(|c| is_ident(c) || c == '-' || c == '?')
                {
                    self.bump();
                }
                let pname = self.src[ps + c.len_utf8()..self.pos].to_string();
                if self.peek() == Some(':') {
                    self.bump();
                    let range = ps..self.pos;
                    let v = if self.peek().is_some_and(|c| is_space(c) || is_nl(c)) {
                        self.ws(false);
                        if self.at_pipeline_end() {
                            None
                        } else {
                            Some(self.cmd_arg())
                        }
                    } else if self.at_pipeline_end() {
                        None
                    } else {
                        Some(self.cmd_arg())
                    };
                    args.push(Arg::Param {
                        name: pname,
                        range,
                        colon_value: v,
                    });
                } else {
                    args.push(Arg::Param {
                        name: pname,
                        range: ps..self.pos,
                        colon_value: None,
                    });
                }
            } else if let Some(len) = self.redirect_len() {
                let rs = self.pos;
                self.pos += len;
                let range = rs..self.pos;
                let merged = self.src[range.clone()].contains('&');
                self.ws(false);
                let target = if merged || self.at_pipeline_end() {
                    None
                } else {
                    Some(self.cmd_arg())
                };
                args.push(Arg::Redirect { range, target });
            } else {
                args.push(Arg::Value(self.cmd_arg()));
            }
            if self.pos == before {
                self.bump();
            }
        }
        let end = args.last().map(|a| a.range().end).unwrap_or(name_range.end);
        Command {
            range: start..end,
            name,
            name_range,
            invocation,
            name_expr,
            args,
        }
    }

    fn redirect_len(&self) -> Option<usize> {
        let rest = &self.src[self.pos..];
        for r in [
            "2>&1", "3>&1", "*>&1", "*>>", "2>>", "*>", "2>", "3>", "4>", "5>", "6>", ">>", ">",
        ] {
            if rest.starts_with(r) {
                return Some(r.len());
            }
        }
        None
    }

    /// One argument in command mode, including `a,b,c` lists.
    fn cmd_arg(&mut self) -> Expr {
        let start = self.pos;
        let first = self.cmd_operand();
        let mut operands = vec![first];
        let mut ops = Vec::new();
        loop {
            let save = self.pos;
            self.ws(false);
            if self.peek() == Some(',') {
                self.bump();
                self.ws(true);
                ops.push(",".to_string());
                let before = self.pos;
                operands.push(self.cmd_operand());
                if self.pos == before {
                    break;
                }
            } else {
                self.pos = save;
                break;
            }
        }
        if operands.len() == 1 {
            operands.pop().unwrap_or(Expr {
                range: start..self.pos,
                kind: ExprKind::Other,
            })
        } else {
            let end = operands.last().map(|e| e.range.end).unwrap_or(self.pos);
            Expr {
                range: start..end,
                kind: ExprKind::Binary { operands, ops },
            }
        }
    }

    fn cmd_operand(&mut self) -> Expr {
        match self.peek() {
            Some('$' | '(' | '@' | '{' | '[') => {
                let e = self.primary_expr();
                if e.range.is_empty() {
                    self.bare_word()
                } else {
                    e
                }
            }
            Some(c) if is_squote(c) || is_dquote(c) => self.primary_expr(),
            _ => self.bare_word(),
        }
    }

    /// A generic token: runs to whitespace or a statement/pipeline/list delimiter, keeping
    /// `{…}` runs, `?`, `=`, `&`, `:` and variables (`…?DelegatedOrg=$x&email=Sys{guid}@d`).
    fn bare_word(&mut self) -> Expr {
        let start = self.pos;
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut brace = 0usize;
        while let Some(c) = self.peek() {
            if is_space(c) || is_nl(c) {
                break;
            }
            if brace == 0 && matches!(c, ';' | '|' | ')' | ',' | '}') {
                break;
            }
            if brace == 0 && c == '(' && self.pos > start {
                break;
            }
            if c == '&' && self.peek_at(1) == Some('&') {
                break;
            }
            if c == '`' {
                self.bump();
                if let Some(n) = self.bump() {
                    if is_nl(n) {
                        // a continuation ends the word
                        break;
                    }
                    lit.push(n);
                }
                continue;
            }
            if c == '$' {
                if self.peek_at(1) == Some('(') {
                    if !lit.is_empty() {
                        parts.push(StrPart::Lit(std::mem::take(&mut lit)));
                    }
                    let s = self.pos;
                    self.pos += 1;
                    let b = self.paren_block();
                    parts.push(StrPart::Sub(s..self.pos, b));
                    continue;
                }
                if let Some(v) = self.var_ref() {
                    if !lit.is_empty() {
                        parts.push(StrPart::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(StrPart::Var(v));
                    continue;
                }
            }
            if c == '{' {
                brace += 1;
            } else if c == '}' {
                brace = brace.saturating_sub(1);
            } else if (is_squote(c) || is_dquote(c)) && self.pos > start {
                {
                    // a quoted part glued to a word: read it as part of the token
                    let e = self.string_lit();
                    if let ExprKind::Str { parts: ps, .. } = e.kind {
                        for p in ps {
                            match p {
                                StrPart::Lit(t) => lit.push_str(&t),
                                other => {
                                    if !lit.is_empty() {
                                        parts.push(StrPart::Lit(std::mem::take(&mut lit)));
                                    }
                                    parts.push(other);
                                }
                            }
                        }
                    }
                    continue;
                }
            }
            lit.push(c);
            self.bump();
        }
        if !lit.is_empty() {
            parts.push(StrPart::Lit(lit));
        }
        Expr {
            range: start..self.pos,
            kind: ExprKind::Str {
                quote: Quote::Bare,
                here: false,
                parts,
            },
        }
    }

    /// `$(…)` body with the `(` at the current position; consumes the `)`.
    fn paren_block(&mut self) -> Block {
        let start = self.pos;
        self.bump();
        if self.depth >= MAX_DEPTH {
            self.skip_balanced('(', ')');
            return Block {
                range: start..self.pos,
                stmts: Vec::new(),
            };
        }
        self.depth += 1;
        let mut b = self.block_until(Some(')'));
        self.depth -= 1;
        if self.peek() == Some(')') {
            self.bump();
        } else {
            self.errors.push(start..self.pos);
        }
        b.range = start..self.pos;
        b
    }

    fn var_ref(&mut self) -> Option<VarRef> {
        let start = self.pos;
        if self.peek() != Some('$') {
            return None;
        }
        let rest = &self.src[self.pos + 1..];
        if rest.starts_with('{') {
            let end = rest.find('}')?;
            let inner = &rest[1..end];
            self.pos += 1 + end + 1;
            let (scope, name) = split_scope(inner);
            return Some(VarRef {
                scope,
                name,
                range: start..self.pos,
            });
        }
        let first = rest.chars().next()?;
        if matches!(first, '$' | '?' | '^') {
            self.pos += 2;
            return Some(VarRef {
                scope: None,
                name: first.to_string(),
                range: start..self.pos,
            });
        }
        let mut end = 0;
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if is_ident(c) {
                end = i + c.len_utf8();
            } else if c == ':' && end > 0 && !rest[..i].contains(':') {
                // scope/drive qualifier: only when followed by a name character
                match chars.peek() {
                    Some((_, n)) if is_ident(*n) => end = i + 1,
                    _ => break,
                }
            } else {
                break;
            }
        }
        if end == 0 {
            return None;
        }
        let text = &rest[..end];
        self.pos += 1 + end;
        let (scope, name) = split_scope(text);
        Some(VarRef {
            scope,
            name,
            range: start..self.pos,
        })
    }

    /// Expression mode: operands joined by binary operators. `nl` allows line breaks before
    /// operators (inside parentheses).
    fn expr(&mut self, nl: bool) -> Expr {
        if self.depth >= MAX_DEPTH {
            let s = self.pos;
            self.bump();
            return Expr {
                range: s..self.pos,
                kind: ExprKind::Other,
            };
        }
        let start = self.pos;
        let first = self.unary();
        self.expr_rest(start, first, nl)
    }

    /// Continues an expression whose first operand is already parsed.
    fn expr_rest(&mut self, start: usize, first: Expr, nl: bool) -> Expr {
        self.depth += 1;
        let mut operands = vec![first];
        let mut ops = Vec::new();
        loop {
            let save = self.pos;
            self.ws(nl);
            let Some(op) = self.binary_op() else {
                self.pos = save;
                break;
            };
            self.pos += op.len();
            self.ws(true);
            let before = self.pos;
            operands.push(self.unary());
            ops.push(
                op.to_ascii_lowercase()
                    .replace(['\u{2013}', '\u{2014}', '\u{2015}'], "-"),
            );
            if self.pos == before {
                break;
            }
        }
        self.depth -= 1;
        if operands.len() == 1 {
            if let Some(e) = operands.pop() {
                return e;
            }
        }
        let end = operands.last().map(|e| e.range.end).unwrap_or(self.pos);
        Expr {
            range: start..end,
            kind: ExprKind::Binary { operands, ops },
        }
    }

    fn binary_op(&self) -> Option<String> {
        let rest = &self.src[self.pos..];
        let c = rest.chars().next()?;
        if is_dash(c) {
            let after = &rest[c.len_utf8()..];
            let n: usize = after
                .char_indices()
                .find(|(_, c)| !c.is_ascii_alphabetic())
                .map(|(i, _)| i)
                .unwrap_or(after.len());
            if n > 0 {
                return Some(rest[..c.len_utf8() + n].to_string());
            }
            if !after.starts_with('=') {
                return Some(c.to_string());
            }
            return None;
        }
        for op in ["..", "??", "+", "*", "/", "%", ","] {
            if rest.starts_with(op) && !rest[op.len()..].starts_with('=') {
                return Some(op.to_string());
            }
        }
        None
    }

    fn unary(&mut self) -> Expr {
        let start = self.pos;
        if self.depth >= MAX_DEPTH {
            return self.opaque_rest_of_line();
        }
        self.depth += 1;
        let e = self.unary_inner(start);
        self.depth -= 1;
        e
    }

    /// Past the nesting cap: the rest of the line becomes one opaque expression.
    fn opaque_rest_of_line(&mut self) -> Expr {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_nl(c) {
                break;
            }
            self.bump();
        }
        if self.pos == start {
            self.bump();
        }
        self.errors.push(start..self.pos);
        Expr {
            range: start..self.pos,
            kind: ExprKind::Other,
        }
    }

    fn unary_inner(&mut self, start: usize) -> Expr {
        match self.peek() {
            Some('!') => {
                self.bump();
                self.ws(false);
                let e = self.unary();
                return Expr {
                    range: start..e.range.end,
                    kind: ExprKind::Unary {
                        op: "!".into(),
                        operand: Box::new(e),
                    },
                };
            }
            Some(c) if is_dash(c) => {
                let rest = &self.src[self.pos + c.len_utf8()..];
                let n = rest
                    .char_indices()
                    .find(|(_, c)| !c.is_ascii_alphabetic())
                    .map(|(i, _)| i)
                    .unwrap_or(rest.len());
                let word = rest[..n].to_ascii_lowercase();
                if matches!(word.as_str(), "not" | "bnot" | "join" | "split") || n == 0 {
                    self.pos += c.len_utf8() + n;
                    self.ws(false);
                    let e = self.unary();
                    return Expr {
                        range: start..e.range.end,
                        kind: ExprKind::Unary {
                            op: format!("-{word}"),
                            operand: Box::new(e),
                        },
                    };
                }
            }
            Some(',') => {
                self.bump();
                self.ws(false);
                let e = self.unary();
                return Expr {
                    range: start..e.range.end,
                    kind: ExprKind::Unary {
                        op: ",".into(),
                        operand: Box::new(e),
                    },
                };
            }
            _ => {}
        }
        let e = self.primary_expr();
        if let ExprKind::TypeLit(ty) = &e.kind {
            // `[type]$x` / `[type](…)`: a cast when an operand follows directly.
            if self.peek().is_some_and(|c| {
                c == '$' || c == '(' || c == '@' || is_squote(c) || is_dquote(c) || c == '['
            }) {
                let ty = ty.clone();
                let operand = self.unary();
                return Expr {
                    range: start..operand.range.end,
                    kind: ExprKind::Cast {
                        ty,
                        operand: Box::new(operand),
                    },
                };
            }
        }
        if e.range.is_empty() {
            // Nothing recognisable: read a word so the caller advances.
            return self.bare_word();
        }
        e
    }

    /// A primary with its member/index/invocation postfixes.
    fn primary_expr(&mut self) -> Expr {
        let start = self.pos;
        let mut e = match self.peek() {
            Some('$') => match self.peek_at(1) {
                Some('(') => {
                    self.bump();
                    let b = self.paren_block();
                    Expr {
                        range: start..self.pos,
                        kind: ExprKind::Sub(b),
                    }
                }
                _ => match self.var_ref() {
                    Some(v) => Expr {
                        range: v.range.clone(),
                        kind: ExprKind::Var(v),
                    },
                    None => {
                        self.bump();
                        Expr {
                            range: start..self.pos,
                            kind: ExprKind::Other,
                        }
                    }
                },
            },
            Some('@') => match self.peek_at(1) {
                Some('(') => {
                    self.bump();
                    let b = self.paren_block();
                    Expr {
                        range: start..self.pos,
                        kind: ExprKind::Array(b),
                    }
                }
                Some('{') => {
                    self.bump();
                    self.hashtable(start)
                }
                Some(c) if is_squote(c) || is_dquote(c) => self.string_lit(),
                Some(c) if is_ident(c) => {
                    self.bump();
                    let s = self.pos;
                    while self.peek().is_some_and(|c| is_ident(c) || c == ':') {
                        self.bump();
                    }
                    let (scope, name) = split_scope(&self.src[s..self.pos]);
                    Expr {
                        range: start..self.pos,
                        kind: ExprKind::Splat(VarRef {
                            scope,
                            name,
                            range: start..self.pos,
                        }),
                    }
                }
                _ => {
                    self.bump();
                    Expr {
                        range: start..self.pos,
                        kind: ExprKind::Other,
                    }
                }
            },
            Some('(') => {
                self.bump();
                if self.depth >= MAX_DEPTH {
                    self.skip_balanced('(', ')');
                    return Expr {
                        range: start..self.pos,
                        kind: ExprKind::Other,
                    };
                }
                self.depth += 1;
                self.seps();
                let mut p = if self.peek() == Some(')') {
                    Pipeline {
                        range: self.pos..self.pos,
                        assign: None,
                        elems: Vec::new(),
                    }
                } else {
                    self.paren_pipeline()
                };
                self.depth -= 1;
                self.seps();
                if self.peek() == Some(')') {
                    self.bump();
                } else {
                    // Unbalanced: consume to the closer we can find so the caller stays sane.
                    self.errors.push(start..self.pos);
                    let mut d = 1usize;
                    while let Some(c) = self.peek() {
                        if is_nl(c) && d == 1 {
                            break;
                        }
                        self.bump();
                        if c == '(' {
                            d += 1;
                        } else if c == ')' {
                            d -= 1;
                            if d == 0 {
                                break;
                            }
                        }
                    }
                }
                p.range = p.range.start..p.range.end.max(p.range.start);
                Expr {
                    range: start..self.pos,
                    kind: ExprKind::Paren(Box::new(p)),
                }
            }
            Some('{') => match self.brace_block() {
                Some(b) => Expr {
                    range: start..self.pos,
                    kind: ExprKind::ScriptBlock(b),
                },
                None => Expr {
                    range: start..self.pos,
                    kind: ExprKind::Other,
                },
            },
            Some('[') => {
                let rest = &self.src[self.pos + 1..];
                let mut depth = 1usize;
                let mut end = None;
                // Type names are short; a bounded scan keeps `[[[[…` lines linear.
                for (i, c) in rest.char_indices().take(512) {
                    match c {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(i);
                                break;
                            }
                        }
                        '\n' | '\r' => break,
                        _ => {}
                    }
                }
                match end {
                    Some(i) => {
                        let ty = rest[..i].trim().to_string();
                        self.pos += 1 + i + 1;
                        Expr {
                            range: start..self.pos,
                            kind: ExprKind::TypeLit(ty),
                        }
                    }
                    None => {
                        self.bump();
                        Expr {
                            range: start..self.pos,
                            kind: ExprKind::Other,
                        }
                    }
                }
            }
            Some(c) if is_squote(c) || is_dquote(c) => self.string_lit(),
            Some(c) if c.is_ascii_digit() => {
                while self.peek().is_some_and(|c| {
                    c.is_ascii_alphanumeric()
                        || c == '.' && self.peek_at(1).is_some_and(|n| n.is_ascii_digit())
                }) {
                    self.bump();
                }
                Expr {
                    range: start..self.pos,
                    kind: ExprKind::Number,
                }
            }
            _ => {
                return Expr {
                    range: start..start,
                    kind: ExprKind::Other,
                }
            }
        };
        // postfixes (each one nests the tree a level deeper, so they count against the cap)
        let mut levels = 0usize;
        loop {
            if self.depth + levels >= MAX_DEPTH {
                break;
            }
            levels += 1;
            let rest = &self.src[self.pos..];
            let (is_static, skip) = if rest.starts_with("::") {
                (true, 2)
            } else if rest.starts_with("?.") {
                (false, 2)
            } else if rest.starts_with('.')
                && rest[1..]
                    .chars()
                    .next()
                    .is_some_and(|c| is_ident(c) || c == '$' || is_squote(c) || is_dquote(c))
            {
                (false, 1)
            } else if rest.starts_with('[') && !matches!(e.kind, ExprKind::TypeLit(_)) {
                self.bump();
                self.ws(true);
                let idx = self.expr(true);
                self.ws(true);
                if self.peek() == Some(']') {
                    self.bump();
                }
                e = Expr {
                    range: start..self.pos,
                    kind: ExprKind::Index {
                        target: Box::new(e),
                        index: Box::new(idx),
                    },
                };
                continue;
            } else {
                break;
            };
            self.pos += skip;
            let ns = self.pos;
            let name = if self
                .peek()
                .is_some_and(|c| is_squote(c) || is_dquote(c) || c == '$')
            {
                let n = self.primary_expr();
                n.literal()
                    .unwrap_or_else(|| self.src[n.range.clone()].to_string())
            } else {
                while self.peek().is_some_and(is_ident) {
                    self.bump();
                }
                self.src[ns..self.pos].to_string()
            };
            let args = if self.peek() == Some('(') {
                self.bump();
                let mut args = Vec::new();
                loop {
                    self.seps();
                    match self.peek() {
                        Some(')') => {
                            self.bump();
                            break;
                        }
                        None => break,
                        Some(',') => {
                            self.bump();
                        }
                        Some(_) => {
                            let before = self.pos;
                            let a = self.arg_expr();
                            args.push(a);
                            if self.pos == before {
                                self.bump();
                            }
                        }
                    }
                }
                Some(args)
            } else {
                None
            };
            e = Expr {
                range: start..self.pos,
                kind: ExprKind::Member {
                    target: Box::new(e),
                    name,
                    is_static,
                    args,
                },
            };
        }
        e
    }

    /// One method argument: an expression without the `,` operator.
    fn arg_expr(&mut self) -> Expr {
        let start = self.pos;
        let mut operands = vec![self.unary()];
        let mut ops = Vec::new();
        loop {
            let save = self.pos;
            self.ws(true);
            match self.binary_op() {
                Some(op) if op != "," => {
                    self.pos += op.len();
                    self.ws(true);
                    let before = self.pos;
                    operands.push(self.unary());
                    ops.push(op.to_ascii_lowercase());
                    if self.pos == before {
                        break;
                    }
                }
                _ => {
                    self.pos = save;
                    break;
                }
            }
        }
        if operands.len() == 1 {
            if let Some(e) = operands.pop() {
                return e;
            }
        }
        let end = operands.last().map(|e| e.range.end).unwrap_or(self.pos);
        Expr {
            range: start..end,
            kind: ExprKind::Binary { operands, ops },
        }
    }

    /// Inside `( … )`: a pipeline whose elements may continue across lines after operators.
    fn paren_pipeline(&mut self) -> Pipeline {
        let save = self.pos;
        let first = self.peek();
        let is_cmd = first.is_some_and(|c| {
            c.is_alphabetic() || c == '&' || c == '.' && self.peek_at(1).is_some_and(is_space)
        });
        if !is_cmd && !first.is_some_and(|c| c == '$' || c == '[') {
            let e = self.expr(true);
            let mut p = Pipeline {
                range: save..e.range.end,
                assign: None,
                elems: vec![Elem::Expr(e)],
            };
            self.ws(true);
            while self.peek() == Some('|') {
                self.bump();
                self.ws(true);
                let el = self.element();
                p.range.end = el.range().end;
                p.elems.push(el);
                self.ws(true);
            }
            return p;
        }
        self.pipeline()
    }

    fn hashtable(&mut self, start: usize) -> Expr {
        // at '{'
        self.bump();
        if self.depth >= MAX_DEPTH {
            self.skip_balanced('{', '}');
            self.errors.push(start..self.pos);
            return Expr {
                range: start..self.pos,
                kind: ExprKind::Other,
            };
        }
        self.depth += 1;
        let e = self.hashtable_body(start);
        self.depth -= 1;
        e
    }

    fn hashtable_body(&mut self, start: usize) -> Expr {
        let mut entries = Vec::new();
        loop {
            self.seps();
            match self.peek() {
                None => {
                    self.errors.push(start..self.pos);
                    break;
                }
                Some('}') => {
                    self.bump();
                    break;
                }
                Some(c) => {
                    let ks = self.pos;
                    let key = if is_squote(c) || is_dquote(c) {
                        let e = self.string_lit();
                        e.literal().unwrap_or_default()
                    } else if c == '(' || c == '$' {
                        let e = self.primary_expr();
                        self.src[e.range.clone()].to_string()
                    } else {
                        while self.peek().is_some_and(|c| {
                            !is_space(c) && !is_nl(c) && c != '=' && c != ';' && c != '}'
                        }) {
                            self.bump();
                        }
                        self.src[ks..self.pos].to_string()
                    };
                    let key_range = ks..self.pos;
                    self.ws(false);
                    if self.peek() != Some('=') {
                        if self.pos == ks {
                            self.bump();
                        }
                        self.errors.push(ks..self.pos);
                        continue;
                    }
                    self.bump();
                    self.ws(true);
                    let value = if self.at_pipeline_end() {
                        None
                    } else {
                        let s = self.statement();
                        match s.kind {
                            StmtKind::Pipeline(p) => Some(p),
                            _ => Some(Pipeline {
                                range: s.range.clone(),
                                assign: None,
                                elems: vec![Elem::Expr(Expr {
                                    range: s.range,
                                    kind: ExprKind::Other,
                                })],
                            }),
                        }
                    };
                    let end = value.as_ref().map(|v| v.range.end).unwrap_or(self.pos);
                    entries.push(HashEntry {
                        key,
                        key_range,
                        value,
                        range: ks..end,
                    });
                }
            }
        }
        Expr {
            range: start..self.pos,
            kind: ExprKind::Hash(entries),
        }
    }

    fn string_lit(&mut self) -> Expr {
        let start = self.pos;
        let mut here = false;
        if self.peek() == Some('@') {
            here = true;
            self.bump();
        }
        let Some(q) = self.bump() else {
            return Expr {
                range: start..self.pos,
                kind: ExprKind::Other,
            };
        };
        let single = is_squote(q);
        let mut parts = Vec::new();
        let mut lit = String::new();
        if here {
            // skip to end of line
            while self.peek().is_some_and(|c| !is_nl(c)) {
                self.bump();
            }
            if self.peek() == Some('\r') {
                self.bump();
            }
            if self.peek() == Some('\n') {
                self.bump();
            }
        }
        let closes = |c: char| if single { is_squote(c) } else { is_dquote(c) };
        loop {
            let Some(c) = self.peek() else {
                self.errors.push(start..self.pos);
                break;
            };
            if here {
                if is_nl(c) {
                    let save = self.pos;
                    self.bump();
                    if c == '\r' && self.peek() == Some('\n') {
                        self.bump();
                    }
                    if self.peek().is_some_and(closes) && self.peek_at(1) == Some('@') {
                        self.bump();
                        self.bump();
                        break;
                    }
                    lit.push_str(&self.src[save..self.pos]);
                    continue;
                }
            } else if closes(c) {
                self.bump();
                if self.peek().is_some_and(closes) {
                    // doubled quote: an escaped quote character
                    self.bump();
                    lit.push(c);
                    continue;
                }
                break;
            }
            if !single && c == '`' {
                self.bump();
                if let Some(n) = self.bump() {
                    lit.push(match n {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        '0' => '\0',
                        o => o,
                    });
                }
                continue;
            }
            if !single && c == '$' {
                if self.peek_at(1) == Some('(') {
                    if !lit.is_empty() {
                        parts.push(StrPart::Lit(std::mem::take(&mut lit)));
                    }
                    let s = self.pos;
                    self.bump();
                    let b = self.paren_block();
                    parts.push(StrPart::Sub(s..self.pos, b));
                    continue;
                }
                if self.peek_at(1).is_some_and(|n| is_ident(n) || n == '{') {
                    if let Some(v) = self.var_ref() {
                        if !lit.is_empty() {
                            parts.push(StrPart::Lit(std::mem::take(&mut lit)));
                        }
                        parts.push(StrPart::Var(v));
                        continue;
                    }
                }
            }
            lit.push(c);
            self.bump();
        }
        if !lit.is_empty() {
            parts.push(StrPart::Lit(lit));
        }
        Expr {
            range: start..self.pos,
            kind: ExprKind::Str {
                quote: if single { Quote::Single } else { Quote::Double },
                here,
                parts,
            },
        }
    }
}

fn split_scope(text: &str) -> (Option<String>, String) {
    match text.split_once(':') {
        Some((s, n)) if !s.is_empty() && !n.is_empty() => {
            (Some(s.to_ascii_lowercase()), n.to_ascii_lowercase())
        }
        _ => (None, text.to_ascii_lowercase()),
    }
}
