//! [TrainConfig]: every setting of a training run, with the reference's defaults.

use std::path::PathBuf;

use burn::tensor::Device;
use esc_models::{BlenderbotSmallConfig, EscModelConfig, HeadConfig, JointConfig};
use serde::{Deserialize, Serialize};
use star_core::{PoolingMode, StarConfig};

use super::error::{Result, TrainError};
use super::knowledge::KnowledgeConfig;

/// Model size presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// d 16, 2+2 layers: tests and the two-minute demo.
    Tiny,
    /// d 256, 4+4 layers: CPU runs on ESConv.
    Small,
    /// The BlenderBot-Small-90M architecture (8+8 layers, d 512).
    BlenderbotSmall90m,
}

impl Preset {
    /// The backbone of the preset for a vocabulary of `vocab_size` ids and positions for
    /// `max_len` tokens.
    pub fn backbone(self, vocab_size: usize, max_len: usize) -> BlenderbotSmallConfig {
        let base = match self {
            Preset::Tiny => BlenderbotSmallConfig::tiny(),
            Preset::Small => BlenderbotSmallConfig::small(),
            Preset::BlenderbotSmall90m => BlenderbotSmallConfig::blenderbot_small_90m(),
        };
        BlenderbotSmallConfig {
            vocab_size,
            max_position_embeddings: base.max_position_embeddings.max(max_len),
            ..base
        }
    }
}

/// The compute device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceKind {
    /// burn's pure-Rust CPU backend.
    Flex,
    /// The ndarray CPU backend.
    Ndarray,
    /// The first NVIDIA GPU (needs the `cuda` feature).
    Cuda,
}

impl DeviceKind {
    /// The (non-autodiff) device.
    ///
    /// # Errors
    /// [TrainError::InvalidConfig] for [DeviceKind::Cuda] in a build without the `cuda` feature.
    #[allow(deprecated)] // ndarray is deprecated in burn 0.22 but kept: our users named it
    pub fn device(self) -> Result<Device> {
        match self {
            DeviceKind::Flex => Ok(Device::flex()),
            DeviceKind::Ndarray => Ok(Device::ndarray()),
            #[cfg(feature = "cuda")]
            DeviceKind::Cuda => Ok(Device::cuda(0)),
            #[cfg(not(feature = "cuda"))]
            DeviceKind::Cuda => Err(TrainError::InvalidConfig {
                field: "device",
                message: "this build has no CUDA backend: rebuild with `--features cuda`".into(),
            }),
        }
    }
}

/// Where the tokenizer comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenizerSource {
    /// A folder with `vocab.json` and `merges.txt` (e.g. `blenderbot_small-90M`).
    Dir(PathBuf),
    /// A BPE vocabulary of this size trained on the training split (no download needed).
    TrainBpe(usize),
}

/// Every setting of a training run. Defaults: the STAR reference (`CONFIG/star.json`,
/// `train.py`) except the model size and the epoch count (see [TrainConfig::tiny]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// ESConv folder with `train/valid/test.jsonl`; `None` = the shipped sample dataset.
    pub data: Option<PathBuf>,
    /// The tokenizer.
    pub tokenizer: TokenizerSource,
    /// Model size.
    pub preset: Preset,
    /// Pretrained weights: an HF BlenderBot-Small folder (`config.json` + `model.safetensors`,
    /// or `pytorch_model.bin`); the architecture then comes from its `config.json`, not from
    /// `preset`, and `tokenizer` must be that model's vocabulary. `None`: random initialisation.
    #[serde(default)]
    pub init: Option<PathBuf>,
    /// The multitask head (default BlenderBot-Joint; missing in older configs = Joint).
    #[serde(default = "default_head")]
    pub head: HeadConfig,
    /// Attach STAR (`false` = the plain head).
    pub star: bool,
    /// STAR's pooling.
    pub pooling: PoolingMode,
    /// Epochs.
    pub epochs: usize,
    /// Two-stage training (the paper's Table 1 setting): the last `stage_two_epochs` epochs
    /// train only STAR and the shared embedding, everything else frozen. 0: one stage.
    #[serde(default)]
    pub stage_two_epochs: usize,
    /// Micro-batch size (reference 64).
    pub batch_size: usize,
    /// Micro-batches per optimizer step (reference 2).
    pub grad_accum: usize,
    /// Peak learning rate (reference 3e-5).
    pub lr: f64,
    /// Linear warmup, in optimizer steps (reference 100).
    pub warmup: usize,
    /// `λ0` of the log schedule (reference 0.8); BlenderBot-Joint uses λ = 0.
    pub lambda0: f64,
    /// Seed of initialisation, batch order and dropout (reference 13).
    pub seed: u64,
    /// Encoder input length (160).
    pub max_input_len: usize,
    /// Response length (40).
    pub max_target_len: usize,
    /// AdamW weight decay (0.01).
    pub weight_decay: f64,
    /// AdamW epsilon (1e-8, torch's default).
    pub adam_epsilon: f64,
    /// Global gradient-norm clipping (1.0); `None` disables it.
    pub clip_norm: Option<f64>,
    /// Compute device.
    pub device: DeviceKind,
    /// Batch size of validation, test and generation.
    pub eval_batch_size: usize,
    /// Checkpoints kept besides the best one.
    pub keep_last: usize,
    /// Use at most this many training examples (`None` = all): quick runs and tests.
    pub max_train_examples: Option<usize>,
    /// Use at most this many validation / test examples (`None` = all).
    pub max_eval_examples: Option<usize>,
    /// Print a line every this many optimizer steps (0 = never).
    pub log_every: usize,
    /// KEMI-style knowledge input (with the Joint head): knowledge appended to the encoder input,
    /// 8 knowledge tokens after the strategy tokens ([KnowledgeConfig]). `None` (the default, and
    /// what older configs mean): none.
    #[serde(default)]
    pub knowledge: Option<KnowledgeConfig>,
}

