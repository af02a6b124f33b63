//! One walk over the tree that records what the rules query: every command with its
//! surroundings, every variable definition and every variable reference, each with the chain
//! of blocks it sits in (used as a dominance approximation for reaching definitions).

use crate::model::*;
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctx {
    /// Block ids from the root (0) to the innermost block.
    pub blocks: Vec<usize>,
    /// Index into `Index::functions` of the enclosing function, if any.
    pub func: Option<usize>,
}

impl Ctx {
    /// True when a statement in `self` runs on every path that reaches `other` (same block or
    /// an enclosing one).
    pub fn encloses(&self, other: &Ctx) -> bool {
        self.func == other.func && other.blocks.starts_with(&self.blocks)
    }
}

pub struct CmdSite<'a> {
    pub cmd: &'a Command,
    pub pipe: &'a Pipeline,
    pub elem: usize,
    /// The statement that holds the pipeline (for a nested command, the outer statement).
    pub stmt: &'a Stmt,
    /// The pipeline is the statement itself (not nested in parentheses or a sub-expression).
    pub top: bool,
    /// For a command nested as `( … )` argument: the command it is an argument of.
    pub parent_cmd: Option<&'a Command>,
    pub ctx: Ctx,
}

pub enum DefValue<'a> {
    Pipe(&'a Pipeline),
    /// A `param()` entry, with its default when it has one.
    Param(Option<&'a Expr>),
    /// Loop variables and other definitions whose value is unknown.
    Opaque,
}

pub struct Def<'a> {
    pub key: String,
    pub pos: usize,
    pub op: String,
    pub value: DefValue<'a>,
    pub stmt: &'a Stmt,
    pub ctx: Ctx,
}

pub struct Ref<'a> {
    pub var: &'a VarRef,
    pub ctx: Ctx,
    /// Inside a string (`"$s"`), which is always an inspection.
    pub in_string: bool,
    /// Inside a `return` statement's value.
    pub returned: bool,
}

pub struct Function<'a> {
    pub name: String,
    pub stmt: &'a Stmt,
}

/// A statement and the block it sits in, for straight-line and adjacency questions.
pub struct StmtSite<'a> {
    pub stmt: &'a Stmt,
    pub block: &'a Block,
    pub idx: usize,
    pub ctx: Ctx,
}

#[derive(Default)]
pub struct Index<'a> {
    pub cmds: Vec<CmdSite<'a>>,
    pub defs: Vec<Def<'a>>,
    pub refs: Vec<Ref<'a>>,
    pub functions: Vec<Function<'a>>,
    pub stmts: Vec<StmtSite<'a>>,
    next_block: usize,
}

