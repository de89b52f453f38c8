//! The small ESConv-format sample dataset shipped with this crate (`data/sample/` in the crate;
//! the repository's `data/sample` links to it): 30 short dialogs written for this project (not
//! ESConv text), covering all eight strategies and several emotions, split 20 / 5 / 5 into
//! `train/valid/test.jsonl` in the processed format. For examples, docs and quick tests without
//! the shared data.

use std::path::PathBuf;

use crate::error::Location;
use crate::esconv::parse_jsonl_at;
use crate::{Result, Splits};

/// The sample dataset's files, compiled into the crate so that it is found wherever the
/// binary runs (a moved executable, a shared target folder, a dependency).
const SAMPLE_FILES: [(&str, &[u8]); 3] = [
    ("train.jsonl", include_bytes!("../data/sample/train.jsonl")),
    ("valid.jsonl", include_bytes!("../data/sample/valid.jsonl")),
    ("test.jsonl", include_bytes!("../data/sample/test.jsonl")),
];

/// The sample dataset's three splits, parsed from the copy compiled into this crate (no file
/// access; use this rather than [`sample_dir`] in programs).
///
/// ```
/// let splits = esc_data::sample_splits()?;
/// assert_eq!((splits.train.len(), splits.valid.len(), splits.test.len()), (20, 5, 5));
/// # Ok::<(), esc_data::Error>(())
/// ```
///
/// # Errors
/// None for the shipped files (a test parses them); the parsers' errors otherwise.
pub fn sample_splits() -> Result<Splits> {
    let parse = |i: usize| {
        let (name, bytes) = SAMPLE_FILES[i];
        parse_jsonl_at(
            bytes,
            &Location::file(format!("<built-in>/data/sample/{name}")),
        )
    };
    Ok(Splits {
        train: parse(0)?,
        valid: parse(1)?,
        test: parse(2)?,
    })
}

/// The sample dataset's folder (`data/sample` in this crate's source directory), located at
/// compile time (so only valid where the sources of this build still are; programs should use
/// [`sample_splits`]); use it with [`load_splits`](crate::load_splits).
///
/// ```
/// let splits = esc_data::load_splits(esc_data::sample_dir())?;
/// assert_eq!(splits.train.len() + splits.valid.len() + splits.test.len(), 30);
/// # Ok::<(), esc_data::Error>(())
/// ```
pub fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join("sample")
}
