#!/usr/bin/env python3
"""Reference fixtures for the BlenderBot-Small tokenizer (esc-data).

Loads transformers' slow `BlenderbotSmallTokenizer` (the class `AutoTokenizer` picks) from the
shared `blenderbot_small-90M` folder, adds the 8 strategy tokens the way the STAR/ESConv code does
(`toker.add_tokens([...], special_tokens=True)`, ids 54944..54951) and writes compact fixtures to
`crates/esc-data/tests/fixtures/tokenizer/`:

- `esconv_{train,valid,test}.hashes`: one line per utterance of the shared split (file, dialog,
  turn order) with two 32-bit hashes: of the ids of `encode(text, add_special_tokens=False)` and of
  `decode(ids)` (default arguments). The last line holds a hash over all `decode(ids,
  skip_special_tokens=True)` strings of the split.
- `synthetic.json`: tokens, ids and decodes of hand-written strings (punctuation, apostrophes,
  newlines, unicode, inline strategy and special tokens, empty string, a very long word) and
  decodes of hand-picked id lists with each decode option.
- `codepoints.hashes`: for every block of 4096 code points, hashes of the tokens and ids of one
  short text per code point (surrogates skipped). This pins Python's `str.lower`, the `regex`
  module's `\\s` and the added-token trie on all of Unicode.

The hash is FNV-1a 64 folded to 32 bits (`h ^ (h >> 32)`), over the ids as little-endian u32
bytes, or over the UTF-8 bytes of a string (tokens are joined with a 0x00 byte).

Usage:
    python scripts/tokenizer_reference.py              # writes the fixtures
    python scripts/tokenizer_reference.py --text "I'm fine."   # prints tokens, ids, decode

Pinned: transformers 4.57.1, regex 2026.11.19, Python 3.11 (Unicode 14.0 for `str.lower`).
"""

import argparse
import json
import os
import struct
import sys
import unicodedata

import regex
import transformers
from transformers import AutoTokenizer

STRATEGY_TOKENS = [
    "[Question]",
    "[Restatement or Paraphrasing]",
    "[Reflection of feelings]",
    "[Self-disclosure]",
    "[Affirmation and Reassurance]",
    "[Providing Suggestions]",
    "[Information]",
    "[Others]",
]

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "crates", "esc-data", "tests", "fixtures", "tokenizer")

SYNTHETIC = [
    "",
    " ",
    "\n",
    "Hello, world! How are you?",
    "I'm fine, thanks. You're great!!!",
    "Don't... I can't; won't?! (maybe) [not] {sure}",
    "'quoted' ''double'' '' it's 'tis",
    "x'\ny'\n\nz.\n(a)\n",
    "line one\nline two\n\n\nline three\r\nfour\ttab",
    "   leading and trailing   ",
    "UPPER CASE Words MiXeD",
    "İstanbul ΣΑΣ ΟΔΟΣ. Σ ΑΣ'Α straße ǅemal ﬁne Ǆ",
    "café naïve résumé — “smart quotes” ‘single’ … emoji 😊🤪 👩‍👩‍👧",
    "中文字符 日本語 한국어 العربية עברית हिन्दी",
    "\u00a0nbsp\u2028ls\u3000ideo\u001cfs\u0085nel\u200bzwsp",
    "[Question] how are you feeling today?",
    "[Reflection of feelings]It sounds like you're sad.[Others]",
    "x[Question]y [question] [QUESTION] [Question",
    "[Restatement or Paraphrasing] [Self-disclosure] [Affirmation and Reassurance]",
    "[Providing Suggestions] [Information]\n[Others]",
    "__start__ hi __end__ __null__ __unk__ __newln__",
    "a__start__b __END__ __Start__ ___end___ __end__s",
    "supercalifragilisticexpialidocious" * 8,
    "a" * 300,
    "http://www.example.com/path?q=1&x=(2) e-mail@example.org 24/7 1,000.50 $5 #tag @user",
    "hello..world,,again!!(yes)??",
    "@@ a@@ @@b </w> a</w>b",
    "i've i'd you'll he's they're we've",
    "...",
    "'",
    "''",
    "(",
    ".\n",
    "'\n",
    "a\n",
]

# Id lists for decode: specials, strategy tokens, out-of-range ids, a trailing non-final piece.
DECODE_IDS = [
    [],
    [0],
    [1, 880, 6, 159, 37, 2],
    [54944, 102, 46, 15, 20],
    [880, 54944, 54951, 159],
    [54945, 54946],
    [3, 3, 880],
    [880, 99999, 54952, 159],
    [20201, 673],
    [20201],
    [14, 8, 58, 452, 4, 671],
    [0, 0, 0, 0],
    [54944],
    [5, 6, 20, 37, 8, 8],
]


