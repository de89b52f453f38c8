//! Punkt sentence splitting: nltk 3.10 `PunktSentenceTokenizer.tokenize(text)`
//! (`realign_boundaries=True`), the first step of `nltk.word_tokenize`.
//!
//! Mirrors `nltk/tokenize/punkt.py`: candidate sentence ends are `.`, `?`, `!`
//! followed by punctuation or by whitespace and a token (`period_context_re`);
//! each candidate's context (the word before it, the mark, the token after it) is
//! word-tokenised with Punkt's own regex and annotated (first pass: abbreviations,
//! ellipses, sentence-end marks; second pass: collocations, orthographic and
//! sentence-starter heuristics, initials and ordinals). Closing quotes and brackets
//! after a break are moved back onto the sentence they close. All positions are
//! character (code point) indices, as in Python.

use super::chars::{PY_LOWER, PY_SPACE, PY_UPPER, REGEX_DIGIT, REGEX_SPACE, REGEX_WORD, py_lower};
use super::punkt_params::{ORTHO_BEG_LC, ORTHO_LC, ORTHO_MID_UC, ORTHO_UC, PunktParameters};
use crate::hash::{FxHashMap, FxHashSet};
use std::sync::{Arc, OnceLock};

/// Punkt sentence tokenizer with fixed (pre-trained) parameters.
///
/// Cloning is cheap (the model is shared).
#[derive(Debug, Clone)]
pub struct PunktSentenceTokenizer {
    model: Arc<Model>,
}

/// The parameters, and the same sets with the fast hasher for the lookups (the
/// public [`PunktParameters`] keeps std's hasher).
#[derive(Debug)]
struct Model {
    params: PunktParameters,
    abbrev_types: FxHashSet<String>,
    /// First type -> the second types it forms a collocation with.
    collocations: FxHashMap<String, FxHashSet<String>>,
    sent_starters: FxHashSet<String>,
    ortho_context: FxHashMap<String, u32>,
}

impl Model {
    fn new(params: PunktParameters) -> Self {
        let mut collocations: FxHashMap<String, FxHashSet<String>> = FxHashMap::default();
        for (a, b) in &params.collocations {
            collocations.entry(a.clone()).or_default().insert(b.clone());
        }
        Self {
            abbrev_types: params.abbrev_types.iter().cloned().collect(),
            collocations,
            sent_starters: params.sent_starters.iter().cloned().collect(),
            ortho_context: params
                .ortho_context
                .iter()
                .map(|(k, &v)| (k.clone(), v))
                .collect(),
            params,
        }
    }

    fn ortho(&self, typ: &str) -> u32 {
        self.ortho_context.get(typ).copied().unwrap_or(0)
    }
}

/// A candidate sentence end (`period_context_re` match).
#[derive(Debug, Clone, Copy)]
struct EndMatch {
    /// Index of the `.`/`?`/`!`.
    pos: usize,
    /// End of the `after_tok` group.
    after_end: usize,
    /// Start of the `next_tok` group, when the mark is followed by whitespace.
    next_tok: Option<usize>,
}

/// One Punkt word token with its annotations (nltk `PunktToken`).
#[derive(Debug)]
struct PunktToken {
    tok: String,
    typ: String,
    period_final: bool,
    sentbreak: bool,
    abbr: bool,
    ellipsis: bool,
}

/// The orthographic heuristic's three answers.
#[derive(Debug, PartialEq, Eq)]
enum Ortho {
    Starter,
    NotStarter,
    Unknown,
}

impl PunktSentenceTokenizer {
    /// A tokenizer with the given parameters.
    ///
    /// ```
    /// use esc_metrics::tokenize::{PunktParameters, PunktSentenceTokenizer};
    /// let t = PunktSentenceTokenizer::new(PunktParameters::english());
    /// assert_eq!(t.tokenize("Hi. Bye."), ["Hi.", "Bye."]);
    /// ```
    pub fn new(params: PunktParameters) -> Self {
        Self {
            model: Arc::new(Model::new(params)),
        }
    }

