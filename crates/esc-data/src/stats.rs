//! Dataset statistics: dialogs, turns, examples, strategy and emotion distributions,
//! and token-length percentiles (what `examples/esconv_stats.rs` prints).

use std::fmt;

use crate::error::Result;
use crate::tokenizer::Tokenize;
use crate::{Dialog, Emotion, ExampleConfig, Speaker, Strategy, build_examples};

/// Counts that need no tokenizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogStats {
    /// Number of dialogs.
    pub dialogs: usize,
    /// Number of turns.
    pub turns: usize,
    /// Number of seeker turns.
    pub seeker_turns: usize,
    /// Number of supporter turns.
    pub supporter_turns: usize,
    /// Number of examples (supporter turns with index > 0).
    pub examples: usize,
    /// Supporter turns per strategy, indexed by [`Strategy::id`].
    pub strategies: [usize; Strategy::COUNT],
    /// Dialogs per emotion, indexed by [`Emotion::id`].
    pub emotions: [usize; Emotion::COUNT],
}

/// Counts turns, examples, strategies and emotions.
pub fn dialog_stats(dialogs: &[Dialog]) -> DialogStats {
    let mut stats = DialogStats {
        dialogs: dialogs.len(),
        turns: 0,
        seeker_turns: 0,
        supporter_turns: 0,
        examples: 0,
        strategies: [0; Strategy::COUNT],
        emotions: [0; Emotion::COUNT],
    };
    for dialog in dialogs {
        stats.emotions[dialog.emotion.id()] += 1;
        for (i, turn) in dialog.turns.iter().enumerate() {
            stats.turns += 1;
            match turn.speaker {
                Speaker::Seeker => stats.seeker_turns += 1,
                Speaker::Supporter => {
                    stats.supporter_turns += 1;
                    if i > 0 {
                        stats.examples += 1;
                    }
                    if let Some(s) = turn.strategy {
                        stats.strategies[s.id()] += 1;
                    }
                }
            }
        }
    }
    stats
}

/// Percentiles of a list of lengths (numpy's default linear interpolation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    /// Number of values.
    pub count: usize,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
}

impl Percentiles {
    /// Percentiles of `values` (all zero when empty).
    pub fn of(values: &[usize]) -> Self {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let mean = if sorted.is_empty() {
            0.0
        } else {
            sorted.iter().sum::<usize>() as f64 / sorted.len() as f64
        };
        Self {
            count: sorted.len(),
            mean,
            p50: percentile(&sorted, 50.0),
            p90: percentile(&sorted, 90.0),
            p95: percentile(&sorted, 95.0),
            p99: percentile(&sorted, 99.0),
            max: percentile(&sorted, 100.0),
        }
    }
}

/// `numpy.percentile(sorted, q)` with the default `linear` method; 0 when empty.
pub fn percentile(sorted: &[usize], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * q / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    sorted[lo] as f64 + frac * (sorted[hi] as f64 - sorted[lo] as f64)
}

/// Token lengths of a split under a tokenizer and an example configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenLengthStats {
    /// Ids per utterance.
    pub utterance: Percentiles,
    /// Encoder input length before truncation.
    pub context_full: Percentiles,
    /// Encoder input length after truncation to `max_input_len`.
    pub input: Percentiles,
    /// Label length (strategy token + response + EOS) before truncation.
    pub target_full: Percentiles,
    /// Label length after truncation to `max_target_len + 1`.
    pub target: Percentiles,
    /// Examples whose input was truncated.
    pub inputs_truncated: usize,
    /// Examples whose labels were truncated.
    pub targets_truncated: usize,
}

