//! Typed views over the syntax tree. Each view is a borrowed wrapper around a node (or, for
//! expressions, a node or a token) with accessors that skip trivia; the tree stays the single
//! owner of structure and spans. Views never panic: an accessor for a part that is missing in
//! broken input returns `None` or an empty list.

use std::ops::Range;

use crate::syntax::{SyntaxElement, SyntaxKind as K, SyntaxNode, SyntaxToken};

mod strings;
pub use strings::{
    decode_bare, decode_double, decode_single, StringKind, StringLiteral, StringPart,
};

// ───────────────────────────── statements ─────────────────────────────

/// The root of a parsed script.
#[derive(Clone, Copy, Debug)]
pub struct Script<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> Script<'a> {
    pub fn cast(node: &'a SyntaxNode) -> Option<Script<'a>> {
        (node.kind == K::Script).then_some(Script { node })
    }

    pub(crate) fn from_root(node: &'a SyntaxNode) -> Script<'a> {
        Script { node }
    }

    /// Top-level statements in order (error nodes included as `Statement::Error`).
    pub fn statements(&self) -> Vec<Statement<'a>> {
        statements(self.node)
    }
}

/// The statements directly inside a statement list: a script, a block, a script block, a
/// named block's block, `( )`, `$( )` or `@( )`.
pub fn statements(list: &SyntaxNode) -> Vec<Statement<'_>> {
    list.child_nodes().filter_map(Statement::cast).collect()
}

/// Every comment token below `node`, in source order (for suppression comments).
pub fn comments(node: &SyntaxNode) -> impl Iterator<Item = &SyntaxToken> {
    node.tokens().filter(|t| t.kind == K::Comment)
}

