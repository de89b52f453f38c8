//! The error type of this crate: invalid configurations (e.g. a config file with bad values).

/// An invalid [`StarConfig`](crate::StarConfig) field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StarConfigError {
    /// A size that must be positive is zero.
    #[error("StarConfig.{field} must be > 0, got 0")]
    ZeroSize {
        /// The config field name.
        field: &'static str,
    },
    /// `d_model` is not a multiple of `n_heads`.
    #[error("StarConfig.d_model ({d_model}) must be a multiple of StarConfig.n_heads ({n_heads})")]
    HeadsDoNotDivide {
        /// The model width.
        d_model: usize,
        /// The number of pooling heads.
        n_heads: usize,
    },
    /// A dropout probability outside `[0, 1)`.
    #[error("StarConfig.{field} must be a probability in [0, 1), got {value}")]
    BadDropout {
        /// The config field name.
        field: &'static str,
        /// The value found.
        value: f64,
    },
    /// A `StarInit::Normal` standard deviation that is not finite and positive.
    #[error("StarConfig.init Normal std must be finite and > 0, got {std}")]
    BadInitStd {
        /// The value found.
        std: f64,
    },
}
