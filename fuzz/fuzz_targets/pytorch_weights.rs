//! HF weights as a PyTorch pickle (`.bin`): any bytes load into the tiny fixture architecture or
//! give a typed error naming the file. burn-store reads pickles from a path only, so each input
//! is written to a scratch file.
#![no_main]

#[path = "fixture.rs"]
mod fixture;

#[path = "scratch.rs"]
mod scratch;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut model = fixture::tiny_model().clone();
    let path = scratch::write("pytorch_model.bin", data);
    if let Err(e) = esc_models::load_hf(&mut model, &path) {
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }
});
