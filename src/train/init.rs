//! The model of a run: randomly initialised from the preset, or pretrained HF weights with the
//! strategy tokens added.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use esc_models::{BlenderbotSmallConfig, EscModel, load_hf};

use super::checkpoint::{checkpoint_dir, load_model_weights, read_json, verify_checkpoint};
use super::config::{BaseCheckpoint, TrainConfig};
use super::error::{Result, TrainError};

/// The weight file of an HF model folder: `model.safetensors`, else `pytorch_model.bin`.
fn weight_file(dir: &Path) -> Result<PathBuf> {
    ["model.safetensors", "pytorch_model.bin"]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| TrainError::InvalidConfig {
            field: "init",
            message: format!(
                "{} holds neither model.safetensors nor pytorch_model.bin",
                dir.display()
            ),
        })
}

/// Builds the model of `config` for a tokenizer of `vocab_size` ids on `device` (seed it first
/// for a reproducible initialisation).
///
/// With [TrainConfig::init] the backbone is the pretrained one (loaded strictly), its embedding
/// grown to `vocab_size` as transformers' `resize_token_embeddings` does (new rows = the mean
/// of the old ones); STAR and the head are new.
///
/// # Errors
/// [TrainError::Model] for unreadable or incompatible weights, [TrainError::InvalidConfig] when
/// the folder has no weight file.
pub fn build_model(config: &TrainConfig, vocab_size: usize, device: &Device) -> Result<EscModel> {
    let model_config = config.model_config(vocab_size)?;
    if let Some(base) = &config.base_checkpoint {
        return branch_model(config, base, vocab_size, device);
    }
    let Some(dir) = &config.init else {
        return Ok(model_config.init(device));
    };
    let pretrained = BlenderbotSmallConfig::load(dir.join("config.json"))?;
    if vocab_size < pretrained.vocab_size {
        return Err(TrainError::InvalidConfig {
            field: "tokenizer",
            message: format!(
                "{vocab_size} ids, fewer than the {} of the pretrained model in {}: use that \
                 model's tokenizer (`--tokenizer {}`)",
                pretrained.vocab_size,
                dir.display(),
                dir.display()
            ),
        });
    }
    let mut backbone = pretrained.init(device);
    load_hf(&mut backbone, weight_file(dir)?)?;
    let backbone = backbone.resize_token_embeddings(vocab_size);
    Ok(EscModel::new(
        backbone,
        &model_config.head,
        model_config.star.as_ref(),
        device,
    )
    .with_routing(model_config.routing, model_config.strategy_target))
}

/// The model of a run that branches from another run's checkpoint (the paper's stage 2):
/// backbone and head from the checkpoint; STAR from the checkpoint if it has one, else new
/// (randomly initialised) when this run attaches it; this run's routing and strategy target.
///
/// # Errors
/// [TrainError::InvalidConfig] when the base run differs in head, architecture or vocabulary,
/// or has no such checkpoint; model and I/O errors of the checkpoint.
fn branch_model(
    config: &TrainConfig,
    base: &BaseCheckpoint,
    vocab_size: usize,
    device: &Device,
) -> Result<EscModel> {
    let invalid = |message: String| TrainError::InvalidConfig {
        field: "base_checkpoint",
        message,
    };
    let base_config: TrainConfig = read_json(&base.run.join("config.json"))?;
    let base_model_config = base_config.model_config(vocab_size)?;
    let model_config = config.model_config(vocab_size)?;
    if base_model_config.head != model_config.head
        || base_model_config.backbone != model_config.backbone
    {
        return Err(invalid(format!(
            "{} has another head or architecture than this run (vocabulary of {vocab_size} ids)",
            base.run.display()
        )));
    }
    let dir = checkpoint_dir(&base.run, base.epoch);
    verify_checkpoint(&dir).map_err(|e| {
        invalid(format!(
            "{} has no usable checkpoint of epoch {}: {e}",
            base.run.display(),
            base.epoch
        ))
    })?;
    let trained = load_model_weights(&dir.join("model.bpk"), base_model_config.init(device))?;
    let star = match (trained.star, &model_config.star) {
        (Some(star), Some(_)) => Some(star),
        (_, Some(star_config)) => Some(star_config.init(device)),
        (_, None) => None,
    };
    Ok(EscModel {
        backbone: trained.backbone,
        head: trained.head,
        star,
        routing: model_config.routing,
        strategy_target: model_config.strategy_target,
    })
}
