//! One module per subcommand; each exposes clap `Args` and a `run` returning the exit code.
pub mod emulate;
pub mod explain;
pub mod parse;
pub mod proxy;
pub mod translate;
pub mod users;
