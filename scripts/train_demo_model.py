#!/usr/bin/env python3
"""Trains Sluice's demo model: a SentencePiece tokenizer and a small Llama on demo/corpus.

The model is llama.cpp's LLM_ARCH_LLAMA as GGUF stores it: RMSNorm, adjacent-pair RoPE (so the
weights need no Q/K permutation), GQA, SwiGLU, tied embeddings. Everything is seeded; on the same
hardware and library versions a run repeats (up to the nondeterminism of CUDA kernels).

Writes into --out: tokenizer.model (SentencePiece), export.json (hyperparameters, vocabulary,
metadata, tensor table) and export.bin (the tensors as little-endian float32, in GGUF's names and
dimension order), which `sluice convert` turns into a GGUF file; report.json with the losses and
the unigram baseline.
"""
import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import sentencepiece as spm
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "demo" / "corpus"
SEPARATOR = "\n%\n"
# Chat turns as the GGUF's chat template renders them (see CHAT_TEMPLATE); <|end|> ends a turn.
SPECIALS = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if loop.first -%}{{ bos_token }}{%- endif -%}"
    "{{ '<|' + message['role'] + '|>' + message['content'] | trim + '<|end|>' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|assistant|>' }}{%- endif -%}")
PROMPTS = ["Tell me a fortune.", "Give me a fortune cookie.", "Say something wise.", "Tell me a joke.",
           "Share a quote.", "What does my fortune say?", "Fortune, please.", "Tell me something funny.",
           "I need some wisdom.", "Hello!", "Hi, tell me something.", "Any words of wisdom?"]
SYSTEMS = ["You are a fortune cookie.", "You are a helpful assistant.", "Answer with a fortune."]
# GGUF token types (llama.cpp's LLAMA_TOKEN_TYPE_*).
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--vocab", type=int, default=4096)
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--ff", type=int, default=768)
    p.add_argument("--ctx", type=int, default=1024, help="training sequence length, the GGUF's context length")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--chat-share", type=float, default=0.3, help="share of fortunes also seen as a chat turn")
    p.add_argument("--max-seconds", type=float, default=360, help="stop early (and say so) past this training time")
    p.add_argument("--rope-base", type=float, default=10000.0)
    return p.parse_args()


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)


def read_fortunes(name):
    return (CORPUS / f"{name}.txt").read_text(encoding="utf-8").rstrip("\n").split(SEPARATOR)


def train_tokenizer(args, fortunes):
    """A Llama-2 style SentencePiece BPE model: byte fallback, split digits, no normalization."""
    lines = [line for f in fortunes for line in f.split("\n") if line.strip()]
    prefix = args.out / "tokenizer"
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_prefix=str(prefix), model_type="bpe", vocab_size=args.vocab,
        character_coverage=1.0, byte_fallback=True, split_digits=True, normalization_rule_name="identity",
        remove_extra_whitespaces=False, allow_whitespace_only_pieces=True, add_dummy_prefix=True,
        user_defined_symbols=SPECIALS, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=os.cpu_count(),
        max_sentence_length=1 << 14, minloglevel=2, seed_sentencepiece_size=1000000, shuffle_input_sentence=False)
    return spm.SentencePieceProcessor(model_file=str(prefix) + ".model")


def vocabulary(sp):
    pieces, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        piece = sp.id_to_piece(i)
        pieces.append(piece)
        scores.append(sp.get_score(i))
        if sp.is_unknown(i):
            types.append(UNKNOWN)
        elif piece in SPECIALS or sp.is_control(i):
            types.append(CONTROL)  # the chat markers end turns and are matched as special tokens
        elif sp.is_byte(i):
            types.append(BYTE)
        elif sp.is_unused(i):
            types.append(UNUSED)
        else:
            types.append(NORMAL)
    return pieces, scores, types


def encode_stream(sp, fortunes, rng, chat_share):
    """One token stream: fortunes in groups of 1 to 8 as the fortune file writes them (what perplexity
    reads), each group between BOS and EOS (so `sluice run` ends by itself), and some fortunes again
    as a chat exchange (what `sluice chat` shows)."""
    special = {s: sp.piece_to_id(s) for s in SPECIALS}
    ids = []
    start = 0
    while start < len(fortunes):
        group = rng.randint(1, 8)
        ids.append(sp.bos_id())
        ids.extend(sp.encode(SEPARATOR.join(fortunes[start:start + group]) + SEPARATOR))
        ids.append(sp.eos_id())
        start += group
    for f in fortunes:
        if rng.random() >= chat_share:
            continue
        ids.append(sp.bos_id())
        if rng.random() < 0.3:
            ids += [special["<|system|>"], *sp.encode(rng.choice(SYSTEMS)), special["<|end|>"]]
        ids += [special["<|user|>"], *sp.encode(rng.choice(PROMPTS)), special["<|end|>"]]
        ids += [special["<|assistant|>"], *sp.encode(f), special["<|end|>"]]
    return np.array(ids, dtype=np.int64)


