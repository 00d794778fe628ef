#!/usr/bin/env bash
# CPU time the dashboard process spends serving tools/DashboardLoad.java (100 req/s for 30 s), against 30 s idle:
# a bound on what it can take from a training run on the same machine, whatever else the machine runs.
#   scripts/bench-dashboard-cpu.sh RUNS_DIR RUN_NAME
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/find-java.sh"
PORT=${PORT:-6178}
"$ROOT/jgpt" dashboard "$1" --port "$PORT" > /tmp/jgpt-dashboard-cpu.log 2>&1 &
PID=$!
until grep -q "^dashboard:" /tmp/jgpt-dashboard-cpu.log; do sleep 0.2; done
sleep 5
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }   # user + system clock ticks of the JVM
HZ=$(getconf CLK_TCK)
c0=$(cpu); sleep 30; c1=$(cpu)
"$JAVA_HOME/bin/java" "$ROOT/tools/DashboardLoad.java" "http://127.0.0.1:$PORT" "$2" 100 30 > /tmp/jgpt-dashboard-load.txt
c2=$(cpu)
"$JAVA_HOME/bin/java" "$ROOT/tools/DashboardLoad.java" "http://127.0.0.1:$PORT" "$2" 100 30 > /tmp/jgpt-dashboard-load2.txt
c3=$(cpu)
kill "$PID"
echo "idle 30 s: $(echo "scale=2; ($c1-$c0)/$HZ" | bc) CPU-s"
echo "first 30 s of load (JIT warming): $(echo "scale=2; ($c2-$c1)/$HZ" | bc) CPU-s; $(cat /tmp/jgpt-dashboard-load.txt)"
echo "next 30 s of load: $(echo "scale=2; ($c3-$c2)/$HZ" | bc) CPU-s; $(cat /tmp/jgpt-dashboard-load2.txt)"
