//! Gradient conflict between the training losses (the paper's Fig. 3): per batch, one backward
//! pass per loss term, the gradients flattened over a group of parameters, and the cosine
//! similarity of every pair of terms; averaged over batches, for all parameters and per group.

use burn::module::{Flag, Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use esc_data::{EscBatch, EscBatcher, EscExample};
use esc_models::{EscModel, EscOutput, ExpertChoice};
use serde::{Deserialize, Serialize};

use super::cosine::{CosineStats, GramMatrix};
use super::error::{AnalysisError, Result};

/// One loss whose gradient is taken on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GradTerm {
    /// `L_LM`: token-mean cross-entropy of the (refined) LM logits.
    Lm,
    /// `L_ST`: cross-entropy of the pre-STAR strategy logits.
    Strategy,
    /// A loss part the head reports by this name (`Head::extra_loss`, unweighted value), e.g.
    /// Emstremo-style `L_emo`, `L_str`, `L_con`; BlenderBot-Joint reports none.
    Head(&'static str),
}

impl GradTerm {
    /// Display name (`L_LM`, `L_ST`, or the head's name for the part).
    pub fn name(self) -> &'static str {
        match self {
            GradTerm::Lm => "L_LM",
            GradTerm::Strategy => "L_ST",
            GradTerm::Head(name) => name,
        }
    }

    /// Every term of `model`: `L_LM`, `L_ST` and each part its head reports for `out`.
    pub fn all(model: &EscModel, out: &EscOutput, batch: &EscBatch) -> Vec<GradTerm> {
        let mut terms = vec![GradTerm::Lm, GradTerm::Strategy];
        terms.extend(
            model
                .head
                .extra_loss(out, batch)
                .into_iter()
                .map(|t| GradTerm::Head(t.name)),
        );
        terms
    }

    /// The term's value for a teacher-forced output (as [EscModel::loss] computes it, so
    /// `L_ST` is on the model's strategy target), `None` when the model has no such loss.
    pub fn value(self, model: &EscModel, out: &EscOutput, batch: &EscBatch) -> Option<Tensor<1>> {
        let loss = model.loss(out, batch, 0.0);
        match self {
            GradTerm::Lm => Some(loss.lm),
            GradTerm::Strategy => Some(loss.strategy),
            GradTerm::Head(name) => loss
                .head_terms
                .into_iter()
                .find(|t| t.name == name)
                .map(|t| t.value),
        }
    }
}

/// The parameter groups of the per-group cosines: `all` parameters, the `shared` backbone
/// (embeddings + encoder + decoder: what every loss reaches, the paper's shared parameters), and
/// each part ([param_group]).
pub const GROUPS: [&str; 7] = [
    "all",
    "shared",
    "embeddings",
    "encoder",
    "decoder",
    "STAR",
    "head",
];

/// Whether a parameter of [param_group] `part` belongs to the [GROUPS] entry `group`.
fn in_group(group: &str, part: &str) -> bool {
    match group {
        "all" => true,
        "shared" => matches!(part, "embeddings" | "encoder" | "decoder"),
        _ => part == group,
    }
}

/// The group of a parameter path (`backbone.model.encoder.layers.0...`): `embeddings` are the
/// shared token embedding, the position embeddings and the LM bias (the LM head is tied to the
/// token embedding).
pub fn param_group(path: &str) -> &'static str {
    if path.starts_with("star") {
        "STAR"
    } else if path.starts_with("head") {
        "head"
    } else if path.contains("shared")
        || path.contains("embed_positions")
        || path.contains("final_logits_bias")
    {
        "embeddings"
    } else if path.starts_with("backbone.model.encoder") {
        "encoder"
    } else if path.starts_with("backbone.model.decoder") {
        "decoder"
    } else {
        "embeddings"
    }
}

/// Every float parameter's gradient, flattened, in visiting order, with its group.
struct Collect<'a> {
    grads: &'a GradientsParams,
    path: Vec<String>,
    out: Vec<(&'static str, Option<Vec<f32>>, usize)>,
}

