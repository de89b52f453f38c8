//! The crate's error type: everything that can go wrong with user files and settings.

use std::path::PathBuf;

use burn::store::{PytorchStoreError, SafetensorsStoreError};

use crate::blenderbot_small::weights::LoadReport;

/// Errors of `esc-models` (bad files, bad configuration values, incompatible checkpoints).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON configuration file is malformed (the message carries line and column).
    #[error("{path}: {source}")]
    ConfigParse {
        /// The file.
        path: PathBuf,
        /// The JSON error (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// A configuration value is impossible.
    #[error("{}field `{field}`: expected {expected}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    InvalidConfig {
        /// The file it came from, if any.
        path: Option<PathBuf>,
        /// The offending field.
        field: &'static str,
        /// What was expected and what was found.
        expected: String,
    },
    /// The weight file's extension is not one of `.safetensors`, `.bin`, `.pt`, `.pth`, `.bpk`.
    #[error(
        "{path}: unsupported weight file extension (expected .safetensors, .bin, .pt, .pth or .bpk)"
    )]
    UnsupportedWeightFormat {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing a SafeTensors file failed.
    #[error("{path}: {source}")]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// The store error.
        #[source]
        source: SafetensorsStoreError,
    },
    /// Reading a PyTorch checkpoint failed.
    #[error("{path}: {source}")]
    Pytorch {
        /// The file.
        path: PathBuf,
        /// The store error.
        #[source]
        source: PytorchStoreError,
    },
    /// Reading or writing a burnpack checkpoint failed.
    #[error("{path}: burnpack: {message}")]
    Burnpack {
        /// The file.
        path: PathBuf,
        /// The store's message.
        message: String,
    },
    /// The checkpoint does not fit the model: missing, wrongly shaped or unexpected tensors.
    #[error("{path}: checkpoint does not fit the model:\n{report}")]
    IncompatibleWeights {
        /// The file.
        path: PathBuf,
        /// What was applied, missing, unused and mismatched.
        report: Box<LoadReport>,
    },
    /// A tokenizer file is unreadable or malformed, or a text cannot be encoded with it.
    #[error("{path}: tokenizer: {message}")]
    Tokenizer {
        /// The tokenizer file (`tokenizer.json` or `vocab.txt`).
        path: PathBuf,
        /// The tokenizers library's message.
        message: String,
    },
    /// A model folder lacks a file it needs.
    #[error("{dir}: model folder lacks {expected}")]
    MissingModelFile {
        /// The folder.
        dir: PathBuf,
        /// The file(s) looked for.
        expected: String,
    },
    /// Two inputs that must pair up item by item have different lengths.
    #[error("{what}: {left} vs {right} items")]
    LengthMismatch {
        /// What was paired (e.g. "candidates vs references").
        what: &'static str,
        /// Items on the left.
        left: usize,
        /// Items on the right.
        right: usize,
    },
}
