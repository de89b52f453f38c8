//! For the targets whose reader takes a path only (PyTorch pickles: burn-store opens them by
//! path), included with `#[path]`: each input is written to a per-process scratch file first.

use std::path::PathBuf;

/// Writes `bytes` to `<tmp>/star-esc-fuzz-<pid>/<name>` and returns the path.
pub fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("star-esc-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("scratch file");
    path
}
