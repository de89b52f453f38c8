//! STAR's gate and strategy changes from an evaluation's `generations.jsonl`: the distribution of
//! the integration value `g` per strategy, and the before → after STAR transition matrix.

use std::path::Path;

use esc_data::Strategy;
use serde::{Deserialize, Serialize};

use super::error::{AnalysisError, Result};

/// The fields of a `generations.jsonl` line that the gate analysis reads (others are ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateRecord {
    /// Gold strategy name.
    pub gold_strategy: String,
    /// Predicted strategy before STAR.
    pub before_strategy: String,
    /// Predicted strategy after STAR.
    pub after_strategy: String,
    /// STAR's integration value at the strategy step (`null` without STAR).
    pub gate: Option<f32>,
}

fn strategy_id(name: &str) -> Option<usize> {
    Strategy::ALL.iter().position(|s| s.name() == name)
}

/// Reads `generations.jsonl` (as written by `train::evaluate`).
///
/// # Errors
/// [AnalysisError::Io] if unreadable, [AnalysisError::BadLine] naming the line for invalid JSON,
/// a missing field or an unknown strategy name.
pub fn read_gate_records(path: &Path) -> Result<Vec<GateRecord>> {
    let text = std::fs::read_to_string(path).map_err(|e| AnalysisError::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| AnalysisError::BadLine {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let r: GateRecord = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        for (field, name) in [
            ("gold_strategy", &r.gold_strategy),
            ("before_strategy", &r.before_strategy),
            ("after_strategy", &r.after_strategy),
        ] {
            if strategy_id(name).is_none() {
                return Err(bad(format!(
                    "`{field}`: unknown strategy {name:?}, expected one of the 8 ESConv names"
                )));
            }
        }
        out.push(r);
    }
    Ok(out)
}

/// Summary of a set of gate values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateSummary {
    /// Group name (a strategy, or `all`).
    pub name: String,
    /// Values.
    pub count: usize,
    /// Mean (`NaN` when empty).
    pub mean: f64,
    /// Sample standard deviation (`NaN` below two values).
    pub std: f64,
    /// Quantiles 0, 0.1, 0.25, 0.5, 0.75, 0.9, 1 (linear interpolation, numpy's default).
    pub quantiles: [f64; 7],
}

/// The quantile levels of [GateSummary::quantiles].
pub const QUANTILE_LEVELS: [f64; 7] = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];

/// Mean, standard deviation and quantiles of `values`.
pub fn summarize(name: &str, values: &[f64]) -> GateSummary {
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    let std = if n > 1 {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        f64::NAN
    };
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| {
        if n == 0 {
            return f64::NAN;
        }
        let pos = p * (n - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
    };
    GateSummary {
        name: name.to_string(),
        count: n,
        mean,
        std,
        quantiles: QUANTILE_LEVELS.map(q),
    }
}

/// The gate analysis of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateStats {
    /// Examples read.
    pub examples: usize,
    /// Gate summaries by gold strategy (the 8 strategies in ESConv order, then `all`); empty
    /// without STAR.
    pub by_gold: Vec<GateSummary>,
    /// Gate summaries by the strategy predicted after STAR.
    pub by_after: Vec<GateSummary>,
    /// `transitions[b][a]`: examples predicted `b` before STAR and `a` after.
    pub transitions: Vec<Vec<usize>>,
    /// Examples whose prediction STAR changed.
    pub changed: usize,
    /// Accuracy of the predictions before STAR.
    pub acc_before: f64,
    /// Accuracy of the predictions after STAR.
    pub acc_after: f64,
}

impl GateStats {
    /// Fraction of examples whose prediction STAR changed.
    pub fn change_rate(&self) -> f64 {
        self.changed as f64 / self.examples.max(1) as f64
    }

    /// Gate values grouped by gold strategy, for the histogram.
    pub fn gold_groups(records: &[GateRecord]) -> Vec<(String, Vec<f64>)> {
        Strategy::ALL
            .iter()
            .map(|s| {
                let v = records
                    .iter()
                    .filter(|r| r.gold_strategy == s.name())
                    .filter_map(|r| r.gate.map(f64::from))
                    .collect();
                (s.name().to_string(), v)
            })
            .collect()
    }
}

