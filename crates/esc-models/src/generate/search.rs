//! The decoding loops: greedy / sampling (HF `GenerationMixin._sample`) and beam search
//! (HF `_beam_search`), over any KV-cached [StepDecoder].

use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::{Rng, RngExt};

use super::config::GenerationConfig;
use super::processors::{NgramTable, StepContext, ngram_table, process, softmax, warp};
use crate::error::Error;

/// A model that extends a batch of decoder prefixes, keeping its own KV caches.
pub trait StepDecoder {
    /// Feeds the new decoder ids `[n_hyp, t_new]` (the whole prefix at the first call, then one
    /// token) and returns the next-token logits after the last one, `[n_hyp, vocab_size]`.
    fn step(&mut self, new_ids: Tensor<2, Int>) -> Tensor<2>;
    /// Keeps (and repeats) the hypotheses `indices` `[n_new]` in every cache, in that order.
    fn select(&mut self, indices: Tensor<1, Int>);
    /// The device of the model.
    fn device(&self) -> Device;
}

/// Token ids the loop needs.
#[derive(Clone, Copy, Debug)]
pub struct SpecialIds {
    /// End of sequence.
    pub eos: u32,
    /// Padding written after EOS.
    pub pad: u32,
}

/// Host ids `[n][t]` -> device tensor.
pub(crate) fn ids_tensor(rows: &[Vec<u32>], device: &Device) -> Tensor<2, Int> {
    let t = rows.first().map_or(0, Vec::len);
    let flat: Vec<i64> = rows
        .iter()
        .flat_map(|r| r.iter().map(|&x| x as i64))
        .collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), t]), device)
}

/// Device logits `[n, v]` -> host rows.
pub(crate) fn rows_of(logits: Tensor<2>) -> Vec<Vec<f32>> {
    let [n, v] = logits.dims();
    let flat = logits
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 logits");
    (0..n).map(|i| flat[i * v..(i + 1) * v].to_vec()).collect()
}

/// Runs greedy decoding or beam search (by `config`) from `prefixes` (equal lengths, usually
/// `[[decoder_start]]` per example), without a random-number generator. `encoder_ids` are the
/// padded encoder rows (for `encoder_no_repeat_ngram_size`). Returns one sequence per example,
/// prefix included, padded with `pad` after EOS to the common length (HF layout).
/// [GenerationConfig::max_new_tokens] counts the tokens after the prefix.
///
/// # Errors
/// [Error::InvalidConfig] if `config` is invalid or sets `do_sample` (use
/// [generate_with_sampled]).
///
/// # Panics
/// If the prefixes are empty or of different lengths, or `encoder_ids` has another batch size.
pub fn generate_with<D: StepDecoder>(
    decoder: &mut D,
    prefixes: Vec<Vec<u32>>,
    encoder_ids: &[Vec<u32>],
    config: &GenerationConfig,
    special: SpecialIds,
) -> Result<Vec<Vec<u32>>, Error> {
    config.require_deterministic("generate_with_sampled")?;
    run(decoder, prefixes, encoder_ids, config, special, None)
}

/// As [generate_with], and samples when [GenerationConfig::do_sample] is set, drawing from `rng`
/// (greedy decoding and beam search leave `rng` untouched).
///
/// # Errors
/// [Error::InvalidConfig] if `config` is invalid.
///
/// # Panics
/// As [generate_with].
pub fn generate_with_sampled<D: StepDecoder, R: Rng + ?Sized>(
    decoder: &mut D,
    prefixes: Vec<Vec<u32>>,
    encoder_ids: &[Vec<u32>],
    config: &GenerationConfig,
    special: SpecialIds,
    rng: &mut R,
) -> Result<Vec<Vec<u32>>, Error> {
    run(
        decoder,
        prefixes,
        encoder_ids,
        config,
        special,
        Some(&mut uniform(rng)),
    )
}

/// A uniform draw in `[0, 1)` for sampling; `None` for greedy decoding and beam search.
pub(crate) type Draw<'a> = Option<&'a mut dyn FnMut() -> f32>;

