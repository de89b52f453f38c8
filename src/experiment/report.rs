//! The experiment's table: every arm's mean ± std and 95 % confidence interval over the seeds,
//! and paired tests between arms.
//!
//! Each metric is computed from the per-example records of `test/generations.jsonl`, so a
//! bootstrap resample of the test examples recomputes it exactly as the full set does:
//! - **F1**, **Acc**: strategy macro-F1 and accuracy of the reported ("after") prediction;
//! - **Changed**: share of examples where STAR changed the prediction ("after" ≠ "before");
//! - **PPL**: teacher-forced perplexity `exp(Σ NLL / Σ tokens)`;
//! - **B-2**, **R-L**, **D-2**: the response metrics of esc-metrics on the generations.
//!
//! Two kinds of uncertainty are reported for a contrast (arm B − arm A):
//! - over **seeds**: the mean of the per-seed deltas with a Student-t 95 % interval (training
//!   randomness);
//! - over **test examples**: a paired bootstrap (the same resampled examples for both arms, the
//!   metric averaged over the seeds), its 95 % percentile interval and two-sided p-value.
//!
//! A difference is marked significant (`*`) when both intervals exclude zero.

use std::path::Path;

use esc_data::Strategy;
use esc_metrics::{BootstrapOptions, BootstrapResult, GenerationMetrics, MeanCi, PerExampleStats};
use serde::{Deserialize, Serialize};

use super::{Arm, run_dir};
use crate::train::{GenerationRecord, Result, TrainError};

/// The metrics of the table, in column order: name and whether higher is better.
pub const METRICS: [(&str, bool); 7] = [
    ("F1", true),
    ("Acc", true),
    ("Changed", true),
    ("PPL", false),
    ("B-2", true),
    ("R-L", true),
    ("D-2", true),
];

/// One finished run, scored per example.
pub struct RunScores {
    /// The run's seed.
    pub seed: u64,
    /// `(dialog, turn)` of each test example, in order.
    pub keys: Vec<(usize, usize)>,
    gold: Vec<usize>,
    before: Vec<usize>,
    after: Vec<usize>,
    nll: Vec<f64>,
    tokens: Vec<f64>,
    generation: PerExampleStats,
}

fn strategy_id(name: &str, path: &Path, line: usize) -> Result<usize> {
    Strategy::ALL
        .iter()
        .position(|s| s.name() == name)
        .ok_or_else(|| TrainError::InvalidConfig {
            field: "generations",
            message: format!("{} line {line}: unknown strategy {name:?}", path.display()),
        })
}

impl RunScores {
    /// Reads `test/generations.jsonl` of `run_dir`.
    ///
    /// # Errors
    /// I/O and JSON errors; [TrainError::InvalidConfig] for a record without `nll` (written
    /// before per-example NLL existed) or an unknown strategy name.
    pub fn load(run_dir: &Path, seed: u64) -> Result<Self> {
        let path = run_dir.join("test").join("generations.jsonl");
        let text = std::fs::read_to_string(&path).map_err(|e| TrainError::io(&path, e))?;
        let (mut keys, mut gold, mut before, mut after) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut nll, mut tokens) = (Vec::new(), Vec::new());
        let mut generation = GenerationMetrics::esc();
        for (i, line) in text.lines().enumerate() {
            let r: GenerationRecord =
                serde_json::from_str(line).map_err(|e| TrainError::json(&path, e))?;
            let (Some(n), Some(t)) = (r.nll, r.tokens) else {
                return Err(TrainError::InvalidConfig {
                    field: "generations",
                    message: format!(
                        "{} line {}: no per-example `nll`/`tokens` (evaluate the run again)",
                        path.display(),
                        i + 1
                    ),
                });
            };
            keys.push((r.dialog, r.turn));
            gold.push(strategy_id(&r.gold_strategy, &path, i + 1)?);
            before.push(strategy_id(&r.before_strategy, &path, i + 1)?);
            after.push(strategy_id(&r.after_strategy, &path, i + 1)?);
            nll.push(n);
            tokens.push(t);
            generation.add(&r.generation, &[r.reference.as_str()])?;
        }
        Ok(RunScores {
            seed,
            keys,
            gold,
            before,
            after,
            nll,
            tokens,
            generation: generation.per_example()?,
        })
    }

    /// Number of test examples.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the run has no examples.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The [METRICS] on the examples `indices` (with repetition: a bootstrap resample).
    ///
    /// # Errors
    /// Metric errors (e.g. no examples).
    pub fn metrics_on(&self, indices: &[usize]) -> Result<[f64; METRICS.len()]> {
        let pick = |v: &[usize]| indices.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let (gold, before, after) = (pick(&self.gold), pick(&self.before), pick(&self.after));
        let f1 = esc_metrics::macro_f1(&gold, &after, Strategy::COUNT)?;
        let acc = esc_metrics::accuracy(&gold, &after)?;
        let changed =
            before.iter().zip(&after).filter(|(b, a)| b != a).count() as f64 / indices.len() as f64;
        let nll: f64 = indices.iter().map(|&i| self.nll[i]).sum();
        let tokens: f64 = indices.iter().map(|&i| self.tokens[i]).sum();
        let report = self.generation.report_on(indices)?;
        let at = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(f64::NAN);
        Ok([
            100.0 * f1,
            100.0 * acc,
            100.0 * changed,
            (nll / tokens).exp(),
            at(&report.bleu, 1),
            report.rouge_l,
            at(&report.distinct, 1),
        ])
    }
}

