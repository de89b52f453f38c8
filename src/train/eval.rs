//! Evaluation on the test split: teacher-forced perplexity, strategy metrics before / after STAR,
//! generation with the paper's decoding preset and every esc-metrics response metric. Writes
//! `generations.jsonl`, `metrics.json`, `table.md` (a row shaped like the paper's Table 1) and
//! `strategy.md` (per-strategy scores and confusion matrices, before and after STAR). With
//! [EvalOptions::bertscore] set, BERTScore P/R/F of the generations joins `metrics.json` and the table.

use std::io::Write;
use std::path::Path;

use burn::tensor::Device;
use esc_data::{
    BlenderbotSmallTokenizer, DecodeOptions, EscBatcher, EscExample, Strategy, Tokenize,
};
use esc_metrics::{GenerationMetrics, GenerationReport, StrategyMetrics, StrategyReport};
use esc_models::{EscModel, GenerationConfig};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::bertscore::{BertScoreReport, BertScoreSettings, score_generations};
use super::checkpoint::write_json;
use super::error::{Result, TrainError};
use super::validate::teacher_forced;

/// All test metrics of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestMetrics {
    /// Row name (`BlenderBot-Joint`, `Emstremo`, each optionally `+ STAR`).
    pub model: String,
    /// Test examples.
    pub examples: usize,
    /// Teacher-forced perplexity.
    pub ppl: f64,
    /// Strategy prediction from the pre-STAR logits.
    pub strategy_before: StrategyReport,
    /// Strategy prediction after STAR (the reported one).
    pub strategy_after: StrategyReport,
    /// Share of test examples whose "after" strategy differs from "before" (0 without STAR;
    /// absent in older files: 0).
    #[serde(default)]
    pub strategy_changed: f64,
    /// Response metrics of the generations (percent scale).
    pub generation: GenerationReport,
    /// BERTScore of the generations (only with [EvalOptions::bertscore]; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bertscore: Option<BertScoreReport>,
}

/// One generated response, as written to `generations.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenerationRecord {
    /// Dialog index in the split.
    pub dialog: usize,
    /// Supporter turn index.
    pub turn: usize,
    /// The encoder input, decoded.
    pub context: String,
    /// The gold response.
    pub reference: String,
    /// The generated response.
    pub generation: String,
    /// Gold strategy.
    pub gold_strategy: String,
    /// Strategy before STAR.
    pub before_strategy: String,
    /// Strategy after STAR (the response is conditioned on it).
    pub after_strategy: String,
    /// STAR's integration value `g` at the strategy step (`None` without STAR).
    pub gate: Option<f32>,
    /// Teacher-forced summed NLL of the response (as the perplexity counts it; absent in
    /// files written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nll: Option<f64>,
    /// Tokens counted in `nll`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<f64>,
}

/// Settings of [evaluate].
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Examples per batch.
    pub batch_size: usize,
    /// Decoding settings (the paper's preset by default).
    pub generation: GenerationConfig,
    /// Seed of the sampling.
    pub seed: u64,
    /// Also score the generations with BERTScore. Default: `None` (not computed).
    pub bertscore: Option<BertScoreSettings>,
    /// The row name of [TestMetrics::model], e.g. [super::TrainConfig::row_name]. Default:
    /// `None`, named from the model (head, `+ STAR`) and the tokenizer (KEMI's knowledge tokens).
    pub model_name: Option<String>,
}

impl EvalOptions {
    /// The paper's decoding preset for responses of `max_target_len` tokens.
    pub fn paper(max_target_len: usize, batch_size: usize, seed: u64) -> Self {
        Self {
            batch_size,
            generation: GenerationConfig {
                max_length: max_target_len + 2,
                ..GenerationConfig::paper()
            },
            seed,
            bertscore: None,
            model_name: None,
        }
    }
}

fn strategy_name(id: usize) -> String {
    Strategy::ALL
        .get(id)
        .map(|s| s.name().to_string())
        .unwrap_or_else(|| id.to_string())
}

