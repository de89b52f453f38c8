//! The BlenderBot-Small tokenizer: a pure-Rust port of transformers' slow
//! `BlenderbotSmallTokenizer` (4.57.1, `models/blenderbot_small/tokenization_blenderbot_small.py`)
//! plus the base class behaviour it relies on (added-token splitting, `decode`).
//!
//! It is id-for-id equal to the Python tokenizer with the 8 strategy tokens added as the STAR code
//! adds them (`toker.add_tokens(strategy_tokens, special_tokens=True)`), on every utterance of the
//! shared ESConv splits, on hand-written edge cases and on every Unicode code point
//! (`tests/tokenizer_parity.rs`, fixtures from `scripts/tokenizer_reference.py`).
//!
//! Pipeline of [`BlenderbotSmallTokenizer::encode`]:
//! 1. cut the text at added tokens (case-sensitive, anywhere, longest first);
//! 2. split the rest into words `\S+\n?` and each word into pieces (see `pretokenize`);
//! 3. lowercase each piece (Python 3.11 `str.lower`), BPE it with `merges.txt`;
//! 4. map each BPE token (non-final pieces carry `@@`) to its id; a token missing from
//!    `vocab.json` becomes `__unk__` (this happens: `",e"` gives `,@@` = `__unk__`, `e`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

use super::added_tokens::AddedTokens;
use super::bpe::{END_OF_WORD, Merges, Symbol};
use super::error::TokenizerError;
use super::pretokenize::{pieces, words};
use super::pystr::{py_lower, py_strip};
use super::vocab_files::{parse_merges, parse_vocab, read_utf8, utf8};
use super::{SpecialTokens, Tokenize};
use crate::Strategy;

/// Suffix of a non-final BPE token in `vocab.json`.
pub const CONTINUATION: &str = "@@";
/// Padding token (id 0 in BlenderBot-Small).
pub const PAD_TOKEN: &str = "__null__";
/// Beginning-of-sequence token (id 1).
pub const BOS_TOKEN: &str = "__start__";
/// End-of-sequence token (id 2).
pub const EOS_TOKEN: &str = "__end__";
/// Unknown token (id 3).
pub const UNK_TOKEN: &str = "__unk__";

/// Words whose ids are cached (the cache stops growing beyond this).
const CACHE_CAPACITY: usize = 1 << 18;

/// Options of [`BlenderbotSmallTokenizer::decode_with`], named and defaulted as in transformers'
/// `decode` for this tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Drop special tokens (pad, bos, eos, unk, strategy tokens). Default `false`.
    pub skip_special_tokens: bool,
    /// Apply `clean_up_tokenization` (`" ."` -> `"."`, `" n't"` -> `"n't"`, ...). Default `false`
    /// (`tokenizer_config.json` of BlenderBot-Small-90M does not set it; 4.57 defaults to `false`).
    pub clean_up_tokenization_spaces: bool,
    /// Join added-token pieces with a space. Default `true`.
    pub spaces_between_special_tokens: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            skip_special_tokens: false,
            clean_up_tokenization_spaces: false,
            spaces_between_special_tokens: true,
        }
    }
}

/// Ids of one interned BPE symbol when it ends a word or not (`None`: not in the vocabulary).
#[derive(Debug, Clone, Copy)]
struct SymbolIds {
    non_final: Option<u32>,
    last: Option<u32>,
}

