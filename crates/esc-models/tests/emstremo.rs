//! The Emstremo-style head on the tiny fixture model (the last 8 of its 60 ids play the strategy
//! tokens): shapes, the prepended embeddings, loss-weight plumbing, KV-cached generation against
//! teacher forcing, and the contrastive loss against the PyTorch reference
//! (`scripts/emstremo_contrastive_reference.py`).

mod common;

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};
use common::*;
use esc_data::EscBatch;
use esc_models::heads::contrastive::{final_states, strategy_contrastive_loss};
use esc_models::{
    EmstremoConfig, EscModel, ExpertChoice, GenerationConfig, Head, HeadConfig, PrefixMode,
    ResponseExpert,
};
use star_core::{PoolingMode, StarConfig};

fn batch(device: &Device) -> EscBatch {
    common::fixture_batch(device, [3, 9])
}

fn star_config() -> StarConfig {
    StarConfig::reference(16, 8).with_d_ffn(32).with_gate_dim(8)
}

fn model(device: &Device, config: EmstremoConfig, star: bool) -> EscModel {
    EscModel::new(
        tiny_model(device),
        &HeadConfig::Emstremo(config),
        star.then(star_config).as_ref(),
        device,
    )
}

#[test]
fn shapes_and_encoder_strategy_logits() {
    let device = Device::flex();
    let m = model(&device, EmstremoConfig::new(8, 11), true);
    let b = batch(&device);
    let out = m.forward(&b, ExpertChoice::Gold);
    let [n, t] = b.decoder_input_ids.dims();
    assert_eq!(out.logits.dims(), [n, t, 60]);
    assert_eq!(out.hidden.dims(), [n, t, 16]);
    assert_eq!(out.refined.dims(), [n, t, 16]);
    let enc = out
        .encoder_logits
        .clone()
        .expect("Emstremo has encoder logits");
    assert_eq!(enc.emotion.dims(), [n, 11]);
    assert_eq!(enc.strategy.dims(), [n, 8]);
    // The reported (pre-STAR) strategy logits are the encoder classifier's.
    assert_eq!(floats(out.strategy_logits), floats(enc.strategy));
    assert_eq!(m.head.decoder_prefix_len(), 2);
    assert_eq!(m.head.base_vocab_size(), 52);
    assert_eq!(m.head.strategy_token(3), 55);
}

#[test]
fn prepended_embeddings_condition_the_decoder() {
    let device = Device::flex();
    let m = model(&device, EmstremoConfig::new(8, 11), false);
    let b = batch(&device);
    let gold = floats(m.forward(&b, ExpertChoice::Gold).logits);
    let predicted = floats(m.forward(&b, ExpertChoice::Predicted).logits);
    assert!(
        max_diff(&gold, &predicted) > 1e-4,
        "the prefix must reach the logits"
    );
    // Another gold emotion changes the logits too (the emotion embedding is used).
    let other = EscBatch {
        emotion_ids: Tensor::<1, Int>::from_ints([0, 0], &device),
        ..b.clone()
    };
    let changed = floats(m.forward(&other, ExpertChoice::Gold).logits);
    assert!(max_diff(&gold, &changed) > 1e-4);
    // Arg-max and mixture prefixes differ.
    let mut argmax = m.clone();
    if let Head::Emstremo(h) = &mut argmax.head {
        h.argmax_prefix = true;
    }
    let arg = floats(argmax.forward(&b, ExpertChoice::Predicted).logits);
    assert!(max_diff(&arg, &predicted) > 1e-6);
}

#[test]
fn total_is_the_weighted_sum_of_the_reported_parts() {
    let device = Device::flex();
    let m = model(&device, EmstremoConfig::new(8, 11), true);
    let b = batch(&device);
    let out = m.forward(&b, ExpertChoice::Gold);
    for lambda in [0.0, 0.3] {
        let loss = m.loss(&out, &b, lambda);
        let names: Vec<&str> = loss.head_terms.iter().map(|t| t.name).collect();
        assert_eq!(names, ["L_emo", "L_str", "L_con"]);
        let weights: Vec<f64> = loss.head_terms.iter().map(|t| t.weight).collect();
        assert_eq!(weights, [0.05, 0.05, 0.2]);
        let lm: f64 = loss.lm.into_scalar();
        let st: f64 = loss.strategy.clone().into_scalar();
        let mut want = (1.0 - lambda) * lm + lambda * st;
        for term in &loss.head_terms {
            want += term.weight * term.value.clone().into_scalar::<f64>();
        }
        let total: f64 = loss.total.into_scalar();
        assert!((total - want).abs() < 1e-5, "{total} vs {want}");
        // L_str is the CE of the reported strategy logits.
        let l_str: f64 = loss.head_terms[1].value.clone().into_scalar();
        assert!((l_str - st).abs() < 1e-6);
    }
}

