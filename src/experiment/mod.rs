//! Sweeps over runs: train-then-evaluate one run folder ([train_and_evaluate], resuming or
//! refusing what the folder holds), heads without vs with STAR ([run_comparison]), and the
//! controlled experiment ([run_experiment]); a [RunObserver] sees their progress.
//!
//! ## Controlled experiments: does STAR help?
//!
//! An experiment trains several **arms** ([Arm]) with the same data, data order, seeds and
//! budget, evaluates each on the test split, and reports every arm's mean ± std with a 95 %
//! confidence interval over the seeds and paired significance tests between arms ([report]).
//!
//! Two protocols, both leak-free by default (causal pooling, pads masked; see
//! [crate::train::StarOptions::leak_free]):
//! - **single stage**, from scratch for `epochs`: [Arm::Joint] (`L_LM` only), [Arm::JointLst]
//!   (`L_LM` + the λ-scheduled `L_ST`, no STAR: the control for the loss) and [Arm::Star]
//!   (the same loss with STAR);
//! - **the paper's two stages**: each seed's [Arm::Joint] run is the stage-1 base; stage 2
//!   branches from its last checkpoint for `branch_epochs`: [Arm::JointContinued],
//!   [Arm::JointLstContinued] and [Arm::StarTwoStage] (only STAR and the shared embedding train).
//!
//! Runs live in `out/seed-N/<arm>`; a stopped experiment resumes where it stopped (finished runs
//! are reused, interrupted ones continue from their last checkpoint).

mod arm;
mod compare;
mod compare_table;
mod observer;
pub mod report;
mod runner;
mod sweep;

pub use arm::Arm;
pub use compare::{ComparePlan, run_comparison};
pub use compare_table::{
    HeadComparison, SeedPair, compare_heads_markdown, compare_markdown, mean_std,
};
pub use observer::RunObserver;
pub use runner::{RunOutcome, train_and_evaluate};
pub use sweep::{run_experiment, write_report};

use std::path::{Path, PathBuf};

use crate::train::TrainConfig;

/// The folder of `arm`'s run for `seed` in the experiment folder `out`.
pub fn run_dir(out: &Path, seed: u64, arm: Arm) -> PathBuf {
    out.join(format!("seed-{seed}")).join(arm.name())
}

/// What every run of an experiment shares.
#[derive(Debug, Clone)]
pub struct ExperimentPlan {
    /// The base configuration (data, model size, optimiser, STAR options, stage-1 epochs).
    pub base: TrainConfig,
    /// Epochs of the stage-2 branches.
    pub branch_epochs: usize,
    /// The seeds; every arm runs once per seed.
    pub seeds: Vec<u64>,
    /// The arms, in running order (a branch needs [Arm::Joint] earlier in the list).
    pub arms: Vec<Arm>,
}

impl ExperimentPlan {
    /// The configuration of `arm` for `seed`, with its base runs under `out`.
    ///
    /// # Errors
    /// [crate::train::TrainError::InvalidConfig] for a branch whose base arm is not planned.
    pub fn config(&self, out: &Path, seed: u64, arm: Arm) -> crate::train::Result<TrainConfig> {
        if arm.is_branch() && !self.arms.contains(&Arm::Joint) {
            return Err(crate::train::TrainError::InvalidConfig {
                field: "arms",
                message: format!(
                    "{} branches from the `joint` run of its seed: add `joint` to the arms",
                    arm.name()
                ),
            });
        }
        Ok(arm.config(
            &self.base,
            seed,
            self.branch_epochs,
            &run_dir(out, seed, Arm::Joint),
        ))
    }
}