/// Evaluates `model` (validation mode, on `device`) on `examples` and writes the result files
/// into `out_dir`.
///
/// # Errors
/// Model, metric and I/O errors; a bad [EvalOptions::bertscore] model folder fails before any
/// generation.
pub fn evaluate(
    model: &EscModel,
    tokenizer: &BlenderbotSmallTokenizer,
    examples: &[EscExample],
    options: &EvalOptions,
    device: &Device,
    out_dir: &Path,
) -> Result<TestMetrics> {
    std::fs::create_dir_all(out_dir).map_err(|e| TrainError::io(out_dir, e))?;
    let bert_scorer = match &options.bertscore {
        Some(settings) => Some(settings.load(device)?),
        None => None,
    };
    let batcher = EscBatcher::for_tokenizer(tokenizer);
    let tf = teacher_forced(model, examples, &batcher, options.batch_size, device);
    let mut before = StrategyMetrics::esc();
    let mut after = StrategyMetrics::esc();
    for ((&g, &b), &a) in tf.gold.iter().zip(&tf.before).zip(&tf.after) {
        before.add(g, b)?;
        after.add(g, a)?;
    }

    let skip = DecodeOptions {
        skip_special_tokens: true,
        ..DecodeOptions::default()
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(options.seed);
    let mut nll_per_example = tf.nll_per_example.iter();
    let mut generation = options.generation.clone();
    // As the reference, no added token is generated: the model bans the strategy tokens, this
    // the knowledge tokens of a KEMI-style vocabulary.
    generation.bad_words_ids.extend(
        esc_data::KNOWLEDGE_TOKENS
            .iter()
            .filter_map(|t| tokenizer.added_token_id(t))
            .map(|id| vec![id]),
    );
    let mut metrics = GenerationMetrics::esc();
    let path = out_dir.join("generations.jsonl");
    let mut file = std::fs::File::create(&path).map_err(|e| TrainError::io(&path, e))?;
    let (mut generations, mut references) = (Vec::new(), Vec::new());
    for chunk in examples.chunks(options.batch_size) {
        let refs: Vec<&EscExample> = chunk.iter().collect();
        let batch = batcher.batch_refs(&refs, device);
        let out = model.generate_batch_sampled(
            &batch,
            &generation,
            model.response_expert(),
            None,
            &mut rng,
        )?;
        for (i, ex) in chunk.iter().enumerate() {
            let seq = &out.sequences[i];
            let generation = tokenizer.decode_with(seq.get(2..).unwrap_or(&[]), &skip);
            let reference = tokenizer.decode_with(&ex.response_ids, &skip);
            metrics.add(&generation, &[reference.as_str()])?;
            if bert_scorer.is_some() {
                generations.push(generation.clone());
                references.push(reference.clone());
            }
            let record = GenerationRecord {
                dialog: ex.dialog,
                turn: ex.turn,
                context: tokenizer.decode_with(&ex.input_ids, &DecodeOptions::default()),
                reference,
                generation,
                gold_strategy: strategy_name(ex.strategy.id()),
                before_strategy: strategy_name(out.strategy_before[i]),
                after_strategy: strategy_name(out.strategy_after[i]),
                gate: out.gate.as_ref().map(|g| g[i]),
                nll: None,
                tokens: None,
            };
            let record = match nll_per_example.next() {
                Some(n) => GenerationRecord {
                    nll: Some(n.nll_sum),
                    tokens: Some(n.n_tokens),
                    ..record
                },
                None => record,
            };
            let line = serde_json::to_string(&record).map_err(|e| TrainError::json(&path, e))?;
            writeln!(file, "{line}").map_err(|e| TrainError::io(&path, e))?;
        }
    }

    let bertscore = match (&bert_scorer, &options.bertscore) {
        (Some(scorer), Some(settings)) => Some(score_generations(
            scorer,
            settings,
            &generations,
            &references,
            options.batch_size,
        )?),
        _ => None,
    };
    let result = TestMetrics {
        model: options.model_name.clone().unwrap_or_else(|| {
            let head = match &model.head {
                esc_models::Head::Emstremo(_) => "Emstremo",
                // A vocabulary with knowledge tokens: KEMI-style inputs.
                _ if tokenizer
                    .added_token_id(esc_data::KNOWLEDGE_TOKENS[0])
                    .is_some() =>
                {
                    "KEMI"
                }
                _ => "BlenderBot-Joint",
            };
            if model.star.is_some() {
                format!("{head} + STAR")
            } else {
                head.into()
            }
        }),
        examples: examples.len(),
        ppl: tf.nll.perplexity(),
        strategy_before: before.finish()?,
        strategy_after: after.finish()?,
        strategy_changed: super::validate::changed_share(&tf.before, &tf.after),
        generation: metrics.finish()?,
        bertscore,
    };
    write_json(&out_dir.join("metrics.json"), &result)?;
    let table = table_markdown(std::slice::from_ref(&result));
    let table_path = out_dir.join("table.md");
    std::fs::write(&table_path, &table).map_err(|e| TrainError::io(&table_path, e))?;
    let strategy = format!(
        "# Strategy prediction on {} test examples\n\n## Before STAR (pre-STAR logits)\n\n{}\n## After STAR (reported)\n\n{}",
        result.examples,
        result.strategy_before.to_markdown(),
        result.strategy_after.to_markdown()
    );
    let strategy_path = out_dir.join("strategy.md");
    std::fs::write(&strategy_path, strategy).map_err(|e| TrainError::io(&strategy_path, e))?;
    Ok(result)
}

/// The reported numbers of a [TestMetrics], by column: name, value, and whether higher is
/// better. F1 and Acc are the strategy macro-F1 and accuracy after STAR, in %; the response
/// metrics are esc-metrics' (percent scale); D-n is the reference's Distinct variant. BERT-P/R/F
/// (only when computed) are in % too: 86.13 is the paper's 0.8613.
pub fn table_columns(m: &TestMetrics) -> Vec<(&'static str, f64, bool)> {
    let g = &m.generation;
    let at = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(f64::NAN);
    let after = &m.strategy_after.classification;
    let before = &m.strategy_before.classification;
    let mut columns = vec![
        ("F1", 100.0 * after.macro_avg.f1, true),
        ("Acc", 100.0 * after.accuracy, true),
        ("F1 before", 100.0 * before.macro_avg.f1, true),
        ("PPL", m.ppl, false),
        ("B-1", at(&g.bleu, 0), true),
        ("B-2", at(&g.bleu, 1), true),
        ("B-3", at(&g.bleu, 2), true),
        ("B-4", at(&g.bleu, 3), true),
        ("R-L", g.rouge_l, true),
        ("D-1", at(&g.distinct, 0), true),
        ("D-2", at(&g.distinct, 1), true),
        ("D-3", at(&g.distinct, 2), true),
        ("uni-F1", g.unigram_f1, true),
        ("Len", g.length, true),
    ];
    if let Some(b) = &m.bertscore {
        columns.push(("BERT-P", 100.0 * b.precision, true));
        columns.push(("BERT-R", 100.0 * b.recall, true));
        columns.push(("BERT-F", 100.0 * b.f1, true));
    }
    columns
}

/// A Markdown table shaped like the paper's Table 1, one row per model, every column of
/// [table_columns].
pub fn table_markdown(rows: &[TestMetrics]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let names: Vec<&str> = table_columns(first).iter().map(|c| c.0).collect();
    let mut s = format!(
        "| Model | {} |\n|---|{}\n",
        names.join(" | "),
        "---|".repeat(names.len())
    );
    for r in rows {
        let values: Vec<String> = table_columns(r)
            .iter()
            .map(|c| format!("{:.2}", c.1))
            .collect();
        s.push_str(&format!("| {} | {} |\n", r.model, values.join(" | ")));
    }
    s
}