/// One statement. `node()` spans exactly the statement's code (no surrounding trivia), so
/// replacing `node().span` replaces the whole statement.
#[derive(Clone, Copy, Debug)]
pub enum Statement<'a> {
    Pipeline(Pipeline<'a>),
    Assignment(Assignment<'a>),
    If(IfStatement<'a>),
    Switch(SwitchStatement<'a>),
    Foreach(ForeachStatement<'a>),
    For(Loop<'a>),
    While(Loop<'a>),
    Do(Loop<'a>),
    Try(TryStatement<'a>),
    Trap(Loop<'a>),
    Flow(FlowStatement<'a>),
    Function(FunctionDefinition<'a>),
    Param(ParamBlock<'a>),
    NamedBlock(NamedBlock<'a>),
    /// `:label foreach …` and similar; `inner()` gives the labelled statement.
    Labeled(&'a SyntaxNode),
    Class(&'a SyntaxNode),
    Enum(&'a SyntaxNode),
    Data(&'a SyntaxNode),
    /// `a && b`, `a || b` (PowerShell 7).
    Chain(&'a SyntaxNode),
    Error(&'a SyntaxNode),
}

impl<'a> Statement<'a> {
    pub fn cast(node: &'a SyntaxNode) -> Option<Statement<'a>> {
        Some(match node.kind {
            K::Pipeline => Statement::Pipeline(Pipeline { node }),
            K::Assignment => Statement::Assignment(Assignment { node }),
            K::IfStatement => Statement::If(IfStatement { node }),
            K::SwitchStatement => Statement::Switch(SwitchStatement { node }),
            K::ForeachStatement => Statement::Foreach(ForeachStatement { node }),
            K::ForStatement => Statement::For(Loop { node }),
            K::WhileStatement => Statement::While(Loop { node }),
            K::DoStatement => Statement::Do(Loop { node }),
            K::TrapStatement => Statement::Trap(Loop { node }),
            K::TryStatement => Statement::Try(TryStatement { node }),
            K::FlowStatement => Statement::Flow(FlowStatement { node }),
            K::FunctionDefinition => Statement::Function(FunctionDefinition { node }),
            K::ParamBlock => Statement::Param(ParamBlock { node }),
            K::NamedBlock => Statement::NamedBlock(NamedBlock { node }),
            K::LabeledStatement => Statement::Labeled(node),
            K::ClassDefinition => Statement::Class(node),
            K::EnumDefinition => Statement::Enum(node),
            K::DataStatement => Statement::Data(node),
            K::PipelineChain => Statement::Chain(node),
            K::Error => Statement::Error(node),
            _ => return None,
        })
    }

    pub fn node(&self) -> &'a SyntaxNode {
        match self {
            Statement::Pipeline(s) => s.node,
            Statement::Assignment(s) => s.node,
            Statement::If(s) => s.node,
            Statement::Switch(s) => s.node,
            Statement::Foreach(s) => s.node,
            Statement::For(s) | Statement::While(s) | Statement::Do(s) | Statement::Trap(s) => {
                s.node
            }
            Statement::Try(s) => s.node,
            Statement::Flow(s) => s.node,
            Statement::Function(s) => s.node,
            Statement::Param(s) => s.node,
            Statement::NamedBlock(s) => s.node,
            Statement::Labeled(n)
            | Statement::Class(n)
            | Statement::Enum(n)
            | Statement::Data(n)
            | Statement::Chain(n)
            | Statement::Error(n) => n,
        }
    }

    pub fn span(&self) -> Range<usize> {
        self.node().span.clone()
    }

    /// The statement lists (blocks, script blocks, parens, subexpressions …) nested directly
    /// in this statement, for walking the whole script.
    pub fn nested_statement_lists(&self) -> Vec<&'a SyntaxNode> {
        let mut out = Vec::new();
        collect_lists(self.node(), &mut out);
        out
    }
}

/// Iterative, in source order: a long operator or member chain nests one level per link.
fn collect_lists<'a>(node: &'a SyntaxNode, out: &mut Vec<&'a SyntaxNode>) {
    let mut stack: Vec<&'a SyntaxNode> = node.child_nodes().collect();
    stack.reverse();
    while let Some(child) = stack.pop() {
        if is_statement_list(child.kind) {
            out.push(child);
        } else {
            let before = stack.len();
            stack.extend(child.child_nodes());
            stack[before..].reverse();
        }
    }
}

/// Node kinds whose children are statements.
pub fn is_statement_list(kind: K) -> bool {
    matches!(
        kind,
        K::Script
            | K::Block
            | K::ScriptBlock
            | K::ParenExpression
            | K::SubExpression
            | K::ArrayExpression
    )
}

/// All statements of a script at any depth, in preorder (a statement before the statements
/// nested in it).
pub fn all_statements(root: &SyntaxNode) -> Vec<Statement<'_>> {
    let mut out = Vec::new();
    let mut stack: Vec<&SyntaxNode> = vec![root];
    while let Some(node) = stack.pop() {
        if let Some(statement) = Statement::cast(node) {
            out.push(statement);
        }
        stack.extend(
            node.children
                .iter()
                .rev()
                .filter_map(SyntaxElement::as_node),
        );
    }
    out
}

fn significant(node: &SyntaxNode) -> impl Iterator<Item = &SyntaxElement> {
    node.children.iter().filter(|c| !c.is_trivia())
}

/// `a | b | c`: commands and expressions.
#[derive(Clone, Copy, Debug)]
pub struct Pipeline<'a> {
    pub node: &'a SyntaxNode,
}

/// One element of a pipeline.
#[derive(Clone, Copy, Debug)]
pub enum PipelineElement<'a> {
    Command(Command<'a>),
    Expression(Expr<'a>),
}

impl<'a> Pipeline<'a> {
    pub fn elements(&self) -> Vec<PipelineElement<'a>> {
        significant(self.node)
            .filter(|c| !matches!(c.kind(), K::Pipe | K::Redirection | K::Missing))
            .map(|c| match c {
                SyntaxElement::Node(n) if n.kind == K::Command => {
                    PipelineElement::Command(Command { node: n })
                }
                other => PipelineElement::Expression(Expr { element: other }),
            })
            .collect()
    }

    /// The commands of the pipeline.
    pub fn commands(&self) -> Vec<Command<'a>> {
        self.elements()
            .into_iter()
            .filter_map(|e| match e {
                PipelineElement::Command(c) => Some(c),
                PipelineElement::Expression(_) => None,
            })
            .collect()
    }

    /// The expression when the pipeline is a single expression (`$x`, `@{…}`, `1 + 2`).
    pub fn single_expression(&self) -> Option<Expr<'a>> {
        match self.elements().as_slice() {
            [PipelineElement::Expression(e)] => Some(*e),
            _ => None,
        }
    }

    /// Redirections after an expression element (commands keep theirs as elements).
    pub fn redirections(&self) -> impl Iterator<Item = &'a SyntaxNode> {
        self.node.child_nodes().filter(|n| n.kind == K::Redirection)
    }
}

/// `target op value`, where value is itself a statement (`$x = if (…) {…}` is legal).
#[derive(Clone, Copy, Debug)]
pub struct Assignment<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> Assignment<'a> {
    /// The assigned expression: `$x`, `$global:x`, `$h['k']`, `$a.b`, `[int]$x`, `$a, $b`.
    pub fn target(&self) -> Option<Expr<'a>> {
        significant(self.node)
            .next()
            .filter(|c| c.kind() != K::AssignOperator)
            .map(|element| Expr { element })
    }

    /// The operator token.
    pub fn operator_token(&self) -> Option<&'a SyntaxToken> {
        self.node.token_of_kind(K::AssignOperator)
    }

    /// `=`, `+=`, `-=`, … (a typographic dash is normalised to `-`).
    pub fn operator(&self, src: &str) -> String {
        self.operator_token()
            .map(|t| {
                t.text(src)
                    .replace(['\u{2013}', '\u{2014}', '\u{2015}'], "-")
            })
            .unwrap_or_default()
    }

    /// The right-hand side as a statement.
    pub fn value(&self) -> Option<Statement<'a>> {
        let mut seen_op = false;
        for child in significant(self.node) {
            if seen_op {
                return child.as_node().and_then(Statement::cast);
            }
            seen_op = child.kind() == K::AssignOperator;
        }
        None
    }

    /// The right-hand side when it is a single expression (the common case).
    pub fn value_expr(&self) -> Option<Expr<'a>> {
        match self.value()? {
            Statement::Pipeline(p) => p.single_expression(),
            _ => None,
        }
    }
}

// ───────────────────────────── commands ─────────────────────────────

/// A command invocation: name, then parameters, arguments, splats and redirections.
#[derive(Clone, Copy, Debug)]
pub struct Command<'a> {
    pub node: &'a SyntaxNode,
}

/// One element after a command's name.
#[derive(Clone, Debug)]
pub enum CommandElement<'a> {
    /// `-Name`, `-Name:value` (also with an en dash, em dash or horizontal bar).
    Parameter {
        /// Without the dash and the colon, as written (use `eq_ignore_ascii_case`).
        name: String,
        /// The whole parameter, including a colon-bound value.
        span: Range<usize>,
        /// The span of the `-Name` / `-Name:` token alone.
        name_span: Range<usize>,
        /// The dash character used (`-`, `–`, `—` or `―`).
        dash: char,
        colon_value: Option<Expr<'a>>,
        node: &'a SyntaxNode,
    },
    /// A positional value or a value following a parameter; `CommandArgument` node.
    Argument(Expr<'a>, &'a SyntaxNode),
    /// `@name`
    Splat { name: String, span: Range<usize> },
    /// `> file`, `2>&1`, …
    Redirection(&'a SyntaxNode),
    /// `--%` and the rest of the line.
    StopParsing(&'a SyntaxToken),
}

impl<'a> CommandElement<'a> {
    pub fn span(&self) -> Range<usize> {
        match self {
            CommandElement::Parameter { span, .. } | CommandElement::Splat { span, .. } => {
                span.clone()
            }
            CommandElement::Argument(_, node) | CommandElement::Redirection(node) => {
                node.span.clone()
            }
            CommandElement::StopParsing(t) => t.span.clone(),
        }
    }
}

impl<'a> Command<'a> {
    /// `&` or `.` when the command is invoked through an operator.
    pub fn invocation_operator(&self, src: &'a str) -> Option<&'a str> {
        self.node
            .token_of_kind(K::InvocationOperator)
            .map(|t| t.text(src))
    }

    /// The element naming the command: a `BareWord` token, or a `CommandNameExpr` node after
    /// `&`/`.`.
    pub fn name_element(&self) -> Option<&'a SyntaxElement> {
        significant(self.node).find(|c| c.kind() != K::InvocationOperator)
    }

    pub fn name_span(&self) -> Option<Range<usize>> {
        self.name_element().map(SyntaxElement::span)
    }

    /// The command name, unquoted and unescaped: `New-PSSession`, `Microsoft.Exchange\Foo`,
    /// `& 'C:\x.ps1'` → `C:\x.ps1`. `None` when it is computed (`& $sb`, `& (…)`).
    pub fn name(&self, src: &str) -> Option<String> {
        match self.name_element()? {
            SyntaxElement::Token(t) if t.kind == K::BareWord => Some(decode_bare(t.text(src))),
            SyntaxElement::Node(n) if n.kind == K::CommandNameExpr => {
                let inner = significant(n).next()?;
                Expr { element: inner }.static_string(src)
            }
            _ => None,
        }
    }

    /// Parameters, arguments, splats and redirections in order.
    pub fn elements(&self, src: &str) -> Vec<CommandElement<'a>> {
        let mut out = Vec::new();
        let mut named = false;
        for child in significant(self.node) {
            if !named {
                if child.kind() != K::InvocationOperator {
                    named = true;
                }
                continue;
            }
            match child {
                SyntaxElement::Node(n) if n.kind == K::CommandParameter => {
                    let Some(token) = n.token_of_kind(K::Parameter) else {
                        continue;
                    };
                    let text = token.text(src);
                    let mut chars = text.chars();
                    let dash = chars.next().unwrap_or('-');
                    let name = chars.as_str().trim_end_matches(':').to_owned();
                    let colon_value = n
                        .child_of_kind(K::CommandArgument)
                        .and_then(|arg| significant(arg).next())
                        .map(|element| Expr { element })
                        .map(|e| e.argument_value(n.child_of_kind(K::CommandArgument)));
                    out.push(CommandElement::Parameter {
                        name,
                        span: n.span.clone(),
                        name_span: token.span.clone(),
                        dash,
                        colon_value,
                        node: n,
                    });
                }
                SyntaxElement::Node(n) if n.kind == K::CommandArgument => {
                    if let Some(element) = significant(n).next() {
                        out.push(CommandElement::Argument(
                            Expr { element }.argument_value(Some(n)),
                            n,
                        ));
                    }
                }
                SyntaxElement::Node(n) if n.kind == K::Redirection => {
                    out.push(CommandElement::Redirection(n));
                }
                SyntaxElement::Token(t) if t.kind == K::Splat => out.push(CommandElement::Splat {
                    name: t.text(src).trim_start_matches('@').to_owned(),
                    span: t.span.clone(),
                }),
                SyntaxElement::Token(t) if t.kind == K::StopParsing => {
                    out.push(CommandElement::StopParsing(t));
                }
                _ => {}
            }
        }
        out
    }

    /// The first parameter whose name equals `name` ignoring ASCII case.
    pub fn parameter(&self, src: &str, name: &str) -> Option<CommandElement<'a>> {
        self.elements(src).into_iter().find(|e| {
            matches!(e, CommandElement::Parameter { name: n, .. } if n.eq_ignore_ascii_case(name))
        })
    }
}

// ───────────────────────────── expressions ─────────────────────────────

/// Any expression: a node (`BinaryExpression`, `Hashtable`, `InvokeMember`, …) or a token
/// (`Variable`, `Number`, `BareWord`, `SingleQuotedString`, …).
#[derive(Clone, Copy, Debug)]
pub struct Expr<'a> {
    pub element: &'a SyntaxElement,
}

impl<'a> Expr<'a> {
    pub fn new(element: &'a SyntaxElement) -> Expr<'a> {
        Expr { element }
    }

    pub fn kind(&self) -> K {
        self.element.kind()
    }

    pub fn span(&self) -> Range<usize> {
        self.element.span()
    }

    pub fn text(&self, src: &'a str) -> &'a str {
        self.element.text(src)
    }

    pub fn node(&self) -> Option<&'a SyntaxNode> {
        self.element.as_node()
    }

    /// A comma list in argument position is one `ArrayLiteral`; a lone value is itself.
    fn argument_value(self, _arg: Option<&'a SyntaxNode>) -> Expr<'a> {
        self
    }

    pub fn as_variable(&self, src: &str) -> Option<Variable> {
        match self.element {
            SyntaxElement::Token(t) if t.kind == K::Variable => Variable::from_token(t, src),
            _ => None,
        }
    }

    /// A string-like literal: bare word, `'…'`, `"…"`, here-strings, or a bare word with
    /// glued-on parts (`https://x/?a=$b`).
    pub fn as_string(&self, src: &str) -> Option<StringLiteral<'a>> {
        StringLiteral::from_element(self.element, src)
    }

    /// The value when it is a string known without running anything (no interpolation).
    pub fn static_string(&self, src: &str) -> Option<String> {
        self.as_string(src)?.value
    }

    /// `@{…}` or `[ordered]@{…}`.
    pub fn as_hashtable(&self, src: &str) -> Option<Hashtable<'a>> {
        let node = self.node()?;
        match node.kind {
            K::Hashtable => Some(Hashtable {
                node,
                ordered: false,
            }),
            K::Cast => {
                let ty = node.child_of_kind(K::TypeLiteral)?;
                let name = ty.token_of_kind(K::TypeName)?.text(src);
                let inner = node.child_of_kind(K::Hashtable)?;
                Some(Hashtable {
                    node: inner,
                    ordered: name.eq_ignore_ascii_case("ordered"),
                })
            }
            _ => None,
        }
    }

    pub fn as_member_access(&self) -> Option<MemberAccess<'a>> {
        let node = self.node()?;
        matches!(node.kind, K::MemberAccess | K::InvokeMember).then_some(MemberAccess { node })
    }

    pub fn as_index(&self) -> Option<IndexExpression<'a>> {
        let node = self.node()?;
        (node.kind == K::IndexExpression).then_some(IndexExpression { node })
    }

    /// The elements of `a, b, c` (or just this expression).
    pub fn array_elements(&self) -> Vec<Expr<'a>> {
        match self.element {
            SyntaxElement::Node(n) if n.kind == K::ArrayLiteral => significant(n)
                .filter(|c| c.kind() != K::Comma)
                .map(|element| Expr { element })
                .collect(),
            _ => vec![*self],
        }
    }

    /// For `(…)`, `$(…)` and `@(…)`: the statements inside.
    pub fn inner_statements(&self) -> Vec<Statement<'a>> {
        match self.node() {
            Some(n) if is_statement_list(n.kind) => statements(n),
            _ => Vec::new(),
        }
    }

    /// `(x)` → `x` (repeatedly) when the parentheses hold one single-expression pipeline.
    pub fn unparenthesized(&self) -> Expr<'a> {
        let mut current = *self;
        loop {
            let Some(node) = current.node() else {
                return current;
            };
            if node.kind != K::ParenExpression {
                return current;
            }
            match statements(node).as_slice() {
                [Statement::Pipeline(p)] => match p.single_expression() {
                    Some(inner) => current = inner,
                    None => return current,
                },
                _ => return current,
            }
        }
    }

    /// For a `Cast`: the type name and the operand.
    pub fn as_cast(&self, src: &'a str) -> Option<(&'a str, Expr<'a>)> {
        let node = self.node().filter(|n| n.kind == K::Cast)?;
        let ty = node
            .child_of_kind(K::TypeLiteral)?
            .token_of_kind(K::TypeName)?;
        let operand = significant(node).nth(1)?;
        Some((ty.text(src), Expr { element: operand }))
    }

    /// For a `BinaryExpression`: left, operator text, right.
    pub fn as_binary(&self, src: &'a str) -> Option<(Expr<'a>, &'a str, Expr<'a>)> {
        let node = self.node().filter(|n| n.kind == K::BinaryExpression)?;
        let mut parts = significant(node);
        let left = parts.next()?;
        let op = parts.next()?;
        let right = parts.next()?;
        Some((
            Expr { element: left },
            op.text(src),
            Expr { element: right },
        ))
    }
}

