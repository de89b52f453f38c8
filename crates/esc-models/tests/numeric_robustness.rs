//! Gate values and logits stay finite under extreme inputs: a context that is only EOS, contexts
//! and responses at `max_position_embeddings`, and an all-padding row in a batch (both masks all
//! `true`), for every STAR pooling mode and pad treatment, in teacher forcing and generation.
//! The tiny fixture model on the flex backend; its last 8 ids play the strategy tokens.

mod common;

use burn::tensor::{Device, Int, Tensor, TensorData};
use common::tiny_model;
use esc_data::EscBatch;
use esc_models::{
    EscModel, ExpertChoice, GenerationConfig, HeadConfig, JointConfig, ResponseExpert,
};
use rand::SeedableRng;
use star_core::{PadPooling, PoolingMode, StarConfig};

const VOCAB: i64 = 60;
const FIRST_STRATEGY: i64 = 52;
const EOS: i64 = 2;
const MAX_POSITIONS: usize = 64;

/// Every STAR variant that changes how padding and positions are pooled.
fn models(device: &Device) -> Vec<(String, EscModel)> {
    let mut out = Vec::new();
    for pooling in [PoolingMode::Full, PoolingMode::Causal] {
        for pads in [PadPooling::Masked, PadPooling::IncludePads] {
            let star = StarConfig::new(16, 8)
                .with_d_ffn(32)
                .with_gate_dim(8)
                .with_pooling(pooling)
                .with_pad_pooling(pads);
            device.seed(11);
            let model = EscModel::new(
                tiny_model(device),
                &HeadConfig::Joint(JointConfig::new(8)),
                Some(&star),
                device,
            );
            out.push((format!("{pooling:?}/{pads:?}"), model));
        }
    }
    out
}

fn ints(rows: &[Vec<i64>], device: &Device) -> Tensor<2, Int> {
    let width = rows[0].len();
    let flat: Vec<i64> = rows.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), width]), device)
}