fn default_head() -> HeadConfig {
    HeadConfig::Joint(JointConfig::new(esc_data::Strategy::COUNT))
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            data: None,
            tokenizer: TokenizerSource::TrainBpe(2000),
            preset: Preset::Small,
            init: None,
            head: default_head(),
            star: true,
            pooling: PoolingMode::Full,
            epochs: 10,
            stage_two_epochs: 0,
            batch_size: 64,
            grad_accum: 2,
            lr: 3e-5,
            warmup: 100,
            lambda0: 0.8,
            seed: 13,
            max_input_len: 160,
            max_target_len: 40,
            weight_decay: 0.01,
            adam_epsilon: 1e-8,
            clip_norm: Some(1.0),
            device: DeviceKind::Flex,
            eval_batch_size: 32,
            keep_last: 2,
            max_train_examples: None,
            max_eval_examples: None,
            log_every: 1,
            knowledge: None,
        }
    }
}

impl TrainConfig {
    /// The demo configuration: the sample dataset, a BPE vocabulary of 1,000 trained on it, the
    /// tiny model, 10 epochs with a large learning rate: a demo that learns something in seconds.
    pub fn tiny() -> Self {
        Self {
            tokenizer: TokenizerSource::TrainBpe(1000),
            preset: Preset::Tiny,
            epochs: 10,
            batch_size: 8,
            grad_accum: 1,
            lr: 3e-3,
            warmup: 5,
            max_input_len: 96,
            max_target_len: 32,
            eval_batch_size: 16,
            ..Self::default()
        }
    }

    /// Training `preset` from scratch. The reference's learning rate (3e-5) is for fine-tuning
    /// pretrained weights; random weights need a larger one. `Tiny` is [TrainConfig::tiny];
    /// `Small` (CPU): BPE 8,000, batch 32, lr 5e-4, warmup 100; `BlenderbotSmall90m`: BPE
    /// 8,000, the reference's batch (64 x 2), lr 3e-4, warmup 100. Use [TrainConfig::fine_tune]
    /// with pretrained weights.
    pub fn from_scratch(preset: Preset) -> Self {
        match preset {
            Preset::Tiny => Self::tiny(),
            Preset::Small => Self {
                preset,
                tokenizer: TokenizerSource::TrainBpe(8000),
                batch_size: 32,
                grad_accum: 1,
                lr: 5e-4,
                ..Self::default()
            },
            Preset::BlenderbotSmall90m => Self {
                preset,
                tokenizer: TokenizerSource::TrainBpe(8000),
                lr: 3e-4,
                ..Self::default()
            },
        }
    }

