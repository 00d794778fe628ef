"""Tiny llm.c files for jgpt's tests, written straight from llm.c's layout and independent of jgpt's code.

Writes into src/test/resources/fixtures/llmc/:
  model_f32.bin       llm.c model checkpoint, version 3 (fp32)
  model_bf16.bin      the same weights, version 5 (bf16, rounded to nearest even)
  gpt2_tokenizer.bin  an llm.c tokenizer file (version 2) for the tiny vocabulary (the name llm.c's programs look for)
  tokens.bin          llm.c token file (magic 20240520, version 1, uint16 tokens): B·T + 1 tokens
  expected.json       sizes, tokens and the mean cross-entropy of each checkpoint on them (float64)

llm.c's checkpoint: 256 int32 (magic 20240326, version, maxT, V, L, NH, C, Vp, zeros), then
wte (Vp, C) with rows V..Vp-1 zero, wpe (maxT, C), ln1w (L, C), ln1b (L, C), qkvw (L, 3C, C), qkvb (L, 3C),
attprojw (L, C, C), attprojb (L, C), ln2w (L, C), ln2b (L, C), fcw (L, 4C, C), fcb (L, 4C), fcprojw (L, C, 4C),
fcprojb (L, C), lnfw (C), lnfb (C); Linear weights (out, in); nothing after the last tensor.
The model is GPT-2: pre-LN (eps 1e-5), causal attention, GELU (tanh form), final LN, logits = x · wte[:V]ᵀ.

The loss is computed twice in float64 from the weights as stored in each file: with numpy (plain array code
below) and, when PyTorch is installed, with torch.nn.functional (layer_norm, gelu, cross_entropy); the two
must agree to 1e-12. Needs Debian's python3-numpy (and optionally python3-torch); run with the system python:
    /usr/bin/python3 tools/llmc_fixture.py
"""
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "fixtures", "llmc")
maxT, V, L, NH, C = 8, 37, 2, 2, 12
Vp = (V + 127) // 128 * 128
B, T = 2, 7
SEED = 20240326


def params(rng):
    """The 16 tensors in file order, float32, shapes as llm.c stores them."""
    n = lambda *s, std: (std * rng.standard_normal(s)).astype(np.float32)
    wte = np.zeros((Vp, C), np.float32)
    wte[:V] = n(V, C, std=0.5)
    return [
        ("wte", wte), ("wpe", n(maxT, C, std=0.3)),
        ("ln1w", (1 + n(L, C, std=0.1)).astype(np.float32)), ("ln1b", n(L, C, std=0.1)),
        ("qkvw", n(L, 3 * C, C, std=0.25)), ("qkvb", n(L, 3 * C, std=0.1)),
        ("attprojw", n(L, C, C, std=0.25)), ("attprojb", n(L, C, std=0.1)),
        ("ln2w", (1 + n(L, C, std=0.1)).astype(np.float32)), ("ln2b", n(L, C, std=0.1)),
        ("fcw", n(L, 4 * C, C, std=0.25)), ("fcb", n(L, 4 * C, std=0.1)),
        ("fcprojw", n(L, C, 4 * C, std=0.25)), ("fcprojb", n(L, C, std=0.1)),
        ("lnfw", (1 + n(C, std=0.1)).astype(np.float32)), ("lnfb", n(C, std=0.1)),
    ]


def to_bf16_bits(a):
    """float32 -> bf16 bits, round to nearest even (no NaNs here)."""
    u = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16_bits(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def header(magic, *fields):
    h = np.zeros(256, np.int32)
    h[0] = magic
    h[1:1 + len(fields)] = fields
    return h.astype("<i4").tobytes()


def write_checkpoint(path, tensors, version):
    with open(path, "wb") as f:
        f.write(header(20240326, version, maxT, V, L, NH, C, Vp))
        for _, t in tensors:
            f.write(t.astype("<f4").tobytes() if version == 3 else to_bf16_bits(t).astype("<u2").tobytes())


# ---- the loss, numpy float64 ---------------------------------------------------------------------------
def loss_numpy(P, tokens, targets):
    P = {k: v.astype(np.float64) for k, v in P}
    hs = C // NH

    def ln(x, w, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-5) * w + b

    x = P["wte"][tokens] + P["wpe"][:T]                                 # (B, T, C)
    mask = np.tril(np.ones((T, T), bool))
    for l in range(L):
        h = ln(x, P["ln1w"][l], P["ln1b"][l])
        qkv = h @ P["qkvw"][l].T + P["qkvb"][l]                          # (B, T, 3C)
        q, k, v = (qkv[..., i * C:(i + 1) * C].reshape(B, T, NH, hs).transpose(0, 2, 1, 3) for i in range(3))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hs)
        s = np.where(mask, s, -np.inf)
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        y = (a @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x = x + y @ P["attprojw"][l].T + P["attprojb"][l]
        h = ln(x, P["ln2w"][l], P["ln2b"][l])
        u = h @ P["fcw"][l].T + P["fcb"][l]
        u = 0.5 * u * (1 + np.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))
        x = x + u @ P["fcprojw"][l].T + P["fcprojb"][l]
    x = ln(x, P["lnfw"], P["lnfb"])
    logits = x @ P["wte"][:V].T                                          # llm.c's softmax stops at V
    m = logits.max(-1, keepdims=True)
    lse = (m + np.log(np.exp(logits - m).sum(-1, keepdims=True)))[..., 0]
    picked = np.take_along_axis(logits, targets[..., None], -1)[..., 0]
    return float((lse - picked).mean())


