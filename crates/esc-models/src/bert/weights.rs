//! Loading HF BERT checkpoints into [BertModel], with the report machinery of
//! [crate::blenderbot_small::weights] (every tensor applied, missing, unused or mismatched).
//!
//! Key map HF -> burn. The struct fields carry the HF names except where Rust or burn's naming
//! forbids them, and a checkpoint of a task model (`BertForMaskedLM`, ...) nests them under `bert.`:
//!
//! | HF key                                   | burn path                                   |
//! |------------------------------------------|---------------------------------------------|
//! | `bert.X` (task checkpoints)              | `X`                                         |
//! | `*.attention.self.{query,key,value}.*`   | `*.attention.self_.*` (`self` is a keyword)  |
//! | `*.LayerNorm.{weight,bias}` (or `gamma`/`beta`) | `*.layer_norm.{gamma,beta}` (snake case; adapter) |
//! | `*.{dense,query,key,value}.weight`       | same; transposed (adapter)                  |
//! | `pooler.*`, `cls.*`, `*.position_ids`    | unused, tolerated (no pooler, no task head) |

use std::path::Path;

use burn::store::ModuleSnapshot;

use super::model::BertModel;
use crate::blenderbot_small::weights::{
    HfFormat, LoadReport, apply_store, hf_pytorch_store, hf_safetensors_store, tensor_infos,
};
use crate::error::Error;

/// `(regex, replacement)` pairs from HF keys to burn paths (see the module table).
pub const KEY_REMAPS: [(&str, &str); 3] = [
    (r"^bert\.", ""),
    (r"\.attention\.self\.", ".attention.self_."),
    (r"LayerNorm\.", "layer_norm."),
];

/// `true` for checkpoint tensors that [BertModel] deliberately has no place for: the pooler, task
/// heads and the `position_ids` / `token_type_ids` buffers older checkpoints store.
pub fn is_tolerated_unused(name: &str) -> bool {
    name.starts_with("pooler.")
        || name.starts_with("cls.")
        || name.ends_with("position_ids")
        || name.ends_with("token_type_ids")
}

/// Loads an HF BERT checkpoint (`.safetensors`, or `.bin`/`.pt`/`.pth`) into `model`, strictly:
/// every model tensor present with its shape, and no unused tensor except those of
/// [is_tolerated_unused].
///
/// # Errors
/// [Error::UnsupportedWeightFormat], [Error::Safetensors] / [Error::Pytorch] for unreadable files,
/// [Error::IncompatibleWeights] (carrying the full [LoadReport]) when the checkpoint does not fit.
pub fn load_bert(model: &mut BertModel, path: impl AsRef<Path>) -> Result<LoadReport, Error> {
    let path = path.as_ref();
    let model_tensors = tensor_infos(&model.collect(None, None, false));
    let report = match HfFormat::of(path)? {
        HfFormat::Safetensors => {
            let mut store = hf_safetensors_store(path);
            for (from, to) in KEY_REMAPS {
                store = store.with_key_remapping(from, to);
            }
            apply_store(model, &mut store, &model_tensors).map_err(|source| Error::Safetensors {
                path: path.to_path_buf(),
                source,
            })?
        }
        HfFormat::Pytorch => {
            let mut store = hf_pytorch_store(path);
            for (from, to) in KEY_REMAPS {
                store = store.with_key_remapping(from, to);
            }
            apply_store(model, &mut store, &model_tensors).map_err(|source| Error::Pytorch {
                path: path.to_path_buf(),
                source,
            })?
        }
    };
    let unused_ok = report.unused.iter().all(|t| is_tolerated_unused(&t.name));
    if report.is_complete() && unused_ok {
        Ok(report)
    } else {
        Err(Error::IncompatibleWeights {
            path: path.to_path_buf(),
            report: Box::new(report),
        })
    }
}
