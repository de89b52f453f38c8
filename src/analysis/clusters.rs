//! Representation clusters (the paper's Fig. 4): k-means on pooled decoder states, cluster
//! quality against the gold strategies, and a t-SNE layout for the scatter plots.

use serde::{Deserialize, Serialize};

use super::cluster_metrics::{adjusted_rand_index, silhouette_score};
use super::error::Result;
use super::kmeans::{KMeansConfig, kmeans};
use super::tsne::{TsneConfig, tsne_2d};

/// Numbers and layout of a cluster analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterAnalysis {
    /// Points (examples).
    pub examples: usize,
    /// Width of each point.
    pub dim: usize,
    /// k of k-means.
    pub k: usize,
    /// Inertia of the k-means solution.
    pub inertia: f64,
    /// Silhouette of the k-means clusters (high-dimensional states, Euclidean).
    pub silhouette_clusters: f64,
    /// Silhouette of the gold strategies as clusters (how separated the strategies are).
    pub silhouette_gold: f64,
    /// Adjusted Rand index between k-means clusters and gold strategies.
    pub ari: f64,
    /// k-means cluster of each point.
    pub clusters: Vec<usize>,
    /// Gold strategy of each point.
    pub gold: Vec<usize>,
    /// 2-D t-SNE layout.
    pub tsne: Vec<[f32; 2]>,
}

/// Clusters `points` with `kmeans_config`, scores the clusters against `gold` and lays the
/// points out with t-SNE.
///
/// # Errors
/// [super::AnalysisError::InvalidInput] from k-means, the scores (fewer than two distinct
/// labels) or t-SNE (fewer than 4 points).
pub fn cluster_analysis(
    points: &[Vec<f32>],
    gold: &[usize],
    kmeans_config: &KMeansConfig,
    tsne_config: &TsneConfig,
) -> Result<ClusterAnalysis> {
    let km = kmeans(points, kmeans_config)?;
    let silhouette_clusters = silhouette_score(points, &km.labels)?;
    let silhouette_gold = silhouette_score(points, gold).unwrap_or(f64::NAN);
    let ari = adjusted_rand_index(gold, &km.labels)?;
    let tsne = tsne_2d(points, tsne_config)?;
    Ok(ClusterAnalysis {
        examples: points.len(),
        dim: points.first().map_or(0, Vec::len),
        k: kmeans_config.k,
        inertia: km.inertia,
        silhouette_clusters,
        silhouette_gold,
        ari,
        clusters: km.labels,
        gold: gold.to_vec(),
        tsne,
    })
}

impl ClusterAnalysis {
    /// Markdown table of the numbers.
    pub fn to_markdown(&self) -> String {
        format!(
            "| examples | dim | k | silhouette (k-means) | silhouette (gold strategies) | ARI (k-means vs gold) | inertia |\n\
             |---|---|---|---|---|---|---|\n\
             | {} | {} | {} | {:.4} | {:.4} | {:.4} | {:.4e} |\n",
            self.examples,
            self.dim,
            self.k,
            self.silhouette_clusters,
            self.silhouette_gold,
            self.ari,
            self.inertia
        )
    }
}
