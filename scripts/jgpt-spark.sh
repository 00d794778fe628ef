#!/usr/bin/env bash
# ./jgpt train --spark MASTER ...: runs the CLI with the jgpt-spark module and Spark's jars (from ~/.m2, listed in
# spark/target/classpath.txt at build time), with the JVM flags Spark needs on JDK 25 (scripts/spark-jvm-flags).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/find-java.sh"
JAR="$ROOT/spark/target/jgpt-spark.jar"
CP="$ROOT/spark/target/classpath.txt"
if [ ! -f "$JAR" ] || [ ! -f "$CP" ] || [ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" "$ROOT/spark/src/main" "$ROOT/spark/pom.xml" -newer "$JAR" -print -quit 2>/dev/null)" ]; then
  echo "jgpt: building the core and jgpt-spark (mvn install, mvn -f spark/pom.xml package) ..." >&2
  (cd "$ROOT" && mvn -q -B -DskipTests install >&2 && mvn -q -B -DskipTests -f spark/pom.xml package >&2) \
    || { echo "jgpt: build failed (see Maven output above)" >&2; exit 1; }
fi
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"   # Spark binds here (set it to a reachable address for a remote cluster)
# shellcheck disable=SC2046
exec "$JAVA_HOME/bin/java" $(cat "$ROOT/scripts/spark-jvm-flags") -XX:+UseParallelGC ${JGPT_JAVA_OPTS:-} \
  -cp "$JAR:$(cat "$CP")" jgpt.spark.SparkMain "$@"
