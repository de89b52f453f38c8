//! The STAR module: Eq. (1) pooling, Eq. (2) gate, Eq. (3) refinement, Eq. (4) fusion.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Bool, Device, Int, Tensor};

use crate::blend::blend;
use crate::dispatch::{apply_grouped, host_ids};
use crate::pooling::QuerySpan;
use crate::{
    AttentionPooling, AttentionPoolingConfig, ExpertMode, GateWidth, PadPooling, PoolingMode,
    StarCache, StarConfigError, StarExpert, StarExpertConfig, StarInit,
};

/// Configuration to create a [`Star`] module with [`StarConfig::init`].
///
/// The defaults are the reference's (`gate_dim` 48, `d_ffn` 2048, 8 heads, dropouts 0.2 / 0.0 /
/// 0.1, scalar gate, one expert per strategy, full pooling, reference init), except that
/// padding is masked in the pooling; [`StarConfig::reference`] pools pads as the reference does.
#[derive(Config, Debug)]
pub struct StarConfig {
    /// Width of the decoder hidden states.
    pub d_model: usize,
    /// Number of strategies (experts in [`ExpertMode::PerStrategy`]); 8 for ESConv.
    pub n_strategies: usize,
    /// Attention heads of the pooling; must divide `d_model`. Default 8.
    #[config(default = 8)]
    pub n_heads: usize,
    /// Hidden width of the gate network `f`. Default 48.
    #[config(default = 48)]
    pub gate_dim: usize,
    /// Hidden width of the refinement network `P`. Default 2048.
    #[config(default = 2048)]
    pub d_ffn: usize,
    /// Dropout on `z` before the gate network. Default 0.2.
    #[config(default = 0.2)]
    pub gate_dropout: f64,
    /// Dropout after the GELU of `P`. Default 0.0.
    #[config(default = 0.0)]
    pub refine_hidden_dropout: f64,
    /// Dropout on the output of `P`. Default 0.1.
    #[config(default = 0.1)]
    pub refine_dropout: f64,
    /// Scalar or per-channel gate. Default [`GateWidth::Scalar`].
    #[config(default = "GateWidth::Scalar")]
    pub gate_width: GateWidth,
    /// One expert per strategy or one shared expert. Default [`ExpertMode::PerStrategy`].
    #[config(default = "ExpertMode::PerStrategy")]
    pub expert_mode: ExpertMode,
    /// Full or causal pooling. Default [`PoolingMode::Full`].
    #[config(default = "PoolingMode::Full")]
    pub pooling: PoolingMode,
    /// Whether pads take part in the pooling. Default [`PadPooling::Masked`].
    #[config(default = "PadPooling::Masked")]
    pub pad_pooling: PadPooling,
    /// Parameter initialisation. Default [`StarInit::Reference`].
    #[config(default = "StarInit::Reference")]
    pub init: StarInit,
}

impl StarConfig {
    /// The reference configuration, pads pooled as in the authors' code:
    /// `StarConfig::new(d_model, n_strategies).with_pad_pooling(PadPooling::IncludePads)`.
    pub fn reference(d_model: usize, n_strategies: usize) -> Self {
        Self::new(d_model, n_strategies).with_pad_pooling(PadPooling::IncludePads)
    }

    /// Number of experts: `n_strategies`, or 1 in [`ExpertMode::Shared`].
    pub fn n_experts(&self) -> usize {
        match self.expert_mode {
            ExpertMode::PerStrategy => self.n_strategies,
            ExpertMode::Shared => 1,
        }
    }

