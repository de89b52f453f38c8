//! The paper-size STAR workload shared by `benches/star.rs` and `examples/star_bench_json.rs`
//! (included by both with `#[path]`): d 512, 8 strategies, 41 positions.

use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use star_core::StarInput;

/// Width of the hidden states.
pub const D: usize = 512;
/// Positions per example (the reference's target length).
pub const T: usize = 41;
/// Number of strategies (experts).
pub const N_STRATEGIES: usize = 8;

/// `b` examples: random states, random strategy ids, right padding to random lengths
/// (10..=41); the same ids and lengths on every call.
pub fn input(b: usize, device: &Device) -> StarInput {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let ids: Vec<i64> = (0..b).map(|_| next(N_STRATEGIES) as i64).collect();
    let mask: Vec<bool> = (0..b)
        .flat_map(|_| {
            let len = 10 + next(T - 9);
            (0..T).map(move |t| t >= len)
        })
        .collect();
    let hidden = Tensor::<3>::random([b, T, D], Distribution::Normal(0.0, 1.0), device);
    let ids = Tensor::<1, Int>::from_data(TensorData::new(ids, [b]), device);
    StarInput::new(hidden, ids).mask_pad(Tensor::from_data(TensorData::new(mask, [b, T]), device))
}
