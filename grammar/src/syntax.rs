//! The lossless syntax tree: owned nodes and tokens with byte spans into the parsed text.
//!
//! Every byte of the input belongs to exactly one token; trivia (whitespace, line
//! continuations, comments, newlines) are tokens like any other. Nodes carry no text, only
//! spans, so the tree stays small and the source stays the single source of truth.

use std::fmt::Write as _;
use std::ops::Range;

/// What a node or a token is. Token kinds and node kinds share one enum so that a caller can
/// match on `kind` without first asking which of the two it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyntaxKind {
    // ── tokens: trivia ──
    /// Spaces, tabs and backtick line continuations (`` ` `` + LF, CRLF or lone CR).
    Whitespace,
    /// `# …` up to (not including) the line end, or `<# … #>`.
    Comment,
    /// `\n`, `\r\n` or a lone `\r`.
    Newline,
    // ── tokens: punctuation and operators ──
    Semicolon,
    Comma,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    /// `@(`
    AtLParen,
    /// `@{`
    AtLBrace,
    /// `$(`
    DollarLParen,
    Pipe,
    /// `&&` or `||`
    ChainOperator,
    /// `.` or `?.`
    Dot,
    /// `::`
    DoubleColon,
    Colon,
    /// The `?` of a ternary `a ? b : c`.
    QuestionMark,
    /// `=`, `+=`, `-=`, `*=`, `/=`, `%=`, `??=`
    AssignOperator,
    /// Every binary operator: `-eq`, `-f`, `-join`, `+`, `..`, …
    BinaryOperator,
    /// Prefix and postfix operators: `!`, `-not`, `-`, `++`, `,`, …
    UnaryOperator,
    /// `&` or `.` in front of a command.
    InvocationOperator,
    /// `>`, `>>`, `2>&1`, `*>`, `<`, …
    RedirectionOperator,
    /// `if`, `function`, `foreach`, `param`, `begin`, … (any casing)
    Keyword,
    // ── tokens: words and literals ──
    /// `$name`, `$scope:name`, `${any name}`, `$_`, `$$`, `$?`, `$^`
    Variable,
    /// `@name`
    Splat,
    Number,
    /// A simple name: member names, hashtable keys written bare, attribute argument names,
    /// class and enum names.
    Identifier,
    /// A generic token in argument mode or a command name: `New-PSSession`, `https://…?a=b`.
    BareWord,
    /// `-Name` or `-Name:` (any of the four dashes PowerShell accepts).
    Parameter,
    /// `--%` and the rest of its line.
    StopParsing,
    /// `:label`
    Label,
    /// The name inside `[…]`: `System.Collections.Generic.List[string]`.
    TypeName,
    /// A whole `'…'` string, quotes included.
    SingleQuotedString,
    /// A whole `@'…'@` here-string.
    HereSingleQuotedString,
    /// An opening or closing quote of an expandable string (`"`, `@"`+newline, newline+`"@`).
    StringDelimiter,
    /// Literal text inside an expandable string, escapes undecoded.
    StringText,
    /// Zero-width token where a closer (`)`, `}`, `]`, quote) is missing.
    Missing,
    /// Text that the grammar could not place; always inside an `Error` node.
    ErrorText,
    /// Text not claimed by any grammar rule (a grammar bug; tests assert it never appears).
    Unknown,

    // ── nodes ──
    Script,
    /// A statement block: `{ … }` after `if`, `foreach`, `try`, …
    Block,
    /// A script block expression or a function body: `{ … }`.
    ScriptBlock,
    ParenExpression,
    SubExpression,
    ArrayExpression,
    Hashtable,
    HashEntry,
    /// Commands and expressions joined by `|` (a single command is a one-element pipeline).
    Pipeline,
    /// Pipelines joined by `&&` / `||`.
    PipelineChain,
    Assignment,
    Command,
    /// The name part of a command after `&` or `.` (an expression).
    CommandNameExpr,
    /// A parameter, with its `:value` when colon-bound.
    CommandParameter,
    /// One argument (possibly a comma list).
    CommandArgument,
    Redirection,
    /// A bare word with glued-on variables, strings or subexpressions: `a$b`, `"x"y`.
    ExpandableWord,
    BinaryExpression,
    /// `cond ? a : b` (PowerShell 7)
    TernaryExpression,
    UnaryExpression,
    /// `a, b, c`
    ArrayLiteral,
    Cast,
    TypeLiteral,
    /// `x.y`, `x?.y`, `[T]::y`
    MemberAccess,
    /// `x.y(…)`, `[T]::y(…)`
    InvokeMember,
    /// `(…)` after a member name.
    ArgumentList,
    IndexExpression,
    /// `"…"` with its text, variables and subexpressions.
    ExpandableString,
    /// `@"…"@`
    HereExpandableString,
    IfStatement,
    ElseIfClause,
    ElseClause,
    SwitchStatement,
    SwitchClause,
    ForeachStatement,
    /// `($x in …)`
    ForeachHead,
    ForStatement,
    ForHead,
    WhileStatement,
    DoStatement,
    TryStatement,
    CatchClause,
    FinallyClause,
    TrapStatement,
    /// `break`, `continue`, `return`, `throw`, `exit`
    FlowStatement,
    LabeledStatement,
    DataStatement,
    FunctionDefinition,
    /// The name after `function` (token kind `Identifier`-like, but any generic word).
    FunctionName,
    ParamBlock,
    /// `( … )` of a param block, old-style function parameters or a class method.
    ParameterList,
    ParameterDeclaration,
    /// `begin { }`, `process { }`, `end { }`, `dynamicparam { }`, `clean { }`
    NamedBlock,
    Attribute,
    AttributeArguments,
    AttributeArgument,
    ClassDefinition,
    ClassMember,
    ClassProperty,
    ClassMethod,
    EnumDefinition,
    EnumMember,
    /// A construct the grammar does not know, kept verbatim.
    Error,
}

