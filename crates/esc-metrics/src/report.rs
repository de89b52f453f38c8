//! Markdown rendering of the reports, and [`EvalReport`], which gathers them.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::{
    ClassificationReport, GenerationReport, LabelReport, PerplexityReport, Prf, StrategyReport,
};

/// A Markdown table from a header and rows.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "| {} |", header.join(" | "));
    let _ = writeln!(s, "|{}", "---|".repeat(header.len()));
    for r in rows {
        let _ = writeln!(s, "| {} |", r.join(" | "));
    }
    s
}

impl GenerationReport {
    /// A two-column Markdown table (`metric | value`), values with 3 decimals.
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("hello", &["hello"])?;
    /// assert!(m.finish()?.to_markdown().contains("| bleu-1 | 100.000 |"));
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn to_markdown(&self) -> String {
        let mut rows = vec![vec!["pairs".to_string(), self.pairs.to_string()]];
        rows.extend(
            self.entries()
                .into_iter()
                .map(|(k, v)| vec![k, format!("{v:.3}")]),
        );
        table(&["metric", "value"], &rows)
    }
}

impl ClassificationReport {
    /// Summary, per-class and confusion-matrix tables in Markdown.
    ///
    /// ```
    /// use esc_metrics::{classification_report, ClassificationOptions};
    /// let r = classification_report(&[0, 1], &[0, 0], &ClassificationOptions::new(2))?;
    /// assert!(r.to_markdown().contains("| accuracy | 0.5000 |"));
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn to_markdown(&self) -> String {
        let labels: Vec<String> = (0..self.confusion_matrix.len())
            .map(|j| j.to_string())
            .collect();
        let per_class: Vec<(String, Prf, u64)> = self
            .per_class
            .iter()
            .map(|c| (c.label.to_string(), c.scores, c.support))
            .collect();
        classification_markdown(
            Summary {
                samples: self.samples,
                accuracy: self.accuracy,
                macro_avg: self.macro_avg,
                micro_avg: self.micro_avg,
                weighted_avg: self.weighted_avg,
            },
            ("class", "gold \\ pred"),
            &per_class,
            &labels,
            &self.confusion_matrix,
        )
    }
}

/// The numbers of a classification summary table.
struct Summary {
    samples: usize,
    accuracy: f64,
    macro_avg: Prf,
    micro_avg: Prf,
    weighted_avg: Prf,
}

/// Summary, per-class and confusion-matrix tables: one layout for numeric classes and string
/// labels. `names` are the class column's and the matrix corner's headers; `labels` the matrix
/// row and column names.
fn classification_markdown(
    summary: Summary,
    names: (&str, &str),
    per_class: &[(String, Prf, u64)],
    labels: &[String],
    confusion_matrix: &[Vec<u64>],
) -> String {
    let f = |x: f64| format!("{x:.4}");
    let mut s = table(
        &["metric", "value"],
        &[
            vec!["samples".into(), summary.samples.to_string()],
            vec!["accuracy".into(), f(summary.accuracy)],
            vec!["macro precision".into(), f(summary.macro_avg.precision)],
            vec!["macro recall".into(), f(summary.macro_avg.recall)],
            vec!["macro F1".into(), f(summary.macro_avg.f1)],
            vec!["micro F1".into(), f(summary.micro_avg.f1)],
            vec!["weighted F1".into(), f(summary.weighted_avg.f1)],
        ],
    );
    s.push('\n');
    let rows: Vec<Vec<String>> = per_class
        .iter()
        .map(|(label, scores, support)| {
            vec![
                label.clone(),
                f(scores.precision),
                f(scores.recall),
                f(scores.f1),
                support.to_string(),
            ]
        })
        .collect();
    s.push_str(&table(
        &[names.0, "precision", "recall", "F1", "support"],
        &rows,
    ));
    s.push('\n');
    let header: Vec<&str> = std::iter::once(names.1)
        .chain(labels.iter().map(String::as_str))
        .collect();
    let rows: Vec<Vec<String>> = confusion_matrix
        .iter()
        .zip(labels)
        .map(|(row, label)| {
            std::iter::once(label.clone())
                .chain(row.iter().map(u64::to_string))
                .collect()
        })
        .collect();
    s.push_str(&table(&header, &rows));
    s
}

