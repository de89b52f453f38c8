//! Eq. (1): `z = Pooling(h)`, the shared multi-head attention pooling of SARA.
//!
//! As in the reference (`AttentionPool1d` of the authors' code, the CLIP attention pool
//! without positional term): the query is the mean of the positions, keys and values are
//! `[mean; h_1 .. h_t]`, separate q/k/v/out projections with bias, `n_heads` heads, no dropout.
//!
//! The query is a single row, so keys and values of every position are never projected.
//! Per head `j`, with `q_j = (W_q m + b_q)_j / sqrt(d_head)`:
//! - score of row `s`: `q_j · (W_k,j s + b_k,j) = s · (W_k,j^T q_j) + const`; the constant
//!   (`q_j · b_k,j`) is the same for every row and cancels in the softmax;
//! - output: `Σ_s a_s (W_v,j s + b_v,j) = W_v,j (Σ_s a_s s) + b_v,j`, since `Σ_s a_s = 1`.
//!
//! This turns the `O(b·t·d²)` key/value projections into `O(b·t·d + b·d²)` and makes the
//! incremental (generation) cache a cache of raw hidden states.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Device, Tensor, TensorData};

use crate::StarInit;
use crate::init::{LayerKind, linear};

/// Configuration to create an [`AttentionPooling`] with [`AttentionPoolingConfig::init`].
#[derive(Config, Debug)]
pub struct AttentionPoolingConfig {
    /// Width of the hidden states (`d_model`).
    pub d_model: usize,
    /// Number of attention heads; must divide `d_model`. Default 8 (the reference).
    #[config(default = 8)]
    pub n_heads: usize,
    /// Parameter initialisation. Default [`StarInit::Reference`].
    #[config(default = "StarInit::Reference")]
    pub init: StarInit,
}

impl AttentionPoolingConfig {
    /// Initialise an [`AttentionPooling`] on `device`.
    ///
    /// # Panics
    /// If `n_heads` is zero or does not divide `d_model`.
    pub fn init(&self, device: &Device) -> AttentionPooling {
        assert!(
            self.n_heads > 0 && self.d_model.is_multiple_of(self.n_heads),
            "n_heads ({}) must divide d_model ({})",
            self.n_heads,
            self.d_model
        );
        let proj = || {
            linear(
                self.d_model,
                self.d_model,
                true,
                LayerKind::Pooling,
                self.init,
                device,
            )
        };
        AttentionPooling {
            q_proj: proj(),
            k_proj: proj(),
            v_proj: proj(),
            out_proj: proj(),
            n_heads: self.n_heads,
        }
    }
}

/// Multi-head attention pooling with the mean as single query (Eq. (1)).
///
/// Should be created with [`AttentionPoolingConfig`]. Weights are stored in burn's layout
/// `[d_input, d_output]` (the transpose of PyTorch's `nn.Linear.weight`).
///
/// `k_proj.bias` is kept so that checkpoints of the reference load one-to-one, but it has no
/// effect on the output (softmax is shift-invariant), so its gradient is always zero.
#[derive(Module, Debug)]
pub struct AttentionPooling {
    /// Query projection `d_model -> d_model`, applied to the mean of the positions.
    pub q_proj: Linear,
    /// Key projection `d_model -> d_model`.
    pub k_proj: Linear,
    /// Value projection `d_model -> d_model`.
    pub v_proj: Linear,
    /// Output projection `d_model -> d_model` (`c_proj` in the reference).
    pub out_proj: Linear,
    /// Number of heads.
    pub n_heads: usize,
}

/// Which keys each query of the pooling may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QuerySpan {
    /// A single query over all `t` positions.
    Full,
    /// One query per position `start..t`; query `i` sees positions `0..=start + i`.
    CausalFrom(usize),
}

impl QuerySpan {
    /// The `[n_queries, t]` 0/1 matrix of the keys each query may see.
    fn allowed(self, t: usize, device: &Device) -> Tensor<2> {
        let (n, start) = match self {
            QuerySpan::Full => return Tensor::ones([1, t], device),
            QuerySpan::CausalFrom(start) => (t - start, start),
        };
        let values: Vec<f32> = (0..n)
            .flat_map(|i| (0..t).map(move |k| if k <= start + i { 1.0 } else { 0.0 }))
            .collect();
        Tensor::from_data(TensorData::new(values, [n, t]), device)
    }
}

impl AttentionPooling {
    /// Pool the whole sequence into one vector per example.
    ///
    /// `mask_pad` is `true` for padding positions, which take no part in the pooling (the
    /// crate's one mask convention, as [`StarInput::mask_pad`](crate::StarInput::mask_pad);
    /// convert an HF `attention_mask` with
    /// [`pad_mask_from_attention_mask`](crate::pad_mask_from_attention_mask)). `None` pools
    /// every position (the reference). A row that is all padding pools to a constant,
    /// `out_proj(v_proj(0))`.
    ///
    /// # Shapes
    /// - `hidden`: `[batch_size, seq_length, d_model]`
    /// - `mask_pad`: `[batch_size, seq_length]`
    /// - output: `[batch_size, d_model]`
    ///
    /// # Panics
    /// If the shapes disagree or `seq_length` is zero.
    pub fn forward(&self, hidden: Tensor<3>, mask_pad: Option<Tensor<2, Bool>>) -> Tensor<2> {
        self.pool(hidden, mask_pad, QuerySpan::Full).squeeze_dim(1)
    }

