//! Properties of the Rust implementation that need no reference values: the vectorised path
//! equals the per-example loop, the incremental API equals the full forward, masking works.

mod common;

use burn::tensor::{Bool, Device, Distribution, Int, Tensor, TensorData};
use common::{assert_close, devices, values};
use star_core::{
    ExpertMode, GateWidth, PadPooling, PoolingMode, Star, StarCache, StarConfig, StarConfigError,
    StarInit, StarInput,
};

const B: usize = 6;
const T: usize = 7;
const D: usize = 32;
const IDS: [i64; B] = [5, 1, 5, 7, 0, 1]; // unsorted, repeated, experts 2/3/4/6 unused
const LENGTHS: [usize; B] = [7, 3, 5, 1, 6, 7];

fn config(pooling: PoolingMode, experts: ExpertMode, width: GateWidth) -> StarConfig {
    StarConfig::new(D, 8)
        .with_n_heads(4)
        .with_gate_dim(8)
        .with_d_ffn(48)
        .with_gate_dropout(0.0)
        .with_refine_dropout(0.0)
        .with_pooling(pooling)
        .with_expert_mode(experts)
        .with_gate_width(width)
        // Random gate output weights, so that g varies across examples and positions.
        .with_init(StarInit::Normal { std: 0.1 })
}

fn inputs(device: &Device) -> (Tensor<3>, Tensor<1, Int>, Tensor<2, Bool>) {
    let hidden = Tensor::<3>::random([B, T, D], Distribution::Normal(0.0, 1.0), device);
    let ids = Tensor::from_data(TensorData::new(IDS.to_vec(), [B]), device);
    let mask: Vec<bool> = LENGTHS
        .iter()
        .flat_map(|&n| (0..T).map(move |t| t >= n))
        .collect();
    let mask = Tensor::from_data(TensorData::new(mask, [B, T]), device);
    (hidden, ids, mask)
}

fn all_modes() -> Vec<(PoolingMode, ExpertMode, GateWidth)> {
    let mut modes = Vec::new();
    for pooling in [PoolingMode::Full, PoolingMode::Causal] {
        for experts in [ExpertMode::PerStrategy, ExpertMode::Shared] {
            for width in [GateWidth::Scalar, GateWidth::PerChannel] {
                modes.push((pooling, experts, width));
            }
        }
    }
    modes
}

#[test]
fn vectorised_equals_per_example_loop() {
    for (name, device) in devices() {
        let device = device.autodiff();
        device.seed(0);
        for (pooling, experts, width) in all_modes() {
            let what = format!("{name} {pooling:?} {experts:?} {width:?}");
            let star = config(pooling, experts, width).init(&device);
            let (hidden, ids, mask) = inputs(&device);
            let run = |per_example: bool| {
                let h = hidden.clone().detach().require_grad();
                let input = StarInput::new(h.clone(), ids.clone()).mask_pad(mask.clone());
                let out = if per_example {
                    star.forward_per_example(input)
                } else {
                    star.forward(input)
                };
                let grads = (out.hidden.clone() * out.hidden.clone()).sum().backward();
                let d_in = values(h.grad(&grads).expect("input gradient"));
                // Expert 1 is used in PerStrategy mode; expert 0 is the shared one.
                let used = if star.n_experts() > 1 { 1 } else { 0 };
                let d_w = values(
                    star.experts[used]
                        .refine
                        .fc1
                        .weight
                        .val()
                        .grad(&grads)
                        .expect("the expert is used"),
                );
                (
                    values(out.hidden),
                    values(out.gate),
                    values(out.pooled),
                    d_in,
                    d_w,
                )
            };
            let (h1, g1, z1, di1, dw1) = run(false);
            let (h2, g2, z2, di2, dw2) = run(true);
            assert_close(&format!("{what} hidden"), &h1, &h2, 1e-5);
            assert_close(&format!("{what} gate"), &g1, &g2, 1e-5);
            assert_close(&format!("{what} pooled"), &z1, &z2, 1e-5);
            assert_close(&format!("{what} d hidden"), &di1, &di2, 1e-4);
            assert_close(&format!("{what} d expert 1"), &dw1, &dw2, 1e-4);
            // The gates differ between examples: the test would see a dispatch mix-up.
            assert!(
                g1.iter().any(|g| (g - g1[0]).abs() > 1e-3),
                "{what}: constant gate"
            );
        }
    }
}

/// Run `forward_step` over `chunks` of positions and concatenate the outputs.
fn stepwise(
    star: &Star,
    hidden: &Tensor<3>,
    ids: &Tensor<1, Int>,
    mask: &Tensor<2, Bool>,
    chunks: &[usize],
) -> Tensor<3> {
    let mut cache = StarCache::new();
    let mut outputs = Vec::new();
    let mut start = 0;
    for &n in chunks {
        let chunk = hidden.clone().narrow(1, start, n);
        let chunk_mask = mask.clone().narrow(1, start, n);
        let input = StarInput::new(chunk, ids.clone()).mask_pad(chunk_mask);
        outputs.push(star.forward_step(input, &mut cache).hidden);
        start += n;
        assert_eq!(cache.len(), start);
    }
    Tensor::cat(outputs, 1)
}

