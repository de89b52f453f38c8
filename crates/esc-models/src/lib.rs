//! esc-models
