//! A finished (or interrupted) run, opened for evaluation or chat: its configuration, its
//! vocabulary and the weights of one of its checkpoints.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;
use esc_data::{BlenderbotSmallTokenizer, Tokenize};
use esc_models::EscModel;

use super::checkpoint::{
    TrainState, list_checkpoints, load_model_weights, read_json, verify_checkpoint,
};
use super::config::TrainConfig;
use super::data::TOKENIZER_DIR;
use super::error::{Result, TrainError};
use super::knowledge::add_knowledge_tokens;

/// Which checkpoint of a run to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckpointChoice {
    /// The lowest validation perplexity (the default: what the run selected).
    #[default]
    Best,
    /// The newest.
    Last,
    /// After this many epochs.
    Epoch(usize),
}

/// A run's model in validation mode, with what is needed to use it.
#[derive(Debug, Clone)]
pub struct TrainedRun {
    /// The run folder.
    pub run_dir: PathBuf,
    /// The run's configuration.
    pub config: TrainConfig,
    /// The run's vocabulary (strategy tokens and, for a KEMI-style run, knowledge tokens included).
    pub tokenizer: BlenderbotSmallTokenizer,
    /// The checkpoint's epoch (1-based).
    pub epoch: usize,
    /// The model (no autodiff; dropout off).
    pub model: EscModel,
}

impl TrainedRun {
    /// Opens the `choice` checkpoint of the run in `run_dir` on the device the run was trained
    /// on (its `config.json`).
    ///
    /// # Errors
    /// As [TrainedRun::open], and [TrainError::Json] / [TrainError::Io] when `run_dir` holds
    /// no `config.json`.
    pub fn open_on_run_device(run_dir: impl AsRef<Path>, choice: CheckpointChoice) -> Result<Self> {
        let config: TrainConfig = read_json(&run_dir.as_ref().join("config.json"))?;
        Self::open(run_dir, choice, &config.device.device()?)
    }

    /// Opens the `choice` checkpoint of the run in `run_dir` on `device`.
    ///
    /// # Errors
    /// [TrainError::NoCheckpoint], [TrainError::InvalidConfig] for a missing epoch, and the
    /// record, JSON and tokenizer errors of the files.
    pub fn open(
        run_dir: impl AsRef<Path>,
        choice: CheckpointChoice,
        device: &Device,
    ) -> Result<Self> {
        let run_dir = run_dir.as_ref().to_path_buf();
        let all = list_checkpoints(&run_dir)?;
        let (last_epoch, last_dir) =
            all.last()
                .cloned()
                .ok_or_else(|| TrainError::NoCheckpoint {
                    dir: run_dir.clone(),
                })?;
        let state: TrainState = read_json(&last_dir.join("state.json"))?;
        let wanted = match choice {
            CheckpointChoice::Best => state.best_epoch.unwrap_or(last_epoch),
            CheckpointChoice::Last => last_epoch,
            CheckpointChoice::Epoch(e) => e,
        };
        let (epoch, dir) = all.into_iter().find(|(e, _)| *e == wanted).ok_or_else(|| {
            TrainError::InvalidConfig {
                field: "checkpoint",
                message: format!(
                    "{} has no checkpoint of epoch {wanted} (pruned or not reached)",
                    run_dir.display()
                ),
            }
        })?;
        verify_checkpoint(&dir)?;
        let mut tokenizer = BlenderbotSmallTokenizer::from_dir(run_dir.join(TOKENIZER_DIR))?;
        let config = state.config;
        // The saved vocabulary holds the BPE only; a KEMI-style run adds its knowledge tokens.
        add_knowledge_tokens(&config, &mut tokenizer)?;
        // The architecture (for a fine-tuned run read from the pretrained `config.json`); the
        // weights all come from the checkpoint.
        let model = config.model_config(tokenizer.vocab_size())?.init(device);
        let model = load_model_weights(&dir.join("model.bpk"), model)?;
        Ok(Self {
            run_dir,
            config,
            tokenizer,
            epoch,
            model: model.valid(),
        })
    }
}
