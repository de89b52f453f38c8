//! BERTScore P/R/F of candidate lines against reference lines (one text per line, same count),
//! with a local HF BERT-family model folder, as the `bert-score` package computes them.
//!
//! ```text
//! cargo run --release --example bertscore -- --model path/to/all-MiniLM-L6-v2 --layer 6 \
//!     --candidates generations.txt --references references.txt
//! ```

mod common;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use star_esc::esc_models::bert::{BertScore, BertScorer, ScoreOptions};

#[derive(Parser, Debug)]
#[command(about = "BERTScore of candidate lines against reference lines")]
struct Args {
    /// HF model folder: config.json, model.safetensors (or pytorch_model.bin), tokenizer.json (or vocab.txt).
    #[arg(long)]
    model: PathBuf,
    /// Layer whose hidden states are matched (bert-score's num_layers). Default: the last.
    #[arg(long)]
    layer: Option<usize>,
    /// Candidates, one per line.
    #[arg(long)]
    candidates: PathBuf,
    /// References, one per line.
    #[arg(long)]
    references: PathBuf,
    /// Weight tokens by their idf over the references.
    #[arg(long)]
    idf: bool,
}

fn main() -> std::process::ExitCode {
    common::report(|| run(Args::parse()))
}

fn lines(path: &PathBuf) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text.lines().map(str::to_string).collect())
}

fn run(args: Args) -> Result<()> {
    let device = burn::tensor::Device::flex();
    let scorer = BertScorer::from_dir(&args.model, args.layer, &device)?;
    let (cands, refs) = (lines(&args.candidates)?, lines(&args.references)?);
    let options = ScoreOptions {
        idf: args.idf,
        ..ScoreOptions::default()
    };
    let scores = scorer.score(&cands, &refs, &options)?;
    println!("pair\tP\tR\tF");
    for (i, s) in scores.iter().enumerate() {
        println!("{i}\t{:.6}\t{:.6}\t{:.6}", s.precision, s.recall, s.f1);
    }
    if let Some(m) = BertScore::mean(&scores) {
        println!("mean\t{:.6}\t{:.6}\t{:.6}", m.precision, m.recall, m.f1);
    }
    Ok(())
}
