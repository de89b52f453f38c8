//! One training process per run folder: `<run>/.lock` holds the owner's process id while its
//! [super::Trainer] lives, so a second process (e.g. two `--compare` jobs sharing `--out`)
//! cannot interleave checkpoints and log lines with the first.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{Result, TrainError};

/// The lock of a run folder, released when dropped.
#[derive(Debug)]
pub(crate) struct RunLock {
    path: PathBuf,
}

/// Whether process `pid` still runs. Only Linux can tell (`/proc`); elsewhere a lock is
/// assumed live and its message says how to remove a stale one.
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

impl RunLock {
    /// Takes the lock of `run_dir` (which must exist); a lock left by a killed process is
    /// taken over.
    ///
    /// # Errors
    /// [TrainError::RunInUse] when a live process (this one included) holds it,
    /// [TrainError::Io] if the file cannot be written.
    pub(crate) fn acquire(run_dir: &Path) -> Result<Self> {
        let path = run_dir.join(".lock");
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    write!(file, "{}", std::process::id()).map_err(|e| TrainError::io(&path, e))?;
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let owner = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match owner {
                        Some(pid) if !process_alive(pid) => {
                            // The owner was killed: its checkpoints are whole, continue.
                            std::fs::remove_file(&path).map_err(|e| TrainError::io(&path, e))?;
                        }
                        _ => {
                            return Err(TrainError::RunInUse {
                                dir: run_dir.to_path_buf(),
                                owner,
                            });
                        }
                    }
                }
                Err(e) => return Err(TrainError::io(&path, e)),
            }
        }
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