# ---- the loss again, torch float64 (a second formulation) ------------------------------------------------
def loss_torch(P, tokens, targets):
    import torch
    import torch.nn.functional as F
    P = {k: torch.from_numpy(v.astype(np.float64)) for k, v in P}
    hs = C // NH
    tok, tgt = torch.from_numpy(tokens).long(), torch.from_numpy(targets).long()
    x = F.embedding(tok, P["wte"]) + P["wpe"][:T]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    for l in range(L):
        h = F.layer_norm(x, (C,), P["ln1w"][l], P["ln1b"][l], 1e-5)
        q, k, v = F.linear(h, P["qkvw"][l], P["qkvb"][l]).split(C, dim=-1)
        q, k, v = (t.view(B, T, NH, hs).transpose(1, 2) for t in (q, k, v))
        att = torch.softmax((q @ k.transpose(-2, -1) / math.sqrt(hs)).masked_fill(~causal, float("-inf")), dim=-1)
        x = x + F.linear((att @ v).transpose(1, 2).reshape(B, T, C), P["attprojw"][l], P["attprojb"][l])
        h = F.layer_norm(x, (C,), P["ln2w"][l], P["ln2b"][l], 1e-5)
        x = x + F.linear(F.gelu(F.linear(h, P["fcw"][l], P["fcb"][l]), approximate="tanh"), P["fcprojw"][l], P["fcprojb"][l])
    x = F.layer_norm(x, (C,), P["lnfw"], P["lnfb"], 1e-5)
    logits = F.linear(x, P["wte"][:V])
    return float(F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1)))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    f32 = params(rng)
    bf16 = [(n, from_bf16_bits(to_bf16_bits(t))) for n, t in f32]     # what the bf16 file holds
    try:
        import torch
        for n, t in f32:                                              # our rounding is PyTorch's
            assert np.array_equal(torch.from_numpy(t).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16), to_bf16_bits(t)), n
    except ImportError:
        torch = None

    stream = rng.integers(0, V, B * T + 1)
    tokens, targets = stream[:-1].reshape(B, T), stream[1:].reshape(B, T)
    expected = dict(maxT=maxT, V=V, L=L, NH=NH, C=C, Vp=Vp, B=B, T=T, tokens=stream.tolist())
    for name, P in (("f32", f32), ("bf16", bf16)):
        ln = loss_numpy(P, tokens, targets)
        expected["loss_" + name] = ln
        if torch is not None:
            lt = loss_torch(P, tokens, targets)
            assert abs(lt - ln) < 1e-12, (name, lt, ln)
            expected["loss_" + name + "_torch"] = lt
        print(f"{name}: loss {ln!r}" + (f", torch {lt!r}" if torch is not None else " (torch not installed)"))

    write_checkpoint(os.path.join(OUT, "model_f32.bin"), f32, 3)
    write_checkpoint(os.path.join(OUT, "model_bf16.bin"), f32, 5)
    with open(os.path.join(OUT, "tokens.bin"), "wb") as f:
        f.write(header(20240520, 1, len(stream)))
        f.write(stream.astype("<u2").tobytes())
    # a tiny vocabulary: id i is a letter or a digit, the last one a 2-byte UTF-8 character; EOT = 0
    words = [bytes([c]) for c in b"\nabcdefghijklmnopqrstuvwxyz0123456789"[:V - 1]] + ["é".encode()]
    with open(os.path.join(OUT, "gpt2_tokenizer.bin"), "wb") as f:
        f.write(header(20240328, 2, V, 0))
        for w in words:
            f.write(bytes([len(w)]) + w)
    expected["tokenizer"] = [w.decode() for w in words]
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
