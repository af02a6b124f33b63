//! Finding the scripts to read: explicit files as given, directories walked in parallel with
//! `.gitignore`/`.ignore` honoured (unless `--no-ignore`), `--exclude` globs applied, hidden
//! folders such as `.github` included, version-control folders skipped, and symlinks not
//! followed (so a symlink loop cannot trap the walk). The result is sorted, so the output
//! order never depends on the parallelism.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

/// Extensions of PowerShell scripts, modules and data files (compared case-insensitively).
pub const SCRIPT_EXTENSIONS: [&str; 3] = ["ps1", "psm1", "psd1"];

/// Folders that belong to version control, never to the scripts (even with hidden included).
const VCS_DIRS: [&str; 4] = [".git", ".hg", ".svn", ".jj"];

#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// gitignore-style globs: without a `/` they match any file or folder name, with one they
    /// match the path relative to the walked root.
    pub excludes: Vec<String>,
    pub no_ignore: bool,
    /// Walker threads; 0 means one per core.
    pub jobs: usize,
}

/// One file to read, with the path as it is shown in every output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkedFile {
    pub display: String,
    pub path: PathBuf,
}

/// A path that could not be walked (missing root, unreadable folder).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkError {
    pub display: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<WalkedFile>,
    pub errors: Vec<WalkError>,
}

#[derive(Debug, thiserror::Error)]
pub enum WalkSetupError {
    #[error("invalid --exclude glob `{glob}`: {source}")]
    Glob {
        glob: String,
        #[source]
        source: globset::Error,
    },
}

/// Excludes compiled once: name globs and path globs kept apart.
struct Excludes {
    names: GlobSet,
    paths: GlobSet,
}

impl Excludes {
    fn new(globs: &[String]) -> Result<Self, WalkSetupError> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for raw in globs {
            let trimmed = raw.trim_end_matches('/');
            let anchored = trimmed.strip_prefix('/');
            let pattern = anchored.unwrap_or(trimmed);
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|source| WalkSetupError::Glob {
                    glob: raw.clone(),
                    source,
                })?;
            if anchored.is_none() && !pattern.contains('/') {
                names.add(glob);
            } else {
                paths.add(glob);
            }
        }
        let build = |b: GlobSetBuilder, glob: &str| {
            b.build().map_err(|source| WalkSetupError::Glob {
                glob: glob.to_owned(),
                source,
            })
        };
        Ok(Excludes {
            names: build(names, "--exclude")?,
            paths: build(paths, "--exclude")?,
        })
    }

    fn is_empty(&self) -> bool {
        self.names.is_empty() && self.paths.is_empty()
    }

    fn matches(&self, relative: &Path) -> bool {
        if relative
            .file_name()
            .is_some_and(|name| self.names.is_match(name))
        {
            return true;
        }
        !self.paths.is_empty() && self.paths.is_match(relative)
    }
}

/// Walk `roots`. `implicit_root` says the root was not typed by the user (the default `.`),
/// in which case paths are shown without the leading `./`.
pub fn walk(
    roots: &[PathBuf],
    implicit_root: bool,
    opts: &WalkOptions,
) -> Result<Walked, WalkSetupError> {
    let excludes = Arc::new(Excludes::new(&opts.excludes)?);
    let mut walked = Walked::default();
    let mut dirs = Vec::new();
    for root in roots {
        match std::fs::metadata(root) {
            Ok(meta) if meta.is_dir() => dirs.push(root.clone()),
            // Explicit files are read whatever their extension or excludes: the user named them.
            Ok(_) => walked.files.push(WalkedFile {
                display: display_path(root, implicit_root),
                path: root.clone(),
            }),
            Err(err) => walked.errors.push(WalkError {
                display: display_path(root, implicit_root),
                message: err.to_string(),
            }),
        }
    }
    if !dirs.is_empty() {
        walk_dirs(&dirs, implicit_root, opts, &excludes, &mut walked);
    }
    walked.files.sort();
    walked.files.dedup();
    walked.errors.sort();
    Ok(walked)
}

