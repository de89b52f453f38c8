//! Training a fresh BPE on the repository's own text (the esc-data sources).

use std::path::{Path, PathBuf};

use esc_data::tokenizer::{BpeTrainingConfig, export_hf_tokenizer, train_bpe};
use esc_data::{BlenderbotSmallTokenizer, Strategy, Tokenize};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn corpus() -> Vec<String> {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(str::trim)
                // `tokenizers`' Lowercase has no Final_Sigma rule (documented in hf_export.rs).
                .filter(|l| !l.is_empty() && !l.contains('Σ'))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

#[test]
fn trained_bpe_round_trips_and_agrees_with_tokenizers() {
    let lines = corpus();
    assert!(lines.len() > 500, "corpus too small: {} lines", lines.len());
    let trained = train_bpe(&lines, &BpeTrainingConfig::new(800)).unwrap();
    let specials: Vec<_> = trained.vocab[..4]
        .iter()
        .map(|(t, id)| (t.as_str(), *id))
        .collect();
    assert_eq!(
        specials,
        [
            ("__null__", 0),
            ("__start__", 1),
            ("__end__", 2),
            ("__unk__", 3)
        ]
    );
    assert!(trained.vocab.len() <= 800 && !trained.merges.is_empty());

    // Saved in BlenderBot-Small's format and loaded back.
    let dir = std::env::temp_dir().join(format!("esc-data-trained-bpe-{}", std::process::id()));
    trained.save(&dir).unwrap();
    let tok = BlenderbotSmallTokenizer::from_dir(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(tok.vocab_size(), trained.vocab.len() + 8);
    assert_eq!(
        tok.strategy_token_id(Strategy::Question) as usize,
        trained.vocab.len()
    );

    // Same ids as the tokenizers BPE model that the trainer produced, through the HF export.
    let export = export_hf_tokenizer(&tok).unwrap();
    assert_eq!(
        export.num_extra_ids, 0,
        "every merge symbol is in the vocabulary"
    );
    let hf = export.to_tokenizer().unwrap();
    let unk = tok.special_tokens().unk;
    let mut total_ids = 0;
    for line in &lines {
        let ids = tok.encode(line);
        if !line.contains(esc_data::tokenizer::UNK_TOKEN) {
            assert!(
                !ids.contains(&unk),
                "unknown token in training text {line:?}"
            );
        }
        let hf_ids = hf.encode(line.as_str(), false).unwrap().get_ids().to_vec();
        assert_eq!(ids, hf_ids, "{line:?}");
        assert_eq!(squash(&tok.decode(&ids)), squash(line), "{line:?}");
        total_ids += ids.len();
    }
    // Merges compress: fewer ids than characters.
    let chars: usize = lines.iter().map(|l| l.chars().count()).sum();
    assert!(total_ids * 2 < chars, "{total_ids} ids for {chars} chars");
    println!(
        "trained {} tokens / {} merges; {} lines: {total_ids} ids for {chars} chars",
        trained.vocab.len(),
        trained.merges.len(),
        lines.len()
    );
}

#[test]
fn too_small_vocabulary_is_an_error() {
    let err = train_bpe(["a b c"], &BpeTrainingConfig::new(4)).unwrap_err();
    assert!(err.to_string().contains("vocab_size 4"), "{err}");
}

#[test]
fn training_is_deterministic() {
    // Runs reproduce only if the vocabulary does: train repeatedly on the same corpus.
    let splits = esc_data::sample_splits().unwrap();
    let texts: Vec<String> = splits
        .train
        .iter()
        .flat_map(|d| d.turns.iter().map(|t| t.text.clone()))
        .collect();
    let config = esc_data::tokenizer::BpeTrainingConfig::new(600);
    let first = esc_data::tokenizer::train_bpe(&texts, &config).unwrap();
    for _ in 0..5 {
        assert_eq!(
            esc_data::tokenizer::train_bpe(&texts, &config).unwrap(),
            first
        );
    }
}
