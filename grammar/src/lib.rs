//! A lossless, never-failing parser for PowerShell 5.1 / 7 scripts, a typed view over its
//! syntax tree, and exact decoding/encoding of script bytes. See `grammar/API.md`.
//!
//! ```
//! let text = "New-PSSession -ConnectionUri https://x/ -Authentication Basic\n";
//! let parse = exomig_grammar::parse(text);
//! assert!(parse.errors.is_empty());
//! assert_eq!(parse.root.text(text), text);
//! ```
#![forbid(unsafe_code)]

pub mod ast;
mod parser;
pub mod precedence;
mod reparse;
pub mod source;
pub mod syntax;

use std::ops::Range;

pub use parser::MAX_NESTING;
#[doc(hidden)]
pub use reparse::reparse_traced;
pub use reparse::{reparse, Change};
pub use syntax::{SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken};

/// The result of parsing: always a tree covering every byte, plus the syntax errors found.
#[derive(Clone, Debug)]
pub struct Parse {
    pub root: SyntaxNode,
    pub errors: Vec<SyntaxError>,
}

/// A syntax error at a byte range of the parsed text (zero-width for a missing closer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Range<usize>,
    pub message: String,
}

impl Parse {
    /// Whether the text parsed without errors.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The typed view of the root.
    pub fn script(&self) -> ast::Script<'_> {
        ast::Script::cast(&self.root).unwrap_or_else(|| ast::Script::from_root(&self.root))
    }
}

/// Parses a whole script. Never fails and never panics: constructs the grammar does not know
/// become `Error` nodes up to the next statement boundary and are listed in `errors`.
pub fn parse(text: &str) -> Parse {
    parser::parse(text)
}
