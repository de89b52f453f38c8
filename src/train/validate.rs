//! Validation: perplexity as the reference computes it and strategy prediction before / after
//! STAR, on a non-autodiff copy of the model.

use burn::tensor::{Device, Int, Tensor};
use esc_data::{EscBatch, EscBatcher, EscExample};
use esc_models::{EscModel, NllStats};
use serde::{Deserialize, Serialize};

use super::error::Result;

/// Metrics of one validation pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidMetrics {
    /// Epoch (1-based) after which they were measured.
    pub epoch: usize,
    /// Perplexity (gold strategy token, base vocabulary, strategy position excluded).
    pub ppl: f64,
    /// Strategy accuracy of the pre-STAR logits ("before").
    pub acc_before: f64,
    /// Macro-F1 of "before".
    pub f1_before: f64,
    /// Strategy accuracy of the refined logits ("after"; equal to before without STAR).
    pub acc_after: f64,
    /// Macro-F1 of "after".
    pub f1_after: f64,
    /// Share of examples whose "after" differs from "before" (absent in older logs: 0).
    #[serde(default)]
    pub changed: f64,
}

/// Strategy predictions of a batch, as generation makes them: from the first decoder position
/// (`<s>` only), "before" from the pre-STAR logits, "after" from the logits refined by the expert
/// of "before" (the pre-STAR mixture under soft routing).
pub(crate) fn predict_strategies(model: &EscModel, batch: &EscBatch) -> (Vec<usize>, Vec<usize>) {
    let [b, _] = batch.decoder_input_ids.dims();
    let first = EscBatch {
        decoder_input_ids: batch.decoder_input_ids.clone().slice([0..b, 0..1]),
        labels: batch.labels.clone().slice([0..b, 0..1]),
        decoder_mask_pad: batch.decoder_mask_pad.clone().slice([0..b, 0..1]),
        ..batch.clone()
    };
    let out = model.forward(&first, model.inference_choice());
    let before = argmax(out.strategy_logits);
    let after = if model.star.is_some() {
        argmax(out.refined_strategy_logits)
    } else {
        before.clone()
    };
    (before, after)
}

fn argmax(logits: Tensor<2>) -> Vec<usize> {
    let [b, _] = logits.dims();
    let ids: Tensor<1, Int> = logits.argmax(1).reshape([b]);
    ids.into_data()
        .convert::<i64>()
        .try_into_vec::<i64>()
        .expect("argmax gives integer ids")
        .into_iter()
        .map(|x| x as usize)
        .collect()
}

/// Per-example results of a teacher-forced pass over `examples`.
#[derive(Debug, Clone, Default)]
pub struct TeacherForced {
    /// Summed NLL and token count.
    pub nll: NllStats,
    /// NLL and token count of each example, in order.
    pub nll_per_example: Vec<NllStats>,
    /// Gold strategies.
    pub gold: Vec<usize>,
    /// "Before" predictions.
    pub before: Vec<usize>,
    /// "After" predictions.
    pub after: Vec<usize>,
}

/// Runs `model` (in validation mode) over `examples` in order.
pub fn teacher_forced(
    model: &EscModel,
    examples: &[EscExample],
    batcher: &EscBatcher,
    batch_size: usize,
    device: &Device,
) -> TeacherForced {
    let mut out = TeacherForced::default();
    for chunk in examples.chunks(batch_size) {
        let refs: Vec<&EscExample> = chunk.iter().collect();
        let batch = batcher.batch_refs(&refs, device);
        for nll in model.validation_nll_per_example(&batch) {
            out.nll.add(nll);
            out.nll_per_example.push(nll);
        }
        let (before, after) = predict_strategies(model, &batch);
        out.before.extend(before);
        out.after.extend(after);
        out.gold.extend(chunk.iter().map(|e| e.strategy.id()));
    }
    out
}

/// Validation metrics after `epoch` epochs.
///
/// # Errors
/// [super::TrainError::Metrics] if a metric cannot be computed.
pub fn validate(
    model: &EscModel,
    examples: &[EscExample],
    batcher: &EscBatcher,
    batch_size: usize,
    device: &Device,
    epoch: usize,
) -> Result<ValidMetrics> {
    let tf = teacher_forced(model, examples, batcher, batch_size, device);
    let options = esc_metrics::ClassificationOptions::new(esc_data::Strategy::COUNT);
    let before = esc_metrics::classification_report(&tf.gold, &tf.before, &options)?;
    let after = esc_metrics::classification_report(&tf.gold, &tf.after, &options)?;
    Ok(ValidMetrics {
        epoch,
        ppl: tf.nll.perplexity(),
        acc_before: before.accuracy,
        f1_before: before.macro_avg.f1,
        acc_after: after.accuracy,
        f1_after: after.macro_avg.f1,
        changed: changed_share(&tf.before, &tf.after),
    })
}

/// Share of positions where `after` differs from `before` (0 for no examples).
pub fn changed_share(before: &[usize], after: &[usize]) -> f64 {
    if before.is_empty() {
        return 0.0;
    }
    let changed = before.iter().zip(after).filter(|(b, a)| b != a).count();
    changed as f64 / before.len() as f64
}