/// `$name`, `$scope:name`, `${…}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// `global`, `script`, `local`, `private`, `using`, `env`, `function`, … as written.
    pub scope: Option<String>,
    /// The name without `$`, scope and braces (backtick escapes in `${…}` decoded).
    pub name: String,
    pub span: Range<usize>,
    /// `@name` rather than `$name`.
    pub splatted: bool,
}

impl Variable {
    pub fn from_token(token: &SyntaxToken, src: &str) -> Option<Variable> {
        let text = token.text(src);
        let (splatted, body) = if let Some(rest) = text.strip_prefix('$') {
            (false, rest)
        } else {
            (true, text.strip_prefix('@')?)
        };
        let (scope, name) = if let Some(braced) = body.strip_prefix('{') {
            let inner = braced.strip_suffix('}').unwrap_or(braced);
            let decoded = decode_braced(inner);
            match decoded.split_once(':') {
                Some((scope, name)) if !scope.is_empty() && is_identifier(scope) => {
                    (Some(scope.to_owned()), name.to_owned())
                }
                _ => (None, decoded),
            }
        } else {
            match body.split_once(':') {
                Some((scope, name)) => (Some(scope.to_owned()), name.to_owned()),
                None => (None, body.to_owned()),
            }
        };
        Some(Variable {
            scope,
            name,
            span: token.span.clone(),
            splatted,
        })
    }

