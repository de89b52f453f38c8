//! A head without and with STAR over several seeds, for one head or several: the Table-1-shaped
//! comparison with per-seed deltas, mean and standard deviation.

use serde::{Deserialize, Serialize};

use crate::train::{TestMetrics, table_columns};

/// The two test results of one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedPair {
    /// The seed both runs used.
    pub seed: u64,
    /// The head without STAR (`joint` in files written before KEMI and Emstremo existed).
    #[serde(alias = "joint")]
    pub base: TestMetrics,
    /// The same head with STAR.
    pub star: TestMetrics,
}

/// One head's runs over the seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadComparison {
    /// The head's name (`joint`, `kemi`, `emstremo`).
    pub head: String,
    /// One pair per seed, in seed order.
    pub pairs: Vec<SeedPair>,
}

/// Mean and sample standard deviation (`n - 1`; 0 for a single value).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n;
    if values.len() == 1 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

fn cell(values: &[f64]) -> String {
    let (mean, std) = mean_std(values);
    if values.len() > 1 {
        format!("{mean:.2} ± {std:.2}")
    } else {
        format!("{mean:.2}")
    }
}

/// The table header for the metrics of `m`.
fn header(m: &TestMetrics) -> String {
    let names: Vec<&str> = table_columns(m).iter().map(|c| c.0).collect();
    format!(
        "| Model | {} |\n|---|{}\n",
        names.join(" | "),
        "---|".repeat(names.len())
    )
}

/// Three rows for one head: without STAR, with STAR (mean ± std over the seeds), and the
/// STAR − base delta (mean ± std of the per-seed deltas) with ↑/↓ marking improvements (lower
/// PPL is better).
fn head_rows(pairs: &[SeedPair]) -> String {
    let Some(first) = pairs.first() else {
        return String::new();
    };
    let columns = table_columns(&first.base);
    let better: Vec<bool> = columns.iter().map(|c| c.2).collect();
    // Column `i` of one model over the seeds.
    let column = |star: bool, i: usize| -> Vec<f64> {
        pairs
            .iter()
            .map(|p| table_columns(if star { &p.star } else { &p.base })[i].1)
            .collect()
    };
    let mut s = String::new();
    for (name, star) in [(&first.base.model, false), (&first.star.model, true)] {
        let cells: Vec<String> = (0..columns.len()).map(|i| cell(&column(star, i))).collect();
        s.push_str(&format!("| {name} | {} |\n", cells.join(" | ")));
    }
    let deltas: Vec<String> = (0..columns.len())
        .map(|i| {
            let d: Vec<f64> = column(true, i)
                .iter()
                .zip(column(false, i))
                .map(|(s, b)| s - b)
                .collect();
            let (mean, _) = mean_std(&d);
            let arrow = if mean == 0.0 || mean.is_nan() {
                ""
            } else if (mean > 0.0) == better[i] {
                " ↑"
            } else {
                " ↓"
            };
            format!("{}{arrow}", cell(&d))
        })
        .collect();
    s.push_str(&format!(
        "| Δ (STAR − {}) | {} |\n",
        first.base.model,
        deltas.join(" | ")
    ));
    s
}

fn seeds_line(pairs: &[SeedPair]) -> String {
    let seeds: Vec<String> = pairs.iter().map(|p| p.seed.to_string()).collect();
    format!(
        "Seeds: {} ({} run{} per model); mean ± sample std.\n\n",
        seeds.join(", "),
        pairs.len(),
        if pairs.len() == 1 { "" } else { "s" },
    )
}

/// The comparison table of one head: the model without and with STAR, then the delta.
pub fn compare_markdown(pairs: &[SeedPair]) -> String {
    let Some(first) = pairs.first() else {
        return String::new();
    };
    format!(
        "{}{}{}",
        seeds_line(pairs),
        header(&first.base),
        head_rows(pairs)
    )
}

/// The Table-1-shaped comparison of several heads: for each head (in the given order) its row
/// without STAR, its row with STAR and their delta, under one header. Heads with no finished
/// seed are left out.
pub fn compare_heads_markdown(heads: &[HeadComparison]) -> String {
    let done: Vec<&HeadComparison> = heads.iter().filter(|h| !h.pairs.is_empty()).collect();
    let Some(first) = done.first() else {
        return String::new();
    };
    let mut s = seeds_line(&first.pairs);
    s.push_str(&header(&first.pairs[0].base));
    for head in &done {
        s.push_str(&head_rows(&head.pairs));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::mean_std;

    #[test]
    fn mean_and_sample_std_as_numpy_ddof_1() {
        // numpy: np.mean([1, 2, 4]) = 2.3333333333333335, np.std([1, 2, 4], ddof=1) = 1.5275252316519465
        let (m, s) = mean_std(&[1.0, 2.0, 4.0]);
        assert!((m - 2.3333333333333335).abs() < 1e-15);
        assert!((s - 1.5275252316519465).abs() < 1e-14);
        assert_eq!(mean_std(&[3.0]), (3.0, 0.0));
    }
}
