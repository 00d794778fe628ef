#!/usr/bin/env python3
"""Table of scripts/spark-bench.sh runs: mean ms per step (first step dropped: start-up) split into compute,
parameter broadcast, gradient reduction and driver update, per config and mode, over all rounds."""
import json, os, statistics, sys
from collections import defaultdict

out = sys.argv[1]
rows = defaultdict(lambda: defaultdict(list))
for name in sorted(os.listdir(out)):
    run = os.path.join(out, name)
    if not os.path.isdir(run):
        continue
    cfg, mode, _ = name.split("-")
    metrics = [json.loads(l) for l in open(os.path.join(run, "metrics.jsonl"))][1:]
    sp = os.path.join(run, "spark-steps.jsonl")
    steps = {s["step"]: s for s in (json.loads(l) for l in open(sp))} if os.path.exists(sp) else {}
    for m in metrics:
        r = rows[(cfg, mode)]
        r["step"].append(m["ms"])
        s = steps.get(m["step"])
        if s:
            r["compute"].append(s["compute_ms"])
            r["broadcast"].append(s["broadcast_ms"] + s["param_fetch_ms"])
            r["reduce"].append(s["job_ms"] - s["param_fetch_ms"] - s["compute_ms"] + s["sum_ms"])
            r["update"].append(m["ms"] - s["broadcast_ms"] - s["job_ms"] - s["sum_ms"])
            r["bytes"] = [s["param_bytes"], s["grad_bytes"]]
print("| config | mode | steps | ms/step (median) | compute | broadcast | reduce | driver update | params out MB | grads in MB |")
print("|---|---|---|---|---|---|---|---|---|---|")
for (cfg, mode), r in sorted(rows.items()):
    med = lambda k: f"{statistics.median(r[k]):,.0f}" if r.get(k) else "–"
    b = r.get("bytes")
    print(f"| {cfg} | {mode} | {len(r['step'])} | {med('step')} | {med('compute')} | {med('broadcast')} | {med('reduce')} | {med('update')} | "
          f"{b[0] / 1e6:.1f} | {b[1] / 1e6:.1f} |" if b else f"| {cfg} | {mode} | {len(r['step'])} | {med('step')} | – | – | – | – | – | – |")