/// A batch from explicit rows; `0` is padding in inputs and decoder inputs, -100 in labels.
fn batch(inputs: &[Vec<i64>], labels: &[Vec<i64>], device: &Device) -> EscBatch {
    let decoder: Vec<Vec<i64>> = labels
        .iter()
        .map(|row| {
            let mut d = vec![1];
            d.extend(row[..row.len() - 1].iter().map(|&x| x.max(0)));
            // A row whose labels are all ignored is all padding.
            if row.iter().all(|&x| x < 0) {
                d = vec![0; row.len()];
            }
            d
        })
        .collect();
    let labels = ints(labels, device);
    let strategy_ids = labels.clone().narrow(1, 0, 1).reshape([labels.dims()[0]]);
    // Padding rows (label -100) get strategy 0.
    let strategy_ids = (strategy_ids - FIRST_STRATEGY).clamp(0, 7);
    let input_ids = ints(inputs, device);
    let decoder_input_ids = ints(&decoder, device);
    EscBatch {
        input_mask_pad: input_ids.clone().equal_elem(0),
        input_roles: input_ids.zeros_like(),
        decoder_mask_pad: labels.clone().equal_elem(-100),
        input_ids,
        decoder_input_ids,
        labels,
        strategy_ids,
        emotion_ids: Tensor::<1, Int>::zeros([inputs.len()], device),
    }
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

/// Runs a teacher-forced pass with gold and predicted experts and checks every output.
fn assert_finite(name: &str, model: &EscModel, batch: &EscBatch, loss_defined: bool) {
    for expert in [ExpertChoice::Gold, ExpertChoice::Predicted] {
        let out = model.forward(batch, expert.clone());
        let gate = values(out.gate.clone().expect("STAR is attached"));
        assert!(
            gate.iter()
                .all(|g| g.is_finite() && (0.0..=1.0).contains(g)),
            "{name} {expert:?}: gate {gate:?}"
        );
        for (what, v) in [
            ("logits", values(out.logits.clone())),
            ("strategy logits", values(out.strategy_logits.clone())),
            ("refined", values(out.refined.clone())),
            ("encoder", values(out.encoder_hidden.clone())),
        ] {
            let bad = v.iter().filter(|x| !x.is_finite()).count();
            assert_eq!(bad, 0, "{name} {expert:?}: {bad} non-finite {what}");
        }
        if loss_defined {
            let loss = model.loss(&out, batch, 0.5);
            for (what, l) in [
                ("total", loss.total),
                ("lm", loss.lm),
                ("strategy", loss.strategy),
            ] {
                let l = values(l)[0];
                assert!(l.is_finite(), "{name}: {what} loss {l}");
            }
        }
    }
}

/// Generation from the same contexts: finite gates, ids in range.
fn assert_generates(name: &str, model: &EscModel, inputs: &[Vec<i64>], device: &Device) {
    let ids = ints(inputs, device);
    let mask = ids.clone().equal_elem(0);
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let config = GenerationConfig {
        do_sample: true,
        ..GenerationConfig::greedy(6)
    };
    let out = model
        .generate_sampled(ids, mask, &config, ResponseExpert::After, &mut rng)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let gate = out.gate.expect("STAR is attached");
    assert!(
        gate.iter()
            .all(|g| g.is_finite() && (0.0..=1.0).contains(g)),
        "{name}: generation gate {gate:?}"
    );
    for row in &out.sequences {
        assert!(row.iter().all(|&t| i64::from(t) < VOCAB), "{name}: {row:?}");
    }
}

#[test]
fn a_context_of_only_eos_keeps_gates_and_logits_finite() {
    let device = Device::flex();
    for (name, model) in models(&device) {
        let b = batch(&[vec![EOS]], &[vec![FIRST_STRATEGY, EOS]], &device);
        assert_finite(&name, &model, &b, true);
        // A response of a single position too.
        let b = batch(&[vec![EOS]], &[vec![FIRST_STRATEGY + 3]], &device);
        assert_finite(&name, &model, &b, true);
        assert_generates(&name, &model, &[vec![EOS]], &device);
    }
}

#[test]
fn contexts_and_responses_at_the_maximum_length_keep_gates_and_logits_finite() {
    let device = Device::flex();
    // A varied row and a row repeating one token (a peaked attention distribution).
    let varied: Vec<i64> = (0..MAX_POSITIONS as i64)
        .map(|i| 3 + (i * 7) % 49)
        .collect();
    let same = vec![17i64; MAX_POSITIONS];
    let mut labels_varied: Vec<i64> = (0..MAX_POSITIONS as i64)
        .map(|i| 3 + (i * 5) % 49)
        .collect();
    labels_varied[0] = FIRST_STRATEGY + 1;
    let mut labels_same = vec![9i64; MAX_POSITIONS];
    labels_same[0] = FIRST_STRATEGY + 7;
    for (name, model) in models(&device) {
        let b = batch(
            &[varied.clone(), same.clone()],
            &[labels_varied.clone(), labels_same.clone()],
            &device,
        );
        assert_finite(&name, &model, &b, true);
        assert_generates(&name, &model, &[varied.clone(), same.clone()], &device);
    }
}

#[test]
fn an_all_padding_row_keeps_gates_and_logits_finite() {
    let device = Device::flex();
    let inputs = [vec![5, 17, 33, EOS], vec![0, 0, 0, 0]];
    let labels = [vec![FIRST_STRATEGY + 2, 8, 9, EOS], vec![-100; 4]];
    for (name, model) in models(&device) {
        let b = batch(&inputs, &labels, &device);
        let masks: Vec<bool> = b
            .input_mask_pad
            .clone()
            .narrow(0, 1, 1)
            .into_data()
            .try_to_vec::<bool>()
            .unwrap();
        assert!(masks.iter().all(|&m| m), "row 1 is all padding");
        assert_finite(&name, &model, &b, true);
        // A batch of nothing but padding: outputs stay finite (no loss: no token to average).
        let b = batch(&[vec![0, 0, 0]], &[vec![-100; 3]], &device);
        assert_finite(&name, &model, &b, false);
        assert_generates(&name, &model, &inputs, &device);
    }
}
