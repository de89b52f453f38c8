//! BlenderBot-Small decoder (HF `BlenderbotSmallDecoder` / `BlenderbotSmallDecoderLayer`), post-LN:
//! `x = LN(embed(ids)) + pos` (transformers 4.57: the layer norm comes *before* the positions and the
//! token embeddings are not scaled), then per layer causal self-attention, cross-attention and the
//! feed-forward, each followed by its residual layer norm.
//!
//! Decoding can be incremental: a [DecoderCache] keeps every layer's self-attention keys/values (they
//! grow by the new positions at each call) and cross-attention keys/values (computed once from the
//! encoder output at the first call). For steps of 9 to 16 rows on flex without autodiff (on a CPU
//! with AVX-512), it also keeps a copy of the layers' linear weights with one output per row
//! ([TransposedLinear]), made at the first such step: their rows are what a step streams, in
//! order.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::{Bool, Device, Int, Tensor};
use star_core::{TransposedLinear, dropout, layer_norm, transposed_linear};

use super::attention::{Attention, KeyValue, causal_mask, hf_linear, key_padding_mask};
use super::config::BlenderbotSmallConfig;
use super::encoder::positions;
use super::sublayer::{Projection, feed_forward, residual_norm};

/// Cached keys/values of one decoder layer.
#[derive(Clone, Debug, Default)]
pub struct DecoderLayerCache {
    /// Self-attention keys/values of every position decoded so far.
    pub self_attn: Option<KeyValue>,
    /// Cross-attention keys/values of the encoder output (computed once).
    pub cross_attn: Option<KeyValue>,
}

/// Incremental-decoding state of the whole decoder. Create with [DecoderCache::new], pass to
/// every decoding call of one generation; the module itself never mutates.
#[derive(Clone, Debug)]
pub struct DecoderCache {
    /// One entry per decoder layer.
    pub layers: Vec<DecoderLayerCache>,
    /// Number of decoder positions already processed.
    pub past_len: usize,
    /// The layers' weights for decoding steps, once a step could use them.
    step_weights: Option<Vec<StepWeights>>,
}

impl DecoderCache {
    /// An empty cache for a decoder with `n_layers` layers.
    pub fn new(n_layers: usize) -> Self {
        Self {
            layers: vec![DecoderLayerCache::default(); n_layers],
            past_len: 0,
            step_weights: None,
        }
    }

    /// Keeps the batch rows `indices` (beam search reordering), for self- and cross-attention.
    pub fn select(&mut self, indices: Tensor<1, Int>) {
        for layer in &mut self.layers {
            layer.self_attn = layer.self_attn.take().map(|kv| kv.select(indices.clone()));
            layer.cross_attn = layer.cross_attn.take().map(|kv| kv.select(indices.clone()));
        }
    }
}

/// A decoder layer's linear layers, less the cross-attention's keys and values (computed once
/// per generation, over many rows), copied with one output per row. A decoding step of `b`
/// sequences multiplies `b` rows by every weight: in this layout the flex kernel streams the
/// weights once, in order (90M, greedy batch 16: the decoder's 40 steps took 0.99-1.06 s with
/// the rung-4 kernel, 0.81-0.84 s with these, the copy's 40 ms included). The copy costs the
/// decoder's linear weights once more in memory, for the length of a generation.
#[derive(Clone, Debug)]
struct StepWeights {
    self_q: TransposedLinear,
    self_k: TransposedLinear,
    self_v: TransposedLinear,
    self_out: TransposedLinear,
    cross_q: TransposedLinear,
    cross_out: TransposedLinear,
    fc1: TransposedLinear,
    fc2: TransposedLinear,
}

impl StepWeights {
    fn new(layer: &DecoderLayer) -> Self {
        let copy = TransposedLinear::from_linear;
        Self {
            self_q: copy(&layer.self_attn.q_proj),
            self_k: copy(&layer.self_attn.k_proj),
            self_v: copy(&layer.self_attn.v_proj),
            self_out: copy(&layer.self_attn.out_proj),
            cross_q: copy(&layer.encoder_attn.q_proj),
            cross_out: copy(&layer.encoder_attn.out_proj),
            fc1: copy(&layer.fc1),
            fc2: copy(&layer.fc2),
        }
    }
}