/// An arm's finished runs (one per seed, in seed order).
pub struct ArmRuns {
    /// The arm.
    pub arm: Arm,
    /// Its finished runs.
    pub runs: Vec<RunScores>,
}

/// Loads the finished runs (those with `test/generations.jsonl`) of each arm under `out`.
///
/// # Errors
/// As [RunScores::load].
pub fn load_arms(out: &Path, arms: &[Arm], seeds: &[u64]) -> Result<Vec<ArmRuns>> {
    arms.iter()
        .map(|&arm| {
            let mut runs = Vec::new();
            for &seed in seeds {
                let dir = run_dir(out, seed, arm);
                if dir.join("test").join("metrics.json").is_file() {
                    runs.push(RunScores::load(&dir, seed)?);
                }
            }
            Ok(ArmRuns { arm, runs })
        })
        .collect()
}

/// One metric of one contrast.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContrastCell {
    /// The metric's name ([METRICS]).
    pub metric: String,
    /// Per-seed deltas (B − A), in seed order.
    pub seed_deltas: Vec<f64>,
    /// Mean of the per-seed deltas with its t interval (`None` with fewer than 2 seeds).
    pub seed_ci: Option<MeanCi>,
    /// The paired bootstrap over test examples (metric averaged over the seeds).
    pub bootstrap: BootstrapResult,
    /// Both 95 % intervals exclude zero.
    pub significant: bool,
}

/// Arm `b` against arm `a` on the seeds both finished.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contrast {
    /// The baseline arm's name.
    pub a: String,
    /// The compared arm's name.
    pub b: String,
    /// The shared seeds.
    pub seeds: Vec<u64>,
    /// One cell per metric.
    pub cells: Vec<ContrastCell>,
}

/// The contrasts the experiment answers, as (baseline, compared): the loss alone, STAR with the
/// same loss, STAR against the plain head; and the same for the stage-2 branches.
pub const CONTRASTS: [(Arm, Arm); 6] = [
    (Arm::Joint, Arm::JointLst),
    (Arm::JointLst, Arm::Star),
    (Arm::Joint, Arm::Star),
    (Arm::JointContinued, Arm::JointLstContinued),
    (Arm::JointLstContinued, Arm::StarTwoStage),
    (Arm::JointContinued, Arm::StarTwoStage),
];

/// Settings of the paired bootstrap.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Seed of the resampling.
    pub seed: u64,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            resamples: 1000,
            seed: 0,
        }
    }
}

