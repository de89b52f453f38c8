//! `nltk.word_tokenize` in Rust: Punkt sentence splitting, then the improved
//! Treebank word tokenizer on each sentence.
//!
//! The ESC evaluation scripts tokenise with `nltk.word_tokenize(text.lower())`
//! (nltk 3.10, Punkt `english` model); [`WordTokenizer::tokenize_lowercased`] is
//! exactly that. The sentence split matters: Treebank only splits a period off the
//! very end of its input, so `"hello. how are you"` gives `hello` `.` only after
//! Punkt has cut it into two sentences. Parity with nltk is tested on every
//! utterance of the ESConv valid and test splits.

mod chars;
mod punkt;
mod punkt_params;
mod treebank;
mod unicode_tables;

pub use punkt::PunktSentenceTokenizer;
pub use punkt_params::PunktParameters;
pub use treebank::treebank_tokenize;

use treebank::Passes;

/// Reusable buffers of [`WordTokenizer::for_each_token`].
#[derive(Debug, Clone, Default)]
pub(crate) struct TokenScratch {
    chars: Vec<char>,
    passes: Passes,
}

/// `nltk.word_tokenize(text, language="english", preserve_line=False)`.
///
/// Building one parses the embedded Punkt model (about a millisecond); reuse it.
#[derive(Debug, Clone)]
pub struct WordTokenizer {
    punkt: PunktSentenceTokenizer,
}

impl Default for WordTokenizer {
    fn default() -> Self {
        Self::english()
    }
}

impl WordTokenizer {
    /// The English tokenizer (Punkt `english` model, embedded).
    ///
    /// ```
    /// let tok = esc_metrics::tokenize::WordTokenizer::english();
    /// assert_eq!(tok.tokenize("Hello. How are you?"), ["Hello", ".", "How", "are", "you", "?"]);
    /// ```
    pub fn english() -> Self {
        Self::with_sentence_tokenizer(PunktSentenceTokenizer::english())
    }

    /// A word tokenizer over a given Punkt sentence tokenizer.
    ///
    /// ```
    /// use esc_metrics::tokenize::{PunktSentenceTokenizer, WordTokenizer};
    /// let tok = WordTokenizer::with_sentence_tokenizer(PunktSentenceTokenizer::english());
    /// assert_eq!(tok.tokenize("I can't."), ["I", "ca", "n't", "."]);
    /// ```
    pub fn with_sentence_tokenizer(punkt: PunktSentenceTokenizer) -> Self {
        Self { punkt }
    }

    /// `nltk.word_tokenize(text)`.
    ///
    /// ```
    /// let tok = esc_metrics::tokenize::WordTokenizer::english();
    /// // Without the sentence split, "hello." would stay one token.
    /// assert_eq!(tok.tokenize("hello. how are you"), ["hello", ".", "how", "are", "you"]);
    /// ```
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.tokenize_into(text, &mut out);
        out
    }

    /// `nltk.word_tokenize(text.lower())`: the tokenisation of the ESC metrics.
    ///
    /// ```
    /// let tok = esc_metrics::tokenize::WordTokenizer::english();
    /// assert_eq!(tok.tokenize_lowercased("I'm FINE."), ["i", "'m", "fine", "."]);
    /// ```
    pub fn tokenize_lowercased(&self, text: &str) -> Vec<String> {
        self.tokenize(&chars::py_lower(text))
    }

    /// Like [`tokenize`](Self::tokenize), appending to `out` (which is not cleared).
    ///
    /// ```
    /// let tok = esc_metrics::tokenize::WordTokenizer::english();
    /// let mut out = vec!["<s>".to_string()];
    /// tok.tokenize_into("Hi!", &mut out);
    /// assert_eq!(out, ["<s>", "Hi", "!"]);
    /// ```
    pub fn tokenize_into(&self, text: &str, out: &mut Vec<String>) {
        let chars: Vec<char> = text.chars().collect();
        let mut passes = Passes::default();
        for (start, end) in self.punkt.span_tokenize_chars(&chars) {
            passes.run(&chars[start..end], |t| out.push(t.iter().collect()));
        }
    }

    /// Tokenises `text` (lowercased first when `lowercase`, as Python's
    /// `str.lower()`), handing each token to `f` as characters; `scratch` holds
    /// the buffers, so a warm call allocates nothing per token.
    pub(crate) fn for_each_token(
        &self,
        text: &str,
        lowercase: bool,
        scratch: &mut TokenScratch,
        mut f: impl FnMut(&[char]),
    ) {
        let chars = &mut scratch.chars;
        chars.clear();
        if lowercase {
            chars::py_lower_into(text, chars);
        } else {
            chars.extend(text.chars());
        }
        for (start, end) in self.punkt.span_tokenize_chars(chars) {
            scratch.passes.run(&chars[start..end], &mut f);
        }
    }

    /// The sentence tokenizer (first step).
    ///
    /// ```
    /// let tok = esc_metrics::tokenize::WordTokenizer::english();
    /// assert_eq!(tok.sentence_tokenizer().tokenize("A. B."), ["A.", "B."]);
    /// ```
    pub fn sentence_tokenizer(&self) -> &PunktSentenceTokenizer {
        &self.punkt
    }
}