/// Uniform draws in `[0, 1)` from `rng`.
pub(crate) fn uniform<R: Rng + ?Sized>(rng: &mut R) -> impl FnMut() -> f32 + '_ {
    || rng.random::<f32>()
}

/// What [generate_with] and [generate_with_sampled] share: checks `config`, turns
/// `max_new_tokens` / `min_new_tokens` into `max_length` / `min_length` for these prefixes, then
/// runs the search.
pub(crate) fn run<D: StepDecoder>(
    decoder: &mut D,
    prefixes: Vec<Vec<u32>>,
    encoder_ids: &[Vec<u32>],
    config: &GenerationConfig,
    special: SpecialIds,
    draw: Draw<'_>,
) -> Result<Vec<Vec<u32>>, Error> {
    config.validate()?;
    assert!(!prefixes.is_empty(), "no prefix");
    let t0 = prefixes[0].len();
    assert!(
        t0 > 0 && prefixes.iter().all(|p| p.len() == t0),
        "prefixes must have one length"
    );
    assert_eq!(encoder_ids.len(), prefixes.len(), "encoder_ids batch size");
    // HF `_prepare_generated_length`: `max_new_tokens` / `min_new_tokens` become `max_length` /
    // `min_length` for this prefix.
    let config = GenerationConfig {
        max_length: config.max_length_for(t0),
        max_new_tokens: None,
        min_length: config.min_length_for(t0),
        min_new_tokens: None,
        ..config.clone()
    };
    let tables: Vec<Option<NgramTable>> = encoder_ids
        .iter()
        .map(|ids| {
            (config.encoder_no_repeat_ngram_size > 0)
                .then(|| ngram_table(ids, config.encoder_no_repeat_ngram_size))
        })
        .collect();
    Ok(if config.num_beams > 1 {
        super::beam::beam_search(decoder, prefixes, &tables, &config, special)
    } else {
        sample(decoder, prefixes, &tables, &config, special, draw)
    })
}

/// Greedy decoding, or sampling when `config.do_sample` (then `draw` is `Some`).
fn sample<D: StepDecoder>(
    decoder: &mut D,
    mut seqs: Vec<Vec<u32>>,
    tables: &[Option<NgramTable>],
    config: &GenerationConfig,
    special: SpecialIds,
    mut draw: Draw<'_>,
) -> Vec<Vec<u32>> {
    let device = decoder.device();
    let mut unfinished = vec![true; seqs.len()];
    let mut new_ids = ids_tensor(&seqs, &device);
    while seqs[0].len() < config.max_length && unfinished.iter().any(|&u| u) {
        let logits = rows_of(decoder.step(new_ids));
        let mut next = Vec::with_capacity(seqs.len());
        for (i, mut scores) in logits.into_iter().enumerate() {
            let ctx = StepContext {
                config,
                eos: special.eos,
                ids: &seqs[i],
                encoder_ngrams: tables[i].as_ref(),
            };
            process(&mut scores, &ctx);
            let token = match draw.as_deref_mut() {
                Some(draw) if config.do_sample => {
                    warp(&mut scores, config);
                    multinomial(&softmax(&scores), draw())
                }
                _ => argmax(&scores),
            };
            next.push(if unfinished[i] { token } else { special.pad });
        }
        for (i, &token) in next.iter().enumerate() {
            seqs[i].push(token);
            if token == special.eos {
                unfinished[i] = false;
            }
        }
        new_ids = ids_tensor(&next.iter().map(|&t| vec![t]).collect::<Vec<_>>(), &device);
    }
    seqs
}

/// First index of the maximum (torch.argmax).
pub(crate) fn argmax(scores: &[f32]) -> u32 {
    let mut best = 0;
    for (i, s) in scores.iter().enumerate() {
        if *s > scores[best] {
            best = i;
        }
    }
    best as u32
}

/// One draw from `probs` (inverse CDF of the uniform draw `u`).
fn multinomial(probs: &[f32], u: f32) -> u32 {
    let mut cumulative = 0.0;
    let mut last_positive = 0;
    for (i, p) in probs.iter().enumerate() {
        if *p > 0.0 {
            cumulative += p;
            last_positive = i;
            if u < cumulative {
                return i as u32;
            }
        }
    }
    last_positive as u32
}