#[test]
fn a_zero_weight_removes_the_term_and_its_gradient() {
    let device = Device::flex().autodiff();
    let grad_norm = |emotion_weight: f64| {
        let mut c = EmstremoConfig::new(8, 11);
        c.emotion_weight = emotion_weight;
        c.contrastive_weight = 0.0;
        let m = model(&device, c, false);
        let b = batch(&device);
        let out = m.forward(&b, ExpertChoice::Gold);
        let loss = m.loss(&out, &b, 0.0);
        let mut want: f64 = loss.lm.clone().into_scalar();
        want += 0.05 * loss.head_terms[1].value.clone().into_scalar::<f64>();
        want += emotion_weight * loss.head_terms[0].value.clone().into_scalar::<f64>();
        let total: f64 = loss.total.clone().into_scalar();
        assert!((total - want).abs() < 1e-5, "{total} vs {want}");
        let grads = loss.total.backward();
        let Head::Emstremo(h) = &m.head else {
            unreachable!()
        };
        h.emotion_classifier
            .linear
            .weight
            .val()
            .grad(&grads)
            .map_or(0.0, |g| g.abs().sum().into_scalar::<f64>())
    };
    assert_eq!(grad_norm(0.0), 0.0);
    assert!(grad_norm(0.05) > 0.0);
}

#[test]
fn greedy_generation_with_the_kv_cache_matches_teacher_forcing() {
    let device = Device::flex();
    for star in [false, true] {
        // Causal pooling: the teacher-forced STAR pass then sees what each decoding step saw.
        let mut star_config = star_config();
        star_config.pooling = PoolingMode::Causal;
        // Large head weights, so that the prepended embeddings move the argmax.
        let head = EmstremoConfig {
            init_std: 1.0,
            ..EmstremoConfig::new(8, 11)
        };
        let m = EscModel::new(
            tiny_model(&device),
            &HeadConfig::Emstremo(head),
            star.then_some(star_config).as_ref(),
            &device,
        );
        let b = batch(&device);
        let config = GenerationConfig::greedy(6);
        let g = m
            .generate(
                b.input_ids.clone(),
                b.input_mask_pad.clone(),
                &config,
                ResponseExpert::Before,
            )
            .unwrap();
        // "before" is the encoder strategy classifier's arg-max.
        let out = m.forward(&b, ExpertChoice::Predicted);
        let enc = floats(out.strategy_logits.clone());
        for (i, &before) in g.strategy_before.iter().enumerate() {
            let row = &enc[i * 8..(i + 1) * 8];
            let best = (0..8).max_by(|&x, &y| row[x].total_cmp(&row[y])).unwrap();
            assert_eq!(before, best);
        }
        if !star {
            assert_eq!(g.strategy_before, g.strategy_after);
        }
        // Re-run the decoded sequences teacher-forced (same prefix, expert = "before"): each
        // generated token is the arg-max over the allowed ids of the previous position.
        for (i, seq) in g.sequences.iter().enumerate() {
            assert_eq!(seq[0], 1);
            assert_eq!(seq[1], 52 + g.strategy_after[i] as u32);
            let end = seq
                .iter()
                .skip(2)
                .position(|&x| x == 2)
                .map_or(seq.len(), |p| p + 3);
            let ids: Vec<i64> = seq[..end - 1].iter().map(|&x| x as i64).collect();
            let len = ids.len();
            let one = EscBatch {
                input_ids: b.input_ids.clone().narrow(0, i, 1),
                input_mask_pad: b.input_mask_pad.clone().narrow(0, i, 1),
                input_roles: b.input_roles.clone().narrow(0, i, 1),
                decoder_input_ids: Tensor::from_data(TensorData::new(ids, [1, len]), &device),
                labels: Tensor::<2, Int>::zeros([1, len], &device),
                decoder_mask_pad: Tensor::<2, Int>::zeros([1, len], &device).equal_elem(1),
                strategy_ids: Tensor::from_ints([g.strategy_before[i] as i64], &device),
                emotion_ids: Tensor::<1, Int>::zeros([1], &device),
            };
            // Predicted: the prefix is the predicted mixture and the expert is "before", as in
            // this generation.
            let logits = floats(m.forward(&one, ExpertChoice::Predicted).logits);
            for pos in 1..len {
                let row = &logits[pos * 60..(pos + 1) * 60];
                let best = (0..52).max_by(|&x, &y| row[x].total_cmp(&row[y])).unwrap();
                assert_eq!(
                    seq[pos + 1],
                    best as u32,
                    "star {star}, example {i}, pos {pos}"
                );
            }
        }
    }
}

