//! Deterministic BPE merge learning (Sennrich et al.'s algorithm, as `tokenizers`' BPE trainer
//! runs it), written here because `tokenizers`' trainer breaks ties between equally frequent
//! pairs by hash-map order, so two trainings on the same corpus give different vocabularies.
//!
//! Ties are broken by the pair's strings (lexicographically smallest first), so the result
//! depends only on the word counts.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

/// Symbols by id (specials, the sorted alphabet, suffixed final characters, merged symbols) and
/// merges by rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LearnedBpe {
    pub(crate) symbols: Vec<String>,
    pub(crate) merges: Vec<(String, String)>,
}

/// A pair to merge, ordered so that a max-heap pops the most frequent pair, then the
/// lexicographically smallest.
#[derive(Debug, PartialEq, Eq)]
struct Candidate {
    count: u64,
    strings: Reverse<(String, String)>,
    pair: (u32, u32),
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.count, &self.strings).cmp(&(other.count, &other.strings))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

struct Symbols {
    by_id: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Symbols {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.by_id.len() as u32;
        self.by_id.push(s.to_owned());
        self.ids.insert(s.to_owned(), id);
        id
    }
}

/// Learns merges until the vocabulary holds `vocab_size` symbols or no pair occurs at least
/// `min_frequency` times. The last character of each word carries `suffix` (`</w>`).
pub(crate) fn learn_bpe(
    word_counts: &BTreeMap<String, u64>,
    specials: &[&str],
    vocab_size: usize,
    min_frequency: u64,
    suffix: &str,
) -> LearnedBpe {
    let mut symbols = Symbols {
        by_id: Vec::new(),
        ids: HashMap::new(),
    };
    for s in specials {
        symbols.id(s);
    }
    let alphabet: BTreeSet<char> = word_counts.keys().flat_map(|w| w.chars()).collect();
    for c in alphabet {
        symbols.id(&c.to_string());
    }
    let mut words: Vec<(Vec<u32>, u64)> = Vec::with_capacity(word_counts.len());
    for (word, &count) in word_counts {
        let chars: Vec<char> = word.chars().collect();
        let Some((last, init)) = chars.split_last() else {
            continue;
        };
        let mut ids: Vec<u32> = init.iter().map(|c| symbols.id(&c.to_string())).collect();
        ids.push(symbols.id(&format!("{last}{suffix}")));
        words.push((ids, count));
    }

    let mut pair_counts: HashMap<(u32, u32), u64> = HashMap::new();
    let mut where_found: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    for (i, (ids, count)) in words.iter().enumerate() {
        for pair in ids.windows(2).map(|w| (w[0], w[1])) {
            *pair_counts.entry(pair).or_default() += count;
            where_found.entry(pair).or_default().push(i);
        }
    }
    let candidate = |pair: (u32, u32), count: u64, symbols: &Symbols| Candidate {
        count,
        strings: Reverse((
            symbols.by_id[pair.0 as usize].clone(),
            symbols.by_id[pair.1 as usize].clone(),
        )),
        pair,
    };
    let mut heap: BinaryHeap<Candidate> = pair_counts
        .iter()
        .map(|(&pair, &count)| candidate(pair, count, &symbols))
        .collect();

    let mut merges = Vec::new();
    while symbols.by_id.len() < vocab_size {
        let Some(top) = heap.pop() else { break };
        // Entries are pushed again whenever a count changes: skip the stale ones.
        if pair_counts.get(&top.pair).copied().unwrap_or(0) != top.count {
            continue;
        }
        if top.count < min_frequency {
            break;
        }
        let (left, right) = top.strings.0;
        let merged = symbols.id(&format!("{left}{right}"));
        merges.push((left, right));

        let mut word_ids = where_found.remove(&top.pair).unwrap_or_default();
        word_ids.sort_unstable();
        word_ids.dedup();
        let mut changed: HashSet<(u32, u32)> = HashSet::new();
        for i in word_ids {
            let (ids, count) = &mut words[i];
            if !ids.windows(2).any(|w| (w[0], w[1]) == top.pair) {
                continue; // the pair was merged away by an earlier merge
            }
            for pair in ids.windows(2).map(|w| (w[0], w[1])) {
                if let Some(c) = pair_counts.get_mut(&pair) {
                    *c -= *count;
                }
                changed.insert(pair);
            }
            let mut next = Vec::with_capacity(ids.len());
            let mut k = 0;
            while k < ids.len() {
                if k + 1 < ids.len() && (ids[k], ids[k + 1]) == top.pair {
                    next.push(merged);
                    k += 2;
                } else {
                    next.push(ids[k]);
                    k += 1;
                }
            }
            *ids = next;
            for pair in ids.windows(2).map(|w| (w[0], w[1])) {
                *pair_counts.entry(pair).or_default() += *count;
                where_found.entry(pair).or_default().push(i);
                changed.insert(pair);
            }
        }
        pair_counts.remove(&top.pair);
        for pair in changed {
            match pair_counts.get(&pair).copied() {
                Some(0) => {
                    pair_counts.remove(&pair);
                }
                Some(count) if pair != top.pair => heap.push(candidate(pair, count, &symbols)),
                _ => {}
            }
        }
    }
    LearnedBpe {
        symbols: symbols.by_id,
        merges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_frequent_pair_first_and_ties_by_strings() {
        // "low" x5, "lower" x2, "newest" x6, "widest" x3 (the classic example).
        let counts: BTreeMap<String, u64> =
            [("low", 5), ("lower", 2), ("newest", 6), ("widest", 3)]
                .into_iter()
                .map(|(w, c)| (w.to_owned(), c))
                .collect();
        let learned = learn_bpe(&counts, &["<unk>"], 1000, 2, "</w>");
        let first: Vec<(&str, &str)> = learned
            .merges
            .iter()
            .take(4)
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        // e+s and s+t</w> (9 each): tie broken by strings ("e" < "s"); then es+t</w> (9),
        // l+o (7), then n+e and e+w (6 each): "e" < "n".
        assert_eq!(first, [("e", "s"), ("es", "t</w>"), ("l", "o"), ("e", "w")]);
        assert!(learned.merges.len() >= 4);
        assert_eq!(learned.symbols[0], "<unk>");
    }
}
