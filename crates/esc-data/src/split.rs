//! The train / valid / test splits: loading the standard split from a directory, or
//! cutting the original release the way the ESConv authors did.
//!
//! The standard split comes from the ESConv authors' `_reformat/process.py`:
//! `random.seed(13); random.shuffle(data)`, then `valid = data[:int(0.15 n)]`,
//! `test = data[int(0.15 n):2 int(0.15 n)]`, `train = rest`. [`split_original`]
//! reproduces it exactly with [`PyRandom`], so `ESConv.json` (1,300 dialogs) yields
//! 910 / 195 / 195.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::Result;
use crate::esconv::{read_jsonl, read_original};
use crate::{Dialog, PyRandom};

/// The seed of the ESConv authors' split.
pub const ESCONV_SPLIT_SEED: u64 = 13;

/// One of the three splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// `train.jsonl`
    Train,
    /// `valid.jsonl`
    Valid,
    /// `test.jsonl`
    Test,
}

impl Split {
    /// The three splits in the usual order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Valid, Split::Test];

    /// The split's name (`train`, `valid`, `test`).
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Valid => "valid",
            Split::Test => "test",
        }
    }

    /// The file name of the split in a processed directory (`<name>.jsonl`).
    pub fn file_name(self) -> String {
        format!("{}.jsonl", self.name())
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Split {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "train" => Ok(Split::Train),
            "valid" | "dev" | "validation" => Ok(Split::Valid),
            "test" => Ok(Split::Test),
            other => Err(format!(
                "unknown split {other:?}; expected train, valid or test"
            )),
        }
    }
}

/// The three splits of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Splits {
    /// Training dialogs.
    pub train: Vec<Dialog>,
    /// Validation dialogs.
    pub valid: Vec<Dialog>,
    /// Test dialogs.
    pub test: Vec<Dialog>,
}

impl Splits {
    /// The dialogs of one split.
    pub fn get(&self, split: Split) -> &[Dialog] {
        match split {
            Split::Train => &self.train,
            Split::Valid => &self.valid,
            Split::Test => &self.test,
        }
    }
}

/// Loads `<dir>/<split>.jsonl` (the processed format).
///
/// ```no_run
/// use esc_data::{load_split, paths::esconv_dir, Split};
/// let test = load_split(esconv_dir()?, Split::Test)?;
/// assert_eq!(test.len(), 195);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// Any error of [`read_jsonl`](crate::read_jsonl).
pub fn load_split(dir: impl AsRef<Path>, split: Split) -> Result<Vec<Dialog>> {
    read_jsonl(dir.as_ref().join(split.file_name()))
}

/// Loads the three processed splits of `dir`.
///
/// # Errors
/// Any error of [`read_jsonl`](crate::read_jsonl), for the first split that fails.
pub fn load_splits(dir: impl AsRef<Path>) -> Result<Splits> {
    let dir = dir.as_ref();
    Ok(Splits {
        train: load_split(dir, Split::Train)?,
        valid: load_split(dir, Split::Valid)?,
        test: load_split(dir, Split::Test)?,
    })
}

/// Cuts dialogs (in file order) into the ESConv splits: a [`PyRandom`] shuffle with
/// `seed`, then 15 % valid, 15 % test (both `int(0.15 * n)`), the rest train.
///
/// With `seed` = [`ESCONV_SPLIT_SEED`] and the dialogs of `ESConv.json` this is the
/// standard split.
pub fn split_dialogs(mut dialogs: Vec<Dialog>, seed: u64) -> Splits {
    PyRandom::new(seed).shuffle(&mut dialogs);
    // Python: int(0.15 * len(data)), a float product truncated.
    let cut = (0.15 * dialogs.len() as f64) as usize;
    let train = dialogs.split_off(2 * cut);
    let test = dialogs.split_off(cut);
    Splits {
        train,
        valid: dialogs,
        test,
    }
}

/// Reads the original `ESConv.json` and cuts it into the standard split
/// ([`split_dialogs`] with [`ESCONV_SPLIT_SEED`]).
///
/// # Errors
/// Any error of [`read_original`](crate::read_original).
pub fn load_original_split(path: impl AsRef<Path>) -> Result<Splits> {
    Ok(split_dialogs(read_original(path)?, ESCONV_SPLIT_SEED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Emotion, Turn};

    fn numbered(n: usize) -> Vec<Dialog> {
        (0..n)
            .map(|i| Dialog {
                emotion: Emotion::Anxiety,
                problem: i.to_string(),
                situation: String::new(),
                experience: String::new(),
                survey: None,
                turns: vec![Turn::seeker("hi")],
            })
            .collect()
    }

    #[test]
    fn cuts_fifteen_percent_valid_and_test() {
        let splits = split_dialogs(numbered(1300), 13);
        assert_eq!(
            (splits.train.len(), splits.valid.len(), splits.test.len()),
            (910, 195, 195)
        );
        let splits = split_dialogs(numbered(7), 1);
        // int(0.15 * 7) = 1
        assert_eq!(
            (splits.train.len(), splits.valid.len(), splits.test.len()),
            (5, 1, 1)
        );
    }

    #[test]
    fn parses_split_names() {
        for s in Split::ALL {
            assert_eq!(s.name().parse::<Split>(), Ok(s));
        }
        assert!("dev".parse::<Split>().is_ok());
        assert!("holdout".parse::<Split>().is_err());
    }
}
