//! Errors of the analysis tools.

use std::path::PathBuf;

use crate::train::TrainError;

/// What can go wrong while analysing a run.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line of a JSON-lines file is not what was expected.
    #[error("{path}:{line}: {message}")]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong (field and expectation).
        message: String,
    },
    /// Opening the run, its data or its model failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::plots::PlotError),
    /// The input cannot be analysed (too few points, a parameter out of range, ...).
    #[error("invalid analysis input: `{field}`: {message}")]
    InvalidInput {
        /// The offending argument or quantity.
        field: &'static str,
        /// What was expected.
        message: String,
    },
}

impl AnalysisError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AnalysisError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        AnalysisError::InvalidInput {
            field,
            message: message.into(),
        }
    }
}

/// Result alias of the module.
pub type Result<T> = std::result::Result<T, AnalysisError>;
