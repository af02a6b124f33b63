//! Runs the pest grammar and turns its pairs into the owned lossless tree.
//!
//! pest gives a tree of rule matches; this module decides, per rule, whether it becomes a
//! token, a node, or is spliced into its parent, fills any byte the grammar did not claim
//! (so the tree stays lossless even if the grammar has a gap), moves edge trivia out of nodes
//! (so statement spans start and end at real code), nests binary operators by precedence and
//! postfix operators left to right, and records syntax errors for missing closers and error
//! nodes.

use std::ops::Range;

use pest::iterators::{Pair, Pairs};
use pest::Parser as _;

use crate::precedence;
use crate::syntax::{SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken};
use crate::{Parse, SyntaxError};

#[derive(pest_derive::Parser)]
#[grammar = "powershell.pest"]
struct PowerShellParser;

/// Deeper bracket nesting than this is not parsed; the rest of the file becomes an error
/// node. PowerShell itself refuses far shallower nesting in practice, and the cap keeps
/// pest's recursion and the tree's recursive drop well inside the parser thread's stack.
pub const MAX_NESTING: usize = 256;

/// Files nesting deeper than this are parsed on a dedicated thread with a big stack; the
/// rest are parsed on the caller's thread, which is cheaper for the many small files.
const INLINE_NESTING: usize = 12;
const BIG_STACK: usize = 256 * 1024 * 1024;

pub(crate) fn parse(text: &str) -> Parse {
    parse_traced(text).0
}

/// [`parse`], and whether the result came from one pest run over the whole text. When it did
/// not (the call budget ran out and the text was parsed in pieces, or the parser could not
/// run), the tree depends on where the pieces were cut, so the incremental re-parse must not
/// splice it into another tree.
pub(crate) fn parse_traced(text: &str) -> (Parse, bool) {
    let (depth, cut) = nesting::scan(text, MAX_NESTING);
    let parsed_len = cut.unwrap_or(text.len());
    let (mut parse, whole) = if depth <= INLINE_NESTING {
        parse_prefix(text, parsed_len)
    } else {
        let owned = text.to_owned();
        std::thread::Builder::new()
            .name("exomig-grammar-parse".into())
            .stack_size(BIG_STACK)
            .spawn(move || parse_prefix(&owned, parsed_len))
            .ok()
            .and_then(|handle| handle.join().ok())
            .unwrap_or_else(|| (whole_file_error(text, COULD_NOT_RUN_MESSAGE), false))
    };
    if let Some(cut) = cut {
        let span = cut..text.len();
        parse.errors.push(SyntaxError {
            span: span.clone(),
            message: format!(
                "{NESTING_MESSAGE_START} {MAX_NESTING} levels; the rest of the file is not parsed"
            ),
        });
        parse.root.children.push(SyntaxElement::Node(SyntaxNode {
            kind: SyntaxKind::Error,
            span: span.clone(),
            children: vec![SyntaxElement::Token(SyntaxToken {
                kind: SyntaxKind::ErrorText,
                span,
            })],
        }));
        parse.root.span = 0..text.len();
    }
    (parse, whole)
}

/// Whether a parse error says that part of the text was not parsed as a script at all (work
/// limit, nesting cut, parser failure): such a tree is not made of independent statements.
pub(crate) fn is_whole_file_error(message: &str) -> bool {
    message == WORK_LIMIT_MESSAGE
        || message == COULD_NOT_RUN_MESSAGE
        || message.starts_with(NESTING_MESSAGE_START)
        || message.starts_with(GAVE_UP_MESSAGE_START)
}

const COULD_NOT_RUN_MESSAGE: &str = "the parser could not run on this file";
const NESTING_MESSAGE_START: &str = "nesting deeper than";
const GAVE_UP_MESSAGE_START: &str = "the parser gave up";

/// Whether `parse` would cut `text` for nesting deeper than [`MAX_NESTING`].
pub(crate) fn nesting_cut(text: &str) -> bool {
    nesting::scan(text, MAX_NESTING).1.is_some()
}

/// The most pest calls one parse may make: pest's process-wide call limit, set once by this
/// crate. Real scripts take about 10 calls per byte, so whole files up to ~3 MB parse in one
/// go; the limit only bites on input that makes the grammar backtrack, where it turns an
/// unbounded parse into at most about a second of work (it counts calls, not time, so the
/// result does not depend on machine load).
const CALL_LIMIT: usize = 1 << 25;
/// When a whole file exceeds the limit, it is parsed again in pieces of about this size, cut
/// at newlines outside any bracket (see [`nesting::top_level_cuts`]).
const CHUNK_TARGET: usize = 64 * 1024;
/// After this many pieces exceed the limit on their own, the rest of the file is one error,
/// so the total work stays bounded by a few multiples of [`CALL_LIMIT`].
const MAX_EXHAUSTED_PIECES: usize = 4;
const WORK_LIMIT_MESSAGE: &str =
    "the parser's work limit was reached in this part of the file; it is not parsed";

