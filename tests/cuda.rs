//! The training pipeline on the first NVIDIA GPU (`cargo test --features cuda --test cuda`).
//! CI has no GPU, so without the feature this file is empty. With it, the numerical parity tests
//! of star-core and esc-models also run on the GPU (their `devices()` adds it).
//!
//! Checked here: training on the GPU lowers the loss and the validation perplexity; a checkpoint
//! written on the GPU reopens on the CPU with the same parameters and the same teacher-forced
//! logits; evaluation (generation included) runs on the GPU.
#![cfg(feature = "cuda")]

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use star_esc::esc_data::EscBatcher;
use star_esc::esc_models::{EscModel, ExpertChoice};
use star_esc::train::{
    CheckpointChoice, DeviceKind, EvalOptions, TrainConfig, TrainEvent, TrainedRun, Trainer,
    evaluate,
};

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 4,
        grad_accum: 2,
        warmup: 2,
        max_input_len: 48,
        max_target_len: 16,
        max_train_examples: Some(24),
        max_eval_examples: Some(8),
        eval_batch_size: 8,
        keep_last: 1,
        device: DeviceKind::Cuda,
        ..TrainConfig::tiny()
    }
}

struct Flatten(Vec<f32>);

impl ModuleVisitor for Flatten {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let data = param.val().into_data().convert::<f32>();
        self.0
            .extend(data.try_into_vec::<f32>().expect("float parameters"));
    }
}

fn parameters(model: &EscModel) -> Vec<f32> {
    let mut v = Flatten(Vec::new());
    model.visit(&mut v);
    v.0
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn trains_on_cuda_and_reopens_on_cpu() {
    let dir = std::env::temp_dir().join(format!("star-esc-cuda-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut trainer = Trainer::new(config(4), &dir).expect("trainer on cuda");
    let mut lm: Vec<(usize, f64)> = Vec::new();
    let mut ppl: Vec<f64> = Vec::new();
    trainer
        .train(&mut |e| match e {
            TrainEvent::Step { epoch, lm_loss, .. } => lm.push((*epoch, *lm_loss)),
            TrainEvent::Epoch(valid) => ppl.push(valid.ppl),
        })
        .expect("training on cuda");
    let mean = |ep: usize| {
        let v: Vec<f64> = lm.iter().filter(|(e, _)| *e == ep).map(|p| p.1).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    eprintln!(
        "cuda: mean LM loss per epoch {:?}",
        (1..=4).map(mean).collect::<Vec<_>>()
    );
    eprintln!("cuda: validation ppl per epoch {ppl:?}");
    assert!(mean(4) < mean(1), "LM loss did not decrease on cuda");
    assert!(
        ppl[3] < ppl[0],
        "validation ppl did not decrease on cuda: {ppl:?}"
    );

    // The newest checkpoint, reopened on the GPU and on the CPU: same parameters, and the same
    // teacher-forced logits up to float reassociation.
    let gpu = TrainedRun::open_on_run_device(&dir, CheckpointChoice::Last).unwrap();
    let cpu = TrainedRun::open(&dir, CheckpointChoice::Last, &Device::flex()).unwrap();
    assert_eq!(parameters(&gpu.model), parameters(&cpu.model));
    let examples = &trainer.data().valid[..4];
    let batcher = EscBatcher::for_tokenizer(&gpu.tokenizer);
    let logits = |run: &TrainedRun, device: &Device| -> Vec<f32> {
        let refs: Vec<&_> = examples.iter().collect();
        let batch = batcher.batch_refs(&refs, device);
        let out = run.model.forward(&batch, ExpertChoice::Gold);
        out.logits.into_data().convert::<f32>().to_vec().unwrap()
    };
    let diff = max_abs_diff(
        &logits(&gpu, &Device::cuda(0)),
        &logits(&cpu, &Device::flex()),
    );
    eprintln!("cuda vs flex: max |logit difference| {diff:e}");
    assert!(diff < 1e-3, "cuda and flex logits differ by {diff}");

    let out = dir.join("eval-cuda");
    let metrics = evaluate(
        &gpu.model,
        &gpu.tokenizer,
        &trainer.data().test,
        &EvalOptions::paper(16, 8, 1),
        &Device::cuda(0),
        &out,
    )
    .expect("evaluation on cuda");
    eprintln!("cuda: test ppl {:.2}", metrics.ppl);
    assert!(metrics.ppl.is_finite());
    assert!(out.join("generations.jsonl").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}
