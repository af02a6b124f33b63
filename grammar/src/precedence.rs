//! Binary operator precedence. The grammar parses `operand (op operand)*` flat (pest has no
//! precedence climbing that keeps trivia), and this module nests it into left-associative
//! `BinaryExpression` nodes following about_Operator_Precedence.

use crate::parser::make_node;
use crate::syntax::{SyntaxElement, SyntaxKind};

/// Binding strength of a binary operator (higher binds tighter); `text` is the operator as
/// written, with any dash variant and case prefix.
pub fn binary_precedence(text: &str) -> u8 {
    let name = normalise_operator(text);
    match name.as_str() {
        ".." => 8,
        "f" => 7,
        "*" | "/" | "%" => 6,
        "+" | "-" => 5,
        "band" | "bor" | "bxor" | "shl" | "shr" => 4,
        "and" | "or" | "xor" => 1,
        "??" => 2,
        _ => 3,
    }
}

/// `-CEQ`, `–ieq`, `-eq` → `eq`; `-f` → `f`; symbols unchanged. Comparison operators lose
/// their `c`/`i` case prefix.
pub fn normalise_operator(text: &str) -> String {
    let mut chars = text.chars();
    let body: String = match chars.next() {
        Some('-' | '\u{2013}' | '\u{2014}' | '\u{2015}') if text.chars().count() > 1 => {
            chars.as_str().to_ascii_lowercase()
        }
        _ => return text.to_owned(),
    };
    const PREFIXED: &[&str] = &[
        "eq",
        "ne",
        "gt",
        "ge",
        "lt",
        "le",
        "like",
        "notlike",
        "match",
        "notmatch",
        "replace",
        "contains",
        "notcontains",
        "in",
        "notin",
        "split",
        "join",
        "is",
        "isnot",
        "as",
    ];
    for prefix in ["c", "i"] {
        if let Some(rest) = body.strip_prefix(prefix) {
            if PREFIXED.contains(&rest) && !PREFIXED.contains(&body.as_str()) {
                return rest.to_owned();
            }
        }
    }
    body
}

struct Operator {
    before: Vec<SyntaxElement>,
    op: SyntaxElement,
    after: Vec<SyntaxElement>,
    precedence: u8,
}

pub(crate) fn nest(src: &str, mut children: Vec<SyntaxElement>) -> Option<SyntaxElement> {
    if let Some(q) = children
        .iter()
        .position(|c| c.kind() == SyntaxKind::QuestionMark)
    {
        // `cond ? a : b`: the condition is everything before `?`, nested on its own.
        let mut tail = children.split_off(q);
        let trivia = children.iter().rev().take_while(|c| c.is_trivia()).count();
        let mut between = children.split_off(children.len() - trivia);
        let condition = nest(src, children)?;
        let mut ternary = Vec::with_capacity(tail.len() + between.len() + 1);
        ternary.push(condition);
        ternary.append(&mut between);
        ternary.append(&mut tail);
        return make_node(SyntaxKind::TernaryExpression, ternary);
    }
    match split(src, &children) {
        Some(()) => {}
        None => return make_node(SyntaxKind::BinaryExpression, children),
    }
    let mut operands: Vec<SyntaxElement> = Vec::new();
    let mut operators: Vec<Operator> = Vec::new();
    let mut pending: Vec<SyntaxElement> = Vec::new();
    let mut expect_operand = true;
    let mut current: Option<Operator> = None;

    for child in children {
        if child.is_trivia() {
            pending.push(child);
            continue;
        }
        if expect_operand {
            if let Some(mut op) = current.take() {
                op.after = std::mem::take(&mut pending);
                while operators
                    .last()
                    .is_some_and(|top| top.precedence >= op.precedence)
                {
                    reduce(&mut operands, &mut operators)?;
                }
                operators.push(op);
            }
            operands.push(child);
        } else {
            let precedence = binary_precedence(child.text(src));
            current = Some(Operator {
                before: std::mem::take(&mut pending),
                op: child,
                after: Vec::new(),
                precedence,
            });
        }
        expect_operand = !expect_operand;
    }
    while !operators.is_empty() {
        reduce(&mut operands, &mut operators)?;
    }
    operands.pop()
}

/// Checks that significant children alternate operand, operator, operand, ….
fn split(_src: &str, children: &[SyntaxElement]) -> Option<()> {
    let mut expect_operand = true;
    let mut count = 0;
    for child in children.iter().filter(|c| !c.is_trivia()) {
        let is_op = child.kind() == SyntaxKind::BinaryOperator;
        if is_op == expect_operand {
            return None;
        }
        expect_operand = !expect_operand;
        count += 1;
    }
    (count % 2 == 1).then_some(())
}

fn reduce(operands: &mut Vec<SyntaxElement>, operators: &mut Vec<Operator>) -> Option<()> {
    let op = operators.pop()?;
    let right = operands.pop()?;
    let left = operands.pop()?;
    let mut children = Vec::with_capacity(op.before.len() + op.after.len() + 3);
    children.push(left);
    children.extend(op.before);
    children.push(op.op);
    children.extend(op.after);
    children.push(right);
    operands.push(make_node(SyntaxKind::BinaryExpression, children)?);
    Some(())
}
