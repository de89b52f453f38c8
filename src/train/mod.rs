//! Training and evaluation of BlenderBot-Joint and BlenderBot-Joint + STAR: the library behind
//! `examples/train.rs`.
//!
//! - [TrainConfig]: every setting, with the reference's defaults ([TrainConfig::tiny] for demos).
//! - [RunData]: the splits (a folder or the shipped sample), the tokenizer and the examples.
//! - [Trainer]: AdamW ([FusedAdamW]: burn's, in one pass per parameter on flex), linear warmup
//!   and decay ([LinearWarmup]), gradient accumulation, global-norm clipping, the λ schedule,
//!   validation each epoch, a JSON-lines log and atomic checkpoints; [Trainer::resume]
//!   continues a run exactly.
//! - [evaluate]: test perplexity, strategy metrics, generation and response metrics, written
//!   as `generations.jsonl`, `metrics.json` and `table.md`.
//! - [TrainedRun]: a run's checkpoint opened for evaluation or chat.
//!
//! Sweeps over runs (train-then-evaluate, comparisons, experiments) live in
//! [crate::experiment]; figures in `crate::plots`.
//!
//! ```
//! use star_esc::train::{CheckpointChoice, EvalOptions, TrainConfig, TrainedRun, Trainer, evaluate};
//!
//! let dir = std::env::temp_dir().join("star-esc-doc-train");
//! let config = TrainConfig {
//!     epochs: 1,
//!     max_train_examples: Some(16),
//!     max_eval_examples: Some(8),
//!     ..TrainConfig::tiny() // the shipped sample dataset, a tiny model
//! };
//! let mut trainer = Trainer::new(config, &dir)?;
//! trainer.train(&mut |event| println!("{}", serde_json::to_string(event).unwrap()))?;
//!
//! let device = trainer.eval_device();
//! let best = TrainedRun::open(&dir, CheckpointChoice::Best, &device)?;
//! let options = EvalOptions::paper(best.config.max_target_len, 8, 0);
//! let test = &trainer.data().test;
//! let metrics = evaluate(&best.model, &best.tokenizer, test, &options, &device, &dir.join("test"))?;
//! assert_eq!(metrics.examples, 8);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bertscore;
mod checkpoint;
mod config;
mod data;
mod error;
mod eval;
mod fused_adamw;
mod grads;
mod head_choice;
mod init;
mod knowledge;
mod run_lock;
mod schedule;
mod star_options;
mod trained_run;
mod trainer;
mod validate;

pub use bertscore::{BertScoreReport, BertScoreSettings};
pub use checkpoint::{
    TrainState, checkpoint_dir, latest_good_checkpoint, list_checkpoints, load_checkpoint,
    load_model_weights, prune_checkpoints, read_json, remove_unfinished_checkpoints,
    save_checkpoint, verify_checkpoint, write_json,
};
pub use config::{BaseCheckpoint, DeviceKind, Preset, TokenizerSource, TrainConfig};
pub use data::{RunData, TOKENIZER_DIR, load_tokenizer, save_tokenizer};
pub use error::{Result, TrainError};
pub use eval::{
    EvalOptions, GenerationRecord, TestMetrics, evaluate, table_columns, table_markdown,
};
pub use fused_adamw::FusedAdamW;
pub use grads::{clip_grad_norm, grad_norm};
pub use head_choice::Head;
pub use init::build_model;
pub use knowledge::{
    KnowledgeConfig, KnowledgeSourceKind, add_knowledge_tokens, run_knowledge_source,
};
pub use schedule::LinearWarmup;
pub use star_options::StarOptions;
pub use trained_run::{CheckpointChoice, TrainedRun};
pub use trainer::{TrainEvent, Trainer};
pub use validate::{TeacherForced, ValidMetrics, teacher_forced, validate};
