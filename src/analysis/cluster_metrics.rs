//! Cluster quality numbers: the silhouette score (Euclidean) and the adjusted Rand index, with
//! scikit-learn's definitions (`sklearn.metrics.silhouette_score`, `adjusted_rand_score`).

use std::collections::BTreeMap;

use super::error::{AnalysisError, Result};

/// Euclidean distance of two equally long vectors, accumulated in `f64`.
fn euclidean(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = x as f64 - y as f64;
            d * d
        })
        .sum::<f64>()
        .sqrt()
}

/// Mean silhouette coefficient of `points` (rows of equal length) under `labels`, Euclidean
/// distance: per point `s = (b - a) / max(a, b)` with `a` its mean distance to the other members
/// of its cluster and `b` the smallest mean distance to another cluster; `s = 0` for a point
/// alone in its cluster (scikit-learn's convention).
///
/// # Errors
/// [AnalysisError::InvalidInput] when the lengths differ, rows have different widths, or the
/// number of distinct labels is not in `2..=n-1` (scikit-learn's requirement).
pub fn silhouette_score(points: &[Vec<f32>], labels: &[usize]) -> Result<f64> {
    let n = points.len();
    if labels.len() != n {
        return Err(AnalysisError::invalid(
            "labels",
            format!("{} labels for {n} points", labels.len()),
        ));
    }
    check_rows(points)?;
    // Dense cluster indices 0..k.
    let ids: BTreeMap<usize, usize> = labels
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, l)| (l, i))
        .collect();
    let k = ids.len();
    if k < 2 || k > n.saturating_sub(1) {
        return Err(AnalysisError::invalid(
            "labels",
            format!(
                "{k} distinct labels for {n} points; expected 2..={}",
                n.saturating_sub(1)
            ),
        ));
    }
    let cluster: Vec<usize> = labels.iter().map(|l| ids[l]).collect();
    let mut sizes = vec![0usize; k];
    for &c in &cluster {
        sizes[c] += 1;
    }
    let mut total = 0.0;
    let mut sums = vec![0.0f64; k];
    for i in 0..n {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for j in 0..n {
            if i != j {
                sums[cluster[j]] += euclidean(&points[i], &points[j]);
            }
        }
        let own = cluster[i];
        if sizes[own] <= 1 {
            continue; // s = 0
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != own)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        let m = a.max(b);
        if m > 0.0 {
            total += (b - a) / m;
        }
    }
    Ok(total / n as f64)
}

/// Adjusted Rand index of two labelings of the same items (1 = identical partitions, about 0 =
/// chance), computed from the pair confusion matrix as scikit-learn does:
/// `2 (tp·tn − fn·fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn))`, 1 when there are no
/// disagreeing pairs.
///
/// # Errors
/// [AnalysisError::InvalidInput] when the lengths differ.
pub fn adjusted_rand_index(labels_true: &[usize], labels_pred: &[usize]) -> Result<f64> {
    if labels_true.len() != labels_pred.len() {
        return Err(AnalysisError::invalid(
            "labels_pred",
            format!(
                "{} predicted labels for {} true labels",
                labels_pred.len(),
                labels_true.len()
            ),
        ));
    }
    let n = labels_true.len() as i128;
    let mut cells: BTreeMap<(usize, usize), i128> = BTreeMap::new();
    let mut rows: BTreeMap<usize, i128> = BTreeMap::new();
    let mut cols: BTreeMap<usize, i128> = BTreeMap::new();
    for (&t, &p) in labels_true.iter().zip(labels_pred) {
        *cells.entry((t, p)).or_default() += 1;
        *rows.entry(t).or_default() += 1;
        *cols.entry(p).or_default() += 1;
    }
    // Ordered pairs, as sklearn.metrics.cluster.pair_confusion_matrix.
    let sum_sq: i128 = cells.values().map(|c| c * c).sum();
    let sq = |m: &BTreeMap<usize, i128>| -> i128 { m.values().map(|c| c * c).sum() };
    let (sum_rows_sq, sum_cols_sq) = (sq(&rows), sq(&cols));
    let tp = sum_sq - n;
    let fp = sum_cols_sq - sum_sq;
    let fn_ = sum_rows_sq - sum_sq;
    let tn = n * n - fp - fn_ - sum_sq;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let num = 2.0 * (tp * tn - fn_ * fp) as f64;
    let den = ((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn)) as f64;
    Ok(num / den)
}

/// Every row of `points` has the width of row 0.
///
/// # Errors
/// [AnalysisError::InvalidInput] naming the first row that differs.
pub(crate) fn check_rows(points: &[Vec<f32>]) -> Result<()> {
    if let Some(row) = points.iter().position(|p| p.len() != points[0].len()) {
        return Err(AnalysisError::invalid(
            "points",
            format!(
                "row {row} has {} values, row 0 has {}",
                points[row].len(),
                points[0].len()
            ),
        ));
    }
    Ok(())
}
