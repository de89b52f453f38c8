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
//! ```

mod common;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use star_esc::esc_models::{EmstremoConfig, HeadConfig};
use star_esc::star_core::PoolingMode;
use star_esc::train::{
    CheckpointChoice, DeviceKind, EvalOptions, HeadComparison, KnowledgeConfig, Preset, SeedPair,
    TestMetrics, TokenizerSource, TrainConfig, TrainEvent, TrainedRun, Trainer,
    compare_heads_markdown, evaluate, plot_curves, read_json, table_markdown, write_json,
};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PresetArg {
    Tiny,
    Small,
    #[value(name = "blenderbot-small-90m")]
    BlenderbotSmall90m,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum HeadArg {
    /// BlenderBot-Joint: the strategy token is the first decoder token.
    Joint,
    /// Emstremo-style: encoder emotion/strategy classifiers, emotion and strategy embeddings
    /// prepended to the decoder input, contrastive loss (weights 0.05 / 0.05 / 0.2).
    Emstremo,
    /// KEMI-style: the Joint head with knowledge appended to the encoder input (`--knowledge`).
    Kemi,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum KnowledgeArg {
    /// BM25 retrieval of training-split supporter responses, typed by their strategy.
    Bm25,
    /// The data's own `knowledge` (seeker turns) / `heal` (supporter turns) fields.
    Data,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PoolingArg {
    Full,
    Causal,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DeviceArg {
    Flex,
    Ndarray,
    Cuda,
}

#[derive(Parser, Debug)]
#[command(
    about = "Train and evaluate BlenderBot-Joint, KEMI-style or Emstremo-style heads, with or without STAR"
)]
struct Args {
    /// ESConv folder with {train,valid,test}.jsonl. Default: the shipped sample dataset.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Tokenizer folder (vocab.json, merges.txt). Default: a BPE vocabulary trained on the
    /// training split (1,000 ids for `tiny`, 8,000 otherwise), or the `--init` model's.
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// Model size (and its from-scratch hyper-parameters).
    #[arg(long, value_enum, default_value = "tiny")]
    preset: PresetArg,
    /// A TrainConfig JSON file (e.g. a run's config.json) to start from; flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Pretrained HF BlenderBot-Small folder (config.json + model.safetensors): fine-tune it
    /// with the reference's settings and its tokenizer.
    #[arg(long)]
    init: Option<PathBuf>,
    /// The multitask head.
    #[arg(long, value_enum, default_value = "joint")]
    head: HeadArg,
    /// With `--head kemi`: where the knowledge comes from.
    #[arg(long, value_enum, default_value = "bm25")]
    knowledge: KnowledgeArg,
    /// With `--head kemi --knowledge bm25`: retrieved exemplars per example.
    #[arg(long, default_value_t = KnowledgeConfig::DEFAULT_TOP_K)]
    knowledge_top_k: usize,
    /// With `--head emstremo` (or emstremo in `--heads`): add speaker-role embeddings to the
    /// encoder input, as the reference's `--use_role_embed`.
    #[arg(long)]
    emstremo_roles: bool,
    /// Attach STAR (default).
    #[arg(long, overrides_with = "no_star")]
    star: bool,
    /// The head without STAR.
    #[arg(long, overrides_with = "star")]
    no_star: bool,
    /// STAR's pooling.
    #[arg(long, value_enum)]
    pooling: Option<PoolingArg>,
    #[arg(long)]
    epochs: Option<usize>,
    /// Two-stage training: the last N epochs train only STAR and the shared embedding.
    #[arg(long, value_name = "N")]
    two_stage: Option<usize>,
    #[arg(long)]
    batch_size: Option<usize>,
    #[arg(long)]
    grad_accum: Option<usize>,
    #[arg(long)]
    lr: Option<f64>,
    /// Warmup, in optimizer steps.
    #[arg(long)]
    warmup: Option<usize>,
    #[arg(long)]
    lambda0: Option<f64>,
    #[arg(long)]
    seed: Option<u64>,
    #[arg(long)]
    max_input_len: Option<usize>,
    #[arg(long)]
    max_target_len: Option<usize>,
    /// Train on the first N training examples only (time-boxed runs).
    #[arg(long)]
    max_train_examples: Option<usize>,
    /// Validate and test on the first N examples of each split only.
    #[arg(long)]
    max_eval_examples: Option<usize>,
    #[arg(long, value_enum)]
    device: Option<DeviceArg>,
    /// Run folder (config, tokenizer, log, checkpoints, evaluation).
    #[arg(long, default_value = "runs/train")]
    out: PathBuf,
    /// Continue the run in this folder from its newest checkpoint (other flags are ignored).
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Train BlenderBot-Joint and Joint + STAR with the same seed, data and config, and print
    /// both rows with the deltas.
    #[arg(long)]
    compare: bool,
    /// With `--compare`: repeat for these seeds (comma-separated) and report mean ± std.
    #[arg(long, value_delimiter = ',')]
    seeds: Vec<u64>,
    /// With `--compare`: compare these heads (comma-separated, e.g. `joint,kemi,emstremo`), each
    /// without and with STAR, into one Table-1-shaped table. Default: `--head`.
    #[arg(long, value_enum, value_delimiter = ',')]
    heads: Vec<HeadArg>,
}

/// Sets `c` up for `head`: its head configuration and, for KEMI, its knowledge inputs.
fn apply_head(c: &mut TrainConfig, head: HeadArg, args: &Args) {
    c.head = TrainConfig::default().head;
    c.knowledge = None;
    match head {
        HeadArg::Joint => {}
        HeadArg::Emstremo => {
            c.head = HeadConfig::Emstremo(
                EmstremoConfig::new(
                    star_esc::esc_data::Strategy::COUNT,
                    star_esc::esc_data::Emotion::COUNT,
                )
                .with_role_embeddings(args.emstremo_roles),
            )
        }
        HeadArg::Kemi => {
            c.knowledge = Some(match args.knowledge {
                KnowledgeArg::Bm25 => KnowledgeConfig::bm25(args.knowledge_top_k),
                KnowledgeArg::Data => KnowledgeConfig::data(),
            })
        }
    }
}

/// The run folder name of `head` without / with STAR (BlenderBot-Joint's are `joint` and
/// `star`, as before the other heads existed).
fn run_name(head: HeadArg, star: bool) -> String {
    match (head, star) {
        (HeadArg::Joint, false) => "joint".into(),
        (HeadArg::Joint, true) => "star".into(),
        (h, false) => head_name(h).into(),
        (h, true) => format!("{}-star", head_name(h)),
    }
}

fn head_name(head: HeadArg) -> &'static str {
    match head {
        HeadArg::Joint => "joint",
        HeadArg::Kemi => "kemi",
        HeadArg::Emstremo => "emstremo",
    }
}

fn config(args: &Args) -> Result<TrainConfig> {
    if args.emstremo_roles
        && args.head != HeadArg::Emstremo
        && !args.heads.contains(&HeadArg::Emstremo)
    {
        bail!("--emstremo-roles needs --head emstremo (or emstremo in --heads with --compare)");
    }
    let preset = match args.preset {
        PresetArg::Tiny => Preset::Tiny,
        PresetArg::Small => Preset::Small,
        PresetArg::BlenderbotSmall90m => Preset::BlenderbotSmall90m,
    };
    let mut c = match (&args.config, &args.init) {
        (Some(path), _) => {
            read_json(path).with_context(|| format!("reading the config {}", path.display()))?
        }
        (None, Some(dir)) => TrainConfig::fine_tune(dir),
        (None, None) => TrainConfig::from_scratch(preset),
    };
    if args.config.is_some()
        && let Some(dir) = &args.init
    {
        c.init = Some(dir.clone());
        c.tokenizer = TokenizerSource::Dir(dir.clone());
    }
    if args.data.is_some() {
        c.data = args.data.clone();
    }
    if let Some(t) = &args.tokenizer {
        c.tokenizer = TokenizerSource::Dir(t.clone());
    }
    if args.head != HeadArg::Joint {
        apply_head(&mut c, args.head, args);
    }
    // `--star` and `--no-star` override each other; without either the config decides.
    if args.no_star {
        c.star = false;
    } else if args.star {
        c.star = true;
    }
    if let Some(p) = args.pooling {
        c.pooling = match p {
            PoolingArg::Full => PoolingMode::Full,
            PoolingArg::Causal => PoolingMode::Causal,
        };
    }
    if let Some(d) = args.device {
        c.device = match d {
            DeviceArg::Flex => DeviceKind::Flex,
            DeviceArg::Ndarray => DeviceKind::Ndarray,
            DeviceArg::Cuda => DeviceKind::Cuda,
        };
    }
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = args.$f { c.$f = v; } )* };
    }
    set!(
        epochs,
        batch_size,
        grad_accum,
        lr,
        warmup,
        lambda0,
        seed,
        max_input_len,
        max_target_len
    );
    if let Some(n) = args.two_stage {
        c.stage_two_epochs = n;
    }
    if args.max_train_examples.is_some() {
        c.max_train_examples = args.max_train_examples;
    }
    if args.max_eval_examples.is_some() {
        c.max_eval_examples = args.max_eval_examples;
    }
    c.validate()?;
    Ok(c)
}

