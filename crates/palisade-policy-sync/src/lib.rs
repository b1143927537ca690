//! Keeps a policy bundle in step with a git repository.
//!
//! [`sync`] fetches the repository (any URL git speaks: `https://`, `http://`, `git://`, a
//! local path), resolves the ref to a commit, writes the files of the bundle directory at that
//! commit into `DIR/commits/<commit>/` and validates the bundle there. Only a valid bundle
//! becomes `DIR/current` (a symlink switched with one `rename`, so readers see the old bundle
//! or the new one, never half of either); a broken commit is reported and the last good bundle
//! stays in force. The commit travels into every verdict through the
//! `.palisade-source.json` file beside the bundle.
//!
//! Files are read from git objects, never checked out: only regular files directly in the
//! bundle directory are written, under a size limit, so a repository cannot place a file
//! outside `DIR` or make a symlink to one.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use palisade_core::verdict::BundleSource;
use palisade_policy::diag::{Diagnostic, Level};

/// The largest file written from the repository.
const MAX_FILE_BYTES: usize = 16 << 20;
/// The most files written from the bundle directory.
const MAX_FILES: usize = 256;
/// Commits kept under `DIR/commits` besides the current one.
const KEEP: usize = 4;

/// What to sync.
#[derive(Debug, Clone)]
pub struct Options {
    /// The repository: a URL or a local path.
    pub repository: String,
    /// A branch, tag or commit id.
    pub reference: String,
    /// The directory that holds `current` and `commits/`.
    pub dir: PathBuf,
    /// The bundle's directory inside the repository (its root when empty).
    pub path: String,
}

/// A sync that switched to (or confirmed) a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    pub commit: String,
    pub bundle_id: String,
    pub digest: String,
    /// Whether `current` moved (false: it already pointed at this commit).
    pub switched: bool,
    /// Warnings about the bundle.
    pub warnings: Vec<Diagnostic>,
}

/// Why a sync did not switch. The previous bundle, if any, stays in force.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("fetching {repository}: {message}")]
    Fetch { repository: String, message: String },
    #[error("{repository}: ref {reference:?} does not name a commit: {message}")]
    Ref {
        repository: String,
        reference: String,
        message: String,
    },
    #[error("{repository} at commit {commit}: {message}")]
    Tree {
        repository: String,
        commit: String,
        message: String,
    },
    #[error("the bundle at commit {commit} is invalid ({} error(s)); the last good bundle stays in force:\n{}", diagnostics.iter().filter(|d| d.level == Level::Error).count(), render(diagnostics))]
    Invalid {
        commit: String,
        diagnostics: Vec<Diagnostic>,
    },
    #[error("at commit {commit}: {message}")]
    NoBundle { commit: String, message: String },
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> SyncError + 'a {
    move |source| SyncError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

