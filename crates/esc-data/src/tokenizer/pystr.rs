//! The few Python string semantics the slow tokenizer relies on, reproduced exactly.
//!
//! - `\s` of the `regex` module (word splitting `\S+\n?`) is Unicode `White_Space`, which is
//!   [`char::is_whitespace`] (checked on all code points against regex 2026.11.19).
//! - `str.isspace` (used by `str.strip` and `str.split`) is `White_Space` plus U+001C..U+001F.
//! - `str.lower` of Python 3.11 uses Unicode 14.0; Rust's [`str::to_lowercase`] uses a newer
//!   Unicode. The 55 code points that gained a lowercase mapping since then are kept unchanged,
//!   as Python 3.11 does, and the `Final_Sigma` rule (`Σ` -> `ς` at a word end) uses Python's
//!   `Cased`/`Case_Ignorable` classes where the two Unicode versions differ (53 ranges).

/// `str.isspace()` for one character.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `s.strip()` with Python's whitespace definition.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Upper-case letters that Rust lowercases but Python 3.11 (Unicode 14.0) leaves unchanged.
fn lower_unchanged_in_python(c: char) -> bool {
    matches!(
        c as u32,
        0x1C89
            | 0xA7CB
            | 0xA7CC
            | 0xA7CE
            | 0xA7D2
            | 0xA7D4
            | 0xA7DA
            | 0xA7DC
            | 0x10D50..=0x10D65
            | 0x16EA0..=0x16EB8
    )
}

/// How a character next to `Σ` decides between `σ` and the final `ς`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SigmaClass {
    /// `Cased` and not `Case_Ignorable`: a word goes on.
    Cased,
    /// `Case_Ignorable`: looked through.
    Ignorable,
    /// Neither: a word boundary.
    Other,
}

/// Code points whose class in Python 3.11 differs from Rust's (measured on all code points by
/// lowercasing `c + "Σ"` and `"A" + c + "Σ"` in both); the Python class is given.
const PYTHON_SIGMA_CLASS: [(u32, u32, SigmaClass); 53] = [
    (0x0295, 0x0295, SigmaClass::Cased),
    (0x0897, 0x0897, SigmaClass::Other),
    (0x0ECE, 0x0ECE, SigmaClass::Other),
    (0x1ACF, 0x1ADD, SigmaClass::Other),
    (0x1AE0, 0x1AEB, SigmaClass::Other),
    (0x1C89, 0x1C8A, SigmaClass::Other),
    (0xA7CB, 0xA7CF, SigmaClass::Other),
    (0xA7D2, 0xA7D2, SigmaClass::Other),
    (0xA7D4, 0xA7D4, SigmaClass::Other),
    (0xA7DA, 0xA7DC, SigmaClass::Other),
    (0xA7F1, 0xA7F1, SigmaClass::Other),
    (0x10D4E, 0x10D4E, SigmaClass::Other),
    (0x10D50, 0x10D65, SigmaClass::Other),
    (0x10D69, 0x10D6D, SigmaClass::Other),
    (0x10D6F, 0x10D6F, SigmaClass::Other),
    (0x10D70, 0x10D85, SigmaClass::Other),
    (0x10EC5, 0x10EC5, SigmaClass::Other),
    (0x10EFA, 0x10EFF, SigmaClass::Other),
    (0x11241, 0x11241, SigmaClass::Other),
    (0x113BB, 0x113C0, SigmaClass::Other),
    (0x113CE, 0x113CE, SigmaClass::Other),
    (0x113D0, 0x113D0, SigmaClass::Other),
    (0x113D2, 0x113D2, SigmaClass::Other),
    (0x113E1, 0x113E2, SigmaClass::Other),
    (0x1171E, 0x1171E, SigmaClass::Ignorable),
    (0x11B60, 0x11B60, SigmaClass::Other),
    (0x11B62, 0x11B64, SigmaClass::Other),
    (0x11B66, 0x11B66, SigmaClass::Other),
    (0x11DD9, 0x11DD9, SigmaClass::Other),
    (0x11F00, 0x11F01, SigmaClass::Other),
    (0x11F36, 0x11F3A, SigmaClass::Other),
    (0x11F40, 0x11F40, SigmaClass::Other),
    (0x11F42, 0x11F42, SigmaClass::Other),
    (0x11F5A, 0x11F5A, SigmaClass::Other),
    (0x13439, 0x13440, SigmaClass::Other),
    (0x13447, 0x13455, SigmaClass::Other),
    (0x1611E, 0x16129, SigmaClass::Other),
    (0x1612D, 0x1612F, SigmaClass::Other),
    (0x16D40, 0x16D42, SigmaClass::Other),
    (0x16D6B, 0x16D6C, SigmaClass::Other),
    (0x16EA0, 0x16EB8, SigmaClass::Other),
    (0x16EBB, 0x16ED3, SigmaClass::Other),
    (0x16FF2, 0x16FF3, SigmaClass::Other),
    (0x1DF25, 0x1DF2A, SigmaClass::Other),
    (0x1E030, 0x1E06D, SigmaClass::Other),
    (0x1E08F, 0x1E08F, SigmaClass::Other),
    (0x1E4EB, 0x1E4EF, SigmaClass::Other),
    (0x1E5EE, 0x1E5EF, SigmaClass::Other),
    (0x1E6E3, 0x1E6E3, SigmaClass::Other),
    (0x1E6E6, 0x1E6E6, SigmaClass::Other),
    (0x1E6EE, 0x1E6EF, SigmaClass::Other),
    (0x1E6F5, 0x1E6F5, SigmaClass::Other),
    (0x1E6FF, 0x1E6FF, SigmaClass::Other),
];

