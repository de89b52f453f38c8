//! Speed of a BlenderBot-Small training step (forward + backward + the trainer's AdamW) and of
//! greedy KV-cached generation, with random weights; prints one JSON object per measurement.
//! Driven by `scripts/bench_bbs.py`, which runs PyTorch on the same shapes and prints the ratios.
//!
//! `cargo run --release --example bench_bbs -- small flex` (`-- 90m cuda 3` with `--features cuda`)

#[path = "workload/train_step.rs"]
mod train_step;

use std::time::Instant;

use burn::module::Module;
use star_esc::esc_models::{BlenderbotSmallConfig, GenerationConfig, generate};
use star_esc::train::DeviceKind;
use train_step::{BATCH, SRC, TGT, TrainStep, ids};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // What the `train` binary does: without it every large tensor is a fresh, zeroed mapping.
    star_esc::star_core::tune_allocator();
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map_or("small", String::as_str);
    let backend = args.get(2).map_or("flex", String::as_str);
    let repeats: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    let config = match which {
        "90m" => BlenderbotSmallConfig::blenderbot_small_90m(),
        _ => BlenderbotSmallConfig::small(),
    };
    let base = backend
        .parse::<DeviceKind>()
        .and_then(|kind| kind.device().map_err(|e| e.to_string()))
        .unwrap_or_else(|message| panic!("{message}"));
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
