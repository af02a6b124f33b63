//! The local users file of the *app* identity mode.
//!
//! Format (UTF-8, one user per line): `name:argon2-PHC-hash`, for example
//!
//! ```text
//! # exomig proxy users
//! alice:$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$…
//! ```
//!
//! Blank lines and lines starting with `#` are ignored. Names are matched case-insensitively
//! (Windows user names are) and may not contain `:`. `exomig users add|remove|list` edits the
//! file through [`add`], [`remove`] and [`list`]; the proxy only reads it through [`Users`].

use std::path::Path;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;

#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error("cannot read users file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write users file {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("users file line {line}: {reason}")]
    Syntax { line: usize, reason: String },
    #[error("invalid user name {0:?}: it must be non-empty and contain no ':' or line break")]
    InvalidName(String),
    #[error("cannot hash password: {0}")]
    Hash(String),
}

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    hash: String,
}

/// A parsed users file.
#[derive(Debug, Clone, Default)]
pub struct Users {
    entries: Vec<Entry>,
}

/// A fixed, valid hash used to spend the same time on unknown names as on known ones, so the
/// response time does not reveal which user names exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZXhvbWlnLWR1bW15$9Q5hQvSxG1wBSmGCP9E6dnfTkQ7d1iR3aE7LzEv1Ax8";

impl Users {
    pub fn load(path: &Path) -> Result<Self, UsersError> {
        let text = std::fs::read_to_string(path).map_err(|source| UsersError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, UsersError> {
        let mut entries: Vec<Entry> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let syntax = |reason: &str| UsersError::Syntax {
                line: index + 1,
                reason: reason.to_owned(),
            };
            let (name, hash) = line
                .split_once(':')
                .ok_or_else(|| syntax("expected name:hash"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(syntax("empty user name"));
            }
            PasswordHash::new(hash.trim()).map_err(|_| syntax("not an argon2 PHC hash"))?;
            // A later line for the same name wins, as `users add` replaces a password.
            entries.retain(|e| !e.name.eq_ignore_ascii_case(name));
            entries.push(Entry {
                name: name.to_owned(),
                hash: hash.trim().to_owned(),
            });
        }
        Ok(Self { entries })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Checks a password; argon2's verification compares in constant time.
    pub fn verify(&self, name: &str, password: &str) -> bool {
        let entry = self
            .entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name));
        let hash = entry.map_or(DUMMY_HASH, |e| e.hash.as_str());
        let ok = match PasswordHash::new(hash) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        };
        ok && entry.is_some()
    }

    fn render(&self) -> String {
        let mut out = String::from("# exomig proxy users: name:argon2-hash\n");
        for e in &self.entries {
            out.push_str(&e.name);
            out.push(':');
            out.push_str(&e.hash);
            out.push('\n');
        }
        out
    }
}

/// Hashes a password into an argon2id PHC string.
pub fn hash_password(password: &str) -> Result<String, UsersError> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| UsersError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UsersError::Hash(e.to_string()))
}

fn load_or_empty(path: &Path) -> Result<Users, UsersError> {
    if path.exists() {
        Users::load(path)
    } else {
        Ok(Users::default())
    }
}

fn store(path: &Path, users: &Users) -> Result<(), UsersError> {
    let write_err = |source| UsersError::Write {
        path: path.display().to_string(),
        source,
    };
    // Write beside the target and rename, so a crash never leaves a half-written file.
    let tmp = path.with_extension("tmp-exomig");
    std::fs::write(&tmp, users.render()).map_err(write_err)?;
    std::fs::rename(&tmp, path).map_err(write_err)
}

/// Adds a user, replacing the password of an existing one.
pub fn add(path: &Path, name: &str, password: &str) -> Result<(), UsersError> {
    if name.is_empty() || name.contains([':', '\n', '\r']) {
        return Err(UsersError::InvalidName(name.to_owned()));
    }
    let mut users = load_or_empty(path)?;
    let hash = hash_password(password)?;
    users.entries.retain(|e| !e.name.eq_ignore_ascii_case(name));
    users.entries.push(Entry {
        name: name.to_owned(),
        hash,
    });
    store(path, &users)
}

/// Removes a user; returns whether it existed.
pub fn remove(path: &Path, name: &str) -> Result<bool, UsersError> {
    let mut users = load_or_empty(path)?;
    let before = users.entries.len();
    users.entries.retain(|e| !e.name.eq_ignore_ascii_case(name));
    let removed = users.entries.len() != before;
    if removed {
        store(path, &users)?;
    }
    Ok(removed)
}

/// Lists user names in file order.
pub fn list(path: &Path) -> Result<Vec<String>, UsersError> {
    Ok(load_or_empty(path)?.names().map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_verify_replace_remove_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("users");
        add(&path, "alice", "s3cret").expect("add");
        add(&path, "bob", "pw").expect("add");
        let users = Users::load(&path).expect("load");
        assert!(users.verify("alice", "s3cret"));
        assert!(users.verify("ALICE", "s3cret"));
        assert!(!users.verify("alice", "wrong"));
        assert!(!users.verify("carol", "s3cret"));
        add(&path, "alice", "new").expect("replace");
        let users = Users::load(&path).expect("load");
        assert!(users.verify("alice", "new"));
        assert!(!users.verify("alice", "s3cret"));
        assert_eq!(list(&path).expect("list"), vec!["bob", "alice"]);
        assert!(remove(&path, "bob").expect("remove"));
        assert!(!remove(&path, "bob").expect("remove again"));
        assert_eq!(list(&path).expect("list"), vec!["alice"]);
    }

    #[test]
    fn rejects_malformed_lines_with_line_number() {
        let err = Users::parse("# c\n\nalice:not-a-hash\n").expect_err("must fail");
        assert!(matches!(err, UsersError::Syntax { line: 3, .. }), "{err}");
        assert!(matches!(
            Users::parse("nocolon"),
            Err(UsersError::Syntax { line: 1, .. })
        ));
    }

    #[test]
    fn dummy_hash_is_valid_so_unknown_users_cost_the_same() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn invalid_names_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("users");
        assert!(matches!(
            add(&path, "a:b", "x"),
            Err(UsersError::InvalidName(_))
        ));
        assert!(matches!(
            add(&path, "", "x"),
            Err(UsersError::InvalidName(_))
        ));
    }
}
