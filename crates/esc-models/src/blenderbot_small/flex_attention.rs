//! Scaled dot-product attention on the flex backend, forward and backward, as a burn backend
//! extension with its own autodiff node.
//!
//! Under autodiff burn decomposes `attention` into about ten tracked operations over the
//! `[batch, heads, queries, keys]` scores (batched products, masking, a composed softmax), each
//! with its own output that the backward pass walks again. Here one parallel task per
//! (example, head) computes the scores, the softmax and the context with three small products,
//! keeps the probabilities, and the backward pass computes the three gradients per (example,
//! head) from them with four products.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::{BoolTensor, FloatTensor};
use burn::backend::{
    Autodiff, AutodiffBackend, Backend, Dispatch, Flex, TensorMetadata, backend_extension,
};
use burn::tensor::{Bool, Tensor};
use rayon::prelude::*;

use star_core::flex_math::{axpy, dot, softmax_backward_row, softmax_row};
use star_core::flex_tensors::{contiguous, f32s, from_f32s, has_avx2_fma, on_flex_f32};

/// The fused attention operations a backend supplies.
#[backend_extension(Flex, Autodiff)]
pub trait FusedAttentionOps: Backend {
    /// `(softmax(q·kᵀ·scale, masked) · v, probabilities)`: `q` `[b, h, t, d]`, `k`/`v`
    /// `[b, h, s, d]`, `mask` `[b, t, s]` (`true` = masked) → `([b, h, t, d], [b, h, t, s])`.
    /// A fully masked row attends to nothing (zeros), as burn's `attention`.
    fn fused_attention(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        mask: BoolTensor<Self>,
        scale: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);

    /// The context alone, as [FusedAttentionOps::fused_attention] computes it, without keeping
    /// the probabilities (inference).
    fn fused_attention_inference(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        mask: BoolTensor<Self>,
        scale: f64,
    ) -> FloatTensor<Self>;

