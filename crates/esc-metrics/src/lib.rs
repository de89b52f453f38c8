//! esc-metrics
