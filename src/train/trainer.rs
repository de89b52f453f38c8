//! The training loop: seeded batch order, gradient accumulation, global-norm clipping, AdamW with
//! linear warmup and decay, the λ schedule per epoch, validation, logging and checkpoints.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::{Module, ParamGroup};
use burn::optim::{GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::tensor::Device;
use esc_data::{BucketSampler, EscBatcher, EscExample, PyRandom};
use esc_models::{EscModel, ExpertChoice};
use serde::Serialize;

use super::checkpoint::{
    TrainState, latest_good_checkpoint, load_checkpoint, prune_checkpoints, read_json,
    remove_unfinished_checkpoints, save_checkpoint, write_json,
};
use super::config::{TokenizerSource, TrainConfig};
use super::data::{RunData, TOKENIZER_DIR, save_tokenizer};
use super::error::{Result, TrainError};
use super::fused_adamw::FusedAdamW;
use super::grads::clip_grad_norm;
use super::init::build_model;
use super::run_lock::RunLock;
use super::schedule::LinearWarmup;
use super::validate::{ValidMetrics, validate};

/// What the loop reports to its caller.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrainEvent {
    /// After an optimizer step.
    Step {
        /// Zero-based epoch.
        epoch: usize,
        /// Optimizer steps taken so far.
        step: usize,
        /// Total optimizer steps of the run.
        total_steps: usize,
        /// Mean total loss of the step's micro-batches.
        loss: f64,
        /// Mean `L_LM`.
        lm_loss: f64,
        /// Mean `L_ST`.
        strategy_loss: f64,
        /// `exp(L_LM)`.
        ppl: f64,
        /// Learning rate used.
        lr: f64,
        /// λ of the epoch.
        lambda: f64,
        /// Gradient norm before clipping.
        grad_norm: f64,
        /// Mean STAR integration value `g` over the step's examples (`None` without STAR).
        gate: Option<f64>,
        /// Mean unweighted auxiliary losses of the head (Emstremo-style: `L_emo`, `L_str`,
        /// `L_con`); empty, and absent from the log, for heads without any.
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        head_losses: BTreeMap<String, f64>,
        /// Training examples per second in this epoch so far.
        examples_per_s: f64,
    },
    /// After validation.
    Epoch(ValidMetrics),
}

/// A training run in `run_dir`: config, JSON-lines log, checkpoints.
pub struct Trainer {
    config: TrainConfig,
    run_dir: PathBuf,
    data: RunData,
    device: Device,
    model: EscModel,
    optim: ModuleOptimizer,
    state: TrainState,
    sampler: BucketSampler,
    rng: PyRandom,
    batcher: EscBatcher,
    skipped_checkpoints: Vec<String>,
    /// Held while the trainer lives: one process per run folder.
    _lock: RunLock,
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("run_dir", &self.run_dir)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// AdamW as the reference: weight decay on every parameter except biases (its `no_decay` list
/// names `bias`, `ln` and `LayerNorm.weight`, of which only `bias` occurs in BlenderBot-Small).
fn adamw(config: &TrainConfig) -> ModuleOptimizer {
    let adamw =
        |weight_decay: f32| FusedAdamW::new(0.9, 0.999, config.adam_epsilon as f32, weight_decay);
    ModuleOptimizer::from(adamw(config.weight_decay as f32)).with_group(
        ParamGroup::from_predicate("bias"),
        adamw(0.0),
        None,
    )
}

/// The dropout stream of `epoch`: reseeding per epoch makes a resumed run draw what an
/// uninterrupted one draws.
fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(epoch as u64 + 1)
}

