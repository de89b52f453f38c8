//! The command line of `train`: its arguments and how they map onto a [TrainConfig].

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use star_esc::esc_models::{Routing, StrategyTarget};
use star_esc::experiment::Arm;
use star_esc::star_core::{ExpertMode, GateWidth, LambdaSchedule, PadPooling, PoolingMode};
use star_esc::train::{
    CheckpointChoice, DeviceKind, Head, KnowledgeConfig, Preset, TokenizerSource, TrainConfig,
};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PresetArg {
    Tiny,
    Mini,
    Small,
    #[value(name = "blenderbot-small-90m")]
    BlenderbotSmall90m,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HeadArg {
    /// BlenderBot-Joint: the strategy token is the first decoder token.
    Joint,
    /// Emstremo-style: encoder emotion/strategy classifiers, emotion and strategy embeddings
    /// prepended to the decoder input, contrastive loss (weights 0.05 / 0.05 / 0.2).
    Emstremo,
    /// KEMI-style: the Joint head with knowledge appended to the encoder input (`--knowledge`).
    Kemi,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KnowledgeArg {
    /// BM25 retrieval of training-split supporter responses, typed by their strategy.
    Bm25,
    /// The data's own `knowledge` (seeker turns) / `heal` (supporter turns) fields.
    Data,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PoolingArg {
    Full,
    Causal,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoutingArg {
    /// The gold strategy's expert (the reference).
    Gold,
    /// The pre-STAR prediction's expert, as at inference.
    Predicted,
    /// All experts mixed by the pre-STAR probabilities.
    Soft,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TargetArg {
    /// `L_ST` on the pre-STAR logits (the reference).
    PreStar,
    /// `L_ST` on the refined logits τ′ (the paper).
    Refined,
    /// The mean of both (τ supervised too: it picks the expert).
    Both,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PadsArg {
    /// Pads are left out of the pooling.
    Masked,
    /// Pads are pooled (the reference; an example's refinement depends on its batch).
    Include,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SelectArg {
    /// The checkpoint with the lowest validation perplexity.
    Best,
    /// The last epoch's checkpoint.
    Last,
}

#[derive(Parser, Debug)]
#[command(
    about = "Train and evaluate BlenderBot-Joint, KEMI-style or Emstremo-style heads, with or without STAR"
)]
pub struct Args {
    /// ESConv folder with {train,valid,test}.jsonl. Default: the shipped sample dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Tokenizer folder (vocab.json, merges.txt). Default: a BPE vocabulary trained on the
    /// training split (1,000 ids for `tiny`, 8,000 otherwise), or the `--init` model's.
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
    /// Model size (and its from-scratch hyper-parameters).
    #[arg(long, value_enum, default_value = "tiny")]
    pub preset: PresetArg,
    /// A TrainConfig JSON file (e.g. a run's config.json) to start from; flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Pretrained HF BlenderBot-Small folder (config.json + model.safetensors): fine-tune it
    /// with the reference's settings and its tokenizer.
    #[arg(long)]
    pub init: Option<PathBuf>,
    /// The multitask head.
    #[arg(long, value_enum, default_value = "joint")]
    pub head: HeadArg,
    /// With `--head kemi`: where the knowledge comes from.
    #[arg(long, value_enum, default_value = "bm25")]
    pub knowledge: KnowledgeArg,
    /// With `--head kemi --knowledge bm25`: retrieved exemplars per example.
    #[arg(long, default_value_t = KnowledgeConfig::DEFAULT_TOP_K)]
    pub knowledge_top_k: usize,
    /// With `--head emstremo` (or emstremo in `--heads`): add speaker-role embeddings to the
    /// encoder input, as the reference's `--use_role_embed`.
    #[arg(long)]
    pub emstremo_roles: bool,
    /// Attach STAR (default).
    #[arg(long, overrides_with = "no_star")]
    pub star: bool,
    /// The head without STAR.
    #[arg(long, overrides_with = "star")]
    pub no_star: bool,
    /// STAR's pooling (default causal; `full` is the reference's and leaks the targets into
    /// teacher-forced training and validation).
    #[arg(long, value_enum)]
    pub pooling: Option<PoolingArg>,
    /// STAR's expert in training (default predicted).
    #[arg(long, value_enum)]
    pub routing: Option<RoutingArg>,
    /// The logits the strategy loss trains (default refined).
    #[arg(long, value_enum)]
    pub st_target: Option<TargetArg>,
    /// Padding in STAR's pooling (default masked).
    #[arg(long, value_enum)]
    pub pads: Option<PadsArg>,
    /// A per-channel STAR gate instead of a scalar one.
    #[arg(long)]
    pub gate_per_channel: bool,
    /// One STAR expert shared by all strategies instead of one per strategy.
    #[arg(long)]
    pub shared_expert: bool,
    /// Train the strategy loss (log-scheduled, `--lambda0`) even without STAR: the
    /// "Joint + L_ST" control.
    #[arg(long)]
    pub strategy_loss: bool,
    /// Which checkpoint is evaluated on the test split (default best by validation perplexity).
    #[arg(long, value_enum, default_value = "best")]
    pub select: SelectArg,
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Two-stage training: the last N epochs train only STAR and the shared embedding.
    #[arg(long, value_name = "N")]
    pub two_stage: Option<usize>,
    #[arg(long)]
    pub batch_size: Option<usize>,
    #[arg(long)]
    pub grad_accum: Option<usize>,
    #[arg(long)]
    pub lr: Option<f64>,
    /// Warmup, in optimizer steps.
    #[arg(long)]
    pub warmup: Option<usize>,
    #[arg(long)]
    pub lambda0: Option<f64>,
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long)]
    pub max_input_len: Option<usize>,
    #[arg(long)]
    pub max_target_len: Option<usize>,
    /// Train on the first N training examples only (time-boxed runs).
    #[arg(long)]
    pub max_train_examples: Option<usize>,
    /// Validate and test on the first N examples of each split only.
    #[arg(long)]
    pub max_eval_examples: Option<usize>,
    /// Where to train: flex (the default), ndarray or cuda (needs `--features cuda`).
    #[arg(long)]
    pub device: Option<DeviceKind>,
    /// Run folder (config, tokenizer, log, checkpoints, evaluation).
    #[arg(long, default_value = "runs/train")]
    pub out: PathBuf,
    /// Continue the run in this folder from its newest checkpoint (other flags are ignored).
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// Train BlenderBot-Joint and Joint + STAR with the same seed, data and config, and print
    /// both rows with the deltas.
    #[arg(long)]
    pub compare: bool,
    /// With `--compare`: repeat for these seeds (comma-separated) and report mean ± std.
    #[arg(long, value_delimiter = ',')]
    pub seeds: Vec<u64>,
    /// With `--compare`: compare these heads (comma-separated, e.g. `joint,kemi,emstremo`), each
    /// without and with STAR, into one Table-1-shaped table. Default: `--head`.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub heads: Vec<HeadArg>,
    /// Run the controlled STAR experiment (see `star_esc::experiment`): every `--arms` arm for
    /// every `--seeds` seed into `--out`, then the table with confidence intervals and paired
    /// tests (`experiment.md`, `experiment.json`). Stopped experiments resume.
    #[arg(long)]
    pub experiment: bool,
    /// With `--experiment`: the arms (comma-separated). Default: all six, joint,joint-lst,star,
    /// joint-cont,joint-lst-cont,star-two-stage.
    #[arg(long, value_delimiter = ',')]
    pub arms: Vec<String>,
    /// With `--experiment`: epochs of the stage-2 branches (from each seed's `joint` run).
    #[arg(long, default_value_t = 2)]
    pub branch_epochs: usize,
    /// With `--experiment`: bootstrap resamples of the paired tests.
    #[arg(long, default_value_t = 1000)]
    pub resamples: usize,
    /// With `--experiment`: train nothing, only write the report of the runs in `--out` that
    /// have finished (e.g. while other processes are still training some of them).
    #[arg(long, requires = "experiment")]
    pub report_only: bool,
}

impl Args {
    /// The head of `head` with this command line's knowledge and role options.
    fn head_of(&self, head: HeadArg) -> Head {
        match head {
            HeadArg::Joint => Head::Joint,
            HeadArg::Emstremo => Head::Emstremo {
                role_embeddings: self.emstremo_roles,
            },
            HeadArg::Kemi => Head::Kemi(match self.knowledge {
                KnowledgeArg::Bm25 => KnowledgeConfig::bm25(self.knowledge_top_k),
                KnowledgeArg::Data => KnowledgeConfig::data(),
            }),
        }
    }

    /// The heads of `--heads` (empty: the configuration's own head).
    pub fn heads(&self) -> Vec<Head> {
        self.heads.iter().map(|&h| self.head_of(h)).collect()
    }

    /// The arms of `--arms` (default: all six).
    pub fn arms(&self) -> Result<Vec<Arm>> {
        if self.arms.is_empty() {
            return Ok(Arm::ALL.to_vec());
        }
        self.arms
            .iter()
            .map(|name| {
                Arm::from_name(name).with_context(|| {
                    let names: Vec<&str> = Arm::ALL.iter().map(|a| a.name()).collect();
                    format!("unknown arm {name:?}: expected one of {}", names.join(", "))
                })
            })
            .collect()
    }

    /// The checkpoint of `--select`.
    pub fn checkpoint(&self) -> CheckpointChoice {
        match self.select {
            SelectArg::Best => CheckpointChoice::Best,
            SelectArg::Last => CheckpointChoice::Last,
        }
    }

    /// The run configuration: `--config`, `--init` or the preset, then every flag given.
    pub fn config(&self) -> Result<TrainConfig> {
        let args = self;
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
            (Some(path), _) => TrainConfig::load(path)?,
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
            args.head_of(args.head).apply(&mut c);
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
        if let Some(device) = args.device {
            c.device = device;
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
}
