//! Builds the analysis model ([`crate::model`]) from the grammar's lossless tree: one walk
//! over `exomig_grammar`'s nodes, using its typed views (`ast`) for commands, strings,
//! hashtables, members and statements. The grammar decides every shape; this only chooses
//! what the rules need to see (e.g. binary chains flattened left to right, `a, b` as a
//! `,`-joined chain, heads of compound statements as pipelines).

use crate::model::*;
use exomig_grammar::ast::{self, CommandElement, PipelineElement, Statement, StringKind};
use exomig_grammar::{SyntaxElement, SyntaxKind as K, SyntaxNode};
use std::ops::Range;

/// Nesting beyond this is read as opaque (and blocks rewriting there), so the recursive walks
/// of the analysis stay shallow whatever the input nests.
const MAX_DEPTH: usize = 64;

pub struct Lowered {
    pub root: Block,
    /// Ranges past the nesting cap: statements overlapping them are never rewritten.
    pub opaque: Vec<Range<usize>>,
}

pub fn lower(src: &str, root: &SyntaxNode) -> Lowered {
    let mut l = Lower {
        src,
        depth: 0,
        opaque: Vec::new(),
    };
    let root_block = l.block(root);
    Lowered {
        root: root_block,
        opaque: l.opaque,
    }
}

struct Lower<'s> {
    src: &'s str,
    depth: usize,
    opaque: Vec<Range<usize>>,
}

fn other(range: Range<usize>) -> Expr {
    Expr {
        range,
        kind: ExprKind::Other,
    }
}

fn var_ref(v: &ast::Variable) -> VarRef {
    VarRef {
        scope: v.scope.as_ref().map(|s| s.to_ascii_lowercase()),
        name: v.name.to_ascii_lowercase(),
        range: v.span.clone(),
    }
}

/// The first significant child node of `node` of one of `kinds`.
fn child_in<'n>(node: &'n SyntaxNode, kinds: &[K]) -> Option<&'n SyntaxNode> {
    node.child_nodes().find(|n| kinds.contains(&n.kind))
}