    /// Fine-tuning pretrained BlenderBot-Small weights in `dir` exactly as the reference: its
    /// tokenizer, batch 64 x 2, lr 3e-5, warmup 100, λ0 0.8, 10 epochs.
    pub fn fine_tune(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Self {
            preset: Preset::BlenderbotSmall90m,
            tokenizer: TokenizerSource::Dir(dir.clone()),
            init: Some(dir),
            ..Self::default()
        }
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [TrainError::InvalidConfig] naming the field.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("epochs", self.epochs),
            ("batch_size", self.batch_size),
            ("grad_accum", self.grad_accum),
            ("max_input_len", self.max_input_len),
            ("max_target_len", self.max_target_len),
            ("eval_batch_size", self.eval_batch_size),
        ];
        for (field, v) in positive {
            if v == 0 {
                return Err(TrainError::InvalidConfig {
                    field,
                    message: "must be positive".into(),
                });
            }
        }
        if self.stage_two_epochs > 0 && (!self.star || self.stage_two_epochs >= self.epochs) {
            return Err(TrainError::InvalidConfig {
                field: "stage_two_epochs",
                message: format!(
                    "stage two trains STAR alone: it needs STAR and fewer epochs than the {} of the run, got {}{}",
                    self.epochs,
                    self.stage_two_epochs,
                    if self.star { "" } else { " without STAR" }
                ),
            });
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(TrainError::InvalidConfig {
                field: "lr",
                message: format!("must be a positive number, got {}", self.lr),
            });
        }
        if !(0.0..=1.0).contains(&self.lambda0) {
            return Err(TrainError::InvalidConfig {
                field: "lambda0",
                message: format!("must be in [0, 1], got {}", self.lambda0),
            });
        }
        if let Some(c) = self.clip_norm
            && !(c.is_finite() && c > 0.0)
        {
            return Err(TrainError::InvalidConfig {
                field: "clip_norm",
                message: format!("must be positive, got {c}"),
            });
        }
        if self.knowledge.is_some() && !matches!(self.head, HeadConfig::Joint(_)) {
            return Err(TrainError::InvalidConfig {
                field: "knowledge",
                message: "KEMI-style knowledge inputs need the Joint head".into(),
            });
        }
        if let HeadConfig::Emstremo(h) = &self.head {
            h.validate().map_err(|e| TrainError::InvalidConfig {
                field: "head",
                message: e.to_string(),
            })?;
        }
        Ok(())
    }

    /// The model configuration for a vocabulary of `vocab_size` ids (strategy tokens last).
    ///
    /// # Errors
    /// [TrainError::Model] if the `config.json` of [TrainConfig::init] cannot be read.
    pub fn model_config(&self, vocab_size: usize) -> Result<EscModelConfig> {
        let backbone = match &self.init {
            Some(dir) => BlenderbotSmallConfig {
                vocab_size,
                ..BlenderbotSmallConfig::load(dir.join("config.json"))?
            },
            // Decoder positions: `<s>` + labels, after the head's prepended embeddings.
            None => self.preset.backbone(
                vocab_size,
                self.max_input_len
                    .max(self.max_target_len + 2 + self.head.decoder_prefix_len()),
            ),
        };
        let star = self.star.then(|| {
            StarConfig::reference(backbone.d_model, esc_data::Strategy::COUNT)
                .with_pooling(self.pooling)
        });
        let mut head = self.head.clone();
        // KEMI-style: the knowledge tokens follow the strategy tokens at the end of the vocabulary.
        if self.knowledge.is_some()
            && let HeadConfig::Joint(joint) = &mut head
            && joint.first_strategy_token.is_none()
        {
            joint.first_strategy_token = Some(
                vocab_size.saturating_sub(joint.n_strategies + esc_data::KNOWLEDGE_TOKENS.len()),
            );
        }
        Ok(EscModelConfig {
            backbone,
            head,
            star,
        })
    }

    /// Whether zero-based `epoch` belongs to stage two (see [TrainConfig::stage_two_epochs]).
    pub fn in_stage_two(&self, epoch: usize) -> bool {
        self.stage_two_epochs > 0 && epoch + self.stage_two_epochs >= self.epochs
    }

    /// `λ` at zero-based `epoch`: the log schedule with STAR, 0 for BlenderBot-Joint (whose only
    /// loss is `L_LM`, the strategy token being its first label).
    pub fn lambda(&self, epoch: usize) -> f64 {
        if self.star {
            star_core::LambdaSchedule::Log {
                lambda0: self.lambda0,
            }
            .lambda(epoch, self.epochs)
        } else {
            0.0
        }
    }
}
