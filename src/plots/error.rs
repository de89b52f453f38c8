//! The error of drawing a figure.

use std::path::PathBuf;

/// Drawing or writing a figure failed.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line of a run's log is not valid JSON.
    #[error("{path}:{line}: invalid JSON: {source}")]
    Json {
        /// The log file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// The plotting library failed.
    #[error("{path}: drawing failed: {message}")]
    Draw {
        /// The image.
        path: PathBuf,
        /// The plotting library's message.
        message: String,
    },
}

impl PlotError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PlotError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn draw(path: impl Into<PathBuf>, e: impl std::fmt::Display) -> Self {
        PlotError::Draw {
            path: path.into(),
            message: e.to_string(),
        }
    }
}

/// Result alias of the module.
pub type Result<T> = std::result::Result<T, PlotError>;
