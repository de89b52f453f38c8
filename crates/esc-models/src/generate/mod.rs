//! Batched, KV-cached generation: greedy, sampling (temperature / top-k / top-p), beam search with
//! length penalty, and HF's logits processors in HF's order (see [processors]).
//!
//! Greedy decoding and beam search take no random-number generator ([generate],
//! [generate_with], [crate::EscModel::generate]); sampling (`do_sample`) goes through the
//! `*_sampled` functions, which take one ([generate_sampled], [generate_with_sampled],
//! [crate::EscModel::generate_sampled]). Lengths are HF's: `max_length` counts the decoder
//! prefix, [GenerationConfig::max_new_tokens] only what follows it.

pub mod bbs;
mod beam;
pub mod config;
pub mod processors;
pub mod search;

use burn::tensor::{Int, Tensor};

pub use bbs::{BbsStepper, generate, generate_sampled};
pub use config::GenerationConfig;
pub use search::{SpecialIds, StepDecoder, generate_with, generate_with_sampled};

/// Device ids `[b, s]` -> host rows.
pub(crate) fn host_rows(ids: Tensor<2, Int>) -> Vec<Vec<u32>> {
    let [b, s] = ids.dims();
    let flat = ids
        .into_data()
        .convert::<i64>()
        .try_into_vec::<i64>()
        .expect("int ids");
    (0..b)
        .map(|i| flat[i * s..(i + 1) * s].iter().map(|&x| x as u32).collect())
        .collect()
}

/// Cuts a generated sequence after its first EOS and drops the decoder start token and the
/// padding (the reference's `cut_seq_to_eos`).
pub fn strip_special(seq: &[u32], start: u32, eos: u32) -> Vec<u32> {
    let body = seq.strip_prefix(&[start]).unwrap_or(seq);
    body.iter().take_while(|&&t| t != eos).copied().collect()
}