#[test]
fn causal_forward_equals_incremental_steps() {
    for (name, device) in devices() {
        device.seed(1);
        for pad in [PadPooling::Masked, PadPooling::IncludePads] {
            let star = config(
                PoolingMode::Causal,
                ExpertMode::PerStrategy,
                GateWidth::PerChannel,
            )
            .with_pad_pooling(pad)
            .init(&device);
            let (hidden, ids, mask) = inputs(&device);
            let full =
                star.forward(StarInput::new(hidden.clone(), ids.clone()).mask_pad(mask.clone()));
            for chunks in [vec![1; T], vec![2, 1, 3, 1]] {
                let steps = stepwise(&star, &hidden, &ids, &mask, &chunks);
                assert_close(
                    &format!("{name} {pad:?} {chunks:?}"),
                    &values(steps),
                    &values(full.hidden.clone()),
                    1e-5,
                );
            }
        }
    }
}

#[test]
fn full_step_equals_forward_over_the_prefix() {
    for (name, device) in devices() {
        device.seed(2);
        let star = config(
            PoolingMode::Full,
            ExpertMode::PerStrategy,
            GateWidth::Scalar,
        )
        .init(&device);
        let (hidden, ids, mask) = inputs(&device);
        let mut cache = StarCache::new();
        for t in 0..T {
            let input = StarInput::new(hidden.clone().narrow(1, t, 1), ids.clone())
                .mask_pad(mask.clone().narrow(1, t, 1));
            let step = star.forward_step(input, &mut cache).hidden;
            let prefix = StarInput::new(hidden.clone().narrow(1, 0, t + 1), ids.clone())
                .mask_pad(mask.clone().narrow(1, 0, t + 1));
            let expected = star.forward(prefix).hidden.narrow(1, t, 1);
            assert_close(
                &format!("{name} t={t}"),
                &values(step),
                &values(expected),
                1e-5,
            );
        }
    }
}

#[test]
fn masked_pooling_ignores_pad_contents_and_include_pads_does_not() {
    let device = Device::flex();
    device.seed(3);
    for pooling in [PoolingMode::Full, PoolingMode::Causal] {
        let cfg = config(pooling, ExpertMode::PerStrategy, GateWidth::Scalar);
        let masked = cfg
            .clone()
            .with_pad_pooling(PadPooling::Masked)
            .init(&device);
        let (hidden, ids, mask) = inputs(&device);
        let noise = Tensor::<3>::random([B, T, D], Distribution::Normal(0.0, 5.0), &device)
            * mask.clone().float().unsqueeze_dim::<3>(2);
        let pooled = |star: &Star, h: Tensor<3>| {
            values(
                star.forward(StarInput::new(h, ids.clone()).mask_pad(mask.clone()))
                    .pooled,
            )
        };
        let clean = pooled(&masked, hidden.clone());
        let noisy = pooled(&masked, hidden.clone() + noise.clone());
        assert_close(&format!("{pooling:?} masked"), &noisy, &clean, 1e-5);

        let mut include = masked.clone();
        include.pad_pooling = PadPooling::IncludePads;
        let clean = pooled(&include, hidden.clone());
        let noisy = pooled(&include, hidden + noise);
        let diff = clean
            .iter()
            .zip(&noisy)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(diff > 1e-3, "{pooling:?}: IncludePads must see the pads");
    }
}

#[test]
fn reference_init_starts_at_half_gate() {
    let device = Device::flex();
    let star = StarConfig::new(D, 8)
        .with_n_heads(4)
        .with_d_ffn(48)
        .init(&device);
    let (hidden, ids, mask) = inputs(&device);
    let out = star.forward(StarInput::new(hidden, ids).mask_pad(mask));
    assert_eq!(out.gate.dims(), [B, 1, 1]);
    assert!(values(out.gate).iter().all(|&g| g == 0.5));
    // Gate output layer zero; gate input ~ N(0, 0.01); refinement biases zero.
    assert!(
        values(star.experts[3].gate.fc2.weight.val())
            .iter()
            .all(|&w| w == 0.0)
    );
    let w = values(star.experts[3].gate.fc1.weight.val());
    let std = (w.iter().map(|x| x * x).sum::<f32>() / w.len() as f32).sqrt();
    assert!((0.005..0.02).contains(&std), "gate input std {std}");
    let bias = star.experts[3]
        .refine
        .fc1
        .bias
        .as_ref()
        .expect("bias")
        .val();
    assert!(values(bias).iter().all(|&b| b == 0.0));
}

