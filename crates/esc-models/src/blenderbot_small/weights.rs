//! Weight I/O: HF checkpoints in, our own checkpoints in and out, HF-named SafeTensors out.
//!
//! Key map HF -> burn (no remapping needed, the struct fields carry the HF names):
//!
//! | HF key                                              | burn path                          |
//! |-----------------------------------------------------|------------------------------------|
//! | `model.shared.weight`                               | same                               |
//! | `model.{encoder,decoder}.embed_positions.weight`    | same                               |
//! | `model.*.layernorm_embedding.{weight,bias}`         | `...layernorm_embedding.{gamma,beta}` (adapter) |
//! | `model.*.layers.N.*_proj.{weight,bias}`             | same; weight transposed (adapter)   |
//! | `model.*.layers.N.{fc1,fc2}.{weight,bias}`          | same; weight transposed (adapter)   |
//! | `model.*.layers.N.*layer_norm.{weight,bias}`        | `....{gamma,beta}` (adapter)        |
//! | `final_logits_bias`                                 | same (frozen)                       |
//! | `lm_head.weight`, `model.{en,de}coder.embed_tokens.weight` | tied aliases of `model.shared.weight`: unused |
//!
//! `.safetensors` goes through `SafetensorsStore` **with** `PyTorchToBurnAdapter` (the store's default
//! adapter is the identity, which would load the square attention matrices untransposed without any
//! error); `.bin`/`.pt`/`.pth` through `PytorchStore`, which always applies that adapter.

use std::fmt;
use std::path::Path;

use burn::module::Module;
use burn::store::{
    ApplyError, ApplyResult, BurnToPyTorchAdapter, BurnpackStore, ModuleSnapshot, ModuleStore,
    PyTorchToBurnAdapter, PytorchStore, SafetensorsStore,
};

use super::model::BlenderbotSmallForConditionalGeneration;
use crate::error::Error;

/// HF keys that duplicate `model.shared.weight` (tied weights) and are expected to be unused.
pub const TIED_ALIASES: [&str; 3] = [
    "lm_head.weight",
    "model.encoder.embed_tokens.weight",
    "model.decoder.embed_tokens.weight",
];

/// A tensor name and its shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    /// Path (burn path for model tensors, file key for file tensors).
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
}

/// A tensor present in both the model and the file, with different shapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeMismatch {
    /// Path in the model.
    pub name: String,
    /// Shape the model expects (burn layout: Linear weights are `[d_input, d_output]`).
    pub expected: Vec<usize>,
    /// Shape found in the file, after the PyTorch adapter (burn layout).
    pub found: Vec<usize>,
}

/// What a load did: every tensor accounted for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Model paths that received a tensor.
    pub applied: Vec<String>,
    /// Model tensors the file lacks (they keep their initial values).
    pub missing: Vec<TensorInfo>,
    /// File tensors the model has no place for.
    pub unused: Vec<TensorInfo>,
    /// Tensors with a wrong shape (not applied).
    pub mismatched: Vec<ShapeMismatch>,
    /// Other per-tensor errors (dtype, adapter, data), as messages.
    pub errors: Vec<String>,
}

impl LoadReport {
    pub(crate) fn from_apply(
        result: ApplyResult,
        model: &[TensorInfo],
        file: &[TensorInfo],
    ) -> Self {
        let shape_of = |list: &[TensorInfo], name: &str| {
            list.iter()
                .find(|t| t.name == name)
                .map(|t| t.shape.clone())
                .unwrap_or_default()
        };
        let mut report = LoadReport {
            applied: result.applied,
            missing: result
                .missing
                .into_iter()
                .map(|(name, _)| TensorInfo {
                    shape: shape_of(model, &name),
                    name,
                })
                .collect(),
            unused: result
                .unused
                .into_iter()
                .map(|name| TensorInfo {
                    shape: shape_of(file, &name),
                    name,
                })
                .collect(),
            ..Default::default()
        };
        for error in result.errors {
            match error {
                ApplyError::ShapeMismatch {
                    path,
                    expected,
                    found,
                } => report.mismatched.push(ShapeMismatch {
                    name: path,
                    expected: expected.to_vec(),
                    found: found.to_vec(),
                }),
                other => report.errors.push(other.to_string()),
            }
        }
        report.missing.sort_by(|a, b| a.name.cmp(&b.name));
        report.unused.sort_by(|a, b| a.name.cmp(&b.name));
        report.mismatched.sort_by(|a, b| a.name.cmp(&b.name));
        report
    }