    /// The name lowercased (PowerShell names are case-insensitive).
    pub fn name_lower(&self) -> String {
        self.name.to_lowercase()
    }

    /// The scope lowercased, if any.
    pub fn scope_lower(&self) -> Option<String> {
        self.scope.as_ref().map(|s| s.to_lowercase())
    }
}

fn is_identifier(s: &str) -> bool {
    s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn decode_braced(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '`' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `@{ key = value; … }`
#[derive(Clone, Copy, Debug)]
pub struct Hashtable<'a> {
    pub node: &'a SyntaxNode,
    /// Written as `[ordered]@{…}`.
    pub ordered: bool,
}

/// One `key = value` entry.
#[derive(Clone, Debug)]
pub struct HashEntry<'a> {
    /// The key as PowerShell sees it: bare keys as written, quoted keys unquoted; `None` for
    /// computed keys (`$k = 1`, `(…) = 1`).
    pub key: Option<String>,
    pub key_span: Range<usize>,
    pub key_element: &'a SyntaxElement,
    /// The value statement (usually a single-expression pipeline).
    pub value: Option<Statement<'a>>,
    pub span: Range<usize>,
    pub node: &'a SyntaxNode,
}

impl<'a> HashEntry<'a> {
    pub fn value_expr(&self) -> Option<Expr<'a>> {
        match self.value? {
            Statement::Pipeline(p) => p.single_expression(),
            _ => None,
        }
    }
}