/// Tokenizes every utterance and builds every example once (without truncation) to
/// measure lengths before and after the limits of `config`.
///
/// # Errors
/// [`Error::UnannotatedTurn`](crate::Error::UnannotatedTurn) as [`build_examples`].
pub fn token_length_stats<T: Tokenize + ?Sized>(
    dialogs: &[Dialog],
    tokenizer: &T,
    config: &ExampleConfig,
) -> Result<TokenLengthStats> {
    let utterances: Vec<usize> = dialogs
        .iter()
        .flat_map(|d| &d.turns)
        .map(|t| tokenizer.encode(&t.text).len())
        .collect();
    // Unbounded limits give the full lengths; the truncated ones follow by `min`.
    let unbounded = config
        .clone()
        .with_max_input_len(usize::MAX / 2)
        .with_max_target_len(usize::MAX / 2);
    let examples = build_examples(dialogs, tokenizer, &unbounded)?;
    let context_full: Vec<usize> = examples.iter().map(|e| e.input_ids.len()).collect();
    let target_full: Vec<usize> = examples.iter().map(|e| e.labels.len()).collect();
    let max_target = config.max_target_len + 1;
    let input: Vec<usize> = context_full
        .iter()
        .map(|&n| n.min(config.max_input_len))
        .collect();
    let target: Vec<usize> = target_full.iter().map(|&n| n.min(max_target)).collect();
    Ok(TokenLengthStats {
        utterance: Percentiles::of(&utterances),
        inputs_truncated: context_full
            .iter()
            .filter(|&&n| n > config.max_input_len)
            .count(),
        targets_truncated: target_full.iter().filter(|&&n| n > max_target).count(),
        context_full: Percentiles::of(&context_full),
        input: Percentiles::of(&input),
        target_full: Percentiles::of(&target_full),
        target: Percentiles::of(&target),
    })
}

/// Everything `esconv_stats` prints for one split.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitReport {
    /// The split's name.
    pub name: String,
    /// Counts.
    pub counts: DialogStats,
    /// Token lengths, when a tokenizer was given.
    pub lengths: Option<TokenLengthStats>,
}

impl fmt::Display for SplitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        writeln!(f, "== {}", self.name)?;
        writeln!(
            f,
            "dialogs {}  turns {} (seeker {}, supporter {})  examples {}",
            c.dialogs, c.turns, c.seeker_turns, c.supporter_turns, c.examples
        )?;
        writeln!(f, "strategies (supporter turns):")?;
        for s in Strategy::ALL {
            let n = c.strategies[s.id()];
            writeln!(
                f,
                "  {:<28} {:>6}  {:>5.1}%",
                s.name(),
                n,
                pct(n, c.supporter_turns)
            )?;
        }
        writeln!(f, "emotions (dialogs):")?;
        for e in Emotion::ALL {
            let n = c.emotions[e.id()];
            if n > 0 {
                writeln!(
                    f,
                    "  {:<28} {:>6}  {:>5.1}%",
                    e.name(),
                    n,
                    pct(n, c.dialogs)
                )?;
            }
        }
        match &self.lengths {
            None => writeln!(f, "token lengths: no tokenizer given")?,
            Some(l) => {
                writeln!(
                    f,
                    "token lengths          count    mean     p50     p90     p95     p99     max"
                )?;
                for (name, p) in [
                    ("utterance", &l.utterance),
                    ("context (untruncated)", &l.context_full),
                    ("encoder input", &l.input),
                    ("labels (untruncated)", &l.target_full),
                    ("labels", &l.target),
                ] {
                    writeln!(
                        f,
                        "  {:<21} {:>6} {:>7.2} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>7.0}",
                        name, p.count, p.mean, p.p50, p.p90, p.p95, p.p99, p.max
                    )?;
                }
                writeln!(
                    f,
                    "  truncated: {} inputs, {} labels",
                    l.inputs_truncated, l.targets_truncated
                )?;
            }
        }
        Ok(())
    }
}

fn pct(n: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * n as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_like_numpy() {
        // numpy.percentile([1, 2, 3, 4], [50, 90, 100]) = [2.5, 3.7, 4.0]
        assert_eq!(percentile(&[1, 2, 3, 4], 50.0), 2.5);
        assert!((percentile(&[1, 2, 3, 4], 90.0) - 3.7).abs() < 1e-12);
        assert_eq!(percentile(&[1, 2, 3, 4], 100.0), 4.0);
        assert_eq!(percentile(&[7], 99.0), 7.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
