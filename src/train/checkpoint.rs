//! Checkpoints: `checkpoints/epoch-NNNN/` with the model (`model.bpk`, parameter ids kept so the
//! optimizer state matches), the AdamW state (`optim.bpk`) and [TrainState] (`state.json`:
//! epoch, step, scheduler, RNG position, history). A checkpoint is written into a temporary
//! folder renamed into place once complete, so a visible checkpoint is always whole, and
//! `checksums.json` (64-bit FNV-1a of each file) lets a resume detect a file damaged later and
//! fall back to the previous checkpoint.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use esc_models::EscModel;
use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use super::error::{Result, TrainError};
use super::schedule::LinearWarmup;
use super::validate::ValidMetrics;

/// Everything besides tensors needed to continue a run exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// The run's configuration.
    pub config: TrainConfig,
    /// Epochs completed.
    pub epochs_done: usize,
    /// Optimizer steps taken.
    pub step: usize,
    /// The learning-rate schedule.
    pub schedule: LinearWarmup,
    /// RNG position: the batch order is drawn from `PyRandom::new(seed)` once per epoch, so it is
    /// restored by drawing `epochs_done` orders; dropout is reseeded from `seed` and the epoch.
    pub sampler_draws: usize,
    /// Validation metrics of each completed epoch.
    pub history: Vec<ValidMetrics>,
    /// Epoch (1-based) with the lowest validation perplexity so far.
    pub best_epoch: Option<usize>,
}

impl TrainState {
    /// Checks that the state is one a run can be in (a hand-edited or foreign `state.json`
    /// must not make a resume misbehave, e.g. replay 10^18 batch orders).
    ///
    /// # Errors
    /// [TrainError::InvalidConfig] naming the inconsistent field.
    pub fn validate(&self) -> Result<()> {
        self.config.validate()?;
        let invalid = |field: &'static str, message: String| {
            Err(TrainError::InvalidConfig {
                field,
                message: format!("state.json: {message}"),
            })
        };
        let c = &self.config;
        if self.epochs_done == 0 || self.epochs_done > c.epochs {
            return invalid(
                "epochs_done",
                format!("{} is not in 1..={}", self.epochs_done, c.epochs),
            );
        }
        if self.sampler_draws != self.epochs_done {
            return invalid(
                "sampler_draws",
                format!("{} != epochs_done {}", self.sampler_draws, self.epochs_done),
            );
        }
        if self.history.len() != self.epochs_done {
            return invalid(
                "history",
                format!(
                    "{} entries for {} epochs",
                    self.history.len(),
                    self.epochs_done
                ),
            );
        }
        if self.step > self.schedule.total || self.schedule.peak != c.lr {
            return invalid(
                "schedule",
                format!(
                    "step {} of {} at peak {} does not fit lr {}",
                    self.step, self.schedule.total, self.schedule.peak, c.lr
                ),
            );
        }
        if self
            .best_epoch
            .is_some_and(|b| b == 0 || b > self.epochs_done)
        {
            return invalid("best_epoch", format!("{:?}", self.best_epoch));
        }
        Ok(())
    }
}

/// The folder of the checkpoint after `epoch` (1-based) epochs.
pub fn checkpoint_dir(run_dir: &Path, epoch: usize) -> PathBuf {
    run_dir
        .join("checkpoints")
        .join(format!("epoch-{epoch:04}"))
}