#[test]
fn contrastive_loss_and_gradient_match_pytorch() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/emstremo_contrastive.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    let device = Device::flex().autodiff();
    for case in fixture["cases"].as_array().unwrap() {
        let shape: Vec<usize> = serde_json::from_value(case["shape"].clone()).unwrap();
        let [b, t, d] = [shape[0], shape[1], shape[2]];
        let hidden: Vec<f32> = serde_json::from_value(case["hidden"].clone()).unwrap();
        let lengths: Vec<usize> = serde_json::from_value(case["lengths"].clone()).unwrap();
        let strategies: Vec<i64> = serde_json::from_value(case["strategies"].clone()).unwrap();
        let want_grad: Vec<f32> = serde_json::from_value(case["grad"].clone()).unwrap();
        let want = case["loss"].as_f64().unwrap();

        let hidden =
            Tensor::<3>::from_data(TensorData::new(hidden, [b, t, d]), &device).require_grad();
        let mask: Vec<bool> = lengths
            .iter()
            .flat_map(|&n| (0..t).map(move |j| j >= n))
            .collect();
        let mask = Tensor::from_data(TensorData::new(mask, [b, t]), &device);
        let strategies = Tensor::<1, Int>::from_data(TensorData::new(strategies, [b]), &device);
        let loss = strategy_contrastive_loss(final_states(&hidden, &mask), strategies);
        let got: f64 = loss.clone().into_scalar();
        assert!(
            (got - want).abs() < 1e-5 * want.abs().max(1.0),
            "{}: {got} vs {want}",
            case["name"]
        );
        let grads = loss.backward();
        let grad = floats(hidden.grad(&grads).unwrap());
        let diff = max_diff(&grad, &want_grad);
        assert!(diff < 1e-5, "{}: gradient differs by {diff}", case["name"]);
    }
}

#[test]
fn contrastive_loss_of_one_example_is_zero() {
    let device = Device::flex();
    let states = Tensor::<2>::ones([1, 4], &device);
    let loss = strategy_contrastive_loss(states, Tensor::from_ints([2], &device));
    assert_eq!(loss.into_scalar::<f64>(), 0.0);
}