    /// The tokenizer of `nltk.sent_tokenize(text, "english")`, with the embedded model.
    ///
    /// ```
    /// use esc_metrics::tokenize::PunktSentenceTokenizer;
    /// let t = PunktSentenceTokenizer::english();
    /// assert_eq!(t.tokenize("Dr. Smith is here. Come in!"), ["Dr. Smith is here.", "Come in!"]);
    /// ```
    pub fn english() -> Self {
        // Parsed once per process, then shared.
        static ENGLISH: OnceLock<Arc<Model>> = OnceLock::new();
        let model = ENGLISH.get_or_init(|| Arc::new(Model::new(PunktParameters::english())));
        Self {
            model: Arc::clone(model),
        }
    }

    /// The parameters in use.
    ///
    /// ```
    /// let t = esc_metrics::tokenize::PunktSentenceTokenizer::english();
    /// assert!(t.params().sent_starters.contains("however"));
    /// ```
    pub fn params(&self) -> &PunktParameters {
        &self.model.params
    }

    /// Splits `text` into sentences, as nltk `PunktSentenceTokenizer.tokenize(text)`.
    ///
    /// ```
    /// let t = esc_metrics::tokenize::PunktSentenceTokenizer::english();
    /// assert_eq!(t.tokenize("(Sent1.) Sent2."), ["(Sent1.)", "Sent2."]);
    /// assert!(t.tokenize("   ").is_empty());
    /// ```
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        self.span_tokenize_chars(&chars)
            .into_iter()
            .map(|(s, e)| chars[s..e].iter().collect())
            .collect()
    }

    /// Sentence spans of `text` as `(start, end)` character indices (nltk `span_tokenize`).
    pub(crate) fn span_tokenize_chars(&self, text: &[char]) -> Vec<(usize, usize)> {
        let slices = self.slices(text);
        realign_boundaries(text, &slices)
    }

    /// nltk `_slices_from_text`.
    fn slices(&self, text: &[char]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut last_break = 0;
        for (m, context) in potential_end_contexts(text) {
            if self.text_contains_sentbreak(&context) {
                out.push((last_break, m.pos + 1));
                last_break = m.next_tok.unwrap_or(m.pos + 1);
            }
        }
        out.push((last_break, rstrip_len(text)));
        out
    }

    /// nltk `text_contains_sentbreak`: a break on any token but the last.
    fn text_contains_sentbreak(&self, context: &[char]) -> bool {
        let mut tokens = tokenize_words(context);
        for t in tokens.iter_mut() {
            self.first_pass(t);
        }
        for i in 0..tokens.len().saturating_sub(1) {
            let (head, tail) = tokens.split_at_mut(i + 1);
            self.second_pass(&mut head[i], &tail[0]);
            if head[i].sentbreak {
                return true;
            }
        }
        false
    }

    /// nltk `_first_pass_annotation`.
    fn first_pass(&self, t: &mut PunktToken) {
        let tok = t.tok.as_str();
        if tok == "." || tok == "?" || tok == "!" {
            t.sentbreak = true;
        } else if is_ellipsis(tok) {
            t.ellipsis = true;
        } else if t.period_final && !tok.ends_with("..") {
            let stem = py_lower(&tok[..tok.len() - 1]);
            let last_part = stem.rsplit('-').next().unwrap_or("");
            if self.model.abbrev_types.contains(&stem)
                || self.model.abbrev_types.contains(last_part)
            {
                t.abbr = true;
            } else {
                t.sentbreak = true;
            }
        }
    }

    /// nltk `_second_pass_annotation` of `t1` given the next token `t2`.
    fn second_pass(&self, t1: &mut PunktToken, t2: &PunktToken) {
        if !t1.period_final {
            return;
        }
        let typ = type_no_period(&t1.typ);
        let next_typ = type_no_sentperiod(t2);
        let is_initial = is_initial(&t1.tok);

        // Collocation heuristic.
        if self
            .model
            .collocations
            .get(typ)
            .is_some_and(|seconds| seconds.contains(next_typ))
        {
            t1.sentbreak = false;
            t1.abbr = true;
            return;
        }
        // Abbreviations and ellipses followed by a likely sentence start.
        if (t1.abbr || t1.ellipsis) && !is_initial {
            if self.ortho_heuristic(t2) == Ortho::Starter {
                t1.sentbreak = true;
                return;
            }
            if first_upper(&t2.tok) && self.model.sent_starters.contains(next_typ) {
                t1.sentbreak = true;
                return;
            }
        }
        // Initials and ordinals.
        if is_initial || typ == "##number##" {
            let ortho = self.ortho_heuristic(t2);
            if ortho == Ortho::NotStarter {
                t1.sentbreak = false;
                t1.abbr = true;
                return;
            }
            if ortho == Ortho::Unknown
                && is_initial
                && first_upper(&t2.tok)
                && self.model.ortho(next_typ) & ORTHO_LC == 0
            {
                t1.sentbreak = false;
                t1.abbr = true;
            }
        }
    }

    /// nltk `_ortho_heuristic`: does `t` start a sentence?
    fn ortho_heuristic(&self, t: &PunktToken) -> Ortho {
        if matches!(t.tok.as_str(), ";" | ":" | "," | "." | "!" | "?") {
            return Ortho::NotStarter;
        }
        let ortho = self.model.ortho(type_no_sentperiod(t));
        if first_upper(&t.tok) && ortho & ORTHO_LC != 0 && ortho & ORTHO_MID_UC == 0 {
            return Ortho::Starter;
        }
        if first_lower(&t.tok) && (ortho & ORTHO_UC != 0 || ortho & ORTHO_BEG_LC == 0) {
            return Ortho::NotStarter;
        }
        Ortho::Unknown
    }
}

