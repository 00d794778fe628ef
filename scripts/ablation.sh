#!/usr/bin/env bash
# The ablation table of BENCHMARKS.md ("A modern recipe"): each variant trained for the same wall time.
#   scripts/ablation.sh BUDGET_S VARIANTS_FILE [OUT]      (e.g. scripts/ablation-shakespeare.txt)
# VARIANTS_FILE: one variant a line, "name|train flags" (flags added to --recipe shakespeare-fast's, or to the
# line's own --recipe). Each variant is timed first (CALIB steps, median ms/step), then trained for
# BUDGET_S·1000/ms steps (its schedule spans them), then scored by `jgpt eval` on the held-out 10 %
# (200 batches of 8 × 64). Prints one markdown row a variant.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUDGET=$1; VARIANTS=$2; OUT=${3:-$(mktemp -d /tmp/jgpt-ablation.XXXX)}
CALIB=${CALIB:-200}
DATA=${DATA:-$ROOT/../shared/data/tinyshakespeare.txt}
mkdir -p "$OUT"
"$ROOT/jgpt" prepare --input "$DATA" --out "$OUT/tok" > /dev/null
# the second half of the timing run: past the JIT's compilations
median_ms() { python3 -c "import json,statistics as s; L=[json.loads(l) for l in open('$1/metrics.jsonl')]; print('%.2f' % s.median(x['ms'] for x in L[len(L)//2:]))"; }
echo "| variant | ms/step | steps in ${BUDGET} s | eval loss | flags |"
echo "|---|---|---|---|---|"
while IFS='|' read -r name flags; do
  [ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
  recipe=(--recipe shakespeare-fast); [[ "$flags" == *--recipe* ]] && recipe=()
  # shellcheck disable=SC2086
  "$ROOT/jgpt" train "${recipe[@]}" $flags --data "$DATA" --steps "$CALIB" --eval-every 0 --checkpoint-every 0 \
      --sample 0 --out "$OUT/$name.calib" > "$OUT/$name.calib.log" 2>&1
  ms=$(median_ms "$OUT/$name.calib")
  steps=$(python3 -c "print(int($BUDGET * 1000 / $ms))")
  # shellcheck disable=SC2086
  "$ROOT/jgpt" train "${recipe[@]}" $flags --data "$DATA" --steps "$steps" --eval-every 0 --checkpoint-every 0 \
      --sample 0 --out "$OUT/$name" > "$OUT/$name.log" 2>&1
  loss=$("$ROOT/jgpt" eval --model "$OUT/$name" --data "$OUT/tok/val.bin" --batch 8 --block 64 --batches 200 --json | tail -1 \
      | python3 -c "import json,sys; print('%.4f' % json.load(sys.stdin)['loss'])")
  echo "| $name | $ms | $steps | $loss | \`$flags\` |"
done < "$VARIANTS"
echo "runs in $OUT" >&2