fn set_call_limit_once() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT)));
}

/// A parse attempt ran out of pest's call budget.
struct Exhausted;

/// The parse of `text[..len]`, and whether it took one pest run (not pieces).
fn parse_prefix(text: &str, len: usize) -> (Parse, bool) {
    let prefix = text.get(..len).unwrap_or(text);
    set_call_limit_once();
    match parse_one(prefix) {
        Ok(parse) => (parse, true),
        Err(Exhausted) => (
            parse_in_pieces(prefix, &mut |piece| parse_one(piece)),
            false,
        ),
    }
}

/// Parses `src` as a whole script, or reports that the call budget ran out.
fn parse_one(src: &str) -> Result<Parse, Exhausted> {
    match PowerShellParser::parse(Rule::script, src) {
        Ok(pairs) => Ok(build_tree(src, pairs)),
        Err(err) if err.variant.message().contains("call limit") => Err(Exhausted),
        // The grammar accepts every input, so this is only reached when pest hits its own
        // stack limit; keep the bytes and say so.
        Err(err) => Ok(whole_file_error(
            src,
            &format!("{GAVE_UP_MESSAGE_START}: {}", err.variant.message()),
        )),
    }
}

/// The fallback when a whole file exceeds the call budget: parse it in pieces cut at
/// top-level newlines, each with the same budget; a piece that still exceeds it is re-parsed
/// line group by line group, and whatever exceeds it alone becomes an `Error` node. Pieces are
/// parsed independently, so a construct spanning a cut the bracket scan got wrong (a
/// here-string holding an unbalanced quote) shows up as errors, never as lost bytes.
fn parse_in_pieces(
    src: &str,
    parse_piece: &mut dyn FnMut(&str) -> Result<Parse, Exhausted>,
) -> Parse {
    let cuts = nesting::top_level_cuts(src);
    let mut units: Vec<Range<usize>> = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts.into_iter().chain(std::iter::once(src.len())) {
        if cut > start {
            units.push(start..cut);
            start = cut;
        }
    }
    // Group the units into pieces of about CHUNK_TARGET bytes.
    let mut pieces: Vec<Vec<Range<usize>>> = Vec::new();
    for unit in units {
        match pieces.last_mut() {
            Some(piece)
                if piece
                    .last()
                    .is_some_and(|last| unit.end - last.start <= CHUNK_TARGET)
                    && unit.end - piece[0].start <= CHUNK_TARGET =>
            {
                piece.push(unit)
            }
            _ => pieces.push(vec![unit]),
        }
    }

    let mut root = SyntaxNode {
        kind: SyntaxKind::Script,
        span: 0..src.len(),
        children: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut exhausted = 0;
    let add = |span: Range<usize>,
               result: Option<Parse>,
               root: &mut SyntaxNode,
               errors: &mut Vec<SyntaxError>| match result {
        Some(mut parse) => {
            let offset = span.start;
            for mut child in std::mem::take(&mut parse.root.children) {
                shift(&mut child, offset);
                root.children.push(child);
            }
            errors.extend(parse.errors.into_iter().map(|e| SyntaxError {
                span: e.span.start + offset..e.span.end + offset,
                message: e.message,
            }));
        }
        None => {
            errors.push(SyntaxError {
                span: span.clone(),
                message: WORK_LIMIT_MESSAGE.to_owned(),
            });
            root.children.push(error_node(span));
        }
    };
    'pieces: for piece in pieces {
        let span = piece[0].start..piece[piece.len() - 1].end;
        if exhausted >= MAX_EXHAUSTED_PIECES {
            add(span.start..src.len(), None, &mut root, &mut errors);
            break;
        }
        match parse_piece(&src[span.clone()]) {
            Ok(parse) => add(span, Some(parse), &mut root, &mut errors),
            Err(Exhausted) if piece.len() == 1 => {
                exhausted += 1;
                add(span, None, &mut root, &mut errors);
            }
            Err(Exhausted) => {
                exhausted += 1;
                for unit in &piece {
                    if exhausted >= MAX_EXHAUSTED_PIECES {
                        add(unit.start..src.len(), None, &mut root, &mut errors);
                        break 'pieces;
                    }
                    match parse_piece(&src[unit.clone()]) {
                        Ok(parse) => add(unit.clone(), Some(parse), &mut root, &mut errors),
                        Err(Exhausted) => {
                            exhausted += 1;
                            add(unit.clone(), None, &mut root, &mut errors);
                        }
                    }
                }
            }
        }
    }
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    Parse { root, errors }
}

fn error_node(span: Range<usize>) -> SyntaxElement {
    SyntaxElement::Node(SyntaxNode {
        kind: SyntaxKind::Error,
        span: span.clone(),
        children: vec![token(SyntaxKind::ErrorText, span)],
    })
}

