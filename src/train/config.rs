//! [TrainConfig]: every setting of a training run, with the reference's defaults.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use esc_models::config_fields;
use esc_models::json_config::{
    InvalidField, JsonConfig, check_positive, check_positive_numbers, load_json_config,
};
use esc_models::{BlenderbotSmallConfig, EscModelConfig, HeadConfig, JointConfig};
use serde::{Deserialize, Serialize};
use star_core::{LambdaSchedule, PoolingMode};

use super::error::{Result, TrainError};
use super::knowledge::KnowledgeConfig;
use super::star_options::StarOptions;

/// Model size presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// d 16, 2+2 layers: tests and the two-minute demo.
    Tiny,
    /// d 128, 2+2 layers: controlled experiments on the whole of ESConv on a CPU.
    Mini,
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
            Preset::Mini => BlenderbotSmallConfig::mini(),
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
    /// [TrainError::InvalidConfig] for a backend whose cargo feature (`flex`, `ndarray`, `cuda`)
    /// this build does not have.
    #[allow(deprecated)] // ndarray is deprecated in burn 0.22 but kept: our users named it
    pub fn device(self) -> Result<Device> {
        match self {
            #[cfg(feature = "flex")]
            DeviceKind::Flex => Ok(Device::flex()),
            #[cfg(not(feature = "flex"))]
            DeviceKind::Flex => Err(missing_backend("flex")),
            #[cfg(feature = "ndarray")]
            DeviceKind::Ndarray => Ok(Device::ndarray()),
            #[cfg(not(feature = "ndarray"))]
            DeviceKind::Ndarray => Err(missing_backend("ndarray")),
            #[cfg(feature = "cuda")]
            DeviceKind::Cuda => {
                // Without the driver, cubecl panics on a runtime thread at the first tensor
                // operation (cudarc: "Unable to dynamically load the \"cuda\" shared library").
                #[cfg(unix)]
                cuda_driver::check().map_err(|message| TrainError::InvalidConfig {
                    field: "device",
                    message,
                })?;
                Ok(Device::cuda(0))
            }
            #[cfg(not(feature = "cuda"))]
            DeviceKind::Cuda => Err(missing_backend("cuda")),
        }
    }
}

/// The error for a backend this build was compiled without.
#[allow(dead_code)] // unused in a build with every backend feature
fn missing_backend(feature: &str) -> TrainError {
    TrainError::InvalidConfig {
        field: "device",
        message: format!(
            "this build has no {feature} backend: rebuild with `--features {feature}`"
        ),
    }
}

impl std::str::FromStr for DeviceKind {
    type Err = String;

    /// `flex`, `ndarray` or `cuda` (any case), as in `config.json`; e.g. for a `--device` option.
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "flex" => Ok(DeviceKind::Flex),
            "ndarray" => Ok(DeviceKind::Ndarray),
            "cuda" => Ok(DeviceKind::Cuda),
            _ => Err(format!(
                "unknown device {text:?}: expected flex, ndarray or cuda"
            )),
        }
    }
}

/// Whether the NVIDIA driver library that cudarc loads at run time can be loaded here.
#[cfg(all(feature = "cuda", unix))]
pub(crate) mod cuda_driver {
    use std::ffi::{CStr, c_char};

    /// The names cudarc tries first on Linux (the driver installs `libcuda.so.1`; `libcuda.so`
    /// comes with the CUDA toolkit's development files).
    const NAMES: [&CStr; 2] = [c"libcuda.so.1", c"libcuda.so"];

    /// `Ok` when one of [NAMES] loads; otherwise what is missing and what to do about it.
    pub(crate) fn check() -> Result<(), String> {
        check_names(&NAMES)
    }