    /// Check every field (useful for configs read from files).
    ///
    /// # Errors
    /// The first invalid field, as a [`StarConfigError`].
    pub fn validate(&self) -> Result<(), StarConfigError> {
        for (field, value) in [
            ("d_model", self.d_model),
            ("n_strategies", self.n_strategies),
            ("n_heads", self.n_heads),
            ("gate_dim", self.gate_dim),
            ("d_ffn", self.d_ffn),
        ] {
            if value == 0 {
                return Err(StarConfigError::ZeroSize { field });
            }
        }
        if !self.d_model.is_multiple_of(self.n_heads) {
            return Err(StarConfigError::HeadsDoNotDivide {
                d_model: self.d_model,
                n_heads: self.n_heads,
            });
        }
        for (field, value) in [
            ("gate_dropout", self.gate_dropout),
            ("refine_hidden_dropout", self.refine_hidden_dropout),
            ("refine_dropout", self.refine_dropout),
        ] {
            if !(0.0..1.0).contains(&value) {
                return Err(StarConfigError::BadDropout { field, value });
            }
        }
        if let StarInit::Normal { std } = self.init
            && !(std.is_finite() && std > 0.0)
        {
            return Err(StarConfigError::BadInitStd { std });
        }
        Ok(())
    }

    /// The configuration of one expert.
    pub fn expert_config(&self) -> StarExpertConfig {
        StarExpertConfig::new(self.d_model)
            .with_gate_dim(self.gate_dim)
            .with_d_ffn(self.d_ffn)
            .with_gate_width(self.gate_width)
            .with_gate_dropout(self.gate_dropout)
            .with_refine_hidden_dropout(self.refine_hidden_dropout)
            .with_refine_dropout(self.refine_dropout)
            .with_init(self.init)
    }

    /// Initialise a [`Star`] module on `device`, after [`StarConfig::validate`].
    ///
    /// # Errors
    /// An invalid field.
    pub fn try_init(&self, device: &Device) -> Result<Star, StarConfigError> {
        self.validate()?;
        let pooling = AttentionPoolingConfig::new(self.d_model)
            .with_n_heads(self.n_heads)
            .with_init(self.init)
            .init(device);
        let expert = self.expert_config();
        let experts = (0..self.n_experts()).map(|_| expert.init(device)).collect();
        Ok(Star {
            pooling,
            experts,
            n_strategies: self.n_strategies,
            expert_mode: self.expert_mode,
            pooling_mode: self.pooling,
            pad_pooling: self.pad_pooling,
        })
    }

    /// Initialise a [`Star`] module on `device`.
    ///
    /// # Panics
    /// If the configuration is invalid (see [`StarConfig::validate`]).
    pub fn init(&self, device: &Device) -> Star {
        self.try_init(device)
            .unwrap_or_else(|err| panic!("invalid StarConfig: {err}"))
    }
}

/// STAR: Strategy-Aware Refinement of decoder hidden states (Eqs. (1)-(4)).
///
/// Should be created with [`StarConfig`].
///
/// Parameter paths (burn layout, `weight` is `[d_input, d_output]`):
/// `pooling.{q_proj,k_proj,v_proj,out_proj}.{weight,bias}`,
/// `experts.{e}.gate.fc1.{weight,bias}`, `experts.{e}.gate.fc2.weight`,
/// `experts.{e}.refine.{fc1,fc2}.{weight,bias}`, with `e` the strategy id
/// (a single expert `0` in [`ExpertMode::Shared`]).
#[derive(Module, Debug)]
pub struct Star {
    /// The shared attention pooling of Eq. (1).
    pub pooling: AttentionPooling,
    /// Gate + refinement experts, indexed by strategy id (one in [`ExpertMode::Shared`]).
    pub experts: Vec<StarExpert>,
    /// Number of strategies.
    pub n_strategies: usize,
    /// How experts are picked.
    #[module(skip)]
    pub expert_mode: ExpertMode,
    /// Full or causal pooling.
    #[module(skip)]
    pub pooling_mode: PoolingMode,
    /// Whether pads take part in the pooling.
    #[module(skip)]
    pub pad_pooling: PadPooling,
}

/// Input of [`Star::forward`] and [`Star::forward_step`].
#[derive(Debug, Clone)]
pub struct StarInput {
    /// Decoder hidden states `h`, `[batch_size, seq_length, d_model]`.
    pub hidden: Tensor<3>,
    /// Strategy id of each example, `[batch_size]` (needed in [`ExpertMode::PerStrategy`]
    /// unless `expert_weights` is given).
    pub strategy_ids: Option<Tensor<1, Int>>,
    /// Soft routing: each example's weights over the experts, `[batch_size, n_experts]`
    /// (e.g. strategy probabilities); overrides `strategy_ids`. See [`StarInput::mixed`].
    pub expert_weights: Option<Tensor<2>>,
    /// Padding mask `[batch_size, seq_length]`, `true` = padding.
    pub mask_pad: Option<Tensor<2, Bool>>,
}

