"""PyTorch float64 reference fixtures for jgpt's engine (forward, gradients, AdamW).

An independent float64 implementation of OUR architecture (jgpt.model.Config / ParamLayout), for five
small variants:
  gpt2         pre-LN + final LN, GELU (tanh form), learned positions wPos, tied output (x·wEmbedᵀ), biases
  textbook     post-LN, no final LN, ReLU, fixed sinusoidal positions, separate wVocab, biases
  rope         pre-LN + final LN, GELU, RoPE on q and k, separate wVocab, no biases at all (LN gain only)
  modern       pre-LN + final norm, RMSNorm, QK-norm, ReLU², RoPE, separate wVocab, no biases, logit soft-cap
  modern_post  post-LN, RMSNorm, QK-norm, ReLU², learned positions, tied, linear biases (RMSNorm has none), soft-cap
The modern switches: RMSNorm x/√(mean(x²)+eps)·g; QK-norm = q and k (after their projections, before RoPE)
RMS-normalised per head without gain; ReLU² = relu(x)²; soft-cap logits = c·tanh(z/c) before the loss.

For each variant it writes src/test/resources/fixtures/torch_<variant>.json with the config, a batch
(tokens, targets incl. a few −1 = ignored), the parameters as ONE flat vector in ParamLayout order
(row-major, weights stored (in, out)), the logits, the loss, the gradients (same flat layout), and a
10-step AdamW run (torch.optim.AdamW, decay only on tensors of rank ≥ 2): the loss of each step's
forward before its update, and the parameters after the last step. Numbers are written with repr
(shortest round-trip double), initial parameters are rounded to 4 decimals to keep the files small.

Before writing, the script checks its own reference: autograd against central finite differences,
the forward/gradients against a second formulation (torch.nn.TransformerEncoderLayer for gpt2 and
textbook; F.* ops with einsum attention and complex-number RoPE for the others, RMSNorm there as
F.layer_norm of [x, −x] and the soft-cap as 2c·σ(2z/c) − c), and torch.optim.AdamW against a hand-written
AdamW. It also prints how far the same computation in torch float32 lands from float64, which is
what the Java F32 tolerances must absorb.

Regenerate (Debian: apt-get install python3-torch; use the system python, not a pyenv one):
    /usr/bin/python3 tools/torch_reference.py
Same machine, same bytes; another machine's torch build may move the last bits of the doubles (float
roundoff, far inside the tests' F64 tolerance), so commit only the fixtures you meant to change.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "fixtures")

# Small sizes (files stay < 200 KB); ffn != 4·embd on purpose (the engine must use cfg.ffn), T < block for gpt2 (unused wPos row).
BASE = dict(vocab=37, block=8, layers=2, heads=2, embd=12, ffn=32, ropeTheta=10000.0, lnEps=1e-5,
            normType="LAYER", qkNorm=False, softcap=0.0)
VARIANTS = {
    "gpt2":     dict(norm="PRE",  activation="GELU", positions="LEARNED",    tied=True,  bias=True,  T=7),
    "textbook": dict(norm="POST", activation="RELU", positions="SINUSOIDAL", tied=False, bias=True,  T=8),
    "rope":     dict(norm="PRE",  activation="GELU", positions="ROPE",       tied=False, bias=False, T=8),
    # c = 3 bends the logits of these random models: the printed max |z|/c is 2.0 (modern) and 1.6 (modern_post)
    "modern":      dict(norm="PRE",  activation="RELU2", positions="ROPE",    tied=False, bias=False, T=8,
                        normType="RMS", qkNorm=True, softcap=3.0),
    "modern_post": dict(norm="POST", activation="RELU2", positions="LEARNED", tied=True,  bias=True,  T=7,
                        normType="RMS", qkNorm=True, softcap=3.0),
}
B = 2
ADAMW = dict(lr=1e-2, beta1=0.9, beta2=0.95, eps=1e-8, weightDecay=0.1, steps=10)
CONFIG_KEYS = ["vocab", "block", "layers", "heads", "embd", "ffn", "norm", "activation", "positions",
               "tied", "bias", "ropeTheta", "lnEps"]
MODERN_KEYS = ["normType", "qkNorm", "softcap"]   # written only for variants that set them (older fixtures unchanged)


def modern(cfg):
    return any(cfg[k] != BASE[k] for k in MODERN_KEYS)


# ---- layout: a transcription of ParamLayout's order ------------------------------------------------
def layout(cfg):
    """[(name, kind, shape)] in ParamLayout order."""
    V, C, Fh, b = cfg["vocab"], cfg["embd"], cfg["ffn"], cfg["bias"]
    nb = b and cfg["normType"] == "LAYER"   # RMSNorm has no bias
    out = [("wEmbed", "emb", (V, C))]
    if cfg["positions"] == "LEARNED":
        out.append(("wPos", "emb", (cfg["block"], C)))
    for l in range(cfg["layers"]):
        p = f"layer.{l}."
        out.append((p + "ln1g", "gain", (C,)))
        if nb: out.append((p + "ln1b", "bias", (C,)))
        for w in ("wq", "wk", "wv"):
            out.append((p + w, "mat", (C, C)))
        if b:
            for w in ("bq", "bk", "bv"):
                out.append((p + w, "bias", (C,)))
        out.append((p + "wo", "mat", (C, C)))
        if b: out.append((p + "bo", "bias", (C,)))
        out.append((p + "ln2g", "gain", (C,)))
        if nb: out.append((p + "ln2b", "bias", (C,)))
        out.append((p + "w1", "mat", (C, Fh)))
        if b: out.append((p + "b1", "bias", (Fh,)))
        out.append((p + "w2", "mat", (Fh, C)))
        if b: out.append((p + "b2", "bias", (C,)))
    if cfg["norm"] == "PRE":
        out.append(("lnfG", "gain", (C,)))
        if nb: out.append(("lnfB", "bias", (C,)))
    if not cfg["tied"]:
        out.append(("wVocab", "emb", (V, C)))
    return out


def init_params(cfg, gen):
    """Random float64 params, big enough that every nonlinearity matters, rounded to 4 decimals."""
    std = {"emb": 0.5, "mat": 0.25, "bias": 0.1}
    P = {}
    for name, kind, shape in layout(cfg):
        z = torch.randn(shape, generator=gen, dtype=torch.float64)
        t = 1.0 + 0.1 * z if kind == "gain" else std[kind] * z
        P[name] = (torch.round(t * 1e4) / 1e4).requires_grad_(True)
    return P


def flat(P, cfg, grad=False):
    return torch.cat([(P[n].grad if grad else P[n]).detach().reshape(-1) for n, _, _ in layout(cfg)])


# ---- the reference: plain tensor ops, written from the spec ---------------------------------------
def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)       # biased variance, like LayerNorm
    y = (x - mu) / torch.sqrt(var + eps) * g
    return y if b is None else y + b


def rms_norm(x, g, eps):
    y = x / torch.sqrt((x ** 2).mean(-1, keepdim=True) + eps)
    return y if g is None else y * g


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def sinusoid(T, C):
    P = torch.zeros(T, C, dtype=torch.float64)
    for pos in range(T):
        for i in range(C // 2):
            a = pos / 10000.0 ** (2 * i / C)
            P[pos, 2 * i] = math.sin(a)
            P[pos, 2 * i + 1] = math.cos(a)
    return P


def rope(x, H, theta):
    """x (B,T,C): per head, pair (2i, 2i+1) at position t rotated by t·theta^(−2i/hs)."""
    Bx, T, C = x.shape
    hs = C // H
    xp = x.reshape(Bx, T, H, hs // 2, 2)
    i = torch.arange(hs // 2, dtype=torch.float64)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * theta ** (-2.0 * i / hs)   # (T, hs/2)
    cos, sin = (f(ang)[None, :, None, :].to(x.dtype) for f in (torch.cos, torch.sin))
    x0, x1 = xp[..., 0], xp[..., 1]
    return torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], -1).reshape(Bx, T, C)


def linear(x, w, b):
    y = x @ w                                           # w stored (in, out)
    return y if b is None else y + b


def forward(cfg, P, tokens, targets):
    """tokens, targets (B,T) long -> logits (B,T,V), mean CE over targets != −1."""
    Bx, T = tokens.shape
    C, H, eps = cfg["embd"], cfg["heads"], cfg["lnEps"]
    hs = C // H
    g = lambda n: P.get(n)
    norm = (lambda x, w, b: rms_norm(x, w, eps)) if cfg["normType"] == "RMS" else (lambda x, w, b: layer_norm(x, w, b, eps))
    x = P["wEmbed"][tokens]
    if cfg["positions"] == "LEARNED":
        x = x + P["wPos"][:T]
    elif cfg["positions"] == "SINUSOIDAL":
        x = x + sinusoid(T, C).to(x.dtype)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))

    def attn(h, p):
        q = linear(h, g(p + "wq"), g(p + "bq"))
        k = linear(h, g(p + "wk"), g(p + "bk"))
        v = linear(h, g(p + "wv"), g(p + "bv"))
        if cfg["qkNorm"]:
            q, k = (rms_norm(t.reshape(Bx, T, H, hs), None, eps).reshape(Bx, T, C) for t in (q, k))
        if cfg["positions"] == "ROPE":
            q, k = rope(q, H, cfg["ropeTheta"]), rope(k, H, cfg["ropeTheta"])
        q, k, v = (t.reshape(Bx, T, H, hs).transpose(1, 2) for t in (q, k, v))   # (B,H,T,hs)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(hs)
        a = torch.softmax(s.masked_fill(~causal, float("-inf")), -1)
        y = (a @ v).transpose(1, 2).reshape(Bx, T, C)
        return linear(y, g(p + "wo"), g(p + "bo"))

    def mlp(h, p):
        u = linear(h, g(p + "w1"), g(p + "b1"))
        u = gelu_tanh(u) if cfg["activation"] == "GELU" else torch.clamp(u, min=0)
        if cfg["activation"] == "RELU2":
            u = u * u
        return linear(u, g(p + "w2"), g(p + "b2"))

    for l in range(cfg["layers"]):
        p = f"layer.{l}."
        if cfg["norm"] == "PRE":
            x = x + attn(norm(x, g(p + "ln1g"), g(p + "ln1b")), p)
            x = x + mlp(norm(x, g(p + "ln2g"), g(p + "ln2b")), p)
        else:
            x = norm(x + attn(x, p), g(p + "ln1g"), g(p + "ln1b"))
            x = norm(x + mlp(x, p), g(p + "ln2g"), g(p + "ln2b"))
    if cfg["norm"] == "PRE":
        x = norm(x, g("lnfG"), g("lnfB"))
    logits = x @ (P["wEmbed"] if cfg["tied"] else P["wVocab"]).T
    if cfg["softcap"] > 0:
        logits = cfg["softcap"] * torch.tanh(logits / cfg["softcap"])
    lse = torch.logsumexp(logits, -1)
    keep = targets >= 0
    picked = logits.gather(-1, targets.clamp(min=0)[..., None])[..., 0]
    loss = ((lse - picked) * keep).sum() / keep.sum()
    return logits, loss


# ---- a second formulation, for checking the reference -----------------------------------------------
def forward_modules(cfg, P, tokens, targets):
    """gpt2/textbook via nn.TransformerEncoderLayer (torch's own MHA, LayerNorm, FFN); returns
    (logits, loss, grads dict in OUR layout) computed by autograd through the modules."""
    Bx, T = tokens.shape
    C, H, Fh, eps = cfg["embd"], cfg["heads"], cfg["ffn"], cfg["lnEps"]
    act = (lambda u: F.gelu(u, approximate="tanh")) if cfg["activation"] == "GELU" else F.relu
    mods = []
    for l in range(cfg["layers"]):
        p = f"layer.{l}."
        m = nn.TransformerEncoderLayer(C, H, Fh, dropout=0.0, activation=act, layer_norm_eps=eps,
                                       batch_first=True, norm_first=cfg["norm"] == "PRE").double()
        with torch.no_grad():   # nn.Linear stores (out, in): transpose ours
            m.self_attn.in_proj_weight.copy_(torch.cat([P[p + w].T for w in ("wq", "wk", "wv")]))
            m.self_attn.in_proj_bias.copy_(torch.cat([P[p + b] for b in ("bq", "bk", "bv")]))
            m.self_attn.out_proj.weight.copy_(P[p + "wo"].T); m.self_attn.out_proj.bias.copy_(P[p + "bo"])
            m.linear1.weight.copy_(P[p + "w1"].T); m.linear1.bias.copy_(P[p + "b1"])
            m.linear2.weight.copy_(P[p + "w2"].T); m.linear2.bias.copy_(P[p + "b2"])
            m.norm1.weight.copy_(P[p + "ln1g"]); m.norm1.bias.copy_(P[p + "ln1b"])
            m.norm2.weight.copy_(P[p + "ln2g"]); m.norm2.bias.copy_(P[p + "ln2b"])
        mods.append(m)
    emb = P["wEmbed"].detach().clone().requires_grad_(True)
    extra = {n: P[n].detach().clone().requires_grad_(True) for n in ("wPos", "lnfG", "lnfB", "wVocab") if n in P}
    x = F.embedding(tokens, emb)
    if "wPos" in extra:
        x = x + extra["wPos"][:T]
    if cfg["positions"] == "SINUSOIDAL":   # the exp/log form of the original paper's table
        pos = torch.arange(T, dtype=torch.float64)[:, None]
        div = torch.exp(torch.arange(0, C, 2, dtype=torch.float64) * (-math.log(10000.0) / C))
        pe = torch.zeros(T, C, dtype=torch.float64)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        x = x + pe
    mask = nn.Transformer.generate_square_subsequent_mask(T).double()
    for m in mods:
        x = m(x, src_mask=mask)
    if cfg["norm"] == "PRE":
        x = F.layer_norm(x, (C,), extra["lnfG"], extra["lnfB"], eps)
    logits = F.linear(x, emb if cfg["tied"] else extra["wVocab"])
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)
    loss.backward()
    G = {"wEmbed": emb.grad}
    G.update({n: t.grad for n, t in extra.items()})
    for l, m in enumerate(mods):
        p = f"layer.{l}."
        wg, bg = m.self_attn.in_proj_weight.grad, m.self_attn.in_proj_bias.grad
        for j, n in enumerate(("q", "k", "v")):
            G[p + "w" + n] = wg[j * C:(j + 1) * C].T
            G[p + "b" + n] = bg[j * C:(j + 1) * C]
        G[p + "wo"], G[p + "bo"] = m.self_attn.out_proj.weight.grad.T, m.self_attn.out_proj.bias.grad
        G[p + "w1"], G[p + "b1"] = m.linear1.weight.grad.T, m.linear1.bias.grad
        G[p + "w2"], G[p + "b2"] = m.linear2.weight.grad.T, m.linear2.bias.grad
        G[p + "ln1g"], G[p + "ln1b"] = m.norm1.weight.grad, m.norm1.bias.grad
        G[p + "ln2g"], G[p + "ln2b"] = m.norm2.weight.grad, m.norm2.bias.grad
    return logits.detach(), loss.item(), G


def forward_functional(cfg, P, tokens, targets):
    """rope and the modern variants via F.* ops, complex-number RoPE and einsum attention (no shared helpers).
    RMSNorm is torch's LayerNorm of [x, −x] (mean 0, variance mean(x²)), the soft-cap 2c·σ(2z/c) − c."""
    Bx, T = tokens.shape
    C, H, eps, cap = cfg["embd"], cfg["heads"], cfg["lnEps"], cfg["softcap"]
    hs = C // H
    freqs = 1.0 / cfg["ropeTheta"] ** (torch.arange(0, hs, 2, dtype=torch.float64) / hs)
    rot = torch.polar(torch.ones(T, hs // 2, dtype=torch.float64), torch.outer(torch.arange(T, dtype=torch.float64), freqs))

    def apply_rope(t):   # (B,T,H,hs) as complex pairs
        tc = torch.view_as_complex(t.reshape(Bx, T, H, hs // 2, 2).contiguous())
        return torch.view_as_real(tc * rot[None, :, None, :]).reshape(Bx, T, H, hs)

    def rms(t):          # over the last dim, no gain
        n = t.shape[-1]
        return F.layer_norm(torch.cat([t, -t], -1), (2 * n,), eps=eps)[..., :n]

    def norm(t, w, b):
        return rms(t) * w if cfg["normType"] == "RMS" else F.layer_norm(t, (C,), w, b, eps)

    act = {"GELU": lambda u: F.gelu(u, approximate="tanh"), "RELU": F.relu, "RELU2": lambda u: F.relu(u).square()}[cfg["activation"]]

    x = F.embedding(tokens, P["wEmbed"])
    if cfg["positions"] == "LEARNED":
        x = x + F.embedding(torch.arange(T), P["wPos"])

    def attn(h, p):
        q, k, v = (F.linear(h, P[p + w].T, P.get(p + "b" + w[1])).reshape(Bx, T, H, hs) for w in ("wq", "wk", "wv"))
        if cfg["qkNorm"]:
            q, k = rms(q), rms(k)
        if cfg["positions"] == "ROPE":
            q, k = apply_rope(q), apply_rope(k)
        s = torch.einsum("bthd,bshd->bhts", q, k) * hs ** -0.5
        s = s + torch.triu(torch.full((T, T), float("-inf"), dtype=torch.float64), 1)
        y = torch.einsum("bhts,bshd->bthd", F.softmax(s, -1), v).reshape(Bx, T, C)
        return F.linear(y, P[p + "wo"].T, P.get(p + "bo"))

    def mlp(h, p):
        return F.linear(act(F.linear(h, P[p + "w1"].T, P.get(p + "b1"))), P[p + "w2"].T, P.get(p + "b2"))

    for l in range(cfg["layers"]):
        p = f"layer.{l}."
        if cfg["norm"] == "PRE":
            x = x + attn(norm(x, P[p + "ln1g"], P.get(p + "ln1b")), p)
            x = x + mlp(norm(x, P[p + "ln2g"], P.get(p + "ln2b")), p)
        else:
            x = norm(x + attn(x, p), P[p + "ln1g"], P.get(p + "ln1b"))
            x = norm(x + mlp(x, p), P[p + "ln2g"], P.get(p + "ln2b"))
    if cfg["norm"] == "PRE":
        x = norm(x, P["lnfG"], P.get("lnfB"))
    logits = F.linear(x, P["wEmbed"] if cfg["tied"] else P["wVocab"])
    if cap > 0:
        logits = 2 * cap * torch.sigmoid(2 * logits / cap) - cap
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)
    return logits, loss


# ---- checks ----------------------------------------------------------------------------------------
def rel(a, b):
    return (torch.linalg.norm(a - b) / max(torch.linalg.norm(b).item(), 1e-300)).item()


def check_finite_differences(cfg, P, tokens, targets, gen, per_tensor=3, h=1e-5):
    worst = 0.0
    with torch.no_grad():
        for name, _, _ in layout(cfg):
            t, g = P[name], P[name].grad
            idx = torch.randint(0, t.numel(), (per_tensor,), generator=gen).tolist()
            nz = torch.nonzero(g.reshape(-1)).reshape(-1)
            if 0 < len(nz) < t.numel():   # also one entry with an exactly zero gradient
                idx.append(int(torch.nonzero(g.reshape(-1) == 0)[0]))
            for i in idx:
                flat_t = t.view(-1)
                old = flat_t[i].item()
                flat_t[i] = old + h; lp = forward(cfg, P, tokens, targets)[1].item()
                flat_t[i] = old - h; lm = forward(cfg, P, tokens, targets)[1].item()
                flat_t[i] = old
                fd, an = (lp - lm) / (2 * h), g.reshape(-1)[i].item()
                err = abs(fd - an) / (abs(an) + 1e-5)   # FD noise ~ 1e-16·loss/h
                worst = max(worst, err)
                assert err < 1e-5, f"{name}[{i}]: finite difference {fd} vs autograd {an}"
    return worst


def adamw_run(cfg, P0, tokens, targets, dtype=torch.float64, manual=False):
    """Returns (losses of the 10 forwards, flat params after 10 steps)."""
    P = {n: t.detach().to(dtype).clone().requires_grad_(True) for n, t in P0.items()}
    names = [n for n, _, _ in layout(cfg)]
    a = ADAMW
    decay = [P[n] for n in names if P[n].dim() >= 2]
    rest = [P[n] for n in names if P[n].dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a["weightDecay"]},
                             {"params": rest, "weight_decay": 0.0}],
                            lr=a["lr"], betas=(a["beta1"], a["beta2"]), eps=a["eps"])
    m = {n: torch.zeros_like(P[n]) for n in names}
    v = {n: torch.zeros_like(P[n]) for n in names}
    losses = []
    for step in range(1, a["steps"] + 1):
        for t in P.values():
            t.grad = None
        loss = forward(cfg, P, tokens, targets)[1]
        losses.append(loss.item())
        loss.backward()
        if not manual:
            opt.step()
            continue
        with torch.no_grad():   # the formula of Kernels.adamw
            bc1, bc2 = 1 - a["beta1"] ** step, 1 - a["beta2"] ** step
            for n in names:
                wd = a["weightDecay"] if P[n].dim() >= 2 else 0.0
                g = P[n].grad
                m[n] = a["beta1"] * m[n] + (1 - a["beta1"]) * g
                v[n] = a["beta2"] * v[n] + (1 - a["beta2"]) * g * g
                P[n] -= a["lr"] * ((m[n] / bc1) / (torch.sqrt(v[n] / bc2) + a["eps"]) + wd * P[n])
    return losses, flat(P, cfg)


def per_tensor_rel(cfg, a, b):
    out, off = {}, 0
    for name, _, shape in layout(cfg):
        n = math.prod(shape)
        out[name] = rel(a[off:off + n], b[off:off + n])
        off += n
    return out


# ---- main ------------------------------------------------------------------------------------------
def build(variant, spec, seed):
    cfg = dict(BASE, **{k: v for k, v in spec.items() if k != "T"})
    T = spec["T"]
    gen = torch.Generator().manual_seed(seed)
    P = init_params(cfg, gen)
    V = cfg["vocab"]
    # tokens from the lower 30 ids only: rows of wEmbed for unseen tokens must get exactly zero gradient
    tokens = torch.randint(0, V - 7, (B, T), generator=gen)
    targets = torch.randint(0, V, (B, T), generator=gen)
    targets[0, 2] = -1
    targets[1, T - 1] = -1

    logits, loss = forward(cfg, P, tokens, targets)
    loss.backward()
    grads = flat(P, cfg, grad=True)

    # 1. autograd vs finite differences
    fd_worst = check_finite_differences(cfg, P, tokens, targets, gen)
    # 2. a second formulation
    if cfg["positions"] == "ROPE" or modern(cfg):
        P2 = {n: t.detach().clone().requires_grad_(True) for n, t in P.items()}
        l2, s2 = forward_functional(cfg, P2, tokens, targets)
        s2.backward()
        g2 = flat(P2, cfg, grad=True)
        s2 = s2.item()
    else:
        l2, s2, G2 = forward_modules(cfg, P, tokens, targets)
        g2 = torch.cat([G2[n].reshape(-1) for n, _, _ in layout(cfg)])
    alt = (torch.max(torch.abs(l2 - logits)).item(), abs(s2 - loss.item()), rel(g2, grads))
    assert alt[0] < 1e-12 and alt[1] < 1e-12 and alt[2] < 1e-11, f"{variant}: second formulation disagrees {alt}"
    # A key bias adds the same amount to every score of a query row and softmax ignores that, so bk's
    # gradient is zero in exact arithmetic: only roundoff remains, which Adam (dividing by √v) turns into
    # steps of arbitrary sign. Those tensors are listed so the test checks them for "zero" instead.
    # QK-norm normalises after the bias, which makes bk matter.
    zero_grad = [n for n, _, _ in layout(cfg) if n.endswith(".bk") and not cfg["qkNorm"]]
    per = per_tensor_rel(cfg, grads, torch.zeros_like(grads))
    for n in zero_grad:
        assert torch.linalg.norm(P[n].grad) < 1e-14 * torch.linalg.norm(grads), f"{n} gradient not ~0"
    assert not [n for n in per if per[n] == 0], f"{variant}: tensors with all-zero gradient"
    # 3. torch.optim.AdamW vs the hand-written formula
    losses, final = adamw_run(cfg, P, tokens, targets)
    losses_m, final_m = adamw_run(cfg, P, tokens, targets, manual=True)
    adam_diff = (max(abs(x - y) for x, y in zip(losses, losses_m)),
                 max(r for n, r in per_tensor_rel(cfg, final_m, final).items() if n not in zero_grad))
    assert adam_diff[0] < 1e-12 and adam_diff[1] < 1e-12, f"{variant}: AdamW formula disagrees {adam_diff}"
    assert losses[-1] < losses[0], f"{variant}: AdamW did not reduce the loss {losses}"

    # 4. what float32 costs (informational; the Java F32 tolerances must cover this)
    P32 = {n: t.detach().float().clone().requires_grad_(True) for n, t in P.items()}
    l32, s32 = forward(cfg, P32, tokens, targets)
    s32.backward()
    g32 = per_tensor_rel(cfg, flat(P32, cfg, grad=True).double(), grads)
    losses32, final32 = adamw_run(cfg, P, tokens, targets, dtype=torch.float32)
    f32 = dict(logits=torch.max(torch.abs(l32.double() - logits)).item(), loss=abs(s32.item() - loss.item()),
               grad_rel=max(r for n, r in g32.items() if n not in zero_grad), adam_loss=max(abs(x - y) for x, y in zip(losses32, losses)),
               final_rel=max(r for n, r in per_tensor_rel(cfg, final32.double(), final).items() if n not in zero_grad))


    layout_rows, off = [], 0
    for name, _, shape in layout(cfg):
        layout_rows.append({"name": name, "offset": off, "shape": list(shape)})
        off += math.prod(shape)
    fixture = {
        "variant": variant,
        "generator": "tools/torch_reference.py (PyTorch %s, float64, seed %d)" % (torch.__version__, seed),
        "config": {k: cfg[k] for k in CONFIG_KEYS + (MODERN_KEYS if modern(cfg) else [])},
        "B": B, "T": T,
        "tokens": tokens.reshape(-1).tolist(),
        "targets": targets.reshape(-1).tolist(),
        "layout": layout_rows,
        "zeroGradient": zero_grad,
        "params": flat(P, cfg).tolist(),
        "logits": logits.detach().reshape(-1).tolist(),
        "loss": loss.item(),
        "grads": grads.tolist(),
        "adamw": dict(ADAMW, losses=losses, params=final.tolist()),
    }
    cap = cfg["softcap"]
    bend = torch.max(torch.abs(torch.atanh(logits.detach() / cap))).item() if cap > 0 else 0.0   # max |z|/c
    info = dict(bend=bend, params=off, loss=loss.item(), fd_worst_rel=fd_worst, alt=alt, adam_manual=adam_diff,
                adam_losses=(losses[0], losses[-1]), f32=f32)
    return fixture, info


def write_json(path, obj):
    """One top-level key per line; floats via repr (json does that): exact round trip."""
    body = ",\n".join(json.dumps(k) + ":" + json.dumps(v, separators=(",", ":"), allow_nan=False) for k, v in obj.items())
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("{\n" + body + "\n}\n")
    os.replace(tmp, path)


def main():
    torch.manual_seed(0)
    os.makedirs(OUT_DIR, exist_ok=True)
    for seed, (variant, spec) in enumerate(VARIANTS.items(), start=1234):
        fixture, info = build(variant, spec, seed)
        path = os.path.join(OUT_DIR, f"torch_{variant}.json")
        write_json(path, fixture)
        print(f"{variant:11s} {os.path.getsize(path) / 1024:6.1f} KB  params={info['params']} loss={info['loss']:.6f}"
              f"  AdamW {info['adam_losses'][0]:.4f} -> {info['adam_losses'][1]:.4f}"
              + (f"  soft-cap: max |z|/c {info['bend']:.2f}" if info["bend"] else ""))
        print(f"          checks: finite-diff worst rel {info['fd_worst_rel']:.1e}; second formulation"
              f" |dlogits| {info['alt'][0]:.1e} |dloss| {info['alt'][1]:.1e} grad rel {info['alt'][2]:.1e};"
              f" AdamW hand-written vs torch loss {info['adam_manual'][0]:.1e} params rel {info['adam_manual'][1]:.1e}")
        f = info["f32"]
        print(f"          torch float32 vs float64: logits {f['logits']:.1e} loss {f['loss']:.1e} worst grad-tensor rel"
              f" {f['grad_rel']:.1e} AdamW losses {f['adam_loss']:.1e} final params worst tensor rel {f['final_rel']:.1e}")


if __name__ == "__main__":
    main()