/// BlenderBot-Small's BPE tokenizer, id-exact with transformers' slow `BlenderbotSmallTokenizer`.
///
/// Construction adds the 8 strategy tokens (`[Question]` .. `[Others]`, ids 54944..54951 with
/// the BlenderBot-Small vocabulary) as special tokens, as the STAR code does.
///
/// Encoding and decoding never fail and never panic. A word cache makes repeated words cheap;
/// the tokenizer is `Send + Sync` and can be shared between threads.
///
/// ```no_run
/// use esc_data::{BlenderbotSmallTokenizer, Strategy, Tokenize};
///
/// let dir = esc_data::paths::blenderbot_small_dir()?;
/// let tok = BlenderbotSmallTokenizer::from_dir(&dir)?;
/// let ids = tok.encode("I'm fine, thanks!");
/// assert_eq!(tok.decode(&ids), "i ' m fine , thanks !");
/// assert_eq!(tok.strategy_token_id(Strategy::Question), 54944);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BlenderbotSmallTokenizer {
    /// `vocab.json` (the slow tokenizer's `encoder`).
    vocab: HashMap<String, u32>,
    /// id -> token of `vocab.json` (the `decoder`; the last of duplicate ids wins).
    vocab_r: HashMap<u32, String>,
    merges: Merges,
    symbol_ids: Vec<SymbolIds>,
    added: AddedTokens,
    /// Special token strings: pad, bos, eos, unk, then the additional special tokens.
    special_strings: Vec<String>,
    special: SpecialTokens,
    strategy_ids: [u32; Strategy::COUNT],
    cache: RwLock<HashMap<Box<str>, Box<[u32]>>>,
}

impl Clone for BlenderbotSmallTokenizer {
    fn clone(&self) -> Self {
        Self {
            vocab: self.vocab.clone(),
            vocab_r: self.vocab_r.clone(),
            merges: self.merges.clone(),
            symbol_ids: self.symbol_ids.clone(),
            added: self.added.clone(),
            special_strings: self.special_strings.clone(),
            special: self.special,
            strategy_ids: self.strategy_ids,
            cache: RwLock::new(HashMap::new()),
        }
    }
}

