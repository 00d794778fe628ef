"""PyTorch float64 reference fixture for jgpt's Muon optimizer (jgpt.train.Muon).

Muon as published by Keller Jordan (written here from the algorithm's description, not copied): on each 2-D
weight matrix of the blocks, in nn.Linear's (out, in) orientation,
    buf = mu*buf + g;  u = g + mu*buf (Nesterov)
    X = u / (|u|_F + 1e-7), transposed when rows > cols;  5 x { A = X X^T;  X = a X + (b A + c A^2) X }
    W = W (1 - lr*wd) - lr * sqrt(max(1, rows/cols)) * X,   (a, b, c) = (3.4445, -4.7750, 2.0315)
and torch.optim.AdamW (decay on rank >= 2 only) on everything else: embeddings, positions, the output head,
LayerNorm gains and biases. jgpt stores weights (in, out), so the script hands Muon P[name].T and applies the
update through .T: the fixture pins the orientation convention, not just the arithmetic.

The model is tools/torch_reference.py's (imported), at a size that keeps the fixture small, with odd shapes
(ffn 20 = 2.5 x embd: W1 is tall, W2 wide in torch's (out, in) orientation). No biases: a key bias has a
roundoff-only gradient that Adam turns into steps of arbitrary sign (see torch_reference.py); LayerNorm gains,
embeddings, positions and the head are what AdamW updates here. Each step uses a different learning-rate
factor (as a schedule would), applied to both groups. Written: src/test/resources/fixtures/torch_muon.json with
the config, batch, initial params (flat, ParamLayout order), the settings, the loss before each update and the
params after the last.

Checks before writing: the singular values of every Newton-Schulz output are phi^5 of its input's (normalised),
phi(s) = a s + b s^3 + c s^5; those from inputs >= 0.01 lie in the quintic's invariant band (about [0.68, 1.21]);
smaller ones (real gradients have them, and the matrices reading a LayerNorm output have a null space, which an
odd polynomial keeps null) stay below it, as the published algorithm accepts; and the loss goes down.

Regenerate (Debian: apt-get install python3-torch):
    /usr/bin/python3 tools/torch_muon_reference.py
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_reference as ref  # noqa: E402  (the model, layout and JSON writer)

CFG = dict(vocab=11, block=6, layers=1, heads=2, embd=8, ffn=20, norm="PRE", activation="GELU",
           positions="LEARNED", tied=False, bias=False, ropeTheta=10000.0, lnEps=1e-5)
B, T = 2, 6
MUON = dict(lr=1e-2, muonLr=0.05, momentum=0.95, beta1=0.9, beta2=0.95, eps=1e-8, weightDecay=0.1,
            lrFactors=[1.0, 0.8, 0.5, 0.3])
NS = (3.4445, -4.7750, 2.0315)
BLOCK_MATRICES = ("wq", "wk", "wv", "wo", "w1", "w2")


def newton_schulz(G, steps=5, eps=1e-7):
    a, b, c = NS
    X = G / (torch.linalg.norm(G) + eps)
    tall = X.shape[0] > X.shape[1]
    if tall:
        X = X.T
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X.T if tall else X


def is_block_matrix(name):
    return name.startswith("layer.") and name.split(".")[-1] in BLOCK_MATRICES


def run(P0, tokens, targets):
    names = [n for n, _, _ in ref.layout(CFG)]
    P = {n: t.detach().clone().requires_grad_(True) for n, t in P0.items()}
    m = MUON
    muon = [n for n in names if is_block_matrix(n)]
    rest = [n for n in names if not is_block_matrix(n)]
    adam = torch.optim.AdamW([{"params": [P[n] for n in rest if P[n].dim() >= 2], "weight_decay": m["weightDecay"]},
                              {"params": [P[n] for n in rest if P[n].dim() < 2], "weight_decay": 0.0}],
                             lr=m["lr"], betas=(m["beta1"], m["beta2"]), eps=m["eps"])
    buf = {n: torch.zeros_like(P[n].T) for n in muon}
    losses, band, worst = [], [math.inf, -math.inf], [0.0]
    for f in m["lrFactors"]:
        for t in P.values():
            t.grad = None
        loss = ref.forward(CFG, P, tokens, targets)[1]
        losses.append(loss.item())
        loss.backward()
        for g in adam.param_groups:
            g["lr"] = m["lr"] * f
        adam.step()
        lr = m["muonLr"] * f
        with torch.no_grad():
            for n in muon:
                W = P[n].T                       # nn.Linear's (out, in) view of jgpt's (in, out) storage
                g = P[n].grad.T
                buf[n].mul_(m["momentum"]).add_(g)
                u = g + m["momentum"] * buf[n]
                X = newton_schulz(u)
                # Newton-Schulz acts on each singular value alone: sigma -> |phi^5(sigma / |u|_F)|
                s0 = torch.linalg.svdvals(u) / (torch.linalg.norm(u) + 1e-7)
                pred = s0.clone()
                for _ in range(5):
                    pred = NS[0] * pred + NS[1] * pred ** 3 + NS[2] * pred ** 5
                s = torch.linalg.svdvals(X)
                worst[0] = max(worst[0], (torch.sort(s).values - torch.sort(pred.abs()).values).abs().max().item())
                inside = s[s0 >= 0.01]   # large enough to reach the band in 5 steps (phi grows small values ~3.4x a step)
                band = [min(band[0], inside.min().item()), max(band[1], s.max().item())]
                rows, cols = W.shape
                W.mul_(1 - lr * m["weightDecay"])
                W.add_(X, alpha=-lr * math.sqrt(max(1.0, rows / cols)))
    return losses, ref.flat(P, CFG), band, worst[0]


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(4321)
    P = ref.init_params(CFG, gen)
    tokens = torch.randint(0, CFG["vocab"], (B, T), generator=gen)
    targets = torch.randint(0, CFG["vocab"], (B, T), generator=gen)
    losses, final, band, worst = run(P, tokens, targets)
    assert worst < 1e-12, f"Newton-Schulz singular values differ from phi^5 of the input's: {worst}"
    assert 0.68 < band[0] and band[1] < 1.21, f"Newton-Schulz singular values outside the quintic's band: {band}"
    assert losses[-1] < losses[0], f"Muon did not reduce the loss: {losses}"

    layout_rows, off = [], 0
    for name, _, shape in ref.layout(CFG):
        layout_rows.append({"name": name, "offset": off, "shape": list(shape)})
        off += math.prod(shape)
    fixture = {
        "generator": "tools/torch_muon_reference.py (PyTorch %s, float64)" % torch.__version__,
        "config": {k: CFG[k] for k in ref.CONFIG_KEYS},
        "B": B, "T": T,
        "tokens": tokens.reshape(-1).tolist(),
        "targets": targets.reshape(-1).tolist(),
        "layout": layout_rows,
        "params": ref.flat(P, CFG).tolist(),
        "muon": dict(MUON, losses=losses, params=final.tolist()),
    }
    path = os.path.join(ref.OUT_DIR, "torch_muon.json")
    ref.write_json(path, fixture)
    print(f"{path}: {os.path.getsize(path) / 1024:.1f} KB, {off} params, losses {losses}, "
          f"Newton-Schulz singular values in [{band[0]:.4f}, {band[1]:.4f}] (inputs >= 0.01), = phi^5(input) to {worst:.1e}")


if __name__ == "__main__":
    main()