impl StarInput {
    /// Hidden states `[batch_size, seq_length, d_model]` and one strategy id per example
    /// `[batch_size]`, which picks the expert.
    pub fn new(hidden: Tensor<3>, strategy_ids: Tensor<1, Int>) -> Self {
        Self {
            hidden,
            strategy_ids: Some(strategy_ids),
            expert_weights: None,
            mask_pad: None,
        }
    }

    /// Soft routing: every expert refines every example and the results are mixed with the
    /// example's `weights` `[batch_size, n_experts]` (rows usually sum to 1):
    /// `h' = Σ_e w_e (g_e ⊙ ĥ_e + (1 - g_e) ⊙ h)`. With one-hot rows this equals
    /// [`StarInput::new`] with those ids; gradients reach the weights.
    pub fn mixed(hidden: Tensor<3>, weights: Tensor<2>) -> Self {
        Self {
            hidden,
            strategy_ids: None,
            expert_weights: Some(weights),
            mask_pad: None,
        }
    }

    /// Hidden states only, for [`ExpertMode::Shared`].
    pub fn shared(hidden: Tensor<3>) -> Self {
        Self {
            hidden,
            strategy_ids: None,
            expert_weights: None,
            mask_pad: None,
        }
    }

    /// Add a padding mask `[batch_size, seq_length]` (`true` = padding), used by the pooling
    /// under [`PadPooling::Masked`]. Padded positions are still fused by Eq. (4). An HF
    /// `attention_mask` (`1` = token) converts with
    /// [`pad_mask_from_attention_mask`](crate::pad_mask_from_attention_mask).
    pub fn mask_pad(mut self, mask_pad: Tensor<2, Bool>) -> Self {
        self.mask_pad = Some(mask_pad);
        self
    }
}

/// How the examples pick their experts.
enum Route {
    /// One expert per example (or none needed, in [`ExpertMode::Shared`]).
    Ids(Option<Tensor<1, Int>>),
    /// Weights over all experts.
    Weights(Tensor<2>),
}

impl Route {
    fn of(ids: Option<Tensor<1, Int>>, weights: Option<Tensor<2>>) -> Self {
        match weights {
            Some(w) => Route::Weights(w),
            None => Route::Ids(ids),
        }
    }
}

/// Output of [`Star`]: the refined states and the intermediate values, for logging.
///
/// `n_pool` is 1 under [`PoolingMode::Full`] (one pooled vector per example, broadcast over
/// positions) and the number of input positions under [`PoolingMode::Causal`].
#[derive(Debug, Clone)]
pub struct StarOutput {
    /// Refined hidden states `h'` (Eq. (4)), `[batch_size, seq_length, d_model]`.
    pub hidden: Tensor<3>,
    /// Integration values `g` (Eq. (2)), `[batch_size, n_pool, 1 | d_model]`.
    pub gate: Tensor<3>,
    /// Pooled vectors `z` (Eq. (1)), `[batch_size, n_pool, d_model]`.
    pub pooled: Tensor<3>,
}

impl Star {
    /// Refine decoder hidden states (training, or scoring a whole sequence).
    ///
    /// Experts run vectorised: each expert present in the batch runs once over its examples.
    /// In [`ExpertMode::PerStrategy`] the ids are read back to the host to form the groups
    /// (one small device sync).
    ///
    /// # Shapes
    /// - `input.hidden`: `[batch_size, seq_length, d_model]`
    /// - `input.strategy_ids`: `[batch_size]`
    /// - `input.mask_pad`: `[batch_size, seq_length]`
    /// - output: see [`StarOutput`]
    ///
    /// # Panics
    /// If the shapes disagree, `seq_length` is zero, or (in [`ExpertMode::PerStrategy`]) the
    /// ids are missing, negative or `>= n_strategies`.
    pub fn forward(&self, input: StarInput) -> StarOutput {
        let span = match self.pooling_mode {
            PoolingMode::Full => QuerySpan::Full,
            PoolingMode::Causal => QuerySpan::CausalFrom(0),
        };
        let pad = self.pooling_pad(input.mask_pad, &input.hidden);
        let route = Route::of(input.strategy_ids, input.expert_weights);
        self.refine(input.hidden.clone(), pad, span, input.hidden, route)
    }

