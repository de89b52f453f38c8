//! One model pass: training, validation and generation compute the same logits, and STAR is
//! leak-free with causal pooling (a position never sees later decoder inputs).

mod common;

use burn::tensor::{Device, Int, Tensor, TensorData};
use common::*;
use esc_data::EscBatch;
use esc_models::{
    EmstremoConfig, EscModel, ExpertChoice, GenerationConfig, HeadConfig, JointConfig, Routing,
    StrategyTarget,
};
use star_core::{PadPooling, PoolingMode, StarConfig, StarInit};

const STRATEGY_TOKENS: std::ops::Range<usize> = 52..60;

fn star(pooling: PoolingMode) -> StarConfig {
    StarConfig::new(16, 8)
        .with_d_ffn(32)
        .with_gate_dim(8)
        .with_gate_dropout(0.0)
        .with_refine_dropout(0.0)
        .with_pooling(pooling)
        .with_pad_pooling(PadPooling::Masked)
        // Random gate and refinement outputs, so that STAR changes the states visibly.
        .with_init(StarInit::Normal { std: 0.2 })
}

fn head(emstremo: bool) -> HeadConfig {
    if emstremo {
        HeadConfig::Emstremo(EmstremoConfig::new(8, 11))
    } else {
        HeadConfig::Joint(JointConfig::new(8))
    }
}

fn model(device: &Device, emstremo: bool, pooling: PoolingMode, routing: Routing) -> EscModel {
    device.seed(7);
    EscModel::new(
        tiny_model(device),
        &head(emstremo),
        Some(&star(pooling)),
        device,
    )
    .with_routing(routing, StrategyTarget::Refined)
}

fn choices() -> Vec<ExpertChoice> {
    vec![
        ExpertChoice::Configured,
        ExpertChoice::Predicted,
        ExpertChoice::Soft,
        ExpertChoice::Gold,
    ]
}

/// Every position whose label is not padding, as `(row, position)`.
fn counted(batch: &EscBatch) -> Vec<(usize, usize)> {
    let labels = floats(batch.labels.clone().float());
    let [b, t] = batch.labels.dims();
    (0..b)
        .flat_map(|i| (0..t).map(move |j| (i, j)))
        .filter(|&(i, j)| labels[i * t + j] != -100.0)
        .collect()
}

#[test]
fn teacher_forced_logits_equal_step_by_step_cached_logits() {
    let device = Device::flex();
    for emstremo in [false, true] {
        for routing in [Routing::Gold, Routing::Predicted, Routing::Soft] {
            let m = model(&device, emstremo, PoolingMode::Causal, routing);
            let batch = fixture_batch(&device, [3, 9]);
            let [_, t] = batch.decoder_input_ids.dims();
            for choice in choices() {
                let full = floats(m.forward(&batch, choice.clone()).logits);
                let steps = floats(m.forward_incremental(&batch, choice.clone()));
                let vocab = full.len() / (2 * t);
                // Compare the positions that count (padding positions pool nothing new).
                let mut worst = 0.0f32;
                for (i, j) in counted(&batch) {
                    let at = (i * t + j) * vocab;
                    worst = worst.max(max_diff(&full[at..at + vocab], &steps[at..at + vocab]));
                }
                let scale = full.iter().fold(0.0f32, |m, x| m.max(x.abs()));
                assert!(
                    worst <= 1e-5,
                    "emstremo {emstremo}, {routing:?}, {choice:?}: max |Δ| {worst} (max |logit| {scale})"
                );
            }
        }
    }
}

#[test]
fn causal_star_never_sees_later_decoder_inputs_and_full_pooling_does() {
    let device = Device::flex();
    for emstremo in [false, true] {
        for pooling in [PoolingMode::Causal, PoolingMode::Full] {
            for routing in [Routing::Gold, Routing::Predicted, Routing::Soft] {
                let m = model(&device, emstremo, pooling, routing);
                let batch = fixture_batch(&device, [3, 9]);
                let [b, t] = batch.decoder_input_ids.dims();
                for cut in 1..t {
                    // Other tokens after position `cut - 1`.
                    let mut ids = floats(batch.decoder_input_ids.clone().float());
                    for i in 0..b {
                        for j in cut..t {
                            ids[i * t + j] = ((ids[i * t + j] as usize + 7 * j + 3) % 50) as f32;
                        }
                    }
                    let ids: Vec<i64> = ids.into_iter().map(|x| x as i64).collect();
                    let changed = EscBatch {
                        decoder_input_ids: Tensor::<2, Int>::from_data(
                            TensorData::new(ids, [b, t]),
                            &device,
                        ),
                        ..batch.clone()
                    };
                    let a = floats(m.forward(&batch, ExpertChoice::Configured).logits);
                    let c = floats(m.forward(&changed, ExpertChoice::Configured).logits);
                    let vocab = a.len() / (b * t);
                    let mut before_cut = 0.0f32;
                    for i in 0..b {
                        let at = i * t * vocab;
                        before_cut = before_cut
                            .max(max_diff(&a[at..at + cut * vocab], &c[at..at + cut * vocab]));
                    }
                    match pooling {
                        PoolingMode::Causal => assert!(
                            before_cut <= 1e-6,
                            "emstremo {emstremo}, {routing:?}: positions < {cut} changed by {before_cut}"
                        ),
                        // The reference's pooling sees the whole sequence: the check can fail.
                        PoolingMode::Full => assert!(
                            before_cut > 1e-4,
                            "emstremo {emstremo}, {routing:?}: full pooling should leak (cut {cut})"
                        ),
                    }
                }
            }
        }
    }
}

