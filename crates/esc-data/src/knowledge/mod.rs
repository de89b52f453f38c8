//! Knowledge for KEMI-style inputs: given the dialog so far, text segments each led by a type
//! token, appended after the context by example building ([`build_examples_with`](crate::build_examples_with)).
//!
//! Two sources:
//! - [`DataKnowledge`]: the data's own per-turn fields (`knowledge` on seeker turns, `heal` on
//!   supporter turns), as in the STAR authors' processed files;
//! - [`Bm25Knowledge`]: BM25 retrieval over the training split's exemplars (a seeker utterance
//!   and the supporter response that follows it), needing nothing external; the retrieved
//!   responses are typed by their strategy token.

mod bm25;
mod data;
mod retriever;
mod segment;

pub use bm25::{Bm25, Bm25Params, bm25_tokens};
pub use data::DataKnowledge;
pub(crate) use data::{COMET_EXPECTED, HEAL_EXPECTED};
pub use retriever::{Bm25Knowledge, Exemplar, dialog_fingerprint};
pub use segment::{
    KNOWLEDGE_TOKENS, KnowledgeKind, KnowledgeSegment, KnowledgeTextError, parse_knowledge_text,
};

use crate::Dialog;

/// Where a knowledge source found unusable knowledge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("turn {turn}: field `{field}`: {source}")]
pub struct KnowledgeError {
    /// The turn holding the field.
    pub turn: usize,
    /// The field.
    pub field: &'static str,
    /// What is wrong with its text.
    #[source]
    pub source: KnowledgeTextError,
}

/// A source of knowledge for the response at a supporter turn.
///
/// `knowledge(dialog, turn)` may read the turns before `turn` (the dialog so far) and the
/// precomputed knowledge fields of turn `turn` itself (data prepared for that turn), never the
/// text or strategy of turn `turn` or anything later. The whole `dialog` is passed so that a
/// retriever can recognise, and exclude, the dialog itself.
pub trait KnowledgeSource: Send + Sync {
    /// The knowledge segments for the supporter turn `turn` of `dialog`, in input order.
    ///
    /// # Errors
    /// [`KnowledgeError`] for knowledge text that does not parse.
    fn knowledge(
        &self,
        dialog: &Dialog,
        turn: usize,
    ) -> Result<Vec<KnowledgeSegment>, KnowledgeError>;
}