/// Moves every span of `element` right by `offset` (iteratively: trees can be deep).
fn shift(element: &mut SyntaxElement, offset: usize) {
    let mut stack = vec![element];
    while let Some(element) = stack.pop() {
        match element {
            SyntaxElement::Token(t) => t.span = t.span.start + offset..t.span.end + offset,
            SyntaxElement::Node(n) => {
                n.span = n.span.start + offset..n.span.end + offset;
                stack.extend(n.children.iter_mut());
            }
        }
    }
}

fn build_tree(src: &str, pairs: Pairs<'_, Rule>) -> Parse {
    let mut builder = Builder {
        src,
        errors: Vec::new(),
        saw_missing: false,
    };
    let mut children = Vec::new();
    let mut cursor = 0;
    // `script` itself is spliced; its children become the root's.
    builder.build_all(pairs, &mut children, &mut cursor);
    builder.gap_to(&mut children, &mut cursor, src.len());
    let root = SyntaxNode {
        kind: SyntaxKind::Script,
        span: 0..src.len(),
        children,
    };
    if builder.saw_missing {
        report_missing(src, &root, &mut builder.errors);
    }
    builder.errors.sort_by_key(|e| (e.span.start, e.span.end));
    Parse {
        root,
        errors: builder.errors,
    }
}

/// One error per missing closer, spanning from its opener to where the closer was expected,
/// so the reported line/column point at the bracket or quote that was never closed.
fn report_missing(src: &str, root: &SyntaxNode, errors: &mut Vec<SyntaxError>) {
    for node in root.descendants() {
        let Some(missing) = node.token_of_kind(SyntaxKind::Missing) else {
            continue;
        };
        if matches!(
            node.kind,
            SyntaxKind::ExpandableString | SyntaxKind::HereExpandableString
        ) {
            errors.push(SyntaxError {
                span: node.span.start..missing.span.end,
                message: "missing closing quote".to_owned(),
            });
            continue;
        }
        let opener = node
            .child_tokens()
            .filter(|t| t.span.end <= missing.span.start)
            .filter(|t| {
                matches!(
                    t.kind,
                    SyntaxKind::LParen
                        | SyntaxKind::DollarLParen
                        | SyntaxKind::AtLParen
                        | SyntaxKind::LBrace
                        | SyntaxKind::AtLBrace
                        | SyntaxKind::LBracket
                )
            })
            .last();
        let (start, closer) = match opener {
            Some(t) => (
                t.span.start,
                match t.kind {
                    SyntaxKind::LBrace | SyntaxKind::AtLBrace => "}",
                    SyntaxKind::LBracket => "]",
                    _ => ")",
                },
            ),
            // Reported where it was built (`MissingWith`).
            None => continue,
        };
        let opener_text = src
            .get(start..opener.map_or(start, |t| t.span.end))
            .unwrap_or("");
        errors.push(SyntaxError {
            span: start..missing.span.end,
            message: format!("missing closing `{closer}` for `{opener_text}`"),
        });
    }
}

fn whole_file_error(text: &str, message: &str) -> Parse {
    let span = 0..text.len();
    let children = if text.is_empty() {
        Vec::new()
    } else {
        vec![SyntaxElement::Node(SyntaxNode {
            kind: SyntaxKind::Error,
            span: span.clone(),
            children: vec![SyntaxElement::Token(SyntaxToken {
                kind: SyntaxKind::ErrorText,
                span: span.clone(),
            })],
        })]
    };
    Parse {
        root: SyntaxNode {
            kind: SyntaxKind::Script,
            span: span.clone(),
            children,
        },
        errors: vec![SyntaxError {
            span,
            message: message.to_owned(),
        }],
    }
}