    /// `true` when nothing is missing, mismatched or in error (unused tensors allowed).
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.mismatched.is_empty() && self.errors.is_empty()
    }

    /// Unused file tensors other than the known tied aliases ([TIED_ALIASES]).
    pub fn unexpected_unused(&self) -> Vec<&TensorInfo> {
        self.unused
            .iter()
            .filter(|t| !TIED_ALIASES.contains(&t.name.as_str()))
            .collect()
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "applied {}, missing {}, unused {}, mismatched {}, errors {}",
            self.applied.len(),
            self.missing.len(),
            self.unused.len(),
            self.mismatched.len(),
            self.errors.len()
        )?;
        for t in &self.missing {
            writeln!(f, "  missing   {} {:?}", t.name, t.shape)?;
        }
        for t in &self.mismatched {
            writeln!(
                f,
                "  mismatch  {} expected {:?} found {:?}",
                t.name, t.expected, t.found
            )?;
        }
        for t in &self.unused {
            writeln!(f, "  unused    {} {:?}", t.name, t.shape)?;
        }
        for e in &self.errors {
            writeln!(f, "  error     {e}")?;
        }
        Ok(())
    }
}

/// What [load_hf_with] tolerates. The default is strict: it fails on missing tensors (except
/// `final_logits_bias`, which HF also tolerates and leaves at 0), on wrong shapes, and on unused
/// tensors other than the tied aliases.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Accept missing tensors (they keep their initial values). Default: `false`.
    pub allow_missing: bool,
    /// Accept wrongly shaped tensors (they are not applied). Default: `false`.
    pub allow_mismatched: bool,
    /// Accept unused tensors of any name. Default: `false`.
    pub allow_unused: bool,
}

/// Loads an HF checkpoint (`.safetensors`, or `.bin`/`.pt`/`.pth`) into `model`, strictly
/// (see [LoadOptions]). Works for any module whose paths follow the HF names, typically
/// [BlenderbotSmallForConditionalGeneration].
///
/// # Errors
/// [Error::UnsupportedWeightFormat], [Error::Safetensors] / [Error::Pytorch] for unreadable files,
/// [Error::IncompatibleWeights] (carrying the full [LoadReport]) when the checkpoint does not fit.
pub fn load_hf<M: Module>(model: &mut M, path: impl AsRef<Path>) -> Result<LoadReport, Error> {
    load_hf_with(model, path, &LoadOptions::default())
}

/// [load_hf] with explicit tolerances; returns the report of what was applied.
///
/// # Errors
/// As [load_hf], except for what `options` allows.
pub fn load_hf_with<M: Module>(
    model: &mut M,
    path: impl AsRef<Path>,
    options: &LoadOptions,
) -> Result<LoadReport, Error> {
    let path = path.as_ref();
    let report = match HfFormat::of(path)? {
        HfFormat::Safetensors => {
            read_safetensors(model, || SafetensorsStore::from_file(path), path)?
        }
        HfFormat::Pytorch => {
            let err = |source| Error::Pytorch {
                path: path.to_path_buf(),
                source,
            };
            let model_tensors = tensor_infos(&model.collect(None, None, false));
            let mut store = hf_pytorch_store(path);
            if let Some(alias) = shared_alias(&store.keys().map_err(err)?) {
                let (from, to) = alias_remap(alias);
                store = hf_pytorch_store(path).with_key_remapping(from, to);
            }
            apply_store(model, &mut store, &model_tensors).map_err(err)?
        }
    };
    accept_report(report, options, path)
}