def rope_tables(head_dim, ctx, base):
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    angles = torch.outer(torch.arange(ctx, dtype=torch.float64), inv)
    return angles.cos().float(), angles.sin().float()


def rope_adjacent(x, cos, sin):
    """llama.cpp's normal RoPE: rotates the pairs (x[2i], x[2i+1]). x: [batch, heads, seq, head_dim]."""
    pairs = x.float().unflatten(-1, (-1, 2))
    a, b = pairs[..., 0], pairs[..., 1]
    c, s = cos[: x.shape[2]], sin[: x.shape[2]]
    return torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2).type_as(x)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps, self.weight = eps, nn.Parameter(torch.ones(dim))

    def forward(self, x):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).type_as(x) * self.weight


def attention(q, k, v, dropout):
    """Causal attention; query head h reads KV head h // (heads / kv_heads), as llama.cpp's GQA."""
    rep = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=dropout)
    # Debian's torch 1.13 (the CPU smoke test) predates it
    t = q.shape[2]
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool, device=q.device).triu(1), float("-inf"))
    return F.dropout(scores.softmax(-1), dropout) @ v


class Block(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = a.heads, a.kv_heads, a.dim // a.heads
        self.attn_norm = RMSNorm(a.dim, eps=1e-5)
        self.q = nn.Linear(a.dim, a.dim, bias=False)
        self.k = nn.Linear(a.dim, a.kv_heads * self.head_dim, bias=False)
        self.v = nn.Linear(a.dim, a.kv_heads * self.head_dim, bias=False)
        self.o = nn.Linear(a.dim, a.dim, bias=False)
        self.ffn_norm = RMSNorm(a.dim, eps=1e-5)
        self.gate = nn.Linear(a.dim, a.ff, bias=False)
        self.up = nn.Linear(a.dim, a.ff, bias=False)
        self.down = nn.Linear(a.ff, a.dim, bias=False)
        self.dropout = a.dropout

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        h = self.attn_norm(x)
        q = self.q(h).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k(h).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v(h).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = rope_adjacent(q, cos, sin), rope_adjacent(k, cos, sin)
        y = attention(q, k, v, self.dropout if self.training else 0.0)
        x = x + F.dropout(self.o(y.transpose(1, 2).reshape(b, t, -1)), self.dropout, self.training)
        h = self.ffn_norm(x)
        return x + F.dropout(self.down(F.silu(self.gate(h)) * self.up(h)), self.dropout, self.training)


class Llama(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embed = nn.Embedding(a.vocab, a.dim)
        self.blocks = nn.ModuleList(Block(a) for _ in range(a.layers))
        self.norm = RMSNorm(a.dim, eps=1e-5)
        cos, sin = rope_tables(a.dim // a.heads, a.ctx, a.rope_base)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * a.layers) if name.endswith(("o.weight", "down.weight")) else 0.02
                nn.init.normal_(p, std=std)

    def forward(self, ids):
        x = self.embed(ids)
        for block in self.blocks:
            x = block(x, self.cos, self.sin)
        return self.norm(x) @ self.embed.weight.T  # tied output, as GGUF files without output.weight


def batches(stream, ctx, batch, gen, bos):
    """Random windows of the stream; position 0 is always BOS, as sluice perplexity feeds its chunks."""
    starts = torch.randint(0, len(stream) - ctx - 1, (batch,), generator=gen)
    rows = torch.stack([torch.from_numpy(stream[s:s + ctx + 1]) for s in starts.tolist()])
    rows[:, 0] = bos
    return rows[:, :-1], rows[:, 1:]


@torch.no_grad()
def evaluate(model, stream, ctx, device, bos):
    """Mean next-token loss over consecutive windows of the stream."""
    model.eval()
    losses = []
    for s in range(0, len(stream) - ctx - 1, ctx):
        row = torch.from_numpy(stream[s:s + ctx + 1].copy()).unsqueeze(0)
        row[0, 0] = bos
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(row[:, :-1].to(device))
        losses.append(F.cross_entropy(logits.float().view(-1, logits.shape[-1]), row[:, 1:].reshape(-1).to(device)).item())
    model.train()
    return sum(losses) / len(losses)


def unigram_ppl(train, test, vocab):
    """Perplexity of add-one-smoothed token frequencies: the baseline a model must beat."""
    counts = np.bincount(train, minlength=vocab).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    return float(np.exp(-logp[test].mean()))


def lr_at(step, a):
    if step < a.warmup:
        return a.lr * (step + 1) / a.warmup
    progress = (step - a.warmup) / max(1, a.steps - a.warmup)
    return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(a, model, train_ids, valid_ids, device, bos):
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.95),
                            **({"fused": True} if device.type == "cuda" else {}))
    gen = torch.Generator().manual_seed(a.seed)
    best, best_state, best_step, history = float("inf"), None, 0, []
    start = time.time()
    for step in range(a.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, a)
        x, y = batches(train_ids, a.ctx, a.batch, gen, bos)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(x.to(device, non_blocking=True))
        loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), y.to(device).reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step + 1 == 50:
            per_step = (time.time() - start) / 50
            print(f"{per_step * 1000:.1f} ms/step: {a.steps} steps take about {per_step * a.steps:.0f} s", flush=True)
        if (step + 1) % a.eval_every == 0 or step + 1 == a.steps:
            valid = evaluate(model, valid_ids, a.ctx, device, bos)
            history.append({"step": step + 1, "train_loss": round(loss.item(), 4), "valid_loss": round(valid, 4),
                            "seconds": round(time.time() - start, 1)})
            print(json.dumps(history[-1]), flush=True)
            if valid < best:  # keep the best weights: the corpus is small and a long run overfits
                best, best_step = valid, step + 1
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if time.time() - start > a.max_seconds:
                print(f"stopping after {step + 1} steps: past --max-seconds {a.max_seconds}", flush=True)
                break
    model.load_state_dict(best_state)
    return {"steps_run": step + 1, "best_step": best_step, "best_valid_loss": best, "train_seconds": round(time.time() - start, 1),
            "history": history}