/// What a grammar rule becomes in the tree.
enum Shape {
    Token(SyntaxKind),
    /// A token whose compound-atomic rule may contain a `missing_quote`.
    StringToken(SyntaxKind),
    Node(SyntaxKind),
    /// A node that disappears when it wraps a single significant child.
    NodeUnlessSingle(SyntaxKind),
    /// Its children go straight into the parent.
    Splice,
    Missing,
    /// A missing part with its own message (no opener to point at).
    MissingWith(&'static str),
    ErrorNode(&'static str),
    Ignore,
}

fn shape(rule: Rule) -> Shape {
    use Shape::*;
    use SyntaxKind as K;
    match rule {
        Rule::nl => Token(K::Newline),
        Rule::semi => Token(K::Semicolon),
        Rule::comma => Token(K::Comma),
        Rule::lparen => Token(K::LParen),
        Rule::rparen => Token(K::RParen),
        Rule::lbrace => Token(K::LBrace),
        Rule::rbrace => Token(K::RBrace),
        Rule::lbracket | Rule::lbracket_q => Token(K::LBracket),
        Rule::rbracket => Token(K::RBracket),
        Rule::at_lparen => Token(K::AtLParen),
        Rule::at_lbrace => Token(K::AtLBrace),
        Rule::dollar_lparen => Token(K::DollarLParen),
        Rule::pipe => Token(K::Pipe),
        Rule::chain_op => Token(K::ChainOperator),
        Rule::dot => Token(K::Dot),
        Rule::dcolon => Token(K::DoubleColon),
        Rule::colon => Token(K::Colon),
        Rule::question => Token(K::QuestionMark),
        Rule::assign_eq | Rule::assign_op => Token(K::AssignOperator),
        Rule::binop => Token(K::BinaryOperator),
        Rule::prefix_op | Rule::incdec => Token(K::UnaryOperator),
        Rule::invoke_op => Token(K::InvocationOperator),
        Rule::redirection_op => Token(K::RedirectionOperator),
        Rule::kw_if
        | Rule::kw_elseif
        | Rule::kw_else
        | Rule::kw_switch
        | Rule::kw_foreach
        | Rule::kw_in
        | Rule::kw_for
        | Rule::kw_while
        | Rule::kw_until
        | Rule::kw_do
        | Rule::kw_try
        | Rule::kw_catch
        | Rule::kw_finally
        | Rule::kw_trap
        | Rule::kw_function
        | Rule::kw_param
        | Rule::kw_named_block
        | Rule::kw_break
        | Rule::kw_return
        | Rule::kw_class
        | Rule::kw_enum
        | Rule::kw_modifier
        | Rule::kw_data
        | Rule::kw_parallel => Token(K::Keyword),
        Rule::variable => Token(K::Variable),
        Rule::splat => Token(K::Splat),
        Rule::number => Token(K::Number),
        Rule::identifier | Rule::hash_key_bare | Rule::label_target => Token(K::Identifier),
        Rule::function_name => Token(K::Identifier),
        Rule::command_name | Rule::bare_word | Rule::bare_word_tail => Token(K::BareWord),
        Rule::parameter_colon | Rule::parameter_name | Rule::switch_option => Token(K::Parameter),
        Rule::stop_parsing => Token(K::StopParsing),
        Rule::label => Token(K::Label),
        Rule::type_name => Token(K::TypeName),
        Rule::sq_string => StringToken(K::SingleQuotedString),
        Rule::here_sq_string => StringToken(K::HereSingleQuotedString),
        Rule::dq_open | Rule::dq_close | Rule::here_dq_open | Rule::here_dq_close => {
            Token(K::StringDelimiter)
        }
        Rule::dq_text | Rule::here_dq_text => Token(K::StringText),
        Rule::missing_rparen => Missing,
        Rule::missing_rbrace => Missing,
        Rule::missing_rbracket => Missing,
        Rule::missing_quote => Missing,
        Rule::missing_block => MissingWith("missing `{ … }` block"),
        Rule::missing_do_condition => {
            MissingWith("missing `while (…)` or `until (…)` after `do { … }`")
        }
        Rule::stray_closer => ErrorNode("unexpected closing bracket"),
        Rule::error_stmt => ErrorNode("this statement could not be parsed"),
        Rule::switch_error => ErrorNode("invalid switch clause"),
        Rule::hash_error => ErrorNode("invalid hashtable entry"),
        Rule::class_error => ErrorNode("invalid class or enum member"),
        Rule::parameter_error => ErrorNode("invalid parameter declaration"),

        Rule::block => Node(K::Block),
        Rule::script_block => Node(K::ScriptBlock),
        Rule::paren_expr => Node(K::ParenExpression),
        Rule::sub_expr => Node(K::SubExpression),
        Rule::array_expr => Node(K::ArrayExpression),
        Rule::hashtable => Node(K::Hashtable),
        Rule::hash_entry => Node(K::HashEntry),
        Rule::pipeline => Node(K::Pipeline),
        Rule::pipeline_chain => NodeUnlessSingle(K::PipelineChain),
        Rule::command => Node(K::Command),
        Rule::command_name_expr => Node(K::CommandNameExpr),
        Rule::parameter_arg => Node(K::CommandParameter),
        Rule::command_argument => Node(K::CommandArgument),
        Rule::redirection => Node(K::Redirection),
        Rule::arg_value => NodeUnlessSingle(K::ExpandableWord),
        Rule::expression | Rule::expression_nc => NodeUnlessSingle(K::BinaryExpression),
        Rule::array_literal => NodeUnlessSingle(K::ArrayLiteral),
        Rule::prefix_expr => Node(K::UnaryExpression),
        Rule::cast_expr => Node(K::Cast),
        Rule::type_literal => Node(K::TypeLiteral),
        Rule::postfix_expr => NodeUnlessSingle(K::MemberAccess),
        Rule::member_postfix => Node(K::MemberAccess),
        Rule::index_postfix => Node(K::IndexExpression),
        Rule::invoke_args => Node(K::ArgumentList),
        Rule::dq_string => Node(K::ExpandableString),
        Rule::here_dq_string => Node(K::HereExpandableString),
        Rule::if_stmt => Node(K::IfStatement),
        Rule::elseif_clause => Node(K::ElseIfClause),
        Rule::else_clause => Node(K::ElseClause),
        Rule::switch_stmt => Node(K::SwitchStatement),
        Rule::switch_body => Splice,
        Rule::switch_clause => Node(K::SwitchClause),
        Rule::foreach_stmt => Node(K::ForeachStatement),
        Rule::foreach_head => Node(K::ForeachHead),
        Rule::for_stmt => Node(K::ForStatement),
        Rule::for_head => Node(K::ForHead),
        Rule::while_stmt => Node(K::WhileStatement),
        Rule::do_stmt => Node(K::DoStatement),
        Rule::try_stmt => Node(K::TryStatement),
        Rule::catch_clause => Node(K::CatchClause),
        Rule::finally_clause => Node(K::FinallyClause),
        Rule::trap_stmt => Node(K::TrapStatement),
        Rule::flow_stmt => Node(K::FlowStatement),
        Rule::labeled_stmt => Node(K::LabeledStatement),
        Rule::data_stmt => Node(K::DataStatement),
        Rule::function_stmt => Node(K::FunctionDefinition),
        Rule::param_block => Node(K::ParamBlock),
        Rule::parameter_list => Node(K::ParameterList),
        Rule::parameter => Node(K::ParameterDeclaration),
        Rule::named_block => Node(K::NamedBlock),
        Rule::attribute => Node(K::Attribute),
        Rule::attribute_args => Node(K::AttributeArguments),
        Rule::attribute_arg => Node(K::AttributeArgument),
        Rule::class_stmt => Node(K::ClassDefinition),
        Rule::class_body | Rule::enum_body => Splice,
        Rule::class_member => Node(K::ClassMember),
        Rule::class_property => Node(K::ClassProperty),
        Rule::class_method => Node(K::ClassMethod),
        Rule::enum_stmt => Node(K::EnumDefinition),
        Rule::enum_member => Node(K::EnumMember),
        Rule::EOI => Ignore,
        _ => Splice,
    }
}

/// Builds the tree in one pass over the pairs. `cursor` is the end of what the current
/// children list covers: bytes between it and the next pair are the silent trivia (or a grammar
/// gap) and become tokens right there, so no node's children are copied to fill gaps later.
struct Builder<'s> {
    src: &'s str,
    errors: Vec<SyntaxError>,
    /// Whether a `Missing` token was built; if not, `report_missing` has nothing to find.
    saw_missing: bool,
}

impl Builder<'_> {
    fn build_all(
        &mut self,
        pairs: Pairs<'_, Rule>,
        out: &mut Vec<SyntaxElement>,
        cursor: &mut usize,
    ) {
        for pair in pairs {
            self.build(pair, out, cursor);
        }
    }