    /// Pool causally: output position `t` summarises the non-padding positions `0..=t` only.
    ///
    /// # Shapes
    /// - `hidden`: `[batch_size, seq_length, d_model]`
    /// - `mask_pad`: `[batch_size, seq_length]`, `true` = padding (see
    ///   [`AttentionPooling::forward`])
    /// - output: `[batch_size, seq_length, d_model]`
    ///
    /// # Panics
    /// If the shapes disagree or `seq_length` is zero.
    pub fn forward_causal(
        &self,
        hidden: Tensor<3>,
        mask_pad: Option<Tensor<2, Bool>>,
    ) -> Tensor<3> {
        self.pool(hidden, mask_pad, QuerySpan::CausalFrom(0))
    }

    /// The pooling for the queries of `span`: `[b, t, d]` -> `[b, n_queries, d]`.
    pub(crate) fn pool(
        &self,
        x: Tensor<3>,
        mask_pad: Option<Tensor<2, Bool>>,
        span: QuerySpan,
    ) -> Tensor<3> {
        let [b, t, d] = x.dims();
        assert!(t > 0, "STAR pooling needs at least one position");
        let h = self.n_heads;
        let dh = d / h;
        let device = x.device();

        // Which keys each query averages and attends to: [b, n, t].
        let allowed = span.allowed(t, &device);
        let n = allowed.dims()[0];
        let weights = match mask_pad {
            Some(mask_pad) => {
                assert_eq!(mask_pad.dims(), [b, t], "mask_pad must be [batch, seq]");
                let keep = mask_pad.bool_not().float();
                allowed.unsqueeze_dim::<3>(0) * keep.unsqueeze_dim::<3>(1)
            }
            None => allowed.unsqueeze_dim::<3>(0).expand([b, n, t]),
        };
        // Query rows: masked means. A query with no valid key gets the zero vector (it then
        // attends only to itself, so the output stays finite).
        let count = weights.clone().sum_dim(2).clamp_min(1.0);
        let mean = (weights.clone() / count).matmul(x.clone()); // [b, n, d]

        // q, scaled as in torch's multi-head attention: [h, b*n, dh].
        let q = self.q_proj.forward(mean.clone()) * (1.0 / (dh as f64).sqrt());
        let q = q.reshape([b * n, h, dh]).swap_dims(0, 1);
        // u_j = W_k,j^T q_j: [h, b*n, dh] x [h, dh, d] -> [b, h*n, d].
        let wk = self
            .k_proj
            .weight
            .val()
            .reshape([d, h, dh])
            .permute([1, 2, 0]);
        let u = q
            .matmul(wk)
            .reshape([h, b, n, d])
            .permute([1, 0, 2, 3])
            .reshape([b, h * n, d]);

        // Scores of the positions [b, h, n, t] and of the mean row [b, h, n, 1].
        let scores_x = u
            .clone()
            .matmul(x.clone().swap_dims(1, 2))
            .reshape([b, h, n, t]);
        let scores_m = (u.reshape([b, h, n, d]) * mean.clone().unsqueeze_dim::<4>(1)).sum_dim(3);
        let blocked = weights
            .equal_elem(0.0)
            .unsqueeze_dim::<4>(1)
            .expand([b, h, n, t]);
        let scores_x = scores_x.mask_fill(blocked, f32::NEG_INFINITY);
        let attn = softmax(Tensor::cat(vec![scores_m, scores_x], 3), 3);
        let attn_m = attn.clone().narrow(3, 0, 1);
        let attn_x = attn.narrow(3, 1, t);

        // Attention-weighted rows, then the value projection per head.
        let pooled = attn_x
            .reshape([b, h * n, t])
            .matmul(x)
            .reshape([b, h, n, d])
            + attn_m * mean.unsqueeze_dim::<4>(1);
        let pooled = pooled.permute([1, 0, 2, 3]).reshape([h, b * n, d]);
        let wv = self.v_proj.weight.val().reshape([d, h, dh]).swap_dims(0, 1); // [h, d, dh]
        let mut heads = pooled.matmul(wv).swap_dims(0, 1).reshape([b, n, d]);
        if let Some(bias) = &self.v_proj.bias {
            heads = heads + bias.val().unsqueeze::<3>();
        }
        self.out_proj.forward(heads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Distribution, Int, Tolerance};

    fn close(a: Tensor<2>, b: Tensor<2>) {
        a.into_data()
            .assert_approx_eq::<f32>(&b.into_data(), Tolerance::absolute(1e-5));
    }

    #[test]
    fn pad_mask_true_marks_the_positions_left_out() {
        let device = Device::flex();
        let pooling = AttentionPoolingConfig::new(16)
            .with_n_heads(4)
            .init(&device);
        let hidden = Tensor::<3>::random([2, 5, 16], Distribution::Normal(0.0, 1.0), &device);
        // Row 1 has 3 real positions and 2 pads.
        let mask_pad =
            Tensor::<2, Int>::from_ints([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]], &device).bool();

        let pooled = pooling.forward(hidden.clone(), Some(mask_pad.clone()));
        assert_eq!(pooled.dims(), [2, 16]);
        // The unpadded row pools as without a mask; the padded one as its 3 real positions.
        let row0 = pooling.forward(hidden.clone().narrow(0, 0, 1), None);
        let row1 = pooling.forward(hidden.clone().narrow(0, 1, 1).narrow(1, 0, 3), None);
        close(pooled.clone().narrow(0, 0, 1), row0);
        close(pooled.clone().narrow(0, 1, 1), row1.clone());

        // Causal: position t pools the real positions <= t, so the last real one (2) and the
        // pads after it equal the full pooling of the row.
        let causal = pooling.forward_causal(hidden, Some(mask_pad));
        assert_eq!(causal.dims(), [2, 5, 16]);
        for t in 2..5 {
            close(
                causal
                    .clone()
                    .narrow(0, 1, 1)
                    .narrow(1, t, 1)
                    .squeeze_dim(1),
                row1.clone(),
            );
        }
    }
}
