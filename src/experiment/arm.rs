//! The arms of a STAR experiment and how each derives its configuration from the base one.

use std::path::Path;

use star_core::LambdaSchedule;

use crate::train::{BaseCheckpoint, TrainConfig};

/// One arm of the experiment (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Arm {
    /// The head alone, `L_LM` only (BlenderBot-Joint as its authors train it).
    Joint,
    /// The head with the λ-scheduled strategy loss, no STAR: the control for STAR's loss.
    JointLst,
    /// The head with STAR and the same λ-scheduled strategy loss.
    Star,
    /// Stage 2: [Arm::Joint]'s model trained on with `L_LM`.
    JointContinued,
    /// Stage 2: [Arm::Joint]'s model trained on with `L_LM` + `L_ST`.
    JointLstContinued,
    /// Stage 2: a new STAR on [Arm::Joint]'s model; only STAR and the shared embedding train.
    StarTwoStage,
}

impl Arm {
    /// Every arm, single-stage ones first.
    pub const ALL: [Arm; 6] = [
        Arm::Joint,
        Arm::JointLst,
        Arm::Star,
        Arm::JointContinued,
        Arm::JointLstContinued,
        Arm::StarTwoStage,
    ];

    /// The arm's folder and command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Arm::Joint => "joint",
            Arm::JointLst => "joint-lst",
            Arm::Star => "star",
            Arm::JointContinued => "joint-cont",
            Arm::JointLstContinued => "joint-lst-cont",
            Arm::StarTwoStage => "star-two-stage",
        }
    }

    /// The arm's row name in tables.
    pub fn label(self) -> &'static str {
        match self {
            Arm::Joint => "Joint (L_LM)",
            Arm::JointLst => "Joint + L_ST",
            Arm::Star => "Joint + L_ST + STAR",
            Arm::JointContinued => "stage 2: Joint continued",
            Arm::JointLstContinued => "stage 2: Joint + L_ST",
            Arm::StarTwoStage => "stage 2: + STAR (two-stage)",
        }
    }

    /// The arm named `name` ([Arm::name]).
    pub fn from_name(name: &str) -> Option<Arm> {
        Arm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether the arm branches from the seed's [Arm::Joint] run.
    pub fn is_branch(self) -> bool {
        matches!(
            self,
            Arm::JointContinued | Arm::JointLstContinued | Arm::StarTwoStage
        )
    }

    /// The arm's configuration: `base` with this `seed`, STAR on or off, the strategy loss
    /// (`base.lambda_schedule`, or `Log { base.lambda0 }`) on or off, and for branches the last
    /// checkpoint of `joint_run` as the start and `branch_epochs` epochs.
    pub fn config(
        self,
        base: &TrainConfig,
        seed: u64,
        branch_epochs: usize,
        joint_run: &Path,
    ) -> TrainConfig {
        let schedule = base.lambda_schedule.unwrap_or(LambdaSchedule::Log {
            lambda0: base.lambda0,
        });
        let off = LambdaSchedule::Constant { lambda: 0.0 };
        let (star, lambda) = match self {
            Arm::Joint | Arm::JointContinued => (false, off),
            Arm::JointLst | Arm::JointLstContinued => (false, schedule),
            Arm::Star | Arm::StarTwoStage => (true, schedule),
        };
        let mut config = TrainConfig {
            seed,
            star,
            lambda_schedule: Some(lambda),
            stage_two_epochs: 0,
            base_checkpoint: None,
            ..base.clone()
        };
        if self.is_branch() {
            config.epochs = branch_epochs;
            config.base_checkpoint = Some(BaseCheckpoint {
                run: joint_run.to_path_buf(),
                epoch: base.epochs,
            });
            if self == Arm::StarTwoStage {
                config.stage_two_epochs = branch_epochs;
            }
        }
        config
    }
}
