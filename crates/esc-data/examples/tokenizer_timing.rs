//! Median time to encode the ESConv test split (6,039 utterances), for
//! `scripts/bench_tokenizer.py`, which runs this and transformers' slow tokenizer side by side.
//!
//! `cargo run --release -p esc-data --example tokenizer_timing -- [RUNS]` prints one JSON line:
//! median seconds per pass with a cold word cache (fresh clone) and a warm one.

use std::time::Instant;

use esc_data::BlenderbotSmallTokenizer;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map_or(Ok(11), |s| s.parse())?;
    let tok = BlenderbotSmallTokenizer::from_dir(esc_data::paths::blenderbot_small_dir()?)?;
    let path = esc_data::paths::esconv_dir()?.join("test.jsonl");
    let mut texts = Vec::new();
    for line in std::fs::read_to_string(&path)?.lines() {
        let dialog: serde_json::Value = serde_json::from_str(line)?;
        for turn in dialog["dialog"]
            .as_array()
            .ok_or("dialog is not an array")?
        {
            texts.push(
                turn["text"]
                    .as_str()
                    .ok_or("text is not a string")?
                    .to_owned(),
            );
        }
    }
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut n_ids = 0;
    for _ in 0..runs {
        let fresh = tok.clone();
        let start = Instant::now();
        n_ids = texts.iter().map(|t| fresh.encode(t).len()).sum::<usize>();
        cold.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let again = texts.iter().map(|t| fresh.encode(t).len()).sum::<usize>();
        warm.push(start.elapsed().as_secs_f64());
        assert_eq!(again, n_ids);
    }
    println!(
        "{{\"utterances\": {}, \"ids\": {}, \"runs\": {}, \"cold_s\": {:.6}, \"warm_s\": {:.6}}}",
        texts.len(),
        n_ids,
        runs,
        median(cold),
        median(warm)
    );
    Ok(())
}