/// Shows training progress: a bar with loss, perplexity, learning rate, examples/s and ETA on a
/// terminal; a line every `every` steps (and each validation) otherwise, e.g. in a log file.
struct Progress {
    bar: Option<ProgressBar>,
    every: usize,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed} < {eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        });
        Self { bar, every: 10 }
    }

    fn on_event(&mut self, event: &TrainEvent) {
        match event {
            TrainEvent::Step {
                epoch,
                step,
                total_steps,
                loss,
                ppl,
                lr,
                lambda,
                examples_per_s,
                ..
            } => {
                let msg = format!(
                    "loss {loss:.4} ppl {ppl:.2} lr {lr:.2e} λ {lambda:.3} {examples_per_s:.1} ex/s"
                );
                match &self.bar {
                    Some(bar) => {
                        bar.set_length(*total_steps as u64);
                        bar.set_position(*step as u64);
                        bar.set_prefix(format!("epoch {}", epoch + 1));
                        bar.set_message(msg);
                    }
                    None if step % self.every == 0 || step == total_steps => {
                        println!("epoch {} step {step}/{total_steps} {msg}", epoch + 1)
                    }
                    None => {}
                }
            }
            TrainEvent::Epoch(m) => {
                let line = format!(
                    "== epoch {} valid: ppl {:.3} | strategy acc {:.3} / {:.3} | macro-F1 {:.3} / {:.3} (before / after STAR)",
                    m.epoch, m.ppl, m.acc_before, m.acc_after, m.f1_before, m.f1_after
                );
                match &self.bar {
                    Some(bar) => bar.println(line),
                    None => println!("{line}"),
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Trains (or resumes) the run in `run_dir` to its last epoch, then evaluates it on the test
/// split; an already evaluated run is not redone.
fn train_and_evaluate(config: Option<TrainConfig>, run_dir: &Path) -> Result<TestMetrics> {
    let metrics_path = run_dir.join("test").join("metrics.json");
    if metrics_path.is_file() {
        println!(
            "{} is complete: reusing its test metrics",
            run_dir.display()
        );
        return Ok(read_json(&metrics_path)?);
    }
    let has_checkpoint = !star_esc::train::list_checkpoints(run_dir)?.is_empty();
    let mut trainer = match config {
        Some(c) if !has_checkpoint => Trainer::new(c, run_dir).context("setting up the run")?,
        Some(c) => {
            // An interrupted run of the same configuration continues; anything else is refused.
            let saved: TrainConfig = read_json(&run_dir.join("config.json"))?;
            if saved != c {
                bail!(
                    "{} holds a run with another configuration: continue it with --resume {} or choose another --out",
                    run_dir.display(),
                    run_dir.display()
                );
            }
            println!(
                "{} has checkpoints of this configuration: resuming",
                run_dir.display()
            );
            Trainer::resume(run_dir).with_context(|| format!("resuming {}", run_dir.display()))?
        }
        None => {
            Trainer::resume(run_dir).with_context(|| format!("resuming {}", run_dir.display()))?
        }
    };
    for skipped in trainer.skipped_checkpoints() {
        eprintln!("warning: resuming from an older checkpoint: {skipped}");
    }
    let c = trainer.config().clone();
    println!(
        "run {} | {} train / {} valid / {} test examples | vocab {} | {:?}{} | {} epochs ({} done)",
        run_dir.display(),
        trainer.data().train.len(),
        trainer.data().valid.len(),
        trainer.data().test.len(),
        trainer.data().vocab_size(),
        c.preset,
        if c.star { " + STAR" } else { "" },
        c.epochs,
        trainer.state().epochs_done
    );
    let start = Instant::now();
    let mut progress = Progress::new();
    trainer
        .train(&mut |e| {
            progress.on_event(e);
            if let TrainEvent::Epoch(_) = e
                && let Err(err) = plot_curves(run_dir)
            {
                // Curves are a convenience: a drawing failure must not stop training.
                eprintln!("warning: {err}");
            }
        })
        .context("training")?;
    progress.finish();
    println!("trained in {:.1} s", start.elapsed().as_secs_f64());

    let start = Instant::now();
    let device = trainer.eval_device();
    // The checkpoint with the lowest validation perplexity, as the run selected it.
    let best = TrainedRun::open(run_dir, CheckpointChoice::Best, &device)?;
    println!("evaluating the best checkpoint (epoch {})", best.epoch);
    let options = EvalOptions::paper(c.max_target_len, c.eval_batch_size, c.seed);
    let out_dir = run_dir.join("test");
    let metrics = evaluate(
        &best.model,
        &trainer.data().tokenizer,
        &trainer.data().test,
        &options,
        &device,
        &out_dir,
    )
    .context("evaluating on the test split")?;
    println!(
        "evaluated {} test examples in {:.1} s: {} (generations.jsonl, metrics.json, table.md)",
        metrics.examples,
        start.elapsed().as_secs_f64(),
        out_dir.display()
    );
    Ok(metrics)
}

fn main() -> std::process::ExitCode {
    common::report(|| run(Args::parse()))
}

fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    if let Some(dir) = &args.resume {
        let metrics = train_and_evaluate(None, dir)?;
        print!("\n{}", table_markdown(&[metrics]));
        return Ok(());
    }
    let base = config(&args)?;
    if !args.compare {
        if !args.seeds.is_empty() {
            bail!("--seeds needs --compare (a single run takes --seed)");
        }
        if !args.heads.is_empty() {
            bail!("--heads needs --compare (a single run takes --head)");
        }
        let metrics = train_and_evaluate(Some(base), &args.out)?;
        println!("\nTest metrics ({} examples):\n", metrics.examples);
        print!("{}", table_markdown(&[metrics]));
        println!("\ndone in {:.1} s", start.elapsed().as_secs_f64());
        return Ok(());
    }
    let seeds = if args.seeds.is_empty() {
        vec![base.seed]
    } else {
        args.seeds.clone()
    };
    let heads = if args.heads.is_empty() {
        vec![args.head]
    } else {
        args.heads.clone()
    };
    let mut table: Vec<HeadComparison> = heads
        .iter()
        .map(|&h| HeadComparison {
            head: head_name(h).into(),
            pairs: Vec::new(),
        })
        .collect();
    for &seed in &seeds {
        for (i, &head) in heads.iter().enumerate() {
            let run = |star: bool| {
                let mut config = TrainConfig {
                    seed,
                    star,
                    ..base.clone()
                };
                if !args.heads.is_empty() {
                    apply_head(&mut config, head, &args);
                }
                train_and_evaluate(
                    Some(config),
                    &args
                        .out
                        .join(format!("seed-{seed}"))
                        .join(run_name(head, star)),
                )
            };
            let without = run(false)?;
            let with = run(true)?;
            table[i].pairs.push(SeedPair {
                seed,
                base: without,
                star: with,
            });
            // Written after every pair, so a stopped comparison keeps what it finished.
            let markdown = compare_heads_markdown(&table);
            write_json(&args.out.join("compare.json"), &table)?;
            std::fs::write(args.out.join("compare.md"), &markdown)?;
            println!("\n{markdown}");
        }
    }
    println!(
        "wrote {} and {} in {:.1} s",
        args.out.join("compare.md").display(),
        args.out.join("compare.json").display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
