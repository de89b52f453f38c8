//! Errors of tokenizer loading, export and training.

use std::path::PathBuf;

/// Why a tokenizer could not be loaded, exported or trained.
///
/// Encoding and decoding never fail: any UTF-8 text and any id list are accepted.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid UTF-8.
    #[error("{path}:{line}: invalid UTF-8 (expected a UTF-8 text file)")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
    },
    /// `vocab.json` is not a JSON object mapping token strings to unique non-negative integer ids.
    #[error(
        "{path}:{line}:{column}: {message} (expected a JSON object {{\"token\": id, ...}} with unique tokens and u32 ids)"
    )]
    Vocab {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// A special token (`__null__`, `__start__`, `__end__`, `__unk__`) is not in `vocab.json`.
    #[error("{path}: special token {token:?} is missing (expected it in the vocabulary)")]
    MissingSpecialToken {
        /// The vocabulary file.
        path: PathBuf,
        /// The missing token.
        token: String,
    },
    /// The first line of `merges.txt` is not a `#version` header.
    #[error(
        "{path}:1: expected a header line like \"#version: 0.2\", found {found:?} (the first line is always skipped)"
    )]
    MergesHeader {
        /// The merges file.
        path: PathBuf,
        /// The first line as found.
        found: String,
    },
    /// A line of `merges.txt` is not two whitespace-separated symbols.
    #[error("{path}:{line}: expected two symbols separated by a space, found {found:?}")]
    Merge {
        /// The merges file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The line as found.
        found: String,
    },
    /// Two vocabulary entries become the same string in the `tokenizers` (end-of-word suffix) form.
    #[error(
        "cannot export: vocabulary entries {first:?} and {second:?} both become {rewritten:?} in end-of-word-suffix form"
    )]
    ExportCollision {
        /// The first entry.
        first: String,
        /// The second entry.
        second: String,
        /// Their common rewritten form.
        rewritten: String,
    },
    /// Training was asked for something impossible.
    #[error("training: {0}")]
    Training(String),
    /// The `tokenizers` crate reported an error.
    #[error("tokenizers: {context}: {source}")]
    Tokenizers {
        /// What we were doing.
        context: String,
        /// The error from `tokenizers`.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl TokenizerError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn tokenizers(
        context: impl Into<String>,
        source: Box<dyn std::error::Error + Send + Sync>,
    ) -> Self {
        Self::Tokenizers {
            context: context.into(),
            source,
        }
    }
}