/// Computes the contrasts between the loaded arms (those with at least one shared seed).
///
/// # Errors
/// [TrainError::InvalidConfig] when two runs were tested on different examples; metric errors.
pub fn contrasts(arms: &[ArmRuns], options: ReportOptions) -> Result<Vec<Contrast>> {
    let find = |arm: Arm| arms.iter().find(|a| a.arm == arm);
    let mut out = Vec::new();
    for (a, b) in CONTRASTS {
        let (Some(ra), Some(rb)) = (find(a), find(b)) else {
            continue;
        };
        let pairs: Vec<(&RunScores, &RunScores)> = ra
            .runs
            .iter()
            .filter_map(|x| rb.runs.iter().find(|y| y.seed == x.seed).map(|y| (x, y)))
            .collect();
        if pairs.is_empty() {
            continue;
        }
        for (x, y) in &pairs {
            if x.keys != y.keys {
                return Err(TrainError::InvalidConfig {
                    field: "test split",
                    message: format!(
                        "{} and {} (seed {}) were tested on different examples",
                        a.name(),
                        b.name(),
                        x.seed
                    ),
                });
            }
        }
        out.push(contrast(a, b, &pairs, options)?);
    }
    Ok(out)
}

type Scores = [f64; METRICS.len()];

/// The [METRICS] of both arms on the examples `idx`, each averaged over the seeds.
fn mean_over_seeds(pairs: &[(&RunScores, &RunScores)], idx: &[usize]) -> Result<(Scores, Scores)> {
    let mut sa = [0.0; METRICS.len()];
    let mut sb = [0.0; METRICS.len()];
    for (x, y) in pairs {
        let (mx, my) = (x.metrics_on(idx)?, y.metrics_on(idx)?);
        for m in 0..METRICS.len() {
            sa[m] += mx[m] / pairs.len() as f64;
            sb[m] += my[m] / pairs.len() as f64;
        }
    }
    Ok((sa, sb))
}

fn contrast(
    a: Arm,
    b: Arm,
    pairs: &[(&RunScores, &RunScores)],
    options: ReportOptions,
) -> Result<Contrast> {
    let n = pairs[0].0.len();
    let all: Vec<usize> = (0..n).collect();
    // Per seed, per metric: B − A on the whole test split.
    let mut seed_deltas = vec![Vec::new(); METRICS.len()];
    for (x, y) in pairs {
        let (mx, my) = (x.metrics_on(&all)?, y.metrics_on(&all)?);
        for m in 0..METRICS.len() {
            seed_deltas[m].push(my[m] - mx[m]);
        }
    }
    // The bootstrap: the same resamples (same seed) for every metric, seed and both arms. The
    // first metric's pass scores every metric of each resample once; the others read them back
    // in the same call order.
    let bootstrap_options = BootstrapOptions {
        resamples: options.resamples,
        seed: options.seed,
        level: 0.95,
    };
    let mut cache: Vec<(usize, Scores, Scores)> = Vec::new();
    let mut failure: Option<TrainError> = None;
    let mut results = Vec::with_capacity(METRICS.len());
    for m in 0..METRICS.len() {
        let mut call = 0;
        let result = esc_metrics::paired_bootstrap(n, &bootstrap_options, |idx| {
            let fingerprint = idx
                .iter()
                .fold(0usize, |h, &i| h.wrapping_mul(31).wrapping_add(i));
            if m == 0 {
                match mean_over_seeds(pairs, idx) {
                    Ok((a, b)) => cache.push((fingerprint, a, b)),
                    Err(e) => {
                        failure.get_or_insert(e);
                        cache.push((
                            fingerprint,
                            [f64::NAN; METRICS.len()],
                            [f64::NAN; METRICS.len()],
                        ));
                    }
                }
            }
            let (f, a, b) = &cache[call];
            assert_eq!(
                *f, fingerprint,
                "the bootstrap resamples of every metric are the same"
            );
            call += 1;
            (a[m], b[m])
        });
        if let Some(e) = failure.take() {
            return Err(e);
        }
        results.push(result?);
    }
    let mut cells = Vec::new();
    for (m, ((name, _), bootstrap)) in METRICS.iter().zip(results).enumerate() {
        let seed_ci = if seed_deltas[m].len() >= 2 {
            Some(esc_metrics::mean_confidence_interval(
                &seed_deltas[m],
                0.95,
            )?)
        } else {
            None
        };
        let excludes_zero = |lo: f64, hi: f64| lo > 0.0 || hi < 0.0;
        let significant = excludes_zero(bootstrap.lo, bootstrap.hi)
            && seed_ci.as_ref().is_some_and(|c| excludes_zero(c.lo, c.hi));
        cells.push(ContrastCell {
            metric: (*name).into(),
            seed_deltas: seed_deltas[m].clone(),
            seed_ci,
            bootstrap,
            significant,
        });
    }
    Ok(Contrast {
        a: a.name().into(),
        b: b.name().into(),
        seeds: pairs.iter().map(|(x, _)| x.seed).collect(),
        cells,
    })
}

