//! BERTScore in the evaluation report: with a model folder, `metrics.json` and `table.md` carry
//! BERT-P/R/F equal to scoring `generations.jsonl` directly; without one, nothing changes; a bad
//! folder fails before any generation.
#![cfg(feature = "bertscore")]

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use star_esc::esc_models::bert::{BertScore, BertScorer, ScoreOptions};
use star_esc::train::{
    BertScoreSettings, EvalOptions, GenerationRecord, RunData, TrainConfig, TrainError,
    build_model, evaluate,
};

fn bert_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/esc-models/tests/fixtures/tiny_bert")
}

fn out_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("star-esc-bertscore-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn evaluate_reports_bertscore_only_when_asked() {
    let config = TrainConfig {
        max_input_len: 48,
        max_target_len: 8,
        max_eval_examples: Some(6),
        ..TrainConfig::tiny()
    };
    let data = RunData::load(&config).unwrap();
    let device = Device::flex();
    let model = build_model(&config, data.vocab_size(), &device).unwrap();
    let test = &data.test[..6];

    let plain = EvalOptions::paper(8, 4, 0);
    let dir = out_dir("plain");
    let without = evaluate(&model, &data.tokenizer, test, &plain, &device, &dir).unwrap();
    assert!(without.bertscore.is_none());
    let json = std::fs::read_to_string(dir.join("metrics.json")).unwrap();
    assert!(!json.contains("bertscore"), "{json}");
    assert!(
        !std::fs::read_to_string(dir.join("table.md"))
            .unwrap()
            .contains("BERT")
    );

    let mut with_bs = plain.clone();
    with_bs.bertscore = Some(BertScoreSettings {
        num_layers: Some(1),
        ..BertScoreSettings::new(bert_dir())
    });
    let dir = out_dir("bertscore");
    let with = evaluate(&model, &data.tokenizer, test, &with_bs, &device, &dir).unwrap();
    // The generations themselves do not change.
    assert_eq!(with.generation, without.generation);
    let report = with.bertscore.expect("BERTScore requested");
    assert_eq!(report.num_layers, 1);

    let records: Vec<GenerationRecord> = std::fs::read_to_string(dir.join("generations.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let gens: Vec<&str> = records.iter().map(|r| r.generation.as_str()).collect();
    let refs: Vec<&str> = records.iter().map(|r| r.reference.as_str()).collect();
    let scorer = BertScorer::from_dir(bert_dir(), Some(1), &device).unwrap();
    let direct = scorer
        .score(&gens, &refs, &ScoreOptions::default())
        .unwrap();
    let mean = BertScore::mean(&direct).unwrap();
    // Evaluation scores in batches of `batch_size`, the direct call all at once: other padding,
    // so f32 sums differ in the last bits.
    let diff = (report.f1 - mean.f1)
        .abs()
        .max((report.precision - mean.precision).abs());
    assert!(diff < 1e-6, "BERTScore of evaluate vs direct: {diff}");

    let json = std::fs::read_to_string(dir.join("metrics.json")).unwrap();
    assert!(json.contains("\"bertscore\""), "{json}");
    let table = std::fs::read_to_string(dir.join("table.md")).unwrap();
    assert!(table.contains("BERT-F"), "{table}");

    let mut bad = plain;
    bad.bertscore = Some(BertScoreSettings::new(bert_dir().join("missing")));
    let dir = out_dir("bad");
    let err = evaluate(&model, &data.tokenizer, test, &bad, &device, &dir).unwrap_err();
    assert!(matches!(err, TrainError::Model(_)), "{err}");
    assert!(!dir.join("generations.jsonl").exists());
}
