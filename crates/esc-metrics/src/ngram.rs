//! Dense integer ids for the n-grams of interned token ids within one
//! hypothesis/references pair, and the per-pair n-gram statistics of
//! [`GenerationMetrics`](crate::GenerationMetrics) computed on them (clipped BLEU
//! counts, unigram overlap).
//!
//! The id of an n-gram is looked up from the id of its (n-1)-gram prefix and its
//! last token (one `u64`-keyed lookup per position and order), so n-grams compare
//! as integers and counts live in flat arrays indexed by id, reused across pairs.
//! Ids are exact (no hashing of n-grams into fewer bits), so every count equals
//! the one of the generic slice-keyed functions. The tables are cleared per pair
//! and stay small (cache-resident), and n-grams that cannot match are skipped
//! before any lookup.

use crate::hash::FxHashMap;

/// Marks an n-gram that cannot match the other side of the pair: a reference
/// n-gram the hypothesis lacks, or a hypothesis n-gram with a token no reference
/// has. It gets no id and no count.
const UNKNOWN: u32 = u32::MAX;

/// Counts of one n-gram order, indexed by n-gram id; all zero between pairs.
#[derive(Debug, Clone, Default)]
struct Scratch {
    hyp: Vec<u32>,
    reference: Vec<u32>,
    max_ref: Vec<u32>,
}

/// What one hypothesis/references pair contributes, order by order (`[n - 1]`).
#[derive(Debug, Clone, Default)]
pub(crate) struct PairCounts {
    /// BLEU clipped matches and totals, as nltk's `modified_precision` returns them
    /// (`totals` is at least 1).
    pub(crate) clipped: Vec<u64>,
    pub(crate) totals: Vec<u64>,
    /// Per reference: `sum(min(hyp count, reference count))` over unigrams (the
    /// overlap of `Counter(hyp) & Counter(ref)`).
    pub(crate) unigram_overlap: Vec<u32>,
}

/// The n-gram id tables and counters up to `max_order`.
#[derive(Debug, Clone)]
pub(crate) struct NgramCounter {
    max_order: usize,
    /// `local[n - 2]`: (id of the (n-1)-gram prefix, last token) -> id of the
    /// n-gram, for the current pair (unigram ids are the token ids).
    local: Vec<FxHashMap<u64, u32>>,
    scratch: Vec<Scratch>,
    /// `hyp_ids[n - 1]`: the pair-local n-gram ids of the current hypothesis.
    hyp_ids: Vec<Vec<u32>>,
    /// The same for the current reference.
    ref_ids: Vec<Vec<u32>>,
    /// Per token id: whether a reference of the current pair has it.
    in_reference: Vec<bool>,
}

fn key(prefix: u32, token: u32) -> u64 {
    (u64::from(prefix) << 32) | u64::from(token)
}

impl NgramCounter {
    /// Counts of orders `1..=max_order` (`max_order >= 1`).
    pub(crate) fn new(max_order: usize) -> Self {
        Self {
            max_order,
            local: vec![FxHashMap::default(); max_order - 1],
            scratch: vec![Scratch::default(); max_order],
            hyp_ids: vec![Vec::new(); max_order],
            ref_ids: vec![Vec::new(); max_order],
            in_reference: Vec::new(),
        }
    }

