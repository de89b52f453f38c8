//! Speed of a BlenderBot-Small training step (forward + backward + AdamW) and of greedy KV-cached
//! generation, with random weights; prints one JSON object per measurement.
//! Driven by `scripts/bench_bbs.py`, which runs PyTorch on the same shapes and prints the ratios.
//!
//! `cargo run --release -p esc-models --example bench_bbs -- small flex`

#[path = "workload/train_step.rs"]
mod train_step;

use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use esc_models::{BlenderbotSmallConfig, GenerationConfig, generate};
use train_step::{BATCH, SRC, TGT, TrainStep, ids};

/// The first NVIDIA GPU, after checking that its driver (libcuda.so.1) loads: without it cudarc
/// panics later, on a runtime thread ("Unable to dynamically load the \"cuda\" shared library").
#[cfg(feature = "cuda")]
fn cuda_device() -> Device {
    #[cfg(unix)]
    {
        use std::ffi::{c_char, c_int, c_void};
        unsafe extern "C" {
            fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
        }
        const RTLD_NOW: c_int = 2;
        // SAFETY: NUL-terminated names; a loaded library stays loaded (cudarc loads it next).
        let loads = |name: &std::ffi::CStr| !unsafe { dlopen(name.as_ptr(), RTLD_NOW) }.is_null();
        assert!(
            loads(c"libcuda.so.1") || loads(c"libcuda.so"),
            "the NVIDIA CUDA driver (libcuda.so.1) cannot be loaded: `cuda` needs a machine with an \
             NVIDIA GPU and its driver (libcuda.so.1 on the loader's path, LD_LIBRARY_PATH)"
        );
    }
    Device::cuda(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // What the `train` binary does: without it every large tensor is a fresh, zeroed mapping.
    star_core::tune_allocator();
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map_or("small", String::as_str);
    let backend = args.get(2).map_or("flex", String::as_str);
    let repeats: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    let config = match which {
        "90m" => BlenderbotSmallConfig::blenderbot_small_90m(),
        _ => BlenderbotSmallConfig::small(),
    };
    let base = match backend {
        #[allow(deprecated)]
        "ndarray" => Device::ndarray(),
        #[cfg(feature = "cuda")]
        "cuda" => cuda_device(),
        "flex" => Device::flex(),
        other => {
            panic!("unknown backend {other:?} (flex, ndarray, or cuda with the `cuda` feature)")
        }
    };
    base.seed(0);
    let (src, tgt, b) = (SRC, TGT, BATCH);

    // Training step: batch 8, encoder 160, decoder 40, AdamW.
    let mut step = TrainStep::new(&config, &base);
    let mut phases: Vec<[f64; 5]> = Vec::new();
    for i in 0..repeats + 1 {
        let batch = step.batch(b);
        let timed = step.run(batch);
        if i > 0 {
            phases.push(timed);
        }
    }
    let phase = |j: usize| median(phases.iter().map(|p| p[j]).collect());
    let seconds = phase(4);
    println!(
        "{{\"rust\": true, \"backend\": \"{backend}\", \"config\": \"{which}\", \"what\": \"train_step\", \"batch\": {b}, \"seconds\": {seconds:.4}, \"target_tokens_per_s\": {:.1}, \"phases\": {{\"forward\": {:.4}, \"loss\": {:.4}, \"backward\": {:.4}, \"optimizer\": {:.4}}}}}",
        (b * tgt) as f64 / seconds,
        phase(0),
        phase(1),
        phase(2),
        phase(3),
    );

    // Greedy generation of exactly 40 new tokens with the KV cache.
    let model = step.model.valid();
    let greedy_cfg = GenerationConfig {
        min_length: 41,
        ..GenerationConfig::greedy(41)
    };
    for b in [1usize, 16] {
        let mut times = Vec::new();
        for i in 0..repeats.min(3) + 1 {
            let input = ids(b, src, config.vocab_size, &base);
            let mask = input.clone().equal_elem(0);
            let start = Instant::now();
            let out = generate(&model, input, mask, &greedy_cfg).expect("valid config");
            assert_eq!(out[0].len(), 41);
            if i > 0 {
                times.push(start.elapsed().as_secs_f64());
            }
        }
        let t = median(times);
        println!(
            "{{\"rust\": true, \"backend\": \"{backend}\", \"config\": \"{which}\", \"what\": \"greedy_40\", \"batch\": {b}, \"seconds\": {t:.4}, \"tokens_per_s\": {:.1}}}",
            (b * 40) as f64 / t
        );
    }
}
