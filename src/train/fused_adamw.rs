//! AdamW with burn's arithmetic and state, one pass per parameter on flex.

use burn::optim::{AdamW, AdamWConfig, AdamWState, AdaptiveMomentumState, LearningRate, Optimizer};
use burn::tensor::{Device, Tensor};

/// burn's `AdamW` (no AMSGrad, no cautious decay), computed in one pass over each parameter on
/// flex f32 tensors (`star_core::flex_adamw`: burn's AdamW makes about a dozen tensor
/// operations per parameter, a tenth of a 90M training step); elsewhere burn's own `AdamW`.
///
/// The state is burn's [AdamWState], so checkpoints written with either optimizer load into the
/// other, and the values are the same, operation for operation. [crate::train::Trainer] uses it.
///
/// ```
/// use burn::optim::ModuleOptimizer;
/// use star_esc::train::FusedAdamW;
///
/// // β₁, β₂, ε, weight decay: torch's AdamW defaults with the reference's decay.
/// let optim: ModuleOptimizer = FusedAdamW::new(0.9, 0.999, 1e-8, 0.01).into();
/// ```
#[derive(Clone)]
pub struct FusedAdamW {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    weight_decay: f32,
    /// burn's optimizer with the same settings, for the tensors the fused step does not take.
    reference: AdamW,
}

impl FusedAdamW {
    /// AdamW with these settings (AMSGrad and cautious weight decay off).
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32, weight_decay: f32) -> Self {
        let reference = AdamWConfig::new()
            .with_beta_1(beta_1)
            .with_beta_2(beta_2)
            .with_epsilon(epsilon)
            .with_weight_decay(weight_decay)
            .build();
        Self {
            beta_1,
            beta_2,
            epsilon,
            weight_decay,
            reference,
        }
    }
}

impl Optimizer for FusedAdamW {
    type State<const D: usize> = AdamWState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        #[cfg(feature = "flex")]
        {
            use star_core::flex_adamw::{AdamWScalars, step, supports};
            let plain = state
                .as_ref()
                .is_none_or(|s| s.momentum.max_moment_2.is_none());
            if plain && supports(&tensor) && supports(&grad) {
                // A first step from zero moments is burn's first step: `0·β + x = x` exactly.
                let (moment_1, moment_2, time) = match state {
                    Some(s) => (
                        s.momentum.moment_1,
                        s.momentum.moment_2,
                        s.momentum.time + 1,
                    ),
                    None => (grad.zeros_like(), grad.zeros_like(), 1),
                };
                let scalars = AdamWScalars {
                    beta_1: self.beta_1,
                    beta_2: self.beta_2,
                    epsilon: self.epsilon,
                    time: time as i32,
                    lr,
                    weight_decay: self.weight_decay,
                };
                let (tensor, moment_1, moment_2) = step(tensor, grad, moment_1, moment_2, scalars);
                let momentum = AdaptiveMomentumState {
                    time,
                    moment_1,
                    moment_2,
                    max_moment_2: None,
                };
                return (tensor, Some(AdamWState { momentum }));
            }
        }
        self.reference.step(lr, tensor, grad, state)
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        <AdamW as Optimizer>::to_device(state, device)
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::{GradientsParams, ModuleOptimizer};
    use burn::tensor::Distribution;

    fn values(linear: &Linear) -> Vec<f32> {
        let mut v: Vec<f32> = linear.weight.val().into_data().try_to_vec().unwrap();
        v.extend(
            linear
                .bias
                .as_ref()
                .unwrap()
                .val()
                .into_data()
                .try_to_vec::<f32>()
                .unwrap(),
        );
        v
    }

    /// One step of `optim` on a fixed loss of `linear`.
    fn step(optim: &mut ModuleOptimizer, linear: Linear, lr: f64, device: &Device) -> Linear {
        let x = Tensor::<2>::random([5, 7], Distribution::Normal(0.0, 1.0), device);
        let loss = (linear.forward(x).powf_scalar(2.0)).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &linear);
        optim.step(lr, linear, grads)
    }

    /// The fused step gives burn's AdamW values (weights and biases, with weight decay, over
    /// four steps), and a checkpoint of either optimizer continues in the other.
    #[test]
    fn matches_burn_adamw_and_shares_its_state() {
        let device = Device::flex().autodiff();
        let run = |fused: bool, switch_after: Option<usize>| {
            device.seed(11);
            let mut linear = LinearConfig::new(7, 300).init(&device);
            let make = |fused: bool| -> ModuleOptimizer {
                if fused {
                    FusedAdamW::new(0.9, 0.999, 1e-8, 0.01).into()
                } else {
                    AdamWConfig::new()
                        .with_epsilon(1e-8)
                        .with_weight_decay(0.01)
                        .init()
                }
            };
            let mut optim = make(fused);
            for i in 0..4 {
                if switch_after == Some(i) {
                    let path = std::env::temp_dir().join(format!(
                        "star-esc-fused-adamw-{}-{fused}.bpk",
                        std::process::id()
                    ));
                    optim.save(&path).unwrap();
                    // Read into memory: burn maps a loaded file lazily.
                    let bytes = burn::tensor::Bytes::from_bytes_vec(std::fs::read(&path).unwrap());
                    optim = make(!fused).from_bytes(bytes).unwrap();
                    std::fs::remove_file(&path).unwrap();
                }
                linear = step(&mut optim, linear, 1e-2 * (i + 1) as f64, &device);
            }
            values(&linear)
        };
        let reference = run(false, None);
        for (name, got) in [
            ("fused", run(true, None)),
            ("fused, then burn's", run(true, Some(2))),
            ("burn's, then fused", run(false, Some(2))),
        ] {
            let diff = got
                .iter()
                .zip(&reference)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(diff <= 1e-7, "{name}: max difference {diff}");
        }
    }
}