/// Greedy generation picks, at every step, the arg-max of the teacher-forced logits of the
/// sequence it generated: generation and training run the same model.
#[test]
fn greedy_generation_follows_the_teacher_forced_logits() {
    let device = Device::flex();
    for emstremo in [false, true] {
        for routing in [Routing::Gold, Routing::Predicted, Routing::Soft] {
            if emstremo && routing == Routing::Gold {
                // Generation's Emstremo prefix is the predicted mixture while the response's
                // expert is the "after" strategy: no teacher-forced choice pairs these two.
                continue;
            }
            let m = model(&device, emstremo, PoolingMode::Causal, routing);
            let batch = fixture_batch(&device, [3, 9]);
            let config = GenerationConfig::greedy(7);
            let out = m
                .generate_batch(&batch, &config, m.response_expert(), None)
                .unwrap();
            let t = out.sequences[0].len() - 1;
            let b = out.sequences.len();
            let ids: Vec<i64> = out
                .sequences
                .iter()
                .flat_map(|s| s[..t].iter().map(|&x| x as i64))
                .collect();
            let decoder_input_ids =
                Tensor::<2, Int>::from_data(TensorData::new(ids, [b, t]), &device);
            let teacher = EscBatch {
                decoder_mask_pad: decoder_input_ids.clone().equal_elem(-1),
                labels: decoder_input_ids.clone(),
                decoder_input_ids,
                ..batch.clone()
            };
            // Gold routing: the response's expert is the strategy in the prefix ("after").
            let choice = match routing {
                Routing::Gold => ExpertChoice::Ids(Box::new(Tensor::from_data(
                    TensorData::new(
                        out.strategy_after
                            .iter()
                            .map(|&s| s as i64)
                            .collect::<Vec<_>>(),
                        [b],
                    ),
                    &device,
                ))),
                _ => m.inference_choice(),
            };
            let logits = floats(m.forward(&teacher, choice).logits);
            let vocab = logits.len() / (b * t);
            for (i, seq) in out.sequences.iter().enumerate() {
                for j in 1..t {
                    if seq[j] == 2 || seq[j] == 0 {
                        break; // EOS or padding: the response ended
                    }
                    let row = &logits[(i * t + j) * vocab..(i * t + j + 1) * vocab];
                    let best = (0..vocab)
                        .filter(|c| !STRATEGY_TOKENS.contains(c))
                        .max_by(|&x, &y| row[x].total_cmp(&row[y]))
                        .unwrap();
                    assert_eq!(
                        best as u32,
                        seq[j + 1],
                        "emstremo {emstremo}, {routing:?}: row {i}, position {j}"
                    );
                }
                // Position 0: the strategy token is "after", the refined logits' arg-max.
                assert_eq!(
                    seq[1] as usize,
                    STRATEGY_TOKENS.start + out.strategy_after[i]
                );
            }
        }
    }
}

/// With the paper's target, `L_ST` trains STAR; with the reference's it cannot reach it.
#[test]
fn the_refined_strategy_target_sends_strategy_loss_gradients_into_star() {
    let device = Device::flex().autodiff();
    for target in [
        StrategyTarget::PreStar,
        StrategyTarget::Refined,
        StrategyTarget::Both,
    ] {
        device.seed(7);
        let m = EscModel::new(
            tiny_model(&device),
            &head(false),
            Some(&star(PoolingMode::Causal)),
            &device,
        )
        .with_routing(Routing::Predicted, target);
        let batch = fixture_batch(&device, [3, 9]);
        let out = m.forward(&batch, ExpertChoice::Configured);
        let loss = m.loss(&out, &batch, 1.0);
        // The loss of each target, from this one forward (dropout draws differ between calls).
        let ce = |logits: &Tensor<2>| {
            floats(esc_models::loss::classification_cross_entropy(
                logits.clone(),
                batch.strategy_ids.clone(),
            ))[0]
        };
        let (pre, refined) = (ce(&out.strategy_logits), ce(&out.refined_strategy_logits));
        assert!((pre - refined).abs() > 1e-4, "τ and τ′ should differ");
        let want = match target {
            StrategyTarget::PreStar => pre,
            StrategyTarget::Refined => refined,
            StrategyTarget::Both => 0.5 * (pre + refined),
        };
        assert!(
            (floats(loss.strategy.clone())[0] - want).abs() < 1e-5,
            "{target:?}"
        );
        let grads = loss.strategy.backward();
        let star = m.star.as_ref().unwrap();
        let g = star
            .experts
            .iter()
            .filter_map(|e| e.refine.fc2.weight.grad(&grads))
            .map(|g| floats(g).iter().map(|x| x.abs()).sum::<f32>());
        let total: f32 = g.sum();
        match target {
            StrategyTarget::PreStar => assert_eq!(total, 0.0),
            StrategyTarget::Refined | StrategyTarget::Both => {
                assert!(total > 0.0, "no gradient reached STAR")
            }
        }
    }
}
