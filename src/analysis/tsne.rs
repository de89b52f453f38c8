//! t-SNE to two dimensions through the `bhtsne` crate (exact gradient), started from a seeded
//! random layout so that the embedding depends only on the input and the seed.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::cluster_metrics::check_rows;
use super::error::{AnalysisError, Result};

/// Settings of [tsne_2d].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TsneConfig {
    /// Perplexity (effective number of neighbours); lowered to `(n - 1) / 3` for small inputs.
    pub perplexity: f32,
    /// Gradient-descent iterations.
    pub epochs: usize,
    /// Seed of the initial layout.
    pub seed: u64,
}

impl Default for TsneConfig {
    /// Perplexity 30, 1000 iterations (the usual defaults), seed 0.
    fn default() -> Self {
        Self {
            perplexity: 30.0,
            epochs: 1000,
            seed: 0,
        }
    }
}

/// Embeds `points` (rows of equal length) into 2-D with exact t-SNE (Euclidean input distances,
/// bhtsne's defaults otherwise: early exaggeration 12 for 250 iterations, automatic learning
/// rate). The start is `N(0, 1e-4)` drawn from `config.seed` (bhtsne would draw it from
/// the thread's generator). bhtsne's parallel sums may differ in the last bits between machines
/// with different thread counts.
///
/// # Errors
/// [AnalysisError::InvalidInput] for fewer than 4 points or rows of different widths.
pub fn tsne_2d(points: &[Vec<f32>], config: &TsneConfig) -> Result<Vec<[f32; 2]>> {
    let n = points.len();
    if n < 4 {
        return Err(AnalysisError::invalid(
            "points",
            format!("t-SNE needs at least 4 points, got {n}"),
        ));
    }
    check_rows(points)?;
    // bhtsne panics unless n - 1 >= 3 * perplexity.
    let perplexity = config.perplexity.min(((n - 1) / 3) as f32).max(1.0);
    let mut rng = StdRng::seed_from_u64(config.seed);
    // Box-Muller normal draws, sigma 1e-4 as the original implementation.
    let init: Vec<f32> = (0..2 * n)
        .map(|_| {
            let u1: f64 = 1.0 - rng.random::<f64>();
            let u2: f64 = rng.random::<f64>();
            (1e-4 * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
        })
        .collect();
    let rows: Vec<&[f32]> = points.iter().map(Vec::as_slice).collect();
    let mut tsne: bhtsne::tSNE<f32, &[f32], 2> = bhtsne::tSNE::new(&rows);
    tsne.perplexity(perplexity)
        .epochs(config.epochs)
        .initial_embedding(init)
        .exact(|a, b| {
            // Euclidean: bhtsne squares the distance in its Gaussian kernel.
            a.iter()
                .zip(b.iter())
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f32>()
                .sqrt()
        });
    Ok(tsne.embedding().chunks(2).map(|c| [c[0], c[1]]).collect())
}
