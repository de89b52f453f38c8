//! Errors of the training and evaluation module.

use std::path::PathBuf;

/// What can go wrong while training, checkpointing or evaluating.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A JSON file could not be read or written.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause (with line and column when parsing).
        source: serde_json::Error,
    },
    /// A burn record (model or optimizer state) could not be read or written.
    #[error("{path}: {message}")]
    Record {
        /// The file.
        path: PathBuf,
        /// burn's message.
        message: String,
    },
    /// The dataset could not be read.
    #[error(transparent)]
    Data(#[from] esc_data::Error),
    /// The tokenizer could not be loaded or trained.
    #[error(transparent)]
    Tokenizer(#[from] esc_data::TokenizerError),
    /// The shared data folder was not found.
    #[error(transparent)]
    DataDir(#[from] esc_data::DataDirNotFound),
    /// A model error (configuration, weights, generation).
    #[error(transparent)]
    Model(#[from] esc_models::Error),
    /// A metric could not be computed.
    #[error(transparent)]
    Metrics(#[from] esc_metrics::MetricsError),
    /// The configuration is impossible.
    #[error("invalid training configuration: field `{field}`: {message}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// What was expected.
        message: String,
    },
    /// `resume` found no complete checkpoint.
    #[error("{dir}: no complete checkpoint (expected checkpoints/epoch-NNNN/state.json)")]
    NoCheckpoint {
        /// The run folder.
        dir: PathBuf,
    },
    /// A loss term or the gradient norm stopped being a finite number: training stops before
    /// the optimizer step, so the last checkpoint is the last good state.
    #[error(
        "{quantity} is {value} at epoch {epoch}, optimizer step {step}: training stopped before \
         updating the weights (the last checkpoint is intact; try a lower --lr or clipping)"
    )]
    NonFinite {
        /// What became non-finite (`L_LM`, `L_ST`, `loss` or `gradient norm`).
        quantity: &'static str,
        /// Its value.
        value: f64,
        /// Epoch (1-based).
        epoch: usize,
        /// The optimizer step that was about to be taken (1-based).
        step: usize,
    },
    /// A checkpoint file does not match its recorded checksum (damaged after it was written).
    #[error("{dir}: {file} is damaged: {problem}")]
    CorruptCheckpoint {
        /// The checkpoint folder.
        dir: PathBuf,
        /// The damaged file.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// Another live process (or another trainer of this process) trains in this run folder.
    #[error(
        "{dir} is in use by process {}: wait for it, or choose another --out (if no such process runs, delete {dir}/.lock)",
        owner.map_or("?".to_string(), |p| p.to_string())
    )]
    RunInUse {
        /// The run folder.
        dir: PathBuf,
        /// The process id in the lock file, if readable.
        owner: Option<u32>,
    },
    /// A split has no examples.
    #[error("the {split} split has no examples")]
    EmptySplit {
        /// The split's name.
        split: &'static str,
    },
}

impl TrainError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TrainError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn json(path: impl Into<PathBuf>, source: serde_json::Error) -> Self {
        TrainError::Json {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of the module.
pub type Result<T> = std::result::Result<T, TrainError>;
