//! Helpers shared by the facade's training tests (each test binary includes this module).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use star_esc::esc_models::EscModel;

/// burn's seed is process-wide: tests that train run one at a time so that each run's
/// initialisation and dropout draw only its own numbers.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An empty temporary run folder, unique to this process, test binary (`suite`) and `name`.
pub fn run_dir(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "star-esc-test-{}-{suite}-{name}",
        std::process::id()
    ));
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

/// Every float parameter of `model`, flattened in visiting order.
pub fn parameters(model: &EscModel) -> Vec<f32> {
    let mut v = Flatten(Vec::new());
    model.visit(&mut v);
    v.0
}

/// The largest absolute element-wise difference.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A tiny run on the shipped sample (4 examples a batch, 2 accumulated, 24 training and 8
/// evaluation examples) for `epochs` epochs: the configuration of the resume and cross-device
/// tests.
pub fn tiny_run(epochs: usize) -> star_esc::train::TrainConfig {
    star_esc::train::TrainConfig {
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
        ..star_esc::train::TrainConfig::tiny()
    }
}
