//! Okapi BM25, score for score as `rank_bm25.BM25Okapi` (0.2.2) computes it
//! (`tests/bm25_parity.rs`, fixture from `scripts/bm25_reference.py`):
//!
//! - `idf(t) = ln(N - n_t + 0.5) - ln(n_t + 0.5)`; a negative idf is replaced by
//!   `epsilon · mean idf` (mean over all terms, negative ones included);
//! - `score(q, d) = Σ_{t in q} idf(t) · f(t,d)·(k1+1) / (f(t,d) + k1·(1 − b + b·|d|/avgdl))`,
//!   summed over the query's tokens *with* repetitions; unknown terms add 0.
//!
//! The index is an inverted one (term → documents holding it), so a query touches only the
//! documents sharing a term with it.

use std::collections::HashMap;

/// BM25 parameters (`rank_bm25` defaults: k1 1.5, b 0.75, epsilon 0.25; [`Bm25Params::default`]
/// uses the common k1 = 1.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25Params {
    /// Term-frequency saturation.
    pub k1: f64,
    /// Length normalisation.
    pub b: f64,
    /// Floor of negative idfs, as a fraction of the mean idf.
    pub epsilon: f64,
}

impl Default for Bm25Params {
    /// k1 1.2, b 0.75, epsilon 0.25.
    fn default() -> Self {
        Self {
            k1: 1.2,
            b: 0.75,
            epsilon: 0.25,
        }
    }
}

/// The tokens BM25 indexes: the text lowercased (Unicode), cut at every character that is not
/// alphanumeric (so punctuation, apostrophes and underscores separate tokens). Python:
/// `re.findall(r"[^\W_]+", text.lower())`.
///
/// ```
/// assert_eq!(esc_data::bm25_tokens("I'm SO tired... of_it!"), ["i", "m", "so", "tired", "of", "it"]);
/// ```
pub fn bm25_tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A BM25 index over tokenised documents.
///
/// ```
/// use esc_data::{Bm25, Bm25Params};
/// let docs = [vec!["i", "feel", "sad"], vec!["my", "job"], vec!["sad", "sad", "day"]];
/// let index = Bm25::new(&docs, Bm25Params::default());
/// let scores = index.scores(&["sad"]);
/// assert_eq!(scores[1], 0.0);
/// assert!(scores[2] > scores[0]); // two occurrences in a document of the same length
/// ```
#[derive(Debug, Clone)]
pub struct Bm25 {
    params: Bm25Params,
    terms: HashMap<String, u32>,
    idf: Vec<f64>,
    /// Per term: (document, term frequency), documents ascending.
    postings: Vec<Vec<(u32, u32)>>,
    /// Per document: `k1·(1 − b + b·|d|/avgdl)`.
    norm: Vec<f64>,
}

impl Bm25 {
    /// Indexes `docs` (each a list of tokens).
    ///
    /// # Panics
    /// If `docs` is empty (BM25's average length is undefined) or holds 2³² documents or more.
    pub fn new<D: AsRef<[S]>, S: AsRef<str>>(docs: &[D], params: Bm25Params) -> Self {
        assert!(!docs.is_empty(), "BM25 needs at least one document");
        assert!(u32::try_from(docs.len()).is_ok(), "too many documents");
        let mut terms: HashMap<String, u32> = HashMap::new();
        let mut postings: Vec<Vec<(u32, u32)>> = Vec::new();
        let mut total_len = 0usize;
        for (d, doc) in docs.iter().enumerate() {
            let doc = doc.as_ref();
            total_len += doc.len();
            // Terms in first-appearance order, as Python's dicts keep them.
            let mut counts: Vec<(u32, u32)> = Vec::new();
            for token in doc {
                let next = terms.len() as u32;
                let t = *terms.entry(token.as_ref().to_owned()).or_insert(next);
                if t as usize == postings.len() {
                    postings.push(Vec::new());
                }
                match counts.iter_mut().find(|(term, _)| *term == t) {
                    Some((_, c)) => *c += 1,
                    None => counts.push((t, 1)),
                }
            }
            for (t, c) in counts {
                postings[t as usize].push((d as u32, c));
            }
        }
        let n = docs.len() as f64;
        let avgdl = total_len as f64 / n;
        let mut idf: Vec<f64> = postings
            .iter()
            .map(|p| {
                let df = p.len() as f64;
                (n - df + 0.5).ln() - (df + 0.5).ln()
            })
            .collect();
        let mean = idf.iter().sum::<f64>() / idf.len().max(1) as f64;
        let floor = params.epsilon * mean;
        for v in idf.iter_mut().filter(|v| **v < 0.0) {
            *v = floor;
        }
        let norm = docs
            .iter()
            .map(|doc| {
                let dl = doc.as_ref().len() as f64;
                params.k1 * (1.0 - params.b + params.b * dl / avgdl)
            })
            .collect();
        Self {
            params,
            terms,
            idf,
            postings,
            norm,
        }
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.norm.len()
    }

    /// Always false (an index holds at least one document).
    pub fn is_empty(&self) -> bool {
        self.norm.is_empty()
    }

    /// The idf of `term` (0 for a term in no document).
    pub fn idf(&self, term: &str) -> f64 {
        self.terms.get(term).map_or(0.0, |&t| self.idf[t as usize])
    }

    /// Adds the BM25 score of every document for `query` into `scores` (one entry per
    /// document) and calls `touched` once per (term, document) posting visited.
    pub fn accumulate<S: AsRef<str>>(
        &self,
        query: &[S],
        scores: &mut [f64],
        touched: &mut impl FnMut(usize),
    ) {
        let k1 = self.params.k1;
        for token in query {
            let Some(&t) = self.terms.get(token.as_ref()) else {
                continue;
            };
            let idf = self.idf[t as usize];
            for &(d, tf) in &self.postings[t as usize] {
                let d = d as usize;
                let tf = f64::from(tf);
                // The expression as rank_bm25 writes it (same rounding).
                scores[d] += idf * (tf * (k1 + 1.0) / (tf + self.norm[d]));
                touched(d);
            }
        }
    }

    /// The BM25 score of every document for `query` (`BM25Okapi.get_scores`).
    pub fn scores<S: AsRef<str>>(&self, query: &[S]) -> Vec<f64> {
        let mut scores = vec![0.0; self.len()];
        self.accumulate(query, &mut scores, &mut |_| {});
        scores
    }
}
