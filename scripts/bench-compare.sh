#!/usr/bin/env bash
# Runs ./jgpt bench and the PyTorch peer alternately, several rounds, for configs A, B, C at the given
# thread counts, and appends one JSON line per run to OUT (default bench-results.jsonl).
# Needs Debian's python3-torch + libopenblas0-openmp for the peer. Summarise with scripts/bench-table.py OUT.
# Usage: scripts/bench-compare.sh [ROUNDS] [THREADS...]      e.g. scripts/bench-compare.sh 3 2 1
# KERNELS="java blas" (default) runs jgpt once per kernel choice in each round; REPLICAS="auto" (default)
# once per --replicas value (e.g. REPLICAS="1 2"); CONFIGS="A B C" the shapes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEER="${PEER:-$ROOT/../shared/peers/torch_gpt.py}"
OUT="${OUT:-bench-results.jsonl}"
ROUNDS="${1:-3}"; shift || true
THREADS=("${@:-2}")
CONFIGS="${CONFIGS:-A B C}"
KERNELS="${KERNELS:-java blas}"
REPLICAS="${REPLICAS:-auto}"
declare -A SHAPE=(
  [A]="--vocab 65 --layers 4 --heads 4 --embd 128 --block 64 --batch 12"
  [B]="--vocab 65 --layers 6 --heads 6 --embd 384 --block 256 --batch 8"
  [C]="--vocab 50257 --layers 12 --heads 12 --embd 768 --block 64 --batch 4"
)
declare -A STEPS=([A]=30 [B]=10 [C]=10)
for r in $(seq 1 "$ROUNDS"); do
  for c in $CONFIGS; do
    for t in "${THREADS[@]}"; do
      for k in $KERNELS; do
        for rep in $REPLICAS; do
          echo "round $r config $c threads $t: jgpt --kernels $k --replicas $rep" >&2
          line=$("$ROOT/jgpt" bench ${SHAPE[$c]} --steps ${STEPS[$c]} --threads "$t" --kernels "$k" --replicas "$rep" --json 2>/dev/null | tail -n 1)
          echo "{\"tool\":\"jgpt\",\"kernels\":\"$k\",\"replicas_flag\":\"$rep\",\"config\":\"$c\",\"round\":$r,\"threads\":$t,\"result\":$line}" >> "$OUT"
        done
      done
      echo "round $r config $c threads $t: torch" >&2
      line=$(/usr/bin/python3 "$PEER" ${SHAPE[$c]} --steps ${STEPS[$c]} --threads "$t" 2>/dev/null | sed -n 's/^RESULT //p' | tail -n 1)
      echo "{\"tool\":\"torch\",\"config\":\"$c\",\"round\":$r,\"threads\":$t,\"result\":$line}" >> "$OUT"
    done
  done
done