impl BlenderbotSmallTokenizer {
    /// Loads `vocab.json` and `merges.txt` from a HF model folder (e.g. `blenderbot_small-90M`).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, TokenizerError> {
        let dir = dir.as_ref();
        Self::from_files(dir.join("vocab.json"), dir.join("merges.txt"))
    }

    /// Loads a `vocab.json` (tokens, non-final ones ending in `@@`) and a subword-nmt
    /// `merges.txt` (`#version` header, then `left right` per line, `</w>` marks word ends).
    pub fn from_files(
        vocab: impl AsRef<Path>,
        merges: impl AsRef<Path>,
    ) -> Result<Self, TokenizerError> {
        let (vocab, merges) = (vocab.as_ref(), merges.as_ref());
        let vocab_entries = parse_vocab(&read_utf8(vocab)?, vocab)?;
        let merge_pairs = parse_merges(&read_utf8(merges)?, merges)?;
        Self::from_parts(vocab_entries, &merge_pairs, vocab)
    }

    /// Builds from the contents of `vocab.json` and `merges.txt` held in memory, as
    /// [`from_files`](Self::from_files) reads them. Errors name the sources `<vocab.json>` and
    /// `<merges.txt>`.
    ///
    /// ```
    /// use esc_data::{BlenderbotSmallTokenizer, Tokenize};
    /// let vocab = r#"{"__start__": 0, "__end__": 1, "__unk__": 2, "__null__": 3, "hi": 4}"#;
    /// let merges = "#version: 0.2\nh i</w>\n";
    /// let tokenizer = BlenderbotSmallTokenizer::from_bytes(vocab, merges)?;
    /// assert_eq!(tokenizer.encode("hi"), vec![4]);
    /// # Ok::<(), esc_data::TokenizerError>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_files`](Self::from_files), without the I/O errors.
    pub fn from_bytes(
        vocab: impl AsRef<[u8]>,
        merges: impl AsRef<[u8]>,
    ) -> Result<Self, TokenizerError> {
        let (vocab_path, merges_path) = (Path::new("<vocab.json>"), Path::new("<merges.txt>"));
        let vocab_entries = parse_vocab(utf8(vocab.as_ref(), vocab_path)?, vocab_path)?;
        let merge_pairs = parse_merges(utf8(merges.as_ref(), merges_path)?, merges_path)?;
        Self::from_parts(vocab_entries, &merge_pairs, vocab_path)
    }

    /// Builds from parsed parts; `vocab_path` only names the file in errors.
    pub(crate) fn from_parts(
        vocab_entries: Vec<(String, u32)>,
        merge_pairs: &[(String, String)],
        vocab_path: &Path,
    ) -> Result<Self, TokenizerError> {
        let mut vocab = HashMap::with_capacity(vocab_entries.len());
        let mut vocab_r = HashMap::with_capacity(vocab_entries.len());
        for (token, id) in vocab_entries {
            vocab_r.insert(id, token.clone());
            vocab.insert(token, id);
        }
        let mut specials = [0u32; 4];
        for (slot, token) in specials
            .iter_mut()
            .zip([PAD_TOKEN, BOS_TOKEN, EOS_TOKEN, UNK_TOKEN])
        {
            *slot = *vocab
                .get(token)
                .ok_or_else(|| TokenizerError::MissingSpecialToken {
                    path: vocab_path.to_owned(),
                    token: token.to_owned(),
                })?;
        }
        let [pad, bos, eos, unk] = specials;
        let mut tokenizer = Self {
            vocab,
            vocab_r,
            merges: Merges::new(merge_pairs),
            symbol_ids: Vec::new(),
            added: AddedTokens::default(),
            // Order of `all_special_tokens`: bos, eos, unk, pad.
            special_strings: [BOS_TOKEN, EOS_TOKEN, UNK_TOKEN, PAD_TOKEN]
                .map(str::to_owned)
                .to_vec(),
            special: SpecialTokens { pad, bos, eos, unk },
            strategy_ids: [0; Strategy::COUNT],
            cache: RwLock::new(HashMap::new()),
        };
        // `PreTrainedTokenizer.__init__` registers the special tokens as added tokens.
        for (token, id) in [
            (BOS_TOKEN, bos),
            (EOS_TOKEN, eos),
            (UNK_TOKEN, unk),
            (PAD_TOKEN, pad),
        ] {
            tokenizer.added.insert(token, id, true);
        }
        let strategy_tokens = Strategy::ALL.map(|s| s.token());
        let refs: Vec<&str> = strategy_tokens.iter().map(String::as_str).collect();
        tokenizer.add_tokens(&refs, true);
        for (slot, token) in tokenizer.strategy_ids.iter_mut().zip(&strategy_tokens) {
            // Just added, so present.
            *slot = tokenizer.added.id(token).unwrap_or(unk);
        }
        Ok(tokenizer)
    }

    /// Adds tokens as `tokenizer.add_tokens(tokens, special_tokens=special)` does for plain
    /// strings: a token already in the vocabulary keeps its id, a new one gets the next id;
    /// tokens already added are skipped. Returns how many new ids were created.
    pub fn add_tokens(&mut self, tokens: &[&str], special: bool) -> usize {
        let mut next_id = self.vocab_size() as u32;
        let mut added = 0;
        for &token in tokens {
            if token.is_empty() || self.added.id(token).is_some() {
                continue;
            }
            let is_special = special || self.special_strings.iter().any(|s| s == token);
            let id = match self.vocab.get(token) {
                Some(&id) => id,
                None => {
                    let id = next_id;
                    next_id += 1;
                    added += 1;
                    id
                }
            };
            if is_special && !self.special_strings.iter().any(|s| s == token) {
                self.special_strings.push(token.to_owned());
            }
            self.added.insert(token, id, is_special);
        }
        self.refresh_symbol_ids();
        added
    }

    /// Recomputes the ids of the BPE symbols (added tokens take precedence) and empties the cache.
    fn refresh_symbol_ids(&mut self) {
        let symbol_ids = (0..self.merges.num_symbols() as u32)
            .map(|id| {
                let symbol = self.merges.symbol(id);
                SymbolIds {
                    non_final: self.token_id(&format!("{symbol}{CONTINUATION}")),
                    last: symbol
                        .strip_suffix(END_OF_WORD)
                        .and_then(|token| self.token_id(token)),
                }
            })
            .collect();
        self.symbol_ids = symbol_ids;
        self.cache_mut().clear();
    }

    fn cache_mut(&mut self) -> &mut HashMap<Box<str>, Box<[u32]>> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
        self.cache.get_mut().unwrap_or_else(|e| e.into_inner())
    }

    /// `_convert_token_to_id_with_added_voc` without the unknown fallback.
    fn token_id(&self, token: &str) -> Option<u32> {
        self.added
            .id(token)
            .or_else(|| self.vocab.get(&py_lower(token)).copied())
    }

    /// Size of `vocab.json` (transformers' `vocab_size`, without added tokens).
    pub fn base_vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// Id of `token` (added tokens first, then the lowercased token in `vocab.json`), or `None`.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.token_id(token)
    }

    /// Token string of `id` (`__unk__` for an unknown id), as `convert_ids_to_tokens`.
    pub fn id_to_token(&self, id: u32) -> &str {
        match self.added.by_id(id) {
            Some(t) => &t.content,
            None => self.vocab_r.get(&id).map_or(UNK_TOKEN, String::as_str),
        }
    }

    /// The token strings of `text`, as the Python `tokenize` returns them.
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        for segment in self.added.split(text) {
            if self.added.id(segment).is_some() {
                tokens.push(segment.to_owned());
                continue;
            }
            for word in words(segment) {
                pieces(word, |piece| {
                    let symbols = self.merges.bpe(&py_lower(piece));
                    let n = symbols.len();
                    for (i, symbol) in symbols.iter().enumerate() {
                        let s = match symbol {
                            Symbol::Known(id) => self.merges.symbol(*id),
                            Symbol::Unknown(s) => s,
                        };
                        tokens.push(if i + 1 < n {
                            format!("{s}{CONTINUATION}")
                        } else {
                            // The last symbol always ends with `</w>` (Python strips 4 chars).
                            s.strip_suffix(END_OF_WORD).unwrap_or(s).to_owned()
                        });
                    }
                });
            }
        }
        tokens
    }

    /// Ids of one word `\S+\n?` (cached).
    fn encode_word(&self, word: &str, ids: &mut Vec<u32>) {
        if let Some(cached) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(word)
        {
            ids.extend_from_slice(cached);
            return;
        }
        let start = ids.len();
        pieces(word, |piece| {
            let symbols = self.merges.bpe(&py_lower(piece));
            let n = symbols.len();
            for (i, symbol) in symbols.into_iter().enumerate() {
                let last = i + 1 == n;
                let id = match symbol {
                    Symbol::Known(s) => {
                        let known = self.symbol_ids[s as usize];
                        if last { known.last } else { known.non_final }
                    }
                    Symbol::Unknown(s) => {
                        if last {
                            self.token_id(s.strip_suffix(END_OF_WORD).unwrap_or(&s))
                        } else {
                            self.token_id(&format!("{s}{CONTINUATION}"))
                        }
                    }
                };
                ids.push(id.unwrap_or(self.special.unk));
            }
        });
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() < CACHE_CAPACITY {
            cache.insert(word.into(), ids[start..].into());
        }
    }

    /// Decodes `ids` as transformers' `decode(ids, **options)` does.
    pub fn decode_with(&self, ids: &[u32], options: &DecodeOptions) -> String {
        let is_special_string = |t: &str| self.special_strings.iter().any(|s| s == t);
        let mut sub_texts: Vec<String> = Vec::new();
        let mut current: Vec<&str> = Vec::new();
        for &id in ids {
            let added = self.added.by_id(id);
            if options.skip_special_tokens && added.is_some_and(|t| t.special) {
                continue;
            }
            let token = self.id_to_token(id);
            if options.skip_special_tokens && is_special_string(token) {
                continue;
            }
            if self.is_legacy_added(token) {
                if !current.is_empty() {
                    let s = tokens_to_string(&current);
                    if !s.is_empty() {
                        sub_texts.push(s);
                    }
                    current.clear();
                }
                sub_texts.push(token.to_owned());
            } else {
                current.push(token);
            }
        }
        if !current.is_empty() {
            sub_texts.push(tokens_to_string(&current));
        }
        let text = sub_texts.join(if options.spaces_between_special_tokens {
            " "
        } else {
            ""
        });
        if options.clean_up_tokenization_spaces {
            clean_up_tokenization(&text)
        } else {
            text
        }
    }

    /// transformers' `legacy_added_tokens`: added tokens that are not special, plus additional
    /// special tokens whose id is past `vocab.json`. They are decoded as separate pieces.
    fn is_legacy_added(&self, token: &str) -> bool {
        let Some(id) = self.added.id(token) else {
            return false;
        };
        let special = self.special_strings.iter().any(|s| s == token);
        let additional = self.special_strings[4..].iter().any(|s| s == token);
        !special || (additional && id as usize >= self.base_vocab_size())
    }

    /// The added tokens as (content, id, special), in the order they were added.
    pub fn added_tokens(&self) -> impl Iterator<Item = (&str, u32, bool)> {
        self.added
            .iter()
            .map(|t| (t.content.as_str(), t.id, t.special))
    }

    /// `vocab.json` entries (token, id), in no particular order.
    pub fn vocab(&self) -> impl Iterator<Item = (&str, u32)> {
        self.vocab.iter().map(|(t, &id)| (t.as_str(), id))
    }

    /// Merge pairs in rank order (the body of `merges.txt`, duplicates removed).
    pub fn merges(&self) -> Vec<(&str, &str)> {
        self.merges.pairs_by_rank()
    }

    /// Every string that occurs in a merge (as a part or a result).
    pub(crate) fn merge_symbols(&self) -> impl Iterator<Item = &str> {
        self.merges.symbols()
    }
}

