//! The fused per-token negative log-likelihood on the flex backend, as a burn backend extension
//! with its own backward pass.
//!
//! burn composes `log_softmax` from six element-wise operations, each a pass over the
//! `[tokens, vocabulary]` logits with its own output, and autodiff keeps and walks each of them.
//! Here the forward reads each logit row twice (max, then `Σ exp`) and writes one number per row,
//! and the backward writes the logits' gradient `(softmax − one_hot) · g` in one pass from the
//! saved log-sum-exp.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{
    Autodiff, AutodiffBackend, Backend, Dispatch, Flex, TensorMetadata, backend_extension,
};
use burn::tensor::{Int, Tensor};
use rayon::prelude::*;

use super::row_kernels::{log_sum_exp, softmax_scaled};
use star_core::flex_tensors::{contiguous, f32s, from_f32s, on_flex_f32, to_vec};

/// The operations of the fused token NLL that a backend supplies.
#[backend_extension(Flex, Autodiff)]
pub trait TokenNllOps: Backend {
    /// `(nll, log_sum_exp)`, both `[n]`: `nll[i] = log Σ_j exp(logits[i, j]) − logits[i, labels[i]]`.
    fn token_nll(
        logits: FloatTensor<Self>,
        labels: IntTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);

    /// The gradient of `Σ_i grad[i] · nll[i]` with respect to `logits`, `[n, n_classes]`.
    fn token_nll_backward(
        logits: FloatTensor<Self>,
        labels: IntTensor<Self>,
        log_sum_exp: FloatTensor<Self>,
        grad: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

/// Whether [token_nll] runs on `logits`: f32 on a flex device (with or without autodiff).
pub fn supports(logits: &Tensor<2>) -> bool {
    on_flex_f32(logits)
}

/// The fused token NLL, `[n]`, for `logits` where [supports] holds.
pub fn token_nll(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    let (nll, _) =
        <Dispatch as TokenNllOps>::token_nll(logits.into_dispatch(), labels.into_dispatch());
    Tensor::from_dispatch(nll)
}

/// `[n, n_classes]` f32 logits, contiguous.
fn rows(logits: FlexTensor) -> (FlexTensor, usize, usize) {
    let shape = logits.shape();
    assert_eq!(
        shape.num_dims(),
        2,
        "token_nll: logits must be [n, n_classes]"
    );
    (contiguous(logits), shape[0], shape[1])
}

fn labels_in_range(labels: FlexTensor, n: usize, classes: usize) -> Vec<usize> {
    let labels = to_vec::<i64>(labels);
    assert_eq!(labels.len(), n, "token_nll: labels must be [n]");
    labels
        .into_iter()
        .map(|label| {
            assert!(
                (0..classes as i64).contains(&label),
                "token_nll: label {label} outside 0..{classes}"
            );
            label as usize
        })
        .collect()
}

impl TokenNllOps for Flex {
    fn token_nll(logits: FlexTensor, labels: FlexTensor) -> (FlexTensor, FlexTensor) {
        let (logits, n, classes) = rows(logits);
        let labels = labels_in_range(labels, n, classes);
        let values = f32s(&logits);
        let (nll, lse): (Vec<f32>, Vec<f32>) = values
            .par_chunks(classes.max(1))
            .zip(labels.par_iter())
            .map(|(row, &label)| {
                let lse = log_sum_exp(row);
                (lse - row[label], lse)
            })
            .unzip();
        (from_f32s(nll, [n]), from_f32s(lse, [n]))
    }

    fn token_nll_backward(
        logits: FlexTensor,
        labels: FlexTensor,
        log_sum_exp: FlexTensor,
        grad: FlexTensor,
    ) -> FlexTensor {
        let (logits, n, classes) = rows(logits);
        let labels = labels_in_range(labels, n, classes);
        let lse = to_vec::<f32>(log_sum_exp);
        let grad = to_vec::<f32>(grad);
        assert_eq!(grad.len(), n, "token_nll_backward: grad must be [n]");
        let values = f32s(&logits);
        let mut out = vec![0.0f32; n * classes];
        out.par_chunks_mut(classes.max(1))
            .zip(values.par_chunks(classes.max(1)))
            .enumerate()
            .for_each(|(i, (out_row, row))| {
                softmax_scaled(row, lse[i], grad[i], out_row);
                out_row[labels[i]] -= grad[i];
            });
        from_f32s(out, [n, classes])
    }
}

/// Autodiff node of [TokenNllOps::token_nll]: keeps the logits, labels and log-sum-exp for the
/// backward pass.
#[derive(Debug)]
struct TokenNllBackward;

impl<B: Backend + TokenNllOps> Backward<B, 1> for TokenNllBackward {
    type State = (FloatTensor<B>, IntTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (logits, labels, log_sum_exp) = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| {
            B::token_nll_backward(logits, labels, log_sum_exp, grad)
        });
    }
}

impl<B: Backend + TokenNllOps, C: CheckpointStrategy> TokenNllOps for Autodiff<B, C> {
    fn token_nll(
        logits: FloatTensor<Self>,
        labels: IntTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let (logits, guard) = logits.into_parts();
        let (nll, log_sum_exp) = B::token_nll(logits.clone(), labels.clone());
        let nll = match TokenNllBackward
            .prepare::<C>([guard])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish((logits, labels, log_sum_exp.clone()), nll),
            OpsKind::UnTracked(prep) => prep.finish(nll),
        };
        (nll, Self::from_inner(log_sum_exp))
    }

    fn token_nll_backward(
        logits: FloatTensor<Self>,
        labels: IntTensor<Self>,
        log_sum_exp: FloatTensor<Self>,
        grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        // Second derivatives are not needed by any loss here: the result is a constant.
        Self::from_inner(B::token_nll_backward(
            Self::inner(logits),
            labels,
            Self::inner(log_sum_exp),
            Self::inner(grad),
        ))
    }
}
