//! BERT encoder and BERTScore against transformers 4.57.1 and the `bert-score` package 0.3.13, on
//! the fixture of `scripts/make_bert_fixture.py` (a tiny random BERT with MiniLM's WordPiece
//! tokenizer cut to 3,000 entries): token ids, hidden states after each layer, P/R/F per pair.
#![cfg(feature = "bert")]

use std::path::{Path, PathBuf};

use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use esc_models::Error;
use esc_models::bert::{BertConfig, BertScore, BertScorer, BertTokenizer, ScoreOptions, load_bert};
use serde::Deserialize;

#[derive(Deserialize)]
struct Scores {
    num_layers: usize,
    idf: bool,
    precision: Vec<f64>,
    recall: Vec<f64>,
    f1: Vec<f64>,
}

#[derive(Deserialize)]
struct Expected {
    candidates: Vec<String>,
    references: Vec<String>,
    token_ids: Vec<Vec<u32>>,
    /// Per sentence, per layer (0 = embeddings), the flattened `[t, d]` hidden states.
    hidden_states: Vec<Vec<Vec<f32>>>,
    scores: Vec<Scores>,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny_bert")
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(fixture_dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[allow(deprecated)]
fn devices() -> Vec<(&'static str, Device)> {
    vec![("flex", Device::flex()), ("ndarray", Device::ndarray())]
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("esc-models-bert-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_fixture(files: &[&str], name: &str) -> PathBuf {
    let dir = temp_dir(name);
    for f in files {
        std::fs::copy(fixture_dir().join(f), dir.join(f)).unwrap();
    }
    dir
}

#[test]
fn token_ids_match_the_slow_bert_tokenizer() {
    let e = expected();
    let texts = e.candidates.iter().chain(&e.references);
    // tokenizer.json, and the vocab.txt pipeline (no tokenizer.json in the folder).
    let vocab_only = copy_fixture(&["vocab.txt", "tokenizer_config.json"], "vocab");
    for dir in [fixture_dir(), vocab_only] {
        let tokenizer = BertTokenizer::from_dir(&dir, 64).unwrap();
        for (text, ids) in texts.clone().zip(&e.token_ids) {
            assert_eq!(
                &tokenizer.encode(text).unwrap(),
                ids,
                "{}: {text:?}",
                dir.display()
            );
        }
    }
}

#[test]
fn hidden_states_match_transformers() {
    let e = expected();
    let config = BertConfig::load(fixture_dir().join("config.json")).unwrap();
    for (name, device) in devices() {
        let mut model = config.init(&device);
        load_bert(&mut model, fixture_dir().join("model.safetensors")).unwrap();
        for (ids, layers) in e.token_ids.iter().zip(&e.hidden_states) {
            let t = ids.len();
            let input = Tensor::<2, Int>::from_data(
                TensorData::new(ids.iter().map(|&i| i as i64).collect(), [1, t]),
                &device,
            );
            for (n, want) in layers.iter().enumerate() {
                let mask =
                    Tensor::<2, Bool>::from_data(TensorData::new(vec![false; t], [1, t]), &device);
                let got = model
                    .forward(input.clone(), mask, n)
                    .into_data()
                    .try_to_vec::<f32>()
                    .unwrap();
                assert_eq!(got.len(), want.len());
                let worst = got
                    .iter()
                    .zip(want)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f32::max);
                assert!(worst < 1e-4, "{name}: layer {n}: max |diff| {worst}");
            }
        }
    }
}

#[test]
fn bertscore_matches_the_bert_score_package() {
    let e = expected();
    for (name, device) in devices() {
        for s in &e.scores {
            let scorer = BertScorer::from_dir(fixture_dir(), Some(s.num_layers), &device).unwrap();
            // Batches of 3 pairs (bert-score used 4 and sorted by length): padding must not matter.
            let options = ScoreOptions {
                idf: s.idf,
                batch_size: 3,
            };
            let got = scorer
                .score(&e.candidates, &e.references, &options)
                .unwrap();
            for (i, g) in got.iter().enumerate() {
                for (field, a, b) in [
                    ("P", g.precision, s.precision[i]),
                    ("R", g.recall, s.recall[i]),
                    ("F", g.f1, s.f1[i]),
                ] {
                    assert!(
                        (a - b).abs() < 1e-4,
                        "{name}: layers {} idf {}: pair {i} {field}: {a} vs bert-score {b}",
                        s.num_layers,
                        s.idf
                    );
                }
            }
        }
    }
}

#[test]
fn scores_do_not_depend_on_the_batch_size() {
    let e = expected();
    let scorer = BertScorer::from_dir(fixture_dir(), None, &Device::flex()).unwrap();
    let score = |batch_size| {
        scorer
            .score(
                &e.candidates,
                &e.references,
                &ScoreOptions {
                    idf: false,
                    batch_size,
                },
            )
            .unwrap()
    };
    let (one, all) = (score(1), score(64));
    for (a, b) in one.iter().zip(&all) {
        assert!((a.f1 - b.f1).abs() < 1e-5, "{a:?} vs {b:?}");
    }
    let mean = BertScore::mean(&all).unwrap();
    let f1s: Vec<f64> = all.iter().map(|s| s.f1).collect();
    assert!((mean.f1 - f1s.iter().sum::<f64>() / f1s.len() as f64).abs() < 1e-12);
}

#[test]
fn the_checkpoint_loads_completely_with_only_the_pooler_unused() {
    let config = BertConfig::load(fixture_dir().join("config.json")).unwrap();
    let mut model = config.init(&Device::flex());
    let report = load_bert(&mut model, fixture_dir().join("model.safetensors")).unwrap();
    assert!(report.is_complete(), "{report}");
    let unused: Vec<&str> = report.unused.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        unused,
        ["pooler.dense.bias", "pooler.dense.weight"],
        "{report}"
    );
    // 5 embedding tensors + 16 per layer.
    assert_eq!(report.applied.len(), 5 + 16 * config.num_hidden_layers);
}

#[test]
fn bad_model_folders_give_typed_errors() {
    let device = Device::flex();
    let missing = fixture_dir().join("no-such-folder");
    assert!(matches!(
        BertScorer::from_dir(&missing, None, &device),
        Err(Error::MissingModelFile { .. })
    ));

    let no_weights = copy_fixture(&["config.json", "tokenizer.json"], "noweights");
    match BertScorer::from_dir(&no_weights, None, &device) {
        Err(Error::MissingModelFile { expected, .. }) => assert!(expected.contains("safetensors")),
        other => panic!("{other:?}"),
    }

    let no_tokenizer = copy_fixture(&["config.json", "model.safetensors"], "notok");
    match BertScorer::from_dir(&no_tokenizer, None, &device) {
        Err(Error::MissingModelFile { expected, .. }) => assert!(expected.contains("vocab.txt")),
        other => panic!("{other:?}"),
    }

    let bad_json = copy_fixture(&["model.safetensors", "tokenizer.json"], "badjson");
    std::fs::write(
        bad_json.join("config.json"),
        "{\"hidden_size\": 32,\n \"num_hidden_layers\": }",
    )
    .unwrap();
    match BertScorer::from_dir(&bad_json, None, &device) {
        Err(e @ Error::ConfigParse { .. }) => assert!(e.to_string().contains("line 2"), "{e}"),
        other => panic!("{other:?}"),
    }

    // Another architecture than the checkpoint's: wrong shapes, missing layer, named in the report.
    let wrong = copy_fixture(&["model.safetensors", "tokenizer.json"], "wrong");
    let text = std::fs::read_to_string(fixture_dir().join("config.json")).unwrap();
    let text = text
        .replace("\"intermediate_size\": 64", "\"intermediate_size\": 48")
        .replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");
    std::fs::write(wrong.join("config.json"), text).unwrap();
    match BertScorer::from_dir(&wrong, None, &device) {
        Err(Error::IncompatibleWeights { report, .. }) => {
            assert!(
                report
                    .mismatched
                    .iter()
                    .any(|m| m.name == "encoder.layer.0.intermediate.dense.weight")
            );
            assert!(
                report
                    .missing
                    .iter()
                    .any(|m| m.name.starts_with("encoder.layer.2."))
            );
        }
        other => panic!("{other:?}"),
    }

    match BertScorer::from_dir(fixture_dir(), Some(3), &device) {
        Err(Error::InvalidConfig { field, .. }) => assert_eq!(field, "num_layers"),
        other => panic!("{other:?}"),
    }

    let bad_vocab = copy_fixture(&["config.json", "model.safetensors"], "badvocab");
    std::fs::write(bad_vocab.join("vocab.txt"), "[PAD]\nhello\n").unwrap();
    match BertScorer::from_dir(&bad_vocab, None, &device) {
        Err(e @ Error::Tokenizer { .. }) => assert!(e.to_string().contains("[CLS]"), "{e}"),
        other => panic!("{other:?}"),
    }

    let scorer = BertScorer::from_dir(fixture_dir(), None, &device).unwrap();
    assert!(matches!(
        scorer.score(&["a", "b"], &["a"], &ScoreOptions::default()),
        Err(Error::LengthMismatch {
            left: 2,
            right: 1,
            ..
        })
    ));
}