def h32_bytes(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return (h ^ (h >> 32)) & 0xFFFFFFFF


def h32_ids(ids) -> int:
    return h32_bytes(b"".join(struct.pack("<I", i) for i in ids))


def h32_str(s: str) -> int:
    return h32_bytes(s.encode("utf-8"))


def h32_tokens(tokens) -> int:
    return h32_bytes(b"\x00".join(t.encode("utf-8") for t in tokens))


def load_tokenizer(data_dir):
    toker = AutoTokenizer.from_pretrained(os.path.join(data_dir, "blenderbot_small-90M"))
    assert type(toker).__name__ == "BlenderbotSmallTokenizer", type(toker)
    toker.add_tokens(STRATEGY_TOKENS, special_tokens=True)
    assert toker.convert_tokens_to_ids(STRATEGY_TOKENS) == list(range(54944, 54952))
    assert len(toker) == 54952
    return toker


def encode(toker, text):
    return toker.encode(text, add_special_tokens=False)


def write_splits(toker, data_dir):
    total = 0
    for split in ["train", "valid", "test"]:
        lines = []
        skip_all = []
        with open(os.path.join(data_dir, "esconv", f"{split}.jsonl"), encoding="utf-8") as f:
            for line in f:
                dialog = json.loads(line)
                for turn in dialog["dialog"]:
                    ids = encode(toker, turn["text"])
                    lines.append(f"{h32_ids(ids):08x} {h32_str(toker.decode(ids)):08x}")
                    skip_all.append(toker.decode(ids, skip_special_tokens=True))
        total += len(lines)
        path = os.path.join(OUT, f"esconv_{split}.hashes")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"# {split}: {len(lines)} utterances; per line: ids hash, decode hash\n")
            f.write("\n".join(lines) + "\n")
            f.write(f"skip_special_decodes {h32_str(chr(0).join(skip_all)):08x}\n")
        print(f"{split}: {len(lines)} utterances -> {path}")
    print(f"total utterances: {total}")


def write_synthetic(toker):
    texts = []
    for text in SYNTHETIC:
        ids = encode(toker, text)
        texts.append(
            {
                "text": text,
                "tokens": toker.tokenize(text),
                "ids": ids,
                "decode": toker.decode(ids),
                "decode_skip_special": toker.decode(ids, skip_special_tokens=True),
            }
        )
    decodes = []
    for ids in DECODE_IDS:
        for skip in [False, True]:
            for clean in [False, True]:
                decodes.append(
                    {
                        "ids": ids,
                        "skip_special_tokens": skip,
                        "clean_up_tokenization_spaces": clean,
                        "text": toker.decode(
                            ids, skip_special_tokens=skip, clean_up_tokenization_spaces=clean
                        ),
                    }
                )
    out = {
        "reference": meta(),
        "vocab_size": len(toker),
        "texts": texts,
        "decodes": decodes,
    }
    path = os.path.join(OUT, "synthetic.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"synthetic: {len(texts)} texts, {len(decodes)} decodes -> {path}")


def codepoint_text(cp):
    c = chr(cp)
    return f"A{c}b {c} {c}{c}Σ"


def write_codepoints(toker):
    lines = []
    for block in range(0x110000 // 4096):
        tokens_all = []
        ids_all = []
        for cp in range(block * 4096, (block + 1) * 4096):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            text = codepoint_text(cp)
            tokens = toker.tokenize(text)
            tokens_all.extend(tokens)
            tokens_all.append("\x01")
            ids_all.extend(toker.convert_tokens_to_ids(tokens))
        lines.append(f"{block:03x} {h32_tokens(tokens_all):08x} {h32_ids(ids_all):08x}")
    path = os.path.join(OUT, "codepoints.hashes")
    with open(path, "w", encoding="utf-8") as f:
        f.write('# block of 4096 code points; hashes of tokens and ids of f"A{c}b {c} {c}{c}Σ"\n')
        f.write("\n".join(lines) + "\n")
    print(f"codepoints: {len(lines)} blocks -> {path}")


def meta():
    return {
        "transformers": transformers.__version__,
        "regex": regex.__version__,
        "python": sys.version.split()[0],
        "unicode": unicodedata.unidata_version,
        "class": "BlenderbotSmallTokenizer (slow)",
        "added_tokens": "add_tokens(STRATEGY_TOKENS, special_tokens=True)",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="shared data dir (default: $STAR_ESC_DATA or ../shared/data)")
    parser.add_argument("--text", default=None, help="print tokens, ids and decode of TEXT and exit")
    parser.add_argument("--skip-codepoints", action="store_true", help="do not rewrite codepoints.hashes")
    args = parser.parse_args()
    data_dir = args.data or os.environ.get("STAR_ESC_DATA") or os.path.join(os.path.dirname(REPO), "shared", "data")
    toker = load_tokenizer(data_dir)
    if args.text is not None:
        ids = encode(toker, args.text)
        print(json.dumps({"tokens": toker.tokenize(args.text), "ids": ids, "decode": toker.decode(ids)}, ensure_ascii=False))
        return
    print(json.dumps(meta()))
    os.makedirs(OUT, exist_ok=True)
    write_splits(toker, data_dir)
    write_synthetic(toker)
    if not args.skip_codepoints:
        write_codepoints(toker)


if __name__ == "__main__":
    main()