impl ModuleVisitor for Collect<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let group = param_group(&self.path.join("."));
        let numel = param.val().shape().num_elements();
        let grad = self.grads.get::<D>(param.id).map(|g| {
            g.into_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
                .expect("float gradient")
        });
        self.out.push((group, grad, numel));
    }
}

/// Switches every training flag (dropout) off while keeping autodiff.
struct FlagsOff;

impl ModuleMapper for FlagsOff {
    fn map_flag(&mut self, flag: Param<Flag>) -> Param<Flag> {
        flag.with_value(false)
    }
}

/// `model` ready for deterministic gradients: autodiff on (the run's parameters require
/// gradients again), dropout off. Pass a model opened on an autodiff device, e.g.
/// `TrainedRun::open(dir, choice, &device.autodiff())`.
pub fn gradient_model(model: &EscModel) -> EscModel {
    model.clone().train().map(&mut FlagsOff)
}

/// The cosine similarities of one analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradConflict {
    /// The loss terms, in matrix order.
    pub terms: Vec<String>,
    /// Batches averaged.
    pub batches: usize,
    /// Examples per batch.
    pub batch_size: usize,
    /// Per parameter group ([GROUPS] order, groups without parameters left out).
    pub groups: Vec<GroupConflict>,
}

/// The cosine matrix of one parameter group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupConflict {
    /// Group name.
    pub group: String,
    /// Scalars in the group.
    pub n_params: usize,
    /// Mean over batches of the per-batch cosine `[i][j]` (`NaN` where a gradient was zero in
    /// every batch, e.g. `L_ST` on STAR's parameters, which it does not reach).
    pub mean: Vec<Vec<f64>>,
    /// Sample standard deviation over batches.
    pub std: Vec<Vec<f64>>,
    /// Mean gradient L2 norm of each term.
    pub norm: Vec<f64>,
}

