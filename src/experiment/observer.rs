//! What a sweep tells its caller while it runs (progress display, logging).

use std::path::Path;

use super::runner::RunOutcome;
use crate::train::{TrainEvent, Trainer};

/// Receives the progress of [super::train_and_evaluate] and the sweeps built on it. Every
/// method does nothing by default; `()` observes nothing.
pub trait RunObserver {
    /// A sweep is about to run `run_dir` (`label` names it, e.g. `seed 2, arm star`).
    fn starting(&mut self, run_dir: &Path, label: &str) {
        let _ = (run_dir, label);
    }

    /// The trainer of `run_dir` is set up (fresh or resumed), before its first step.
    fn opened(&mut self, run_dir: &Path, trainer: &Trainer) {
        let _ = (run_dir, trainer);
    }

    /// A training event of `run_dir` (every step and every validation).
    fn event(&mut self, run_dir: &Path, event: &TrainEvent) {
        let _ = (run_dir, event);
    }

    /// `run_dir` is trained and evaluated (or was already: [RunOutcome::reused]).
    fn finished(&mut self, run_dir: &Path, outcome: &RunOutcome) {
        let _ = (run_dir, outcome);
    }

    /// A sweep wrote its table after a finished run (`markdown` is its current content).
    fn table(&mut self, path: &Path, markdown: &str) {
        let _ = (path, markdown);
    }
}

impl RunObserver for () {}
