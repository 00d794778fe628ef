#!/usr/bin/env python3
"""Summarises scripts/bench-compare.sh output: medians over rounds per (config, threads), jgpt ÷ PyTorch ratios."""
import json, statistics, sys
from collections import defaultdict

runs = defaultdict(list)
peer_round = {}                      # (config, threads, round) -> PyTorch train tok/s of that round
mine_round = defaultdict(list)       # (config, threads, tool) -> [(round, jgpt train tok/s)]
for line in open(sys.argv[1] if len(sys.argv) > 1 else "bench-results.jsonl"):
    d = json.loads(line)
    if d.get("result"):
        tool = "torch" if d["tool"] == "torch" else ("jgpt", d.get("kernels", "java"), d["result"].get("replicas", 1))
        runs[(d["config"], d["threads"], tool)].append(d["result"])
        if tool == "torch": peer_round[(d["config"], d["threads"], d["round"])] = d["result"]["train_tok_per_s_median"]
        else: mine_round[(d["config"], d["threads"], tool)].append((d["round"], d["result"]["train_tokens_per_s"]))

def med(xs): return statistics.median(xs) if xs else float("nan")

print("| config | threads | jgpt kernels | replicas | jgpt train tok/s | PyTorch train tok/s | ratio | ratio per round: median (range) | jgpt fwd tok/s | PyTorch fwd tok/s | ratio | jgpt gen tok/s | gen % of bound | jgpt MFU | jgpt RSS MiB | PyTorch RSS MiB | runs |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (c, t, tool) in sorted((k for k in runs if k[2] != "torch"), key=str):
    j, p = runs[(c, t, tool)], runs[(c, t, "torch")]
    jt, pt = med([r["train_tokens_per_s"] for r in j]), med([r["train_tok_per_s_median"] for r in p])
    jf, pf = med([r["forward_tokens_per_s"] for r in j]), med([r["infer_tok_per_s_median"] for r in p])
    jg = med([r["generate_tokens_per_s"] for r in j])
    # % of the bandwidth bound: the bench's paired figure where it has one, else generation ÷ bound
    gb = med([r.get("generate_of_bound", r["generate_tokens_per_s"] / r["generate_bound_tokens_per_s"])
              for r in j if r.get("generate_bound_tokens_per_s")])
    mfu = med([r["mfu"] for r in j])
    jr = med([r["peak_rss_mb"] for r in j])
    pr = med([r.get("peak_rss_mib", r.get("peak_rss_mib_after_train", float("nan"))) for r in p])
    # the ratio of the jgpt and PyTorch runs made next to each other, round by round
    rr = sorted(v / peer_round[(c, t, r)] for r, v in mine_round[(c, t, tool)] if (c, t, r) in peer_round)
    per_round = f"{med(rr):.2f} ({rr[0]:.2f}–{rr[-1]:.2f})" if rr else "–"
    print(f"| {c} | {t} | {tool[1]} | {tool[2]} | {jt:,.0f} | {pt:,.0f} | {jt/pt:.2f} | {per_round} | {jf:,.0f} | {pf:,.0f} | {jf/pf:.2f} | {jg:,.1f} | {100*gb:.0f}% | {100*mfu:.0f}% | {jr:,.0f} | {pr:,.0f} | {len(j)}+{len(p)} |")
