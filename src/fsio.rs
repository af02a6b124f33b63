//! Writing rewritten scripts safely: a temp file in the same folder, fsync, then rename over
//! the original, so a crash leaves either the old or the new file and never half of one. A
//! file that changed on disk since it was read is not overwritten.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("changed on disk since it was read; not overwritten (run again)")]
    ChangedSinceRead,
    #[error("cannot write backup {path}: {source}")]
    Backup {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot write: {0}")]
    Io(#[from] io::Error),
}

/// The path of the backup `--backup` keeps: `FILE.bak` next to the file.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}

/// Replace `path`, whose content was `original` when read, by `new_bytes`.
pub fn replace_file(
    path: &Path,
    original: &[u8],
    new_bytes: &[u8],
    backup: bool,
) -> Result<(), WriteError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let permissions = fs::metadata(path)?.permissions();

    let mut temp = NamedTempFile::new_in(dir)?;
    temp.write_all(new_bytes)?;
    temp.as_file().set_permissions(permissions.clone())?;
    temp.as_file().sync_all()?;

    if backup {
        let bak = backup_path(path);
        write_atomic(&bak, dir, original, permissions).map_err(|source| WriteError::Backup {
            path: bak.to_string_lossy().into_owned(),
            source,
        })?;
    }

    // Checked as late as possible: the window between this read and the rename is the only
    // one in which another writer's change could still be lost.
    if fs::read(path)? != original {
        return Err(WriteError::ChangedSinceRead);
    }
    temp.persist(path).map_err(|e| WriteError::Io(e.error))?;
    Ok(())
}

fn write_atomic(
    path: &Path,
    dir: &Path,
    bytes: &[u8],
    permissions: fs::Permissions,
) -> io::Result<()> {
    let mut temp = NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().set_permissions(permissions)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_keeps_a_backup_when_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.ps1");
        fs::write(&path, b"old").expect("write");
        replace_file(&path, b"old", b"new", true).expect("replace");
        assert_eq!(fs::read(&path).expect("read"), b"new");
        assert_eq!(fs::read(backup_path(&path)).expect("read bak"), b"old");
    }

    #[test]
    fn refuses_when_the_file_changed_since_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.ps1");
        fs::write(&path, b"changed by someone else").expect("write");
        let err = replace_file(&path, b"old", b"new", false).expect_err("must refuse");
        assert!(matches!(err, WriteError::ChangedSinceRead));
        assert_eq!(
            fs::read(&path).expect("read"),
            b"changed by someone else".to_vec()
        );
        let leftovers = fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(leftovers, 1, "temp file must be cleaned up");
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.ps1");
        fs::write(&path, b"old").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o750)).expect("chmod");
        replace_file(&path, b"old", b"new", false).expect("replace");
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o750);
    }
}
