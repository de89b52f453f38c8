//! `generation_config.json` from memory: any bytes give a valid configuration or a typed error; a valid
//! one drives generation on the tiny fixture model without panicking.
#![no_main]

#[path = "fixture.rs"]
mod fixture;

use burn::tensor::{Device, Int, Tensor};
use esc_models::GenerationConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut config) = GenerationConfig::from_json(data) else {
        return;
    };
    // Keep each run short: the lengths are what the search loop iterates over.
    config.max_length = config.max_length.min(8);
    config.max_new_tokens = config.max_new_tokens.map(|n| n.min(7));
    config.min_new_tokens = config.min_new_tokens.map(|n| n.min(7));
    config.num_beams = config.num_beams.min(4);
    let device = Device::flex();
    let ids = Tensor::<2, Int>::from_ints([[5, 17, 33, 2], [7, 2, 0, 0]], &device);
    let mask = ids.clone().equal_elem(0);
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
    let _ = esc_models::generate_sampled(fixture::tiny_model(), ids, mask, &config, &mut rng);
});