impl SyntaxKind {
    /// Whitespace, comments and newlines.
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            SyntaxKind::Whitespace | SyntaxKind::Comment | SyntaxKind::Newline
        )
    }

    /// Whether this kind only ever appears on tokens (leaves).
    pub fn is_token(self) -> bool {
        (self as u16) < (SyntaxKind::Script as u16)
    }

    /// The kinds that are whole statements in a statement list.
    pub fn is_statement(self) -> bool {
        matches!(
            self,
            SyntaxKind::Pipeline
                | SyntaxKind::PipelineChain
                | SyntaxKind::Assignment
                | SyntaxKind::IfStatement
                | SyntaxKind::SwitchStatement
                | SyntaxKind::ForeachStatement
                | SyntaxKind::ForStatement
                | SyntaxKind::WhileStatement
                | SyntaxKind::DoStatement
                | SyntaxKind::TryStatement
                | SyntaxKind::TrapStatement
                | SyntaxKind::FlowStatement
                | SyntaxKind::LabeledStatement
                | SyntaxKind::DataStatement
                | SyntaxKind::FunctionDefinition
                | SyntaxKind::ParamBlock
                | SyntaxKind::NamedBlock
                | SyntaxKind::ClassDefinition
                | SyntaxKind::EnumDefinition
                | SyntaxKind::Error
        )
    }
}

/// A leaf: a kind and the byte range it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxToken {
    pub kind: SyntaxKind,
    pub span: Range<usize>,
}

impl SyntaxToken {
    /// The token's text in `source` (the text that was parsed).
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.span.clone()).unwrap_or("")
    }
}

/// An inner node; its span always equals the union of its children's spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxNode {
    pub kind: SyntaxKind,
    pub span: Range<usize>,
    pub children: Vec<SyntaxElement>,
}

