//! The model of a run: randomly initialised from the preset, or pretrained HF weights with the
//! strategy tokens added.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use esc_models::{BlenderbotSmallConfig, EscModel, load_hf};

use super::config::TrainConfig;
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
    ))
}
