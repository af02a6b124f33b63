//! The translator's own reading of a script: a tolerant parser producing the statement-level
//! tree the analysis walks. (The project grammar decides syntax errors and re-parses output;
//! this tree exists because the analysis needs command/argument binding details.)

pub mod ast;
pub mod parse;
