//! Talk to a trained run. Each turn shows the strategy chosen before and after STAR and STAR's
//! integration value `g`.
//!
//! ```text
//! cargo run --release --example chat -- --checkpoint runs/train
//! cargo run --release --example chat -- --checkpoint runs/train --strategy "Reflection of feelings"
//! ```
//!
//! Type a message and press enter. `/strategy NAME` forces a strategy (`/strategy auto` lets the
//! model choose again), `/reset` starts a new conversation, `/quit` (or end of input) leaves.

mod common;

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use rand::SeedableRng;
use star_esc::esc_data::{
    DecodeOptions, Dialog, Emotion, EscBatcher, ExampleConfig, KNOWLEDGE_TOKENS, Speaker, Strategy,
    Tokenize, Turn, dialog_examples_with,
};
use star_esc::esc_models::{GenerationConfig, ResponseExpert};
use star_esc::train::{CheckpointChoice, DeviceKind, TrainedRun, run_knowledge_source};

#[derive(Parser, Debug)]
#[command(about = "Chat with a trained BlenderBot-Joint (+ STAR) run")]
struct Args {
    /// The run folder written by the `train` example.
    #[arg(long)]
    checkpoint: PathBuf,
    /// Force this strategy (ESConv name, e.g. "Question") instead of the predicted one.
    #[arg(long)]
    strategy: Option<Strategy>,
    /// Sampling seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where to run: flex, ndarray or cuda. Default: the device the run trained on.
    #[arg(long)]
    device: Option<DeviceKind>,
}

fn turn(speaker: Speaker, text: &str, strategy: Option<Strategy>) -> Turn {
    Turn {
        speaker,
        text: text.to_string(),
        strategy,
        knowledge: None,
        heal: None,
    }
}

fn main() -> std::process::ExitCode {
    common::report(|| run(Args::parse()))
}

fn run(args: Args) -> Result<()> {
    let opened = match args.device {
        Some(kind) => TrainedRun::open(&args.checkpoint, CheckpointChoice::Best, &kind.device()?),
        None => TrainedRun::open_on_run_device(&args.checkpoint, CheckpointChoice::Best),
    };
    let run = opened.with_context(|| format!("opening the run {}", args.checkpoint.display()))?;
    let device = args.device.unwrap_or(run.config.device).device()?;
    let config = run.config.clone();
    let examples = ExampleConfig::new()
        .with_max_input_len(config.max_input_len)
        .with_max_target_len(config.max_target_len);
    let batcher = EscBatcher::for_tokenizer(&run.tokenizer);
    // A KEMI-style run retrieves from its training split (`config.data`) as in training.
    let knowledge = run_knowledge_source(&config)?;
    let mut generation = GenerationConfig {
        max_length: config.max_target_len + 2,
        ..GenerationConfig::paper()
    };
    // No knowledge token in a response (the model itself bans the strategy tokens).
    generation.bad_words_ids.extend(
        KNOWLEDGE_TOKENS
            .iter()
            .filter_map(|t| run.tokenizer.added_token_id(t))
            .map(|id| vec![id]),
    );
    let skip = DecodeOptions {
        skip_special_tokens: true,
        ..DecodeOptions::default()
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
    let mut forced = args.strategy;
    let mut dialog = Dialog {
        emotion: Emotion::Anxiety,
        problem: String::new(),
        situation: String::new(),
        experience: String::new(),
        survey: None,
        turns: Vec::new(),
    };
    println!(
        "{} (epoch {}{}). /strategy NAME|auto, /reset, /quit.",
        run.run_dir.display(),
        run.epoch,
        if run.model.star.is_some() {
            ", STAR"
        } else {
            ""
        }
    );
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        print!("you> ");
        std::io::stdout().flush()?;
        let Some(line) = lines.next() else { break };
        let line = line?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once(' ').unwrap_or((line, "")) {
            ("/quit", _) => break,
            ("/reset", _) => {
                dialog.turns.clear();
                println!("(new conversation)");
                continue;
            }
            ("/strategy", "auto") => {
                forced = None;
                println!("(the model chooses the strategy)");
                continue;
            }
            ("/strategy", name) => {
                match name.parse::<Strategy>() {
                    Ok(s) => {
                        forced = Some(s);
                        println!("(strategy forced: {s})");
                    }
                    Err(e) => println!("({e})"),
                }
                continue;
            }
            _ => {}
        }
        dialog.turns.push(turn(Speaker::Seeker, line, None));
        // A placeholder supporter turn makes the example builder produce the input for it.
        let mut probe = dialog.clone();
        probe
            .turns
            .push(turn(Speaker::Supporter, "", Some(Strategy::Others)));
        let example =
            dialog_examples_with(&probe, 0, &run.tokenizer, &examples, knowledge.as_deref())?
                .pop()
                .context("no supporter turn to answer")?;
        let batch = batcher.batch_refs(&[&example], &device);
        let forced_ids = forced.map(|s| [s.id()]);
        let out = run.model.generate_batch_sampled(
            &batch,
            &generation,
            if forced.is_some() {
                ResponseExpert::After
            } else {
                run.model.response_expert()
            },
            forced_ids.as_ref().map(|s| &s[..]),
            &mut rng,
        )?;
        let ids = out.sequences[0].get(2..).unwrap_or(&[]);
        let response = run.tokenizer.decode_with(ids, &skip);
        let name = |id: usize| Strategy::from_id(id).map_or("?", Strategy::name);
        let used = forced.map_or(out.strategy_after[0], Strategy::id);
        let gate = out
            .gate
            .as_ref()
            .map_or(String::new(), |g| format!(", g = {:.3}", g[0]));
        let forced_note = forced.map_or(String::new(), |s| format!(", answering as {s}"));
        println!(
            "[strategy {} -> {} (before -> after STAR){forced_note}{gate}]",
            name(out.strategy_before[0]),
            name(out.strategy_after[0]),
        );
        println!("bot> {response}");
        dialog
            .turns
            .push(turn(Speaker::Supporter, &response, Strategy::from_id(used)));
    }
    Ok(())
}
