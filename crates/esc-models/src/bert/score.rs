//! BERTScore (Zhang et al., 2020, "BERTScore: Evaluating Text Generation with BERT"), value-exact
//! with the `bert-score` package 0.3.13 (`bert_score.score(cands, refs, model_type=DIR,
//! num_layers=L)`, `bert_score/utils.py: greedy_cos_idf`):
//!
//! - every text is encoded as `[CLS] wordpieces [SEP]` and embedded with the hidden states after
//!   `num_layers` layers, each token vector scaled to unit length;
//! - precision averages, over the candidate's tokens, each token's best cosine similarity with any
//!   reference token; recall swaps the roles; F1 = 2PR / (P + R);
//! - the averages are weighted: 1 per token (or its idf over the references, `log((M + 1) / (df + 1))`,
//!   with `idf = true`), and 0 for `[CLS]` and `[SEP]`, which still take part in the matching;
//! - a candidate or reference without tokens scores P = R = F = 0 (bert-score warns and does so).
//!
//! No baseline rescaling (bert-score's default `rescale_with_baseline=False`). One difference: in
//! bert-score's padded batches a padded position counts as similarity 0, so 0 wins a max whose true
//! similarities are all negative; here the max runs over true tokens only. Trained encoders give
//! positive similarities between contextual vectors, where the two agree.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::config::BertConfig;
use super::model::BertModel;
use super::tokenizer::BertTokenizer;
use super::weights::load_bert;
use crate::error::Error;

/// BERTScore of one candidate against its reference (fractions in `[-1, 1]`, usually `(0, 1]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BertScore {
    /// Precision (candidate tokens matched in the reference).
    pub precision: f64,
    /// Recall (reference tokens matched in the candidate).
    pub recall: f64,
    /// Harmonic mean of the two (0 where bert-score's is NaN).
    pub f1: f64,
}

impl BertScore {
    /// The mean of each field over `scores` (bert-score's corpus number; `None` when empty).
    pub fn mean(scores: &[BertScore]) -> Option<BertScore> {
        if scores.is_empty() {
            return None;
        }
        let n = scores.len() as f64;
        Some(BertScore {
            precision: scores.iter().map(|s| s.precision).sum::<f64>() / n,
            recall: scores.iter().map(|s| s.recall).sum::<f64>() / n,
            f1: scores.iter().map(|s| s.f1).sum::<f64>() / n,
        })
    }
}

/// Settings of [BertScorer::score].
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOptions {
    /// Weight tokens by their idf over the references (bert-score's `idf=True`). Default: `false`.
    pub idf: bool,
    /// Texts per forward pass. Default: 64 (bert-score's default).
    pub batch_size: usize,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        Self {
            idf: false,
            batch_size: 64,
        }
    }
}

/// A BERT encoder, its tokenizer and the layer whose hidden states are matched.
#[derive(Debug)]
pub struct BertScorer {
    model: BertModel,
    tokenizer: BertTokenizer,
    num_layers: usize,
    pad_id: u32,
    device: Device,
}

/// Unit-length token vectors of one text and the weight of each token.
struct Embedded {
    vectors: Vec<f32>,
    weights: Vec<f64>,
}

impl BertScorer {
    /// Loads the HF model folder `dir` (`config.json`, `model.safetensors` or `pytorch_model.bin`,
    /// `tokenizer.json` or `vocab.txt`, optional `tokenizer_config.json`) onto `device` (without
    /// its autodiff association: scoring never trains, and dropout stays off). `num_layers`: the layer whose hidden states are
    /// matched (bert-score's `num_layers`); `None` takes the last.
    ///
    /// # Errors
    /// [Error::MissingModelFile] for a missing file, the errors of [BertConfig::load],
    /// [BertTokenizer::from_dir] and [load_bert], [Error::InvalidConfig] when `num_layers` exceeds
    /// the model's `num_hidden_layers`.
    pub fn from_dir(
        dir: impl AsRef<Path>,
        num_layers: Option<usize>,
        device: &Device,
    ) -> Result<Self, Error> {
        let dir = dir.as_ref();
        let device = &device.clone().without_autodiff();
        if !dir.is_dir() {
            return Err(Error::MissingModelFile {
                dir: dir.to_path_buf(),
                expected: "the folder itself".into(),
            });
        }
        let config_path = dir.join("config.json");
        if !config_path.is_file() {
            return Err(Error::MissingModelFile {
                dir: dir.to_path_buf(),
                expected: "config.json".into(),
            });
        }
        let config = BertConfig::load(&config_path)?;
        let num_layers = num_layers.unwrap_or(config.num_hidden_layers);
        if num_layers > config.num_hidden_layers {
            return Err(Error::InvalidConfig {
                path: Some(config_path),
                field: "num_layers",
                expected: format!(
                    "at most num_hidden_layers {}, found {num_layers}",
                    config.num_hidden_layers
                ),
            });
        }
        let weights = ["model.safetensors", "pytorch_model.bin"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| Error::MissingModelFile {
                dir: dir.to_path_buf(),
                expected: "model.safetensors or pytorch_model.bin".into(),
            })?;
        let tokenizer = BertTokenizer::from_dir(dir, config.max_position_embeddings)?;
        let mut model = config.init(device);
        load_bert(&mut model, &weights)?;
        Ok(Self {
            model,
            tokenizer,
            num_layers,
            pad_id: config.pad_token_id,
            device: device.clone(),
        })
    }

