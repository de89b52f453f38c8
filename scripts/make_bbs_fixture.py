#!/usr/bin/env python3
"""Reference fixture for `esc-models`: a tiny random BlenderBot-Small and what transformers computes with it.

Writes `crates/esc-models/tests/fixtures/tiny_bbs/`:
- `config.json`, `model.safetensors`, `pytorch_model.bin`: the tiny random model (HF key names).
- `expected.safetensors`: inputs (a right-padded batch of 2) and transformers' outputs: encoder states, logits,
  the LM loss on labels, greedy / processor-constrained `generate` ids and logits-warper outputs.
- `expected.json`: scalar facts (parameter count of the 90M config, generation settings of each recorded run).

Pinned: transformers 4.57.1, torch (CPU). transformers 4.57 does not scale the decoder token embeddings by
sqrt(d_model) (older 4.x did); the layer norm that follows makes the two differ by about 1e-4, hence the pin.

Run: `/work/venv/bin/python scripts/make_bbs_fixture.py` (from the repository root).
"""

import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration
from transformers.generation.logits_process import (
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

assert transformers.__version__ == "4.57.1", transformers.__version__

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "esc-models", "tests", "fixtures", "tiny_bbs")
SHARED_90M = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "blenderbot_small-90M", "config.json")


def tiny_config():
    return BlenderbotSmallConfig(
        vocab_size=60,
        max_position_embeddings=64,
        d_model=16,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        dropout=0.1,
        attention_dropout=0.05,
        activation_dropout=0.02,
        activation_function="gelu",
        scale_embedding=True,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=1,
        forced_eos_token_id=None,
    )


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    cfg = tiny_config()
    model = BlenderbotSmallForConditionalGeneration(cfg).eval()
    # init_std 0.02 gives near-uniform logits whose argmax flips on 1e-6 noise; larger weights make greedy
    # parity meaningful. final_logits_bias is random too, so a test notices if it is not loaded.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" in name or "layernorm" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p) if name.endswith("weight") else 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.35 * torch.randn_like(p))
        model.final_logits_bias.copy_(0.5 * torch.randn_like(model.final_logits_bias))

    model.save_pretrained(OUT, safe_serialization=True)
    model.save_pretrained(OUT, safe_serialization=False)
    # save_pretrained also writes generation_config.json; the Rust side only needs config.json.
    gen_cfg_path = os.path.join(OUT, "generation_config.json")
    if os.path.exists(gen_cfg_path):
        os.remove(gen_cfg_path)

    # A right-padded batch of 2 (pad id 0, mask 0 on pads), as the esc-data batcher produces.
    input_ids = torch.tensor([[5, 17, 33, 8, 41, 12, 2], [9, 22, 14, 2, 0, 0, 0]])
    attention_mask = (input_ids != 0).long()
    labels = torch.tensor([[52, 7, 19, 26, 2], [55, 31, 2, -100, -100]])
    decoder_input_ids = torch.tensor([[1, 52, 7, 19, 26], [1, 55, 31, 2, 0]])

    with torch.no_grad():
        out = model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            decoder_input_ids=decoder_input_ids,
            labels=labels,
        )
    # Validation NLL as the STAR reference computes perplexity: label 0 (the strategy token) ignored,
    # softmax over the base vocabulary (here the last 8 ids play the strategy tokens).
    base_vocab = cfg.vocab_size - 8
    val_labels = labels.clone()
    val_labels[:, 0] = -100
    val_nll = torch.nn.functional.cross_entropy(
        out.logits[..., :base_vocab].reshape(-1, base_vocab), val_labels.reshape(-1), reduction="sum"
    )
    tensors = {
        "val_nll_sum": val_nll.reshape(1),
        "val_tokens": (val_labels != -100).sum().reshape(1).float(),
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "decoder_input_ids": decoder_input_ids,
        "labels": labels,
        "encoder_hidden": out.encoder_last_hidden_state,
        "logits": out.logits,
        "loss": out.loss.reshape(1),
    }

    runs = {
        "greedy": dict(max_length=12),
        "greedy_forced_eos": dict(max_length=12, forced_eos_token_id=2),
        "greedy_processors": dict(
            max_length=14,
            min_length=6,
            repetition_penalty=1.5,
            no_repeat_ngram_size=2,
            encoder_no_repeat_ngram_size=2,
            bad_words_ids=[[52], [53], [54], [55], [56], [57], [58], [59]],
        ),
        "beam": dict(max_length=12, num_beams=3, length_penalty=0.65, no_repeat_ngram_size=2, repetition_penalty=1.3),
    }
    run_meta = {}
    for name, kw in runs.items():
        with torch.no_grad():
            ids = model.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                do_sample=False,
                num_beams=kw.pop("num_beams", 1),
                decoder_start_token_id=1,
                pad_token_id=0,
                eos_token_id=2,
                use_cache=True,
                **kw,
            )
        tensors[f"gen_{name}"] = ids
        run_meta[name] = {k: v for k, v in kw.items()}
        print(name, ids.tolist())

    # Sampling warpers on fixed scores (the RNG differs between torch and Rust, the filtering must not).
    scores = torch.randn(3, 60) * 3.0
    tensors["warp_scores"] = scores
    dummy_ids = torch.zeros(3, 1, dtype=torch.long)
    t = TemperatureLogitsWarper(0.7)(dummy_ids, scores.clone())
    k = TopKLogitsWarper(30)(dummy_ids, t.clone())
    p = TopPLogitsWarper(0.3)(dummy_ids, k.clone())
    tensors["warp_temperature"] = t
    tensors["warp_top_k"] = k
    tensors["warp_top_p"] = p

    tensors = {k: v.contiguous() for k, v in tensors.items()}
    tensors = {k: (v.to(torch.int64) if not v.is_floating_point() else v.to(torch.float32)) for k, v in tensors.items()}
    save_file(tensors, os.path.join(OUT, "expected.safetensors"))

    # Parameter count of the real 90M configuration (random weights; HF counts the tied embedding once and
    # does not count the final_logits_bias buffer).
    with open(SHARED_90M) as f:
        cfg90 = BlenderbotSmallConfig(**{k: v for k, v in json.load(f).items() if not k.startswith("_")})
    m90 = BlenderbotSmallForConditionalGeneration(cfg90)
    n90 = m90.num_parameters()
    m90.resize_token_embeddings(cfg90.vocab_size + 8)
    n90_resized = m90.num_parameters()
    meta = {
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "tiny_num_parameters": model.num_parameters(),
        "bbs90m_num_parameters": n90,
        "bbs90m_resized_plus8_num_parameters": n90_resized,
        "generate_runs": run_meta,
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    sys.exit(main())
