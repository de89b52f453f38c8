//! BlenderBot-Joint vs BlenderBot-Joint + STAR over several seeds: the Table-1-shaped comparison
//! with per-seed deltas, mean and standard deviation.

use serde::{Deserialize, Serialize};

use super::eval::{TestMetrics, table_columns};

/// The two test results of one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedPair {
    /// The seed both runs used.
    pub seed: u64,
    /// BlenderBot-Joint.
    pub joint: TestMetrics,
    /// BlenderBot-Joint + STAR.
    pub star: TestMetrics,
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

/// The comparison table: one row per model (mean ± std over the seeds), then the STAR − Joint
/// delta (mean ± std of the per-seed deltas) with ↑/↓ marking improvements (lower PPL is
/// better).
pub fn compare_markdown(pairs: &[SeedPair]) -> String {
    let Some(first) = pairs.first() else {
        return String::new();
    };
    let names: Vec<&str> = table_columns(&first.joint).iter().map(|c| c.0).collect();
    let better: Vec<bool> = table_columns(&first.joint).iter().map(|c| c.2).collect();
    // Column `i` of one model over the seeds.
    let column = |star: bool, i: usize| -> Vec<f64> {
        pairs
            .iter()
            .map(|p| table_columns(if star { &p.star } else { &p.joint })[i].1)
            .collect()
    };
    let seeds: Vec<String> = pairs.iter().map(|p| p.seed.to_string()).collect();
    let mut s = format!(
        "Seeds: {} ({} run{} per model); mean ± sample std.\n\n| Model | {} |\n|---|{}\n",
        seeds.join(", "),
        pairs.len(),
        if pairs.len() == 1 { "" } else { "s" },
        names.join(" | "),
        "---|".repeat(names.len())
    );
    for (name, star) in [(&first.joint.model, false), (&first.star.model, true)] {
        let cells: Vec<String> = (0..names.len()).map(|i| cell(&column(star, i))).collect();
        s.push_str(&format!("| {name} | {} |\n", cells.join(" | ")));
    }
    let deltas: Vec<String> = (0..names.len())
        .map(|i| {
            let d: Vec<f64> = column(true, i)
                .iter()
                .zip(column(false, i))
                .map(|(s, j)| s - j)
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
    s.push_str(&format!("| Δ (STAR − Joint) | {} |\n", deltas.join(" | ")));
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