    /// Incremental STAR for generation: refine the new positions of `input`, given the
    /// prefix held in `cache` (which this call extends), without recomputing the prefix.
    ///
    /// - [`PoolingMode::Causal`]: new position `t` pools positions `<= t`; the outputs equal
    ///   the corresponding rows of [`Star::forward`] over the whole sequence.
    /// - [`PoolingMode::Full`]: the new positions use one vector pooled over the whole prefix
    ///   including them; the outputs equal the last rows of [`Star::forward`] over that prefix.
    ///
    /// The reference's own generation pools only the current chunk (no cache): call
    /// [`Star::forward`] on the chunk for that behaviour.
    ///
    /// # Shapes
    /// - `input.hidden`: `[batch_size, n_new, d_model]` (usually `n_new = 1`)
    /// - `input.mask_pad`: `[batch_size, n_new]`
    /// - output: `hidden` `[batch_size, n_new, d_model]`; `gate`, `pooled` with `n_pool` =
    ///   `n_new` (causal) or 1 (full)
    ///
    /// # Panics
    /// As [`Star::forward`], and if the batch size differs from the cached one.
    pub fn forward_step(&self, input: StarInput, cache: &mut StarCache) -> StarOutput {
        let (all, mask_all, start) = cache.append(input.hidden.clone(), input.mask_pad);
        let span = match self.pooling_mode {
            PoolingMode::Full => QuerySpan::Full,
            PoolingMode::Causal => QuerySpan::CausalFrom(start),
        };
        let pad = self.pooling_pad(mask_all, &all);
        let route = Route::of(input.strategy_ids, input.expert_weights);
        self.refine(all, pad, span, input.hidden, route)
    }

    /// The same result as [`Star::forward`], computed one example at a time as the reference
    /// does (a Python-style loop). Slow; kept for equivalence tests and benchmarks.
    ///
    /// # Shapes
    /// As [`Star::forward`].
    ///
    /// # Panics
    /// As [`Star::forward`].
    ///
    /// Soft routing ([`StarInput::mixed`]) is not supported here.
    pub fn forward_per_example(&self, input: StarInput) -> StarOutput {
        assert!(
            input.expert_weights.is_none(),
            "forward_per_example takes strategy ids, not expert weights"
        );
        let [b, _, _] = input.hidden.dims();
        let ids = self.expert_ids(input.strategy_ids.as_ref(), b);
        let span = match self.pooling_mode {
            PoolingMode::Full => QuerySpan::Full,
            PoolingMode::Causal => QuerySpan::CausalFrom(0),
        };
        let pad = self.pooling_pad(input.mask_pad, &input.hidden);
        let mut outputs = Vec::with_capacity(b);
        for (i, &expert) in ids.iter().enumerate() {
            let x = input.hidden.clone().narrow(0, i, 1);
            let pad_i = pad.clone().map(|m| m.narrow(0, i, 1));
            let pooled = self.pooling.pool(x.clone(), pad_i, span);
            let (gate, refined) = self.experts[expert].forward(pooled.clone());
            outputs.push(StarOutput {
                hidden: blend(refined, x, gate.clone()),
                gate,
                pooled,
            });
        }
        StarOutput {
            hidden: Tensor::cat(outputs.iter().map(|o| o.hidden.clone()).collect(), 0),
            gate: Tensor::cat(outputs.iter().map(|o| o.gate.clone()).collect(), 0),
            pooled: Tensor::cat(outputs.into_iter().map(|o| o.pooled).collect(), 0),
        }
    }

    /// Number of experts (`n_strategies`, or 1 when shared).
    pub fn n_experts(&self) -> usize {
        self.experts.len()
    }