impl<'s> Lower<'s> {
    fn text(&self, r: &Range<usize>) -> &'s str {
        self.src.get(r.clone()).unwrap_or("")
    }

    /// Runs `f` one level deeper, or records `range` as opaque past the cap.
    fn nested<T>(&mut self, range: Range<usize>, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.depth >= MAX_DEPTH {
            self.opaque.push(range);
            return None;
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        Some(out)
    }

    /// A statement list (`Script`, `Block`, `ScriptBlock`, `( )`, `$( )`, `@( )`).
    fn block(&mut self, list: &SyntaxNode) -> Block {
        let stmts = self
            .nested(list.span.clone(), |l| {
                ast::statements(list)
                    .into_iter()
                    .map(|s| l.stmt(s))
                    .collect()
            })
            .unwrap_or_default();
        Block { stmts }
    }

    fn opt_block(&mut self, node: Option<&SyntaxNode>) -> Option<Block> {
        node.map(|n| self.block(n))
    }

    fn stmt(&mut self, s: Statement<'_>) -> Stmt {
        let range = s.span();
        let kind = match s {
            Statement::Pipeline(_) | Statement::Assignment(_) => {
                StmtKind::Pipeline(self.stmt_pipeline(s))
            }
            Statement::Function(f) => {
                let name = f
                    .name(self.src)
                    .or_else(|| {
                        child_in(f.node, &[K::FunctionName]).map(|n| n.text(self.src).to_string())
                    })
                    .unwrap_or_default();
                StmtKind::Function {
                    name,
                    body: self.opt_block(f.body()).unwrap_or_default(),
                }
            }
            Statement::If(i) => {
                let mut heads = Vec::new();
                let mut blocks = Vec::new();
                for (cond, body) in i.clauses() {
                    heads.push(self.head(cond));
                    blocks.push(self.block(body));
                }
                if let Some(e) = i.else_block() {
                    blocks.push(self.block(e));
                }
                compound("if", heads, blocks)
            }
            Statement::Foreach(f) => {
                // `($x in …)`: the loop variable first, then the iterable's elements.
                let head_node = child_in(f.node, &[K::ForeachHead]);
                let mut head = Pipeline {
                    range: head_node.map(|n| n.span.clone()).unwrap_or(range.clone()),
                    assign: None,
                    elems: Vec::new(),
                };
                if let Some(v) = f.variable(self.src) {
                    head.elems.push(Elem::Expr(Expr {
                        range: v.span.clone(),
                        kind: ExprKind::Var(var_ref(&v)),
                    }));
                }
                if let Some(it) = f.iterable() {
                    head.elems.extend(self.stmt_pipeline(it).elems);
                }
                let blocks = self.opt_block(f.body()).into_iter().collect();
                compound("foreach", vec![head], blocks)
            }
            Statement::For(l) => {
                // `(init; cond; step)` as one pipeline: init (with its assignment) followed by
                // the elements of the other parts.
                let head_node = child_in(l.node, &[K::ForHead]);
                let mut head: Option<Pipeline> = None;
                for part in head_node.map(ast::statements).unwrap_or_default() {
                    let p = self.stmt_pipeline(part);
                    match &mut head {
                        None => head = Some(p),
                        Some(h) => h.elems.extend(p.elems),
                    }
                }
                let mut head = head.unwrap_or(Pipeline {
                    range: range.clone(),
                    assign: None,
                    elems: Vec::new(),
                });
                if let Some(n) = head_node {
                    head.range = n.span.clone();
                }
                let blocks = self.opt_block(l.body()).into_iter().collect();
                compound("for", vec![head], blocks)
            }
            Statement::While(l) | Statement::Do(l) => {
                let keyword = if matches!(s, Statement::Do(_)) {
                    "do"
                } else {
                    "while"
                };
                let heads = l.condition().map(|c| self.head(c)).into_iter().collect();
                let blocks = self.opt_block(l.body()).into_iter().collect();
                compound(keyword, heads, blocks)
            }
            Statement::Trap(l) => {
                let blocks = self.opt_block(l.body()).into_iter().collect();
                compound("trap", Vec::new(), blocks)
            }
            Statement::Switch(sw) => {
                let heads = sw.condition().map(|c| self.head(c)).into_iter().collect();
                let blocks = sw
                    .clauses()
                    .into_iter()
                    .map(|(_, body)| self.block(body))
                    .collect();
                compound("switch", heads, blocks)
            }
            Statement::Try(t) => {
                let mut blocks: Vec<Block> = self.opt_block(t.body()).into_iter().collect();
                for (_, body) in t.catches(self.src) {
                    blocks.push(self.block(body));
                }
                blocks.extend(self.opt_block(t.finally_block()));
                compound("try", Vec::new(), blocks)
            }
            Statement::NamedBlock(b) => {
                let name = b.name(self.src).to_ascii_lowercase();
                let blocks = self.opt_block(b.body()).into_iter().collect();
                compound(&name, Vec::new(), blocks)
            }
            Statement::Data(n) => {
                let blocks = self
                    .opt_block(child_in(n, &[K::Block, K::ScriptBlock]))
                    .into_iter()
                    .collect();
                compound("data", Vec::new(), blocks)
            }
            Statement::Flow(f) => StmtKind::Flow {
                keyword: f.keyword(self.src).to_ascii_lowercase(),
                value: f.value().map(|v| self.stmt_pipeline(v)),
            },
            Statement::Labeled(n) => {
                // `:label loop`: the loop is the statement (the label never matters here).
                match n.child_nodes().find_map(Statement::cast) {
                    Some(inner) => return self.stmt(inner),
                    None => StmtKind::Error,
                }
            }
            Statement::Chain(n) => {
                // `a && b`: each pipeline is nested (never the statement itself).
                let heads = ast::statements(n)
                    .into_iter()
                    .map(|p| self.stmt_pipeline(p))
                    .collect();
                compound("&&", heads, Vec::new())
            }
            Statement::Param(p) => StmtKind::Param(self.params(p.parameters())),
            Statement::Class(_) | Statement::Enum(_) | Statement::Error(_) => StmtKind::Error,
        };
        Stmt { range, kind }
    }

    /// `param(…)` declarations: the variable and its default value.
    fn params(&mut self, decls: Vec<&SyntaxNode>) -> Vec<ParamDecl> {
        decls
            .into_iter()
            .filter_map(|d| {
                let (var, default) = ast::parameter_parts(d, self.src);
                let var = var_ref(&var?);
                let default = default.map(|e| self.expr(e.element));
                Some(ParamDecl { var, default })
            })
            .collect()
    }

    /// The condition of `if`/`while`/`switch`: the `( … )` read as one pipeline.
    fn head(&mut self, paren: &SyntaxNode) -> Pipeline {
        let mut p = match ast::statements(paren).into_iter().next() {
            Some(s) => self.stmt_pipeline(s),
            None => Pipeline {
                range: paren.span.clone(),
                assign: None,
                elems: Vec::new(),
            },
        };
        p.range = paren.span.clone();
        p
    }

    /// A statement read as a pipeline: pipelines and assignments as they are; any other
    /// statement (`$x = if (…) {…}`) becomes one opaque expression.
    fn stmt_pipeline(&mut self, s: Statement<'_>) -> Pipeline {
        let range = s.span();
        match s {
            Statement::Pipeline(p) => self.pipeline(p),
            Statement::Assignment(a) => {
                let target = a
                    .target()
                    .map(|t| self.expr(t.element))
                    .unwrap_or_else(|| other(range.start..range.start));
                let op = a.operator(self.src);
                // `$a = $b = x`: the value's own assignment is not a definition of `$a`.
                let elems = match a.value() {
                    Some(v) => self
                        .nested(v.span(), |l| l.stmt_pipeline(v).elems)
                        .unwrap_or_else(|| vec![Elem::Expr(other(v.span()))]),
                    None => Vec::new(),
                };
                Pipeline {
                    range,
                    assign: Some(Assign { target, op }),
                    elems,
                }
            }
            _ => Pipeline {
                range: range.clone(),
                assign: None,
                elems: vec![Elem::Expr(other(range))],
            },
        }
    }

    fn pipeline(&mut self, p: ast::Pipeline<'_>) -> Pipeline {
        let elems = p
            .elements()
            .into_iter()
            .map(|e| match e {
                PipelineElement::Command(c) => Elem::Cmd(self.command(c)),
                PipelineElement::Expression(x) => Elem::Expr(self.expr(x.element)),
            })
            .collect();
        Pipeline {
            range: p.node.span.clone(),
            assign: None,
            elems,
        }
    }

    fn command(&mut self, c: ast::Command<'_>) -> Command {
        let range = c.node.span.clone();
        let invocation = c
            .invocation_operator(self.src)
            .and_then(|o| o.chars().next());
        let name_el = c.name_element();
        let name_range = name_el
            .map(SyntaxElement::span)
            .unwrap_or(range.start..range.start);
        let (name, name_expr) = match name_el {
            Some(SyntaxElement::Node(n)) if n.kind == K::CommandNameExpr => {
                let inner = n.children.iter().find(|c| !c.is_trivia());
                let e = inner
                    .map(|i| self.expr(i))
                    .unwrap_or_else(|| other(n.span.clone()));
                let name = e
                    .literal()
                    .unwrap_or_else(|| self.text(&name_range).to_string());
                (name, Some(Box::new(e)))
            }
            _ => (self.text(&name_range).to_string(), None),
        };
        let mut args = Vec::new();
        for el in c.elements(self.src) {
            match el {
                CommandElement::Parameter {
                    name,
                    name_span,
                    colon_value,
                    ..
                } => {
                    let colon_value = colon_value.map(|v| self.expr(v.element));
                    args.push(Arg::Param {
                        name,
                        range: name_span,
                        colon_value,
                    });
                }
                CommandElement::Argument(x, _) => args.push(Arg::Value(self.expr(x.element))),
                CommandElement::Splat { span, .. } => {
                    let e = match self.src.get(span.clone()) {
                        Some(_) => self.splat(&span),
                        None => other(span),
                    };
                    args.push(Arg::Value(e));
                }
                CommandElement::Redirection(n) => {
                    let target = n
                        .children
                        .iter()
                        .filter(|c| !c.is_trivia() && c.kind() != K::RedirectionOperator)
                        .map(|c| self.expr(c))
                        .next();
                    args.push(Arg::Redirect { target });
                }
                CommandElement::StopParsing(t) => args.push(Arg::Value(other(t.span.clone()))),
            }
        }
        Command {
            range,
            name,
            name_range,
            invocation,
            name_expr,
            args,
        }
    }

    fn splat(&self, span: &Range<usize>) -> Expr {
        let text = self.text(span);
        let body = text.trim_start_matches('@');
        let (scope, name) = match body.split_once(':') {
            Some((s, n)) if !s.is_empty() && !n.is_empty() => {
                (Some(s.to_ascii_lowercase()), n.to_ascii_lowercase())
            }
            _ => (None, body.to_ascii_lowercase()),
        };
        Expr {
            range: span.clone(),
            kind: ExprKind::Splat(VarRef {
                scope,
                name,
                range: span.clone(),
            }),
        }
    }

    fn expr(&mut self, el: &SyntaxElement) -> Expr {
        let range = el.span();
        self.nested(range.clone(), |l| l.expr_inner(el))
            .unwrap_or_else(|| other(range))
    }

    fn expr_inner(&mut self, el: &SyntaxElement) -> Expr {
        let range = el.span();
        let x = ast::Expr::new(el);
        let kind = match el.kind() {
            K::Variable => match x.as_variable(self.src) {
                Some(v) => ExprKind::Var(var_ref(&v)),
                None => ExprKind::Other,
            },
            K::Splat => return self.splat(&range),
            K::Number => ExprKind::Number,
            K::BareWord
            | K::SingleQuotedString
            | K::HereSingleQuotedString
            | K::ExpandableString
            | K::HereExpandableString
            | K::ExpandableWord => match self.string(el) {
                Some(k) => k,
                None => ExprKind::Other,
            },
            K::ParenExpression => {
                let node = x.node();
                match node.and_then(|n| ast::statements(n).into_iter().next()) {
                    Some(s) => ExprKind::Paren(Box::new(self.stmt_pipeline(s))),
                    None => ExprKind::Other,
                }
            }
            K::SubExpression => ExprKind::Sub(self.opt_block(x.node()).unwrap_or_default()),
            K::ArrayExpression => ExprKind::Array(self.opt_block(x.node()).unwrap_or_default()),
            K::ScriptBlock => ExprKind::ScriptBlock(self.opt_block(x.node()).unwrap_or_default()),
            K::Hashtable => match x.as_hashtable(self.src) {
                Some(h) => ExprKind::Hash(self.hash_entries(h)),
                None => ExprKind::Other,
            },
            K::TypeLiteral => ExprKind::TypeLit(
                x.node()
                    .and_then(|n| n.token_of_kind(K::TypeName))
                    .map(|t| t.text(self.src).to_string())
                    .unwrap_or_default(),
            ),
            K::Cast => match x.as_cast(self.src) {
                Some((ty, operand)) => ExprKind::Cast {
                    ty: ty.to_string(),
                    operand: Box::new(self.expr(operand.element)),
                },
                None => ExprKind::Other,
            },
            K::MemberAccess | K::InvokeMember => match x.as_member_access() {
                Some(m) => {
                    let target = m
                        .target()
                        .map(|t| self.expr(t.element))
                        .unwrap_or_else(|| other(range.start..range.start));
                    let name = match m.member() {
                        Some(mx) => {
                            let span = mx.span();
                            self.string(mx.element)
                                .and_then(|k| {
                                    Expr {
                                        range: span.clone(),
                                        kind: k,
                                    }
                                    .literal()
                                })
                                .unwrap_or_else(|| self.text(&span).to_string())
                        }
                        None => String::new(),
                    };
                    let args = m.is_invocation().then(|| {
                        m.arguments()
                            .into_iter()
                            .map(|a| self.expr(a.element))
                            .collect()
                    });
                    ExprKind::Member {
                        target: Box::new(target),
                        name,
                        is_static: m.is_static(),
                        args,
                    }
                }
                None => ExprKind::Other,
            },
            K::IndexExpression => match x.as_index() {
                Some(ix) => {
                    let target = ix.target().map(|t| self.expr(t.element));
                    let index = ix.index().map(|i| self.expr(i.element));
                    match (target, index) {
                        (Some(t), Some(i)) => ExprKind::Index {
                            target: Box::new(t),
                            index: Box::new(i),
                        },
                        _ => ExprKind::Other,
                    }
                }
                None => ExprKind::Other,
            },
            K::BinaryExpression | K::ArrayLiteral | K::TernaryExpression => {
                let mut operands = Vec::new();
                let mut ops = Vec::new();
                self.flatten(el, &mut operands, &mut ops);
                ExprKind::Binary { operands, ops }
            }
            K::UnaryExpression => {
                let node = x.node();
                let parts: Vec<&SyntaxElement> = node
                    .map(|n| n.children.iter().filter(|c| !c.is_trivia()).collect())
                    .unwrap_or_default();
                // `-not $x`, `!$x`, `,$x`, `$i++`: the operand is the one non-operator part.
                let operand = parts
                    .iter()
                    .find(|c| !matches!(c.kind(), K::UnaryOperator | K::Comma | K::BinaryOperator));
                match operand {
                    Some(operand) => ExprKind::Unary {
                        operand: Box::new(self.expr(operand)),
                    },
                    None => ExprKind::Other,
                }
            }
            _ => ExprKind::Other,
        };
        Expr { range, kind }
    }

    /// Binary chains (nested by precedence in the grammar), `a, b` lists and `c ? a : b`
    /// flattened into operands and operators in source order.
    fn flatten(&mut self, el: &SyntaxElement, operands: &mut Vec<Expr>, ops: &mut Vec<String>) {
        match el {
            SyntaxElement::Node(n)
                if matches!(
                    n.kind,
                    K::BinaryExpression | K::ArrayLiteral | K::TernaryExpression
                ) =>
            {
                for c in n.children.iter().filter(|c| !c.is_trivia()) {
                    match c.kind() {
                        K::BinaryOperator | K::Comma | K::QuestionMark | K::Colon => {
                            ops.push(normalise_op(self.text(&c.span())))
                        }
                        _ => {
                            let r = c.span();
                            if self
                                .nested(r.clone(), |l| l.flatten(c, operands, ops))
                                .is_none()
                            {
                                operands.push(other(r));
                            }
                        }
                    }
                }
            }
            _ => operands.push(self.expr(el)),
        }
    }

    /// A string-like literal with its parts: literal text, variables, `$( … )`.
    fn string(&mut self, el: &SyntaxElement) -> Option<ExprKind> {
        let s = ast::Expr::new(el).as_string(self.src)?;
        let quote = match s.kind {
            StringKind::Bare => Quote::Bare,
            StringKind::Single | StringKind::HereSingle => Quote::Single,
            StringKind::Double | StringKind::HereDouble => Quote::Double,
        };
        let mut parts = Vec::new();
        for p in s.parts {
            match p {
                ast::StringPart::Literal(t) => push_lit(&mut parts, &t),
                ast::StringPart::Variable(v) => parts.push(StrPart::Var(var_ref(&v))),
                ast::StringPart::SubExpression(n) => {
                    let b = self.block(n);
                    parts.push(StrPart::Sub(n.span.clone(), b));
                }
                ast::StringPart::Expression(inner) => {
                    // A glued-on quoted string or other token inside a bare word.
                    match self.string(inner) {
                        Some(ExprKind::Str { parts: ps, .. }) => {
                            for q in ps {
                                match q {
                                    StrPart::Lit(t) => push_lit(&mut parts, &t),
                                    q => parts.push(q),
                                }
                            }
                        }
                        _ => {
                            let t = self.text(&inner.span()).to_string();
                            push_lit(&mut parts, &t)
                        }
                    }
                }
            }
        }
        Some(ExprKind::Str { quote, parts })
    }

    fn hash_entries(&mut self, h: ast::Hashtable<'_>) -> Vec<HashEntry> {
        let mut out = Vec::new();
        for e in h.entries(self.src) {
            let key = e.key.unwrap_or_else(|| self.text(&e.key_span).to_string());
            let value = e.value.map(|v| self.stmt_pipeline(v));
            out.push(HashEntry {
                key,
                value,
                range: e.span.clone(),
            });
        }
        out
    }
}

fn compound(keyword: &str, heads: Vec<Pipeline>, blocks: Vec<Block>) -> StmtKind {
    StmtKind::Compound {
        keyword: keyword.to_string(),
        heads,
        blocks,
    }
}

fn push_lit(parts: &mut Vec<StrPart>, t: &str) {
    if t.is_empty() {
        return;
    }
    match parts.last_mut() {
        Some(StrPart::Lit(prev)) => prev.push_str(t),
        _ => parts.push(StrPart::Lit(t.to_string())),
    }
}

/// Operators lower-cased with typographic dashes as `-` (`-CEQ` stays `-ceq`).
fn normalise_op(op: &str) -> String {
    op.to_ascii_lowercase()
        .replace(['\u{2013}', '\u{2014}', '\u{2015}'], "-")
}