/// Loads HF `.safetensors` weights held in memory into `model`, as [load_hf_with] loads a file
/// (PyTorch pickles can only be read from a file). Errors name the source `<safetensors>`.
///
/// # Errors
/// [Error::Safetensors] for unreadable bytes, [Error::IncompatibleWeights] (carrying the full
/// [LoadReport]) when the weights do not fit, except for what `options` allows.
pub fn load_hf_safetensors_bytes<M: Module>(
    model: &mut M,
    bytes: &[u8],
    options: &LoadOptions,
) -> Result<LoadReport, Error> {
    let source = Path::new("<safetensors>");
    let report = read_safetensors(
        model,
        || SafetensorsStore::from_bytes(Some(bytes.to_vec())),
        source,
    )?;
    accept_report(report, options, source)
}

/// Applies a safetensors store (made by `open`, HF layout) to `model`; a file that stores the
/// shared matrix only under a tied alias is re-opened with that alias mapped to
/// `model.shared.weight`. `source` names the file in errors.
fn read_safetensors<M: Module>(
    model: &mut M,
    open: impl Fn() -> SafetensorsStore,
    source: &Path,
) -> Result<LoadReport, Error> {
    let model_tensors = tensor_infos(&model.collect(None, None, false));
    let err = |error| Error::Safetensors {
        path: source.to_path_buf(),
        source: error,
    };
    let mut store = hf_safetensors(open());
    if let Some(alias) = shared_alias(&store.keys().map_err(err)?) {
        let (from, to) = alias_remap(alias);
        store = hf_safetensors(open()).with_key_remapping(from, to);
    }
    apply_store(model, &mut store, &model_tensors).map_err(err)
}

/// The regex remapping of a tied alias onto `model.shared.weight`.
fn alias_remap(alias: &str) -> (String, String) {
    (
        format!("^{}$", regex_escape(alias)),
        "model.shared.weight".to_string(),
    )
}

/// `Ok(report)` when what it lists as missing, mismatched or unused is within `options`.
fn accept_report(
    report: LoadReport,
    options: &LoadOptions,
    path: &Path,
) -> Result<LoadReport, Error> {
    let missing_ok =
        options.allow_missing || report.missing.iter().all(|t| t.name == "final_logits_bias");
    let mismatch_ok = options.allow_mismatched || report.mismatched.is_empty();
    let unused_ok = options.allow_unused || report.unexpected_unused().is_empty();
    if missing_ok && mismatch_ok && unused_ok && report.errors.is_empty() {
        Ok(report)
    } else {
        Err(Error::IncompatibleWeights {
            path: path.to_path_buf(),
            report: Box::new(report),
        })
    }
}

/// The HF weight-file formats the loaders read, by extension.
pub(crate) enum HfFormat {
    /// `.safetensors`.
    Safetensors,
    /// `.bin`, `.pt`, `.pth` (PyTorch pickles).
    Pytorch,
}