impl<'a> Hashtable<'a> {
    pub fn entries(&self, src: &str) -> Vec<HashEntry<'a>> {
        self.node
            .child_nodes()
            .filter(|n| n.kind == K::HashEntry)
            .filter_map(|node| {
                let mut parts = significant(node);
                let key_element = parts.next()?;
                let key = match key_element {
                    SyntaxElement::Token(t) if t.kind == K::Identifier => {
                        Some(t.text(src).to_owned())
                    }
                    SyntaxElement::Token(t) if t.kind == K::Number => Some(t.text(src).to_owned()),
                    other => Expr { element: other }.static_string(src),
                };
                let value = node
                    .child_nodes()
                    .filter(|n| !std::ptr::eq(*n, key_element.as_node().unwrap_or(node)))
                    .find_map(Statement::cast);
                Some(HashEntry {
                    key,
                    key_span: key_element.span(),
                    key_element,
                    value,
                    span: node.span.clone(),
                    node,
                })
            })
            .collect()
    }

    /// The entry whose key equals `key` ignoring ASCII case.
    pub fn entry(&self, src: &str, key: &str) -> Option<HashEntry<'a>> {
        self.entries(src).into_iter().find(|e| {
            e.key
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(key))
        })
    }
}

/// `x.y`, `x?.y`, `[T]::y`, and with arguments `x.y(…)`.
#[derive(Clone, Copy, Debug)]
pub struct MemberAccess<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> MemberAccess<'a> {
    pub fn target(&self) -> Option<Expr<'a>> {
        significant(self.node)
            .next()
            .map(|element| Expr { element })
    }

    /// `.`, `?.` or `::`.
    pub fn operator(&self, src: &'a str) -> &'a str {
        significant(self.node)
            .find(|c| matches!(c.kind(), K::Dot | K::DoubleColon))
            .map(|c| c.text(src))
            .unwrap_or("")
    }

    pub fn is_static(&self) -> bool {
        self.node.token_of_kind(K::DoubleColon).is_some()
    }

    /// The member name element (identifier, string, variable or parenthesised expression).
    pub fn member(&self) -> Option<Expr<'a>> {
        significant(self.node)
            .skip_while(|c| !matches!(c.kind(), K::Dot | K::DoubleColon))
            .nth(1)
            .map(|element| Expr { element })
    }

    /// The member name when static: `Add`, `'Add'` → `Add`.
    pub fn member_name(&self, src: &str) -> Option<String> {
        let member = self.member()?;
        match member.element {
            SyntaxElement::Token(t) if t.kind == K::Identifier => Some(t.text(src).to_owned()),
            _ => member.static_string(src),
        }
    }

    /// Whether this is a method call `x.y(…)`.
    pub fn is_invocation(&self) -> bool {
        self.node.kind == K::InvokeMember
    }

    /// Method call arguments (empty for a plain member access).
    pub fn arguments(&self) -> Vec<Expr<'a>> {
        self.node
            .child_of_kind(K::ArgumentList)
            .map(|list| {
                significant(list)
                    .filter(|c| !matches!(c.kind(), K::LParen | K::RParen | K::Comma | K::Missing))
                    .map(|element| Expr { element })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `x[i]`
#[derive(Clone, Copy, Debug)]
pub struct IndexExpression<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> IndexExpression<'a> {
    pub fn target(&self) -> Option<Expr<'a>> {
        significant(self.node)
            .next()
            .map(|element| Expr { element })
    }

    pub fn index(&self) -> Option<Expr<'a>> {
        significant(self.node)
            .skip_while(|c| c.kind() != K::LBracket)
            .nth(1)
            .filter(|c| !matches!(c.kind(), K::RBracket | K::Missing))
            .map(|element| Expr { element })
    }
}