/// `convert_tokens_to_string`: `" ".join(tokens).replace("@@ ", "").strip()`.
fn tokens_to_string(tokens: &[&str]) -> String {
    let joined = tokens.join(" ");
    py_strip(&joined.replace("@@ ", "")).to_owned()
}

/// `PreTrainedTokenizerBase.clean_up_tokenization`.
fn clean_up_tokenization(text: &str) -> String {
    text.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re")
}

impl BlenderbotSmallTokenizer {
    /// Token ids of `text` (no special tokens added), as `tokenizer.encode(text,
    /// add_special_tokens=False)` of transformers; the same as [Tokenize::encode], callable
    /// without importing the trait.
    ///
    /// ```
    /// use esc_data::tokenizer::{BpeTrainingConfig, train_bpe};
    ///
    /// let sample = esc_data::sample_splits()?;
    /// let texts = sample.train.iter().flat_map(|d| d.turns.iter().map(|t| t.text.as_str()));
    /// let tokenizer = train_bpe(texts, &BpeTrainingConfig::new(400))?.tokenizer()?;
    /// // No `use esc_data::tokenizer::Tokenize` needed.
    /// let ids = tokenizer.encode("i feel alone.");
    /// assert!(!ids.is_empty());
    /// assert_eq!(tokenizer.decode(&ids).replace(' ', ""), "ifeelalone.");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode(&self, text: &str) -> Vec<u32> {
        <Self as Tokenize>::encode(self, text)
    }

    /// Text of `ids` as [Tokenize::decode] gives it, callable without importing the trait.
    pub fn decode(&self, ids: &[u32]) -> String {
        <Self as Tokenize>::decode(self, ids)
    }
}