impl Trainer {
    /// A fresh run: loads the data, initialises the model from `config.seed` and writes
    /// `config.json` into `run_dir`.
    ///
    /// # Errors
    /// Configuration, data, or I/O errors.
    pub fn new(config: TrainConfig, run_dir: impl AsRef<Path>) -> Result<Self> {
        config.validate()?;
        let run_dir = run_dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&run_dir).map_err(|e| TrainError::io(&run_dir, e))?;
        let lock = RunLock::acquire(&run_dir)?;
        write_json(&run_dir.join("config.json"), &config)?;
        let data = RunData::load(&config)?;
        // Evaluation, chat and resume read the vocabulary from the run (it may have been trained).
        save_tokenizer(&data.tokenizer, &run_dir.join(TOKENIZER_DIR))?;
        Self::fresh(config, run_dir, data, lock)
    }

    /// A fresh run on already loaded data (nothing is read from `config.data`).
    ///
    /// # Errors
    /// Configuration or I/O errors.
    pub fn from_data(config: TrainConfig, run_dir: PathBuf, data: RunData) -> Result<Self> {
        let trainer = Self::locked(config, run_dir, data)?;
        // A run from its first step: lines that a process killed before its first checkpoint
        // left in `train_log.jsonl` go, so the log holds this run only.
        trainer.truncate_log()?;
        Ok(trainer)
    }

    /// A trainer at step 0 holding the lock of `run_dir` (created if needed); the log is left
    /// as it is.
    fn locked(config: TrainConfig, run_dir: PathBuf, data: RunData) -> Result<Self> {
        config.validate()?;
        std::fs::create_dir_all(&run_dir).map_err(|e| TrainError::io(&run_dir, e))?;
        let lock = RunLock::acquire(&run_dir)?;
        Self::with_lock(config, run_dir, data, lock)
    }

    /// A run from its first step, as [Trainer::from_data], under an already taken lock.
    fn fresh(config: TrainConfig, run_dir: PathBuf, data: RunData, lock: RunLock) -> Result<Self> {
        let trainer = Self::with_lock(config, run_dir, data, lock)?;
        trainer.truncate_log()?;
        Ok(trainer)
    }

    fn with_lock(
        config: TrainConfig,
        run_dir: PathBuf,
        data: RunData,
        lock: RunLock,
    ) -> Result<Self> {
        let device = config.device.device()?.autodiff();
        device.seed(config.seed);
        let model = build_model(&config, data.vocab_size(), &device)?;
        let sampler = BucketSampler::new(
            data.train.iter().map(EscExample::len_key).collect(),
            config.batch_size,
        );
        if sampler.num_batches() == 0 {
            return Err(TrainError::InvalidConfig {
                field: "batch_size",
                message: format!(
                    "{} is larger than the {} training examples (the last partial batch is dropped)",
                    config.batch_size,
                    data.train.len()
                ),
            });
        }
        let steps_per_epoch = sampler.num_batches().div_ceil(config.grad_accum);
        let state = TrainState {
            config: config.clone(),
            epochs_done: 0,
            step: 0,
            schedule: LinearWarmup {
                peak: config.lr,
                warmup: config.warmup,
                total: steps_per_epoch * config.epochs,
            },
            sampler_draws: 0,
            history: Vec::new(),
            best_epoch: None,
        };
        Ok(Self {
            optim: adamw(&config),
            rng: PyRandom::new(config.seed),
            batcher: EscBatcher::for_tokenizer(&data.tokenizer),
            config,
            run_dir,
            data,
            device,
            model,
            state,
            sampler,
            skipped_checkpoints: Vec::new(),
            _lock: lock,
        })
    }

    /// Continues the run in `run_dir` from its newest complete checkpoint, exactly as if it had
    /// not stopped.
    ///
    /// # Errors
    /// [TrainError::NoCheckpoint], or data, record and I/O errors.
    pub fn resume(run_dir: impl AsRef<Path>) -> Result<Self> {
        let run_dir = run_dir.as_ref().to_path_buf();
        let (_, dir, _) = latest_good_checkpoint(&run_dir)?;
        let state: TrainState = read_json(&dir.join("state.json"))?;
        let mut config = state.config;
        let saved = run_dir.join(TOKENIZER_DIR);
        if saved.join("vocab.json").is_file() {
            config.tokenizer = TokenizerSource::Dir(saved);
        }
        let data = RunData::load(&config)?;
        Self::resume_with_data(run_dir, data)
    }

    /// As [Trainer::resume] with already loaded data.
    ///
    /// # Errors
    /// As [Trainer::resume].
    pub fn resume_with_data(run_dir: impl AsRef<Path>, data: RunData) -> Result<Self> {
        let run_dir = run_dir.as_ref().to_path_buf();
        let (_, dir, skipped) = latest_good_checkpoint(&run_dir)?;
        let saved: TrainState = read_json(&dir.join("state.json"))?;
        let mut trainer = Self::locked(saved.config.clone(), run_dir.clone(), data)?;
        // Under the run's lock: what a killed process left half written or half deleted goes.
        remove_unfinished_checkpoints(&run_dir)?;
        let model = trainer.model.clone();
        let optim = adamw(&trainer.config);
        let (model, optim, state) = load_checkpoint(&dir, model, optim)?;
        state.validate()?;
        if state.config != trainer.config {
            return Err(TrainError::InvalidConfig {
                field: "config",
                message: format!("{}: state.json changed between reads", dir.display()),
            });
        }
        if state.schedule.total != trainer.state.schedule.total {
            return Err(TrainError::InvalidConfig {
                field: "schedule",
                message: format!(
                    "{}: {} optimizer steps recorded, the data gives {}: resume with the run's data",
                    dir.display(),
                    state.schedule.total,
                    trainer.state.schedule.total
                ),
            });
        }
        trainer.model = model;
        trainer.optim = optim;
        // The batch orders already drawn.
        for _ in 0..state.sampler_draws {
            trainer.sampler.batches(&mut trainer.rng);
        }
        trainer.state = state;
        trainer.skipped_checkpoints = skipped;
        trainer.truncate_log()?;
        Ok(trainer)
    }

    /// Why a resume passed over newer checkpoints (damaged files), newest first; empty for a
    /// fresh run or a clean resume.
    pub fn skipped_checkpoints(&self) -> &[String] {
        &self.skipped_checkpoints
    }

    /// The model being trained (autodiff device).
    pub fn model(&self) -> &EscModel {
        &self.model
    }

    /// Epoch, step, schedule and history.
    pub fn state(&self) -> &TrainState {
        &self.state
    }

    /// The run's data.
    pub fn data(&self) -> &RunData {
        &self.data
    }

    /// The run's folder.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The non-autodiff device evaluation runs on.
    pub fn eval_device(&self) -> Device {
        self.device.clone().inner()
    }

    /// Trains the remaining epochs.
    ///
    /// # Errors
    /// I/O, record or metric errors.
    pub fn train(&mut self, on_event: &mut dyn FnMut(&TrainEvent)) -> Result<()> {
        let left = self.config.epochs - self.state.epochs_done;
        self.train_epochs(left, on_event)
    }

    /// Trains at most `n` more epochs (each one validated and checkpointed).
    ///
    /// # Errors
    /// As [Trainer::train].
    pub fn train_epochs(&mut self, n: usize, on_event: &mut dyn FnMut(&TrainEvent)) -> Result<()> {
        let end = (self.state.epochs_done + n).min(self.config.epochs);
        while self.state.epochs_done < end {
            self.train_epoch(on_event)?;
        }
        Ok(())
    }

    /// Drops the log lines written after the checkpoint a resume starts from (the steps of an
    /// interrupted epoch), so that the log of a resumed run equals an uninterrupted one.
    fn truncate_log(&self) -> Result<()> {
        let path = self.run_dir.join("train_log.jsonl");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(()); // no log yet
        };
        let keep = |line: &str| {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                return false; // a line cut by the interruption
            };
            let at = |key: &str| v.get(key).and_then(serde_json::Value::as_u64);
            match v.get("kind").and_then(serde_json::Value::as_str) {
                Some("step") => at("step").is_some_and(|s| s as usize <= self.state.step),
                Some("epoch") => at("epoch").is_some_and(|e| e as usize <= self.state.epochs_done),
                _ => false,
            }
        };
        let kept: String = text
            .lines()
            .filter(|l| keep(l))
            .map(|l| format!("{l}\n"))
            .collect();
        let tmp = path.with_extension("jsonl.tmp");
        std::fs::write(&tmp, kept).map_err(|e| TrainError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| TrainError::io(&path, e))
    }

    fn log(&self, event: &TrainEvent) -> Result<()> {
        let path = self.run_dir.join("train_log.jsonl");
        let line = serde_json::to_string(event).map_err(|e| TrainError::json(&path, e))?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| TrainError::io(&path, e))?;
        writeln!(file, "{line}").map_err(|e| TrainError::io(&path, e))
    }

    /// Stops the run before a non-finite value reaches the weights.
    fn check_finite(&self, quantity: &'static str, value: f64, epoch: usize) -> Result<()> {
        if value.is_finite() {
            return Ok(());
        }
        Err(TrainError::NonFinite {
            quantity,
            value,
            epoch: epoch + 1,
            step: self.state.step + 1,
        })
    }

    fn train_epoch(&mut self, on_event: &mut dyn FnMut(&TrainEvent)) -> Result<()> {
        let epoch = self.state.epochs_done;
        let config = self.config.clone();
        self.device.seed(epoch_seed(config.seed, epoch));
        let batches = self.sampler.batches(&mut self.rng);
        self.state.sampler_draws += 1;
        let lambda = config.lambda(epoch);
        if config.in_stage_two(epoch) {
            // Idempotent, so a run resumed inside stage two freezes the same parameters.
            self.model = self.model.clone().freeze_except_star_and_embedding();
        }
        let start = Instant::now();
        let mut seen = 0usize;
        let mut accum = GradientsAccumulator::<EscModel>::new();
        let mut pending = 0usize;
        let mut sums = [0.0f64; 4];
        let mut head_sums: BTreeMap<String, f64> = BTreeMap::new();
        for (i, ids) in batches.iter().enumerate() {
            let refs: Vec<&EscExample> = ids.iter().map(|&j| &self.data.train[j]).collect();
            let batch = self.batcher.batch_refs(&refs, &self.device);
            let out = self.model.forward(&batch, ExpertChoice::Configured);
            let loss = self.model.loss(&out, &batch, lambda);
            let terms = [
                ("loss", loss.total.clone().into_scalar::<f64>()),
                ("L_LM", loss.lm.into_scalar::<f64>()),
                ("L_ST", loss.strategy.into_scalar::<f64>()),
            ];
            for (k, (quantity, value)) in terms.into_iter().enumerate() {
                self.check_finite(quantity, value, epoch)?;
                sums[k] += value;
            }
            for term in &loss.head_terms {
                let value = term.value.clone().into_scalar::<f64>();
                self.check_finite(term.name, value, epoch)?;
                *head_sums.entry(term.name.to_string()).or_default() += value;
            }
            if let Some(gate) = &out.gate {
                sums[3] += gate.clone().mean().into_scalar::<f64>();
            }
            // As the reference: each micro-batch loss is divided by the accumulation count.
            let scaled = loss.total / config.grad_accum as f64;
            let grads = GradientsParams::from_grads(scaled.backward(), &self.model);
            accum.accumulate(&self.model, grads);
            pending += 1;
            seen += ids.len();
            if pending == config.grad_accum || i + 1 == batches.len() {
                let mut grads = accum.grads();
                let grad_norm = match config.clip_norm {
                    Some(max) => clip_grad_norm(&self.model, &mut grads, max),
                    None => super::grads::grad_norm(&self.model, &grads),
                };
                self.check_finite("gradient norm", grad_norm, epoch)?;
                let lr = self.state.schedule.lr(self.state.step);
                self.model = self.optim.step(lr, self.model.clone(), grads);
                self.state.step += 1;
                let k = pending as f64;
                let event = TrainEvent::Step {
                    epoch,
                    step: self.state.step,
                    total_steps: self.state.schedule.total,
                    loss: sums[0] / k,
                    lm_loss: sums[1] / k,
                    strategy_loss: sums[2] / k,
                    ppl: (sums[1] / k).exp(),
                    lr,
                    lambda,
                    grad_norm,
                    gate: config.star.then(|| sums[3] / k),
                    head_losses: head_sums.iter().map(|(n, v)| (n.clone(), v / k)).collect(),
                    examples_per_s: seen as f64 / start.elapsed().as_secs_f64().max(1e-9),
                };
                self.log(&event)?;
                on_event(&event);
                pending = 0;
                sums = [0.0; 4];
                head_sums.clear();
            }
        }
        let eval_device = self.eval_device();
        let valid_model = self.model.valid();
        let metrics = validate(
            &valid_model,
            &self.data.valid,
            &self.batcher,
            config.eval_batch_size,
            &eval_device,
            epoch + 1,
        )?;
        self.state.epochs_done = epoch + 1;
        let best_ppl = self
            .state
            .best_epoch
            .and_then(|b| self.state.history.iter().find(|m| m.epoch == b))
            .map(|m| m.ppl);
        if best_ppl.is_none_or(|p| metrics.ppl < p) {
            self.state.best_epoch = Some(epoch + 1);
        }
        self.state.history.push(metrics.clone());
        let event = TrainEvent::Epoch(metrics);
        self.log(&event)?;
        on_event(&event);
        save_checkpoint(&self.run_dir, &self.model, &self.optim, &self.state)?;
        prune_checkpoints(&self.run_dir, self.state.best_epoch, config.keep_last)
    }
}
