#!/usr/bin/env python3
"""Summarises scripts/bench-compare.sh output: medians over rounds per (config, threads), jgpt ÷ PyTorch ratios."""
import json, statistics, sys
from collections import defaultdict

runs = defaultdict(list)
for line in open(sys.argv[1] if len(sys.argv) > 1 else "bench-results.jsonl"):
    d = json.loads(line)
    if d.get("result"):
        tool = "torch" if d["tool"] == "torch" else ("jgpt", d.get("kernels", "java"), d["result"].get("replicas", 1))
        runs[(d["config"], d["threads"], tool)].append(d["result"])

def med(xs): return statistics.median(xs) if xs else float("nan")

print("| config | threads | jgpt kernels | replicas | jgpt train tok/s | PyTorch train tok/s | ratio | jgpt fwd tok/s | PyTorch fwd tok/s | ratio | jgpt gen tok/s | jgpt MFU | jgpt RSS MiB | PyTorch RSS MiB | runs |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (c, t, tool) in sorted((k for k in runs if k[2] != "torch"), key=str):
    j, p = runs[(c, t, tool)], runs[(c, t, "torch")]
    jt, pt = med([r["train_tokens_per_s"] for r in j]), med([r["train_tok_per_s_median"] for r in p])
    jf, pf = med([r["forward_tokens_per_s"] for r in j]), med([r["infer_tok_per_s_median"] for r in p])
    jg = med([r["generate_tokens_per_s"] for r in j])
    mfu = med([r["mfu"] for r in j])
    jr = med([r["peak_rss_mb"] for r in j])
    pr = med([r.get("peak_rss_mib", r.get("peak_rss_mib_after_train", float("nan"))) for r in p])
    print(f"| {c} | {t} | {tool[1]} | {tool[2]} | {jt:,.0f} | {pt:,.0f} | {jt/pt:.2f} | {jf:,.0f} | {pf:,.0f} | {jf/pf:.2f} | {jg:,.1f} | {100*mfu:.0f}% | {jr:,.0f} | {pr:,.0f} | {len(j)}+{len(p)} |")
