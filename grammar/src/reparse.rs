//! Incremental re-parse after a few edits: the old tree's top-level statements away from the
//! edits are kept (moved, with shifted spans), and only a region around the edits is parsed
//! again. The result must be exactly `parse(new_text)`; whenever that cannot be shown cheaply,
//! the whole text is parsed instead.
//!
//! Why a region can be parsed on its own: the grammar is a PEG, and the script rule is a loop
//! of statements, so the parse of one top-level statement depends only on the text from its
//! start up to the furthest byte the grammar looked at. For most statements that is their end
//! plus trivia and one token (`else` after an `if`, `|` starting the next line, a ternary's
//! `:`); a few constructs look across one whole neighbouring statement (`data` looking for
//! `name` NEWLINE `{`, a ternary `?` whose branch is on the next line, attributes before
//! `param`). Hence:
//! - the region is widened by [`NEIGHBOURS`] untouched statements on each side, which must
//!   come out of the region parse exactly as they were (so the region starts and ends in step
//!   with the full parse);
//! - nothing before the region may have errors: a failed attempt (a string read across many
//!   lines, then abandoned for an error statement) can look arbitrarily far ahead, into the
//!   edit;
//! - the region must parse without errors: an attempt that reads past its end meets the end of
//!   the text there, not the rest of the file, and when it fails for that it leaves an error.
//!
//! Statements after the region are parsed from the same text as before, so they keep their
//! trees and errors, shifted.

use std::ops::Range;

use crate::parser;
use crate::syntax::{SyntaxElement, SyntaxNode};
use crate::{Parse, SyntaxError};

/// One replaced range of the old text: `old` (byte range in the old text) became `new_len`
/// bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub old: Range<usize>,
    pub new_len: usize,
}

/// Untouched top-level statements re-parsed on each side of the edited ones. Two, not one:
/// a construct that looks across one whole statement (see the module doc) is then still
/// inside the region, where the comparison with the old tree catches it.
const NEIGHBOURS: usize = 2;

/// Above this size the fast path is not tried: a whole-text parse this big could exceed the
/// parser's call budget and be parsed in pieces, a tree the region parse cannot reproduce.
/// Real scripts take about 10 pest calls per byte, so 1 MiB stays far below the 2^25 budget.
const MAX_FAST_LEN: usize = 1 << 20;

/// The parse of `new_text`, which is the old text with `changes` (sorted, non-overlapping)
/// applied. Equal to `parse(new_text)`; re-uses the old tree's untouched top-level children.
///
/// `old` must be the parse of the old text (from [`crate::parse`] or from `reparse`), and
/// `new_text` must equal the old text outside the changed ranges; the function cannot check
/// the latter (it has no old text), only that the lengths agree.
pub fn reparse(old: Parse, changes: &[Change], new_text: &str) -> Parse {
    reparse_traced(old, changes, new_text).0
}

/// [`reparse`], and why it parsed the whole text instead (`None`: the fast path was taken).
/// For tests and measurements.
#[doc(hidden)]
pub fn reparse_traced(
    old: Parse,
    changes: &[Change],
    new_text: &str,
) -> (Parse, Option<&'static str>) {
    match try_reparse(old, changes, new_text) {
        Ok(parse) => (parse, None),
        Err(reason) => (crate::parse(new_text), Some(reason)),
    }
}

