//! A run is not tied to its backend: a model trained on ndarray (`DeviceKind::Ndarray`) is
//! reopened on flex with the same parameters and the same teacher-forced logits (up to float
//! reassociation), and both devices evaluate it. The same test is what a GPU check runs with
//! `TRAIN_DEVICE` replaced by `DeviceKind::Cuda`.

mod support;

use burn::tensor::Device;
use star_esc::esc_data::EscBatcher;
use star_esc::esc_models::ExpertChoice;
use star_esc::train::{
    CheckpointChoice, DeviceKind, EvalOptions, TrainConfig, TrainEvent, TrainedRun, Trainer,
    evaluate,
};
use support::{max_abs_diff, parameters, run_dir};

/// Where the run trains; it is reopened on flex.
const TRAIN_DEVICE: DeviceKind = DeviceKind::Ndarray;

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        device: TRAIN_DEVICE,
        ..support::tiny_run(epochs)
    }
}

#[test]
fn trained_on_ndarray_reopens_on_flex() {
    let dir = run_dir("cross-device", "ndarray-to-flex");
    let mut trainer = Trainer::new(config(4), &dir).expect("trainer on ndarray");
    let mut lm: Vec<(usize, f64)> = Vec::new();
    let mut ppl: Vec<f64> = Vec::new();
    trainer
        .train(&mut |e| match e {
            TrainEvent::Step { epoch, lm_loss, .. } => lm.push((*epoch, *lm_loss)),
            TrainEvent::Epoch(valid) => ppl.push(valid.ppl),
        })
        .expect("training on ndarray");
    let mean = |ep: usize| {
        let v: Vec<f64> = lm.iter().filter(|(e, _)| *e == ep).map(|p| p.1).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean(3) < mean(0), "LM loss did not decrease");
    assert!(ppl[3] < ppl[0], "validation ppl did not decrease: {ppl:?}");

    // The newest checkpoint, reopened on the training device and on flex: same parameters, and
    // the same teacher-forced logits up to float reassociation.
    let trained = TrainedRun::open_on_run_device(&dir, CheckpointChoice::Last).unwrap();
    let flex = TrainedRun::open(&dir, CheckpointChoice::Last, &Device::flex()).unwrap();
    assert_eq!(parameters(&trained.model), parameters(&flex.model));
    assert_eq!(parameters(&trained.model), parameters(trainer.model()));
    let examples = &trainer.data().valid[..4];
    let batcher = EscBatcher::for_tokenizer(&trained.tokenizer);
    let logits = |run: &TrainedRun, device: &Device| -> Vec<f32> {
        let refs: Vec<&_> = examples.iter().collect();
        let batch = batcher.batch_refs(&refs, device);
        let out = run.model.forward(&batch, ExpertChoice::Gold);
        out.logits
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .unwrap()
    };
    let train_device = TRAIN_DEVICE.device().unwrap();
    let on_train_device = logits(&trained, &train_device);
    let on_flex = logits(&flex, &Device::flex());
    let diff = max_abs_diff(&on_train_device, &on_flex);
    assert!(diff < 1e-4, "logits differ by {diff} between the devices");
    assert!(on_flex.iter().all(|v| v.is_finite()));

    // Teacher-forced perplexity agrees between the devices; generation runs on both.
    let metrics = |run: &TrainedRun, device: &Device, name: &str| {
        evaluate(
            &run.model,
            &run.tokenizer,
            &trainer.data().test,
            &EvalOptions::paper(16, 8, 1),
            device,
            &dir.join(name),
        )
        .expect("evaluation")
    };
    let a = metrics(&trained, &train_device, "eval-train-device");
    let b = metrics(&flex, &Device::flex(), "eval-flex");
    assert!(
        (a.ppl - b.ppl).abs() < 1e-3 * a.ppl,
        "test ppl {} vs {}",
        a.ppl,
        b.ppl
    );
    assert!(dir.join("eval-flex/generations.jsonl").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}
