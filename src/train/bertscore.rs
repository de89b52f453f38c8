//! BERTScore of the generations in the evaluation report (the paper's Table 2: BERT-P, BERT-R,
//! BERT-F), with a local BERT-family model folder and `esc_models::bert::BertScorer` (feature
//! `bertscore`, on by default).

use std::path::PathBuf;

use burn::tensor::Device;
#[cfg(feature = "bertscore")]
use esc_models::bert::{BertScore, ScoreOptions};
use serde::{Deserialize, Serialize};

use super::error::Result;

/// The encoder that scores the generations.
#[cfg(feature = "bertscore")]
pub(crate) type Scorer = esc_models::bert::BertScorer;

/// Without the `bertscore` feature no scorer can exist.
#[cfg(not(feature = "bertscore"))]
pub(crate) enum Scorer {}

/// Which encoder scores the generations (a field of [super::EvalOptions]).
#[derive(Debug, Clone, PartialEq)]
pub struct BertScoreSettings {
    /// An HF model folder: `config.json`, `model.safetensors` (or `pytorch_model.bin`),
    /// `tokenizer.json` (or `vocab.txt`).
    pub model_dir: PathBuf,
    /// The layer whose hidden states are matched (bert-score's `num_layers`). Default (`None`):
    /// the model's last.
    pub num_layers: Option<usize>,
    /// Weight tokens by their idf over the test references. Default: `false`.
    pub idf: bool,
}

impl BertScoreSettings {
    /// The last layer of the model in `model_dir`, no idf.
    pub fn new(model_dir: impl Into<PathBuf>) -> Self {
        Self {
            model_dir: model_dir.into(),
            num_layers: None,
            idf: false,
        }
    }

    /// Loads the scorer (fails fast, before generation, on a bad folder).
    #[cfg(feature = "bertscore")]
    pub(crate) fn load(&self, device: &Device) -> Result<Scorer> {
        Ok(Scorer::from_dir(&self.model_dir, self.num_layers, device)?)
    }

    /// Without the `bertscore` feature: an error that names it.
    #[cfg(not(feature = "bertscore"))]
    pub(crate) fn load(&self, _device: &Device) -> Result<Scorer> {
        Err(super::error::TrainError::InvalidConfig {
            field: "bertscore",
            message: "this build of star-esc has no BERTScore: enable its `bertscore` feature"
                .into(),
        })
    }
}

/// Corpus BERTScore of the generations: the means of the per-pair scores (fractions, as the
/// paper's Table 2 prints them), and the settings that produced them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BertScoreReport {
    /// The model folder.
    pub model_dir: String,
    /// The layer matched.
    pub num_layers: usize,
    /// Whether idf weighting was on.
    pub idf: bool,
    /// Mean precision.
    pub precision: f64,
    /// Mean recall.
    pub recall: f64,
    /// Mean F1.
    pub f1: f64,
}

/// Scores `generations` against `references` (one each, same order).
#[cfg(not(feature = "bertscore"))]
pub(crate) fn score_generations(
    scorer: &Scorer,
    _settings: &BertScoreSettings,
    _generations: &[String],
    _references: &[String],
    _batch_size: usize,
) -> Result<BertScoreReport> {
    match *scorer {}
}

/// Scores `generations` against `references` (one each, same order).
#[cfg(feature = "bertscore")]
pub(crate) fn score_generations(
    scorer: &Scorer,
    settings: &BertScoreSettings,
    generations: &[String],
    references: &[String],
    batch_size: usize,
) -> Result<BertScoreReport> {
    let options = ScoreOptions {
        idf: settings.idf,
        batch_size: batch_size.max(1),
    };
    let scores = scorer.score(generations, references, &options)?;
    let nan = BertScore {
        precision: f64::NAN,
        recall: f64::NAN,
        f1: f64::NAN,
    };
    let mean = BertScore::mean(&scores).unwrap_or(nan);
    Ok(BertScoreReport {
        model_dir: settings.model_dir.display().to_string(),
        num_layers: scorer.num_layers(),
        idf: settings.idf,
        precision: mean.precision,
        recall: mean.recall,
        f1: mean.f1,
    })
}