// ───────────────────────────── control flow and definitions ─────────────────────────────

fn blocks(node: &SyntaxNode) -> impl Iterator<Item = &SyntaxNode> {
    node.child_nodes()
        .filter(|n| matches!(n.kind, K::Block | K::ScriptBlock))
}

/// The pipeline inside a condition `( … )`.
fn condition_of(node: &SyntaxNode) -> Option<&SyntaxNode> {
    node.child_of_kind(K::ParenExpression)
}

/// `if (…) {…} elseif (…) {…} else {…}`
#[derive(Clone, Copy, Debug)]
pub struct IfStatement<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> IfStatement<'a> {
    /// `(condition, block)` for the `if` and every `elseif`; conditions are the
    /// `ParenExpression` nodes (use `Expr::inner_statements`).
    pub fn clauses(&self) -> Vec<(&'a SyntaxNode, &'a SyntaxNode)> {
        let mut out = Vec::new();
        if let (Some(c), Some(b)) = (condition_of(self.node), blocks(self.node).next()) {
            out.push((c, b));
        }
        for clause in self
            .node
            .child_nodes()
            .filter(|n| n.kind == K::ElseIfClause)
        {
            if let (Some(c), Some(b)) = (condition_of(clause), blocks(clause).next()) {
                out.push((c, b));
            }
        }
        out
    }

    pub fn else_block(&self) -> Option<&'a SyntaxNode> {
        self.node
            .child_of_kind(K::ElseClause)
            .and_then(|e| blocks(e).next())
    }
}

