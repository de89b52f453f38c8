//! The BPE merge loop of transformers' `BlenderbotSmallTokenizer.bpe`, on interned symbols.
//!
//! A word is split into characters, the last one gets the `</w>` end marker, then the pair with
//! the lowest merge rank is merged everywhere (left to right, non-overlapping) until no pair of
//! adjacent symbols has a rank. Symbols are interned so that pairs are looked up by two integers.

use std::collections::HashMap;

/// The end-of-word marker of `merges.txt`.
pub(crate) const END_OF_WORD: &str = "</w>";

/// A symbol of a word during merging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Symbol {
    /// A string that occurs in `merges.txt` (interned).
    Known(u32),
    /// A character (possibly with `</w>`) that no merge mentions: it can never merge.
    Unknown(String),
}

/// Merge ranks over interned symbols.
#[derive(Debug, Clone, Default)]
pub(crate) struct Merges {
    ids: HashMap<String, u32>,
    strings: Vec<String>,
    /// (left, right) -> (rank, merged symbol)
    ranks: HashMap<(u32, u32), (u32, u32)>,
}

impl Merges {
    /// Builds the ranks; a later duplicate of a pair takes the later rank (as `dict(zip(...))`).
    pub fn new(pairs: &[(String, String)]) -> Self {
        let mut merges = Self::default();
        for (rank, (a, b)) in pairs.iter().enumerate() {
            let left = merges.intern(a);
            let right = merges.intern(b);
            let merged = merges.intern(&format!("{a}{b}"));
            merges.ranks.insert((left, right), (rank as u32, merged));
        }
        merges
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.ids.insert(s.to_owned(), id);
        self.strings.push(s.to_owned());
        id
    }

    /// Number of interned symbols.
    pub fn num_symbols(&self) -> usize {
        self.strings.len()
    }

    /// The string of an interned symbol.
    pub fn symbol(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    /// The merge pairs in rank order (for export).
    pub fn pairs_by_rank(&self) -> Vec<(&str, &str)> {
        let mut pairs: Vec<_> = self.ranks.iter().collect();
        pairs.sort_by_key(|(_, (rank, _))| *rank);
        pairs
            .into_iter()
            .map(|((a, b), _)| (self.symbol(*a), self.symbol(*b)))
            .collect()
    }

    /// All interned symbol strings (merge parts and results).
    pub fn symbols(&self) -> impl Iterator<Item = &str> {
        self.strings.iter().map(String::as_str)
    }

    fn initial(&self, s: &str) -> Symbol {
        match self.ids.get(s) {
            Some(&id) => Symbol::Known(id),
            None => Symbol::Unknown(s.to_owned()),
        }
    }

    /// Merges the (already lowercased) `word`.
    pub fn bpe(&self, word: &str) -> Vec<Symbol> {
        let mut buf = [0u8; 4];
        let mut chars = word.chars().peekable();
        let mut symbols = Vec::with_capacity(word.len());
        while let Some(c) = chars.next() {
            if chars.peek().is_some() {
                symbols.push(self.initial(c.encode_utf8(&mut buf)));
            } else {
                symbols.push(self.initial(&format!("{c}{END_OF_WORD}")));
            }
        }
        while symbols.len() > 1 {
            let Some((_, left, right, merged)) = self.best_pair(&symbols) else {
                break;
            };
            let mut next = Vec::with_capacity(symbols.len());
            let mut i = 0;
            while i < symbols.len() {
                if i + 1 < symbols.len()
                    && symbols[i] == Symbol::Known(left)
                    && symbols[i + 1] == Symbol::Known(right)
                {
                    next.push(Symbol::Known(merged));
                    i += 2;
                } else {
                    next.push(symbols[i].clone());
                    i += 1;
                }
            }
            symbols = next;
        }
        symbols
    }

    /// The adjacent pair with the lowest rank: (rank, left, right, merged).
    fn best_pair(&self, symbols: &[Symbol]) -> Option<(u32, u32, u32, u32)> {
        symbols
            .windows(2)
            .filter_map(|w| match (&w[0], &w[1]) {
                (Symbol::Known(a), Symbol::Known(b)) => self
                    .ranks
                    .get(&(*a, *b))
                    .map(|&(rank, merged)| (rank, *a, *b, merged)),
                _ => None,
            })
            .min_by_key(|&(rank, ..)| rank)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(m: &Merges, symbols: &[Symbol]) -> Vec<String> {
        symbols
            .iter()
            .map(|s| match s {
                Symbol::Known(id) => m.symbol(*id).to_owned(),
                Symbol::Unknown(s) => format!("?{s}"),
            })
            .collect()
    }

    #[test]
    fn merges_lowest_rank_first_and_all_occurrences() {
        let pairs =
            [("a", "a"), ("aa", "a</w>"), ("b", "aa")].map(|(a, b)| (a.to_owned(), b.to_owned()));
        let m = Merges::new(&pairs);
        // a a a a a</w> -> aa aa a</w> -> aa aaa</w>
        assert_eq!(strings(&m, &m.bpe("aaaaa")), ["aa", "aaa</w>"]);
        assert_eq!(strings(&m, &m.bpe("baa")), ["b", "a", "a</w>"]);
        assert_eq!(strings(&m, &m.bpe("é")), ["?é</w>"]);
    }
}
