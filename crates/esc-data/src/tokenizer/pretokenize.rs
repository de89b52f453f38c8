//! The slow tokenizer's text pre-processing before BPE (`_tokenize` and the top of `bpe`).
//!
//! ```text
//! words = re.findall(r"\S+\n?", text)                 # per word:
//! token = re.sub("([.,!?()])", r" \1", token)         # space before . , ! ? ( )
//! token = re.sub("(')", r" \1 ", token)               # spaces around '
//! token = re.sub(r"\s{2,}", " ", token)                # collapse runs of whitespace
//! token = token.replace("\n", " __newln__")           # a trailing newline becomes a piece
//! pieces = [p for p in token.split(" ") if p]          # then each piece is lowercased + BPE'd
//! ```
//!
//! Worked out: a word has no whitespace except one optional trailing `\n`, so the pieces are
//! runs of ordinary characters, each of `. , ! ? ( )` starts a new piece, `'` is a piece of its
//! own, and the newline gives a `__newln__` piece unless the word ends with `'` (the collapse
//! step then swallows the newline: `"x'\n"` gives `x`, `'`).

/// The piece a newline after a word becomes.
pub(crate) const NEWLINE_PIECE: &str = "__newln__";

/// `re.findall(r"\S+\n?", text)` where `\s` is Unicode `White_Space`.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find(|c: char| !c.is_whitespace())?;
        let word_and_after = &rest[start..];
        let mut end = word_and_after
            .find(char::is_whitespace)
            .unwrap_or(word_and_after.len());
        if word_and_after[end..].starts_with('\n') {
            end += 1;
        }
        let word = &word_and_after[..end];
        rest = &word_and_after[end..];
        Some(word)
    })
}

/// Calls `f` on each piece of one word (before lowercasing), in order.
pub(crate) fn pieces(word: &str, mut f: impl FnMut(&str)) {
    let (core, newline) = match word.strip_suffix('\n') {
        Some(core) => (core, true),
        None => (word, false),
    };
    let mut start = 0;
    for (i, c) in core.char_indices() {
        match c {
            '.' | ',' | '!' | '?' | '(' | ')' => {
                if start < i {
                    f(&core[start..i]);
                }
                start = i;
            }
            '\'' => {
                if start < i {
                    f(&core[start..i]);
                }
                f("'");
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < core.len() {
        f(&core[start..]);
    }
    if newline && !core.ends_with('\'') {
        f(NEWLINE_PIECE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_pieces(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for w in words(text) {
            pieces(w, |p| out.push(p.to_owned()));
        }
        out
    }

    #[test]
    fn words_keep_one_trailing_newline() {
        let w: Vec<_> = words(" a\n\nb\r\nc\u{3000}d\n").collect();
        assert_eq!(w, ["a\n", "b", "c", "d\n"]);
        assert_eq!(words("").count(), 0);
        assert_eq!(words(" \n\t").count(), 0);
    }

    #[test]
    fn pieces_follow_the_regex_rules() {
        assert_eq!(all_pieces("Hi, you!"), ["Hi", ",", "you", "!"]);
        assert_eq!(all_pieces("a.b..c"), ["a", ".b", ".", ".c"]);
        assert_eq!(
            all_pieces("I'm x'\ny'"),
            ["I", "'", "m", "x", "'", "y", "'"]
        );
        assert_eq!(
            all_pieces(".\n(a)\n"),
            [".", "__newln__", "(a", ")", "__newln__"]
        );
    }
}
