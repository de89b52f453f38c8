//! Pooled decoder states of test examples: the points of the representation-cluster analysis
//! (the paper's Fig. 4, "final hidden states").

use burn::tensor::{Device, Tensor};
use esc_data::{EscBatcher, EscExample};
use esc_models::EscModel;
use serde::{Deserialize, Serialize};

/// Which decoder states are pooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StateChoice {
    /// The states the LM head reads: after STAR's refinement when STAR is attached, the
    /// decoder's last layer otherwise (the default).
    #[default]
    Final,
    /// The decoder's last layer before STAR (equal to `Final` without STAR).
    PreStar,
}

/// One vector per example: the mean of the chosen decoder states over the non-padding
/// decoder positions of a teacher-forced pass (`<s>`, the gold strategy token and the response,
/// as in training; STAR's expert is the predicted strategy, as at inference). Dropout is off if
/// `model` is in validation mode.
pub fn pooled_states(
    model: &EscModel,
    examples: &[EscExample],
    batcher: &EscBatcher,
    batch_size: usize,
    states: StateChoice,
    device: &Device,
) -> Vec<Vec<f32>> {
    let mut out = Vec::with_capacity(examples.len());
    for chunk in examples.chunks(batch_size.max(1)) {
        let batch = batcher.batch_refs(&chunk.iter().collect::<Vec<_>>(), device);
        let result = model.forward(&batch, model.inference_choice());
        let h = match states {
            StateChoice::Final => result.refined,
            StateChoice::PreStar => result.hidden,
        };
        let [b, _, d] = h.dims();
        let keep: Tensor<3> = batch.decoder_mask_pad.bool_not().float().unsqueeze_dim(2);
        let sum = (h * keep.clone()).sum_dim(1).reshape([b, d]);
        let count = keep.sum_dim(1).reshape([b, 1]).clamp_min(1.0);
        let mean = sum / count;
        let values = mean
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .expect("float states");
        out.extend(values.chunks(d).map(<[f32]>::to_vec));
    }
    out
}
