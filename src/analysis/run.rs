//! The three analyses of a trained run, as `examples/analyze.rs` runs them: open the run's
//! checkpoint and data, compute, write `<run>/analysis/<name>.{md,json}` and the figures, and
//! rebuild `<run>/analysis/analysis.md` from the sections present.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::Device;
use esc_data::{EscBatcher, EscExample, Strategy, load_splits, sample_splits};
use serde::Serialize;

use super::clusters::{ClusterAnalysis, cluster_analysis};
use super::error::{AnalysisError, Result};
use super::gates::{GateStats, gate_stats, read_gate_records};
use super::grad_conflict::{GradConflict, grad_conflict, gradient_model};
use super::kmeans::KMeansConfig;
use super::representations::{StateChoice, pooled_states};
use super::tsne::TsneConfig;
use crate::plots::{Heatmaps, Histograms, Scatter, save_figure};
use crate::train::{CheckpointChoice, RunData, TrainedRun};

/// The folder of a run that holds the analysis files.
pub const ANALYSIS_DIR: &str = "analysis";

/// Which split's examples an analysis reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SplitChoice {
    /// Validation.
    Valid,
    /// Test (the default).
    #[default]
    Test,
}

/// Where and what to analyse.
#[derive(Debug, Clone)]
pub struct RunAnalysis {
    /// The run folder (with `config.json`, `checkpoints/`, `tokenizer/`).
    pub run_dir: PathBuf,
    /// The checkpoint.
    pub checkpoint: CheckpointChoice,
    /// The dataset folder, `None` = the run's own (`config.json`'s `data`).
    pub data: Option<PathBuf>,
    /// The split.
    pub split: SplitChoice,
    /// Examples per batch.
    pub batch_size: usize,
    /// The (non-autodiff) device.
    pub device: Device,
}

impl RunAnalysis {
    /// Test split, best checkpoint, batches of 16, on `device`.
    pub fn new(run_dir: impl Into<PathBuf>, device: Device) -> Self {
        Self {
            run_dir: run_dir.into(),
            checkpoint: CheckpointChoice::Best,
            data: None,
            split: SplitChoice::Test,
            batch_size: 16,
            device,
        }
    }

    /// `<run>/analysis`.
    pub fn out_dir(&self) -> PathBuf {
        self.run_dir.join(ANALYSIS_DIR)
    }

    /// The run's model on `device` and the examples of the chosen split (built with the run's
    /// tokenizer and lengths; `max_eval_examples` applies).
    fn open(&self, device: &Device) -> Result<(TrainedRun, Vec<EscExample>)> {
        let run = TrainedRun::open(&self.run_dir, self.checkpoint, device)?;
        let data_dir = self.data.clone().or_else(|| run.config.data.clone());
        let splits = match &data_dir {
            Some(dir) => load_splits(dir).map_err(crate::train::TrainError::from)?,
            None => sample_splits().map_err(crate::train::TrainError::from)?,
        };
        let data = RunData::from_splits(&run.config, &splits, run.tokenizer.clone())?;
        let examples = match self.split {
            SplitChoice::Valid => data.valid,
            SplitChoice::Test => data.test,
        };
        Ok((run, examples))
    }

