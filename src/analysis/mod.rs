//! Analysis tools for trained runs (issue #8): is there task interference, and does STAR reduce
//! it? Behind `examples/analyze.rs`.
//!
//! - [grad_conflict]: the cosine similarity of the per-loss gradients (`L_LM`, `L_ST`, the
//!   head's auxiliary losses) over the shared parameters, per parameter group (the paper's Fig. 3).
//! - [cluster_analysis]: pooled decoder states ([pooled_states]), k-means ([kmeans]) with k = 8,
//!   [silhouette_score] and [adjusted_rand_index] against the gold strategies, and a t-SNE layout
//!   ([tsne_2d]) (the paper's Fig. 4).
//! - [gate_stats]: STAR's gate per strategy and the before → after strategy transitions, from
//!   `generations.jsonl`.
//! - [RunAnalysis]: the three on a run folder, with figures ([crate::plots]: PNG + SVG, embedded font) and
//!   `<run>/analysis/analysis.md`.
//!
//! ```
//! use star_esc::analysis::{adjusted_rand_index, kmeans, KMeansConfig, silhouette_score};
//!
//! let points = vec![vec![0.0, 0.0], vec![0.1, 0.0], vec![5.0, 5.0], vec![5.1, 5.0]];
//! let km = kmeans(&points, &KMeansConfig::new(2))?;
//! assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &km.labels)?, 1.0);
//! assert!(silhouette_score(&points, &km.labels)? > 0.9);
//! # Ok::<(), star_esc::analysis::AnalysisError>(())
//! ```

mod cluster_metrics;
mod clusters;
mod cosine;
mod error;
mod gates;
mod grad_conflict;
mod kmeans;
mod representations;
mod run;
mod tsne;

pub use cluster_metrics::{adjusted_rand_index, silhouette_score};
pub use clusters::{ClusterAnalysis, cluster_analysis};
pub use cosine::{CosineStats, GramMatrix};
pub use error::{AnalysisError, Result};
pub use gates::{
    GateRecord, GateStats, GateSummary, QUANTILE_LEVELS, gate_stats, read_gate_records, summarize,
};
pub use grad_conflict::{
    GROUPS, GradConflict, GradTerm, GroupConflict, grad_conflict, gradient_model, param_group,
};
pub use kmeans::{KMeansConfig, KMeansResult, kmeans};
pub use representations::{StateChoice, pooled_states};
pub use run::{ANALYSIS_DIR, RunAnalysis, SplitChoice, write_report};
pub use tsne::{TsneConfig, tsne_2d};
