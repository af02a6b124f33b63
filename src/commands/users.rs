//! `exomig users add|remove|list`: edits the proxy's local users file (name:argon2-hash).
//! Passwords are read from stdin only, never from arguments, where `ps` and shell history
//! would keep them.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use exomig_proxy::users;

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
printf '%s' \"$PASSWORD\" | exomig users add --file users.txt --name alice --password-stdin\n  \
exomig users list --file users.txt\n  \
exomig users remove --file users.txt --name alice")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Add a user, or replace the password of an existing one
    Add {
        /// Users file (created when missing)
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// User name (matched case-insensitively by the proxy)
        #[arg(long, value_name = "NAME")]
        name: String,
        /// Read the password from stdin (one trailing newline is stripped)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user; exits 1 when the name is not in the file
    Remove {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Print the user names, one per line
    List {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add {
            file,
            name,
            password_stdin,
        } => {
            if !password_stdin {
                bail!("pass the password on stdin with --password-stdin");
            }
            let mut raw = String::new();
            std::io::stdin()
                .read_to_string(&mut raw)
                .context("cannot read the password from stdin")?;
            let password = exomig_upstream::strip_one_newline(&raw);
            if password.is_empty() {
                bail!("the password read from stdin is empty");
            }
            let existed = users::list(&file)?
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&name));
            users::add(&file, &name, password)?;
            let verb = if existed { "updated" } else { "added" };
            eprintln!("{verb} user {name} in {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Remove { file, name } => {
            if users::remove(&file, &name)? {
                eprintln!("removed user {name} from {}", file.display());
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("no user {name} in {}", file.display());
                Ok(ExitCode::from(1))
            }
        }
        Command::List { file } => {
            for name in users::list(&file)? {
                println!("{name}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
