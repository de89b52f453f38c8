//! The controlled STAR experiment on a tiny config and the sample dataset: arm configurations,
//! old configs, stage-2 branches from the base checkpoint, and the report with confidence
//! intervals and paired tests.

mod support;

use star_esc::esc_models::{Routing, StrategyTarget};
use star_esc::experiment::{self, Arm, ExperimentPlan, report};
use star_esc::star_core::{LambdaSchedule, PadPooling, PoolingMode};
use star_esc::train::{CheckpointChoice, StarOptions, TrainConfig, TrainedRun, read_json};
use support::{parameters, run_dir, serial};

/// The outcome of every run of a sweep, in order, and how many tables it wrote.
#[derive(Default)]
struct Outcomes(Vec<(std::path::PathBuf, experiment::RunOutcome)>, usize);

impl experiment::RunObserver for Outcomes {
    fn finished(&mut self, run_dir: &std::path::Path, outcome: &experiment::RunOutcome) {
        self.0.push((run_dir.to_path_buf(), outcome.clone()));
    }

    fn table(&mut self, _path: &std::path::Path, _markdown: &str) {
        self.1 += 1;
    }
}

fn tiny() -> TrainConfig {
    TrainConfig {
        epochs: 2,
        batch_size: 4,
        warmup: 2,
        max_input_len: 48,
        max_target_len: 12,
        max_train_examples: Some(16),
        max_eval_examples: Some(8),
        eval_batch_size: 8,
        keep_last: 1,
        log_every: 0,
        ..TrainConfig::tiny()
    }
}

#[test]
fn the_default_is_leak_free_and_older_configs_keep_the_reference() {
    let c = TrainConfig::default();
    assert_eq!(c.pooling, PoolingMode::Causal);
    assert_eq!(c.star_options, StarOptions::leak_free());
    assert_eq!(c.star_options.pad_pooling, PadPooling::Masked);
    assert_eq!(c.star_options.routing, Routing::Predicted);
    assert_eq!(c.star_options.strategy_target, StrategyTarget::Refined);
    // A config.json written before these fields existed: the reference's STAR, λ = 0 without STAR.
    let mut old = serde_json::to_value(TrainConfig {
        star: false,
        ..TrainConfig::default()
    })
    .unwrap();
    let map = old.as_object_mut().unwrap();
    map.remove("star_options");
    map.remove("lambda_schedule");
    map.remove("base_checkpoint");
    let parsed: TrainConfig = serde_json::from_value(old).unwrap();
    assert_eq!(parsed.star_options, StarOptions::reference());
    assert_eq!(parsed.lambda_schedule, None);
    assert_eq!(parsed.lambda(5), 0.0);
    let model = parsed.model_config(100).unwrap();
    assert_eq!(model.routing, Routing::Gold);
    assert_eq!(model.strategy_target, StrategyTarget::PreStar);
}

#[test]
fn arms_differ_only_in_what_they_test() {
    let base = TrainConfig {
        epochs: 10,
        ..TrainConfig::default()
    };
    let joint_run = std::path::Path::new("/x/seed-3/joint");
    let cfg = |arm: Arm| arm.config(&base, 3, 2, joint_run);
    let (joint, lst, star) = (cfg(Arm::Joint), cfg(Arm::JointLst), cfg(Arm::Star));
    assert!(!joint.star && !lst.star && star.star);
    assert_eq!(joint.lambda(9), 0.0);
    assert!((lst.lambda(9) - 0.8).abs() < 1e-12);
    assert_eq!(lst.lambda_schedule, star.lambda_schedule);
    for c in [&joint, &lst, &star] {
        assert_eq!(c.seed, 3);
        assert_eq!(c.epochs, 10);
        assert!(c.base_checkpoint.is_none());
    }
    // Same everything else: the arms are one config with two switches.
    assert_eq!(
        TrainConfig {
            star: false,
            lambda_schedule: lst.lambda_schedule,
            ..star.clone()
        },
        lst
    );
    let two = cfg(Arm::StarTwoStage);
    assert_eq!(two.epochs, 2);
    assert_eq!(two.stage_two_epochs, 2);
    let base_ckpt = two.base_checkpoint.as_ref().unwrap();
    assert_eq!(base_ckpt.run, joint_run);
    assert_eq!(base_ckpt.epoch, 10);
    two.validate().unwrap();
    assert_eq!(
        cfg(Arm::JointLstContinued).lambda_schedule,
        Some(LambdaSchedule::Log { lambda0: 0.8 })
    );
    for arm in Arm::ALL {
        assert_eq!(Arm::from_name(arm.name()), Some(arm));
    }
}

