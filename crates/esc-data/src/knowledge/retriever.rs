//! [`Bm25Knowledge`]: BM25 retrieval of supporter responses from the training split.

use super::{
    Bm25, Bm25Params, KnowledgeError, KnowledgeKind, KnowledgeSegment, KnowledgeSource, bm25_tokens,
};
use crate::{Dialog, Speaker, Strategy};

/// One retrievable exemplar: a seeker utterance and the supporter response right after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemplar {
    /// [`dialog_fingerprint`] of the dialog it comes from.
    pub dialog: u64,
    /// The seeker utterance (what queries are matched against).
    pub seeker: String,
    /// The supporter response that follows it.
    pub response: String,
    /// The response's strategy.
    pub strategy: Strategy,
}

/// A dialog's identity for retrieval: FNV-1a (64 bit) over its turns' speakers and texts. Two
/// dialogs with the same turns have the same fingerprint.
pub fn dialog_fingerprint(dialog: &Dialog) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for turn in &dialog.turns {
        feed(&[match turn.speaker {
            Speaker::Seeker => 0xfe,
            Speaker::Supporter => 0xfd,
        }]);
        feed(turn.text.as_bytes());
        feed(&[0xff]); // not UTF-8: separates texts unambiguously
    }
    h
}

/// BM25 over the training split's exemplars.
///
/// - **Exemplars**: every supporter turn directly preceded by a seeker turn gives (seeker
///   utterance, supporter response, strategy), in split order (dialog, then turn).
/// - **Query**: the last seeker turn before the supporter turn (no seeker turn: no knowledge).
/// - **Scoring**: [`Bm25`] over [`bm25_tokens`] of the seeker utterances, k1 1.2, b 0.75,
///   epsilon 0.25 ([`Bm25Params::default`]).
/// - **Result**: the `top_k` exemplars with a positive score, highest first, ties broken by
///   exemplar index (deterministic), excluding every exemplar of the queried dialog itself
///   (matched by [`dialog_fingerprint`], so a training dialog never retrieves itself). Each
///   becomes a segment `[strategy token] response`.
///
/// The index is built once ([`Bm25Knowledge::new`]); a query allocates one score per exemplar.
///
/// ```
/// use esc_data::{Bm25Knowledge, KnowledgeSource};
/// let splits = esc_data::sample_splits()?;
/// let retriever = Bm25Knowledge::new(&splits.train, 2);
/// let dialog = &splits.test[0];
/// let turn = dialog.turns.iter().position(|t| t.strategy.is_some()).unwrap();
/// let knowledge = retriever.knowledge(dialog, turn.max(1)).unwrap();
/// assert!(knowledge.len() <= 2);
/// # Ok::<(), esc_data::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Bm25Knowledge {
    exemplars: Vec<Exemplar>,
    index: Option<Bm25>,
    top_k: usize,
}

impl Bm25Knowledge {
    /// Indexes the exemplars of `train`; queries return at most `top_k` of them.
    pub fn new(train: &[Dialog], top_k: usize) -> Self {
        let exemplars: Vec<Exemplar> = train
            .iter()
            .flat_map(|d| {
                let id = dialog_fingerprint(d);
                d.turns
                    .windows(2)
                    .filter_map(move |w| match (&w[0], &w[1]) {
                        (s, r)
                            if s.speaker == Speaker::Seeker && r.speaker == Speaker::Supporter =>
                        {
                            Some(Exemplar {
                                dialog: id,
                                seeker: s.text.clone(),
                                response: r.text.clone(),
                                strategy: r.strategy?,
                            })
                        }
                        _ => None,
                    })
            })
            .collect();
        Self::from_exemplars(exemplars, top_k)
    }

    /// An index over given exemplars.
    pub fn from_exemplars(exemplars: Vec<Exemplar>, top_k: usize) -> Self {
        let docs: Vec<Vec<String>> = exemplars.iter().map(|e| bm25_tokens(&e.seeker)).collect();
        let index = (!docs.is_empty()).then(|| Bm25::new(&docs, Bm25Params::default()));
        Self {
            exemplars,
            index,
            top_k,
        }
    }

    /// The exemplars, in index order.
    pub fn exemplars(&self) -> &[Exemplar] {
        &self.exemplars
    }

    /// The number of results per query.
    pub fn top_k(&self) -> usize {
        self.top_k
    }

    /// The `top_k` best exemplars for `query` as (exemplar index, score), best first, leaving
    /// out those of dialog `exclude` (a [`dialog_fingerprint`]).
    pub fn retrieve(&self, query: &str, exclude: Option<u64>) -> Vec<(usize, f64)> {
        let Some(index) = &self.index else {
            return Vec::new();
        };
        if self.top_k == 0 {
            return Vec::new();
        }
        let mut scores = vec![0.0; index.len()];
        let mut touched = Vec::new();
        index.accumulate(bm25_tokens(query).as_slice(), &mut scores, &mut |d| {
            touched.push(d)
        });
        // Best first; equal scores by exemplar index. `best` stays sorted and at most top_k long.
        let mut best: Vec<(usize, f64)> = Vec::with_capacity(self.top_k + 1);
        let better = |a: (usize, f64), b: (usize, f64)| a.1 > b.1 || (a.1 == b.1 && a.0 < b.0);
        for d in touched {
            let s = scores[d];
            if s <= 0.0 || Some(self.exemplars[d].dialog) == exclude {
                continue;
            }
            scores[d] = 0.0; // a document is touched once per query term: consider it once
            let cand = (d, s);
            if best.len() == self.top_k && !better(cand, best[best.len() - 1]) {
                continue;
            }
            let at = best.partition_point(|&b| better(b, cand));
            best.insert(at, cand);
            best.truncate(self.top_k);
        }
        best
    }
}