impl HfFormat {
    /// The format of `path`.
    ///
    /// # Errors
    /// [Error::UnsupportedWeightFormat] for any other extension.
    pub(crate) fn of(path: &Path) -> Result<Self, Error> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        match ext.as_str() {
            "safetensors" => Ok(HfFormat::Safetensors),
            "bin" | "pt" | "pth" => Ok(HfFormat::Pytorch),
            _ => Err(Error::UnsupportedWeightFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// A safetensors file read the HF way: PyTorch layout (transposed linears), partial, the
/// shapes checked by the report rather than by the store.
pub(crate) fn hf_safetensors_store(path: &Path) -> SafetensorsStore {
    hf_safetensors(SafetensorsStore::from_file(path))
}

/// `store` set to read the HF way (as [hf_safetensors_store]).
fn hf_safetensors(store: SafetensorsStore) -> SafetensorsStore {
    store
        .with_from_adapter(PyTorchToBurnAdapter)
        .validate(false)
        .allow_partial(true)
}

/// A PyTorch pickle read the HF way (as [hf_safetensors_store]).
pub(crate) fn hf_pytorch_store(path: &Path) -> PytorchStore {
    PytorchStore::from_file(path)
        .validate(false)
        .allow_partial(true)
        .map_indices_contiguous(false)
}

/// Applies `store` to `model` and reports what was applied, missing, unused or mismatched.
pub(crate) fn apply_store<M: Module, S: ModuleStore>(
    model: &mut M,
    store: &mut S,
    model_tensors: &[TensorInfo],
) -> Result<LoadReport, S::Error> {
    let file_tensors = tensor_infos_from_store(store)?;
    let result = model.load_from(store)?;
    Ok(LoadReport::from_apply(result, model_tensors, &file_tensors))
}

/// When a file lacks `model.shared.weight` but holds one of its tied aliases, that alias.
fn shared_alias(keys: &[String]) -> Option<&'static str> {
    if keys.iter().any(|k| k == "model.shared.weight") {
        return None;
    }
    TIED_ALIASES
        .iter()
        .rev()
        .find(|alias| keys.iter().any(|k| k == *alias))
        .copied()
}

fn regex_escape(s: &str) -> String {
    s.replace('.', r"\.")
}

pub(crate) fn tensor_infos(tensors: &[burn::store::burn_pack::Tensor]) -> Vec<TensorInfo> {
    tensors
        .iter()
        .map(|t| TensorInfo {
            name: t.name.clone(),
            shape: t.shape.to_vec(),
        })
        .collect()
}

pub(crate) fn tensor_infos_from_store<S: ModuleStore>(
    store: &mut S,
) -> Result<Vec<TensorInfo>, S::Error> {
    Ok(store
        .get_all_tensors()?
        .values()
        .map(|t| TensorInfo {
            name: t.name.clone(),
            shape: t.shape.to_vec(),
        })
        .collect())
}

/// Saves `model` as our own checkpoint (burnpack: every parameter, burn paths and layouts).
///
/// # Errors
/// [Error::Burnpack] if the file cannot be written.
pub fn save_burnpack<M: Module>(model: &M, path: impl AsRef<Path>) -> Result<(), Error> {
    let path = path.as_ref();
    let mut store = BurnpackStore::from_file(path)
        .auto_extension(false)
        .overwrite(true);
    model.save_into(&mut store).map_err(|e| Error::Burnpack {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Loads a checkpoint written by [save_burnpack] into a model of the same architecture; every
/// tensor must be present with its shape.
///
/// # Errors
/// [Error::Burnpack] if the file cannot be read, [Error::IncompatibleWeights] if it does not fit.
pub fn load_burnpack<M: Module>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<LoadReport, Error> {
    let path = path.as_ref();
    let model_tensors = tensor_infos(&model.collect(None, None, false));
    let mut store = BurnpackStore::from_file(path)
        .auto_extension(false)
        .validate(false)
        .allow_partial(true);
    let burnpack_err = |e: burn::store::burn_pack::Error| Error::Burnpack {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let file_tensors = tensor_infos_from_store(&mut store).map_err(burnpack_err)?;
    let result = model.load_from(&mut store).map_err(burnpack_err)?;
    let report = LoadReport::from_apply(result, &model_tensors, &file_tensors);
    if report.is_complete() && report.unused.is_empty() {
        Ok(report)
    } else {
        Err(Error::IncompatibleWeights {
            path: path.to_path_buf(),
            report: Box::new(report),
        })
    }
}

/// Writes the backbone as an HF-named SafeTensors file (`model.shared.weight`, `[out, in]` linear
/// weights, `weight`/`bias` layer norms, `final_logits_bias`) that transformers'
/// `BlenderbotSmallForConditionalGeneration.from_pretrained` reads (tied weights are stored once).
///
/// # Errors
/// [Error::Safetensors] if the file cannot be written.
pub fn export_hf_safetensors(
    model: &BlenderbotSmallForConditionalGeneration,
    path: impl AsRef<Path>,
) -> Result<(), Error> {
    let path = path.as_ref();
    let mut store = SafetensorsStore::from_file(path)
        .with_to_adapter(BurnToPyTorchAdapter)
        .overwrite(true)
        .metadata("format", "pt");
    model
        .save_into(&mut store)
        .map_err(|source| Error::Safetensors {
            path: path.to_path_buf(),
            source,
        })
}