/// `type_no_period`: the type without a final period (unless it is only ".").
fn type_no_period(typ: &str) -> &str {
    if typ.ends_with('.') && typ.chars().count() > 1 {
        &typ[..typ.len() - 1]
    } else {
        typ
    }
}

/// `type_no_sentperiod`: without the final period only when the token breaks a sentence.
fn type_no_sentperiod(t: &PunktToken) -> &str {
    if t.sentbreak {
        type_no_period(&t.typ)
    } else {
        &t.typ
    }
}

fn first_upper(tok: &str) -> bool {
    tok.chars().next().is_some_and(|c| PY_UPPER.contains(c))
}

fn first_lower(tok: &str) -> bool {
    tok.chars().next().is_some_and(|c| PY_LOWER.contains(c))
}

/// `\.\.+$`: only periods, at least two.
fn is_ellipsis(tok: &str) -> bool {
    tok.len() >= 2 && tok.bytes().all(|b| b == b'.')
}

/// `[^\W\d]\.$`: one letter and a period.
fn is_initial(tok: &str) -> bool {
    let mut it = tok.chars();
    match (it.next(), it.next(), it.next()) {
        (Some(c), Some('.'), None) => REGEX_WORD.contains(c) && !REGEX_DIGIT.contains(c),
        _ => false,
    }
}

/// `^-?[\.,]?\d[\d,\.-]*\.?$` (a number, replaced by `##number##` in the type).
fn is_numeric(tok: &str) -> bool {
    let c: Vec<char> = tok.chars().collect();
    let mut i = 0;
    if c.get(i) == Some(&'-') {
        i += 1;
    }
    if matches!(c.get(i), Some('.') | Some(',')) {
        i += 1;
    }
    if !c.get(i).is_some_and(|&d| REGEX_DIGIT.contains(d)) {
        return false;
    }
    c[i + 1..]
        .iter()
        .all(|&d| REGEX_DIGIT.contains(d) || matches!(d, ',' | '.' | '-'))
}

impl PunktToken {
    fn new(tok: String) -> Self {
        let lower = py_lower(&tok);
        let typ = if is_numeric(&lower) {
            "##number##".to_owned()
        } else {
            lower
        };
        Self {
            period_final: tok.ends_with('.'),
            tok,
            typ,
            sentbreak: false,
            abbr: false,
            ellipsis: false,
        }
    }
}

/// Characters that cannot be inside a Punkt word (`_re_non_word_chars`).
fn is_non_word(c: char) -> bool {
    matches!(
        c,
        ')' | '"'
            | ';'
            | '}'
            | ']'
            | '*'
            | ':'
            | '@'
            | '\''
            | '('
            | '{'
            | '['
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201c}'
            | '\u{201d}'
            | '\u{ab}'
            | '\u{bb}'
            | '?'
            | '!'
    )
}

