//! Logits processors and sampling warpers on host rows, in transformers' order
//! (`GenerationMixin._get_logits_processor`, 4.57): repetition penalty -> no-repeat n-gram ->
//! encoder no-repeat n-gram -> bad words -> min length -> forced EOS; then, when sampling,
//! temperature -> top-k -> top-p. Each function mirrors the HF class named in its doc.

use std::collections::HashMap;

use super::config::GenerationConfig;

/// N-gram table: the `n-1` prefix -> tokens that followed it (HF `_get_ngrams`).
pub type NgramTable = HashMap<Vec<u32>, Vec<u32>>;

/// All n-grams of `ids` (HF `_get_ngrams`).
pub fn ngram_table(ids: &[u32], n: usize) -> NgramTable {
    let mut table = NgramTable::new();
    if n == 0 || ids.len() < n {
        return table;
    }
    for window in ids.windows(n) {
        table
            .entry(window[..n - 1].to_vec())
            .or_default()
            .push(window[n - 1]);
    }
    table
}

/// Tokens banned after `ids` by `table` (HF `_get_generated_ngrams`); none while `ids` is shorter
/// than `n - 1`.
fn banned_by(table: &NgramTable, ids: &[u32], n: usize) -> Vec<u32> {
    if n == 0 || ids.len() + 1 < n {
        return Vec::new();
    }
    table
        .get(&ids[ids.len() + 1 - n..])
        .cloned()
        .unwrap_or_default()
}

/// HF `RepetitionPenaltyLogitsProcessor`: every token in `ids` gets `s * p` if `s < 0`, else `s / p`.
pub fn repetition_penalty(scores: &mut [f32], ids: &[u32], penalty: f64) {
    if penalty == 1.0 {
        return;
    }
    let penalty = penalty as f32;
    let mut seen = ids.to_vec();
    seen.sort_unstable();
    seen.dedup();
    for id in seen {
        if let Some(s) = scores.get_mut(id as usize) {
            *s = if *s < 0.0 { *s * penalty } else { *s / penalty };
        }
    }
}

/// HF `NoRepeatNGramLogitsProcessor`: ban tokens that would repeat an n-gram of `ids`.
pub fn no_repeat_ngram(scores: &mut [f32], ids: &[u32], n: usize) {
    if n == 0 || ids.len() + 1 < n {
        return;
    }
    let table = ngram_table(ids, n);
    ban(scores, &banned_by(&table, ids, n));
}

/// HF `EncoderNoRepeatNGramLogitsProcessor`: ban tokens that would form an n-gram of the encoder
/// input (`table` from [ngram_table] over the padded encoder row, as HF builds it).
pub fn encoder_no_repeat_ngram(scores: &mut [f32], ids: &[u32], table: &NgramTable, n: usize) {
    if n == 0 {
        return;
    }
    ban(scores, &banned_by(table, ids, n));
}

/// HF `NoBadWordsLogitsProcessor`: single ids are always banned; a longer sequence bans its last
/// id when `ids` ends with the rest.
pub fn bad_words(scores: &mut [f32], ids: &[u32], bad_words_ids: &[Vec<u32>]) {
    for word in bad_words_ids {
        let (last, prefix) = word.split_last().expect("validated non-empty");
        if ids.ends_with(prefix) {
            ban(scores, &[*last]);
        }
    }
}

/// HF `MinLengthLogitsProcessor`: EOS is banned while `cur_len < min_length`.
pub fn min_length(scores: &mut [f32], cur_len: usize, min_length: usize, eos: u32) {
    if cur_len < min_length {
        ban(scores, &[eos]);
    }
}

/// HF `ForcedEOSTokenLogitsProcessor`: at `cur_len == max_length - 1` only EOS is allowed (score 0).
pub fn forced_eos(scores: &mut [f32], cur_len: usize, max_length: usize, eos: u32) {
    if cur_len + 1 == max_length {
        scores.fill(f32::NEG_INFINITY);
        if let Some(s) = scores.get_mut(eos as usize) {
            *s = 0.0;
        }
    }
}

/// HF `TemperatureLogitsWarper`.
pub fn temperature(scores: &mut [f32], t: f64) {
    if t != 1.0 {
        let t = t as f32;
        scores.iter_mut().for_each(|s| *s /= t);
    }
}