fn try_reparse(mut old: Parse, changes: &[Change], new_text: &str) -> Result<Parse, &'static str> {
    let old_len = old.root.span.end;
    if old.root.kind != crate::SyntaxKind::Script || old.root.span.start != 0 {
        return Err("the old tree is not a script");
    }
    let (Some(first), Some(last)) = (changes.first(), changes.last()) else {
        return Err("no changes");
    };
    let mut delta: isize = 0;
    let mut prev_end = 0;
    for change in changes {
        if change.old.start < prev_end || change.old.end < change.old.start {
            return Err("changes unsorted or overlapping");
        }
        prev_end = change.old.end;
        let new_len = isize::try_from(change.new_len).map_err(|_| "change too long")?;
        let old_len = isize::try_from(change.old.len()).map_err(|_| "change too long")?;
        delta += new_len - old_len;
    }
    if prev_end > old_len {
        return Err("change out of range");
    }
    if old_len.checked_add_signed(delta) != Some(new_text.len()) {
        return Err("lengths inconsistent");
    }
    if new_text.len() > MAX_FAST_LEN || old_len > MAX_FAST_LEN {
        return Err("text too big");
    }
    if old
        .errors
        .iter()
        .any(|e| parser::is_whole_file_error(&e.message))
    {
        return Err("the old parse was cut or limited");
    }
    // A cheap byte scan: the full parse would cut the new text for nesting, which the region
    // parse (seeing less text) might not.
    if parser::nesting_cut(new_text) {
        return Err("the new text nests too deep");
    }

    let children = &old.root.children;
    if children.is_empty() {
        return Err("the old tree is empty");
    }
    // Touched children: those whose span meets a change, ends included (an edit at a
    // boundary can join with the child on either side). The children tile the text in order.
    let t0 = children.partition_point(|c| c.span().end < first.old.start);
    let t1 = children
        .partition_point(|c| c.span().start <= last.old.end)
        .saturating_sub(1)
        .max(t0);
    if t0 >= children.len() {
        return Err("change past the last child");
    }
    let is_statement = |i: usize| matches!(children[i], SyntaxElement::Node(_));
    // Widen to statements: a touched token (trivia, `;`) touches the statements around it;
    // then NEIGHBOURS more statements on each side.
    let mut lo = t0;
    let mut need = NEIGHBOURS + usize::from(!is_statement(t0));
    while need > 0 && lo > 0 {
        lo -= 1;
        if is_statement(lo) {
            need -= 1;
        }
    }
    let mut hi = t1;
    let mut need = NEIGHBOURS + usize::from(!is_statement(t1));
    while need > 0 && hi + 1 < children.len() {
        hi += 1;
        if is_statement(hi) {
            need -= 1;
        }
    }
    // A region reaching an end of the file takes everything up to that end.
    let old_start = if lo == 0 {
        0
    } else {
        children[lo].span().start
    };
    let old_end = if hi + 1 == children.len() {
        old_len
    } else {
        children[hi].span().end
    };
    let new_start = old_start;
    let new_end = old_end
        .checked_add_signed(delta)
        .ok_or("lengths inconsistent")?;
    let region_text = new_text
        .get(new_start..new_end)
        .ok_or("region not on char boundaries")?;

    // An erroneous statement may have looked far ahead before giving up (an attempt that read
    // a string across lines and then failed), possibly into the edit; statements after the
    // region are parsed from the same text as before and keep their errors.
    if old
        .errors
        .iter()
        .any(|e| e.span.start < old_start || (old_start > 0 && e.span.end <= old_start))
    {
        return Err("errors before the region");
    }

    let (mut region, whole) = parser::parse_traced(region_text);
    if !whole {
        return Err("the region parse was cut or limited");
    }
    // The region parse meets the end of its text where the full parse goes on. An attempt that
    // read past the untouched neighbours (a string or bracket opened in the edit and closed
    // only after the region) may fail at that end where the full parse succeeds, and leaves an
    // error behind (a missing closer, an error statement or parameter); the neighbour check
    // alone misses it when the alternative taken instead ends before them. So the region must
    // parse without errors.
    if !region.errors.is_empty() {
        return Err("the region has errors");
    }
    let mut region_children = std::mem::take(&mut region.root.children);
    for child in &mut region_children {
        shift(child, new_start as isize);
    }

    // The untouched children inside the region must come out exactly as before (the prefix
    // is before every change, so unshifted; the suffix is after, so shifted by `delta`).
    let prefix = t0 - lo;
    let suffix = hi - t1;
    if region_children.len() < prefix + suffix {
        return Err("region parse has fewer children");
    }
    let same_prefix = children[lo..t0]
        .iter()
        .zip(&region_children[..prefix])
        .all(|(a, b)| same_shifted(a, b, 0));
    let same_suffix = children[t1 + 1..=hi]
        .iter()
        .zip(&region_children[region_children.len() - suffix..])
        .all(|(a, b)| same_shifted(a, b, delta));
    if !same_prefix || !same_suffix {
        return Err("the neighbours parse differently");
    }

    // Errors: the region has none, so the old ones after it, shifted, are all of them (the
    // old ones inside it belonged to the replaced children).
    let mut errors = Vec::new();
    for e in std::mem::take(&mut old.errors) {
        if e.span.start >= old_end && e.span.end > old_end {
            let span = shift_range(&e.span, delta).ok_or("error span out of range")?;
            errors.push(SyntaxError {
                span,
                message: e.message,
            });
        } else if e.span.start < old_start || e.span.end > old_end {
            return Err("an error straddles the region");
        }
    }

    // Splice: move the old children out of the old tree instead of cloning them.
    let mut root_children = std::mem::take(&mut old.root.children);
    let mut tail = root_children.split_off(hi + 1);
    root_children.truncate(lo);
    root_children.reserve(region_children.len() + tail.len());
    root_children.append(&mut region_children);
    for child in &mut tail {
        shift(child, delta);
    }
    root_children.append(&mut tail);
    Ok(Parse {
        root: SyntaxNode {
            kind: crate::SyntaxKind::Script,
            span: 0..new_text.len(),
            children: root_children,
        },
        errors,
    })
}

fn shift_range(range: &Range<usize>, delta: isize) -> Option<Range<usize>> {
    Some(range.start.checked_add_signed(delta)?..range.end.checked_add_signed(delta)?)
}

/// Moves every span of `element` by `delta` bytes (iteratively: trees can be deep). Spans of
/// children after an edit never move below zero, since they start after the edit's end.
fn shift(element: &mut SyntaxElement, delta: isize) {
    if delta == 0 {
        return;
    }
    let moved = |r: &Range<usize>| shift_range(r, delta).unwrap_or(r.clone());
    let mut stack = vec![element];
    while let Some(element) = stack.pop() {
        match element {
            SyntaxElement::Token(t) => t.span = moved(&t.span),
            SyntaxElement::Node(n) => {
                n.span = moved(&n.span);
                stack.extend(n.children.iter_mut());
            }
        }
    }
}

/// Whether `new` is `old` with every span moved by `delta` (same kinds, same shape).
fn same_shifted(old: &SyntaxElement, new: &SyntaxElement, delta: isize) -> bool {
    let mut stack = vec![(old, new)];
    while let Some((a, b)) = stack.pop() {
        if a.kind() != b.kind() || shift_range(&a.span(), delta) != Some(b.span()) {
            return false;
        }
        match (a, b) {
            (SyntaxElement::Node(a), SyntaxElement::Node(b)) => {
                if a.children.len() != b.children.len() {
                    return false;
                }
                stack.extend(a.children.iter().zip(&b.children));
            }
            (SyntaxElement::Token(_), SyntaxElement::Token(_)) => {}
            _ => return false,
        }
    }
    true
}