/// Gate distribution and strategy transitions of `records`.
///
/// # Errors
/// [AnalysisError::InvalidInput] for no records or an unknown strategy name.
pub fn gate_stats(records: &[GateRecord]) -> Result<GateStats> {
    if records.is_empty() {
        return Err(AnalysisError::invalid(
            "records",
            "no generations to analyse",
        ));
    }
    let id = |name: &str| {
        strategy_id(name)
            .ok_or_else(|| AnalysisError::invalid("strategy", format!("unknown strategy {name:?}")))
    };
    let k = Strategy::COUNT;
    let mut transitions = vec![vec![0usize; k]; k];
    let (mut changed, mut right_before, mut right_after) = (0, 0, 0);
    for r in records {
        let (g, b, a) = (
            id(&r.gold_strategy)?,
            id(&r.before_strategy)?,
            id(&r.after_strategy)?,
        );
        transitions[b][a] += 1;
        changed += usize::from(b != a);
        right_before += usize::from(b == g);
        right_after += usize::from(a == g);
    }
    let has_gate = records.iter().any(|r| r.gate.is_some());
    let group_by = |key: fn(&GateRecord) -> &str| -> Vec<GateSummary> {
        if !has_gate {
            return Vec::new();
        }
        let mut out: Vec<GateSummary> = Strategy::ALL
            .iter()
            .map(|s| {
                let v: Vec<f64> = records
                    .iter()
                    .filter(|r| key(r) == s.name())
                    .filter_map(|r| r.gate.map(f64::from))
                    .collect();
                summarize(s.name(), &v)
            })
            .collect();
        let all: Vec<f64> = records
            .iter()
            .filter_map(|r| r.gate.map(f64::from))
            .collect();
        out.push(summarize("all", &all));
        out
    };
    let n = records.len() as f64;
    Ok(GateStats {
        examples: records.len(),
        by_gold: group_by(|r| &r.gold_strategy),
        by_after: group_by(|r| &r.after_strategy),
        transitions,
        changed,
        acc_before: right_before as f64 / n,
        acc_after: right_after as f64 / n,
    })
}

fn fmt(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v != 0.0 && v.abs() < 1e-3 {
        // Tiny spreads (an under-trained gate) stay visible.
        format!("{v:.1e}")
    } else {
        format!("{v:.4}")
    }
}

fn summary_table(rows: &[GateSummary], key: &str) -> String {
    let mut s = format!(
        "| {key} | n | mean | std | min | q10 | q25 | median | q75 | q90 | max |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for r in rows {
        let q: Vec<String> = r.quantiles.iter().map(|&v| fmt(v)).collect();
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.name,
            r.count,
            fmt(r.mean),
            fmt(r.std),
            q.join(" | ")
        ));
    }
    s
}

impl GateStats {
    /// Markdown: gate tables (by gold and by predicted strategy), the transition matrix and the
    /// change rate.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        if self.by_gold.is_empty() {
            s.push_str("No gate values (a model without STAR).\n\n");
        } else {
            s.push_str("Gate value g by gold strategy:\n\n");
            s.push_str(&summary_table(&self.by_gold, "gold strategy"));
            s.push_str("\nGate value g by strategy predicted after STAR:\n\n");
            s.push_str(&summary_table(&self.by_after, "predicted strategy"));
            s.push('\n');
        }
        s.push_str(&format!(
            "STAR changed the strategy prediction of {} of {} examples ({:.2}%); accuracy before {:.2}%, after {:.2}%.\n\n",
            self.changed,
            self.examples,
            100.0 * self.change_rate(),
            100.0 * self.acc_before,
            100.0 * self.acc_after
        ));
        let names: Vec<String> = Strategy::ALL
            .iter()
            .map(|s| s.name().chars().take(12).collect())
            .collect();
        s.push_str(&format!(
            "Transitions (rows: before STAR, columns: after STAR):\n\n| before \\ after | {} |\n|---|{}\n",
            names.join(" | "),
            "---|".repeat(names.len())
        ));
        for (b, row) in self.transitions.iter().enumerate() {
            let cells: Vec<String> = row.iter().map(usize::to_string).collect();
            s.push_str(&format!("| {} | {} |\n", names[b], cells.join(" | ")));
        }
        s
    }
}