#[test]
fn a_small_experiment_runs_branches_from_its_base_and_reports_paired_tests() {
    let _guard = serial();
    let out = run_dir("experiment", "small");
    let plan = ExperimentPlan {
        base: tiny(),
        branch_epochs: 1,
        seeds: vec![1, 2],
        arms: vec![Arm::Joint, Arm::JointLst, Arm::Star, Arm::StarTwoStage],
    };
    let options = report::ReportOptions {
        resamples: 200,
        seed: 0,
    };
    let mut first = Outcomes::default();
    let markdown = experiment::run_experiment(&plan, &out, options, &mut first).unwrap();
    assert_eq!(first.0.len(), plan.seeds.len() * plan.arms.len());
    assert_eq!(
        first.1,
        first.0.len(),
        "the report is rewritten after every run"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("experiment.md")).unwrap(),
        markdown
    );
    // A second call reuses every finished run and reports the same numbers.
    let mut again = Outcomes::default();
    experiment::run_experiment(&plan, &out, options, &mut again).unwrap();
    for ((dir, a), (dir_again, b)) in first.0.iter().zip(&again.0) {
        assert_eq!(dir, dir_again);
        assert!(!a.reused && b.reused, "{}", dir.display());
        let config: TrainConfig = read_json(&dir.join("config.json")).unwrap();
        assert_eq!(a.epoch, Some(config.epochs));
        // Read back from metrics.json (serde_json parses floats to within an ulp).
        let (a, b) = (&b.metrics, &a.metrics);
        assert_eq!((&a.model, a.examples), (&b.model, b.examples));
        assert!((a.ppl - b.ppl).abs() <= 1e-12 * b.ppl);
        assert_eq!(a.strategy_after, b.strategy_after);
    }
    for &seed in &plan.seeds {
        // Stage 2 froze everything but STAR and the shared embedding: the encoder is the base's.
        let device = burn::tensor::Device::flex();
        let base = TrainedRun::open(
            experiment::run_dir(&out, seed, Arm::Joint),
            CheckpointChoice::Last,
            &device,
        )
        .unwrap();
        let branch = TrainedRun::open(
            experiment::run_dir(&out, seed, Arm::StarTwoStage),
            CheckpointChoice::Last,
            &device,
        )
        .unwrap();
        assert!(branch.model.star.is_some());
        let encoder = |m: &star_esc::esc_models::EscModel| {
            let mut only = m.clone();
            only.star = None;
            parameters(&only)
        };
        let (a, b) = (encoder(&base.model), encoder(&branch.model));
        assert_eq!(a.len(), b.len());
        let differ = a.iter().zip(&b).filter(|(x, y)| x != y).count();
        // Only the shared embedding (and with it the tied LM head) moved.
        let vocab_rows = base.model.backbone.vocab_size() * base.model.backbone.d_model();
        assert!(
            differ > 0 && differ <= vocab_rows,
            "{differ} parameters changed"
        );
    }
    // A branch of an arm that is not planned is refused.
    let partial = ExperimentPlan {
        arms: vec![Arm::StarTwoStage],
        ..plan.clone()
    };
    assert!(partial.config(&out, 1, Arm::StarTwoStage).is_err());

    let arms = report::load_arms(&out, &plan.arms, &plan.seeds).unwrap();
    assert!(arms.iter().all(|a| a.runs.len() == 2));
    let contrasts = report::contrasts(&arms, options).unwrap();
    let names: Vec<(String, String)> = contrasts
        .iter()
        .map(|c| (c.a.clone(), c.b.clone()))
        .collect();
    assert!(names.contains(&("joint".into(), "joint-lst".into())));
    assert!(names.contains(&("joint-lst".into(), "star".into())));
    for c in &contrasts {
        assert_eq!(c.seeds, vec![1, 2]);
        for cell in &c.cells {
            assert_eq!(cell.seed_deltas.len(), 2);
            let ci = cell.seed_ci.as_ref().unwrap();
            assert!(ci.lo <= ci.mean && ci.mean <= ci.hi, "{cell:?}");
            let b = &cell.bootstrap;
            assert!((0.0..=1.0).contains(&b.p_value));
            assert!(b.lo <= b.hi);
        }
    }
    // The per-seed delta of a metric is the difference of the runs' own test metrics.
    let metrics = |arm: Arm, seed: u64| -> star_esc::train::TestMetrics {
        read_json(&experiment::run_dir(&out, seed, arm).join("test/metrics.json")).unwrap()
    };
    let lst_vs_star = contrasts.iter().find(|c| c.b == "star").unwrap();
    let ppl = lst_vs_star
        .cells
        .iter()
        .find(|c| c.metric == "PPL")
        .unwrap();
    let want = metrics(Arm::Star, 1).ppl - metrics(Arm::JointLst, 1).ppl;
    assert!(
        (ppl.seed_deltas[0] - want).abs() < 1e-6 * want.abs().max(1.0),
        "{} vs {want}",
        ppl.seed_deltas[0]
    );
    let f1 = lst_vs_star.cells.iter().find(|c| c.metric == "F1").unwrap();
    let want = 100.0
        * (metrics(Arm::Star, 2)
            .strategy_after
            .classification
            .macro_avg
            .f1
            - metrics(Arm::JointLst, 2)
                .strategy_after
                .classification
                .macro_avg
                .f1);
    assert!(
        (f1.seed_deltas[1] - want).abs() < 1e-9,
        "{} vs {want}",
        f1.seed_deltas[1]
    );
    let md = report::markdown(&arms, &contrasts).unwrap();
    assert!(md.contains("Joint + L_ST + STAR") && md.contains("joint-lst → star"));
    let _ = std::fs::remove_dir_all(&out);
}

