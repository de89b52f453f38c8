//! k-means (Lloyd's algorithm) with k-means++ seeding, deterministic for a given seed: the
//! representation clusters of Fig. 4 (k = 8, one per ESConv strategy).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::cluster_metrics::check_rows;
use super::error::{AnalysisError, Result};

/// Settings of [kmeans].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeansConfig {
    /// Number of clusters.
    pub k: usize,
    /// Independent k-means++ starts; the one with the lowest inertia wins (scikit-learn's
    /// `n_init`).
    pub n_init: usize,
    /// Lloyd iterations per start at most.
    pub max_iter: usize,
    /// Seed of the k-means++ draws.
    pub seed: u64,
}

impl KMeansConfig {
    /// `k` clusters, 10 starts of at most 300 iterations (scikit-learn's defaults), seed 0.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            n_init: 10,
            max_iter: 300,
            seed: 0,
        }
    }
}

/// The result of [kmeans].
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansResult {
    /// Cluster of each point, `0..k`.
    pub labels: Vec<usize>,
    /// Cluster centres, `k` rows.
    pub centroids: Vec<Vec<f64>>,
    /// Sum of squared distances of the points to their centres.
    pub inertia: f64,
    /// Lloyd iterations of the winning start.
    pub iterations: usize,
}

fn sq_dist(a: &[f32], c: &[f64]) -> f64 {
    a.iter()
        .zip(c)
        .map(|(&x, &y)| {
            let d = x as f64 - y;
            d * d
        })
        .sum()
}

/// Index and squared distance of the nearest centre (the first one on ties).
fn nearest(p: &[f32], centroids: &[Vec<f64>]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (c, centre) in centroids.iter().enumerate() {
        let d = sq_dist(p, centre);
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

/// k-means++: the first centre uniformly, each next one with probability proportional to the
/// squared distance to the nearest centre chosen so far.
fn seed_centroids(points: &[Vec<f32>], k: usize, rng: &mut StdRng) -> Vec<Vec<f64>> {
    let to_f64 = |p: &Vec<f32>| p.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let mut centroids = vec![to_f64(&points[rng.random_range(0..points.len())])];
    let mut d2: Vec<f64> = points.iter().map(|p| sq_dist(p, &centroids[0])).collect();
    while centroids.len() < k {
        let total: f64 = d2.iter().sum();
        let next = if total > 0.0 {
            let mut r = rng.random::<f64>() * total;
            let mut chosen = points.len() - 1;
            for (i, &d) in d2.iter().enumerate() {
                if r < d {
                    chosen = i;
                    break;
                }
                r -= d;
            }
            chosen
        } else {
            // Fewer distinct points than k: any point.
            rng.random_range(0..points.len())
        };
        centroids.push(to_f64(&points[next]));
        let c = centroids.last().expect("just pushed");
        for (d, p) in d2.iter_mut().zip(points) {
            *d = d.min(sq_dist(p, c));
        }
    }
    centroids
}

/// One k-means run from given centres.
fn lloyd(points: &[Vec<f32>], mut centroids: Vec<Vec<f64>>, max_iter: usize) -> KMeansResult {
    let (k, dim) = (centroids.len(), points[0].len());
    let mut labels = vec![usize::MAX; points.len()];
    let mut iterations = 0;
    for _ in 0..max_iter {
        iterations += 1;
        let mut changed = false;
        let mut dists = vec![0.0; points.len()];
        for (i, p) in points.iter().enumerate() {
            let (c, d) = nearest(p, &centroids);
            dists[i] = d;
            if labels[i] != c {
                labels[i] = c;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        let mut sums = vec![vec![0.0f64; dim]; k];
        let mut counts = vec![0usize; k];
        for (p, &c) in points.iter().zip(&labels) {
            counts[c] += 1;
            for (s, &x) in sums[c].iter_mut().zip(p) {
                *s += x as f64;
            }
        }
        for c in 0..k {
            if counts[c] > 0 {
                centroids[c] = sums[c].iter().map(|s| s / counts[c] as f64).collect();
            } else {
                // An empty cluster takes the point farthest from its centre.
                let far = (0..points.len())
                    .max_by(|&a, &b| dists[a].total_cmp(&dists[b]))
                    .expect("at least one point");
                centroids[c] = points[far].iter().map(|&x| x as f64).collect();
                dists[far] = 0.0;
            }
        }
    }
    let inertia = points
        .iter()
        .zip(&labels)
        .map(|(p, &c)| sq_dist(p, &centroids[c]))
        .sum();
    KMeansResult {
        labels,
        centroids,
        inertia,
        iterations,
    }
}

/// Clusters `points` (rows of equal length) into `config.k` groups: `n_init` k-means++ starts
/// drawn from one generator seeded with `config.seed`, each refined by Lloyd iterations until
/// no assignment changes; the lowest inertia wins (the first on ties). The same input and seed
/// give the same result.
///
/// # Errors
/// [AnalysisError::InvalidInput] for `k` = 0, `k` > number of points, `n_init` = 0, or rows of
/// different widths.
pub fn kmeans(points: &[Vec<f32>], config: &KMeansConfig) -> Result<KMeansResult> {
    if config.k == 0 || config.k > points.len() {
        return Err(AnalysisError::invalid(
            "k",
            format!("{} clusters for {} points", config.k, points.len()),
        ));
    }
    if config.n_init == 0 || config.max_iter == 0 {
        return Err(AnalysisError::invalid(
            "n_init",
            "n_init and max_iter must be at least 1",
        ));
    }
    check_rows(points)?;
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut best: Option<KMeansResult> = None;
    for _ in 0..config.n_init {
        let start = seed_centroids(points, config.k, &mut rng);
        let run = lloyd(points, start, config.max_iter);
        if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
            best = Some(run);
        }
    }
    Ok(best.expect("n_init >= 1"))
}