    /// Claims the bytes from `cursor` to `to` as trivia tokens (or `Unknown` if the grammar
    /// left a gap), so the tree stays lossless.
    fn gap_to(&mut self, out: &mut Vec<SyntaxElement>, cursor: &mut usize, to: usize) {
        if to > *cursor {
            push_gap(self.src, *cursor..to, out, &mut self.errors);
            *cursor = to;
        }
    }

    fn build(&mut self, pair: Pair<'_, Rule>, out: &mut Vec<SyntaxElement>, cursor: &mut usize) {
        let span = pair.as_span().start()..pair.as_span().end();
        let rule = pair.as_rule();
        let shape = shape(rule);
        if !matches!(shape, Shape::Ignore | Shape::Splice) {
            self.gap_to(out, cursor, span.start);
            *cursor = (*cursor).max(span.end);
        }
        match shape {
            Shape::Ignore => {}
            Shape::Token(kind) => {
                self.check_token(kind, &span);
                out.push(token(kind, span));
            }
            Shape::StringToken(kind) => {
                let missing = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::missing_quote)
                    .is_some();
                out.push(token(kind, span.clone()));
                if missing {
                    self.saw_missing = true;
                    self.error(span.clone(), "missing closing quote");
                    out.push(token(SyntaxKind::Missing, span.end..span.end));
                }
            }
            // Reported by `report_missing`, which knows the opener.
            Shape::Missing => {
                self.saw_missing = true;
                out.push(token(SyntaxKind::Missing, span));
            }
            Shape::MissingWith(message) => {
                self.saw_missing = true;
                self.error(span.clone(), message);
                out.push(token(SyntaxKind::Missing, span));
            }
            Shape::ErrorNode(message) => {
                self.error(span.clone(), message);
                out.push(SyntaxElement::Node(SyntaxNode {
                    kind: SyntaxKind::Error,
                    span: span.clone(),
                    children: vec![token(SyntaxKind::ErrorText, span)],
                }));
            }
            Shape::Splice => self.build_all(pair.into_inner(), out, cursor),
            Shape::Node(kind) | Shape::NodeUnlessSingle(kind) => {
                let unless_single = matches!(shape, Shape::NodeUnlessSingle(_));
                let mut inner = Vec::new();
                let mut inner_cursor = span.start;
                self.build_all(pair.into_inner(), &mut inner, &mut inner_cursor);
                self.gap_to(&mut inner, &mut inner_cursor, span.end);
                // Trivia at either edge moves out to the parent, so the node starts and ends at
                // code: leading trivia goes to `out` now, trailing trivia goes to `out` too and
                // the node is inserted before it.
                let lead = inner.iter().take_while(|c| c.is_trivia()).count();
                let trail = inner[lead..]
                    .iter()
                    .rev()
                    .take_while(|c| c.is_trivia())
                    .count();
                if lead > 0 {
                    out.extend(inner.drain(..lead));
                }
                let at = out.len();
                if trail > 0 {
                    out.extend(inner.drain(inner.len() - trail..));
                }
                // A zero-width `Missing` after a lone operand (an unterminated string) does not
                // make a wrapper node.
                let significant = inner
                    .iter()
                    .filter(|c| !c.is_trivia() && c.kind() != SyntaxKind::Missing)
                    .count();
                if unless_single && significant <= 1 {
                    if trail > 0 {
                        out.splice(at..at, inner);
                    } else {
                        out.append(&mut inner);
                    }
                } else if let Some(element) = self.shape_node(rule, kind, inner) {
                    out.insert(at, element);
                }
            }
        }
    }

    /// Rule-specific restructuring of a node whose children are final.
    fn shape_node(
        &mut self,
        rule: Rule,
        kind: SyntaxKind,
        children: Vec<SyntaxElement>,
    ) -> Option<SyntaxElement> {
        match rule {
            Rule::pipeline
                if children
                    .iter()
                    .any(|c| c.kind() == SyntaxKind::AssignOperator) =>
            {
                make_node(SyntaxKind::Assignment, children)
            }
            Rule::member_postfix
                if children
                    .iter()
                    .any(|c| c.kind() == SyntaxKind::ArgumentList) =>
            {
                make_node(SyntaxKind::InvokeMember, children)
            }
            Rule::postfix_expr => fold_postfix(children),
            // `cmd a, b` passes one array: wrap the values so the argument has a single child.
            Rule::command_argument if children.iter().any(|c| c.kind() == SyntaxKind::Comma) => {
                let array = make_node(SyntaxKind::ArrayLiteral, children)?;
                make_node(SyntaxKind::CommandArgument, vec![array])
            }
            Rule::expression | Rule::expression_nc => precedence::nest(self.src, children),
            _ => make_node(kind, children),
        }
    }

    /// Token-level errors (block comments are checked in `push_gap`, where they are made).
    fn check_token(&mut self, kind: SyntaxKind, span: &Range<usize>) {
        if kind != SyntaxKind::Variable {
            return;
        }
        let text = self.src.get(span.clone()).unwrap_or("");
        if text.starts_with("${") && !text.ends_with('}') {
            self.error(
                span.clone(),
                "missing closing `}` of a `${…}` variable name",
            );
        }
    }

    fn error(&mut self, span: Range<usize>, message: &str) {
        self.errors.push(SyntaxError {
            span,
            message: message.to_owned(),
        });
    }
}