fn walk_dirs(
    dirs: &[PathBuf],
    implicit_root: bool,
    opts: &WalkOptions,
    excludes: &Arc<Excludes>,
    walked: &mut Walked,
) {
    let mut builder = WalkBuilder::new(&dirs[0]);
    for dir in &dirs[1..] {
        builder.add(dir);
    }
    let honour = !opts.no_ignore;
    builder
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .git_ignore(honour)
        .git_global(honour)
        .git_exclude(honour)
        .ignore(honour)
        .parents(honour)
        .threads(opts.jobs);
    let roots: Arc<Vec<PathBuf>> = Arc::new(dirs.to_vec());
    let filter_excludes = Arc::clone(excludes);
    builder.filter_entry(move |entry| {
        if entry.depth() == 0 {
            return true;
        }
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if is_dir && VCS_DIRS.iter().any(|v| entry.file_name() == *v) {
            return false;
        }
        if filter_excludes.is_empty() {
            return true;
        }
        let relative = roots
            .iter()
            .find_map(|r| entry.path().strip_prefix(r).ok())
            .unwrap_or(entry.path());
        !filter_excludes.matches(relative)
    });

    let files = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        let files = &files;
        let errors = &errors;
        Box::new(move |result| {
            match result {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && has_script_extension(entry.path()) {
                        let file = WalkedFile {
                            display: display_path(entry.path(), implicit_root),
                            path: entry.into_path(),
                        };
                        if let Ok(mut files) = files.lock() {
                            files.push(file);
                        }
                    }
                }
                Err(err) => {
                    let error = walk_error(&err, implicit_root);
                    if let Ok(mut errors) = errors.lock() {
                        errors.push(error);
                    }
                }
            }
            WalkState::Continue
        })
    });
    walked
        .files
        .extend(files.into_inner().unwrap_or_else(|e| e.into_inner()));
    walked
        .errors
        .extend(errors.into_inner().unwrap_or_else(|e| e.into_inner()));
}

fn walk_error(err: &ignore::Error, implicit_root: bool) -> WalkError {
    let path = error_path(err);
    WalkError {
        display: path
            .map(|p| display_path(p, implicit_root))
            .unwrap_or_default(),
        message: err.to_string(),
    }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

pub fn has_script_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SCRIPT_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// A path as shown in outputs: `/` separators, no leading `./` for the implicit root.
pub fn display_path(path: &Path, implicit_root: bool) -> String {
    let mut shown = path.to_string_lossy().into_owned();
    if cfg!(windows) {
        shown = shown.replace('\\', "/");
    }
    if implicit_root {
        if let Some(rest) = shown.strip_prefix("./") {
            return rest.to_owned();
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_globs_match_any_component_and_path_globs_match_relative_paths() {
        let ex = Excludes::new(&["vendor".into(), "old/*.ps1".into(), "*.psd1".into()])
            .expect("valid globs");
        assert!(ex.matches(Path::new("a/b/vendor")));
        assert!(ex.matches(Path::new("old/x.ps1")));
        assert!(!ex.matches(Path::new("old/sub/x.ps1")));
        assert!(ex.matches(Path::new("m/x.psd1")));
        assert!(!ex.matches(Path::new("m/x.ps1")));
    }

    #[test]
    fn bad_glob_is_a_setup_error() {
        assert!(Excludes::new(&["a[".into()]).is_err());
    }

    #[test]
    fn extensions_are_case_insensitive() {
        assert!(has_script_extension(Path::new("X.PS1")));
        assert!(has_script_extension(Path::new("m.psm1")));
        assert!(!has_script_extension(Path::new("a.ps1.txt")));
    }

    #[test]
    fn implicit_root_prefix_is_dropped() {
        assert_eq!(display_path(Path::new("./a/b.ps1"), true), "a/b.ps1");
        assert_eq!(display_path(Path::new("./a/b.ps1"), false), "./a/b.ps1");
    }
}