    /// `(dq, dk, dv)` from the saved probabilities and the output gradient `[b, h, t, d]`.
    fn fused_attention_backward(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        probs: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        scale: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// Whether [attention] runs on `q`: f32 on a flex device (with or without autodiff).
pub fn supports(q: &Tensor<4>) -> bool {
    on_flex_f32(q)
}

/// The fused attention for tensors where [supports] holds: `[b, h, t, d]`.
pub fn attention(
    q: Tensor<4>,
    k: Tensor<4>,
    v: Tensor<4>,
    mask: Option<Tensor<3, Bool>>,
    scale: f64,
) -> Tensor<4> {
    let [b, _, t, _] = q.dims();
    let s = k.dims()[2];
    let mask = mask.unwrap_or_else(|| Tensor::<3, Bool>::zeros([b, t, s], &q.device()));
    let tracked = q.device().is_autodiff();
    let (q, k, v, mask) = (
        q.into_dispatch(),
        k.into_dispatch(),
        v.into_dispatch(),
        mask.into_dispatch(),
    );
    let out = if tracked {
        <Dispatch as FusedAttentionOps>::fused_attention(q, k, v, mask, scale).0
    } else {
        <Dispatch as FusedAttentionOps>::fused_attention_inference(q, k, v, mask, scale)
    };
    Tensor::from_dispatch(out)
}

/// A contiguous f32 copy (or the tensor itself) with its four dimensions.
fn contiguous4(t: FlexTensor) -> (FlexTensor, [usize; 4]) {
    let shape = t.shape();
    assert_eq!(shape.num_dims(), 4, "fused attention: 4-D tensors expected");
    (contiguous(t), [shape[0], shape[1], shape[2], shape[3]])
}

/// `out[m×n]` (row-major, overwritten) `= a · b` with `a(i, l) = a[i·a_rs + l·a_cs]` and
/// `b(l, j) = b[l·b_rs + j·b_cs]`, on the calling thread.
#[allow(clippy::too_many_arguments)]
fn product(
    out: &mut [f32],
    (m, n, k): (usize, usize, usize),
    a: &[f32],
    (a_rs, a_cs): (usize, usize),
    b: &[f32],
    (b_rs, b_cs): (usize, usize),
) {
    assert_eq!(out.len(), m * n, "product: output size");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        out.fill(0.0);
        return;
    }
    assert!(
        (m - 1) * a_rs + (k - 1) * a_cs < a.len(),
        "product: lhs bounds"
    );
    assert!(
        (k - 1) * b_rs + (n - 1) * b_cs < b.len(),
        "product: rhs bounds"
    );
    // SAFETY: the asserts above keep every index gemm reads inside `a` and `b`, and `out` holds
    // exactly m·n elements written with row stride n and column stride 1.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            a_cs as isize,
            a_rs as isize,
            b.as_ptr(),
            b_cs as isize,
            b_rs as isize,
            0.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// The fewest (example, head) pairs for which a decoding step (one query each) takes the fused
/// kernel (greedy decoding at batch 16, 90M: 256 pairs, decoder 1.08x faster than burn-flex's
/// `attention`; at batch 1, 16 pairs, it was slower).
pub const DECODING_MIN_PAIRS: usize = 64;

/// The most queries per (example, head) that [few_queries] takes: a decoding step has one.
/// gemm's set-up for products this small costs more than the products.
const DIRECT_MAX_QUERIES: usize = 2;

/// One (example, head) pair's operands: `q` `[t, d]`, `k`/`v` `[s, d]`, `mask` `[t, s]`.
#[derive(Clone, Copy)]
struct Head<'a> {
    q: &'a [f32],
    k: &'a [f32],
    v: &'a [f32],
    mask: &'a [u8],
    scale: f32,
    /// `(t, s, d)`.
    shape: (usize, usize, usize),
}

/// One (example, head) pair with a few queries, without gemm: dot products for the scores,
/// the softmax, and `axpy`s of the value rows for the context (`o` `[t, d]` is overwritten;
/// `p` `[t, s]` receives the probabilities).
#[inline(always)]
fn few_queries_portable<const FMA: bool>(head: Head<'_>, p: &mut [f32], o: &mut [f32]) {
    let (t, s, d) = head.shape;
    for i in 0..t {
        let (qi, pi, oi) = (
            &head.q[i * d..(i + 1) * d],
            &mut p[i * s..(i + 1) * s],
            &mut o[i * d..(i + 1) * d],
        );
        for (score, kj) in pi.iter_mut().zip(head.k.chunks_exact(d)) {
            *score = dot::<FMA>(qi, kj);
        }
        softmax_row(pi, head.scale, &head.mask[i * s..(i + 1) * s]);
        oi.fill(0.0);
        for (&pj, vj) in pi.iter().zip(head.v.chunks_exact(d)) {
            axpy::<FMA>(oi, pj, vj);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn few_queries_avx2(head: Head<'_>, p: &mut [f32], o: &mut [f32]) {
    few_queries_portable::<true>(head, p, o);
}

/// [few_queries_portable], compiled with AVX2 and FMA where the CPU has them.
fn few_queries(head: Head<'_>, p: &mut [f32], o: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA (checked above).
        unsafe { few_queries_avx2(head, p, o) };
        return;
    }
    few_queries_portable::<false>(head, p, o);
}

/// The forward pass: the context `[b, h, t, d]` and, with `keep_probs`, the probabilities
/// `[b, h, t, s]` (the backward pass needs them; inference does not, and each task then reuses
/// one row-block of scratch instead).
fn forward(
    q: FlexTensor,
    k: FlexTensor,
    v: FlexTensor,
    mask: FlexTensor,
    scale: f64,
    keep_probs: bool,
) -> (FlexTensor, Option<FlexTensor>) {
    let (q, [b, h, t, d]) = contiguous4(q);
    let (k, [_, _, s, _]) = contiguous4(k);
    let (v, _) = contiguous4(v);
    assert_eq!(
        k.shape().dims::<4>(),
        [b, h, s, d],
        "fused attention: key shape"
    );
    assert_eq!(
        v.shape().dims::<4>(),
        [b, h, s, d],
        "fused attention: value shape"
    );
    assert_eq!(
        mask.shape().dims::<3>(),
        [b, t, s],
        "fused attention: mask must be [b, t, s]"
    );
    let mask = bool_bytes(mask);
    let (qs, ks, vs) = (f32s(&q), f32s(&k), f32s(&v));
    let scale = scale as f32;
    let mut out = vec![0.0f32; b * h * t * d];
    // One (example, head) pair: scores = q · kᵀ, the masked softmax in place, out = probs · v.
    let head = |bh: usize, p: &mut [f32], o: &mut [f32]| {
        let example = bh / h;
        let (qh, kh, vh) = (
            &qs[bh * t * d..(bh + 1) * t * d],
            &ks[bh * s * d..(bh + 1) * s * d],
            &vs[bh * s * d..(bh + 1) * s * d],
        );
        let rows_mask = &mask[example * t * s..(example + 1) * t * s];
        if t <= DIRECT_MAX_QUERIES {
            let operands = Head {
                q: qh,
                k: kh,
                v: vh,
                mask: rows_mask,
                scale,
                shape: (t, s, d),
            };
            few_queries(operands, p, o);
            return;
        }
        product(p, (t, s, d), qh, (d, 1), kh, (1, d));
        for (row, row_mask) in p
            .chunks_exact_mut(s.max(1))
            .zip(rows_mask.chunks_exact(s.max(1)))
        {
            softmax_row(row, scale, row_mask);
        }
        product(o, (t, d, s), p, (s, 1), vh, (d, 1));
    };
    let out_chunks = out.par_chunks_mut((t * d).max(1)).enumerate();
    if keep_probs {
        let mut probs = vec![0.0f32; b * h * t * s];
        probs
            .par_chunks_mut((t * s).max(1))
            .zip(out_chunks)
            .for_each(|(p, (bh, o))| head(bh, p, o));
        (
            from_f32s(out, [b, h, t, d]),
            Some(from_f32s(probs, [b, h, t, s])),
        )
    } else {
        out_chunks.for_each_init(
            || vec![0.0f32; t * s],
            |scratch, (bh, o)| head(bh, scratch, o),
        );
        (from_f32s(out, [b, h, t, d]), None)
    }
}

/// A boolean tensor's values as bytes (1 = true), row-major: a copy of flex's own bytes where
/// it stores one per value, which converting element by element through `TensorData` is not.
fn bool_bytes(mask: FlexTensor) -> Vec<u8> {
    use burn::tensor::{BoolStore, DType};
    if matches!(mask.dtype(), DType::Bool(BoolStore::Native | BoolStore::U8)) {
        let mask = contiguous(mask);
        let len = mask.shape().num_elements();
        mask.storage::<u8>()[..len].to_vec()
    } else {
        mask.into_data().iter::<bool>().map(u8::from).collect()
    }
}

impl FusedAttentionOps for Flex {
    fn fused_attention(
        q: FlexTensor,
        k: FlexTensor,
        v: FlexTensor,
        mask: FlexTensor,
        scale: f64,
    ) -> (FlexTensor, FlexTensor) {
        let (out, probs) = forward(q, k, v, mask, scale, true);
        (out, probs.expect("probabilities kept"))
    }

    fn fused_attention_inference(
        q: FlexTensor,
        k: FlexTensor,
        v: FlexTensor,
        mask: FlexTensor,
        scale: f64,
    ) -> FlexTensor {
        forward(q, k, v, mask, scale, false).0
    }

    fn fused_attention_backward(
        q: FlexTensor,
        k: FlexTensor,
        v: FlexTensor,
        probs: FlexTensor,
        grad: FlexTensor,
        scale: f64,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let (q, [b, h, t, d]) = contiguous4(q);
        let (k, [_, _, s, _]) = contiguous4(k);
        let (v, _) = contiguous4(v);
        let (probs, _) = contiguous4(probs);
        let (grad, _) = contiguous4(grad);
        let (qs, ks, vs, ps, gs) = (f32s(&q), f32s(&k), f32s(&v), f32s(&probs), f32s(&grad));
        let scale = scale as f32;
        let mut dq = vec![0.0f32; b * h * t * d];
        let mut dk = vec![0.0f32; b * h * s * d];
        let mut dv = vec![0.0f32; b * h * s * d];
        dq.par_chunks_mut((t * d).max(1))
            .zip(dk.par_chunks_mut((s * d).max(1)))
            .zip(dv.par_chunks_mut((s * d).max(1)))
            .enumerate()
            .for_each(|(bh, ((dqh, dkh), dvh))| {
                let qh = &qs[bh * t * d..(bh + 1) * t * d];
                let kh = &ks[bh * s * d..(bh + 1) * s * d];
                let vh = &vs[bh * s * d..(bh + 1) * s * d];
                let ph = &ps[bh * t * s..(bh + 1) * t * s];
                let gh = &gs[bh * t * d..(bh + 1) * t * d];
                // dv = pᵀ · g
                product(dvh, (s, d, t), ph, (1, s), gh, (d, 1));
                // dp = g · vᵀ, then ds = p ⊙ (dp − Σ_j dp ⊙ p) · scale, in place
                let mut ds = vec![0.0f32; t * s];
                product(&mut ds, (t, s, d), gh, (d, 1), vh, (1, d));
                for (dp, p) in ds.chunks_exact_mut(s).zip(ph.chunks_exact(s)) {
                    softmax_backward_row(dp, p, scale);
                }
                // dq = ds · k, dk = dsᵀ · q
                product(dqh, (t, d, s), &ds, (s, 1), kh, (d, 1));
                product(dkh, (s, d, t), &ds, (1, s), qh, (d, 1));
            });
        (
            from_f32s(dq, [b, h, t, d]),
            from_f32s(dk, [b, h, s, d]),
            from_f32s(dv, [b, h, s, d]),
        )
    }
}

/// Autodiff node of [FusedAttentionOps::fused_attention]: keeps the inputs and probabilities.
#[derive(Debug)]
struct FusedAttentionBackward;

impl<B: Backend + FusedAttentionOps> Backward<B, 3> for FusedAttentionBackward {
    type State = (
        FloatTensor<B>,
        FloatTensor<B>,
        FloatTensor<B>,
        FloatTensor<B>,
        f64,
    );

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (q, k, v, probs, scale) = ops.state;
        let grad = grads.consume::<B>(&ops.node);
        let (dq, dk, dv) = B::fused_attention_backward(q, k, v, probs, grad, scale);
        for (parent, grad) in ops.parents.into_iter().zip([dq, dk, dv]) {
            if let Some(parent) = parent {
                grads.register::<B>(parent.id, grad);
            }
        }
    }
}

impl<B: Backend + FusedAttentionOps, C: CheckpointStrategy> FusedAttentionOps for Autodiff<B, C> {
    fn fused_attention(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        mask: BoolTensor<Self>,
        scale: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let (q, q_guard) = q.into_parts();
        let (k, k_guard) = k.into_parts();
        let (v, v_guard) = v.into_parts();
        let (out, probs) = B::fused_attention(q.clone(), k.clone(), v.clone(), mask, scale);
        let out = match FusedAttentionBackward
            .prepare::<C>([q_guard, k_guard, v_guard])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish((q, k, v, probs.clone(), scale), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        };
        (out, Self::from_inner(probs))
    }

    fn fused_attention_inference(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        mask: BoolTensor<Self>,
        scale: f64,
    ) -> FloatTensor<Self> {
        // Tracked like the training path, so a gradient still flows if one is asked for.
        Self::fused_attention(q, k, v, mask, scale).0
    }

    fn fused_attention_backward(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        probs: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        scale: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        // Second derivatives are not needed: the gradients are constants.
        let (dq, dk, dv) = B::fused_attention_backward(
            Self::inner(q),
            Self::inner(k),
            Self::inner(v),
            Self::inner(probs),
            Self::inner(grad),
            scale,
        );
        (
            Self::from_inner(dq),
            Self::from_inner(dk),
            Self::from_inner(dv),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::module::attention as burn_attention;
    use burn::tensor::ops::AttentionModuleOptions;
    use burn::tensor::{Device, Distribution, TensorData};

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().convert::<f32>().try_to_vec().unwrap()
    }

    fn max_diff(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    /// The fused attention against burn's own (composed under autodiff): output (with and
    /// without autodiff) and the three input gradients of a weighted sum, with a padding mask, a
    /// causal mask and a fully masked row, for self- and cross-attention shapes.
    #[test]
    fn matches_burn_attention_with_gradients() {
        let device = Device::flex().autodiff();
        assert!(supports(&Tensor::zeros([1, 1, 1, 1], &device)));
        // Below DIRECT_MAX_QUERIES queries the kernel takes dot products instead of gemm.
        for (b, h, t, s, d) in [
            (2, 3, 5, 5, 4),
            (2, 2, 3, 7, 8),
            (1, 1, 1, 6, 16),
            (2, 3, 2, 9, 5),
            (2, 2, 1, 19, 33),
        ] {
            let random = |dims: [usize; 4]| {
                Tensor::<4>::random(dims, Distribution::Normal(0.0, 1.5), &device).into_data()
            };
            let (q0, k0, v0) = (
                random([b, h, t, d]),
                random([b, h, s, d]),
                random([b, h, s, d]),
            );
            let weight = Tensor::<4>::random([b, h, t, d], Distribution::Default, &device);
            // Example 0: causal (when square) or the last key masked; example 1: a padded key,
            // and its first query row fully masked.
            let mask: Vec<bool> = (0..b * t * s)
                .map(|i| {
                    let (e, row, col) = (i / (t * s), i / s % t, i % s);
                    match e {
                        0 if t == s => col > row,
                        0 => col == s - 1,
                        _ => col == 0 || row == 0,
                    }
                })
                .collect();
            let mask = Tensor::<3, Bool>::from_data(TensorData::new(mask, [b, t, s]), &device);
            let scale = 0.37;
            let run = |fused: bool| {
                let q = Tensor::<4>::from_data(q0.clone(), &device).require_grad();
                let k = Tensor::<4>::from_data(k0.clone(), &device).require_grad();
                let v = Tensor::<4>::from_data(v0.clone(), &device).require_grad();
                let out = if fused {
                    attention(q.clone(), k.clone(), v.clone(), Some(mask.clone()), scale)
                } else {
                    let options = AttentionModuleOptions {
                        scale: Some(scale),
                        softcap: None,
                        is_causal: false,
                    };
                    let mask = mask.clone().unsqueeze_dim::<4>(1).expand([b, h, t, s]);
                    burn_attention(q.clone(), k.clone(), v.clone(), Some(mask), None, options)
                };
                let grads = (out.clone() * weight.clone()).sum().backward();
                [
                    values(out),
                    values(q.grad(&grads).unwrap()),
                    values(k.grad(&grads).unwrap()),
                    values(v.grad(&grads).unwrap()),
                ]
            };
            let (fused, reference) = (run(true), run(false));
            // Without autodiff: the forward that keeps no probabilities.
            let plain = Device::flex();
            let inference = attention(
                Tensor::<4>::from_data(q0.clone(), &plain),
                Tensor::<4>::from_data(k0.clone(), &plain),
                Tensor::<4>::from_data(v0.clone(), &plain),
                Some(Tensor::<3, Bool>::from_data(mask.to_data(), &plain)),
                scale,
            );
            let diff = max_diff(&values(inference), &reference[0]);
            assert!(
                diff < 1e-5,
                "{b}x{h}x{t}x{s}x{d}: inference output differs by {diff}"
            );
            for (name, (got, want)) in ["output", "dq", "dk", "dv"]
                .iter()
                .zip(fused.iter().zip(&reference))
            {
                let diff = max_diff(got, want);
                assert!(diff < 1e-5, "{b}x{h}x{t}x{s}x{d}: {name} differs by {diff}");
            }
        }
    }

    /// The fused attention against PyTorch's `scaled_dot_product_attention`
    /// (`scripts/attention_reference.py`, float64): output, and dq/dk/dv of a weighted sum, with
    /// causal, padding and fully masked rows, on flex with and without autodiff.
    #[test]
    fn matches_torch_sdpa_fixture() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/attention.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (scripts/attention_reference.py)", path.display()));
        let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
        let cases = fixture["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 4);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let get =
                |key: &str| -> Vec<f32> { serde_json::from_value(case[key].clone()).unwrap() };
            let dims: Vec<usize> = serde_json::from_value(case["dims"].clone()).unwrap();
            let [b, h, t, s, d] = dims[..] else {
                panic!("{name}: dims")
            };
            let scale = case["scale"].as_f64().unwrap();
            let mask: Vec<bool> = serde_json::from_value(case["mask"].clone()).unwrap();
            for device in [Device::flex(), Device::flex().autodiff()] {
                let tensor = |key: &str, n: usize| {
                    Tensor::<4>::from_data(TensorData::new(get(key), [b, h, n, d]), &device)
                };
                let (q, k, v) = (tensor("q", t), tensor("k", s), tensor("v", s));
                let (q, k, v) = if device.is_autodiff() {
                    (q.require_grad(), k.require_grad(), v.require_grad())
                } else {
                    (q, k, v)
                };
                let mask =
                    Tensor::<3, Bool>::from_data(TensorData::new(mask.clone(), [b, t, s]), &device);
                let out = attention(q.clone(), k.clone(), v.clone(), Some(mask), scale);
                let mut checks = vec![("out", values(out.clone()))];
                if device.is_autodiff() {
                    let grads = (out * tensor("weight", t)).sum().backward();
                    checks.push(("dq", values(q.grad(&grads).unwrap())));
                    checks.push(("dk", values(k.grad(&grads).unwrap())));
                    checks.push(("dv", values(v.grad(&grads).unwrap())));
                }
                for (key, got) in checks {
                    let diff = max_diff(&got, &get(key));
                    assert!(
                        diff < 2e-5,
                        "{name} ({device:?}): {key} differs from torch by {diff}"
                    );
                }
            }
        }
    }
}