impl KnowledgeSource for Bm25Knowledge {
    fn knowledge(
        &self,
        dialog: &Dialog,
        turn: usize,
    ) -> Result<Vec<KnowledgeSegment>, KnowledgeError> {
        let before = &dialog.turns[..turn.min(dialog.turns.len())];
        let Some(seeker) = before.iter().rev().find(|t| t.speaker == Speaker::Seeker) else {
            return Ok(Vec::new());
        };
        let exclude = dialog_fingerprint(dialog);
        Ok(self
            .retrieve(&seeker.text, Some(exclude))
            .into_iter()
            .map(|(i, _)| {
                let e = &self.exemplars[i];
                KnowledgeSegment::new(KnowledgeKind::Strategy(e.strategy), e.response.clone())
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Emotion, Turn};

    fn dialog(turns: Vec<Turn>) -> Dialog {
        Dialog {
            emotion: Emotion::Sadness,
            problem: String::new(),
            situation: String::new(),
            experience: String::new(),
            survey: None,
            turns,
        }
    }

    fn train() -> Vec<Dialog> {
        vec![
            dialog(vec![
                Turn::seeker("I lost my job today"),
                Turn::supporter("That is hard", Strategy::ReflectionOfFeelings),
                Turn::seeker("my job was everything"),
                Turn::supporter("What did you do there?", Strategy::Question),
            ]),
            dialog(vec![
                Turn::seeker("my dog died"),
                Turn::supporter("I am so sorry", Strategy::AffirmationAndReassurance),
                Turn::supporter("Pets matter", Strategy::Information),
            ]),
            dialog(vec![
                Turn::seeker("I lost my job"),
                Turn::supporter("Try applying again", Strategy::ProvidingSuggestions),
            ]),
        ]
    }

    /// `train()` plus unrelated exemplars, so that the shared words get a positive idf.
    fn train_padded() -> Vec<Dialog> {
        let mut t = train();
        for w in ["rain", "exams", "money", "friends", "sleep", "moving"] {
            t.push(dialog(vec![
                Turn::seeker(w),
                Turn::supporter("I see", Strategy::Others),
            ]));
        }
        t
    }

    #[test]
    fn exemplars_are_seeker_then_supporter_pairs() {
        let r = Bm25Knowledge::new(&train(), 3);
        let responses: Vec<&str> = r.exemplars().iter().map(|e| e.response.as_str()).collect();
        assert_eq!(
            responses,
            [
                "That is hard",
                "What did you do there?",
                "I am so sorry",
                "Try applying again"
            ]
        );
    }

    #[test]
    fn never_returns_the_queried_dialog() {
        let train = train_padded();
        let r = Bm25Knowledge::new(&train, 10);
        // Dialog 0 asks about its job: dialog 2 matches best ("my" also finds dialog 1); its
        // own exemplars are excluded.
        let k = r.knowledge(&train[0], 3).unwrap();
        assert_eq!(
            k[0],
            KnowledgeSegment::new(
                KnowledgeKind::Strategy(Strategy::ProvidingSuggestions),
                "Try applying again"
            )
        );
        assert!(
            k.iter()
                .all(|s| s.text != "That is hard" && s.text != "What did you do there?")
        );
        // Unexcluded, the same query finds dialog 0's exemplars too.
        let all = r.retrieve("my job was everything", None);
        assert!(all.iter().any(|&(i, _)| i == 1));
        // No seeker turn before: nothing.
        let d = dialog(vec![Turn::supporter("Hi", Strategy::Question)]);
        assert!(r.knowledge(&d, 0).unwrap().is_empty());
    }

    #[test]
    fn ties_are_broken_by_exemplar_index_and_k_is_respected() {
        let same = |s: Strategy| {
            dialog(vec![
                Turn::seeker("lonely night"),
                Turn::supporter(s.name(), s),
            ])
        };
        let other = |w: &str| {
            dialog(vec![
                Turn::seeker(w),
                Turn::supporter("y", Strategy::Others),
            ])
        };
        // "lonely" in 3 of 7 exemplars: a positive idf.
        let train: Vec<Dialog> = vec![
            same(Strategy::Question),
            other("x"),
            same(Strategy::Information),
            same(Strategy::Others),
            other("u"),
            other("v"),
            other("w"),
        ];
        let r = Bm25Knowledge::new(&train, 2);
        let got = r.retrieve("so lonely tonight", None);
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [0, 2]);
        assert_eq!(got[0].1, got[1].1);
        assert!(
            Bm25Knowledge::new(&train, 0)
                .retrieve("lonely", None)
                .is_empty()
        );
        assert!(
            Bm25Knowledge::new(&[], 2)
                .retrieve("lonely", None)
                .is_empty()
        );
    }
}