/// Characters a Punkt word may start with (`_re_word_start`).
fn is_word_start(c: char) -> bool {
    !matches!(
        c,
        '(' | '"'
            | '`'
            | '{'
            | '['
            | ':'
            | ';'
            | '&'
            | '#'
            | '*'
            | '@'
            | ')'
            | '}'
            | ']'
            | '-'
            | ','
    )
}

/// Closing punctuation moved back onto the previous sentence (`re_boundary_realignment`).
fn is_realign_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | ')'
            | ']'
            | '}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201c}'
            | '\u{201d}'
            | '\u{ab}'
            | '\u{bb}'
    )
}

/// `_re_multi_char_punct` at `pos`: `\-{2,}|\.{2,}|(?:\.\s){2,}\.`; returns the end.
fn multi_char_at(s: &[char], pos: usize) -> Option<usize> {
    let at = |i: usize| s.get(i).copied();
    for mark in ['-', '.'] {
        if at(pos) == Some(mark) && at(pos + 1) == Some(mark) {
            let mut end = pos + 2;
            while at(end) == Some(mark) {
                end += 1;
            }
            return Some(end);
        }
    }
    // (?:\.\s){2,}\.  (greedy repetitions, then backtrack one if no final period)
    let mut reps = 0;
    while at(pos + 2 * reps) == Some('.')
        && at(pos + 2 * reps + 1).is_some_and(|c| REGEX_SPACE.contains(c))
    {
        reps += 1;
    }
    if reps >= 2 && at(pos + 2 * reps) == Some('.') {
        return Some(pos + 2 * reps + 1);
    }
    if reps >= 3 {
        return Some(pos + 2 * (reps - 1) + 1);
    }
    None
}

/// The look-ahead that ends a Punkt word at `end`.
fn word_ends_at(s: &[char], end: usize) -> bool {
    let Some(&c) = s.get(end) else {
        return true;
    };
    if REGEX_SPACE.contains(c) || is_non_word(c) || multi_char_at(s, end).is_some() {
        return true;
    }
    if c == ',' {
        return match s.get(end + 1) {
            None => true,
            Some(&d) => {
                REGEX_SPACE.contains(d) || is_non_word(d) || multi_char_at(s, end + 1).is_some()
            }
        };
    }
    false
}

/// Punkt's word regex (`_word_tokenize_fmt`) on one line, with `findall` semantics.
fn line_words(line: &[char], out: &mut Vec<PunktToken>) {
    let mut pos = 0;
    while pos < line.len() {
        let c = line[pos];
        if REGEX_SPACE.contains(c) {
            pos += 1;
            continue;
        }
        let end = if let Some(end) = multi_char_at(line, pos) {
            end
        } else if is_word_start(c) {
            // \S+? : the shortest run of non-space characters that ends a word.
            let mut end = pos + 1;
            while !word_ends_at(line, end) {
                end += 1;
            }
            end
        } else {
            pos + 1
        };
        out.push(PunktToken::new(line[pos..end].iter().collect()));
        pos = end;
    }
}

/// nltk `_tokenize_words`: lines split on `\n`, blank lines skipped.
fn tokenize_words(text: &[char]) -> Vec<PunktToken> {
    let mut out = Vec::new();
    for line in text.split(|&c| c == '\n') {
        if line.iter().any(|&c| !PY_SPACE.contains(c)) {
            line_words(line, &mut out);
        }
    }
    out
}

/// `period_context_re().finditer(text)`.
fn period_matches(text: &[char]) -> Vec<EndMatch> {
    let mut out = Vec::new();
    for (i, &c) in text.iter().enumerate() {
        if !matches!(c, '.' | '?' | '!') {
            continue;
        }
        let Some(&d) = text.get(i + 1) else {
            continue;
        };
        if is_non_word(d) {
            out.push(EndMatch {
                pos: i,
                after_end: i + 2,
                next_tok: None,
            });
        } else if REGEX_SPACE.contains(d) {
            let mut j = i + 1;
            while j < text.len() && REGEX_SPACE.contains(text[j]) {
                j += 1;
            }
            if j < text.len() {
                let mut k = j;
                while k < text.len() && !REGEX_SPACE.contains(text[k]) {
                    k += 1;
                }
                out.push(EndMatch {
                    pos: i,
                    after_end: k,
                    next_tok: Some(j),
                });
            }
        }
    }
    out
}