/// The fewest rows (sequences × new positions) for which a step takes [StepWeights]. Below,
/// the few-row kernel that reads burn's layout is as fast or faster (`[r, 512]·[512, 2048]`,
/// `benches/decoding_products.rs`: 281 against 685 µs at 16 rows, 280 against 451 at 12, 254
/// against 247 at 8, 295 against 174 at 4), and the copy would not pay for itself.
const STEP_WEIGHTS_MIN_ROWS: usize = 9;

/// `module` itself, or its copy in `step` (picked by `pick`) for a decoding step.
fn projection<'a>(
    module: &'a Linear,
    step: Option<&'a StepWeights>,
    pick: fn(&StepWeights) -> &TransposedLinear,
) -> Projection<'a> {
    match step {
        Some(step) => Projection::Transposed(pick(step)),
        None => Projection::Module(module),
    }
}

/// One decoder layer (HF names). Built by [Decoder::new].
#[derive(Module, Debug)]
pub struct DecoderLayer {
    /// Causal self-attention.
    pub self_attn: Attention,
    /// Layer norm after the self-attention residual.
    pub self_attn_layer_norm: LayerNorm,
    /// Cross-attention to the encoder output.
    pub encoder_attn: Attention,
    /// Layer norm after the cross-attention residual.
    pub encoder_attn_layer_norm: LayerNorm,
    /// Feed-forward in (`d_model -> decoder_ffn_dim`).
    pub fc1: Linear,
    /// Feed-forward out.
    pub fc2: Linear,
    /// Layer norm after the feed-forward residual.
    pub final_layer_norm: LayerNorm,
    /// Residual-branch dropout (`dropout`).
    pub dropout: Dropout,
    /// Dropout after the activation (`activation_dropout`).
    pub activation_dropout: Dropout,
}

impl DecoderLayer {
    fn new(config: &BlenderbotSmallConfig, device: &Device) -> Self {
        let d = config.d_model;
        let attn = || {
            Attention::new(
                d,
                config.decoder_attention_heads,
                config.attention_dropout,
                config.init_std,
                device,
            )
        };
        Self {
            self_attn: attn(),
            self_attn_layer_norm: LayerNormConfig::new(d).init(device),
            encoder_attn: attn(),
            encoder_attn_layer_norm: LayerNormConfig::new(d).init(device),
            fc1: hf_linear(d, config.decoder_ffn_dim, config.init_std, device),
            fc2: hf_linear(config.decoder_ffn_dim, d, config.init_std, device),
            final_layer_norm: LayerNormConfig::new(d).init(device),
            dropout: DropoutConfig::new(config.dropout).init(),
            activation_dropout: DropoutConfig::new(config.activation_dropout).init(),
        }
    }

    /// One layer on `t` new positions. Without a cache all `t` positions are the whole prefix.
    fn forward(
        &self,
        x: Tensor<3>,
        encoder_hidden: &Tensor<3>,
        cross_mask: &Tensor<3, Bool>,
        self_mask: &Tensor<3, Bool>,
        cache: Option<&mut DecoderLayerCache>,
        step: Option<&StepWeights>,
    ) -> Tensor<3> {
        let self_attn = &self.self_attn;
        let new_kv = self_attn.project_kv_with(
            (
                projection(&self_attn.k_proj, step, |s| &s.self_k),
                projection(&self_attn.v_proj, step, |s| &s.self_v),
            ),
            x.clone(),
        );
        let (self_kv, cross_kv) = match cache {
            Some(cache) => {
                let self_kv = match cache.self_attn.take() {
                    Some(past) => past.append(new_kv),
                    None => new_kv,
                };
                cache.self_attn = Some(self_kv.clone());
                let cross_kv = cache
                    .cross_attn
                    .get_or_insert_with(|| self.encoder_attn.project_kv(encoder_hidden.clone()))
                    .clone();
                (self_kv, cross_kv)
            }
            None => (new_kv, self.encoder_attn.project_kv(encoder_hidden.clone())),
        };

        let h = self_attn.attend_with(
            (
                projection(&self_attn.q_proj, step, |s| &s.self_q),
                projection(&self_attn.out_proj, step, |s| &s.self_out),
            ),
            x.clone(),
            &self_kv,
            Some(self_mask.clone()),
        );
        let x = residual_norm(&self.self_attn_layer_norm, &self.dropout, x, h);
        let cross_attn = &self.encoder_attn;
        let h = cross_attn.attend_with(
            (
                projection(&cross_attn.q_proj, step, |s| &s.cross_q),
                projection(&cross_attn.out_proj, step, |s| &s.cross_out),
            ),
            x.clone(),
            &cross_kv,
            Some(cross_mask.clone()),
        );
        let x = residual_norm(&self.encoder_attn_layer_norm, &self.dropout, x, h);
        feed_forward(
            (
                projection(&self.fc1, step, |s| &s.fc1),
                projection(&self.fc2, step, |s| &s.fc2),
            ),
            (&self.activation_dropout, &self.dropout),
            &self.final_layer_norm,
            x,
        )
    }
}