/// `switch [-options] (…) { label { … } … }`
#[derive(Clone, Copy, Debug)]
pub struct SwitchStatement<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> SwitchStatement<'a> {
    /// Options as written without the dash, e.g. `regex`, `wildcard`, `file`.
    pub fn options(&self, src: &str) -> Vec<String> {
        self.node
            .child_tokens()
            .filter(|t| t.kind == K::Parameter)
            .map(|t| {
                t.text(src)
                    .chars()
                    .skip(1)
                    .collect::<String>()
                    .to_lowercase()
            })
            .collect()
    }

    /// The switched-on value: a `ParenExpression` or (with `-file`) an argument.
    pub fn condition(&self) -> Option<&'a SyntaxNode> {
        self.node
            .child_nodes()
            .find(|n| matches!(n.kind, K::ParenExpression | K::CommandArgument))
    }

    /// `(label, block)` per clause; a label of `default` is a `BareWord` token.
    pub fn clauses(&self) -> Vec<(Expr<'a>, &'a SyntaxNode)> {
        self.node
            .child_nodes()
            .filter(|n| n.kind == K::SwitchClause)
            .filter_map(|clause| {
                let label = significant(clause).next()?;
                let block = blocks(clause).last()?;
                Some((Expr { element: label }, block))
            })
            .collect()
    }
}

/// `foreach ($x in …) {…}`
#[derive(Clone, Copy, Debug)]
pub struct ForeachStatement<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> ForeachStatement<'a> {
    pub fn variable(&self, src: &str) -> Option<Variable> {
        let head = self.node.child_of_kind(K::ForeachHead)?;
        Variable::from_token(head.token_of_kind(K::Variable)?, src)
    }

    /// The collection statement after `in`.
    pub fn iterable(&self) -> Option<Statement<'a>> {
        let head = self.node.child_of_kind(K::ForeachHead)?;
        head.child_nodes().find_map(Statement::cast)
    }

    pub fn body(&self) -> Option<&'a SyntaxNode> {
        blocks(self.node).next()
    }
}

/// `for`, `while`, `do … while/until`, `trap`: a head and a body block.
#[derive(Clone, Copy, Debug)]
pub struct Loop<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> Loop<'a> {
    /// The condition `( … )` of `while`/`do`, the `( init; cond; step )` head of `for`.
    pub fn condition(&self) -> Option<&'a SyntaxNode> {
        self.node
            .child_nodes()
            .find(|n| matches!(n.kind, K::ParenExpression | K::ForHead))
    }

    pub fn body(&self) -> Option<&'a SyntaxNode> {
        blocks(self.node).next()
    }
}