impl Tokenize for BlenderbotSmallTokenizer {
    fn encode(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::with_capacity(text.len() / 3 + 1);
        for segment in self.added.split(text) {
            if let Some(id) = self.added.id(segment) {
                ids.push(id);
                continue;
            }
            for word in words(segment) {
                self.encode_word(word, &mut ids);
            }
        }
        ids
    }

    fn decode(&self, ids: &[u32]) -> String {
        self.decode_with(ids, &DecodeOptions::default())
    }

    fn vocab_size(&self) -> usize {
        let new_added = self
            .added
            .iter()
            .filter(|t| !self.vocab.contains_key(&t.content))
            .count();
        self.vocab.len() + new_added
    }

    fn special_tokens(&self) -> SpecialTokens {
        self.special
    }

    fn strategy_token_id(&self, strategy: Strategy) -> u32 {
        self.strategy_ids[strategy.id()]
    }

    fn added_token_id(&self, token: &str) -> Option<u32> {
        self.added.id(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy vocabulary: "hello" and "lo" learnt, "," only as a final piece.
    fn toy() -> BlenderbotSmallTokenizer {
        let vocab = [
            "__null__",
            "__start__",
            "__end__",
            "__unk__",
            "hel@@",
            "lo",
            "hello",
            ",",
            "l@@",
            "h@@",
            "e@@",
            "o",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| (t.to_string(), i as u32))
        .collect();
        let merges = [("h", "e"), ("he", "l"), ("l", "o</w>"), ("hel", "lo</w>")]
            .map(|(a, b)| (a.to_owned(), b.to_owned()));
        BlenderbotSmallTokenizer::from_parts(vocab, &merges, Path::new("toy")).unwrap()
    }

    #[test]
    fn toy_encode_decode_and_strategy_tokens() {
        let t = toy();
        assert_eq!(t.vocab_size(), 12 + 8);
        assert_eq!(t.strategy_token_id(Strategy::Question), 12);
        assert_eq!(t.strategy_token_id(Strategy::Others), 19);
        assert_eq!(t.encode("Hello, HELLO"), vec![6, 7, 6]);
        assert_eq!(t.tokenize("helo"), ["hel@@", "o"]);
        // ",@@" is not in the vocabulary: unknown.
        assert_eq!(t.encode(",lo"), vec![3, 5]);
        assert_eq!(t.encode("[Question]hello"), vec![12, 6]);
        assert_eq!(t.decode(&[12, 4, 5, 2]), "[Question] hello __end__");
        let skip = DecodeOptions {
            skip_special_tokens: true,
            ..DecodeOptions::default()
        };
        assert_eq!(t.decode_with(&[12, 4, 5, 2, 99], &skip), "hello");
        assert_eq!(t.decode(&[4]), "hel@@");
        assert!(t.encode("").is_empty());
    }

    #[test]
    fn bad_files_name_the_file_and_line() {
        let dir = std::env::temp_dir().join(format!("esc-data-bad-tok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (vocab, merges) = (dir.join("vocab.json"), dir.join("merges.txt"));
        let good_vocab = r#"{"__null__": 0, "__start__": 1, "__end__": 2, "__unk__": 3}"#;
        let cases: [(&str, &[u8], &str); 4] = [
            ("{\n\"a\": 0,\n\"b\": x}", b"#v\n", "vocab.json:3:"),
            (good_vocab, b"#v\na b\nc d e\n", "merges.txt:3:"),
            (
                good_vocab,
                b"#v\na b\n\xff\xfe\n",
                "merges.txt:3: invalid UTF-8",
            ),
            (good_vocab, b"a b\n", "merges.txt:1: expected a header"),
        ];
        for (vocab_text, merges_bytes, expected) in cases {
            std::fs::write(&vocab, vocab_text).unwrap();
            std::fs::write(&merges, merges_bytes).unwrap();
            let err = BlenderbotSmallTokenizer::from_dir(&dir)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
        let missing = BlenderbotSmallTokenizer::from_dir(dir.join("nope")).unwrap_err();
        assert!(matches!(missing, TokenizerError::Io { .. }), "{missing}");
    }

    #[test]
    fn missing_special_token_is_an_error() {
        let vocab = vec![("__null__".to_owned(), 0)];
        let err = BlenderbotSmallTokenizer::from_parts(vocab, &[], Path::new("v.json"));
        assert!(matches!(
            err,
            Err(TokenizerError::MissingSpecialToken { token, .. }) if token == "__start__"
        ));
    }
}