/// The complete checkpoints of a run, by epoch (temporary folders are skipped).
///
/// # Errors
/// [TrainError::Io] if the folder cannot be listed.
pub fn list_checkpoints(run_dir: &Path) -> Result<Vec<(usize, PathBuf)>> {
    let dir = run_dir.join("checkpoints");
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| TrainError::io(&dir, e))? {
        let entry = entry.map_err(|e| TrainError::io(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(n) = name.strip_prefix("epoch-")
            && let Ok(epoch) = n.parse::<usize>()
            && entry.path().join("state.json").exists()
        {
            out.push((epoch, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn record_err(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Record {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes a checkpoint atomically (temporary folder, then rename) and returns its folder.
///
/// # Errors
/// [TrainError::Io], [TrainError::Record] or [TrainError::Json].
pub fn save_checkpoint(
    run_dir: &Path,
    model: &EscModel,
    optim: &ModuleOptimizer,
    state: &TrainState,
) -> Result<PathBuf> {
    let target = checkpoint_dir(run_dir, state.epochs_done);
    let tmp = target.with_extension("tmp");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    let model_path = tmp.join("model.bpk");
    model
        .clone()
        .into_record()
        .save(&model_path)
        .map_err(|e| record_err(&model_path, e))?;
    let optim_path = tmp.join("optim.bpk");
    optim
        .save(&optim_path)
        .map_err(|e| record_err(&optim_path, e))?;
    let state_path = tmp.join("state.json");
    write_json(&state_path, state)?;
    let mut sums = std::collections::BTreeMap::new();
    for file in CHECKPOINT_FILES {
        let path = tmp.join(file);
        let bytes = std::fs::read(&path).map_err(|e| TrainError::io(&path, e))?;
        sums.insert(file.to_string(), format!("{:016x}", fnv1a64(&bytes)));
    }
    write_json(&tmp.join("checksums.json"), &sums)?;
    if target.exists() {
        // Only when an epoch is redone after a resume from an older checkpoint.
        let stale = target.with_extension("deleting");
        std::fs::rename(&target, &stale).map_err(|e| TrainError::io(&target, e))?;
        std::fs::remove_dir_all(&stale).map_err(|e| TrainError::io(&stale, e))?;
    }
    std::fs::rename(&tmp, &target).map_err(|e| TrainError::io(&target, e))?;
    Ok(target)
}

/// The files of a checkpoint covered by `checksums.json`.
const CHECKPOINT_FILES: [&str; 3] = ["model.bpk", "optim.bpk", "state.json"];

/// 64-bit FNV-1a: enough to detect damaged files (not meant against tampering).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Checks every file of the checkpoint in `dir` against its `checksums.json`.
///
/// # Errors
/// [TrainError::CorruptCheckpoint] naming the first damaged or missing file.
pub fn verify_checkpoint(dir: &Path) -> Result<()> {
    let corrupt = |file: &str, problem: String| TrainError::CorruptCheckpoint {
        dir: dir.to_path_buf(),
        file: file.to_string(),
        problem,
    };
    let sums: std::collections::BTreeMap<String, String> =
        read_json(&dir.join("checksums.json"))
            .map_err(|e| corrupt("checksums.json", e.to_string()))?;
    for file in CHECKPOINT_FILES {
        let want = sums
            .get(file)
            .ok_or_else(|| corrupt(file, "not listed in checksums.json".into()))?;
        let bytes = std::fs::read(dir.join(file)).map_err(|e| corrupt(file, e.to_string()))?;
        let got = format!("{:016x}", fnv1a64(&bytes));
        if &got != want {
            return Err(corrupt(
                file,
                format!("checksum {got}, expected {want} ({} bytes)", bytes.len()),
            ));
        }
    }
    Ok(())
}

/// The newest checkpoint of `run_dir` that passes [verify_checkpoint], with the reasons the
/// newer ones were skipped.
///
/// # Errors
/// [TrainError::NoCheckpoint] when no checkpoint is intact (the skipped ones are named).
pub fn latest_good_checkpoint(run_dir: &Path) -> Result<(usize, PathBuf, Vec<String>)> {
    let mut skipped = Vec::new();
    for (epoch, dir) in list_checkpoints(run_dir)?.into_iter().rev() {
        match verify_checkpoint(&dir) {
            Ok(()) => return Ok((epoch, dir, skipped)),
            Err(e) => skipped.push(e.to_string()),
        }
    }
    if skipped.is_empty() {
        Err(TrainError::NoCheckpoint {
            dir: run_dir.to_path_buf(),
        })
    } else {
        Err(TrainError::InvalidConfig {
            field: "resume",
            message: format!(
                "{}: no intact checkpoint: {}",
                run_dir.display(),
                skipped.join("; ")
            ),
        })
    }
}

/// Reads a checkpoint into `model` (an initialised model of the same configuration; its
/// parameter ids become the saved ones) and `optim`.
///
/// # Errors
/// [TrainError::Record] or [TrainError::Json].
pub fn load_checkpoint(
    dir: &Path,
    model: EscModel,
    optim: ModuleOptimizer,
) -> Result<(EscModel, ModuleOptimizer, TrainState)> {
    let model = load_model_weights(&dir.join("model.bpk"), model)?;
    let optim_path = dir.join("optim.bpk");
    let bytes = read_bytes(&optim_path)?;
    // burn 0.22 panics (instead of returning an error) on some malformed optimizer records, e.g.
    // a tensor whose parameter id was damaged: such a panic becomes a typed error here.
    let optim = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| optim.from_bytes(bytes)))
        .map_err(|panic| record_err(&optim_path, panic_message(&*panic)))?
        .map_err(|e| record_err(&optim_path, e))?;
    let state = read_json(&dir.join("state.json"))?;
    Ok((model, optim, state))
}

/// The message of a caught panic.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("malformed record (burn panicked: {text})")
}

/// Reads a file into memory: burn's file readers map tensors lazily, and a run may prune a
/// checkpoint while state loaded from it is still in use.
fn read_bytes(path: &Path) -> Result<Bytes> {
    std::fs::read(path)
        .map(Bytes::from_bytes_vec)
        .map_err(|e| TrainError::io(path, e))
}

/// Loads the weights of `model.bpk` at `path` into `model` (same configuration; parameter ids
/// become the saved ones).
///
/// # Errors
/// [TrainError::Io] or [TrainError::Record] (e.g. a model of another configuration).
pub fn load_model_weights(path: &Path, model: EscModel) -> Result<EscModel> {
    let bytes = read_bytes(path)?;
    // As for the optimizer record: a burn panic on a malformed record becomes a typed error.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let record = ModuleRecord::from_bytes(bytes).map_err(|e| record_err(path, e))?;
        model
            .try_load_record(record)
            .map_err(|e| record_err(path, e))
    }))
    .map_err(|panic| record_err(path, panic_message(&*panic)))?
}

/// Deletes what a killed run left half done: `epoch-NNNN.tmp` (an unfinished write) and
/// `epoch-NNNN.deleting` (an unfinished prune) folders. Never touches a complete checkpoint.
///
/// # Errors
/// [TrainError::Io].
pub fn remove_unfinished_checkpoints(run_dir: &Path) -> Result<()> {
    let dir = run_dir.join("checkpoints");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.map_err(|e| TrainError::io(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("epoch-") && (name.ends_with(".tmp") || name.ends_with(".deleting")) {
            std::fs::remove_dir_all(entry.path()).map_err(|e| TrainError::io(entry.path(), e))?;
        }
    }
    Ok(())
}

/// Removes checkpoints other than the best and the `keep_last` newest.
///
/// # Errors
/// [TrainError::Io].
pub fn prune_checkpoints(run_dir: &Path, best: Option<usize>, keep_last: usize) -> Result<()> {
    let all = list_checkpoints(run_dir)?;
    let n = all.len();
    for (i, (epoch, dir)) in all.into_iter().enumerate() {
        let recent = i + keep_last >= n;
        if !recent && Some(epoch) != best {
            // Renamed first so that a crash mid-delete never leaves a visible, partial checkpoint.
            let doomed = dir.with_extension("deleting");
            std::fs::rename(&dir, &doomed).map_err(|e| TrainError::io(&dir, e))?;
            std::fs::remove_dir_all(&doomed).map_err(|e| TrainError::io(&doomed, e))?;
        }
    }
    Ok(())
}

/// Writes `value` as pretty JSON through a temporary file renamed into place.
///
/// # Errors
/// [TrainError::Io] or [TrainError::Json].
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| TrainError::json(path, e))?;
    // One temporary name per process: experiment processes that share a folder (seeds or arms
    // side by side) write the same files, and a shared name let one rename the other's away.
    let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| TrainError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| TrainError::io(path, e))
}

/// Reads a JSON file.
///
/// # Errors
/// [TrainError::Io] or [TrainError::Json] (with line and column).
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| TrainError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| TrainError::json(path, e))
}
