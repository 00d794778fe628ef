#!/usr/bin/env bash
# A Spark standalone cluster on this machine: a master and 2 workers (1 core each), separate JVMs run from
# the Spark jars Maven put in ~/.m2 (no Spark download), bound to 127.0.0.1 only.
#   scripts/spark-cluster.sh start|stop|status
# Then: ./jgpt train --spark spark://127.0.0.1:17077 --workers 2 --data PREPARED_DIR ...
# Env: JGPT_SPARK_PORT (master port, default 17077; web UIs on the next three ports), JGPT_SPARK_STATE (pid
# files, logs and the SPARK_HOME made of links to the jars; default spark/target/cluster), JGPT_SPARK_WORKER_MEMORY (2g).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/find-java.sh"
PORT="${JGPT_SPARK_PORT:-17077}"
STATE="${JGPT_SPARK_STATE:-$ROOT/spark/target/cluster}"
MASTER="spark://127.0.0.1:$PORT"
WORKERS=2
export SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.13 SPARK_HOME="$STATE/spark-home"

running() { [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

# SPARK_HOME as Spark's launcher expects it of a release: jars/ (here links to the ~/.m2 jars) and a RELEASE file.
make_home() {
  local cp="$ROOT/spark/target/classpath.txt"
  if [ ! -f "$cp" ]; then
    echo "spark-cluster: building the core and jgpt-spark (mvn install, mvn -f spark/pom.xml package) ..." >&2
    (cd "$ROOT" && mvn -q -B -DskipTests install >&2 && mvn -q -B -DskipTests -f spark/pom.xml package >&2)
  fi
  rm -rf "$SPARK_HOME" && mkdir -p "$SPARK_HOME/jars"
  tr ':' '\n' < "$cp" | while read -r jar; do [ -n "$jar" ] && ln -sf "$jar" "$SPARK_HOME/jars/"; done
  : > "$SPARK_HOME/RELEASE"
}

launch() { # name, class, args...
  local name=$1; shift
  # shellcheck disable=SC2046
  nohup "$JAVA_HOME/bin/java" $(cat "$ROOT/scripts/spark-jvm-flags") -XX:+UseParallelGC -Xmx512m \
    -Dspark.ui.enabled=false -Dspark.master.rest.enabled=false -cp "$SPARK_HOME/jars/*" "$@" > "$STATE/$name.log" 2>&1 &
  echo $! > "$STATE/$name.pid"
}

wait_for() { # log file, pattern, what
  for _ in $(seq 1 120); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.5; done
  echo "spark-cluster: $3 did not come up in 60 s (see $1)" >&2; return 1
}

case "${1:-}" in
  start)
    mkdir -p "$STATE"
    if running master; then echo "spark-cluster: already running at $MASTER"; exit 0; fi
    make_home
    launch master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" --webui-port $((PORT + 1))
    wait_for "$STATE/master.log" "Starting Spark master at" "the master"
    for i in $(seq 1 $WORKERS); do
      mkdir -p "$STATE/work$i"
      launch "worker$i" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory "${JGPT_SPARK_WORKER_MEMORY:-2g}" \
        --webui-port $((PORT + 1 + i)) --work-dir "$STATE/work$i" "$MASTER"
    done
    for i in $(seq 1 $WORKERS); do wait_for "$STATE/worker$i.log" "Successfully registered with master" "worker $i"; done
    echo "spark-cluster: master $MASTER and $WORKERS workers running (logs in $STATE)"
    ;;
  stop)
    for n in $(for i in $(seq 1 $WORKERS); do echo "worker$i"; done) master; do
      if running "$n"; then
        pid=$(cat "$STATE/$n.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$pid" 2>/dev/null || true
      fi
      rm -f "$STATE/$n.pid"
    done
    echo "spark-cluster: stopped"
    ;;
  status)
    up=0
    for n in master $(for i in $(seq 1 $WORKERS); do echo "worker$i"; done); do
      if running "$n"; then echo "$n: running (pid $(cat "$STATE/$n.pid"))"; up=$((up + 1)); else echo "$n: stopped"; fi
    done
    echo "master URL: $MASTER"
    [ "$up" -eq $((WORKERS + 1)) ]
    ;;
  *) echo "usage: scripts/spark-cluster.sh start|stop|status" >&2; exit 2 ;;
esac
