//! Secrets read from files or stdin, wrapped so that they never print.

use std::path::Path;

use secrecy::SecretString;

/// Removes exactly one trailing LF or CRLF: editors add one, and the contract says that one
/// newline is not part of the secret (interfaces.md, "Secrets from files and stdin").
pub fn strip_one_newline(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

/// Reads a secret (client secret, password) from a file, stripping one trailing newline.
pub fn read_secret_file(path: &Path) -> std::io::Result<SecretString> {
    let raw = std::fs::read_to_string(path)?;
    Ok(SecretString::from(strip_one_newline(&raw).to_owned()))
}