fn sigma_class(c: char) -> SigmaClass {
    let cp = c as u32;
    let found = PYTHON_SIGMA_CLASS.binary_search_by(|&(start, end, _)| {
        if end < cp {
            std::cmp::Ordering::Less
        } else if start > cp {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    if let Ok(i) = found {
        return PYTHON_SIGMA_CLASS[i].2;
    }
    // Ask Rust's own tables through the Final_Sigma rule it implements.
    if format!("{c}Σ").to_lowercase().ends_with('ς') {
        SigmaClass::Cased
    } else if format!("A{c}Σ").to_lowercase().ends_with('ς') {
        SigmaClass::Ignorable
    } else {
        SigmaClass::Other
    }
}

/// Python's `Final_Sigma` test for the `Σ` at `chars[i]`: a cased letter before it and none
/// after it, looking through case-ignorable characters on both sides.
fn is_final_sigma(chars: &[char], i: usize) -> bool {
    let before = chars[..i]
        .iter()
        .rev()
        .map(|&c| sigma_class(c))
        .find(|&k| k != SigmaClass::Ignorable);
    let after = chars[i + 1..]
        .iter()
        .map(|&c| sigma_class(c))
        .find(|&k| k != SigmaClass::Ignorable);
    before == Some(SigmaClass::Cased) && after != Some(SigmaClass::Cased)
}

/// `s.lower()` as Python 3.11 computes it.
pub(crate) fn py_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    if !s.chars().any(|c| c == 'Σ' || lower_unchanged_in_python(c)) {
        return s.to_lowercase();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == 'Σ' {
            out.push(if is_final_sigma(&chars, i) {
                'ς'
            } else {
                'σ'
            });
        } else if lower_unchanged_in_python(c) {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_keeps_unicode_16_letters_and_final_sigma() {
        assert_eq!(py_lower("ΟΔΟΣ"), "οδος");
        assert_eq!(py_lower("ΣΑ"), "σα");
        assert_eq!(py_lower("A\u{A7CB}Σ"), "a\u{A7CB}σ");
        // U+0295 is cased in Unicode 14, not since Unicode 16.
        assert_eq!(py_lower("\u{295}Σ"), "\u{295}ς");
        assert_eq!(py_lower("İ"), "i\u{307}");
    }

    #[test]
    fn python_whitespace() {
        assert!(is_py_space('\u{1c}') && !'\u{1c}'.is_whitespace());
        assert_eq!(py_strip("\u{1f} a b\u{3000}"), "a b");
    }
}