/// A run killed before its first checkpoint restarts from scratch; its log must not keep the
/// killed process's lines.
#[test]
fn a_fresh_start_in_a_folder_left_by_a_killed_run_starts_a_fresh_log() {
    let _guard = serial();
    let dir = run_dir("experiment", "stale-log");
    std::fs::create_dir_all(&dir).unwrap();
    let stale = r#"{"kind":"step","epoch":0,"step":1,"total_steps":9,"loss":9.0}"#;
    std::fs::write(dir.join("train_log.jsonl"), format!("{stale}\n{stale}\n")).unwrap();
    let config = TrainConfig {
        epochs: 1,
        ..tiny()
    };
    experiment::train_and_evaluate(Some(config), &dir, CheckpointChoice::Last, &mut ()).unwrap();
    let log = std::fs::read_to_string(dir.join("train_log.jsonl")).unwrap();
    let first_steps = log.lines().filter(|l| l.contains(r#""step":1,"#)).count();
    assert_eq!(first_steps, 1, "{log}");
    assert!(!log.contains(r#""loss":9.0}"#));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_comparison_runs_each_head_without_and_with_star_and_writes_its_table() {
    let _guard = serial();
    let out = run_dir("experiment", "compare");
    let plan = experiment::ComparePlan {
        base: TrainConfig {
            epochs: 1,
            ..tiny()
        },
        heads: vec![star_esc::train::Head::Joint],
        seeds: vec![3],
        choice: CheckpointChoice::Last,
    };
    let mut seen = Outcomes::default();
    let table = experiment::run_comparison(&plan, &out, &mut seen).unwrap();
    let dirs: Vec<_> = seen.0.iter().map(|(d, _)| d.clone()).collect();
    assert_eq!(dirs, [out.join("seed-3/joint"), out.join("seed-3/star")]);
    for (dir, star) in dirs.iter().zip([false, true]) {
        let config: TrainConfig = read_json(&dir.join("config.json")).unwrap();
        assert_eq!((config.seed, config.star), (3, star));
    }
    assert_eq!(table.len(), 1);
    assert_eq!(table[0].head, "joint");
    let pair = &table[0].pairs[0];
    assert_eq!(pair.seed, 3);
    assert_eq!(pair.base.ppl, seen.0[0].1.metrics.ppl);
    assert_eq!(pair.star.ppl, seen.0[1].1.metrics.ppl);
    let written: Vec<experiment::HeadComparison> = read_json(&out.join("compare.json")).unwrap();
    assert_eq!(written.len(), 1);
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert_eq!(md, experiment::compare_heads_markdown(&table));
    assert!(md.contains("Δ (STAR −"), "{md}");
    let _ = std::fs::remove_dir_all(&out);
}
