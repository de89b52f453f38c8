//! Analyse trained runs (issue #8): gradient conflict between the losses, representation
//! clusters of the decoder states, and STAR's gate. Each command writes its numbers, figures
//! (PNG + SVG) and a Markdown section into `<run>/analysis/`, and rebuilds
//! `<run>/analysis/analysis.md`.
//!
//! ```text
//! cargo run --release --example analyze -- grad-conflict --run runs/x/seed-1/star --batches 8
//! cargo run --release --example analyze -- clusters --run runs/x/seed-1/joint --run runs/x/seed-1/star
//! cargo run --release --example analyze -- gates --run runs/x/seed-1/star
//! cargo run --release --example analyze -- all --run runs/x/seed-1/star
//! ```

mod common;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Parser, Subcommand};
use star_esc::analysis::{KMeansConfig, RunAnalysis, SplitChoice, StateChoice, TsneConfig};
use star_esc::train::{CheckpointChoice, TrainConfig, read_json};

#[derive(Parser, Debug)]
#[command(about = "Gradient conflict, representation clusters and STAR gate statistics of runs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Cosine similarity of the per-loss gradients (L_LM, L_ST, head losses), per parameter group.
    GradConflict {
        #[command(flatten)]
        common: Common,
        /// Batches to average over.
        #[arg(long, default_value_t = 8)]
        batches: usize,
    },
    /// k-means, silhouette, ARI and t-SNE of pooled decoder states.
    Clusters {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        clusters: ClusterArgs,
    },
    /// Gate distribution per strategy and before -> after strategy transitions.
    Gates {
        #[command(flatten)]
        common: Common,
        /// The generations file. Default: `<run>/test/generations.jsonl`.
        #[arg(long)]
        generations: Option<PathBuf>,
    },
    /// The three analyses (gates only where `<run>/test/generations.jsonl` exists).
    All {
        #[command(flatten)]
        common: Common,
        /// Batches of the gradient analysis.
        #[arg(long, default_value_t = 8)]
        batches: usize,
        #[command(flatten)]
        clusters: ClusterArgs,
    },
}

#[derive(ClapArgs, Debug)]
struct Common {
    /// A run folder written by the `train` example (repeat for several runs).
    #[arg(long, required = true)]
    run: Vec<PathBuf>,
    /// ESConv folder with {train,valid,test}.jsonl. Default: the run's data.
    #[arg(long)]
    data: Option<PathBuf>,
    /// `best` (lowest validation perplexity), `last`, or an epoch number.
    #[arg(long, default_value = "best")]
    which: String,
    /// `test` or `valid`.
    #[arg(long, default_value = "test")]
    split: String,
    /// Examples per batch.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
}

#[derive(ClapArgs, Debug)]
struct ClusterArgs {
    /// The first N examples of the split.
    #[arg(long, default_value_t = 400)]
    max_examples: usize,
    /// `final` (what the LM head reads: after STAR) or `pre-star`.
    #[arg(long, default_value = "final")]
    states: String,
    /// Clusters.
    #[arg(long, default_value_t = 8)]
    k: usize,
    /// Seed of k-means++ and of the t-SNE start.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// t-SNE perplexity.
    #[arg(long, default_value_t = 30.0)]
    perplexity: f32,
    /// t-SNE iterations.
    #[arg(long, default_value_t = 1000)]
    tsne_iters: usize,
}

fn main() -> std::process::ExitCode {
    common::report(|| run(Cli::parse()))
}

fn analyses(common: &Common) -> Result<Vec<RunAnalysis>> {
    let checkpoint = match common.which.as_str() {
        "best" => CheckpointChoice::Best,
        "last" => CheckpointChoice::Last,
        n => CheckpointChoice::Epoch(
            n.parse()
                .with_context(|| format!("--which: expected best, last or an epoch, got {n:?}"))?,
        ),
    };
    let split = match common.split.as_str() {
        "test" => SplitChoice::Test,
        "valid" => SplitChoice::Valid,
        s => bail!("--split: expected test or valid, got {s:?}"),
    };
    common
        .run
        .iter()
        .map(|dir| {
            let config: TrainConfig = read_json(&dir.join("config.json"))
                .with_context(|| format!("opening the run {}", dir.display()))?;
            Ok(RunAnalysis {
                checkpoint,
                data: common.data.clone(),
                split,
                batch_size: common.batch_size,
                ..RunAnalysis::new(dir, config.device.device()?)
            })
        })
        .collect()
}

fn clusters(a: &RunAnalysis, args: &ClusterArgs) -> Result<()> {
    let states = match args.states.as_str() {
        "final" => StateChoice::Final,
        "pre-star" => StateChoice::PreStar,
        s => bail!("--states: expected final or pre-star, got {s:?}"),
    };
    let kmeans = KMeansConfig {
        seed: args.seed,
        ..KMeansConfig::new(args.k)
    };
    let tsne = TsneConfig {
        perplexity: args.perplexity,
        epochs: args.tsne_iters,
        seed: args.seed,
    };
    let r = a.clusters(args.max_examples, states, &kmeans, &tsne)?;
    println!("{}", r.to_markdown());
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let (common, what) = match &cli.command {
        Command::GradConflict { common, .. } => (common, "grad-conflict"),
        Command::Clusters { common, .. } => (common, "clusters"),
        Command::Gates { common, .. } => (common, "gates"),
        Command::All { common, .. } => (common, "all"),
    };
    for a in analyses(common)? {
        let start = Instant::now();
        println!("# {what}: {}", a.run_dir.display());
        match &cli.command {
            Command::GradConflict { batches, .. } => {
                println!("{}", a.grad_conflict(*batches)?.to_markdown());
            }
            Command::Clusters { clusters: c, .. } => clusters(&a, c)?,
            Command::Gates { generations, .. } => {
                println!("{}", a.gates(generations.as_deref())?.to_markdown());
            }
            Command::All {
                batches,
                clusters: c,
                ..
            } => {
                println!("{}", a.grad_conflict(*batches)?.to_markdown());
                clusters(&a, c)?;
                if a.run_dir.join("test/generations.jsonl").exists() {
                    println!("{}", a.gates(None)?.to_markdown());
                }
            }
        }
        println!(
            "wrote {} ({:.1} s)\n",
            a.out_dir().join("analysis.md").display(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
