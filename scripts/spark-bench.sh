#!/usr/bin/env bash
# Spark step split benchmark (BENCHMARKS.md "Data-parallel training on Spark"): for one config, ROUNDS rounds of
# the single-JVM trainer, --spark local[2] and --spark on the standalone cluster (scripts/spark-cluster.sh, started
# by the caller), alternately; then scripts/spark-bench-table.py OUT prints the table.
#   CONFIG=B|C DATA=PREPARED_DIR OUT=DIR [ROUNDS=2 STEPS=6 MODES="single local cluster"] scripts/spark-bench.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG="${CONFIG:-B}" ROUNDS="${ROUNDS:-2}" STEPS="${STEPS:-6}" MODES="${MODES:-single local cluster}"
case "$CONFIG" in
  B) SHAPE="--layers 6 --heads 6 --embd 384 --block 256 --batch 8" ;;
  C) SHAPE="--layers 12 --heads 12 --embd 768 --block 64 --batch 4" ;;
  *) echo "CONFIG must be B or C" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  for m in $MODES; do
    run="$OUT/$CONFIG-$m-$r"; rm -rf "$run"
    case "$m" in
      single) extra="--replicas 2" ;;
      local) extra="--spark local[2] --workers 2" ;;
      cluster) extra="--spark spark://127.0.0.1:${JGPT_SPARK_PORT:-17077} --workers 2" ;;
    esac
    # shellcheck disable=SC2086
    "$ROOT/jgpt" train --data "$DATA" $SHAPE --steps "$STEPS" --eval-every 0 --checkpoint-every 0 --threads 2 \
      --peak-gflops 100 $extra --out "$run" > "$run.out" 2>&1 || { echo "failed: $run (see $run.out)" >&2; exit 1; }
    echo "$run done"
  done
done
