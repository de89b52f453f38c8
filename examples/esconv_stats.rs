//! ESConv statistics per split: dialogs, turns, examples, strategy and emotion
//! distributions, and token-length percentiles under the BlenderBot-Small tokenizer.
//!
//! ```text
//! cargo run --release --example esconv_stats                      # the shared split
//! cargo run --release --example esconv_stats -- --data data/sample
//! cargo run --release --example esconv_stats -- --data ESConv.json  # original release, split 70/15/15 (seed 13)
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use esc_data::paths::{blenderbot_small_dir, esconv_dir};
use esc_data::{
    BlenderbotSmallTokenizer, Dialog, ESCONV_SPLIT_SEED, ExampleConfig, Format, InputLayout, Split,
    SplitReport, dialog_stats, load_split, read_dialogs, split_dialogs, token_length_stats,
};

#[derive(Parser, Debug)]
#[command(about = "Statistics of an ESConv dataset, per split")]
struct Args {
    /// A folder of processed splits ({train,valid,test}.jsonl), one jsonl file, or the
    /// original ESConv.json (split 70/15/15 as the ESConv authors did). Default: the shared split.
    #[arg(long)]
    data: Option<PathBuf>,
    /// The BlenderBot-Small tokenizer folder (vocab.json, merges.txt). Default: the shared one.
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// Skip token lengths (no tokenizer needed).
    #[arg(long)]
    no_tokens: bool,
    /// Encoder input length limit.
    #[arg(long, default_value_t = 160)]
    max_input_len: usize,
    /// Response length limit (labels hold one more id, the strategy token).
    #[arg(long, default_value_t = 40)]
    max_target_len: usize,
    /// Encoder input layout.
    #[arg(long, value_enum, default_value_t = Layout::Star)]
    layout: Layout,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Layout {
    /// STAR / KEMI inputters (the default).
    Star,
    /// The ESConv authors' codes_zcj inputters.
    Zcj,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let data = match &args.data {
        Some(path) => path.clone(),
        None => esconv_dir()?,
    };
    let tokenizer = if args.no_tokens {
        None
    } else {
        let dir = match &args.tokenizer {
            Some(dir) => dir.clone(),
            None => blenderbot_small_dir()?,
        };
        Some(
            BlenderbotSmallTokenizer::from_dir(&dir)
                .with_context(|| format!("loading the tokenizer from {}", dir.display()))?,
        )
    };
    let config = ExampleConfig::new()
        .with_max_input_len(args.max_input_len)
        .with_max_target_len(args.max_target_len)
        .with_layout(match args.layout {
            Layout::Star => InputLayout::Star,
            Layout::Zcj => InputLayout::Zcj,
        });

    println!("data: {}", data.display());
    for (name, dialogs) in named_splits(&data)? {
        let lengths = match &tokenizer {
            Some(t) => Some(token_length_stats(&dialogs, t, &config)?),
            None => None,
        };
        let report = SplitReport {
            name,
            counts: dialog_stats(&dialogs),
            lengths,
        };
        println!("{report}");
    }
    Ok(())
}

/// The splits found at `path`, named.
fn named_splits(path: &Path) -> Result<Vec<(String, Vec<Dialog>)>> {
    if path.is_dir() {
        let mut out = Vec::new();
        for split in Split::ALL {
            if path.join(split.file_name()).is_file() {
                out.push((split.to_string(), load_split(path, split)?));
            }
        }
        anyhow::ensure!(
            !out.is_empty(),
            "{} holds none of train.jsonl, valid.jsonl, test.jsonl",
            path.display()
        );
        return Ok(out);
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let dialogs = read_dialogs(path)?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    if Format::sniff(&bytes) == Format::Processed {
        return Ok(vec![(name, dialogs)]);
    }
    // The original release: the whole file, then the authors' seeded split.
    let splits = split_dialogs(dialogs.clone(), ESCONV_SPLIT_SEED);
    Ok(vec![
        (format!("{name} (all)"), dialogs),
        (format!("train (seed {ESCONV_SPLIT_SEED})"), splits.train),
        (format!("valid (seed {ESCONV_SPLIT_SEED})"), splits.valid),
        (format!("test (seed {ESCONV_SPLIT_SEED})"), splits.test),
    ])
}
