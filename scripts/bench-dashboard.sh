#!/usr/bin/env bash
# Training speed with the dashboard serving under load vs training alone (BENCHMARKS.md, "Dashboard").
# Alternates A (train) and B (train --dashboard + tools/DashboardLoad.java: 100 req/s for 30 s) ROUNDS times on
# the shakespeare-char recipe, and compares the median ms/step over the steps B's load covered, in both runs.
#   scripts/bench-dashboard.sh [ROUNDS] [STEPS] [LOAD_AFTER]   (the load starts once LOAD_AFTER steps are written)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/find-java.sh"
ROUNDS=${1:-2}; STEPS=${2:-700}; LOAD_AFTER=${3:-100}
DATA="$ROOT/../shared/data/tinyshakespeare.txt"
OUT=$(mktemp -d /tmp/jgpt-bench-dashboard.XXXX)
PORT=${PORT:-6177}
TRAIN=(train --recipe shakespeare-char --data "$DATA" --steps "$STEPS" --sample 0 --eval-every 0 --checkpoint-every 0 --peak-gflops 100)
lines() { [ -f "$1/metrics.jsonl" ] && wc -l < "$1/metrics.jsonl" || echo 0; }
median() {  # median ms of metrics lines [from, to) of run $1
  python3 -c "import json,sys,statistics as s; L=[json.loads(l) for l in open('$1/metrics.jsonl')][$2:$3]; print('%.2f' % s.median(x['ms'] for x in L))"
}
"$ROOT/jgpt" --help > /dev/null   # build once
for r in $(seq 1 "$ROUNDS"); do
  "$ROOT/jgpt" "${TRAIN[@]}" --out "$OUT/a$r" > "$OUT/a$r.log" 2>&1
  # its own process group: the launcher pipes java's stderr through a filter, so killing the script alone
  # would leave the JVM (and its server on PORT) running into the next round
  setsid "$ROOT/jgpt" "${TRAIN[@]}" --out "$OUT/b$r" --dashboard --port "$PORT" > "$OUT/b$r.log" 2>&1 &
  PID=$!
  until [ "$(lines "$OUT/b$r")" -ge "$LOAD_AFTER" ]; do sleep 0.5; done
  FROM=$(lines "$OUT/b$r")
  "$JAVA_HOME/bin/java" "$ROOT/tools/DashboardLoad.java" "http://127.0.0.1:$PORT" "b$r" 100 30 | tee "$OUT/load$r.txt"
  TO=$(lines "$OUT/b$r")
  until grep -q "keeps serving" "$OUT/b$r.log"; do sleep 0.5; done
  kill -- -"$PID"; wait "$PID" 2>/dev/null || true
  while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do sleep 0.5; done   # the port is free again
  echo "round $r: steps [$FROM, $TO) under load: alone $(median "$OUT/a$r" "$FROM" "$TO") ms/step, with dashboard + load $(median "$OUT/b$r" "$FROM" "$TO") ms/step"
done
echo "runs in $OUT"
