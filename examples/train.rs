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

mod common;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use star_esc::esc_models::{EmstremoConfig, HeadConfig, Routing, StrategyTarget};
use star_esc::experiment::{self, Arm, ExperimentPlan, report};
use star_esc::star_core::{ExpertMode, GateWidth, LambdaSchedule, PadPooling, PoolingMode};
use star_esc::train::{
    CheckpointChoice, DeviceKind, HeadComparison, KnowledgeConfig, Preset, SeedPair, TestMetrics,
    TokenizerSource, TrainConfig, TrainEvent, compare_heads_markdown, plot_curves, read_json,
    table_markdown, write_json,
};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PresetArg {
    Tiny,
    Mini,
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
enum RoutingArg {
    /// The gold strategy's expert (the reference).
    Gold,
    /// The pre-STAR prediction's expert, as at inference.
    Predicted,
    /// All experts mixed by the pre-STAR probabilities.
    Soft,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TargetArg {
    /// `L_ST` on the pre-STAR logits (the reference).
    PreStar,
    /// `L_ST` on the refined logits τ′ (the paper).
    Refined,
    /// The mean of both (τ supervised too: it picks the expert).
    Both,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PadsArg {
    /// Pads are left out of the pooling.
    Masked,
    /// Pads are pooled (the reference; an example's refinement depends on its batch).
    Include,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SelectArg {
    /// The checkpoint with the lowest validation perplexity.
    Best,
    /// The last epoch's checkpoint.
    Last,
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
    /// STAR's pooling (default causal; `full` is the reference's and leaks the targets into
    /// teacher-forced training and validation).
    #[arg(long, value_enum)]
    pooling: Option<PoolingArg>,
    /// STAR's expert in training (default predicted).
    #[arg(long, value_enum)]
    routing: Option<RoutingArg>,
    /// The logits the strategy loss trains (default refined).
    #[arg(long, value_enum)]
    st_target: Option<TargetArg>,
    /// Padding in STAR's pooling (default masked).
    #[arg(long, value_enum)]
    pads: Option<PadsArg>,
    /// A per-channel STAR gate instead of a scalar one.
    #[arg(long)]
    gate_per_channel: bool,
    /// One STAR expert shared by all strategies instead of one per strategy.
    #[arg(long)]
    shared_expert: bool,
    /// Train the strategy loss (log-scheduled, `--lambda0`) even without STAR: the
    /// "Joint + L_ST" control.
    #[arg(long)]
    strategy_loss: bool,
    /// Which checkpoint is evaluated on the test split (default best by validation perplexity).
    #[arg(long, value_enum, default_value = "best")]
    select: SelectArg,
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
    /// Run the controlled STAR experiment (see `star_esc::experiment`): every `--arms` arm for
    /// every `--seeds` seed into `--out`, then the table with confidence intervals and paired
    /// tests (`experiment.md`, `experiment.json`). Stopped experiments resume.
    #[arg(long)]
    experiment: bool,
    /// With `--experiment`: the arms (comma-separated). Default: all six, joint,joint-lst,star,
    /// joint-cont,joint-lst-cont,star-two-stage.
    #[arg(long, value_delimiter = ',')]
    arms: Vec<String>,
    /// With `--experiment`: epochs of the stage-2 branches (from each seed's `joint` run).
    #[arg(long, default_value_t = 2)]
    branch_epochs: usize,
    /// With `--experiment`: bootstrap resamples of the paired tests.
    #[arg(long, default_value_t = 1000)]
    resamples: usize,
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
        PresetArg::Mini => Preset::Mini,
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
    if let Some(r) = args.routing {
        c.star_options.routing = match r {
            RoutingArg::Gold => Routing::Gold,
            RoutingArg::Predicted => Routing::Predicted,
            RoutingArg::Soft => Routing::Soft,
        };
    }
    if let Some(t) = args.st_target {
        c.star_options.strategy_target = match t {
            TargetArg::PreStar => StrategyTarget::PreStar,
            TargetArg::Refined => StrategyTarget::Refined,
            TargetArg::Both => StrategyTarget::Both,
        };
    }
    if let Some(p) = args.pads {
        c.star_options.pad_pooling = match p {
            PadsArg::Masked => PadPooling::Masked,
            PadsArg::Include => PadPooling::IncludePads,
        };
    }
    if args.gate_per_channel {
        c.star_options.gate_width = GateWidth::PerChannel;
    }
    if args.shared_expert {
        c.star_options.expert_mode = ExpertMode::Shared;
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
    if args.strategy_loss {
        c.lambda_schedule = Some(LambdaSchedule::Log { lambda0: c.lambda0 });
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
                    "== epoch {} valid: ppl {:.3} | strategy acc {:.3} / {:.3} | macro-F1 {:.3} / {:.3} (before / after STAR) | changed {:.1}%",
                    m.epoch,
                    m.ppl,
                    m.acc_before,
                    m.acc_after,
                    m.f1_before,
                    m.f1_after,
                    100.0 * m.changed
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
fn train_and_evaluate(
    config: Option<TrainConfig>,
    run_dir: &Path,
    select: SelectArg,
) -> Result<TestMetrics> {
    let choice = match select {
        SelectArg::Best => CheckpointChoice::Best,
        SelectArg::Last => CheckpointChoice::Last,
    };
    let mut progress = Progress::new();
    let outcome = experiment::train_and_evaluate(
        config,
        run_dir,
        choice,
        &mut |trainer| {
            let c = trainer.config();
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
        },
        &mut |e| {
            progress.on_event(e);
            if let TrainEvent::Epoch(_) = e
                && let Err(err) = plot_curves(run_dir)
            {
                // Curves are a convenience: a drawing failure must not stop training.
                eprintln!("warning: {err}");
            }
        },
    )
    .with_context(|| format!("training and evaluating {}", run_dir.display()))?;
    progress.finish();
    if outcome.reused {
        println!(
            "{} is complete: reusing its test metrics",
            run_dir.display()
        );
    } else {
        println!(
            "trained in {:.1} s; evaluated the {select:?} checkpoint (epoch {}) on {} test examples in {:.1} s: {}",
            outcome.train_seconds,
            outcome.epoch.unwrap_or(0),
            outcome.metrics.examples,
            outcome.eval_seconds,
            run_dir.join("test").display()
        );
    }
    Ok(outcome.metrics)
}

/// The controlled experiment: every arm for every seed, then the report.
fn run_experiment(args: &Args, base: TrainConfig) -> Result<()> {
    let arms = if args.arms.is_empty() {
        Arm::ALL.to_vec()
    } else {
        args.arms
            .iter()
            .map(|name| {
                Arm::from_name(name).with_context(|| {
                    let names: Vec<&str> = Arm::ALL.iter().map(|a| a.name()).collect();
                    format!("unknown arm {name:?}: expected one of {}", names.join(", "))
                })
            })
            .collect::<Result<Vec<_>>>()?
    };
    let seeds = if args.seeds.is_empty() {
        vec![1, 2, 3]
    } else {
        args.seeds.clone()
    };
    let plan = ExperimentPlan {
        base,
        branch_epochs: args.branch_epochs,
        seeds: seeds.clone(),
        arms: arms.clone(),
    };
    std::fs::create_dir_all(&args.out)?;
    write_json(&args.out.join("experiment-base.json"), &plan.base)?;
    let options = report::ReportOptions {
        resamples: args.resamples,
        seed: 0,
    };
    for &seed in &seeds {
        for &arm in &arms {
            let config = plan.config(&args.out, seed, arm)?;
            let start = Instant::now();
            println!("\n== seed {seed}, arm {} ({})", arm.name(), arm.label());
            train_and_evaluate(
                Some(config),
                &experiment::run_dir(&args.out, seed, arm),
                SelectArg::Last,
            )?;
            println!(
                "== seed {seed}, arm {}: {:.1} s",
                arm.name(),
                start.elapsed().as_secs_f64()
            );
            // Written after every run, so a stopped experiment keeps what it finished.
            write_report(&args.out, &plan, options)?;
        }
    }
    let markdown = write_report(&args.out, &plan, options)?;
    println!("\n{markdown}");
    Ok(())
}

fn write_report(
    out: &Path,
    plan: &ExperimentPlan,
    options: report::ReportOptions,
) -> Result<String> {
    let loaded = report::load_arms(out, &plan.arms, &plan.seeds)?;
    let contrasts = report::contrasts(&loaded, options)?;
    let c = &plan.base;
    let data = c
        .data
        .as_ref()
        .map_or("the sample dataset".into(), |d| d.display().to_string());
    let preamble = format!(
        "## STAR experiment: {}\n\n- data: {data} (train examples: {}, valid/test: {})\n- preset {:?}, {} epochs from scratch; stage-2 branches: {} epochs from the last checkpoint of each seed's `joint` run\n- STAR: {:?} pooling, {:?}; λ: {}\n- evaluated checkpoint: the **last epoch** of every run (no selection on validation numbers)\n- paired bootstrap: {} resamples of the test examples\n\n",
        out.display(),
        c.max_train_examples.map_or("all".into(), |n| n.to_string()),
        c.max_eval_examples.map_or("all".into(), |n| n.to_string()),
        c.preset,
        c.epochs,
        plan.branch_epochs,
        c.pooling,
        c.star_options,
        c.lambda_schedule
            .map_or(format!("Log {{ lambda0: {} }}", c.lambda0), |l| format!(
                "{l:?}"
            )),
        options.resamples,
    );
    let markdown = preamble + &report::markdown(&loaded, &contrasts)?;
    std::fs::write(out.join("experiment.md"), &markdown)?;
    write_json(&out.join("experiment.json"), &contrasts)?;
    Ok(markdown)
}

fn main() -> std::process::ExitCode {
    common::report(|| run(Args::parse()))
}

fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    if let Some(dir) = &args.resume {
        let metrics = train_and_evaluate(None, dir, args.select)?;
        print!("\n{}", table_markdown(&[metrics]));
        return Ok(());
    }
    let base = config(&args)?;
    if args.experiment {
        if args.compare {
            bail!("--experiment and --compare are two different sweeps: choose one");
        }
        return run_experiment(&args, base);
    }
    if !args.compare {
        if !args.seeds.is_empty() {
            bail!("--seeds needs --compare (a single run takes --seed)");
        }
        if !args.heads.is_empty() {
            bail!("--heads needs --compare (a single run takes --head)");
        }
        let metrics = train_and_evaluate(Some(base), &args.out, args.select)?;
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
                    args.select,
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