    pub(crate) fn check_names(names: &[&CStr]) -> Result<(), String> {
        let mut reasons = Vec::new();
        for name in names {
            // SAFETY: `name` is NUL-terminated; a loaded library stays loaded (cudarc loads the
            // same one right after), so no handle is left dangling.
            let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
            if !handle.is_null() {
                return Ok(());
            }
            // SAFETY: dlerror returns NULL or a NUL-terminated message owned by the loader.
            let error: *const c_char = unsafe { libc::dlerror() };
            reasons.push(if error.is_null() {
                format!("{} not found", name.to_string_lossy())
            } else {
                // SAFETY: non-NULL, NUL-terminated (above).
                unsafe { CStr::from_ptr(error) }
                    .to_string_lossy()
                    .into_owned()
            });
        }
        Err(format!(
            "the NVIDIA CUDA driver library cannot be loaded ({}): `cuda` needs a machine with \
             an NVIDIA GPU and its driver installed (libcuda.so.1 on the loader's path: \
             LD_LIBRARY_PATH). At run time CUDA_PATH names the folder holding \
             nvvm/libdevice/libdevice.10.bc (a CUDA toolkit, or the nvidia/cuda_nvcc folder of \
             `scripts/setup-cuda-llvm.sh --runtime`); use `flex` or `ndarray` on a CPU",
            reasons.join("; ")
        ))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_missing_driver_is_an_error_that_says_what_to_do() {
            let message = check_names(&[c"libcuda-that-is-not-there.so.1"]).unwrap_err();
            assert!(
                message.contains("libcuda-that-is-not-there.so.1"),
                "{message}"
            );
            assert!(message.contains("NVIDIA"), "{message}");
            assert!(message.contains("CUDA_PATH"), "{message}");
        }

        #[test]
        fn a_library_that_loads_passes() {
            assert_eq!(check_names(&[c"libcuda-missing.so", c"libc.so.6"]), Ok(()));
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

/// A checkpoint of another run to start from (the paper's two-stage protocol: stage 2 branches
/// from the stage-1 model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseCheckpoint {
    /// The base run's folder.
    pub run: PathBuf,
    /// The checkpoint's epoch (1-based, as in `checkpoints/epoch-NNNN`).
    pub epoch: usize,
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
    /// STAR's pooling: [PoolingMode::Causal] (position t pools positions <= t; the default)
    /// or [PoolingMode::Full], the reference's, which is **leaky**: in teacher-forced training
    /// and validation every position's refinement sees the tokens it must predict. Never use
    /// `Full` for a headline number.
    pub pooling: PoolingMode,
    /// STAR's other choices (missing in older configs = [StarOptions::reference]).
    #[serde(default = "StarOptions::reference")]
    pub star_options: StarOptions,
    /// The schedule of `λ`, the weight of `L_ST`. `None` (older configs, and the default):
    /// `Log { lambda0 }` with STAR and `λ = 0` without (BlenderBot-Joint trains `L_LM` only).
    /// `Some(schedule)` applies with and without STAR: the "Joint + `L_ST`" control.
    #[serde(default)]
    pub lambda_schedule: Option<LambdaSchedule>,
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
    /// Start from this checkpoint of another run (same head, architecture and vocabulary)
    /// instead of a fresh or pretrained model; the optimizer and schedule start afresh. `None`
    /// (default): no base.
    #[serde(default)]
    pub base_checkpoint: Option<BaseCheckpoint>,
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
            pooling: PoolingMode::Causal,
            star_options: StarOptions::leak_free(),
            lambda_schedule: None,
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
            base_checkpoint: None,
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
    /// `Mini` (CPU experiments): BPE 8,000, batch 32, lr 1e-3, warmup 100; `Small` (CPU): BPE
    /// 8,000, batch 32, lr 5e-4, warmup 100; `BlenderbotSmall90m`: BPE
    /// 8,000, the reference's batch (64 x 2), lr 3e-4, warmup 100. Use [TrainConfig::fine_tune]
    /// with pretrained weights.
    pub fn from_scratch(preset: Preset) -> Self {
        match preset {
            Preset::Tiny => Self::tiny(),
            Preset::Mini => Self {
                preset,
                tokenizer: TokenizerSource::TrainBpe(8000),
                batch_size: 32,
                grad_accum: 1,
                lr: 1e-3,
                ..Self::default()
            },
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

    /// Reads a training configuration (e.g. a run's `config.json`) and checks it, with the
    /// loader every configuration of the workspace shares ([esc_models::json_config]).
    ///
    /// # Errors
    /// [TrainError::Model] naming the file: it cannot be read, is not valid JSON of the right
    /// types (with line and column), or a value is impossible (with the field).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Ok(load_json_config(path)?)
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [TrainError::InvalidConfig] naming the field.
    pub fn validate(&self) -> Result<()> {
        self.check().map_err(|e| TrainError::InvalidConfig {
            field: e.field,
            message: format!("expected {}", e.expected),
        })
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
            self.star_options
                .star_config(backbone.d_model, self.pooling)
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
            routing: self.star_options.routing,
            strategy_target: self.star_options.strategy_target,
        })
    }

    /// The run's row name in tables: the head (`BlenderBot-Joint`, `KEMI`, `Emstremo`), then
    /// `+ L_ST` for a strategy loss without STAR and `+ STAR`.
    pub fn row_name(&self) -> String {
        let head = match (&self.head, &self.knowledge) {
            (HeadConfig::Emstremo(_), _) => "Emstremo",
            (_, Some(_)) => "KEMI",
            _ => "BlenderBot-Joint",
        };
        let lst = !self.star && (0..self.epochs).any(|e| self.lambda(e) > 0.0);
        match (self.star, lst) {
            (true, _) => format!("{head} + STAR"),
            (false, true) => format!("{head} + L_ST"),
            (false, false) => head.into(),
        }
    }

    /// Whether zero-based `epoch` belongs to stage two (see [TrainConfig::stage_two_epochs]).
    pub fn in_stage_two(&self, epoch: usize) -> bool {
        self.stage_two_epochs > 0 && epoch + self.stage_two_epochs >= self.epochs
    }

    /// `λ` at zero-based `epoch`: [TrainConfig::lambda_schedule] if set; else the log schedule
    /// with STAR and 0 for BlenderBot-Joint (whose only loss is `L_LM`, the strategy token being
    /// its first label).
    pub fn lambda(&self, epoch: usize) -> f64 {
        match (self.lambda_schedule, self.star) {
            (Some(schedule), _) => schedule.lambda(epoch, self.epochs),
            (None, true) => LambdaSchedule::Log {
                lambda0: self.lambda0,
            }
            .lambda(epoch, self.epochs),
            (None, false) => 0.0,
        }
    }
}

impl JsonConfig for TrainConfig {
    fn check(&self) -> std::result::Result<(), InvalidField> {
        let sizes = config_fields!(self; epochs, batch_size, grad_accum, max_input_len,
            max_target_len, eval_batch_size);
        check_positive(&sizes)?;
        // A run that branches from a trained base may spend all its epochs in stage two.
        let stage_two_limit = if self.base_checkpoint.is_some() {
            self.epochs + 1
        } else {
            self.epochs
        };
        if self.stage_two_epochs > 0 && (!self.star || self.stage_two_epochs >= stage_two_limit) {
            return Err(InvalidField::new(
                "stage_two_epochs",
                format!(
                    "fewer epochs than the {} of the run, with STAR (stage two trains STAR alone), found {}{}",
                    self.epochs,
                    self.stage_two_epochs,
                    if self.star { "" } else { " without STAR" }
                ),
            ));
        }
        check_positive_numbers(&config_fields!(self; lr))?;
        if !(0.0..=1.0).contains(&self.lambda0) {
            return Err(InvalidField::new(
                "lambda0",
                format!("a number in [0, 1], found {}", self.lambda0),
            ));
        }
        if let Some(c) = self.clip_norm {
            check_positive_numbers(&[("clip_norm", c)])?;
        }
        if self.knowledge.is_some() && !matches!(self.head, HeadConfig::Joint(_)) {
            return Err(InvalidField::new(
                "knowledge",
                "no knowledge inputs with this head (KEMI-style knowledge inputs need the Joint head)",
            ));
        }
        if let HeadConfig::Emstremo(h) = &self.head {
            h.validate()
                .map_err(|e| InvalidField::new("head", format!("a valid Emstremo head: {e}")))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod device_kind_tests {
    use super::DeviceKind;

    #[test]
    fn device_names_parse_as_in_config_json() {
        for kind in [DeviceKind::Flex, DeviceKind::Ndarray, DeviceKind::Cuda] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json.trim_matches('"').parse::<DeviceKind>(), Ok(kind));
        }
        assert_eq!(" CUDA ".parse::<DeviceKind>(), Ok(DeviceKind::Cuda));
        let err = "gpu".parse::<DeviceKind>().unwrap_err();
        assert!(
            err.contains("\"gpu\"") && err.contains("flex, ndarray or cuda"),
            "{err}"
        );
    }
}