    fn write(&self, name: &str, markdown: &str, json: &impl Serialize) -> Result<()> {
        let dir = self.out_dir();
        std::fs::create_dir_all(&dir).map_err(|e| AnalysisError::io(&dir, e))?;
        let md = dir.join(format!("{name}.md"));
        std::fs::write(&md, markdown).map_err(|e| AnalysisError::io(&md, e))?;
        let path = dir.join(format!("{name}.json"));
        let text = serde_json::to_string_pretty(json).map_err(|e| AnalysisError::BadLine {
            path: path.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        std::fs::write(&path, text).map_err(|e| AnalysisError::io(&path, e))?;
        write_report(&dir)
    }

    /// Gradient conflict over the first `n_batches` batches (see [grad_conflict]); writes
    /// `grad_conflict.{md,json,png,svg}`.
    ///
    /// # Errors
    /// Opening the run or data, [AnalysisError::InvalidInput], drawing and I/O errors.
    pub fn grad_conflict(&self, n_batches: usize) -> Result<GradConflict> {
        let start = Instant::now();
        let device = self.device.clone().autodiff();
        let (run, examples) = self.open(&device)?;
        let model = gradient_model(&run.model);
        let batcher = EscBatcher::for_tokenizer(&run.tokenizer);
        let result = grad_conflict(
            &model,
            &examples,
            &batcher,
            self.batch_size,
            n_batches,
            None,
            &device,
        )?;
        let stem = self.out_dir().join("grad_conflict");
        save_figure(
            &Heatmaps {
                title: format!("Gradient cosine similarity ({})", run_name(&self.run_dir)),
                labels: result.terms.clone(),
                panels: result
                    .groups
                    .iter()
                    .map(|g| (g.group.clone(), g.mean.clone()))
                    .collect(),
            },
            &stem,
        )?;
        let md = format!(
            "## Gradient conflict\n\n{} checkpoint epoch {}, {} split, {:.1} s.\n\n{}\n![gradient cosine](grad_conflict.png)\n",
            run_name(&self.run_dir),
            run.epoch,
            split_name(self.split),
            start.elapsed().as_secs_f64(),
            result.to_markdown()
        );
        self.write("grad_conflict", &md, &result)?;
        Ok(result)
    }

    /// Representation clusters of the first `max_examples` examples (see [cluster_analysis]);
    /// writes `clusters.{md,json,png,svg}`.
    ///
    /// # Errors
    /// As [RunAnalysis::grad_conflict].
    pub fn clusters(
        &self,
        max_examples: usize,
        states: StateChoice,
        kmeans_config: &KMeansConfig,
        tsne_config: &TsneConfig,
    ) -> Result<ClusterAnalysis> {
        let start = Instant::now();
        let (run, mut examples) = self.open(&self.device)?;
        examples.truncate(max_examples);
        let batcher = EscBatcher::for_tokenizer(&run.tokenizer);
        let points = pooled_states(
            &run.model,
            &examples,
            &batcher,
            self.batch_size,
            states,
            &self.device,
        );
        let gold: Vec<usize> = examples.iter().map(|e| e.strategy.id()).collect();
        let result = cluster_analysis(&points, &gold, kmeans_config, tsne_config)?;
        let names: Vec<String> = Strategy::ALL.iter().map(|s| s.name().to_string()).collect();
        let clusters: Vec<String> = (0..kmeans_config.k)
            .map(|c| format!("cluster {c}"))
            .collect();
        save_figure(
            &Scatter {
                title: format!(
                    "t-SNE of pooled decoder states ({}, {:?})",
                    run_name(&self.run_dir),
                    states
                ),
                points: result.tsne.clone(),
                panels: vec![
                    ("gold strategy".into(), result.gold.clone(), names),
                    (
                        format!("k-means (k = {})", kmeans_config.k),
                        result.clusters.clone(),
                        clusters,
                    ),
                ],
            },
            &self.out_dir().join("clusters"),
        )?;
        let md = format!(
            "## Representation clusters\n\n{} checkpoint epoch {}, {} split, first {} examples; states: \
             {:?} (mean over the non-padding decoder positions of a teacher-forced pass; STAR with the \
             predicted expert); k-means++ seed {}, {} starts; t-SNE perplexity {}, {} iterations, seed \
             {}; {:.1} s.\n\n{}\n![t-SNE scatter](clusters.png)\n",
            run_name(&self.run_dir),
            run.epoch,
            split_name(self.split),
            result.examples,
            states,
            kmeans_config.seed,
            kmeans_config.n_init,
            tsne_config.perplexity,
            tsne_config.epochs,
            tsne_config.seed,
            start.elapsed().as_secs_f64(),
            result.to_markdown()
        );
        self.write("clusters", &md, &result)?;
        Ok(result)
    }

    /// Gate statistics and strategy transitions from `generations` (default:
    /// `<run>/test/generations.jsonl`); writes `gates.{md,json,png,svg}` (the histogram only
    /// with gate values).
    ///
    /// # Errors
    /// [AnalysisError::Io] / [AnalysisError::BadLine] for the file, drawing and I/O errors.
    pub fn gates(&self, generations: Option<&Path>) -> Result<GateStats> {
        let default = self.run_dir.join("test").join("generations.jsonl");
        let path = generations.unwrap_or(&default);
        let records = read_gate_records(path)?;
        let stats = gate_stats(&records)?;
        let mut md = format!(
            "## STAR gate and strategy changes\n\n{} ({} examples of `{}`).\n\n{}",
            run_name(&self.run_dir),
            stats.examples,
            path.display(),
            stats.to_markdown()
        );
        if !stats.by_gold.is_empty() {
            save_figure(
                &Histograms {
                    title: format!("STAR gate g by gold strategy ({})", run_name(&self.run_dir)),
                    x_desc: "g".into(),
                    panels: GateStats::gold_groups(&records),
                    bins: 20,
                },
                &self.out_dir().join("gates"),
            )?;
            md.push_str("\n![gate histogram](gates.png)\n");
        }
        self.write("gates", &md, &stats)?;
        Ok(stats)
    }
}

fn split_name(split: SplitChoice) -> &'static str {
    match split {
        SplitChoice::Valid => "valid",
        SplitChoice::Test => "test",
    }
}

/// The last two path components (`seed-1/star`).
fn run_name(dir: &Path) -> String {
    let parts: Vec<String> = dir
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

/// Rebuilds `<dir>/analysis.md` from the sections present (`grad_conflict.md`, `clusters.md`,
/// `gates.md`).
///
/// # Errors
/// [AnalysisError::Io].
pub fn write_report(dir: &Path) -> Result<()> {
    let mut s = String::from("# Analysis\n\n");
    for name in ["grad_conflict", "clusters", "gates"] {
        let p = dir.join(format!("{name}.md"));
        if p.exists() {
            let text = std::fs::read_to_string(&p).map_err(|e| AnalysisError::io(&p, e))?;
            s.push_str(&text);
            s.push('\n');
        }
    }
    let out = dir.join("analysis.md");
    std::fs::write(&out, s).map_err(|e| AnalysisError::io(&out, e))
}
