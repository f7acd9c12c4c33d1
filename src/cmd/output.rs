//! An output folder written as one: nothing half-written, nobody's files deleted.
//!
//! Every file of a run is written into a staging folder inside `--out` first. Only when all of
//! them are written are they moved into place; then the files an earlier run wrote and this one
//! did not (the manifest lists what the tool wrote) are removed. Files the tool did not write
//! are never touched. When anything fails before that, the staging folder is removed and the
//! folder is as it was.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use kaizala_migrate::error::{Error, Result};

/// What the tool wrote into the folder last time, one relative path per line.
const MANIFEST: &str = ".kaizala-migrate-files";
/// Where a run's files wait until all of them are written.
const STAGING: &str = ".kaizala-migrate-staging";

/// An output folder being written.
pub struct OutputDir {
    root: PathBuf,
    staging: PathBuf,
    /// Relative paths written so far.
    files: Mutex<BTreeSet<String>>,
    committed: bool,
}

fn werr(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write { path: path.to_path_buf(), source }
}

/// The files an earlier run wrote into `root` that are still there (relative paths), as its
/// manifest lists them.
pub fn written_before(root: &Path) -> Vec<String> {
    let manifest = fs::read_to_string(root.join(MANIFEST)).unwrap_or_default();
    manifest
        .lines()
        .filter(|rel| {
            !rel.is_empty() && !rel.split('/').any(|p| p.is_empty() || p == "." || p == "..")
        })
        .filter(|rel| root.join(rel).is_file())
        .map(str::to_string)
        .collect()
}

impl OutputDir {
    /// Starts writing into `root` (created if need be); a staging folder a failed run left is
    /// removed first (it is the tool's own).
    pub fn begin(root: &Path) -> Result<OutputDir> {
        fs::create_dir_all(root).map_err(werr(root))?;
        let staging = root.join(STAGING);
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(werr(&staging))?;
        }
        fs::create_dir_all(&staging).map_err(werr(&staging))?;
        Ok(OutputDir {
            root: root.to_path_buf(),
            staging,
            files: Mutex::new(BTreeSet::new()),
            committed: false,
        })
    }

    /// Where a file of this run will be once the run is done (for messages).
    pub fn final_path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes one file, `rel` being its path inside the folder (`/`-separated).
    pub fn write_file(
        &self,
        rel: &str,
        render: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        let path = self.staged(rel)?;
        let mut w = BufWriter::new(fs::File::create(&path).map_err(werr(&path))?);
        render(&mut w)?;
        w.flush().map_err(werr(&path))
    }

    /// Whether this run wrote `rel` with the same bytes as the file already in place.
    pub fn unchanged(&self, rel: &str) -> bool {
        let staged = self.staging.join(rel);
        let in_place = self.root.join(rel);
        let same_size = match (fs::metadata(&staged), fs::metadata(&in_place)) {
            (Ok(a), Ok(b)) => a.len() == b.len(),
            _ => false,
        };
        same_size && matches!((fs::read(&staged), fs::read(&in_place)), (Ok(a), Ok(b)) if a == b)
    }

    /// Writes one file's bytes.
    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        self.write_as(rel, bytes, false)
    }

    /// Writes one file's bytes, executable or not.
    pub fn write_as(&self, rel: &str, bytes: &[u8], executable: bool) -> Result<()> {
        let path = self.staged(rel)?;
        fs::write(&path, bytes).map_err(werr(&path))?;
        set_executable(&path, executable)
    }

    /// The staged path of a file, its folder created, noted as written.
    fn staged(&self, rel: &str) -> Result<PathBuf> {
        let path = self.staging.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(werr(parent))?;
        }
        if let Ok(mut files) = self.files.lock() {
            files.insert(rel.to_string());
        }
        Ok(path)
    }

    /// Moves every file into place, removes what an earlier run wrote under `owned` (names and
    /// folders ending in `/`: what this run was asked to write) and this one did not, and
    /// records what the tool wrote.
    pub fn commit(mut self, owned: &[&str]) -> Result<()> {
        let files: BTreeSet<String> = match self.files.lock() {
            Ok(f) => f.clone(),
            Err(_) => return Err(Error::Internal("the list of written files was lost".into())),
        };
        for rel in &files {
            let (from, to) = (self.staging.join(rel), self.root.join(rel));
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(werr(parent))?;
            }
            fs::rename(&from, &to).map_err(werr(&to))?;
        }
        let manifest = self.root.join(MANIFEST);
        let before = fs::read_to_string(&manifest).unwrap_or_default();
        let mut kept = files.clone();
        for rel in before.lines().filter(|l| !l.is_empty() && !files.contains(*l)) {
            // Only paths inside the folder, as the tool writes them.
            if rel.split('/').any(|p| p.is_empty() || p == "." || p == "..") {
                continue;
            }
            let path = self.root.join(rel);
            let ours = owned.iter().any(|o| rel == *o || o.ends_with('/') && rel.starts_with(o));
            if !ours {
                // Another kind of output, not written this time: still the tool's.
                if path.is_file() {
                    kept.insert(rel.to_string());
                }
                continue;
            }
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Write { path, source }),
            }
        }
        let list: String = kept.iter().map(|rel| format!("{rel}\n")).collect();
        fs::write(&manifest, list).map_err(werr(&manifest))?;
        fs::remove_dir_all(&self.staging).map_err(werr(&self.staging))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputDir {
    /// A run that did not finish leaves the folder as it was.
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(unix)]
fn set_executable(path: &Path, executable: bool) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(werr(path))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path, _executable: bool) -> Result<()> {
    Ok(())
}
