//! Character classes exactly as Python 3.11 and the `regex` module see them.
//!
//! nltk's tokenizers are regular expressions over Python strings; `\w`, `\d` and `\s`
//! (and `str.isspace`, `str.isupper`, ...) have Unicode definitions that differ
//! from Rust's `char` methods at the edges (variation selectors count as `\w` in
//! `regex`, `\x1c` is `str.isspace` but not `regex`'s `\s`, ...). The tables in
//! `unicode_tables.rs` are generated from Python itself.

use super::unicode_tables as t;

/// A character class: an ASCII bit mask plus the full range table.
pub(crate) struct Class {
    ascii: u128,
    ranges: &'static [(u32, u32)],
}

impl Class {
    const fn new(ranges: &'static [(u32, u32)]) -> Self {
        let mut ascii = 0u128;
        let mut i = 0;
        while i < ranges.len() {
            let (a, b) = ranges[i];
            let mut c = a;
            while c <= b && c < 128 {
                ascii |= 1 << c;
                c += 1;
            }
            i += 1;
        }
        Self { ascii, ranges }
    }

    /// Whether `c` belongs to the class.
    #[inline]
    pub(crate) fn contains(&self, c: char) -> bool {
        let u = c as u32;
        if u < 128 {
            return self.ascii & (1u128 << u) != 0;
        }
        self.ranges
            .binary_search_by(|&(a, b)| {
                if b < u {
                    std::cmp::Ordering::Less
                } else if a > u {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }
}

/// `\w` of the `regex` module (nltk's `redos` patterns).
pub(crate) static REGEX_WORD: Class = Class::new(t::REGEX_WORD);
/// `\d` of the `regex` module.
pub(crate) static REGEX_DIGIT: Class = Class::new(t::REGEX_DIGIT);
/// `\s` of the `regex` module.
pub(crate) static REGEX_SPACE: Class = Class::new(t::REGEX_SPACE);
/// `\w` of the stdlib `re` module (nltk's contraction rules).
pub(crate) static RE_WORD: Class = Class::new(t::RE_WORD);
/// `\s` of the stdlib `re` module.
pub(crate) static RE_SPACE: Class = Class::new(t::RE_SPACE);
/// `str.isspace` (what `str.split()` and `str.strip()` remove).
pub(crate) static PY_SPACE: Class = Class::new(t::PY_SPACE);
/// `str.isupper` of one character.
pub(crate) static PY_UPPER: Class = Class::new(t::PY_UPPER);
/// `str.islower` of one character.
pub(crate) static PY_LOWER: Class = Class::new(t::PY_LOWER);

/// Python's `str.lower()` (Rust's `to_lowercase` implements the same Unicode
/// mappings, including the final-sigma rule).
pub(crate) fn py_lower(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// Python `str.lower()` of `s`, appended to `out` as characters.
pub(crate) fn py_lower_into(s: &str, out: &mut Vec<char>) {
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.extend(s.to_lowercase().chars());
    }
}

/// Python `str.split()` over a char buffer: runs of non-space characters.
#[cfg(test)]
pub(crate) fn py_split(chars: &[char], out: &mut Vec<String>) {
    py_split_with(chars, |t| out.push(t.iter().collect()));
}

/// [`py_split`] handing each token to `f`.
pub(crate) fn py_split_with(chars: &[char], mut f: impl FnMut(&[char])) {
    let mut start = None;
    for (i, &c) in chars.iter().enumerate() {
        if PY_SPACE.contains(c) {
            if let Some(s) = start.take() {
                f(&chars[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        f(&chars[s..]);
    }
}

/// Case-insensitive match of one character against a lowercase ASCII letter, as
/// Python's `re` (`stdlib = true`) or `regex` (`stdlib = false`) does under `(?i)`.
#[inline]
pub(crate) fn ci_eq(c: char, lower: char, stdlib: bool) -> bool {
    if c.to_ascii_lowercase() == lower {
        return true;
    }
    match lower {
        'i' => c == '\u{130}' || (stdlib && c == '\u{131}'),
        's' => c == '\u{17f}',
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_agree_with_python_on_known_characters() {
        assert!(REGEX_WORD.contains('a') && REGEX_WORD.contains('_') && REGEX_WORD.contains('é'));
        assert!(
            REGEX_WORD.contains('\u{fe0f}'),
            "variation selector is a mark, so \\w"
        );
        assert!(!REGEX_WORD.contains('\u{263a}'));
        assert!(!REGEX_SPACE.contains('\u{1c}') && RE_SPACE.contains('\u{1c}'));
        assert!(PY_SPACE.contains('\u{a0}') && PY_SPACE.contains('\u{3000}'));
        assert!(REGEX_DIGIT.contains('7') && !REGEX_DIGIT.contains('\u{b2}'));
        assert!(PY_UPPER.contains('É') && PY_LOWER.contains('é') && !PY_LOWER.contains('1'));
    }

    #[test]
    fn python_split_drops_all_space_runs() {
        let chars: Vec<char> = "  a\u{1c}b\t c ".chars().collect();
        let mut out = Vec::new();
        py_split(&chars, &mut out);
        assert_eq!(out, ["a", "b", "c"]);
    }
}
