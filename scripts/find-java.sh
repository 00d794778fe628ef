# Sourced by ./jgpt and ./run-tests: sets JAVA_HOME to a JDK 25 or newer, or exits with a one-line hint.
jgpt_java_version() { # prints the feature version of the java in $1, or nothing
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1
}
jgpt_find_java() {
  local cand v
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    v=$(jgpt_java_version "$cand")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$cand"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(jgpt_find_java); then
  echo "jgpt: no JDK 25 found (JAVA_HOME or /usr/lib/jvm/*25*): install one, e.g. 'apt-get install temurin-25-jdk', or set JAVA_HOME" >&2
  exit 2
fi
export JAVA_HOME
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "jgpt: Maven (mvn) not found: install it, e.g. 'apt-get install maven'" >&2
  exit 2
fi
