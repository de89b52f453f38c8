//! The analysis tools (issue #8): cluster metrics against scikit-learn, k-means, gradient
//! cosines, gate statistics against a hand-made file, and the three analyses end to end on a
//! tiny trained run.
#![cfg(feature = "analysis")]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;
use star_esc::analysis::{
    AnalysisError, GradTerm, KMeansConfig, RunAnalysis, StateChoice, TsneConfig,
    adjusted_rand_index, gate_stats, grad_conflict, gradient_model, kmeans, read_gate_records,
    silhouette_score, tsne_2d,
};
use star_esc::esc_data::EscBatcher;
use star_esc::esc_models::{EmstremoConfig, HeadConfig, StrategyTarget};
use star_esc::train::{
    CheckpointChoice, EvalOptions, RunData, TrainConfig, TrainedRun, Trainer, evaluate,
};

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    points: Vec<Vec<f32>>,
    labelings: Vec<Labeling>,
    ari: Vec<Ari>,
}

#[derive(Deserialize)]
struct Labeling {
    labels: Vec<usize>,
    silhouette: f64,
}

#[derive(Deserialize)]
struct Ari {
    a: usize,
    b: usize,
    value: f64,
}

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analysis/cluster_metrics.json")
}

/// scripts/cluster_metrics_reference.py: sklearn's silhouette_score and adjusted_rand_score.
#[test]
fn silhouette_and_ari_match_scikit_learn() {
    let text = std::fs::read_to_string(fixture_path()).expect("fixture");
    let fixture: Fixture = serde_json::from_str(&text).expect("fixture JSON");
    let mut checked = 0;
    for case in &fixture.cases {
        for (i, l) in case.labelings.iter().enumerate() {
            let s = silhouette_score(&case.points, &l.labels).unwrap();
            assert!(
                (s - l.silhouette).abs() < 1e-6,
                "{} labeling {i}: silhouette {s} vs sklearn {}",
                case.name,
                l.silhouette
            );
            checked += 1;
        }
        for a in &case.ari {
            let v = adjusted_rand_index(&case.labelings[a.a].labels, &case.labelings[a.b].labels)
                .unwrap();
            assert!(
                (v - a.value).abs() < 1e-6,
                "{} ARI({}, {}) = {v} vs sklearn {}",
                case.name,
                a.a,
                a.b,
                a.value
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "fixture holds {checked} values");
}

#[test]
fn cluster_metrics_reject_bad_input() {
    let points = vec![vec![0.0f32, 1.0], vec![1.0, 0.0], vec![2.0, 2.0]];
    assert!(matches!(
        silhouette_score(&points, &[0, 0, 0]),
        Err(AnalysisError::InvalidInput { .. })
    ));
    assert!(matches!(
        silhouette_score(&points, &[0, 1]),
        Err(AnalysisError::InvalidInput { .. })
    ));
    assert!(matches!(
        adjusted_rand_index(&[0, 1], &[0]),
        Err(AnalysisError::InvalidInput { .. })
    ));
}

/// Deterministic pseudo-random numbers for test data (not the code under test's generator).
fn lcg(state: &mut u64) -> f32 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
}

fn blobs(k: usize, per: usize, dim: usize) -> (Vec<Vec<f32>>, Vec<usize>) {
    let mut s = 7u64;
    let mut points = Vec::new();
    let mut labels = Vec::new();
    for c in 0..k {
        let centre: Vec<f32> = (0..dim).map(|_| 40.0 * lcg(&mut s)).collect();
        for _ in 0..per {
            points.push(centre.iter().map(|&x| x + lcg(&mut s)).collect());
            labels.push(c);
        }
    }
    (points, labels)
}

#[test]
fn kmeans_recovers_separated_blobs_and_is_deterministic() {
    let (points, truth) = blobs(8, 12, 10);
    let config = KMeansConfig {
        seed: 3,
        ..KMeansConfig::new(8)
    };
    let a = kmeans(&points, &config).unwrap();
    let b = kmeans(&points, &config).unwrap();
    assert_eq!(a, b, "same seed, same result");
    assert_eq!(adjusted_rand_index(&truth, &a.labels).unwrap(), 1.0);
    assert!(silhouette_score(&points, &a.labels).unwrap() > 0.8);
    // t-SNE keeps the blobs apart: k-means on the 2-D layout finds them again.
    let layout = tsne_2d(
        &points,
        &TsneConfig {
            perplexity: 10.0,
            epochs: 500,
            seed: 1,
        },
    )
    .unwrap();
    let flat: Vec<Vec<f32>> = layout.iter().map(|p| p.to_vec()).collect();
    let in_2d = kmeans(&flat, &config).unwrap();
    assert!(adjusted_rand_index(&truth, &in_2d.labels).unwrap() > 0.9);
    assert!(matches!(
        kmeans(&points[..3], &config),
        Err(AnalysisError::InvalidInput { .. })
    ));
}

const GENERATIONS: &str = r#"{"dialog":0,"turn":1,"gold_strategy":"Question","before_strategy":"Question","after_strategy":"Question","gate":0.25}
{"dialog":0,"turn":3,"gold_strategy":"Question","before_strategy":"Question","after_strategy":"Others","gate":0.75}
{"dialog":1,"turn":1,"gold_strategy":"Others","before_strategy":"Information","after_strategy":"Others","gate":0.5}
{"dialog":1,"turn":3,"gold_strategy":"Question","before_strategy":"Question","after_strategy":"Question","gate":1.0}

{"dialog":2,"turn":1,"gold_strategy":"Self-disclosure","before_strategy":"Others","after_strategy":"Others","gate":0.125}
"#;

#[test]
fn gate_table_and_transitions_of_a_hand_made_file() {
    let dir = std::env::temp_dir().join(format!("star-esc-gates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("generations.jsonl");
    std::fs::write(&path, GENERATIONS).unwrap();
    let stats = gate_stats(&read_gate_records(&path).unwrap()).unwrap();
    assert_eq!(stats.examples, 5);
    assert_eq!(stats.changed, 2);
    assert!((stats.change_rate() - 0.4).abs() < 1e-12);
    // Ids in ESConv order: Question 0, Self-disclosure 3, Information 6, Others 7.
    assert_eq!(stats.transitions[0][0], 2);
    assert_eq!(stats.transitions[0][7], 1);
    assert_eq!(stats.transitions[6][7], 1);
    assert_eq!(stats.transitions[7][7], 1);
    assert_eq!(stats.transitions.iter().flatten().sum::<usize>(), 5);
    // Right before: lines 1, 2, 4; right after: lines 1, 3, 4.
    assert!((stats.acc_before - 0.6).abs() < 1e-12);
    assert!((stats.acc_after - 0.6).abs() < 1e-12);
    // Question: gates 0.25, 0.75, 1.0 -> mean 2/3, sample std 0.381881..., median 0.75.
    let q = &stats.by_gold[0];
    assert_eq!((q.name.as_str(), q.count), ("Question", 3));
    assert!((q.mean - 2.0 / 3.0).abs() < 1e-7);
    let var: f64 = [0.25f64, 0.75, 1.0]
        .iter()
        .map(|g| (g - 2.0 / 3.0).powi(2))
        .sum::<f64>()
        / 2.0;
    assert!((q.std - var.sqrt()).abs() < 1e-7);
    assert_eq!(q.quantiles[0], 0.25);
    assert_eq!(q.quantiles[3], 0.75);
    assert_eq!(q.quantiles[6], 1.0);
    assert!((q.quantiles[2] - 0.5).abs() < 1e-12); // 0.25 + (0.75 - 0.25) * 0.5
    let all = stats.by_gold.last().unwrap();
    assert_eq!((all.name.as_str(), all.count), ("all", 5));
    let md = stats.to_markdown();
    assert!(md.contains("2 of 5 examples (40.00%)"), "{md}");

    // A bad line is reported with its number.
    std::fs::write(
        &path,
        GENERATIONS
            .replace("\"Information\"", "\"Advice\"")
            .as_str(),
    )
    .unwrap();
    match read_gate_records(&path) {
        Err(AnalysisError::BadLine { line, message, .. }) => {
            assert_eq!(line, 3);
            assert!(message.contains("before_strategy"), "{message}");
        }
        other => panic!("expected BadLine, got {other:?}"),
    }
    std::fs::write(&path, "{\"gold_strategy\": 3}\n").unwrap();
    assert!(matches!(
        read_gate_records(&path),
        Err(AnalysisError::BadLine { line: 1, .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tiny_config(star: bool) -> TrainConfig {
    TrainConfig {
        star,
        epochs: 1,
        batch_size: 4,
        warmup: 1,
        max_input_len: 48,
        max_target_len: 16,
        max_train_examples: Some(16),
        max_eval_examples: Some(24),
        eval_batch_size: 8,
        ..TrainConfig::tiny()
    }
}

/// burn's seed is process-wide: the tests that train run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

#[test]
fn gradient_cosine_of_a_loss_with_itself_is_one_and_symmetric() {
    let _guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let mut config = tiny_config(true);
    // The reference's target: L_ST on the pre-STAR logits (the paper's target is checked below).
    config.star_options.strategy_target = StrategyTarget::PreStar;
    let data = RunData::load(&config).unwrap();
    let device = config.device.device().unwrap().autodiff();
    let model = config
        .model_config(data.vocab_size())
        .unwrap()
        .init(&device);
    let model = gradient_model(&model);
    let batcher = EscBatcher::for_tokenizer(&data.tokenizer);
    let terms = [
        GradTerm::Lm,
        GradTerm::Strategy,
        GradTerm::Lm,
        GradTerm::Head("L_emo"), // BlenderBot-Joint has none: left out
    ];
    let r = grad_conflict(&model, &data.test, &batcher, 4, 2, Some(&terms), &device).unwrap();
    assert_eq!(r.terms, ["L_LM", "L_ST", "L_LM"]);
    assert_eq!(r.batches, 2);
    for g in &r.groups {
        for i in 0..3 {
            for j in 0..3 {
                let (a, b) = (g.mean[i][j], g.mean[j][i]);
                assert!(
                    a == b || (a.is_nan() && b.is_nan()),
                    "{}: not symmetric",
                    g.group
                );
            }
        }
        if g.norm[0] > 0.0 {
            assert!((g.mean[0][0] - 1.0).abs() < 1e-9, "{}", g.group);
            // The same loss twice (dropout off): identical gradients.
            assert!(
                (g.mean[0][2] - 1.0).abs() < 1e-6,
                "{}: {}",
                g.group,
                g.mean[0][2]
            );
        }
    }
    let all = r.group("all").unwrap();
    assert!(all.norm[0] > 0.0 && all.norm[1] > 0.0);
    assert!(all.mean[0][1].abs() < 1.0);
    // L_ST is computed before STAR: it sends no gradient to STAR's parameters.
    let star = r.group("STAR").unwrap();
    assert!(star.norm[0] > 0.0);
    assert_eq!(star.norm[1], 0.0);
    assert!(star.mean[0][1].is_nan());
    // The backbone without STAR: both losses reach it.
    let shared = r.group("shared").unwrap();
    assert!(shared.n_params < all.n_params);
    assert!(shared.norm[0] > 0.0 && shared.norm[1] > 0.0);
    for name in ["embeddings", "encoder", "decoder"] {
        assert!(r.group(name).unwrap().norm[1] > 0.0, "{name}");
    }

    // The paper's target: L_ST on the refined logits τ′ trains STAR too.
    config.star_options.strategy_target = StrategyTarget::Refined;
    let model = config
        .model_config(data.vocab_size())
        .unwrap()
        .init(&device);
    let model = gradient_model(&model);
    let r = grad_conflict(
        &model,
        &data.test,
        &batcher,
        4,
        1,
        Some(&terms[..2]),
        &device,
    )
    .unwrap();
    let star = r.group("STAR").unwrap();
    assert!(star.norm[0] > 0.0 && star.norm[1] > 0.0);
}

/// Emstremo-style: the head's loss parts (`L_emo`, `L_str`, `L_con`) join `L_LM` and `L_ST`.
#[test]
fn gradient_cosine_includes_the_head_loss_parts() {
    let _guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let config = TrainConfig {
        head: HeadConfig::Emstremo(EmstremoConfig::new(8, 11)),
        ..tiny_config(true)
    };
    let data = RunData::load(&config).unwrap();
    let device = config.device.device().unwrap().autodiff();
    let model = config
        .model_config(data.vocab_size())
        .unwrap()
        .init(&device);
    let model = gradient_model(&model);
    let batcher = EscBatcher::for_tokenizer(&data.tokenizer);
    let r = grad_conflict(&model, &data.test, &batcher, 4, 1, None, &device).unwrap();
    assert_eq!(r.terms, ["L_LM", "L_ST", "L_emo", "L_str", "L_con"]);
    let all = r.group("all").unwrap();
    assert_eq!(all.mean.len(), 5);
    for i in 0..5 {
        assert!((all.mean[i][i] - 1.0).abs() < 1e-9, "term {i}");
        for j in 0..5 {
            assert_eq!(all.mean[i][j].to_bits(), all.mean[j][i].to_bits());
        }
    }
    // The encoder classifiers are head parameters: L_emo reaches them, L_LM does not.
    let head = r.group("head").unwrap();
    assert!(head.norm[2] > 0.0);
}

#[test]
fn analyze_end_to_end_on_a_tiny_trained_run() {
    let _guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = std::env::temp_dir().join(format!("star-esc-analyze-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut trainer = Trainer::new(tiny_config(true), &dir).unwrap();
    trainer.train(&mut |_| {}).unwrap();
    let device = trainer.eval_device();
    let run = TrainedRun::open(&dir, CheckpointChoice::Best, &device).unwrap();
    let options = EvalOptions::paper(run.config.max_target_len, 8, 0);
    let test = trainer.data().test.clone();
    drop(trainer);
    evaluate(
        &run.model,
        &run.tokenizer,
        &test,
        &options,
        &device,
        &dir.join("test"),
    )
    .unwrap();

    let analysis = RunAnalysis {
        batch_size: 8,
        ..RunAnalysis::new(&dir, device)
    };
    let gc = analysis.grad_conflict(2).unwrap();
    assert_eq!(gc.terms, ["L_LM", "L_ST"]);
    let clusters = analysis
        .clusters(
            24,
            StateChoice::Final,
            &KMeansConfig::new(3),
            &TsneConfig {
                perplexity: 5.0,
                epochs: 250,
                seed: 0,
            },
        )
        .unwrap();
    // The sample dataset's test split is smaller than 24 examples.
    let n = test.len().min(24);
    assert!(n >= 8, "{n} test examples");
    assert_eq!(clusters.examples, n);
    assert_eq!(clusters.tsne.len(), n);
    assert_eq!(clusters.clusters.iter().max(), Some(&2));
    let gates = analysis.gates(None).unwrap();
    assert_eq!(gates.examples, test.len());
    assert_eq!(gates.by_gold.len(), 9);

    let out = dir.join("analysis");
    for f in [
        "analysis.md",
        "grad_conflict.png",
        "grad_conflict.svg",
        "clusters.png",
        "clusters.svg",
        "gates.png",
        "gates.svg",
        "grad_conflict.json",
        "clusters.json",
        "gates.json",
    ] {
        let meta = std::fs::metadata(out.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(meta.len() > 100, "{f} is {} bytes", meta.len());
    }
    let png = std::fs::read(out.join("clusters.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let report = std::fs::read_to_string(out.join("analysis.md")).unwrap();
    for needle in [
        "## Gradient conflict",
        "## Representation clusters",
        "## STAR gate",
        "(grad_conflict.png)",
        "(clusters.png)",
        "(gates.png)",
    ] {
        assert!(report.contains(needle), "analysis.md lacks {needle}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