fn mean_cell(values: &[f64]) -> String {
    match values.len() {
        0 => "–".into(),
        1 => format!("{:.2}", values[0]),
        _ => match esc_metrics::mean_confidence_interval(values, 0.95) {
            Ok(ci) => format!(
                "{:.2} ± {:.2} [{:.2}, {:.2}]",
                ci.mean, ci.std, ci.lo, ci.hi
            ),
            Err(_) => "–".into(),
        },
    }
}

/// The Markdown report: one row per arm (mean ± std [95 % t interval] over its finished seeds)
/// and one row per contrast and metric.
///
/// # Errors
/// Metric errors.
pub fn markdown(arms: &[ArmRuns], contrasts: &[Contrast]) -> Result<String> {
    let names: Vec<&str> = METRICS.iter().map(|m| m.0).collect();
    let mut s = format!(
        "### Arms (mean ± std [95 % CI] over seeds)\n\n| Arm | seeds | {} |\n|---|---|{}\n",
        names.join(" | "),
        "---|".repeat(names.len())
    );
    for arm in arms.iter().filter(|a| !a.runs.is_empty()) {
        let mut columns = vec![Vec::new(); METRICS.len()];
        for run in &arm.runs {
            let all: Vec<usize> = (0..run.len()).collect();
            for (m, v) in run.metrics_on(&all)?.into_iter().enumerate() {
                columns[m].push(v);
            }
        }
        let seeds: Vec<String> = arm.runs.iter().map(|r| r.seed.to_string()).collect();
        let cells: Vec<String> = columns.iter().map(|c| mean_cell(c)).collect();
        s.push_str(&format!(
            "| {} | {} | {} |\n",
            arm.arm.label(),
            seeds.join(","),
            cells.join(" | ")
        ));
    }
    if !contrasts.is_empty() {
        s.push_str(
            "\n### Contrasts (B − A): per-seed mean [95 % t CI] · paired bootstrap over test examples [95 % CI], p\n\n",
        );
        s.push_str(&format!(
            "| A → B | seeds | {} |\n|---|---|{}\n",
            names.join(" | "),
            "---|".repeat(names.len())
        ));
        for c in contrasts {
            let cells: Vec<String> = c
                .cells
                .iter()
                .map(|cell| {
                    let seed = match &cell.seed_ci {
                        Some(ci) => format!("{:+.2} [{:+.2}, {:+.2}]", ci.mean, ci.lo, ci.hi),
                        None => format!("{:+.2}", cell.seed_deltas[0]),
                    };
                    let b = &cell.bootstrap;
                    format!(
                        "{seed} · [{:+.2}, {:+.2}] p={:.3}{}",
                        b.lo,
                        b.hi,
                        b.p_value,
                        if cell.significant { " *" } else { "" }
                    )
                })
                .collect();
            let seeds: Vec<String> = c.seeds.iter().map(u64::to_string).collect();
            s.push_str(&format!(
                "| {} → {} | {} | {} |\n",
                c.a,
                c.b,
                seeds.join(","),
                cells.join(" | ")
            ));
        }
        s.push_str("\n`*`: both the seed interval and the bootstrap interval exclude 0. Lower PPL is better.\n");
    }
    Ok(s)
}
