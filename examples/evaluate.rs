//! Evaluate a trained run on the test split: perplexity, strategy metrics (with confusion
//! matrices, before / after STAR), generation with the paper's decoding preset and every response
//! metric.
//!
//! ```text
//! cargo run --release --example evaluate -- --checkpoint runs/train
//! cargo run --release --example evaluate -- --checkpoint runs/train --data ../shared/data/esconv --which last
//! cargo run --release --example evaluate -- --checkpoint runs/train --bertscore-model path/to/all-MiniLM-L6-v2
//! ```

mod common;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use star_esc::esc_data::{load_splits, sample_splits};
use star_esc::train::{
    BertScoreSettings, CheckpointChoice, DeviceKind, EvalOptions, RunData, TrainedRun, evaluate,
    table_markdown,
};

#[derive(Parser, Debug)]
#[command(about = "Evaluate a trained run on the test split")]
struct Args {
    /// The run folder written by the `train` example.
    #[arg(long)]
    checkpoint: PathBuf,
    /// ESConv folder with {train,valid,test}.jsonl. Default: the run's data.
    #[arg(long)]
    data: Option<PathBuf>,
    /// `best` (lowest validation perplexity), `last`, or an epoch number.
    #[arg(long, default_value = "best")]
    which: String,
    /// Evaluate on the first N test examples only.
    #[arg(long)]
    max_examples: Option<usize>,
    /// Output folder. Default: `<checkpoint>/test-epoch-N`.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Where to evaluate: flex, ndarray or cuda. Default: the device the run trained on (a run
    /// trained on a GPU evaluates on a CPU with `--device flex`).
    #[arg(long)]
    device: Option<DeviceKind>,
    /// Sampling seed. Default: the run's.
    #[arg(long)]
    seed: Option<u64>,
    /// Also compute BERTScore P/R/F with this HF BERT model folder (config.json,
    /// model.safetensors, tokenizer.json or vocab.txt), e.g. all-MiniLM-L6-v2.
    #[arg(long)]
    bertscore_model: Option<PathBuf>,
    /// The BERTScore layer (bert-score's num_layers). Default: the model's last.
    #[arg(long, requires = "bertscore_model")]
    bertscore_layer: Option<usize>,
    /// Weight BERTScore tokens by their idf over the test references.
    #[arg(long, requires = "bertscore_model")]
    bertscore_idf: bool,
}

fn main() -> std::process::ExitCode {
    common::report(|| run(Args::parse()))
}

fn run(args: Args) -> Result<()> {
    let choice = match args.which.as_str() {
        "best" => CheckpointChoice::Best,
        "last" => CheckpointChoice::Last,
        n => CheckpointChoice::Epoch(
            n.parse()
                .with_context(|| format!("--which: expected best, last or an epoch, got {n:?}"))?,
        ),
    };
    let start = Instant::now();
    let opened = match args.device {
        Some(kind) => TrainedRun::open(&args.checkpoint, choice, &kind.device()?),
        None => TrainedRun::open_on_run_device(&args.checkpoint, choice),
    };
    let run = opened.with_context(|| format!("opening the run {}", args.checkpoint.display()))?;
    let device = args.device.unwrap_or(run.config.device).device()?;
    let data_dir = args.data.clone().or(run.config.data.clone());
    let splits = match &data_dir {
        Some(dir) => load_splits(dir)?,
        None => sample_splits()?,
    };
    let mut config = run.config.clone();
    config.max_eval_examples = args.max_examples.or(config.max_eval_examples);
    let data = RunData::from_splits(&config, &splits, run.tokenizer.clone())?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| run.run_dir.join(format!("test-epoch-{}", run.epoch)));
    println!(
        "{} epoch {} on {} test examples ({})",
        run.run_dir.display(),
        run.epoch,
        data.test.len(),
        data_dir.map_or("the sample dataset".into(), |d| d.display().to_string())
    );
    let mut options = EvalOptions::paper(
        config.max_target_len,
        config.eval_batch_size,
        args.seed.unwrap_or(config.seed),
    );
    // The row is named from the run's config (head, strategy loss, STAR), not guessed.
    options.model_name = Some(config.row_name());
    options.bertscore = args.bertscore_model.as_ref().map(|dir| BertScoreSettings {
        num_layers: args.bertscore_layer,
        idf: args.bertscore_idf,
        ..BertScoreSettings::new(dir)
    });
    let metrics = evaluate(
        &run.model,
        &data.tokenizer,
        &data.test,
        &options,
        &device,
        &out,
    )?;
    print!("\n{}", table_markdown(&[metrics]));
    println!(
        "\nwrote {} (generations.jsonl, metrics.json, table.md, strategy.md) in {:.1} s",
        out.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
