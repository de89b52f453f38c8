//! KEMI-style runs (Joint head + knowledge input) on a tiny config and the sample dataset: the
//! inputs carry the knowledge, the loss goes down, a checkpoint reloads and evaluates
//! identically, `--init` grows the vocabulary by 16 mean rows, old configs still parse.

mod support;

#[path = "../crates/esc-models/tests/common/mod.rs"]
mod common;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use star_esc::esc_data::{KNOWLEDGE_TOKENS, Strategy, Tokenize, sample_splits};
use star_esc::esc_models::Head;
use star_esc::train::{
    CheckpointChoice, EvalOptions, KnowledgeConfig, RunData, TrainConfig, TrainEvent, TrainedRun,
    Trainer, build_model, evaluate,
};
use support::{run_dir, serial};

fn config(epochs: usize, knowledge: KnowledgeConfig) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 4,
        grad_accum: 2,
        warmup: 2,
        max_input_len: 64,
        max_target_len: 16,
        max_train_examples: Some(24),
        max_eval_examples: Some(6),
        eval_batch_size: 6,
        keep_last: 1,
        knowledge: Some(knowledge),
        ..TrainConfig::tiny()
    }
}

#[test]
fn knowledge_tokens_follow_the_strategy_tokens_and_inputs_carry_knowledge() {
    let kemi = RunData::load(&config(1, KnowledgeConfig::bm25(2))).unwrap();
    let joint = RunData::load(&TrainConfig {
        knowledge: None,
        ..config(1, KnowledgeConfig::bm25(2))
    })
    .unwrap();
    let tok = &kemi.tokenizer;
    let first = tok.strategy_token_id(Strategy::Question) as usize;
    assert_eq!(kemi.vocab_size(), joint.vocab_size() + 8);
    assert_eq!(first, kemi.vocab_size() - 16);
    for (i, t) in KNOWLEDGE_TOKENS.iter().enumerate() {
        assert_eq!(tok.added_token_id(t), Some((first + 8 + i) as u32));
    }
    // The model reads strategies from the 8 strategy columns, not the last 8.
    let model = config(1, KnowledgeConfig::bm25(2))
        .model_config(kemi.vocab_size())
        .unwrap()
        .init(&Device::flex());
    let Head::Joint(head) = &model.head else {
        panic!("KEMI uses the Joint head")
    };
    assert_eq!(head.first_strategy_token, first);
    assert_eq!(model.head.base_vocab_size(), first);
    // Same examples and labels; the inputs end with retrieved responses led by a strategy token.
    assert_eq!(kemi.train.len(), joint.train.len());
    let strategy_ids = first as u32..first as u32 + 8;
    let mut with_knowledge = 0;
    for (k, j) in kemi.train.iter().zip(&joint.train) {
        assert_eq!(k.labels, j.labels);
        if k.input_ids != j.input_ids {
            with_knowledge += 1;
            assert!(k.input_ids.iter().any(|id| strategy_ids.contains(id)));
        }
    }
    assert!(with_knowledge > kemi.train.len() / 2, "{with_knowledge}");
    // The sample data has no knowledge fields: `--knowledge data` gives Joint's inputs.
    let data = RunData::load(&config(1, KnowledgeConfig::data())).unwrap();
    for (d, j) in data.train.iter().zip(&joint.train) {
        assert_eq!(d.input_ids, j.input_ids);
    }
}

#[test]
fn kemi_training_lowers_the_loss() {
    let _serial = serial();
    let dir = run_dir("kemi", "loss");
    let mut trainer = Trainer::new(config(4, KnowledgeConfig::bm25(2)), &dir).unwrap();
    let mut lm = Vec::new();
    trainer
        .train(&mut |e| {
            if let TrainEvent::Step { epoch, lm_loss, .. } = e {
                lm.push((*epoch, *lm_loss));
            }
        })
        .unwrap();
    let mean = |ep: usize| {
        let v: Vec<f64> = lm.iter().filter(|(e, _)| *e == ep).map(|x| x.1).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean(3) < mean(0),
        "epoch 1 {} -> epoch 4 {}",
        mean(0),
        mean(3)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_kemi_checkpoint_reloads_and_evaluates_identically() {
    let _serial = serial();
    let dir = run_dir("kemi", "reload");
    let config = config(1, KnowledgeConfig::bm25(2));
    let mut trainer = Trainer::new(config.clone(), &dir).unwrap();
    trainer.train(&mut |_| {}).unwrap();
    let device = trainer.eval_device();
    let options = EvalOptions::paper(config.max_target_len, 6, 7);
    let live = evaluate(
        &trainer.model().valid(),
        &trainer.data().tokenizer,
        &trainer.data().test,
        &options,
        &device,
        &dir.join("live"),
    )
    .unwrap();

    // As `evaluate`/`chat` do: the run's files only, the retriever rebuilt from `config.data`.
    let run = TrainedRun::open(&dir, CheckpointChoice::Last, &device).unwrap();
    assert_eq!(run.config, config);
    let data = RunData::from_splits(
        &run.config,
        &sample_splits().unwrap(),
        run.tokenizer.clone(),
    )
    .unwrap();
    assert_eq!(data.test, trainer.data().test);
    let reloaded = evaluate(
        &run.model,
        &data.tokenizer,
        &data.test,
        &options,
        &device,
        &dir.join("reloaded"),
    )
    .unwrap();
    assert_eq!(reloaded, live);
    assert_eq!(live.model, "KEMI + STAR");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_fine_tuned_kemi_run_adds_16_mean_rows() {
    let device = Device::flex();
    let config = TrainConfig {
        star: false,
        knowledge: Some(KnowledgeConfig::bm25(2)),
        ..TrainConfig::fine_tune(common::fixture_dir())
    };
    // The fixture's 60 ids, 8 strategy tokens, 8 knowledge tokens.
    let model = build_model(&config, 76, &device).unwrap();
    let shared = model.backbone.model.shared.weight.val();
    let d = shared.dims()[1];
    assert_eq!(shared.dims()[0], 76);
    let mean: Tensor<2> = shared.clone().slice([0..60, 0..d]).mean_dim(0);
    let diff = (shared.slice([60..76, 0..d]) - mean.expand([16, d]))
        .abs()
        .max()
        .into_scalar::<f32>();
    assert!(diff < 1e-6, "new rows differ from the mean by {diff}");
    assert_eq!(model.head.strategy_token(0), 60);
    assert_eq!(model.head.base_vocab_size(), 60);
}

#[test]
fn configs_without_knowledge_still_parse() {
    let mut value = serde_json::to_value(TrainConfig::tiny()).unwrap();
    value.as_object_mut().unwrap().remove("knowledge").unwrap();
    let parsed: TrainConfig = serde_json::from_value(value).unwrap();
    assert_eq!(parsed, TrainConfig::tiny());
    let kemi = TrainConfig {
        knowledge: Some(KnowledgeConfig::bm25(3)),
        ..TrainConfig::tiny()
    };
    let round: TrainConfig = serde_json::from_value(serde_json::to_value(&kemi).unwrap()).unwrap();
    assert_eq!(round, kemi);
}
