//! The statement-level model the analysis walks: just enough structure for the rules
//! (commands, their parameters and arguments, assignments, blocks, strings with their
//! interpolations). It is built from the grammar's tree by [`crate::lower`] (never from the
//! text), so the grammar is the one parser; every node keeps its byte range in the analysed
//! text, so edits can target it exactly.

use std::ops::Range;

#[derive(Debug, Clone, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

#[derive(Debug, Clone)]
pub struct Stmt {
    pub range: Range<usize>,
    pub kind: StmtKind,
}

#[derive(Debug, Clone)]
pub enum StmtKind {
    Pipeline(Pipeline),
    Function {
        name: String,
        body: Block,
    },
    /// `if`, `foreach`, `while`, `try`, `switch`, `begin`, … : heads are the parenthesised
    /// conditions, blocks the bodies in source order.
    Compound {
        keyword: String,
        heads: Vec<Pipeline>,
        blocks: Vec<Block>,
    },
    /// `return`, `throw`, `exit`, `break`, `continue` with an optional pipeline.
    Flow {
        keyword: String,
        value: Option<Pipeline>,
    },
    /// `param( [type]$a = default, $b )`: the declared variables with their defaults.
    Param(Vec<ParamDecl>),
    /// Text the parser could not make sense of, and constructs that never hold a connection
    /// (classes, enums).
    Error,
}

#[derive(Debug, Clone)]
pub struct ParamDecl {
    pub var: VarRef,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone)]
pub struct Pipeline {
    pub range: Range<usize>,
    pub assign: Option<Assign>,
    pub elems: Vec<Elem>,
}

#[derive(Debug, Clone)]
pub struct Assign {
    pub target: Expr,
    pub op: String,
}

#[derive(Debug, Clone)]
pub enum Elem {
    Cmd(Command),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub struct Command {
    pub range: Range<usize>,
    /// The command name as written (without an `&`/`.` invocation operator).
    pub name: String,
    pub name_range: Range<usize>,
    /// `.` (dot-source) or `&` when the command is invoked through an operator.
    pub invocation: Option<char>,
    /// The invoked expression for `&`/`.` invocations (`. "$dir\x.ps1"`).
    pub name_expr: Option<Box<Expr>>,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone)]
pub enum Arg {
    Param {
        /// Name without the dash, as written.
        name: String,
        /// The parameter token (dash, name and a colon if any).
        range: Range<usize>,
        /// A colon-bound value (`-Name:value`).
        colon_value: Option<Expr>,
    },
    Value(Expr),
    Redirect {
        target: Option<Expr>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    /// Lower-cased scope qualifier (`global`, `script`, `env`, `using`, …) if written.
    pub scope: Option<String>,
    /// Lower-cased name.
    pub name: String,
    pub range: Range<usize>,
}

impl VarRef {
    /// The identity used for matching definitions and uses: scope qualifier plus name.
    pub fn key(&self) -> String {
        match &self.scope {
            Some(s) if s != "local" => format!("{s}:{}", self.name),
            _ => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum StrPart {
    Lit(String),
    Var(VarRef),
    /// `$( … )` inside a double-quoted string or bare word.
    Sub(Range<usize>, Block),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    Single,
    Double,
    /// An unquoted command argument (generic token); expands variables like a double-quoted one.
    Bare,
}

#[derive(Debug, Clone)]
pub struct HashEntry {
    pub key: String,
    pub value: Option<Pipeline>,
    pub range: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub range: Range<usize>,
    pub kind: ExprKind,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Str {
        quote: Quote,
        parts: Vec<StrPart>,
    },
    Number,
    Var(VarRef),
    Splat(VarRef),
    Paren(Box<Pipeline>),
    Sub(Block),
    Array(Block),
    Hash(Vec<HashEntry>),
    ScriptBlock(Block),
    TypeLit(String),
    Member {
        target: Box<Expr>,
        name: String,
        is_static: bool,
        args: Option<Vec<Expr>>,
    },
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    /// Operands joined by binary operators (`+`, `-eq`, `,`, …), left to right.
    Binary {
        operands: Vec<Expr>,
        ops: Vec<String>,
    },
    Unary {
        operand: Box<Expr>,
    },
    Cast {
        ty: String,
        operand: Box<Expr>,
    },
    Other,
}

impl Expr {
    /// The text of a literal without interpolation, if this is one.
    pub fn literal(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Str { parts, .. } => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        StrPart::Lit(t) => s.push_str(t),
                        _ => return None,
                    }
                }
                Some(s)
            }
            _ => None,
        }
    }

    pub fn as_var(&self) -> Option<&VarRef> {
        match &self.kind {
            ExprKind::Var(v) => Some(v),
            _ => None,
        }
    }

    /// Strips parentheses around a single expression: `((x))` → `x`.
    pub fn unparen(&self) -> &Expr {
        if let ExprKind::Paren(p) = &self.kind {
            if p.assign.is_none() && p.elems.len() == 1 {
                if let Elem::Expr(e) = &p.elems[0] {
                    return e.unparen();
                }
            }
        }
        self
    }

    /// The command inside `( … )` when this is a parenthesised single command.
    pub fn paren_command(&self) -> Option<&Command> {
        if let ExprKind::Paren(p) = &self.kind {
            if p.assign.is_none() {
                if let Some(Elem::Cmd(c)) = p.elems.first() {
                    return Some(c);
                }
            }
        }
        None
    }
}

impl Command {
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

impl Pipeline {
    pub fn first_cmd(&self) -> Option<&Command> {
        match self.elems.first() {
            Some(Elem::Cmd(c)) => Some(c),
            _ => None,
        }
    }
}
