//! BlenderBot-Joint head and STAR wiring on the tiny fixture model (the last 8 of its 60 ids play
//! the strategy tokens).

mod common;

use burn::module::Module;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use common::*;
use esc_data::EscBatch;
use esc_models::{
    Error, EscGeneration, EscModel, ExpertChoice, GenerationConfig, HeadConfig, JointConfig,
    ResponseExpert,
};
use star_core::{PoolingMode, StarConfig, StarInput};

fn batch(device: &Device) -> EscBatch {
    common::fixture_batch(device, [0, 0])
}

fn joint() -> HeadConfig {
    HeadConfig::Joint(JointConfig::new(8))
}

fn star_config(pooling: PoolingMode) -> StarConfig {
    let mut c = StarConfig::reference(16, 8).with_d_ffn(32).with_gate_dim(8);
    c.pooling = pooling;
    c
}

fn model(device: &Device, star: Option<StarConfig>) -> EscModel {
    EscModel::new(tiny_model(device), &joint(), star.as_ref(), device)
}

/// [EscModel::generate] on the fixture input, with the "after" expert.
fn generate(
    m: &EscModel,
    config: &GenerationConfig,
    device: &Device,
) -> Result<EscGeneration, Error> {
    let (ids, mask) = (int2("input_ids", device), mask_pad(device));
    m.generate(ids, mask, config, ResponseExpert::After)
}

/// [EscModel::generate_sampled] on the fixture input, with the "after" expert.
fn generate_sampled(
    m: &EscModel,
    config: &GenerationConfig,
    device: &Device,
    rng: &mut rand::rngs::StdRng,
) -> Result<EscGeneration, Error> {
    let (ids, mask) = (int2("input_ids", device), mask_pad(device));
    m.generate_sampled(ids, mask, config, ResponseExpert::After, rng)
}

#[test]
fn joint_strategy_logits_are_position_0_strategy_columns_of_transformers_logits() {
    let device = Device::flex();
    let m = model(&device, None);
    let out = m.forward(&batch(&device), ExpertChoice::Gold);
    let (_, logits) = expected("logits");
    let got = out.strategy_logits.into_data().try_to_vec::<f32>().unwrap();
    for b in 0..2 {
        for s in 0..8 {
            let want = logits[b * 5 * 60 + 52 + s];
            assert!((got[b * 8 + s] as f64 - want).abs() < 1e-4);
        }
    }
}

#[test]
fn joint_lm_loss_and_validation_nll_match_transformers() {
    for (name, device) in devices() {
        let m = model(&device, None);
        let b = batch(&device);
        let out = m.forward(&b, ExpertChoice::Gold);
        let loss = m.loss(&out, &b, 0.0);
        let (_, want) = expected("loss");
        let got = loss.total.into_scalar::<f32>() as f64;
        assert!(
            (got - want[0]).abs() < 1e-4,
            "{name}: loss {got} vs {}",
            want[0]
        );
        let stats = m.validation_nll(&b);
        let (_, nll) = expected("val_nll_sum");
        let (_, n) = expected("val_tokens");
        assert_eq!(stats.n_tokens, n[0]);
        assert!(
            (stats.nll_sum - nll[0]).abs() < 1e-3,
            "{name}: {} vs {}",
            stats.nll_sum,
            nll[0]
        );
    }
}

#[test]
fn star_uses_the_gold_expert_in_training_and_combines_the_losses() {
    let device = Device::flex();
    device.seed(3);
    let m = model(&device, Some(star_config(PoolingMode::Full)));
    let b = batch(&device);
    let out = m.forward(&b, ExpertChoice::Gold);
    let star = m.star.as_ref().unwrap();
    let manual = star.forward(
        StarInput::new(out.hidden.clone(), b.strategy_ids.clone())
            .mask_pad(b.decoder_mask_pad.clone()),
    );
    let logits = m.backbone.lm_logits(manual.hidden);
    let diff = (logits - out.logits.clone())
        .abs()
        .max()
        .into_scalar::<f32>();
    assert_eq!(diff, 0.0);
    // Pre-STAR strategy logits are untouched by STAR.
    let plain = model(&device, None).forward(&b, ExpertChoice::Gold);
    let diff = (plain.strategy_logits - out.strategy_logits.clone())
        .abs()
        .max()
        .into_scalar::<f32>();
    assert_eq!(diff, 0.0);
    let loss = m.loss(&out, &b, 0.25);
    let lm = loss.lm.into_scalar::<f32>();
    let st = loss.strategy.into_scalar::<f32>();
    let total = loss.total.into_scalar::<f32>();
    assert!((total - (0.75 * lm + 0.25 * st)).abs() < 1e-6);
}