/// Cosine similarity of the per-term gradients of `model` (from [gradient_model]) over the
/// first `n_batches` batches of `batch_size` examples of `examples` (STAR's experts routed as in
/// the model's training, [ExpertChoice::Configured]). `terms`: the given ones that the model has (see [GradTerm::value]), or
/// `None` for all of the model's terms ([GradTerm::all]).
///
/// # Errors
/// [AnalysisError::InvalidInput] for no examples, `batch_size` = 0 or fewer than two terms.
pub fn grad_conflict(
    model: &EscModel,
    examples: &[EscExample],
    batcher: &EscBatcher,
    batch_size: usize,
    n_batches: usize,
    terms: Option<&[GradTerm]>,
    device: &Device,
) -> Result<GradConflict> {
    if examples.is_empty() || batch_size == 0 || n_batches == 0 {
        return Err(AnalysisError::invalid(
            "batches",
            "need at least one example, batch size and batch",
        ));
    }
    let chunks: Vec<&[EscExample]> = examples.chunks(batch_size).take(n_batches).collect();
    // Which terms this model has: try them on the first batch.
    let first = batcher.batch_refs(&chunks[0].iter().collect::<Vec<_>>(), device);
    let out = model.forward(&first, ExpertChoice::Configured);
    let terms: Vec<GradTerm> = match terms {
        Some(terms) => terms
            .iter()
            .copied()
            .filter(|t| t.value(model, &out, &first).is_some())
            .collect(),
        None => GradTerm::all(model, &out, &first),
    };
    if terms.len() < 2 {
        return Err(AnalysisError::invalid(
            "terms",
            format!("need two loss terms the model has, got {terms:?}"),
        ));
    }
    let k = terms.len();
    let mut stats: Vec<(&'static str, usize, CosineStats)> = Vec::new();
    for chunk in &chunks {
        let batch = batcher.batch_refs(&chunk.iter().collect::<Vec<_>>(), device);
        // One forward + backward per term: burn's backward consumes the graph.
        let mut per_term = Vec::with_capacity(k);
        for &term in &terms {
            let out = model.forward(&batch, ExpertChoice::Configured);
            let loss = term
                .value(model, &out, &batch)
                .expect("checked on the first batch");
            let grads = GradientsParams::from_grads(loss.backward(), model);
            let mut c = Collect {
                grads: &grads,
                path: Vec::new(),
                out: Vec::new(),
            };
            model.visit(&mut c);
            per_term.push(c.out);
        }
        for group in GROUPS {
            let mut gram = GramMatrix::new(k);
            let mut n_params = 0;
            for p in 0..per_term[0].len() {
                let (g, _, numel) = &per_term[0][p];
                if !in_group(group, g) {
                    continue;
                }
                n_params += numel;
                let vectors: Vec<Option<&[f32]>> =
                    per_term.iter().map(|t| t[p].1.as_deref()).collect();
                gram.add(&vectors);
            }
            // Empty groups, and `shared` when it is everything (no STAR, no head parameters).
            let all = stats
                .iter()
                .find(|(g, _, _)| *g == "all")
                .map(|(_, n, _)| *n);
            if n_params == 0 || (group == "shared" && all == Some(n_params)) {
                continue;
            }
            match stats.iter_mut().find(|(g, _, _)| *g == group) {
                Some((_, _, s)) => s.add(&gram),
                None => {
                    let mut s = CosineStats::new(k);
                    s.add(&gram);
                    stats.push((group, n_params, s));
                }
            }
        }
    }
    Ok(GradConflict {
        terms: terms.iter().map(|t| t.name().to_string()).collect(),
        batches: chunks.len(),
        batch_size,
        groups: stats
            .into_iter()
            .map(|(group, n_params, s)| GroupConflict {
                group: group.to_string(),
                n_params,
                mean: s.mean(),
                std: s.std(),
                norm: s.mean_norms(),
            })
            .collect(),
    })
}

fn fmt_cos(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        "n/a".to_string()
    }
}

impl GradConflict {
    /// The group `name`, if present.
    pub fn group(&self, name: &str) -> Option<&GroupConflict> {
        self.groups.iter().find(|g| g.group == name)
    }

    /// Markdown: one table per group (mean ± std over batches), then the mean gradient norms.
    pub fn to_markdown(&self) -> String {
        let mut s = format!(
            "Cosine similarity of the per-loss gradients, mean ± std over {} batches of {} examples \
             (dropout off; STAR's experts routed as in the model's training; n/a: a gradient is zero, \
             the loss does not reach the group).\n\n",
            self.batches, self.batch_size
        );
        for g in &self.groups {
            s.push_str(&format!(
                "**{}** ({} parameters)\n\n| | {} |\n|---|{}\n",
                g.group,
                g.n_params,
                self.terms.join(" | "),
                "---|".repeat(self.terms.len())
            ));
            for (i, t) in self.terms.iter().enumerate() {
                let cells: Vec<String> = (0..self.terms.len())
                    .map(|j| {
                        if g.mean[i][j].is_finite() && i != j {
                            format!("{} ± {:.3}", fmt_cos(g.mean[i][j]), g.std[i][j])
                        } else {
                            fmt_cos(g.mean[i][j])
                        }
                    })
                    .collect();
                s.push_str(&format!("| {t} | {} |\n", cells.join(" | ")));
            }
            s.push('\n');
        }
        s.push_str(&format!(
            "Mean gradient L2 norm per group:\n\n| group | {} |\n|---|{}\n",
            self.terms.join(" | "),
            "---|".repeat(self.terms.len())
        ));
        for g in &self.groups {
            let cells: Vec<String> = g.norm.iter().map(|n| format!("{n:.4}")).collect();
            s.push_str(&format!("| {} | {} |\n", g.group, cells.join(" | ")));
        }
        s
    }
}
