//! Training on a tiny config and a few sample dialogs: the loss goes down, a run stopped after an
//! epoch and resumed ends exactly where an uninterrupted run ends, checkpoints appear atomically.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use star_esc::esc_models::EscModel;
use star_esc::train::{RunData, TrainConfig, TrainEvent, Trainer, list_checkpoints};

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 4,
        grad_accum: 2,
        warmup: 2,
        max_input_len: 48,
        max_target_len: 16,
        max_train_examples: Some(24),
        max_eval_examples: Some(8),
        eval_batch_size: 8,
        keep_last: 1,
        ..TrainConfig::tiny()
    }
}

fn data() -> RunData {
    static DATA: OnceLock<RunData> = OnceLock::new();
    DATA.get_or_init(|| RunData::load(&config(1)).expect("sample dataset"))
        .clone()
}

/// burn's seed is process-wide: tests that train run one at a time so that each run's
/// initialisation and dropout draw only its own numbers.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn run_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("star-esc-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

struct Flatten(Vec<f32>);

impl ModuleVisitor for Flatten {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let data = param.val().into_data().convert::<f32>();
        self.0
            .extend(data.try_into_vec::<f32>().expect("float parameters"));
    }
}

fn parameters(model: &EscModel) -> Vec<f32> {
    let mut v = Flatten(Vec::new());
    model.visit(&mut v);
    v.0
}

#[test]
fn loss_decreases() {
    let _serial = serial();
    let dir = run_dir("loss");
    let mut trainer = Trainer::from_data(config(4), dir.clone(), data()).unwrap();
    let mut lm = Vec::new();
    trainer
        .train(&mut |e| {
            if let TrainEvent::Step { epoch, lm_loss, .. } = e {
                lm.push((*epoch, *lm_loss));
            }
        })
        .unwrap();
    let mean = |ep: usize| {
        let v: Vec<f64> = lm
            .iter()
            .filter(|(e, _)| *e == ep)
            .map(|(_, l)| *l)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean(3) < mean(0) - 0.1,
        "LM loss should fall: epoch 1 {} vs epoch 4 {}",
        mean(0),
        mean(3)
    );
    let h = &trainer.state().history;
    assert!(
        h[3].ppl < h[0].ppl,
        "validation perplexity should fall: {h:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn resume_continues_exactly() {
    let _serial = serial();
    let straight_dir = run_dir("straight");
    let mut straight = Trainer::from_data(config(2), straight_dir.clone(), data()).unwrap();
    straight.train(&mut |_| {}).unwrap();

    let resumed_dir = run_dir("resumed");
    let mut first = Trainer::from_data(config(2), resumed_dir.clone(), data()).unwrap();
    first.train_epochs(1, &mut |_| {}).unwrap();
    drop(first);
    let mut resumed = Trainer::resume_with_data(&resumed_dir, data()).unwrap();
    assert_eq!(resumed.state().epochs_done, 1);
    resumed.train(&mut |_| {}).unwrap();

    assert_eq!(resumed.state().step, straight.state().step);
    assert_eq!(resumed.state().history, straight.state().history);
    let (a, b) = (parameters(straight.model()), parameters(resumed.model()));
    assert_eq!(a.len(), b.len());
    let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert_eq!(differing, 0, "{differing} of {} weights differ", a.len());
    // The run did move the weights (the comparison is not between two untouched models).
    let fresh = Trainer::from_data(config(2), run_dir("fresh"), data()).unwrap();
    assert_ne!(parameters(fresh.model()), a);
    for d in [straight_dir, resumed_dir, run_dir("fresh")] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// Every visible `epoch-NNNN` folder holds the three files; polled while training.
fn check_visible(run: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(run.join("checkpoints")) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // `.tmp` (being written) and `.deleting` (being pruned) are not checkpoints.
        if name.starts_with("epoch-") && !name.contains('.') {
            for file in ["model.bpk", "optim.bpk", "state.json"] {
                // A folder being pruned may vanish between listing and checking.
                if entry.path().exists() && !entry.path().join(file).exists() {
                    return Err(format!("{name} is visible without {file}"));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn checkpoints_are_atomic() {
    let _serial = serial();
    let dir = run_dir("atomic");
    std::fs::create_dir_all(&dir).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (dir, done) = (dir.clone(), done.clone());
        std::thread::spawn(move || {
            let mut polls = 0usize;
            while !done.load(Ordering::Relaxed) {
                check_visible(&dir)?;
                polls += 1;
            }
            Ok::<usize, String>(polls)
        })
    };
    let mut trainer = Trainer::from_data(config(3), dir.clone(), data()).unwrap();
    trainer.train(&mut |_| {}).unwrap();
    done.store(true, Ordering::Relaxed);
    let polls = watcher.join().unwrap().unwrap();
    assert!(polls > 0);

    // keep_last 1 + the best: at most two left, none temporary.
    let left = list_checkpoints(&dir).unwrap();
    assert!(!left.is_empty() && left.len() <= 2, "{left:?}");
    assert_eq!(left.last().unwrap().0, 3);
    let names: Vec<String> = std::fs::read_dir(dir.join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");

    // A crash mid-write leaves a `.tmp` folder: it is ignored by resume.
    let partial = dir.join("checkpoints").join("epoch-0009.tmp");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join("model.bpk"), b"partial").unwrap();
    assert_eq!(list_checkpoints(&dir).unwrap().last().unwrap().0, 3);
    let resumed = Trainer::resume_with_data(&dir, data()).unwrap();
    assert_eq!(resumed.state().epochs_done, 3);
    std::fs::remove_dir_all(dir).unwrap();
}