impl<'a> Index<'a> {
    pub fn build(root: &'a Block) -> Index<'a> {
        let mut ix = Index {
            next_block: 1,
            ..Default::default()
        };
        let ctx = Ctx {
            blocks: vec![0],
            func: None,
        };
        ix.block(root, &ctx);
        ix
    }

    fn new_block(&mut self, ctx: &Ctx) -> Ctx {
        let id = self.next_block;
        self.next_block += 1;
        let mut c = ctx.clone();
        c.blocks.push(id);
        c
    }

    fn block(&mut self, b: &'a Block, ctx: &Ctx) {
        for (idx, s) in b.stmts.iter().enumerate() {
            self.stmts.push(StmtSite {
                stmt: s,
                block: b,
                idx,
                ctx: ctx.clone(),
            });
            self.stmt(s, ctx);
        }
    }

    fn stmt(&mut self, s: &'a Stmt, ctx: &Ctx) {
        match &s.kind {
            StmtKind::Pipeline(p) => self.pipeline(p, s, true, None, ctx, false),
            StmtKind::Function { name, body, .. } => {
                let fid = self.functions.len();
                self.functions.push(Function {
                    name: name.clone(),
                    stmt: s,
                });
                let mut c = self.new_block(ctx);
                c.func = Some(fid);
                self.block(body, &c);
            }
            StmtKind::Compound {
                keyword,
                heads,
                blocks,
            } => {
                for h in heads {
                    if keyword == "foreach" {
                        // `foreach ($x in …)`: $x gets values from outside our knowledge.
                        if let Some(Elem::Expr(e)) = h.elems.first() {
                            let target = first_var_expr(e);
                            if let Some(t) = target {
                                if let ExprKind::Var(v) = &t.kind {
                                    self.defs.push(Def {
                                        key: v.key(),
                                        pos: v.range.start,
                                        op: "=".into(),
                                        value: DefValue::Opaque,
                                        stmt: s,
                                        ctx: ctx.clone(),
                                    });
                                }
                            }
                        }
                    }
                    self.pipeline(h, s, false, None, ctx, false);
                }
                for b in blocks {
                    let c = self.new_block(ctx);
                    self.block(b, &c);
                }
            }
            StmtKind::Flow { keyword, value } => {
                if let Some(p) = value {
                    self.pipeline(p, s, true, None, ctx, keyword == "return");
                }
            }
            StmtKind::Param(decls) => {
                for d in decls {
                    self.defs.push(Def {
                        key: d.var.key(),
                        pos: d.var.range.start,
                        op: "=".into(),
                        value: DefValue::Param(d.default.as_ref()),
                        stmt: s,
                        ctx: ctx.clone(),
                    });
                }
            }
            StmtKind::Error => {}
        }
    }

    fn pipeline(
        &mut self,
        p: &'a Pipeline,
        s: &'a Stmt,
        top: bool,
        parent: Option<&'a Command>,
        ctx: &Ctx,
        returned: bool,
    ) {
        if let Some(a) = &p.assign {
            let target = strip_cast(&a.target);
            match &target.kind {
                ExprKind::Var(v) => {
                    self.defs.push(Def {
                        key: v.key(),
                        pos: s.range.start.max(p.range.start),
                        op: a.op.clone(),
                        value: DefValue::Pipe(p),
                        stmt: s,
                        ctx: ctx.clone(),
                    });
                }
                _ => self.expr(target, s, ctx, false, returned),
            }
        }
        for (i, e) in p.elems.iter().enumerate() {
            match e {
                Elem::Cmd(c) => {
                    self.cmds.push(CmdSite {
                        cmd: c,
                        pipe: p,
                        elem: i,
                        stmt: s,
                        top,
                        parent_cmd: parent,
                        ctx: ctx.clone(),
                    });
                    if let Some(ne) = &c.name_expr {
                        self.expr(ne, s, ctx, false, returned);
                    }
                    if c.name.eq_ignore_ascii_case("param") {
                        self.param_block(c, s, ctx);
                        continue;
                    }
                    for a in &c.args {
                        match a {
                            Arg::Param { colon_value, .. } => {
                                if let Some(v) = colon_value {
                                    self.arg_expr(v, s, c, ctx, returned);
                                }
                            }
                            Arg::Value(v) => self.arg_expr(v, s, c, ctx, returned),
                            Arg::Redirect { target, .. } => {
                                if let Some(t) = target {
                                    self.expr(t, s, ctx, false, returned);
                                }
                            }
                        }
                    }
                }
                Elem::Expr(x) => self.expr(x, s, ctx, false, returned),
            }
        }
    }

    fn arg_expr(&mut self, e: &'a Expr, s: &'a Stmt, c: &'a Command, ctx: &Ctx, returned: bool) {
        if let ExprKind::Paren(p) = &e.kind {
            self.pipeline(p, s, false, Some(c), ctx, returned);
        } else {
            self.expr(e, s, ctx, false, returned);
        }
    }

    /// `param( [type]$a = default, $b )`, read from the parenthesised argument of `param`.
    fn param_block(&mut self, c: &'a Command, s: &'a Stmt, ctx: &Ctx) {
        for a in &c.args {
            if let Arg::Value(Expr {
                kind: ExprKind::Paren(p),
                ..
            }) = a
            {
                self.param_pipeline(p, s, ctx);
            }
        }
    }

    fn param_pipeline(&mut self, p: &'a Pipeline, s: &'a Stmt, ctx: &Ctx) {
        if let Some(a) = &p.assign {
            // `$a = default` (possibly followed by `, $b` in the value)
            if let Some(v) = strip_cast(&a.target).as_var() {
                let default = match p.elems.first() {
                    Some(Elem::Expr(e)) => Some(first_operand(e)),
                    _ => None,
                };
                self.defs.push(Def {
                    key: v.key(),
                    pos: v.range.start,
                    op: "=".into(),
                    value: DefValue::Param(default),
                    stmt: s,
                    ctx: ctx.clone(),
                });
            }
            for e in &p.elems {
                if let Elem::Expr(e) = e {
                    self.param_list(e, s, ctx, true);
                }
            }
            return;
        }
        for e in &p.elems {
            if let Elem::Expr(e) = e {
                self.param_list(e, s, ctx, false);
            }
        }
    }

    fn param_list(&mut self, e: &'a Expr, s: &'a Stmt, ctx: &Ctx, skip_first: bool) {
        let operands: Vec<&Expr> = match &e.kind {
            ExprKind::Binary { operands, .. } => operands.iter().collect(),
            _ => vec![e],
        };
        for (i, o) in operands.into_iter().enumerate() {
            if skip_first && i == 0 {
                continue;
            }
            if let Some(v) = strip_cast(o).as_var() {
                self.defs.push(Def {
                    key: v.key(),
                    pos: v.range.start,
                    op: "=".into(),
                    value: DefValue::Param(None),
                    stmt: s,
                    ctx: ctx.clone(),
                });
            }
        }
    }

    fn expr(&mut self, e: &'a Expr, s: &'a Stmt, ctx: &Ctx, in_string: bool, returned: bool) {
        match &e.kind {
            ExprKind::Var(v) | ExprKind::Splat(v) => self.refs.push(Ref {
                var: v,
                ctx: ctx.clone(),
                in_string,
                returned,
            }),
            ExprKind::Str { parts, .. } => {
                for part in parts {
                    match part {
                        StrPart::Var(v) => self.refs.push(Ref {
                            var: v,
                            ctx: ctx.clone(),
                            in_string: true,
                            returned,
                        }),
                        StrPart::Sub(_, b) => self.inner_block(b, s, ctx, true),
                        StrPart::Lit(_) => {}
                    }
                }
            }
            ExprKind::Paren(p) => self.pipeline(p, s, false, None, ctx, returned),
            ExprKind::Sub(b) | ExprKind::Array(b) => self.inner_block(b, s, ctx, in_string),
            ExprKind::ScriptBlock(b) => {
                let c = self.new_block(ctx);
                self.block(b, &c);
            }
            ExprKind::Hash(entries) => {
                for en in entries {
                    if let Some(v) = &en.value {
                        self.pipeline(v, s, false, None, ctx, returned);
                    }
                }
            }
            ExprKind::Member { target, args, .. } => {
                self.expr(target, s, ctx, in_string, returned);
                if let Some(args) = args {
                    for a in args {
                        self.expr(a, s, ctx, in_string, returned);
                    }
                }
            }
            ExprKind::Index { target, index } => {
                self.expr(target, s, ctx, in_string, returned);
                self.expr(index, s, ctx, in_string, returned);
            }
            ExprKind::Binary { operands, .. } => {
                for o in operands {
                    self.expr(o, s, ctx, in_string, returned);
                }
            }
            ExprKind::Unary { operand, .. } | ExprKind::Cast { operand, .. } => {
                self.expr(operand, s, ctx, in_string, returned)
            }
            ExprKind::Number | ExprKind::TypeLit(_) | ExprKind::Other => {}
        }
    }

    /// A sub-expression's statements belong to the outer statement (they run with it).
    fn inner_block(&mut self, b: &'a Block, s: &'a Stmt, ctx: &Ctx, in_string: bool) {
        for st in &b.stmts {
            match &st.kind {
                StmtKind::Pipeline(p) => {
                    if in_string {
                        // references inside "$(…)" are inspections of the value
                        let before = self.refs.len();
                        self.pipeline(p, s, false, None, ctx, false);
                        for r in &mut self.refs[before..] {
                            r.in_string = true;
                        }
                    } else {
                        self.pipeline(p, s, false, None, ctx, false)
                    }
                }
                _ => self.stmt(st, ctx),
            }
        }
    }

    /// Definitions of `key` that may reach position `pos` in context `ctx`, nearest first.
    /// Empty when the variable comes from outside the file's view.
    pub fn reaching(&self, key: &str, pos: usize, ctx: &Ctx) -> Vec<&Def<'a>> {
        let mut out = Vec::new();
        let mut cands: Vec<&Def<'a>> = self
            .defs
            .iter()
            .filter(|d| d.key == key && d.pos < pos && d.ctx.func == ctx.func)
            .filter(|d| {
                !(d.stmt.range.start <= pos
                    && pos < d.stmt.range.end
                    && matches!(d.value, DefValue::Pipe(_)))
            })
            .collect();
        cands.sort_by_key(|d| std::cmp::Reverse(d.pos));
        for d in cands {
            out.push(d);
            // A `+=` definition resolves through its own predecessors, so it ends the search too.
            if d.ctx.encloses(ctx) {
                return out;
            }
        }
        if out.is_empty() && (key.starts_with("global:") || key.starts_with("script:")) {
            // A scoped variable may be set in another function of the file.
            return self.defs.iter().filter(|d| d.key == key).collect();
        }
        out
    }

    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.functions.iter().map(|f| f.name.as_str())
    }

    /// The statement site of a statement (by identity of its range start and end).
    pub fn stmt_site(&self, range: &Range<usize>) -> Option<&StmtSite<'a>> {
        self.stmts.iter().find(|s| s.stmt.range == *range)
    }
}

pub fn strip_cast(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Cast { operand, .. } => strip_cast(operand),
        _ => e,
    }
}

fn first_operand(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Binary { operands, ops } if ops.first().is_some_and(|o| o == ",") => {
            operands.first().map(first_operand).unwrap_or(e)
        }
        _ => e,
    }
}

fn first_var_expr(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Var(_) => Some(e),
        ExprKind::Binary { operands, .. } => operands.first(),
        _ => None,
    }
}