#[test]
fn shared_mode_needs_no_strategy_ids() {
    let device = Device::flex();
    let star = config(PoolingMode::Full, ExpertMode::Shared, GateWidth::PerChannel).init(&device);
    assert_eq!(star.n_experts(), 1);
    let (hidden, _, mask) = inputs(&device);
    let out = star.forward(StarInput::shared(hidden).mask_pad(mask));
    assert_eq!(out.gate.dims(), [B, 1, D]);
}

#[test]
#[should_panic(expected = "strategy id 9 is out of range (n_strategies = 8)")]
fn out_of_range_strategy_panics() {
    let device = Device::flex();
    let star = config(
        PoolingMode::Full,
        ExpertMode::PerStrategy,
        GateWidth::Scalar,
    )
    .init(&device);
    let hidden = Tensor::<3>::zeros([2, 3, D], &device);
    star.forward(StarInput::new(hidden, Tensor::from_ints([0, 9], &device)));
}

#[test]
fn invalid_configs_are_typed_errors() {
    let device = Device::flex();
    let err = StarConfig::new(30, 8).try_init(&device).unwrap_err();
    assert_eq!(
        err,
        StarConfigError::HeadsDoNotDivide {
            d_model: 30,
            n_heads: 8
        }
    );
    let err = StarConfig::new(32, 0).validate().unwrap_err();
    assert_eq!(
        err,
        StarConfigError::ZeroSize {
            field: "n_strategies"
        }
    );
    let err = StarConfig::new(32, 8)
        .with_gate_dropout(1.0)
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("gate_dropout"), "{err}");
    // Configs round-trip through JSON (burn's `Config`), as a checkpoint's config would.
    let cfg = StarConfig::reference(512, 8).with_pooling(PoolingMode::Causal);
    let json = serde_json::to_string(&cfg).expect("serialise");
    let back: StarConfig = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back.pooling, PoolingMode::Causal);
    assert_eq!(back.pad_pooling, PadPooling::IncludePads);
}

/// Soft routing: `Σ_e w_e · (STAR with expert e)`, and one-hot weights are hard routing; in the
/// incremental API too.
#[test]
fn mixed_experts_are_the_weighted_sum_of_single_experts() {
    for (name, device) in devices() {
        device.seed(3);
        for pooling in [PoolingMode::Full, PoolingMode::Causal] {
            for width in [GateWidth::Scalar, GateWidth::PerChannel] {
                let star = config(pooling, ExpertMode::PerStrategy, width).init(&device);
                let (hidden, ids, mask) = inputs(&device);
                let weights = burn::tensor::activation::softmax(
                    Tensor::<2>::random([B, 8], Distribution::Normal(0.0, 2.0), &device),
                    1,
                );
                let mixed = star.forward(
                    StarInput::mixed(hidden.clone(), weights.clone()).mask_pad(mask.clone()),
                );
                let mut expected = Tensor::<3>::zeros([B, T, D], &device);
                for e in 0..8 {
                    let ids_e = Tensor::<1, Int>::full([B], e as i64, &device);
                    let one =
                        star.forward(StarInput::new(hidden.clone(), ids_e).mask_pad(mask.clone()));
                    let w = weights.clone().narrow(1, e, 1).reshape([B, 1, 1]);
                    expected = expected + one.hidden * w;
                }
                let what = format!("{name} {pooling:?} {width:?} mixed");
                assert_close(&what, &values(mixed.hidden), &values(expected), 1e-5);

                let rows: Vec<f32> = IDS
                    .iter()
                    .flat_map(|&id| (0..8).map(move |e| if e == id as usize { 1.0 } else { 0.0 }))
                    .collect();
                let hot = Tensor::<2>::from_data(TensorData::new(rows, [B, 8]), &device);
                let soft = star
                    .forward(StarInput::mixed(hidden.clone(), hot.clone()).mask_pad(mask.clone()));
                let hard = star
                    .forward(StarInput::new(hidden.clone(), ids.clone()).mask_pad(mask.clone()));
                let what = format!("{name} {pooling:?} {width:?} one-hot");
                assert_close(
                    &what,
                    &values(soft.hidden),
                    &values(hard.hidden.clone()),
                    1e-5,
                );

                if pooling == PoolingMode::Causal {
                    let mut cache = StarCache::new();
                    let mut steps = Vec::new();
                    for t in 0..T {
                        let step = star.forward_step(
                            StarInput::mixed(hidden.clone().narrow(1, t, 1), hot.clone())
                                .mask_pad(mask.clone().narrow(1, t, 1)),
                            &mut cache,
                        );
                        steps.push(step.hidden);
                    }
                    let steps = Tensor::cat(steps, 1);
                    let what = format!("{name} {width:?} mixed step by step");
                    assert_close(&what, &values(steps), &values(hard.hidden), 1e-5);
                }
            }
        }
    }
}