/// A label as a Markdown table cell: `|` escaped, line breaks as spaces.
fn cell(label: &str) -> String {
    label.replace('|', "\\|").replace(['\n', '\r'], " ")
}

impl LabelReport {
    /// Summary, per-label and confusion-matrix tables in Markdown (the layout of
    /// [`ClassificationReport::to_markdown`], with the label strings).
    ///
    /// ```
    /// use esc_metrics::{classification_report_labels, LabelOptions};
    /// let r = classification_report_labels(&["Greeting", "a|b"], &["Greeting", "Other"], &LabelOptions::new())?;
    /// let md = r.to_markdown();
    /// assert!(md.contains("| accuracy | 0.5000 |"));
    /// assert!(md.contains("| Greeting | 1.0000 | 1.0000 | 1.0000 | 1 |"));
    /// assert!(md.contains("| a\\|b | 0 | 1 | 0 |")); // the confusion row of "a|b"
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn to_markdown(&self) -> String {
        let labels: Vec<String> = self.labels().map(cell).collect();
        let per_label: Vec<(String, Prf, u64)> = self
            .per_label
            .iter()
            .map(|c| (cell(&c.label), c.scores, c.support))
            .collect();
        classification_markdown(
            Summary {
                samples: self.samples,
                accuracy: self.accuracy,
                macro_avg: self.macro_avg,
                micro_avg: self.micro_avg,
                weighted_avg: self.weighted_avg,
            },
            ("label", "true \\ pred"),
            &per_label,
            &labels,
            &self.confusion_matrix,
        )
    }
}

impl StrategyReport {
    /// The classification tables plus a top-k table.
    ///
    /// ```
    /// let mut m = esc_metrics::StrategyMetrics::esc();
    /// m.add(0, 0)?;
    /// assert!(m.finish()?.to_markdown().contains("macro F1"));
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn to_markdown(&self) -> String {
        let mut s = self.classification.to_markdown();
        if !self.top_k.is_empty() {
            s.push('\n');
            let rows: Vec<Vec<String>> = self
                .top_k
                .iter()
                .map(|t| vec![format!("top-{}", t.k), format!("{:.4}", t.accuracy)])
                .collect();
            s.push_str(&table(&["metric", "value"], &rows));
        }
        s
    }
}

impl PerplexityReport {
    /// A Markdown table of both perplexities.
    ///
    /// ```
    /// let r = esc_metrics::perplexity(&[2.0], &[2])?;
    /// assert!(r.to_markdown().contains("| PPL (corpus) | 2.718 |"));
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn to_markdown(&self) -> String {
        table(
            &["metric", "value"],
            &[
                vec!["PPL (corpus)".into(), format!("{:.3}", self.corpus)],
                vec![
                    "PPL (sentence mean)".into(),
                    format!("{:.3}", self.sentence_mean),
                ],
                vec!["mean token NLL".into(), format!("{:.4}", self.mean_nll)],
                vec!["tokens".into(), self.tokens.to_string()],
            ],
        )
    }
}

/// All metrics of one evaluation run; each part is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Response quality.
    pub generation: Option<GenerationReport>,
    /// Strategy prediction.
    pub strategy: Option<StrategyReport>,
    /// Perplexity.
    pub perplexity: Option<PerplexityReport>,
}

impl EvalReport {
    /// The parts present, each under a `###` heading.
    ///
    /// ```
    /// let report = esc_metrics::EvalReport {
    ///     perplexity: Some(esc_metrics::perplexity(&[3.0], &[3])?),
    ///     ..Default::default()
    /// };
    /// assert!(report.to_markdown().starts_with("### Perplexity"));
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn to_markdown(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.perplexity {
            parts.push(format!("### Perplexity\n\n{}", p.to_markdown()));
        }
        if let Some(g) = &self.generation {
            parts.push(format!("### Response metrics\n\n{}", g.to_markdown()));
        }
        if let Some(s) = &self.strategy {
            parts.push(format!("### Strategy prediction\n\n{}", s.to_markdown()));
        }
        parts.join("\n")
    }
}
