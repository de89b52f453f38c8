//! Markdown rendering of the reports, and [`EvalReport`], which gathers them.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::{
    ClassificationReport, GenerationReport, LabelReport, PerplexityReport, StrategyReport,
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
        let f = |x: f64| format!("{x:.4}");
        let mut s = table(
            &["metric", "value"],
            &[
                vec!["samples".into(), self.samples.to_string()],
                vec!["accuracy".into(), f(self.accuracy)],
                vec!["macro precision".into(), f(self.macro_avg.precision)],
                vec!["macro recall".into(), f(self.macro_avg.recall)],
                vec!["macro F1".into(), f(self.macro_avg.f1)],
                vec!["micro F1".into(), f(self.micro_avg.f1)],
                vec!["weighted F1".into(), f(self.weighted_avg.f1)],
            ],
        );
        s.push('\n');
        let rows: Vec<Vec<String>> = self
            .per_class
            .iter()
            .map(|c| {
                vec![
                    c.label.to_string(),
                    f(c.scores.precision),
                    f(c.scores.recall),
                    f(c.scores.f1),
                    c.support.to_string(),
                ]
            })
            .collect();
        s.push_str(&table(
            &["class", "precision", "recall", "F1", "support"],
            &rows,
        ));
        s.push('\n');
        let n = self.confusion_matrix.len();
        let header: Vec<String> = std::iter::once("gold \\ pred".to_string())
            .chain((0..n).map(|j| j.to_string()))
            .collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let rows: Vec<Vec<String>> = self
            .confusion_matrix
            .iter()
            .enumerate()
            .map(|(i, row)| {
                std::iter::once(i.to_string())
                    .chain(row.iter().map(u64::to_string))
                    .collect()
            })
            .collect();
        s.push_str(&table(&header, &rows));
        s
    }
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
        let f = |x: f64| format!("{x:.4}");
        let mut s = table(
            &["metric", "value"],
            &[
                vec!["samples".into(), self.samples.to_string()],
                vec!["accuracy".into(), f(self.accuracy)],
                vec!["macro precision".into(), f(self.macro_avg.precision)],
                vec!["macro recall".into(), f(self.macro_avg.recall)],
                vec!["macro F1".into(), f(self.macro_avg.f1)],
                vec!["micro F1".into(), f(self.micro_avg.f1)],
                vec!["weighted F1".into(), f(self.weighted_avg.f1)],
            ],
        );
        s.push('\n');
        let rows: Vec<Vec<String>> = self
            .per_label
            .iter()
            .map(|c| {
                vec![
                    cell(&c.label),
                    f(c.scores.precision),
                    f(c.scores.recall),
                    f(c.scores.f1),
                    c.support.to_string(),
                ]
            })
            .collect();
        s.push_str(&table(
            &["label", "precision", "recall", "F1", "support"],
            &rows,
        ));
        s.push('\n');
        let labels: Vec<String> = self.labels().map(cell).collect();
        let header: Vec<&str> = std::iter::once("true \\ pred")
            .chain(labels.iter().map(String::as_str))
            .collect();
        let rows: Vec<Vec<String>> = self
            .confusion_matrix
            .iter()
            .zip(&labels)
            .map(|(row, label)| {
                std::iter::once(label.clone())
                    .chain(row.iter().map(u64::to_string))
                    .collect()
            })
            .collect();
        s.push_str(&table(&header, &rows));
        s
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
