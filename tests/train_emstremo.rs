//! The Emstremo-style head in the training pipeline, on the tiny config and the sample dataset:
//! every loss term goes down, a checkpoint reloads and evaluates identically (with and without
//! STAR, with speaker-role embeddings), and the head's settings travel in the run's config.

mod support;

use std::sync::OnceLock;

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::Device;
use star_esc::esc_data::{EscBatcher, EscExample, ROLE_PAD, ROLE_SEEKER, ROLE_SUPPORTER};
use star_esc::esc_models::{EmstremoConfig, ExpertChoice, Head, HeadConfig};
use star_esc::train::{
    CheckpointChoice, EvalOptions, RunData, TrainConfig, TrainEvent, TrainedRun, Trainer, evaluate,
};
use support::{run_dir, serial};

fn emstremo() -> HeadConfig {
    roles_head(false)
}

fn roles_head(roles: bool) -> HeadConfig {
    HeadConfig::Emstremo(EmstremoConfig::new(8, 11).with_role_embeddings(roles))
}

fn config(star: bool) -> TrainConfig {
    config_with(star, false)
}

/// [config], with or without speaker-role embeddings.
fn config_with(star: bool, roles: bool) -> TrainConfig {
    TrainConfig {
        head: roles_head(roles),
        star,
        epochs: 1,
        batch_size: 8,
        warmup: 1,
        max_input_len: 48,
        max_target_len: 16,
        max_train_examples: Some(16),
        max_eval_examples: Some(8),
        eval_batch_size: 8,
        keep_last: 1,
        log_every: 0,
        ..TrainConfig::tiny()
    }
}

fn data() -> RunData {
    static DATA: OnceLock<RunData> = OnceLock::new();
    DATA.get_or_init(|| RunData::load(&config(false)).expect("sample dataset"))
        .clone()
}

#[test]
fn every_emstremo_loss_term_decreases_on_the_sample_dataset() {
    let _serial = serial();
    let data = data();
    let config = config(false);
    let device = Device::flex().autodiff();
    device.seed(config.seed);
    let mut model = config
        .model_config(data.vocab_size())
        .unwrap()
        .init(&device);
    let refs: Vec<&EscExample> = data.train.iter().take(16).collect();
    let batch = EscBatcher::new(0).batch_refs(&refs, &device);
    let mut optim = AdamWConfig::new().init();
    let mut history: Vec<[f64; 4]> = Vec::new();
    for _ in 0..12 {
        let out = model.forward(&batch, ExpertChoice::Gold);
        let loss = model.loss(&out, &batch, 0.0);
        let mut row = [loss.lm.clone().into_scalar::<f64>(), 0.0, 0.0, 0.0];
        for (k, term) in loss.head_terms.iter().enumerate() {
            row[k + 1] = term.value.clone().into_scalar::<f64>();
        }
        history.push(row);
        let grads = GradientsParams::from_grads(loss.total.backward(), &model);
        model = optim.step(3e-3, model, grads);
    }
    let (first, last) = (history[0], history[history.len() - 1]);
    for (k, name) in ["L_LM", "L_emo", "L_str", "L_con"].iter().enumerate() {
        assert!(
            last[k] < first[k],
            "{name} did not decrease: {first:?} -> {last:?}"
        );
    }
}

#[test]
fn role_embeddings_train_on_the_sample_dataset() {
    let _serial = serial();
    let data = data();
    let config = config_with(false, true);
    let device = Device::flex().autodiff();
    device.seed(config.seed);
    let mut model = config
        .model_config(data.vocab_size())
        .unwrap()
        .init(&device);
    let refs: Vec<&EscExample> = data.train.iter().take(16).collect();
    let batch = EscBatcher::new(0).batch_refs(&refs, &device);
    // The sample batch has both speakers and padding.
    let roles = batch
        .input_roles
        .clone()
        .into_data()
        .try_into_vec_as::<i64>()
        .unwrap();
    for role in [ROLE_PAD, ROLE_SEEKER, ROLE_SUPPORTER] {
        assert!(
            roles.contains(&i64::from(role)),
            "no role {role} in {roles:?}"
        );
    }
    let table = |m: &star_esc::esc_models::EscModel| match &m.head {
        Head::Emstremo(h) => h.role_embedding.as_ref().unwrap().weight.val().into_data(),
        Head::Joint(_) => unreachable!(),
    };
    let before = table(&model);
    let mut optim = AdamWConfig::new().init();
    let mut totals = Vec::new();
    for _ in 0..8 {
        let out = model.forward(&batch, ExpertChoice::Gold);
        let loss = model.loss(&out, &batch, 0.0);
        totals.push(loss.total.clone().into_scalar::<f64>());
        let grads = GradientsParams::from_grads(loss.total.backward(), &model);
        model = optim.step(3e-3, model, grads);
    }
    assert!(
        totals[totals.len() - 1] < totals[0],
        "the loss did not decrease: {totals:?}"
    );
    // The role table is trained.
    assert_ne!(table(&model), before);
}