fn token(kind: SyntaxKind, span: Range<usize>) -> SyntaxElement {
    SyntaxElement::Token(SyntaxToken { kind, span })
}

/// A node spanning its children (which must be non-empty for a meaningful span).
pub(crate) fn make_node(kind: SyntaxKind, children: Vec<SyntaxElement>) -> Option<SyntaxElement> {
    let start = children.first()?.span().start;
    let end = children.last()?.span().end;
    Some(SyntaxElement::Node(SyntaxNode {
        kind,
        span: start..end,
        children,
    }))
}

/// Turns the bytes of a gap between pairs into tokens. Gaps are the silent trivia rule's bytes:
/// whitespace runs (with backtick line continuations) and comments; anything else is a grammar
/// bug, kept as `Unknown`. An unterminated block comment is reported here, where it is made.
fn push_gap(
    src: &str,
    span: Range<usize>,
    out: &mut Vec<SyntaxElement>,
    errors: &mut Vec<SyntaxError>,
) {
    let text = src.get(span.clone()).unwrap_or("");
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let kind = if bytes[i] == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                i += 1;
            }
            SyntaxKind::Comment
        } else if bytes[i..].starts_with(b"<#") {
            i = match text[i + 2..].find("#>") {
                Some(end) => i + 2 + end + 2,
                None => bytes.len(),
            };
            let comment = &text[start..i];
            if comment.len() < 4 || !comment.ends_with("#>") {
                errors.push(SyntaxError {
                    span: span.start + start..span.start + i,
                    message: "missing `#>` at the end of a block comment".to_owned(),
                });
            }
            SyntaxKind::Comment
        } else {
            let ws_len = whitespace_len(&text[i..]);
            if ws_len > 0 {
                i += ws_len;
                SyntaxKind::Whitespace
            } else {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                while i < bytes.len()
                    && bytes[i] != b'#'
                    && !bytes[i..].starts_with(b"<#")
                    && whitespace_len(&text[i..]) == 0
                {
                    i += text[i..].chars().next().map_or(1, char::len_utf8);
                }
                SyntaxKind::Unknown
            }
        };
        out.push(token(kind, span.start + start..span.start + i));
    }
}

