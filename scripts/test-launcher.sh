#!/usr/bin/env bash
# Tests the real ./jgpt launcher (run by ./run-tests after the core is built): a fresh copy of the sources builds,
# a stale jar is rebuilt, a JAVA_HOME pointing at an older JDK still finds 25, every --help keeps stderr empty,
# and each user mistake is exactly one stderr line with exit code 2.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jgpt-launcher.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# check NAME EXPECTED_RC STDERR_TEST -- COMMAND...: STDERR_TEST is empty | oneline | oneline:PATTERN | a grep -E pattern
check() {
  local name=$1 want=$2 errtest=$3; shift 4
  "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local rc=$? ok=1
  [ "$rc" = "$want" ] || ok=0
  case "$errtest" in
    empty) [ ! -s "$tmp/err" ] || ok=0 ;;
    oneline) [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q '^jgpt: ' "$tmp/err" || ok=0 ;;
    oneline:*) [ "$(wc -l <"$tmp/err")" = 1 ] && grep -qE "^jgpt: ${errtest#oneline:}" "$tmp/err" || ok=0 ;;
    *) grep -qE "$errtest" "$tmp/err" || ok=0 ;;
  esac
  if grep -q 'WARNING: Using incubator modules' "$tmp/out" "$tmp/err"; then ok=0; fi
  if [ $ok = 1 ]; then passed=$((passed + 1)); echo "ok   $name"
  else failed=$((failed + 1)); echo "FAIL $name (exit $rc, want $want)"; sed 's/^/     stderr: /' "$tmp/err" | head -20; sed 's/^/     stdout: /' "$tmp/out" | head -5; fi
}

# ---- a fresh copy of the sources (what a clone has) builds on first use, and rebuilds when a source changes
mkdir "$tmp/clone"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | grep -zv '^examples/' | xargs -0 cp --parents -t "$tmp/clone")
check "fresh copy builds and runs" 0 'no target/jgpt.jar yet: building it' -- "$tmp/clone/jgpt" --version
grep -q '^jgpt ' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL fresh copy: no version printed"; }
check "built jar starts without a build" 0 empty -- "$tmp/clone/jgpt" --version
sleep 1; touch "$tmp/clone/src/main/java/jgpt/cli/Main.java"
check "a stale jar is rebuilt, saying why" 0 'src/main/java/jgpt/cli/Main.java changed since target/jgpt.jar was built: building it' -- "$tmp/clone/jgpt" --version

# ---- JAVA_HOME at an older JDK: the launcher still finds 25
for old in /usr/lib/jvm/java-17-openjdk-*; do
  [ -x "$old/bin/java" ] && check "JAVA_HOME=$old still finds JDK 25" 0 empty -- env JAVA_HOME="$old" "$ROOT/jgpt" --version
done

# ---- --help of every command: stdout only
check "jgpt --help" 0 empty -- "$ROOT/jgpt" --help
for c in train sample eval bench prepare tokenizer "tokenizer train" "tokenizer encode" "tokenizer decode" params explain probe plot \
         convert dashboard; do
  # shellcheck disable=SC2086
  check "jgpt $c --help" 0 empty -- "$ROOT/jgpt" $c --help
done

# ---- user mistakes: one line on stderr, exit 2
check "unknown command" 2 oneline -- "$ROOT/jgpt" nosuch
check "unknown flag" 2 oneline -- "$ROOT/jgpt" train --bogus 1
check "bad value" 2 oneline -- "$ROOT/jgpt" train --batch 0 --data synthetic:copy --out "$tmp/r1"
check "missing model" 2 oneline -- "$ROOT/jgpt" sample --model "$tmp/none"
check "missing config file" 2 oneline -- "$ROOT/jgpt" train --config "$tmp/none.json"
check "unknown kernels" 2 oneline -- "$ROOT/jgpt" params --preset gpt2 --kernels gpu
check "unknown preset" 2 oneline -- "$ROOT/jgpt" params --preset nope
check "not a number" 2 oneline -- "$ROOT/jgpt" train --steps many --data synthetic:copy --out "$tmp/r2"
check "unknown subcommand" 2 oneline -- "$ROOT/jgpt" tokenizer nosuch
check "plot of a missing run" 2 oneline -- "$ROOT/jgpt" plot "$tmp/none"
check "explain without a model" 2 oneline -- "$ROOT/jgpt" explain --prompt hi
check "vocab size out of range" 2 'oneline:--vocab-size must be between' -- "$ROOT/jgpt" tokenizer train --input "$ROOT/README.md" --vocab-size 10 --out "$tmp/tok.json"
check "embd not divisible by heads" 2 oneline -- "$ROOT/jgpt" bench --embd 10 --heads 3
check "unknown norm type in a recipe run" 2 "oneline:--norm-type 'foo' is unknown: use layer \| rms" -- "$ROOT/jgpt" train --recipe shakespeare-fast --data synthetic:copy --norm-type foo

echo "launcher: $passed passed, $failed failed"
[ "$failed" = 0 ]
