//! Train-then-evaluate one run folder, resuming or reusing what it already holds.

use std::path::Path;
use std::time::Instant;

use super::observer::RunObserver;
use crate::train::{
    CheckpointChoice, EvalOptions, Result, TestMetrics, TrainConfig, TrainError, TrainedRun,
    Trainer, evaluate, list_checkpoints, read_json, write_json,
};

/// What [train_and_evaluate] did.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The test metrics.
    pub metrics: TestMetrics,
    /// The run had finished and been evaluated before: nothing was done.
    pub reused: bool,
    /// The run continued from a checkpoint of an earlier, interrupted call.
    pub resumed: bool,
    /// The evaluated checkpoint's epoch (`None` when reused).
    pub epoch: Option<usize>,
    /// Seconds spent training in this call.
    pub train_seconds: f64,
    /// Seconds spent evaluating in this call.
    pub eval_seconds: f64,
}

/// Trains the run in `run_dir` to its last epoch and evaluates the `choice` checkpoint on the
/// test split (`run_dir/test`).
///
/// - A folder with `test/metrics.json` is complete: its metrics are returned, nothing runs.
/// - A folder with checkpoints continues from the newest one, if `config` equals its saved
///   configuration (or `config` is `None`); another configuration is refused, so two
///   experiments never mix in one folder.
/// - Otherwise a fresh run starts with `config`.
///
/// `observer` sees the trainer once it is set up, every training event and the outcome.
///
/// # Errors
/// [TrainError::InvalidConfig] for a folder holding another configuration, or `config: None`
/// with nothing to resume; training, evaluation and I/O errors.
pub fn train_and_evaluate(
    config: Option<TrainConfig>,
    run_dir: &Path,
    choice: CheckpointChoice,
    observer: &mut dyn RunObserver,
) -> Result<RunOutcome> {
    let outcome = run(config, run_dir, choice, observer)?;
    observer.finished(run_dir, &outcome);
    Ok(outcome)
}

fn run(
    config: Option<TrainConfig>,
    run_dir: &Path,
    choice: CheckpointChoice,
    observer: &mut dyn RunObserver,
) -> Result<RunOutcome> {
    let metrics_path = run_dir.join("test").join("metrics.json");
    if metrics_path.is_file() {
        return Ok(RunOutcome {
            metrics: read_json(&metrics_path)?,
            reused: true,
            resumed: false,
            epoch: None,
            train_seconds: 0.0,
            eval_seconds: 0.0,
        });
    }
    let has_checkpoint = run_dir.is_dir() && !list_checkpoints(run_dir)?.is_empty();
    let mut trainer = match (config, has_checkpoint) {
        (Some(c), false) => Trainer::new(c, run_dir)?,
        (Some(c), true) => {
            let saved: TrainConfig = read_json(&run_dir.join("config.json"))?;
            if saved != c {
                return Err(TrainError::InvalidConfig {
                    field: "out",
                    message: format!(
                        "{} holds a run with another configuration: continue it with --resume {} or choose another folder",
                        run_dir.display(),
                        run_dir.display()
                    ),
                });
            }
            Trainer::resume(run_dir)?
        }
        (None, _) => Trainer::resume(run_dir)?,
    };
    observer.opened(run_dir, &trainer);
    let start = Instant::now();
    trainer.train(&mut |event| observer.event(run_dir, event))?;
    let train_seconds = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let c = trainer.config().clone();
    let device = trainer.eval_device();
    let run = TrainedRun::open(run_dir, choice, &device)?;
    let options = EvalOptions {
        model_name: Some(c.row_name()),
        ..EvalOptions::paper(c.max_target_len, c.eval_batch_size, c.seed)
    };
    let test_dir = run_dir.join("test");
    let metrics = evaluate(
        &run.model,
        &trainer.data().tokenizer,
        &trainer.data().test,
        &options,
        &device,
        &test_dir,
    )?;
    // Which checkpoint the numbers are of, beside them.
    write_json(
        &test_dir.join("checkpoint.json"),
        &serde_json::json!({ "choice": format!("{choice:?}"), "epoch": run.epoch }),
    )?;
    Ok(RunOutcome {
        metrics,
        reused: false,
        resumed: has_checkpoint,
        epoch: Some(run.epoch),
        train_seconds,
        eval_seconds: start.elapsed().as_secs_f64(),
    })
}