/// The decoder stack (HF names; the token embedding is the model's `shared`).
#[derive(Module, Debug)]
pub struct Decoder {
    /// Learned positions `[max_position_embeddings, d_model]`.
    pub embed_positions: Embedding,
    /// Layer norm on the token embeddings (before the positions are added).
    pub layernorm_embedding: LayerNorm,
    /// The layers.
    pub layers: Vec<DecoderLayer>,
    /// Embedding dropout (`dropout`).
    pub dropout: Dropout,
    /// Factor on the token embeddings: `sqrt(d_model)` with `scale_decoder_embedding`, else 1.
    pub embed_scale: f64,
}

impl Decoder {
    /// A randomly initialised decoder.
    pub fn new(config: &BlenderbotSmallConfig, device: &Device) -> Self {
        Self {
            embed_positions: super::model::hf_embedding(
                config.max_position_embeddings,
                config.d_model,
                config.init_std,
                device,
            ),
            layernorm_embedding: LayerNormConfig::new(config.d_model).init(device),
            layers: (0..config.decoder_layers)
                .map(|_| DecoderLayer::new(config, device))
                .collect(),
            dropout: DropoutConfig::new(config.dropout).init(),
            embed_scale: if config.scale_embedding && config.scale_decoder_embedding {
                (config.d_model as f64).sqrt()
            } else {
                1.0
            },
        }
    }

    /// Decodes token ids (see [Decoder::forward_embeds]).
    pub fn forward(
        &self,
        shared: &Embedding,
        decoder_input_ids: Tensor<2, Int>,
        encoder_hidden: &Tensor<3>,
        encoder_mask_pad: &Tensor<2, Bool>,
        cache: Option<&mut DecoderCache>,
    ) -> Tensor<3> {
        let embeds = shared.forward(decoder_input_ids);
        let embeds = if self.embed_scale != 1.0 {
            embeds * self.embed_scale
        } else {
            embeds
        };
        self.forward_embeds(embeds, encoder_hidden, encoder_mask_pad, cache)
    }

