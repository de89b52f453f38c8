//! Where the shared, read-only data lives (ESConv splits, tokenizer files).
//!
//! The data is never copied into this repository. Tests, benches and examples find
//! it through [`shared_data_dir`]: the `STAR_ESC_DATA` environment variable when
//! set, otherwise the first `shared/data` folder found beside the current
//! directory or one of its ancestors (the layout `../shared/data` next to a
//! checkout).

use std::path::{Path, PathBuf};

/// The environment variable that overrides the shared data location.
pub const DATA_ENV_VAR: &str = "STAR_ESC_DATA";

/// The shared data folder was not found.
#[derive(Debug, thiserror::Error)]
#[error(
    "shared data folder not found: {reason}. Put ESConv (esconv/{{train,valid,test}}.jsonl) and the \
     BlenderBot-Small tokenizer (blenderbot_small-90M/{{vocab.json,merges.txt}}) in ../shared/data \
     beside the checkout, or set {DATA_ENV_VAR}=/path/to/data"
)]
pub struct DataDirNotFound {
    /// Why the lookup failed.
    pub reason: String,
}

/// The shared data folder (see the module docs for the lookup order).
pub fn shared_data_dir() -> Result<PathBuf, DataDirNotFound> {
    if let Some(dir) = std::env::var_os(DATA_ENV_VAR) {
        let dir = PathBuf::from(dir);
        return if dir.is_dir() {
            Ok(dir)
        } else {
            Err(DataDirNotFound {
                reason: format!("{DATA_ENV_VAR}={} is not a directory", dir.display()),
            })
        };
    }
    let cwd = std::env::current_dir().map_err(|e| DataDirNotFound {
        reason: format!("cannot read the current directory: {e}"),
    })?;
    find_upwards(&cwd).ok_or_else(|| DataDirNotFound {
        reason: format!(
            "no shared/data folder in {} or any of its ancestors",
            cwd.display()
        ),
    })
}

/// The ESConv split folder (`<shared data>/esconv`).
pub fn esconv_dir() -> Result<PathBuf, DataDirNotFound> {
    shared_data_dir().map(|d| d.join("esconv"))
}

/// The BlenderBot-Small-90M tokenizer and config folder (`<shared data>/blenderbot_small-90M`).
pub fn blenderbot_small_dir() -> Result<PathBuf, DataDirNotFound> {
    shared_data_dir().map(|d| d.join("blenderbot_small-90M"))
}

fn find_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|a| a.join("shared").join("data"))
        .find(|candidate| candidate.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_shared_data_from_a_nested_folder() {
        let tmp = std::env::temp_dir().join(format!("esc-data-paths-{}", std::process::id()));
        let nested = tmp.join("repo").join("crates").join("x");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::create_dir_all(tmp.join("shared").join("data")).unwrap();
        assert_eq!(find_upwards(&nested), Some(tmp.join("shared").join("data")));
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