/// Length of the whitespace run (spaces, tabs, other blanks, backtick + line break) at the
/// start of `text`.
fn whitespace_len(text: &str) -> usize {
    let mut len = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\u{0B}' | '\u{0C}' | '\u{A0}' | '\u{85}' | '\u{FEFF}' | '\u{200B}'
            | '\u{3000}' => len += c.len_utf8(),
            '`' => match chars.peek() {
                Some('\r') => {
                    chars.next();
                    len += 2;
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                        len += 1;
                    }
                }
                Some('\n') => {
                    chars.next();
                    len += 2;
                }
                _ => break,
            },
            _ => break,
        }
    }
    len
}

/// `primary op1 op2 …` → `((primary op1) op2)`: each postfix node wraps what precedes it.
fn fold_postfix(children: Vec<SyntaxElement>) -> Option<SyntaxElement> {
    let mut iter = children.into_iter();
    let mut acc = iter.next()?;
    for op in iter {
        acc = match op {
            SyntaxElement::Node(mut node)
                if matches!(
                    node.kind,
                    SyntaxKind::MemberAccess
                        | SyntaxKind::InvokeMember
                        | SyntaxKind::IndexExpression
                ) =>
            {
                let mut children = Vec::with_capacity(node.children.len() + 1);
                children.push(acc);
                let kind = node.kind;
                children.append(&mut node.children);
                make_node(kind, children)?
            }
            SyntaxElement::Token(t) if t.kind == SyntaxKind::UnaryOperator => make_node(
                SyntaxKind::UnaryExpression,
                vec![acc, SyntaxElement::Token(t)],
            )?,
            other => {
                // Not a postfix operator (the grammar only produces the above); keep the bytes.
                make_node(SyntaxKind::MemberAccess, vec![acc, other])?
            }
        };
    }
    Some(acc)
}