#[test]
fn stage_two_freezes_everything_but_star_and_the_shared_embedding() {
    let device = Device::flex().autodiff();
    let m = model(&device, Some(star_config(PoolingMode::Full))).freeze_except_star_and_embedding();
    let b = batch(&device);
    let out = m.forward(&b, ExpertChoice::Gold);
    let grads = m.loss(&out, &b, 0.5).total.backward();
    let shared = m.backbone.model.shared.weight.grad(&grads);
    assert!(shared.is_some(), "shared embedding must train");
    assert!(
        m.backbone.model.encoder.layers[0]
            .fc1
            .weight
            .grad(&grads)
            .is_none()
    );
    assert!(
        m.backbone.model.decoder.layers[1]
            .self_attn
            .q_proj
            .weight
            .grad(&grads)
            .is_none()
    );
    assert!(m.backbone.final_logits_bias.grad(&grads).is_none());
    let star = m.star.as_ref().unwrap();
    assert!(star.pooling.num_params() > 0);
    let n_trainable = m.clone().num_params();
    assert!(n_trainable > 0);
}

#[test]
fn generation_predicts_before_and_after_and_full_pooling_covers_the_prefix() {
    for pooling in [PoolingMode::Full, PoolingMode::Causal] {
        let device = Device::flex();
        device.seed(5);
        let m = model(&device, Some(star_config(pooling)));
        let generated = generate(&m, &GenerationConfig::greedy(8), &device).unwrap();
        for (i, seq) in generated.sequences.iter().enumerate() {
            assert_eq!(seq[1], 52 + generated.strategy_after[i] as u32);
            assert!(
                seq[2..].iter().all(|&t| t < 52),
                "strategy tokens banned: {seq:?}"
            );
        }
        // "before" and "after" recomputed by teacher forcing `<s>` alone.
        let one = |ids: Vec<Vec<u32>>, t: usize| -> Tensor<2, Int> {
            let flat: Vec<i64> = ids
                .iter()
                .flat_map(|r| r[..t].iter().map(|&x| x as i64))
                .collect();
            Tensor::from_data(TensorData::new(flat, [ids.len(), t]), &device)
        };
        let fwd = |dec: Tensor<2, Int>, expert: Vec<usize>| {
            let [bsz, t] = dec.dims();
            let b = EscBatch {
                decoder_mask_pad: Tensor::<2, Bool>::full([bsz, t], false, &device),
                labels: dec.clone(),
                decoder_input_ids: dec,
                ..batch(&device)
            };
            let ids: Vec<i64> = expert.iter().map(|&x| x as i64).collect();
            m.forward(
                &b,
                ExpertChoice::Ids(Box::new(Tensor::from_data(
                    TensorData::new(ids, [bsz]),
                    &device,
                ))),
            )
        };
        let out = fwd(
            one(generated.sequences.clone(), 1),
            generated.strategy_before.clone(),
        );
        let before = out
            .strategy_logits
            .clone()
            .argmax(1)
            .reshape([2])
            .into_data();
        let want: Vec<i64> = generated
            .strategy_before
            .iter()
            .map(|&x| x as i64)
            .collect();
        assert_eq!(before.convert::<i64>().try_to_vec::<i64>().unwrap(), want);
        let after = out
            .logits
            .slice([0..2, 0..1, 52..60])
            .reshape([2, 8])
            .argmax(1);
        let want: Vec<i64> = generated.strategy_after.iter().map(|&x| x as i64).collect();
        assert_eq!(
            after
                .into_data()
                .convert::<i64>()
                .try_to_vec::<i64>()
                .unwrap(),
            want
        );
        // The reported gate is STAR's `g` at that first step.
        let [_, _, width] = out.gate.as_ref().unwrap().dims();
        let gate: Vec<f32> = out
            .gate
            .clone()
            .unwrap()
            .slice([0..2, 0..1, 0..width])
            .mean_dim(2)
            .reshape([2])
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        for (g, want) in generated.gate.as_ref().unwrap().iter().zip(&gate) {
            assert!((g - want).abs() < 1e-6, "{g} vs {want}");
        }
        // Every response token is the arg-max (strategy columns excluded) of a teacher-forced pass
        // over the prefix so far with the "after" expert: the pooling saw that prefix.
        let len = generated.sequences[0].len();
        for t in 2..len {
            let out = fwd(
                one(generated.sequences.clone(), t),
                generated.strategy_after.clone(),
            );
            let next = out
                .logits
                .slice([0..2, t - 1..t, 0..52])
                .reshape([2, 52])
                .argmax(1)
                .into_data()
                .convert::<i64>()
                .try_to_vec::<i64>()
                .unwrap();
            for (i, (&want, seq)) in next.iter().zip(&generated.sequences).enumerate() {
                if seq[..t].contains(&2) {
                    continue; // finished: padding
                }
                assert_eq!(want, seq[t] as i64, "{pooling:?} example {i} step {t}");
            }
        }
    }
}