    /// Fills `ids[n - 1]` with the n-gram ids of `tokens` (the tokens themselves
    /// for n = 1); new n-grams get new ids when `intern`, else they are
    /// [`UNKNOWN`]. N-grams (n >= 2) with a token that is not `known` are
    /// [`UNKNOWN`] without a lookup: they cannot match the other side of the pair.
    fn sentence_ids(
        maps: &mut [FxHashMap<u64, u32>],
        tokens: &[u32],
        intern: bool,
        known: impl Fn(u32) -> bool,
        ids: &mut [Vec<u32>],
    ) {
        ids[0].clear();
        ids[0].extend_from_slice(tokens);
        for n in 2..=ids.len() {
            let (lower, upper) = ids.split_at_mut(n - 1);
            let (prev, out) = (&lower[n - 2], &mut upper[0]);
            let map = &mut maps[n - 2];
            out.clear();
            let count = tokens.len().saturating_sub(n - 1);
            if count == 0 {
                continue;
            }
            for (&p, &last) in prev[..count].iter().zip(&tokens[n - 1..]) {
                let prefix_known = if n == 2 { known(p) } else { p != UNKNOWN };
                let id = if !prefix_known || !known(last) {
                    UNKNOWN
                } else if intern {
                    let next = u32::try_from(map.len()).expect("fewer than 2^32 n-grams");
                    *map.entry(key(p, last)).or_insert(next)
                } else {
                    map.get(&key(p, last)).copied().unwrap_or(UNKNOWN)
                };
                out.push(id);
            }
        }
    }

    /// Counts one pair: BLEU statistics of every order and the unigram overlap
    /// with each reference. `vocab` is the number of token ids in use (every id
    /// in the pair is below it).
    pub(crate) fn add_pair(
        &mut self,
        hypothesis: &[u32],
        references: &[Vec<u32>],
        vocab: usize,
        out: &mut PairCounts,
    ) {
        out.clipped.clear();
        out.totals.clear();
        out.unigram_overlap.clear();
        out.unigram_overlap.resize(references.len(), 0);

        for map in &mut self.local {
            map.clear();
        }
        if self.in_reference.len() < vocab {
            self.in_reference.resize(vocab, false);
        }
        for &t in references.iter().flatten() {
            self.in_reference[t as usize] = true;
        }
        let in_reference = &self.in_reference;
        Self::sentence_ids(
            &mut self.local,
            hypothesis,
            true,
            |t| in_reference[t as usize],
            &mut self.hyp_ids,
        );
        for n in 1..=self.max_order {
            let len = if n == 1 {
                vocab
            } else {
                self.local[n - 2].len()
            };
            let s = &mut self.scratch[n - 1];
            for v in [&mut s.hyp, &mut s.reference, &mut s.max_ref] {
                if v.len() < len {
                    v.resize(len, 0);
                }
            }
            for &id in &self.hyp_ids[n - 1] {
                if id != UNKNOWN {
                    s.hyp[id as usize] += 1;
                }
            }
        }
        for &t in references.iter().flatten() {
            self.in_reference[t as usize] = false;
        }

        for (r, reference) in references.iter().enumerate() {
            let in_hypothesis = &self.scratch[0].hyp;
            Self::sentence_ids(
                &mut self.local,
                reference,
                false,
                |t| in_hypothesis[t as usize] > 0,
                &mut self.ref_ids,
            );
            for n in 1..=self.max_order {
                let s = &mut self.scratch[n - 1];
                let ids = &self.ref_ids[n - 1];
                for &id in ids {
                    if id != UNKNOWN && s.hyp[id as usize] > 0 {
                        s.reference[id as usize] += 1;
                    }
                }
                let mut overlap = 0;
                for &id in ids {
                    if id == UNKNOWN {
                        continue;
                    }
                    let i = id as usize;
                    let c = s.reference[i];
                    if c > 0 {
                        overlap += c.min(s.hyp[i]);
                        s.max_ref[i] = s.max_ref[i].max(c);
                        s.reference[i] = 0;
                    }
                }
                if n == 1 {
                    out.unigram_overlap[r] = overlap;
                }
            }
        }

        for (n, ids) in (1..=self.max_order).zip(&self.hyp_ids) {
            let s = &mut self.scratch[n - 1];
            let mut clipped = 0u64;
            for &id in ids {
                let i = id as usize;
                if id != UNKNOWN && s.hyp[i] > 0 {
                    clipped += u64::from(s.hyp[i].min(s.max_ref[i]));
                    s.hyp[i] = 0;
                    s.max_ref[i] = 0;
                }
            }
            // nltk: a hypothesis shorter than n gives 0 / 1.
            out.clipped.push(clipped);
            out.totals.push((ids.len() as u64).max(1));
        }
    }
}