    /// The encoder.
    pub fn model(&self) -> &BertModel {
        &self.model
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &BertTokenizer {
        &self.tokenizer
    }

    /// The layer whose hidden states are matched.
    pub fn num_layers(&self) -> usize {
        self.num_layers
    }

    /// BERTScore of each candidate against the reference at the same index.
    ///
    /// # Errors
    /// [Error::LengthMismatch] when the lists differ in length, [Error::InvalidConfig] for a zero
    /// batch size, [Error::Tokenizer] when a text cannot be encoded.
    pub fn score<S: AsRef<str>>(
        &self,
        candidates: &[S],
        references: &[S],
        options: &ScoreOptions,
    ) -> Result<Vec<BertScore>, Error> {
        if candidates.len() != references.len() {
            return Err(Error::LengthMismatch {
                what: "candidates vs references",
                left: candidates.len(),
                right: references.len(),
            });
        }
        if options.batch_size == 0 {
            return Err(Error::InvalidConfig {
                path: None,
                field: "batch_size",
                expected: "a positive integer, found 0".into(),
            });
        }
        let encode = |texts: &[S]| -> Result<Vec<Vec<u32>>, Error> {
            texts
                .iter()
                .map(|t| self.tokenizer.encode(t.as_ref()))
                .collect()
        };
        let cand_ids = encode(candidates)?;
        let ref_ids = encode(references)?;
        let idf = options.idf.then(|| idf_weights(&ref_ids));
        let weight = |id: u32| -> f64 {
            if id == self.tokenizer.cls_id() || id == self.tokenizer.sep_id() {
                0.0
            } else {
                match &idf {
                    Some(idf) => idf.get(&id).copied().unwrap_or(idf_of(ref_ids.len(), 0)),
                    None => 1.0,
                }
            }
        };
        let mut scores = Vec::with_capacity(candidates.len());
        for (cands, refs) in cand_ids
            .chunks(options.batch_size)
            .zip(ref_ids.chunks(options.batch_size))
        {
            let cands = self.embed(cands, &weight);
            let refs = self.embed(refs, &weight);
            scores.extend(cands.iter().zip(&refs).map(|(c, r)| greedy_match(c, r)));
        }
        Ok(scores)
    }

    /// Embeds a batch of id sequences (right-padded together) into unit-length token vectors.
    fn embed(&self, batch: &[Vec<u32>], weight: &dyn Fn(u32) -> f64) -> Vec<Embedded> {
        let b = batch.len();
        let t = batch.iter().map(Vec::len).max().unwrap_or(0);
        if b == 0 || t == 0 {
            return Vec::new();
        }
        let mut ids = vec![self.pad_id as i64; b * t];
        let mut pad = vec![true; b * t];
        for (row, seq) in batch.iter().enumerate() {
            for (col, &id) in seq.iter().enumerate() {
                ids[row * t + col] = id as i64;
                pad[row * t + col] = false;
            }
        }
        let input_ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [b, t]), &self.device);
        let mask_pad = Tensor::<2, Bool>::from_data(TensorData::new(pad, [b, t]), &self.device);
        let hidden = self.model.forward(input_ids, mask_pad, self.num_layers);
        let d = hidden.dims()[2];
        let values = hidden
            .into_data()
            .try_to_vec::<f32>()
            .expect("hidden states are f32");
        batch
            .iter()
            .enumerate()
            .map(|(row, seq)| {
                let mut vectors = values[row * t * d..(row * t + seq.len()) * d].to_vec();
                for v in vectors.chunks_mut(d) {
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    v.iter_mut().for_each(|x| *x /= norm);
                }
                Embedded {
                    vectors,
                    weights: seq.iter().map(|&id| weight(id)).collect(),
                }
            })
            .collect()
    }
}

/// bert-score's idf: `log((M + 1) / (df + 1))` for a token in `df` of the `M` references.
fn idf_of(n_refs: usize, df: usize) -> f64 {
    ((n_refs as f64 + 1.0) / (df as f64 + 1.0)).ln()
}

fn idf_weights(references: &[Vec<u32>]) -> HashMap<u32, f64> {
    let mut df: HashMap<u32, usize> = HashMap::new();
    for ids in references {
        for id in ids.iter().copied().collect::<HashSet<u32>>() {
            *df.entry(id).or_default() += 1;
        }
    }
    df.into_iter()
        .map(|(id, n)| (id, idf_of(references.len(), n)))
        .collect()
}

/// Greedy matching of `greedy_cos_idf` for one pair.
fn greedy_match(cand: &Embedded, reference: &Embedded) -> BertScore {
    let (nc, nr) = (cand.weights.len(), reference.weights.len());
    // `[CLS] [SEP]` only: bert-score zeroes P and R (and F becomes 0).
    if nc <= 2 || nr <= 2 {
        return BertScore {
            precision: 0.0,
            recall: 0.0,
            f1: 0.0,
        };
    }
    let d = cand.vectors.len() / nc;
    let mut best_c = vec![f64::NEG_INFINITY; nc];
    let mut best_r = vec![f64::NEG_INFINITY; nr];
    for (i, c) in cand.vectors.chunks(d).enumerate() {
        for (j, r) in reference.vectors.chunks(d).enumerate() {
            let sim: f64 = c.iter().zip(r).map(|(a, b)| (a * b) as f64).sum();
            best_c[i] = best_c[i].max(sim);
            best_r[j] = best_r[j].max(sim);
        }
    }
    let weighted = |best: &[f64], weights: &[f64]| {
        let total: f64 = weights.iter().sum();
        best.iter().zip(weights).map(|(b, w)| b * w).sum::<f64>() / total
    };
    let precision = weighted(&best_c, &cand.weights);
    let recall = weighted(&best_r, &reference.weights);
    let f1 = 2.0 * precision * recall / (precision + recall);
    BertScore {
        precision,
        recall,
        f1: if f1.is_nan() { 0.0 } else { f1 },
    }
}