/// HF `TopKLogitsWarper` (`min_tokens_to_keep = 1`): scores below the k-th largest become -inf.
pub fn top_k(scores: &mut [f32], k: usize) {
    if k == 0 || k >= scores.len() {
        return;
    }
    let mut sorted = scores.to_vec();
    sorted.sort_unstable_by(|a, b| b.total_cmp(a));
    let threshold = sorted[k - 1];
    scores
        .iter_mut()
        .filter(|s| **s < threshold)
        .for_each(|s| *s = f32::NEG_INFINITY);
}

/// HF `TopPLogitsWarper` (`min_tokens_to_keep = 1`): in ascending order, tokens whose cumulative
/// probability is `<= 1 - top_p` become -inf; the most likely token always stays.
pub fn top_p(scores: &mut [f32], p: f64) {
    if p >= 1.0 {
        return;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // Stable ascending sort, as torch.sort(descending=False) on CPU.
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let probs = softmax(scores);
    let limit = (1.0 - p) as f32;
    let mut cumulative = 0.0f32;
    let last = order.len() - 1;
    for (rank, &i) in order.iter().enumerate() {
        cumulative += probs[i];
        if cumulative <= limit && rank != last {
            scores[i] = f32::NEG_INFINITY;
        }
    }
}

/// Softmax of a row (`-inf` entries get probability 0).
pub fn softmax(scores: &[f32]) -> Vec<f32> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

/// Log-softmax of a row.
pub fn log_softmax(scores: &[f32]) -> Vec<f32> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = scores.iter().map(|s| (s - max).exp()).sum();
    let log_sum = max + sum.ln();
    scores.iter().map(|s| s - log_sum).collect()
}

fn ban(scores: &mut [f32], ids: &[u32]) {
    for &id in ids {
        if let Some(s) = scores.get_mut(id as usize) {
            *s = f32::NEG_INFINITY;
        }
    }
}

/// Everything one decoding step needs to process one hypothesis.
pub(crate) struct StepContext<'a> {
    pub config: &'a GenerationConfig,
    pub eos: u32,
    /// The hypothesis so far (start token included).
    pub ids: &'a [u32],
    /// N-grams of this hypothesis' encoder input.
    pub encoder_ngrams: Option<&'a NgramTable>,
}

/// The logits processors, in HF order.
pub(crate) fn process(scores: &mut [f32], ctx: &StepContext<'_>) {
    let c = ctx.config;
    let cur_len = ctx.ids.len();
    repetition_penalty(scores, ctx.ids, c.repetition_penalty);
    no_repeat_ngram(scores, ctx.ids, c.no_repeat_ngram_size);
    if let Some(table) = ctx.encoder_ngrams {
        encoder_no_repeat_ngram(scores, ctx.ids, table, c.encoder_no_repeat_ngram_size);
    }
    bad_words(scores, ctx.ids, &c.bad_words_ids);
    min_length(scores, cur_len, c.min_length, ctx.eos);
    if let Some(eos) = c.forced_eos_token_id {
        forced_eos(scores, cur_len, c.max_length, eos);
    }
}

/// The sampling warpers, in HF order.
pub(crate) fn warp(scores: &mut [f32], config: &GenerationConfig) {
    temperature(scores, config.temperature);
    top_k(scores, config.top_k);
    top_p(scores, config.top_p);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetition_penalty_divides_positive_and_multiplies_negative_scores() {
        let mut s = vec![2.0, -2.0, 1.0];
        repetition_penalty(&mut s, &[0, 1, 1], 2.0);
        assert_eq!(s, vec![1.0, -4.0, 1.0]);
    }

    #[test]
    fn no_repeat_bans_the_completing_token() {
        let mut s = vec![0.0; 6];
        // 3-grams so far: (1,2,3), (2,3,1), (3,1,2); the prefix (1,2) was followed by 3.
        no_repeat_ngram(&mut s, &[1, 2, 3, 1, 2], 3);
        assert_eq!(s[3], f32::NEG_INFINITY);
        assert_eq!(s.iter().filter(|x| x.is_infinite()).count(), 1);
    }

    #[test]
    fn top_p_keeps_the_most_likely_token() {
        let mut s = vec![0.0, 5.0, 1.0];
        top_p(&mut s, 0.01);
        assert_eq!(s[1], 5.0);
        assert!(s[0].is_infinite() && s[2].is_infinite());
    }
}
