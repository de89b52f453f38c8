//! Train BlenderBot-Joint (+ STAR) and evaluate it on the test split.
//!
//! ```text
//! cargo run --release --example train                      # sample dataset, tiny model, ~2 minutes
//! cargo run --release --example train -- --data ../shared/data/esconv --preset small --epochs 10
//! cargo run --release --example train -- --compare --seeds 1,2   # Joint vs Joint + STAR, mean ± std
//! cargo run --release --example train -- --resume runs/train     # continue a run exactly
//! cargo run --release --example train -- --head emstremo --no-star  # Emstremo-style head
//! cargo run --release --example train -- --head emstremo --emstremo-roles   # + speaker-role embeddings
//! cargo run --release --example train -- --head kemi --knowledge bm25   # KEMI-style inputs
//! cargo run --release --example train -- --compare --heads joint,kemi,emstremo   # Table 1: six rows
//! cargo run --release --example train -- --experiment --seeds 1,2,3 --branch-epochs 2   # does STAR help?
//! ```

#[path = "train/args.rs"]
mod args;
mod common;
#[path = "train/progress.rs"]
mod progress;

use std::time::Instant;

use anyhow::{Context, Result, bail};
use args::Args;
use clap::Parser;
use progress::ConsoleProgress;
use star_esc::experiment::{
    self, ComparePlan, ExperimentPlan, report::ReportOptions, run_comparison, run_experiment,
    write_report,
};
use star_esc::train::table_markdown;

fn main() -> std::process::ExitCode {
    common::report(|| run(Args::parse()))
}

fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    let mut progress = ConsoleProgress::new();
    if let Some(dir) = &args.resume {
        let outcome = experiment::train_and_evaluate(None, dir, args.checkpoint(), &mut progress)
            .with_context(|| format!("resuming {}", dir.display()))?;
        print!("\n{}", table_markdown(&[outcome.metrics]));
        return Ok(());
    }
    let base = args.config()?;
    match (args.experiment, args.compare) {
        (true, true) => bail!("--experiment and --compare are two different sweeps: choose one"),
        (true, false) => {
            let plan = ExperimentPlan {
                base,
                branch_epochs: args.branch_epochs,
                seeds: if args.seeds.is_empty() {
                    vec![1, 2, 3]
                } else {
                    args.seeds.clone()
                },
                arms: args.arms()?,
            };
            let options = ReportOptions {
                resamples: args.resamples,
                seed: 0,
            };
            let markdown = if args.report_only {
                write_report(&args.out, &plan, options)?
            } else {
                run_experiment(&plan, &args.out, options, &mut progress)?
            };
            println!("\n{markdown}");
        }
        (false, true) => {
            let plan = ComparePlan {
                seeds: if args.seeds.is_empty() {
                    vec![base.seed]
                } else {
                    args.seeds.clone()
                },
                base,
                heads: args.heads(),
                choice: args.checkpoint(),
            };
            run_comparison(&plan, &args.out, &mut progress)?;
        }
        (false, false) => {
            if !args.seeds.is_empty() || !args.heads.is_empty() {
                bail!("--seeds and --heads need --compare (a single run takes --seed and --head)");
            }
            let outcome = experiment::train_and_evaluate(
                Some(base),
                &args.out,
                args.checkpoint(),
                &mut progress,
            )
            .with_context(|| format!("training and evaluating {}", args.out.display()))?;
            println!("\nTest metrics ({} examples):\n", outcome.metrics.examples);
            print!("{}", table_markdown(&[outcome.metrics]));
        }
    }
    println!("\ndone in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}
