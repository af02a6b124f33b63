//! `--state FILE`: the tenant on disk, replaced atomically (temp file + rename).

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::tenant::Tenant;

/// The tenant in `path`, or `None` when the file does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<Tenant>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Read {
                path: path.to_owned(),
                source,
            })
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| Error::State {
            path: path.to_owned(),
            source,
        })
}

/// Writes the whole tenant next to `path` and renames it over `path`, so a reader (or a crash)
/// sees either the old or the new state, never a torn one.
pub(crate) fn save(path: &Path, tenant: &Tenant) -> Result<()> {
    let persist_error = |source: std::io::Error| Error::Persist {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let bytes = serde_json::to_vec(tenant).map_err(|e| persist_error(std::io::Error::other(e)))?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(persist_error)?;
    file.write_all(&bytes).map_err(persist_error)?;
    file.as_file().sync_all().map_err(persist_error)?;
    file.persist(path).map_err(|e| persist_error(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn round_trip_and_missing_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        assert!(load(&path).expect("missing is fine").is_none());
        let tenant = Tenant::sample("contoso.onmicrosoft.com", Uuid::nil());
        save(&path, &tenant).expect("save");
        assert_eq!(load(&path).expect("load"), Some(tenant));
        let leftovers = std::fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(leftovers, 1, "the temp file was renamed, not left behind");
    }

    #[test]
    fn corrupt_state_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        std::fs::write(&path, "{not json").expect("write");
        assert!(matches!(load(&path), Err(Error::State { .. })));
    }
}