/// The commit `DIR/current` points at, if any.
pub fn current_commit(dir: &Path) -> Option<String> {
    let target = std::fs::read_link(dir.join("current")).ok()?;
    target.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// Fetches, validates and (when valid) switches `DIR/current` to the bundle at the ref.
pub fn sync(options: &Options) -> Result<Synced, SyncError> {
    let dir = &options.dir;
    std::fs::create_dir_all(dir.join("commits")).map_err(io("creating", dir))?;
    let scratch = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(dir)
        .map_err(io("creating a scratch directory in", dir))?;
    let fetch_err = |message: String| SyncError::Fetch {
        repository: options.repository.clone(),
        message,
    };
    let interrupt = AtomicBool::new(false);
    let repo_url = options.repository.as_str();
    let mut prepare = gix::prepare_clone_bare(repo_url, scratch.path().join("repo.git"))
        .map_err(|e| fetch_err(e.to_string()))?;
    let (repo, _) = prepare
        .fetch_only(gix::progress::Discard, &interrupt)
        .map_err(|e| fetch_err(e.to_string()))?;

    let commit = resolve(&repo, &options.reference).map_err(|message| SyncError::Ref {
        repository: options.repository.clone(),
        reference: options.reference.clone(),
        message,
    })?;
    let commit_hex = commit.id.to_string();
    let final_dir = dir.join("commits").join(&commit_hex);
    if !final_dir.is_dir() {
        let staging = scratch.path().join("bundle");
        std::fs::create_dir(&staging).map_err(io("creating", &staging))?;
        write_tree(&repo, &commit, &options.path, &staging).map_err(|message| SyncError::Tree {
            repository: options.repository.clone(),
            commit: commit_hex.clone(),
            message,
        })?;
        let source = BundleSource {
            path: None,
            repository: Some(options.repository.clone()),
            commit: Some(commit_hex.clone()),
        };
        let source_file = staging.join(palisade_policy::load::SOURCE_FILE);
        let text = serde_json::to_vec_pretty(&source).unwrap_or_default();
        std::fs::write(&source_file, text).map_err(io("writing", &source_file))?;
        std::fs::rename(&staging, &final_dir).map_err(io("moving the bundle to", &final_dir))?;
    }
    let loaded = palisade_policy::load::load_path(&final_dir).map_err(|e| SyncError::NoBundle {
        commit: commit_hex.clone(),
        message: e.to_string(),
    })?;
    let Some(bundle) = loaded.bundle else {
        return Err(SyncError::Invalid {
            commit: commit_hex,
            diagnostics: loaded.diagnostics,
        });
    };
    let switched = current_commit(dir).as_deref() != Some(commit_hex.as_str());
    if switched {
        let link = dir.join(".current.new");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(Path::new("commits").join(&commit_hex), &link)
            .map_err(io("linking", &link))?;
        std::fs::rename(&link, dir.join("current"))
            .map_err(io("switching", &dir.join("current")))?;
        prune(dir, &commit_hex);
    }
    Ok(Synced {
        commit: commit_hex,
        bundle_id: bundle.id,
        digest: bundle.digest,
        switched,
        warnings: loaded.diagnostics,
    })
}

/// Resolves a branch, tag or full commit id, as the bare clone names them.
fn resolve<'r>(repo: &'r gix::Repository, reference: &str) -> Result<gix::Commit<'r>, String> {
    if let Ok(id) = gix::ObjectId::from_hex(reference.as_bytes()) {
        return repo.find_commit(id).map_err(|e| e.to_string());
    }
    for name in [
        format!("refs/heads/{reference}"),
        format!("refs/remotes/origin/{reference}"),
        format!("refs/tags/{reference}"),
        reference.to_owned(),
    ] {
        if let Ok(Some(mut found)) = repo.try_find_reference(name.as_str()) {
            return found.peel_to_commit().map_err(|e| e.to_string());
        }
    }
    Err("no branch, tag or commit of that name (commits are named by their full id)".to_owned())
}

/// Writes the regular files directly in `path` of the commit's tree into `to`.
fn write_tree(
    repo: &gix::Repository,
    commit: &gix::Commit<'_>,
    path: &str,
    to: &Path,
) -> Result<(), String> {
    let root = commit.tree().map_err(|e| e.to_string())?;
    let tree = if path.trim_matches('/').is_empty() {
        root
    } else {
        let entry = root
            .lookup_entry_by_path(path.trim_matches('/'))
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no directory {path:?} in the repository"))?;
        entry
            .object()
            .map_err(|e| e.to_string())?
            .peel_to_tree()
            .map_err(|e| format!("{path:?} is not a directory: {e}"))?
    };
    let mut written = 0;
    for entry in tree.iter() {
        let entry = entry.map_err(|e| e.to_string())?;
        let inner = &entry.inner;
        if !inner.mode.is_blob() {
            continue; // directories, symlinks and submodules are not part of a bundle
        }
        let name = inner.filename.to_string();
        if name.is_empty() || name.starts_with('.') || name.contains('/') || name.contains('\0') {
            continue;
        }
        let object = repo.find_object(inner.oid).map_err(|e| e.to_string())?;
        if object.data.len() > MAX_FILE_BYTES {
            return Err(format!(
                "{name} is {} bytes, over the limit of {MAX_FILE_BYTES}",
                object.data.len()
            ));
        }
        written += 1;
        if written > MAX_FILES {
            return Err(format!(
                "the bundle directory holds more than {MAX_FILES} files"
            ));
        }
        std::fs::write(to.join(&name), &object.data).map_err(|e| format!("writing {name}: {e}"))?;
    }
    Ok(())
}

/// Removes all but the newest few commit directories (never the current one).
fn prune(dir: &Path, current: &str) {
    let Ok(entries) = std::fs::read_dir(dir.join("commits")) else {
        return;
    };
    let mut dirs: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy() != current)
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    dirs.sort();
    let excess = dirs.len().saturating_sub(KEEP);
    for (_, path) in dirs.into_iter().take(excess) {
        if let Err(e) = std::fs::remove_dir_all(&path) {
            tracing::warn!(path = %path.display(), error = %e, "could not remove an old bundle");
        }
    }
}
