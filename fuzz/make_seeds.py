#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/ and fuzz/dicts/<target>.dict: small inputs and dictionaries of our
own (the sample dialogs of crates/esc-data/data/sample, which we wrote; never ESConv text).
Rerun after changing it: `python3 fuzz/make_seeds.py` (standard library only)."""
import json
import pathlib
import shutil

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
SAMPLE = ROOT / "crates/esc-data/data/sample"

STRATEGIES = ["Question", "Restatement or Paraphrasing", "Reflection of feelings", "Self-disclosure",
              "Affirmation and Reassurance", "Providing Suggestions", "Information", "Others"]
EMOTIONS = ["anxiety", "depression", "sadness", "anger", "fear", "shame", "disgust", "nervousness",
            "pain", "jealousy", "guilt"]
COMET = ["[xReact]", "[xIntent]", "[xWant]", "[xNeed]", "[xEffect]"]
HEAL = ["[resp]", "[str]", "[aff]"]
SPECIAL = ["__start__", "__end__", "__unk__", "__null__"]


def write(target, name, data):
    folder = FUZZ / "seeds" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def dictionary(target, words):
    folder = FUZZ / "dicts"
    folder.mkdir(exist_ok=True)
    lines = [quote(w) for w in dict.fromkeys(words)]
    (folder / f"{target}.dict").write_text("\n".join(lines) + "\n")


def quote(word):
    """A libFuzzer dictionary entry: printable ASCII as is, `"` and `\\` escaped, other bytes \\xNN."""
    out = []
    for b in word.encode():
        c = chr(b)
        out.append("\\" + c if c in '"\\' else c if 32 <= b < 127 else f"\\x{b:02X}")
    return '"' + "".join(out) + '"'


def sample_dialogs(n):
    lines = (SAMPLE / "train.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines[:n]]


def to_original(d):
    out = {k: v for k, v in d.items() if k != "dialog"}
    out["dialog"] = []
    for t in d["dialog"]:
        turn = {"speaker": "seeker" if t["speaker"] == "usr" else "supporter", "content": t["text"]}
        if "strategy" in t:
            turn["annotation"] = {"strategy": t["strategy"]}
        out["dialog"].append(turn)
    return out


JSON_TOKENS = ["{", "}", "[", "]", ":", ",", "\"", "null", "true", "false", "0", "-1", "1e999",
               "\\u0000", "\\ud800", "\"\"", "[]", "{}"]

for old in ["seeds", "dicts"]:
    shutil.rmtree(FUZZ / old, ignore_errors=True)

# esconv_jsonl: the sample files are copied by scripts/fuzz.sh; add KEMI-style fields and edge cases.
d = sample_dialogs(1)[0]
kemi = json.loads(json.dumps(d))
for t in kemi["dialog"]:
    if t["speaker"] == "usr":
        t["knowledge"] = "[xReact] sad [xIntent] to be heard [xWant] to rest [xNeed] sleep [xEffect] cries"
    else:
        t["heal"] = "[resp] that sounds hard [str] Question [aff] calm"
write("esconv_jsonl", "kemi.jsonl", json.dumps(kemi) + "\n")
write("esconv_jsonl", "survey.jsonl", json.dumps({**d, "survey_score": {"seeker": {"initial_emotion_intensity": "5", "final_emotion_intensity": "2", "empathy": "5", "relevance": "4"}, "supporter": {"relevance": "5"}}}) + "\n")
write("esconv_jsonl", "blank-lines.jsonl", "\n\n" + json.dumps(d) + "\n\n")
keys = ["dialog", "speaker", "usr", "sys", "text", "strategy", "emotion_type", "problem_type",
        "situation", "experience_type", "survey_score", "seeker", "supporter", "knowledge", "heal",
        "initial_emotion_intensity", "final_emotion_intensity", "Current Experience", "Previous Experience"]
dictionary("esconv_jsonl", JSON_TOKENS + [f"\"{k}\"" for k in keys] + STRATEGIES + EMOTIONS + COMET + HEAL + ["\n"])

# esconv_original: our sample dialogs in the original release's layout.
original = [to_original(x) for x in sample_dialogs(3)]
write("esconv_original", "sample.json", json.dumps(original, indent=1))
other = json.loads(json.dumps(original[:1]))
other[0]["dialog"][-1]["annotation"] = {"strategy": "Other"}
write("esconv_original", "other-spelling.json", json.dumps(other))
dictionary("esconv_original", JSON_TOKENS + [f"\"{k}\"" for k in keys + ["content", "annotation", "feedback"]] + STRATEGIES + EMOTIONS)

# strategy_emotion
for i, name in enumerate(STRATEGIES + ["Other", " question ", "[Question]"]):
    write("strategy_emotion", f"strategy-{i}", name)
for name in EMOTIONS:
    write("strategy_emotion", f"emotion-{name}", name.upper())
dictionary("strategy_emotion", STRATEGIES + EMOTIONS)

# knowledge_text
write("knowledge_text", "comet", "[xReact] sad [xIntent] to be heard [xWant]  to rest [xNeed] [xEffect] cries")
write("knowledge_text", "heal", "[resp] that sounds hard [str] [Question] [aff] calm")
write("knowledge_text", "untagged", "sad [xReact]")
dictionary("knowledge_text", COMET + HEAL + [f"[{s}]" for s in STRATEGIES])

# tokenizer_files: vocab.json, a 0x00 byte, merges.txt.
vocab = {t: i for i, t in enumerate(SPECIAL + ["h@@", "i", "hi", "the", "a@@", "b", "ab", "."])}
merges = "#version: 0.2\nh i</w>\na b</w>\nt h\nth e</w>\n"
write("tokenizer_files", "tiny", json.dumps(vocab) + "\0" + merges)
write("tokenizer_files", "no-merges", json.dumps({t: i for i, t in enumerate(SPECIAL)}) + "\0#version: 0.2\n")
dictionary("tokenizer_files", JSON_TOKENS + SPECIAL + ["@@", "</w>", "#version: 0.2\n", "\0", "\n"] + [f"[{s}]" for s in STRATEGIES])

# tokenizer_text: utterances are copied from the sample by scripts/fuzz.sh; add special cases.
write("tokenizer_text", "specials", "__start__ hi __end__ __null__ [Question] don't  you?!")
write("tokenizer_text", "unicode", "caf\u00e9 \u00a0na\u00efve \u2014 \U0001f600 \u0130stanbul")
dictionary("tokenizer_text", SPECIAL + [f"[{s}]" for s in STRATEGIES] + ["'s", "n't", "@@", " ", "\u00a0"])

# metrics_text: hypothesis, then references, separated by 0x00.
write("metrics_text", "pair", "i am sorry to hear that .\0i'm so sorry you are going through that.\0that sounds hard")
write("metrics_text", "punct", "\"Well,\" he said -- it's (really) fine... isn't it?\0Well , it is fine .")
dictionary("metrics_text", ["\0", "n't", "'s", "``", "''", "--", "...", "(", ")", "\"", "'"])

# model_config: the fixtures are copied by scripts/fuzz.sh; add HF defaults.
write("model_config", "hf-90m.json", json.dumps({
    "vocab_size": 54944, "max_position_embeddings": 512, "d_model": 512, "encoder_layers": 8,
    "decoder_layers": 8, "encoder_attention_heads": 16, "decoder_attention_heads": 16,
    "encoder_ffn_dim": 2048, "decoder_ffn_dim": 2048, "activation_function": "gelu",
    "scale_embedding": True, "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2,
    "decoder_start_token_id": 1}))
bbs_keys = ["vocab_size", "max_position_embeddings", "d_model", "encoder_layers", "decoder_layers",
            "encoder_attention_heads", "decoder_attention_heads", "encoder_ffn_dim", "decoder_ffn_dim",
            "dropout", "attention_dropout", "activation_dropout", "activation_function", "scale_embedding",
            "normalize_before", "add_final_layer_norm", "pad_token_id", "bos_token_id", "eos_token_id",
            "decoder_start_token_id", "init_std", "scale_decoder_embedding"]
bert_keys = ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
             "hidden_dropout_prob", "attention_probs_dropout_prob", "type_vocab_size", "layer_norm_eps",
             "initializer_range", "position_embedding_type", "absolute", "gelu", "relu", "gelu_new", "swish"]
dictionary("model_config", JSON_TOKENS + [f"\"{k}\"" for k in bbs_keys + bert_keys] + ["0.1", "512", "1e-12"])

# generation_config
gen_keys = ["max_length", "max_new_tokens", "min_length", "min_new_tokens", "do_sample", "num_beams", "temperature", "top_k",
            "top_p", "repetition_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size",
            "bad_words_ids", "length_penalty", "early_stopping", "forced_eos_token_id", "eos_token_id",
            "pad_token_id", "decoder_start_token_id"]
write("generation_config", "paper.json", json.dumps({"max_length": 40, "min_length": 10, "do_sample": True,
      "num_beams": 1, "temperature": 0.7, "top_k": 30, "top_p": 0.3, "repetition_penalty": 1.03,
      "no_repeat_ngram_size": 3}))
write("generation_config", "beam.json", json.dumps({"num_beams": 4, "length_penalty": 0.65,
      "early_stopping": True, "no_repeat_ngram_size": 3, "bad_words_ids": [[5], [7, 9]], "max_new_tokens": 6}))
write("generation_config", "greedy.json", "{}")
dictionary("generation_config", JSON_TOKENS + [f"\"{k}\"" for k in gen_keys] + ["0.7", "1.03", "1e-9"])

# safetensors_weights / pytorch_weights: the fixtures are copied by scripts/fuzz.sh.
dictionary("safetensors_weights", JSON_TOKENS + ["\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"",
           "\"F32\"", "\"F16\"", "\"BF16\"", "\"F64\"", "\"I64\"", "\"I32\"", "\"U8\"", "\"BOOL\"",
           "\"model.shared.weight\"", "\"lm_head.weight\"", "\"final_logits_bias\"",
           "\"model.encoder.embed_tokens.weight\"", "\"model.decoder.layers.0.fc1.weight\""])
dictionary("pytorch_weights", ["PK\x03\x04", "PK\x01\x02", "PK\x05\x06", "data.pkl", "archive/data/0",
           "torch._utils", "_rebuild_tensor_v2", "collections", "OrderedDict", "FloatStorage", "\x80\x02", "."])
print("wrote", sum(1 for _ in (FUZZ / "seeds").rglob("*") if _.is_file()), "seeds and",
      len(list((FUZZ / "dicts").iterdir())), "dictionaries")
