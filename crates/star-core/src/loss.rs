//! Section 3.3: the multitask loss `L = (1 - λ) L_LM + λ L_ST` and the schedule of `λ`.

use burn::config::Config;
use burn::tensor::Tensor;

/// How the strategy-loss weight `λ` evolves over epochs.
#[derive(Config, Debug, Copy, PartialEq)]
pub enum LambdaSchedule {
    /// The paper's and the reference's `λ = λ0 · ln(E + 1) / ln(E_max)` with a zero-based
    /// epoch `E`: 0 at the first epoch, `λ0` at the last (the reference clamps at `λ0` after).
    Log {
        /// `λ0` (`loss_weight`, 0.8 in the reference).
        lambda0: f64,
    },
    /// A constant `λ`.
    Constant {
        /// The weight.
        lambda: f64,
    },
    /// `λ = λ0 · E / (E_max - 1)`: 0 at the first epoch, `λ0` at the last, clamped after.
    Linear {
        /// The final weight.
        lambda0: f64,
    },
}

impl LambdaSchedule {
    /// The reference schedule: [`LambdaSchedule::Log`] with `λ0 = 0.8`.
    pub fn reference() -> Self {
        LambdaSchedule::Log { lambda0: 0.8 }
    }

    /// `λ` at zero-based `epoch` of `max_epochs`.
    ///
    /// With `max_epochs <= 1` the only epoch is the last one, so the schedules give their
    /// final value (`λ0`) instead of dividing by zero.
    pub fn lambda(&self, epoch: usize, max_epochs: usize) -> f64 {
        let progress = |ramp: f64| if max_epochs <= 1 { 1.0 } else { ramp.min(1.0) };
        match *self {
            LambdaSchedule::Log { lambda0 } => {
                lambda0 * progress(((epoch + 1) as f64).ln() / (max_epochs as f64).ln())
            }
            LambdaSchedule::Constant { lambda } => lambda,
            LambdaSchedule::Linear { lambda0 } => {
                lambda0 * progress(epoch as f64 / (max_epochs.saturating_sub(1)) as f64)
            }
        }
    }
}

/// `L = (1 - λ) · L_LM + λ · L_ST`.
///
/// # Shapes
/// - `lm`, `strategy`: `[1]` (scalar losses)
/// - output: `[1]`
pub fn combine(lm: Tensor<1>, strategy: Tensor<1>, lambda: f64) -> Tensor<1> {
    lm * (1.0 - lambda) + strategy * lambda
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use burn::tensor::Device;

    #[test]
    fn log_schedule_matches_reference_formula() {
        // Reference (`forward`): λ = w·(1 − α), α = max(0, (ln E_max − ln(E+1)) / ln E_max).
        let reference = |e: usize, e_max: usize, w: f64| {
            let alpha =
                (((e_max as f64).ln() - ((e + 1) as f64).ln()) / (e_max as f64).ln()).max(0.0);
            w * (1.0 - alpha)
        };
        let schedule = LambdaSchedule::reference();
        for e in 0..45 {
            assert_relative_eq!(
                schedule.lambda(e, 40),
                reference(e, 40, 0.8),
                epsilon = 1e-12
            );
        }
        assert_eq!(schedule.lambda(0, 40), 0.0);
        assert_relative_eq!(schedule.lambda(39, 40), 0.8, epsilon = 1e-12);
    }

    #[test]
    fn linear_and_constant_schedules() {
        let linear = LambdaSchedule::Linear { lambda0: 0.5 };
        assert_eq!(linear.lambda(0, 11), 0.0);
        assert_relative_eq!(linear.lambda(5, 11), 0.25);
        assert_relative_eq!(linear.lambda(20, 11), 0.5);
        assert_eq!(LambdaSchedule::Constant { lambda: 0.3 }.lambda(7, 10), 0.3);
        assert_eq!(LambdaSchedule::reference().lambda(0, 1), 0.8);
    }

    #[test]
    fn combine_weights_losses() {
        let device = Device::flex();
        let lm = Tensor::<1>::from_floats([2.0], &device);
        let st = Tensor::<1>::from_floats([4.0], &device);
        let loss: f32 = combine(lm, st, 0.25).into_scalar();
        assert_relative_eq!(loss, 0.75 * 2.0 + 0.25 * 4.0);
    }
}