#[test]
fn an_emstremo_checkpoint_reloads_and_evaluates_identically() {
    let _serial = serial();
    for (star, roles) in [(false, false), (true, false), (false, true)] {
        let dir = run_dir(
            "emstremo",
            match (star, roles) {
                (true, _) => "star",
                (false, true) => "roles",
                (false, false) => "plain",
            },
        );
        let mut trainer = Trainer::new(config_with(star, roles), &dir).unwrap();
        trainer.train(&mut |_| {}).unwrap();
        let device = trainer.eval_device();
        let options = EvalOptions::paper(16, 8, 0);
        let test = &trainer.data().test;
        let tokenizer = &trainer.data().tokenizer;
        let live = trainer.model().valid();
        let a = evaluate(&live, tokenizer, test, &options, &device, &dir.join("a")).unwrap();
        let reloaded = TrainedRun::open(&dir, CheckpointChoice::Last, &device).unwrap();
        assert_eq!(reloaded.config.head, roles_head(roles));
        assert_eq!(reloaded.model.head.needs_roles(), roles);
        let b = evaluate(
            &reloaded.model,
            tokenizer,
            test,
            &options,
            &device,
            &dir.join("b"),
        )
        .unwrap();
        assert_eq!(a, b);
        let expected = if star { "Emstremo + STAR" } else { "Emstremo" };
        assert_eq!(a.model, expected);
        let read =
            |d: &str| std::fs::read_to_string(dir.join(d).join("generations.jsonl")).unwrap();
        assert_eq!(read("a"), read("b"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn the_head_travels_in_the_config_and_the_kl_term_is_refused() {
    // Older configs without a head are BlenderBot-Joint.
    let mut json = serde_json::to_value(TrainConfig::tiny()).unwrap();
    json.as_object_mut().unwrap().remove("head");
    let old: TrainConfig = serde_json::from_value(json).unwrap();
    assert_eq!(old.head, TrainConfig::tiny().head);
    assert!(matches!(old.head, HeadConfig::Joint(_)));

    let c = config(true);
    let back: TrainConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back, c);
    // Two positions more for the prepended embeddings (the tiny preset has 64).
    let long = TrainConfig {
        head: emstremo(),
        max_input_len: 8,
        max_target_len: 70,
        ..TrainConfig::tiny()
    };
    let positions = long
        .model_config(100)
        .unwrap()
        .backbone
        .max_position_embeddings;
    assert_eq!(positions, 70 + 2 + 2);

    let kl = TrainConfig {
        head: HeadConfig::Emstremo(EmstremoConfig {
            emotion_transition: true,
            ..EmstremoConfig::new(8, 11)
        }),
        ..TrainConfig::tiny()
    };
    let err = kl.validate().unwrap_err().to_string();
    assert!(err.contains("emotion_transition"), "{err}");
}

#[test]
fn the_training_log_carries_the_head_loss_terms() {
    let _serial = serial();
    let mut names: Vec<Vec<String>> = Vec::new();
    let dir = run_dir("emstremo", "log-terms");
    let mut trainer = Trainer::from_data(config(true), dir.clone(), data()).unwrap();
    trainer
        .train_epochs(1, &mut |e| {
            if let TrainEvent::Step { head_losses, .. } = e {
                assert!(head_losses.values().all(|v| v.is_finite()));
                names.push(head_losses.keys().cloned().collect());
            }
        })
        .unwrap();
    assert!(!names.is_empty());
    for step in &names {
        assert_eq!(step, &["L_con", "L_emo", "L_str"]);
    }
    let log = std::fs::read_to_string(dir.join("train_log.jsonl")).unwrap();
    let first_step = log
        .lines()
        .find(|l| l.contains("\"kind\":\"step\""))
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(first_step).unwrap();
    assert!(value["head_losses"]["L_emo"].as_f64().unwrap() > 0.0);

    // A head without auxiliary terms logs none (the key is absent, older logs unchanged).
    let joint = TrainConfig {
        head: TrainConfig::default().head,
        ..config(false)
    };
    let dir = run_dir("emstremo", "log-terms-joint");
    let mut trainer = Trainer::from_data(joint, dir.clone(), data()).unwrap();
    trainer.train_epochs(1, &mut |_| {}).unwrap();
    let log = std::fs::read_to_string(dir.join("train_log.jsonl")).unwrap();
    assert!(!log.contains("head_losses"));
}