#[test]
fn config_defaults_serde_and_validation() {
    let c: EmstremoConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(c, EmstremoConfig::new(8, 11));
    // Configs older than the role embeddings parse without them.
    assert!(!c.role_embeddings);
    let roles: EmstremoConfig = serde_json::from_str(r#"{"role_embeddings": true}"#).unwrap();
    assert_eq!(roles, EmstremoConfig::new(8, 11).with_role_embeddings(true));
    assert_eq!(c.inference_prefix, PrefixMode::Mixture);
    let head: HeadConfig =
        serde_json::from_str(r#"{"Emstremo": {"contrastive_weight": 0.5}}"#).unwrap();
    let HeadConfig::Emstremo(h) = head else {
        panic!("not Emstremo")
    };
    assert_eq!(h.contrastive_weight, 0.5);
    assert_eq!(h.emotion_weight, 0.05);
    let kl = EmstremoConfig {
        emotion_transition: true,
        ..EmstremoConfig::new(8, 11)
    };
    let err = kl.validate().unwrap_err().to_string();
    assert!(
        err.contains("emotion_transition") && err.contains("ESConv"),
        "{err}"
    );
    let negative = EmstremoConfig {
        strategy_weight: -1.0,
        ..EmstremoConfig::new(8, 11)
    };
    assert!(
        negative
            .validate()
            .unwrap_err()
            .to_string()
            .contains("strategy_weight")
    );
}

#[test]
fn batch_norm_running_stats_are_saved_state() {
    // The classifiers' running statistics travel with the record (checkpoints reload them).
    let device = Device::flex();
    let m = model(&device, EmstremoConfig::new(8, 11), false);
    let Head::Emstremo(h) = &m.head else {
        unreachable!()
    };
    assert!(h.emotion_classifier.norm.is_some());
    let record = m.clone().into_record();
    let reloaded = model(&device, EmstremoConfig::new(8, 11), false).load_record(record);
    let b = batch(&device);
    let a = floats(m.forward(&b, ExpertChoice::Predicted).logits);
    let r = floats(reloaded.forward(&b, ExpertChoice::Predicted).logits);
    assert_eq!(a, r);
}

/// The fixture batch with speaker roles: alternating seeker / supporter runs of three, padding
/// where the input is padded.
fn with_roles(b: &EscBatch, shift: usize) -> EscBatch {
    let [n, s] = b.input_ids.dims();
    let pad: Vec<bool> = b
        .input_mask_pad
        .clone()
        .into_data()
        .try_into_vec_as::<bool>()
        .unwrap();
    let roles: Vec<i64> = (0..n * s)
        .map(|i| {
            if pad[i] {
                i64::from(esc_data::ROLE_PAD)
            } else if ((i % s + shift) / 3).is_multiple_of(2) {
                i64::from(esc_data::ROLE_SEEKER)
            } else {
                i64::from(esc_data::ROLE_SUPPORTER)
            }
        })
        .collect();
    EscBatch {
        input_roles: Tensor::from_data(TensorData::new(roles, [n, s]), &b.input_ids.device()),
        ..b.clone()
    }
}

#[test]
fn role_embeddings_read_the_roles_in_training_and_generation() {
    let device = Device::flex();
    let b = batch(&device);
    let (r1, r2) = (with_roles(&b, 0), with_roles(&b, 3));
    let encoded = |m: &EscModel, b: &EscBatch| {
        floats(m.encode_with_roles(
            b.input_ids.clone(),
            b.input_mask_pad.clone(),
            Some(b.input_roles.clone()),
        ))
    };
    // Off (the default): no table, and the roles are ignored.
    let off = model(&device, EmstremoConfig::new(8, 11), false);
    assert!(!off.head.needs_roles());
    assert_eq!(encoded(&off, &r1), encoded(&off, &r2));
    assert_eq!(
        encoded(&off, &r1),
        floats(off.encode(b.input_ids.clone(), b.input_mask_pad.clone()))
    );
    // On: changing only the roles changes the encoder output, the classifiers and the LM.
    let on = model(
        &device,
        EmstremoConfig::new(8, 11).with_role_embeddings(true),
        false,
    );
    assert!(on.head.needs_roles());
    let Head::Emstremo(h) = &on.head else {
        unreachable!()
    };
    let table = h.role_embedding.as_ref().expect("a role table");
    assert_eq!(
        table.weight.dims(),
        [esc_data::N_ROLES, on.backbone.d_model()]
    );
    assert!(max_diff(&encoded(&on, &r1), &encoded(&on, &r2)) > 1e-5);
    let logits = |b: &EscBatch| floats(on.forward(b, ExpertChoice::Gold).logits);
    assert!(max_diff(&logits(&r1), &logits(&r2)) > 1e-6);
    // The roles are added to the embeddings: a zero table is the model without roles.
    let mut zero = on.clone();
    if let Head::Emstremo(h) = &mut zero.head {
        let t = h.role_embedding.take().unwrap();
        h.role_embedding = Some(burn::nn::Embedding {
            weight: burn::module::Param::from_tensor(t.weight.val().zeros_like()),
        });
    }
    let mut plain = on.clone();
    if let Head::Emstremo(h) = &mut plain.head {
        h.role_embedding = None;
    }
    assert!(max_diff(&encoded(&zero, &r1), &encoded(&plain, &r1)) < 1e-6);

    // Generation encodes with the batch's roles: its "before" is the teacher-forced encoder
    // prediction for those roles; without roles it is an error, not a silent fallback.
    let config = GenerationConfig::greedy(6);
    for rb in [&r1, &r2] {
        let g = on
            .generate_batch(rb, &config, ResponseExpert::After, None)
            .unwrap();
        let out = on.forward(rb, ExpertChoice::Predicted);
        let tf = out.encoder_logits.unwrap().strategy.argmax(1).reshape([2]);
        let tf: Vec<usize> = tf
            .into_data()
            .try_into_vec_as::<i64>()
            .unwrap()
            .into_iter()
            .map(|x| x as usize)
            .collect();
        assert_eq!(g.strategy_before, tf);
    }
    let err = on
        .generate(
            b.input_ids.clone(),
            b.input_mask_pad.clone(),
            &config,
            ResponseExpert::After,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("input_roles"), "{err}");
}