    /// Decodes token embeddings (HF `decoder_inputs_embeds`, unscaled): the hook for heads that
    /// prepend embeddings to the decoder input (e.g. Emstremo-style emotion/strategy embeddings).
    /// With a cache, `inputs_embeds` are the *new* positions only; they follow `cache.past_len`
    /// positions, and the cache grows by them.
    ///
    /// # Shapes
    /// - `inputs_embeds`: `[batch_size, t, d_model]`
    /// - `encoder_hidden`: `[batch_size, seq_length, d_model]`
    /// - `encoder_mask_pad`: `[batch_size, seq_length]`, `true` = padding
    /// - output: `[batch_size, t, d_model]`, the last hidden states
    ///
    /// # Panics
    /// If the shapes disagree, the cache has the wrong number of layers, or the positions exceed
    /// `max_position_embeddings`.
    pub fn forward_embeds(
        &self,
        inputs_embeds: Tensor<3>,
        encoder_hidden: &Tensor<3>,
        encoder_mask_pad: &Tensor<2, Bool>,
        mut cache: Option<&mut DecoderCache>,
    ) -> Tensor<3> {
        let [b, t, _] = inputs_embeds.dims();
        let [be, s, _] = encoder_hidden.dims();
        assert_eq!(b, be, "decoder and encoder batch sizes differ");
        assert_eq!(
            encoder_mask_pad.dims(),
            [b, s],
            "encoder_mask_pad must be [batch, seq_length]"
        );
        let device = inputs_embeds.device();
        let past = cache.as_ref().map_or(0, |c| c.past_len);
        if let Some(c) = cache.as_ref() {
            assert_eq!(
                c.layers.len(),
                self.layers.len(),
                "cache has the wrong number of layers"
            );
        }

        let x = layer_norm::forward(&self.layernorm_embedding, inputs_embeds)
            + positions(&self.embed_positions, past, t, &device);
        let mut x = dropout::forward(&self.dropout, x);
        let self_mask = causal_mask(b, t, past, &device);
        let cross_mask = key_padding_mask(encoder_mask_pad, t);
        let (mut layer_caches, step_weights) = match cache.as_deref_mut() {
            Some(DecoderCache {
                layers,
                step_weights,
                ..
            }) => {
                let step =
                    if b * t >= STEP_WEIGHTS_MIN_ROWS && transposed_linear::takes_kernel(&x) {
                        Some(&*step_weights.get_or_insert_with(|| {
                            self.layers.iter().map(StepWeights::new).collect()
                        }))
                    } else {
                        None
                    };
                (Some(layers), step)
            }
            None => (None, None),
        };
        for (i, layer) in self.layers.iter().enumerate() {
            let layer_cache = layer_caches.as_deref_mut().map(|c| &mut c[i]);
            let step = step_weights.map(|w| &w[i]);
            x = layer.forward(
                x,
                encoder_hidden,
                &cross_mask,
                &self_mask,
                layer_cache,
                step,
            );
        }
        if let Some(c) = cache {
            c.past_len += t;
        }
        x
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::BlenderbotSmallConfig;
    use burn::tensor::Distribution;

    /// Cached decoding one position at a time gives the uncached logits at batch sizes on both
    /// sides of [STEP_WEIGHTS_MIN_ROWS], and the cache holds the layers' transposed copy exactly
    /// when a step has the rows (and this CPU the kernel).
    #[test]
    fn cached_steps_give_the_uncached_logits_with_and_without_step_weights() {
        let device = Device::flex();
        device.seed(3);
        let model = BlenderbotSmallConfig::tiny().init(&device);
        for b in [STEP_WEIGHTS_MIN_ROWS - 1, STEP_WEIGHTS_MIN_ROWS, 16] {
            let ids = |t: usize| -> Tensor<2, Int> {
                Tensor::<2>::random([b, t], Distribution::Uniform(4.0, 59.0), &device).int()
            };
            let (input, decoder_ids) = (ids(7), ids(5));
            let mask = input.clone().equal_elem(0);
            let full = model
                .forward(input.clone(), mask.clone(), decoder_ids.clone())
                .logits;
            let encoded = model.encode(input, mask.clone());
            let mut cache = model.new_cache();
            let steps: Vec<Tensor<3>> = (0..5)
                .map(|i| {
                    let step = decoder_ids.clone().slice([0..b, i..i + 1]);
                    model.decode(step, &encoded, &mask, Some(&mut cache))
                })
                .collect();
            let kernel = transposed_linear::takes_kernel(&Tensor::<2>::zeros([b, 1], &device));
            assert_eq!(
                cache.step_weights.is_some(),
                b >= STEP_WEIGHTS_MIN_ROWS && kernel,
                "batch {b}: the step weights"
            );
            let diff = (Tensor::cat(steps, 1) - full)
                .abs()
                .max()
                .into_scalar::<f32>();
            assert!(diff < 1e-5, "batch {b}: cached logits differ by {diff}");
        }
    }
}