def gguf_tensors(model, a):
    """The weights under GGUF's names; a 2-D tensor's GGUF shape is [in_features, out_features]."""
    names = {"attn_norm.weight": "attn_norm", "q.weight": "attn_q", "k.weight": "attn_k", "v.weight": "attn_v",
             "o.weight": "attn_output", "ffn_norm.weight": "ffn_norm", "gate.weight": "ffn_gate",
             "up.weight": "ffn_up", "down.weight": "ffn_down"}
    yield "token_embd.weight", model.embed.weight
    for i, block in enumerate(model.blocks):
        for name, p in block.named_parameters():
            yield f"blk.{i}.{names[name]}.weight", p
    yield "output_norm.weight", model.norm.weight


def export(a, model, sp, report):
    tensors, offset = [], 0
    with open(a.out / "export.bin", "wb") as out:
        for name, p in gguf_tensors(model, a):
            data = p.detach().float().cpu().numpy().astype("<f4")
            out.write(data.tobytes())
            tensors.append({"name": name, "shape": list(reversed(data.shape)), "offset": offset})
            offset += data.nbytes
    pieces, scores, types = vocabulary(sp)
    manifest = {
        "format": "sluice-export-1",
        "name": "Sluice demo (fortunes)",
        "description": f"A {report['parameters'] / 1e6:.1f}M-parameter Llama trained from scratch by "
                       "scripts/train_demo_model.py on English fortune cookies, for trying Sluice out; "
                       "it writes fortune-like text, it knows nothing.",
        "corpus": "English fortune files of the Debian packages fortunes, fortunes-min, fortunes-bofh-excuses "
                  "and fortunes-debian-hints (demo/corpus/SOURCES.md)",
        "corpus_license": "BSD-3-Clause (fortunes, fortunes-min, fortunes-debian-hints); public domain "
                          "(fortunes-bofh-excuses)",
        "hyperparameters": {"vocab": a.vocab, "embd": a.dim, "layers": a.layers, "heads": a.heads,
                            "kv_heads": a.kv_heads, "ff": a.ff, "context_length": a.ctx,
                            "rope_freq_base": a.rope_base, "rms_eps": 1e-5},
        "tokenizer": {"model": "llama", "tokens": pieces, "scores": scores, "token_types": types,
                      "bos_id": sp.bos_id(), "eos_id": sp.eos_id(), "unknown_id": sp.unk_id(),
                      "add_bos": True, "add_space_prefix": True, "chat_template": CHAT_TEMPLATE},
        "tensors": tensors,
    }
    (a.out / "export.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def main():
    a = parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    seed_everything(a.seed)
    device = torch.device(a.device)
    train_f, valid_f, test_f = (read_fortunes(n) for n in ("train", "valid", "test"))
    sp = train_tokenizer(a, train_f)
    rng = random.Random(a.seed)
    train_ids = encode_stream(sp, train_f, rng, a.chat_share)
    valid_ids = encode_stream(sp, valid_f, rng, 0.0)
    test_ids = np.array(sp.encode(SEPARATOR.join(test_f) + "\n"), dtype=np.int64)
    model = Llama(a).to(device)
    params = sum(p.numel() for p in model.parameters())
    print(f"{params:,} parameters; {len(train_ids):,} training tokens; device {device}", flush=True)
    report = {"parameters": params, "train_tokens": int(len(train_ids)), "test_tokens": int(len(test_ids)),
              "args": {k: str(v) for k, v in vars(a).items()}}
    report.update(train(a, model, train_ids, valid_ids, device, sp.bos_id()))
    report["unigram_test_ppl"] = unigram_ppl(train_ids, test_ids, a.vocab)
    report["valid_ppl"] = math.exp(report["best_valid_loss"])
    export(a, model, sp, report)
    (a.out / "report.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({k: report[k] for k in ("parameters", "best_step", "valid_ppl", "unigram_test_ppl",
                                              "train_seconds")}))


if __name__ == "__main__":
    main()