/// Names (module paths) of the float parameters of `m` that got no gradient in `grads`.
fn without_gradient(m: &EscModel, grads: &burn::tensor::Gradients) -> Vec<String> {
    use burn::module::{ModuleVisitor, Param};
    struct Visitor<'a> {
        grads: &'a burn::tensor::Gradients,
        path: Vec<String>,
        missing: Vec<String>,
    }
    impl ModuleVisitor for Visitor<'_> {
        fn enter_module(&mut self, name: &str, _container: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if param.grad(self.grads).is_none() {
                self.missing.push(self.path.join("."));
            }
        }
    }
    let mut v = Visitor {
        grads,
        path: Vec::new(),
        missing: Vec::new(),
    };
    m.visit(&mut v);
    v.missing
}

#[test]
fn every_parameter_of_a_fresh_model_trains_except_the_final_logits_bias() {
    // As in transformers, where `final_logits_bias` is a buffer and every parameter requires grad.
    let device = Device::flex().autodiff();
    let config = esc_models::EscModelConfig {
        backbone: esc_models::BlenderbotSmallConfig {
            vocab_size: 60,
            ..esc_models::BlenderbotSmallConfig::tiny()
        },
        head: joint(),
        star: None,
        routing: Default::default(),
        strategy_target: Default::default(),
    };
    let m = config.init(&device);
    let b = batch(&device);
    let out = m.forward(&b, ExpertChoice::Gold);
    let grads = m.loss(&out, &b, 0.0).total.backward();
    assert_eq!(
        without_gradient(&m, &grads),
        vec!["backbone.final_logits_bias".to_string()]
    );
}

#[test]
fn a_forced_strategy_conditions_the_response_and_bad_ids_are_an_error() {
    let device = Device::flex();
    device.seed(5);
    let m = model(&device, Some(star_config(PoolingMode::Full)));
    for forced in [[3usize, 6], [0, 7]] {
        let generated = m
            .generate_with_strategy(
                int2("input_ids", &device),
                mask_pad(&device),
                &GenerationConfig::greedy(8),
                &forced,
            )
            .unwrap();
        for (i, seq) in generated.sequences.iter().enumerate() {
            assert_eq!(seq[1], 52 + forced[i] as u32);
        }
        assert_eq!(generated.gate.as_ref().map(Vec::len), Some(2));
    }
    let err = m
        .generate_with_strategy(
            int2("input_ids", &device),
            mask_pad(&device),
            &GenerationConfig::greedy(8),
            &[1, 8],
        )
        .unwrap_err();
    assert!(err.to_string().contains("strategies"), "{err}");
    let plain = generate(&model(&device, None), &GenerationConfig::greedy(8), &device).unwrap();
    assert!(plain.gate.is_none());
}

#[test]
fn max_new_tokens_counts_the_response_after_the_strategy_token() {
    let device = Device::flex();
    device.seed(5);
    let m = model(&device, Some(star_config(PoolingMode::Full)));
    for n in [1, 5] {
        // EOS is banned throughout, so every response runs to the limit.
        let config = GenerationConfig {
            min_length: 1000,
            ..GenerationConfig::greedy(2).with_max_new_tokens(n)
        };
        let generated = generate(&m, &config, &device).unwrap();
        for seq in &generated.sequences {
            assert_eq!(seq.len(), 2 + n, "[<s>, strategy] + {n} tokens: {seq:?}");
        }
    }
}

#[test]
fn greedy_generation_needs_no_rng_and_sampling_asks_for_one() {
    use rand::{Rng, SeedableRng};
    let device = Device::flex();
    device.seed(5);
    let m = model(&device, Some(star_config(PoolingMode::Causal)));
    let greedy = GenerationConfig::greedy(8);
    let plain = generate(&m, &greedy, &device).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let with_rng = generate_sampled(&m, &greedy, &device, &mut rng).unwrap();
    assert_eq!(plain.sequences, with_rng.sequences);
    assert_eq!(plain.strategy_after, with_rng.strategy_after);
    assert_eq!(
        rng.next_u64(),
        rand::rngs::StdRng::seed_from_u64(1).next_u64(),
        "greedy decoding draws nothing"
    );
    let sampling = GenerationConfig {
        do_sample: true,
        ..greedy
    };
    let err = generate(&m, &sampling, &device).unwrap_err().to_string();
    assert!(
        err.contains("do_sample") && err.contains("generate_sampled"),
        "{err}"
    );
    assert!(generate_sampled(&m, &sampling, &device, &mut rng).is_ok());
}
