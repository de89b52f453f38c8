//! The small ESConv-format sample dataset shipped in the repository (`data/sample/`):
//! 30 short dialogs written for this project (not ESConv text), covering all eight
//! strategies and several emotions, split 20 / 5 / 5 into `train/valid/test.jsonl` in
//! the processed format. For examples, docs and quick tests without the shared data.

use std::path::PathBuf;

/// The sample dataset's folder (`<repository>/data/sample`), located from this crate's
/// source directory at compile time; use it with [`load_splits`](crate::load_splits).
///
/// ```
/// let splits = esc_data::load_splits(esc_data::sample_dir())?;
/// assert_eq!(splits.train.len() + splits.valid.len() + splits.test.len(), 30);
/// # Ok::<(), esc_data::Error>(())
/// ```
pub fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("data")
        .join("sample")
}