/// `try {…} catch [T] {…} finally {…}`
#[derive(Clone, Copy, Debug)]
pub struct TryStatement<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> TryStatement<'a> {
    pub fn body(&self) -> Option<&'a SyntaxNode> {
        blocks(self.node).next()
    }

    /// `(type names, block)` per catch clause.
    pub fn catches(&self, src: &'a str) -> Vec<(Vec<&'a str>, &'a SyntaxNode)> {
        self.node
            .child_nodes()
            .filter(|n| n.kind == K::CatchClause)
            .filter_map(|c| {
                let types = c
                    .child_nodes()
                    .filter(|n| n.kind == K::TypeLiteral)
                    .filter_map(|t| t.token_of_kind(K::TypeName))
                    .map(|t| t.text(src))
                    .collect();
                Some((types, blocks(c).next()?))
            })
            .collect()
    }

    pub fn finally_block(&self) -> Option<&'a SyntaxNode> {
        self.node
            .child_of_kind(K::FinallyClause)
            .and_then(|f| blocks(f).next())
    }
}

/// `break`, `continue`, `return`, `throw`, `exit` with an optional label or value.
#[derive(Clone, Copy, Debug)]
pub struct FlowStatement<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> FlowStatement<'a> {
    /// The keyword lowercased.
    pub fn keyword(&self, src: &str) -> String {
        self.node
            .token_of_kind(K::Keyword)
            .map(|t| t.text(src).to_lowercase())
            .unwrap_or_default()
    }

    pub fn value(&self) -> Option<Statement<'a>> {
        self.node.child_nodes().find_map(Statement::cast)
    }
}

/// `function`/`filter`/`workflow` definitions.
#[derive(Clone, Copy, Debug)]
pub struct FunctionDefinition<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> FunctionDefinition<'a> {
    /// `function`, `filter` or `workflow`, lowercased.
    pub fn keyword(&self, src: &str) -> String {
        self.node
            .token_of_kind(K::Keyword)
            .map(|t| t.text(src).to_lowercase())
            .unwrap_or_default()
    }

    pub fn name_token(&self) -> Option<&'a SyntaxToken> {
        self.node.token_of_kind(K::Identifier)
    }

    /// The name as written, scope prefix included (`global:Connect-Exo`).
    pub fn name(&self, src: &str) -> Option<String> {
        self.name_token().map(|t| t.text(src).to_owned())
    }

    /// The name without a `global:`/`script:`/… prefix.
    pub fn bare_name(&self, src: &str) -> Option<String> {
        let name = self.name(src)?;
        Some(match name.split_once(':') {
            Some((_, rest)) => rest.to_owned(),
            None => name,
        })
    }

    /// The body script block.
    pub fn body(&self) -> Option<&'a SyntaxNode> {
        self.node.child_of_kind(K::ScriptBlock)
    }

    /// Parameters from `function f($a, $b)` or from the body's `param(…)` block.
    pub fn parameters(&self) -> Vec<&'a SyntaxNode> {
        let list = self.node.child_of_kind(K::ParameterList).or_else(|| {
            self.body()?
                .child_of_kind(K::ParamBlock)?
                .child_of_kind(K::ParameterList)
        });
        list.map(|l| {
            l.child_nodes()
                .filter(|n| n.kind == K::ParameterDeclaration)
                .collect()
        })
        .unwrap_or_default()
    }
}

/// `[attributes] param(…)`
#[derive(Clone, Copy, Debug)]
pub struct ParamBlock<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> ParamBlock<'a> {
    pub fn parameters(&self) -> Vec<&'a SyntaxNode> {
        self.node
            .child_of_kind(K::ParameterList)
            .map(|l| {
                l.child_nodes()
                    .filter(|n| n.kind == K::ParameterDeclaration)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `begin`/`process`/`end`/`dynamicparam`/`clean` blocks.
#[derive(Clone, Copy, Debug)]
pub struct NamedBlock<'a> {
    pub node: &'a SyntaxNode,
}

impl<'a> NamedBlock<'a> {
    pub fn name(&self, src: &str) -> String {
        self.node
            .token_of_kind(K::Keyword)
            .map(|t| t.text(src).to_lowercase())
            .unwrap_or_default()
    }

    pub fn body(&self) -> Option<&'a SyntaxNode> {
        blocks(self.node).next()
    }
}

/// A parameter declaration's variable and default value.
pub fn parameter_parts<'a>(
    decl: &'a SyntaxNode,
    src: &str,
) -> (Option<Variable>, Option<Expr<'a>>) {
    let var = decl
        .token_of_kind(K::Variable)
        .and_then(|t| Variable::from_token(t, src));
    let default = significant(decl)
        .skip_while(|c| c.kind() != K::AssignOperator)
        .nth(1)
        .map(|element| Expr { element });
    (var, default)
}