    /// Pool `keys` for the queries of `span`, run the experts, fuse into `original`.
    fn refine(
        &self,
        keys: Tensor<3>,
        mask_pad: Option<Tensor<2, Bool>>,
        span: QuerySpan,
        original: Tensor<3>,
        route: Route,
    ) -> StarOutput {
        let [b, _, d] = keys.dims();
        let [ob, _, od] = original.dims();
        assert!(
            ob == b && od == d,
            "hidden states must be [batch, seq, d_model]"
        );
        let pooled = self.pooling.pool(keys, mask_pad, span);
        let (gate, refined) = match (self.expert_mode, route) {
            (ExpertMode::Shared, _) => self.experts[0].forward(pooled.clone()),
            (ExpertMode::PerStrategy, Route::Weights(weights)) => {
                return self.mix(pooled, weights, original);
            }
            (ExpertMode::PerStrategy, Route::Ids(ids)) => {
                let ids = self.expert_ids(ids.as_ref(), b);
                apply_grouped(&self.experts, pooled.clone(), &ids)
            }
        };
        StarOutput {
            hidden: blend(refined, original, gate.clone()),
            gate,
            pooled,
        }
    }

    /// Soft routing: `h' = Σ_e w_e g_e ⊙ ĥ_e + (1 - G) ⊙ h` with `G = Σ_e w_e g_e` (the
    /// reported gate), which is `Σ_e w_e blend_e` for any weights.
    fn mix(&self, pooled: Tensor<3>, weights: Tensor<2>, original: Tensor<3>) -> StarOutput {
        let [b, _, _] = pooled.dims();
        let n = self.experts.len();
        assert_eq!(
            weights.dims(),
            [b, n],
            "expert weights must be [batch, n_experts]"
        );
        let mut gate_sum: Option<Tensor<3>> = None;
        let mut refined_sum: Option<Tensor<3>> = None;
        for (e, expert) in self.experts.iter().enumerate() {
            let w = weights.clone().narrow(1, e, 1).reshape([b, 1, 1]);
            let (g, r) = expert.forward(pooled.clone());
            let wg = g * w;
            let wgr = wg.clone() * r;
            gate_sum = Some(match gate_sum {
                Some(s) => s + wg,
                None => wg,
            });
            refined_sum = Some(match refined_sum {
                Some(s) => s + wgr,
                None => wgr,
            });
        }
        let gate = gate_sum.expect("at least one expert");
        let weighted = refined_sum.expect("at least one expert");
        let hidden = weighted + (gate.clone().neg() + 1.0) * original;
        StarOutput {
            hidden,
            gate,
            pooled,
        }
    }

    /// The expert of each example, on the host.
    fn expert_ids(&self, strategy_ids: Option<&Tensor<1, Int>>, batch_size: usize) -> Vec<usize> {
        match self.expert_mode {
            ExpertMode::Shared => vec![0; batch_size],
            ExpertMode::PerStrategy => {
                let ids = strategy_ids
                    .expect("ExpertMode::PerStrategy needs strategy ids (StarInput::new)");
                let ids = host_ids(ids);
                assert_eq!(
                    ids.len(),
                    batch_size,
                    "one strategy id per example is needed"
                );
                if let Some(bad) = ids.iter().find(|&&id| id >= self.experts.len()) {
                    panic!(
                        "strategy id {bad} is out of range (n_strategies = {})",
                        self.experts.len()
                    );
                }
                ids
            }
        }
    }

    /// The pad mask the pooling sees (`true` = padding): `None` pools every position.
    fn pooling_pad(
        &self,
        mask_pad: Option<Tensor<2, Bool>>,
        hidden: &Tensor<3>,
    ) -> Option<Tensor<2, Bool>> {
        let mask = mask_pad?;
        let [b, t, _] = hidden.dims();
        assert_eq!(mask.dims(), [b, t], "mask_pad must be [batch, seq]");
        match self.pad_pooling {
            PadPooling::Masked => Some(mask),
            PadPooling::IncludePads => None,
        }
    }
}