/// A cheap bracket-depth scan, so pathological nesting is cut before pest recurses into it.
mod nesting {
    /// Returns the maximum depth seen (up to `cap + 1`) and, if `cap` is exceeded, the byte
    /// offset of the opener that exceeded it. Strings and comments are skipped roughly; the
    /// scan only has to be good enough to bound recursion.
    pub(super) fn scan(text: &str, cap: usize) -> (usize, Option<usize>) {
        #[derive(PartialEq)]
        enum Mode {
            Code,
            Double,
        }
        let bytes = text.as_bytes();
        let mut stack: Vec<Mode> = vec![Mode::Code];
        let mut depth = 0usize;
        let mut max = 0usize;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let in_string = stack.last() == Some(&Mode::Double);
            if in_string {
                match b {
                    b'`' => i += 1,
                    b'"' => {
                        stack.pop();
                    }
                    b'$' if bytes.get(i + 1) == Some(&b'(') => {
                        depth += 1;
                        max = max.max(depth);
                        stack.push(Mode::Code);
                        i += 1;
                    }
                    _ => {}
                }
                i += 1;
                if depth > cap {
                    return (depth, Some(i.saturating_sub(2)));
                }
                continue;
            }
            match b {
                b'`' => i += 1,
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                        i += 1;
                    }
                }
                b'<' if bytes.get(i + 1) == Some(&b'#') => {
                    i += 2;
                    while i + 1 < bytes.len() && !(bytes[i] == b'#' && bytes[i + 1] == b'>') {
                        i += 1;
                    }
                    i += 1;
                }
                b'\'' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'\'' {
                        i += 1;
                    }
                }
                b'"' => stack.push(Mode::Double),
                b'(' | b'{' | b'[' => {
                    depth += 1;
                    max = max.max(depth);
                    if depth > cap {
                        return (depth, Some(start_of_char(text, i)));
                    }
                    stack.push(Mode::Code);
                }
                b')' | b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if stack.len() > 1 {
                        stack.pop();
                    }
                }
                _ => {}
            }
            i += 1;
        }
        (max, None)
    }

    /// Offsets just after newlines that are outside any bracket, string, here-string or
    /// comment and are followed by something that starts a new statement (not `|`, `.`, an
    /// operator or indentation), so a script can be parsed piece by piece when it is too big
    /// or too costly to parse whole. Rough like `scan`: a bad cut costs errors, not bytes.
    pub(super) fn top_level_cuts(text: &str) -> Vec<usize> {
        let bytes = text.as_bytes();
        let find = |from: usize, needle: &[u8]| {
            bytes
                .get(from..)
                .and_then(|rest| rest.windows(needle.len()).position(|w| w == needle))
                .map_or(bytes.len(), |p| from + p + needle.len())
        };
        let mut cuts = Vec::new();
        let mut depth = 0usize;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'`' => i += 2,
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                        i += 1;
                    }
                }
                b'<' if bytes.get(i + 1) == Some(&b'#') => i = find(i + 2, b"#>"),
                b'@' if matches!(bytes.get(i + 1), Some(b'\'' | b'"')) => {
                    let close = [b'\n', bytes[i + 1], b'@'];
                    i = find(i + 2, &close);
                }
                b'\'' => i = find(i + 1, b"'"),
                b'"' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        i += if bytes[i] == b'`' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'(' | b'{' | b'[' => {
                    depth += 1;
                    i += 1;
                }
                b')' | b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                b'\n' | b'\r' => {
                    i += if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                    let starts_statement = bytes.get(i).is_some_and(|&b| {
                        b.is_ascii_alphanumeric()
                            || matches!(
                                b,
                                b'$' | b'#' | b'[' | b'_' | b'<' | b'@' | b'&' | b'"' | b'\''
                            )
                    });
                    if depth == 0 && starts_statement {
                        cuts.push(i);
                    }
                }
                _ => i += 1,
            }
        }
        cuts
    }

    fn start_of_char(text: &str, mut i: usize) -> usize {
        while i > 0 && !text.is_char_boundary(i) {
            i -= 1;
        }
        // Prefer cutting at an opener's `$`/`@` prefix so the cut never splits a token.
        if i > 0 && matches!(text.as_bytes()[i - 1], b'$' | b'@') {
            i -= 1;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for `parse_one` that runs out of budget on any piece containing `BAD`.
    fn fake(piece: &str) -> Result<Parse, Exhausted> {
        if piece.contains("BAD") {
            Err(Exhausted)
        } else {
            parse_one(piece)
        }
    }

    fn lossless(src: &str, parse: &Parse) {
        let mut cursor = 0;
        for t in parse.root.tokens() {
            assert_eq!(t.span.start, cursor, "gap or overlap in {src:?}");
            cursor = t.span.end;
        }
        assert_eq!(cursor, src.len());
        assert_eq!(parse.root.span, 0..src.len());
    }

    #[test]
    fn an_exhausted_line_becomes_an_error_and_the_rest_parses() {
        let src = "$a = 1\nif ($x) {\n  Get-Y\n}\nBAD BAD\n$b = @(\n 2)\n";
        let parse = parse_in_pieces(src, &mut fake);
        lossless(src, &parse);
        assert_eq!(parse.errors.len(), 1, "{:?}", parse.errors);
        assert_eq!(&src[parse.errors[0].span.clone()], "BAD BAD\n");
        assert_eq!(parse.errors[0].message, WORK_LIMIT_MESSAGE);
        let kinds: Vec<_> = parse
            .root
            .child_nodes()
            .map(|n| (n.kind, n.text(src)))
            .collect();
        assert_eq!(
            kinds,
            [
                (SyntaxKind::Assignment, "$a = 1"),
                (SyntaxKind::IfStatement, "if ($x) {\n  Get-Y\n}"),
                (SyntaxKind::Error, "BAD BAD\n"),
                (SyntaxKind::Assignment, "$b = @(\n 2)"),
            ]
        );
    }

    #[test]
    fn after_a_few_exhausted_pieces_the_rest_is_one_error() {
        let src = "ok\nBAD1\nBAD2\nBAD3\nBAD4\nBAD5\nok\n";
        let mut calls = 0;
        let parse = parse_in_pieces(src, &mut |piece| {
            calls += 1;
            fake(piece)
        });
        lossless(src, &parse);
        // One try of the whole piece, then one per line until the fourth exhausted one.
        assert_eq!(calls, 1 + 4);
        let last = parse.errors.last().expect("errors");
        assert_eq!(&src[last.span.clone()], "BAD4\nBAD5\nok\n");
        assert_eq!(parse.errors.len(), 4);
    }

    #[test]
    fn cuts_fall_between_top_level_statements_only() {
        let src = "a\nif ($x) {\n b\n}\n'x\ny'\n@\"\nz\n\"@\n| c\n  d\n<# q\nr #>\ne";
        let cuts = nesting::top_level_cuts(src);
        let starts: Vec<&str> = cuts.iter().map(|&c| &src[c..c + 1]).collect();
        assert_eq!(starts, ["i", "'", "@", "<", "e"], "{cuts:?}");
    }
}