/// nltk `_match_potential_end_contexts`: each candidate with the word before it,
/// dropping a candidate whose word overlaps the next one's (e.g. `!!!`).
fn potential_end_contexts(text: &[char]) -> Vec<(EndMatch, Vec<char>)> {
    let context = |slice: (usize, usize), m: &EndMatch| -> Vec<char> {
        let mut c: Vec<char> = text[slice.0..slice.1.max(slice.0)].to_vec();
        c.extend_from_slice(&text[m.pos..m.after_end]);
        c
    };
    let mut out = Vec::new();
    let mut prev_slice = (0usize, 0usize);
    let mut prev_match: Option<EndMatch> = None;
    for m in period_matches(text) {
        let before = &text[prev_slice.1.min(m.pos)..m.pos];
        // `_get_last_whitespace_index`: ASCII whitespace only; 0 also when none.
        let idx = before
            .iter()
            .rposition(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'))
            .unwrap_or(0);
        let start = if idx != 0 {
            idx + prev_slice.1 + 1
        } else {
            prev_slice.0
        };
        let word_slice = (start, m.pos);
        if let Some(pm) = prev_match
            && prev_slice.1 <= word_slice.0
        {
            out.push((pm, context(prev_slice, &pm)));
        }
        prev_match = Some(m);
        prev_slice = word_slice;
    }
    if let Some(pm) = prev_match {
        out.push((pm, context(prev_slice, &pm)));
    }
    out
}

/// Length of `text.rstrip()`.
fn rstrip_len(text: &[char]) -> usize {
    text.iter()
        .rposition(|&c| !PY_SPACE.contains(c))
        .map_or(0, |i| i + 1)
}

/// `re_boundary_realignment.match(s)`: closing marks then whitespace, `--` or the
/// end. Returns (length of the match without trailing whitespace, match end).
fn realign_match(s: &[char]) -> Option<(usize, usize)> {
    let run = s.iter().take_while(|&&c| is_realign_closer(c)).count();
    if run == 0 {
        return None;
    }
    let end = match s.get(run) {
        None => run,
        Some(&c) if REGEX_SPACE.contains(c) => {
            run + s[run..]
                .iter()
                .take_while(|&&c| REGEX_SPACE.contains(c))
                .count()
        }
        Some(&'-') if s.get(run + 1) == Some(&'-') => run,
        Some(_) => return None,
    };
    Some((rstrip_len(&s[..end]), end))
}

/// nltk `_realign_boundaries`.
fn realign_boundaries(text: &[char], slices: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut realign = 0;
    for (i, &(start, stop)) in slices.iter().enumerate() {
        let s1 = (start + realign, stop);
        let non_empty = s1.0 < s1.1.min(text.len());
        let Some(&(s2_start, s2_stop)) = slices.get(i + 1) else {
            if non_empty {
                out.push(s1);
            }
            continue;
        };
        let s2 = &text[s2_start.min(s2_stop)..s2_stop];
        if let Some((kept, end)) = realign_match(s2) {
            out.push((s1.0, s2_start + kept));
            realign = end;
        } else {
            realign = 0;
            if non_empty {
                out.push(s1);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let c: Vec<char> = s.chars().collect();
        tokenize_words(&c).into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn punkt_word_regex_splits_like_nltk() {
        // Expected values from nltk `PunktLanguageVars().word_tokenize(...)`.
        assert_eq!(
            words("hello, world... fine."),
            ["hello", ",", "world", "...", "fine."]
        );
        assert_eq!(words("(don't) go!"), ["(", "don", "'t", ")", "go", "!"]);
        assert_eq!(words("a. . . b--c"), ["a", ". . .", "b", "--", "c"]);
    }

    #[test]
    fn numbers_get_the_number_type() {
        assert!(is_numeric("3.5") && is_numeric("-.5") && is_numeric("1,000.") && is_numeric("5-"));
        assert!(!is_numeric("--5") && !is_numeric("a5") && !is_numeric("."));
    }

    #[test]
    fn overlapping_marks_keep_only_the_last() {
        let text: Vec<char> = "Very bad acting!!! I promise.".chars().collect();
        let ctx = potential_end_contexts(&text);
        assert_eq!(ctx.len(), 1);
        assert_eq!(ctx[0].1.iter().collect::<String>(), "acting!!! I");
    }
}