/// Dropping a tree frees it with an explicit stack: the derived drop recurses once per level,
/// and a long operator or member chain (`$a + $b + …`, `$a.b.c…`) nests one level per link,
/// so a 100,000-link chain would overflow any thread's stack while being freed.
impl Drop for SyntaxNode {
    fn drop(&mut self) {
        let mut pending: Vec<SyntaxNode> = Vec::new();
        let take = |children: &mut Vec<SyntaxElement>, pending: &mut Vec<SyntaxNode>| {
            for child in children.drain(..) {
                if let SyntaxElement::Node(node) = child {
                    if !node.children.is_empty() {
                        pending.push(node);
                    }
                }
            }
        };
        take(&mut self.children, &mut pending);
        while let Some(mut node) = pending.pop() {
            take(&mut node.children, &mut pending);
            // `node` now has no children, so its own drop returns at once.
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxElement {
    Node(SyntaxNode),
    Token(SyntaxToken),
}

impl SyntaxElement {
    pub fn kind(&self) -> SyntaxKind {
        match self {
            SyntaxElement::Node(n) => n.kind,
            SyntaxElement::Token(t) => t.kind,
        }
    }

    pub fn span(&self) -> Range<usize> {
        match self {
            SyntaxElement::Node(n) => n.span.clone(),
            SyntaxElement::Token(t) => t.span.clone(),
        }
    }

    pub fn as_node(&self) -> Option<&SyntaxNode> {
        match self {
            SyntaxElement::Node(n) => Some(n),
            SyntaxElement::Token(_) => None,
        }
    }

    pub fn as_token(&self) -> Option<&SyntaxToken> {
        match self {
            SyntaxElement::Token(t) => Some(t),
            SyntaxElement::Node(_) => None,
        }
    }

    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.span()).unwrap_or("")
    }

    pub fn is_trivia(&self) -> bool {
        self.kind().is_trivia()
    }
}

impl SyntaxNode {
    /// The node's text in `source`.
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.span.clone()).unwrap_or("")
    }

    /// Direct children, nodes and tokens, trivia included.
    pub fn children(&self) -> impl Iterator<Item = &SyntaxElement> {
        self.children.iter()
    }

    /// Direct child nodes.
    pub fn child_nodes(&self) -> impl Iterator<Item = &SyntaxNode> {
        self.children.iter().filter_map(SyntaxElement::as_node)
    }

    /// Direct child tokens, trivia included.
    pub fn child_tokens(&self) -> impl Iterator<Item = &SyntaxToken> {
        self.children.iter().filter_map(SyntaxElement::as_token)
    }

    /// Direct children that are not trivia.
    pub fn significant_children(&self) -> impl Iterator<Item = &SyntaxElement> {
        self.children.iter().filter(|c| !c.is_trivia())
    }

    /// The first direct child node of `kind`.
    pub fn child_of_kind(&self, kind: SyntaxKind) -> Option<&SyntaxNode> {
        self.child_nodes().find(|n| n.kind == kind)
    }

    /// The first direct child token of `kind`.
    pub fn token_of_kind(&self, kind: SyntaxKind) -> Option<&SyntaxToken> {
        self.child_tokens().find(|t| t.kind == kind)
    }

    /// This node and every node below it, in preorder.
    pub fn descendants(&self) -> Descendants<'_> {
        Descendants { stack: vec![self] }
    }

    /// Every node below (and including) this one whose kind is `kind`, in preorder.
    pub fn find_all(&self, kind: SyntaxKind) -> impl Iterator<Item = &SyntaxNode> {
        self.descendants().filter(move |n| n.kind == kind)
    }

    /// All tokens (leaves) below this node, in source order.
    pub fn tokens(&self) -> Tokens<'_> {
        Tokens {
            stack: vec![self.children.iter()],
        }
    }

    /// The innermost node of kind `kind` (or any kind if `None`) whose span contains `offset`.
    pub fn covering_node(&self, offset: usize) -> &SyntaxNode {
        let mut current = self;
        'descend: loop {
            for child in current.child_nodes() {
                if child.span.start <= offset && offset < child.span.end {
                    current = child;
                    continue 'descend;
                }
            }
            return current;
        }
    }
}

/// Preorder iterator over nodes; explicit stack so deep trees cannot overflow the call stack.
pub struct Descendants<'a> {
    stack: Vec<&'a SyntaxNode>,
}

impl<'a> Iterator for Descendants<'a> {
    type Item = &'a SyntaxNode;

    fn next(&mut self) -> Option<&'a SyntaxNode> {
        let node = self.stack.pop()?;
        self.stack.extend(
            node.children
                .iter()
                .rev()
                .filter_map(SyntaxElement::as_node),
        );
        Some(node)
    }
}

/// In-order iterator over leaves.
pub struct Tokens<'a> {
    stack: Vec<std::slice::Iter<'a, SyntaxElement>>,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a SyntaxToken;

    fn next(&mut self) -> Option<&'a SyntaxToken> {
        loop {
            let top = self.stack.last_mut()?;
            match top.next() {
                None => {
                    self.stack.pop();
                }
                Some(SyntaxElement::Token(t)) => return Some(t),
                Some(SyntaxElement::Node(n)) => self.stack.push(n.children.iter()),
            }
        }
    }
}

/// Deepest level `debug_dump` shows as indentation.
const MAX_DUMP_INDENT: usize = 64;

impl SyntaxNode {
    /// An indented, one-element-per-line rendering: `Kind@start..end` for nodes and
    /// `Kind@start..end "text"` for tokens (text escaped with Rust's `{:?}`). Used by
    /// `exomig parse --tree` and the snapshot tests.
    pub fn debug_dump(&self, source: &str) -> String {
        let mut out = String::new();
        let mut stack: Vec<(usize, &SyntaxElement)> = Vec::new();
        out.push_str(&format!(
            "{:?}@{}..{}\n",
            self.kind, self.span.start, self.span.end
        ));
        stack.extend(self.children.iter().rev().map(|c| (1, c)));
        while let Some((depth, element)) = stack.pop() {
            // Indentation is capped so that a 100,000-link operator chain (as deep as it is
            // long) dumps in linear, not quadratic, space; deeper lines say their depth.
            for _ in 0..depth.min(MAX_DUMP_INDENT) {
                out.push_str("  ");
            }
            if depth > MAX_DUMP_INDENT {
                let _ = write!(out, "<depth {depth}> ");
            }
            match element {
                SyntaxElement::Node(n) => {
                    out.push_str(&format!("{:?}@{}..{}\n", n.kind, n.span.start, n.span.end));
                    stack.extend(n.children.iter().rev().map(|c| (depth + 1, c)));
                }
                SyntaxElement::Token(t) => {
                    out.push_str(&format!(
                        "{:?}@{}..{} {:?}\n",
                        t.kind,
                        t.span.start,
                        t.span.end,
                        t.text(source)
                    ));
                }
            }
        }
        out
    }
}
