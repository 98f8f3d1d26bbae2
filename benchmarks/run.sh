#!/usr/bin/env bash
# Runs the JMH suite of Loop against Netty, JCTools and ScheduledThreadPoolExecutor, with -prof gc,
# and writes the results as JSON (plus the console log and a Markdown summary).
#
# Usage: benchmarks/run.sh [JMH options, e.g. a benchmark regex or -f 2]
# Environment:
#   JAVA        the java to run the benchmarks with (default: java on the PATH)
#   RESULTS     directory for the results (default: benchmarks/results)
#   BUILD=0     never build; BUILD=1 always build; unset: build if the jar is missing or older
#               than the sources
#
# Build: mvn -pl benchmarks -am package -Dmaven.test.skip=true (javadoc and sources skipped) from the repository root (loop-core included).
# The whole suite takes about 4 minutes on a 2-core machine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
jar="$here/target/benchmarks.jar"
java=${JAVA:-java}
results=${RESULTS:-$here/results}

need_build=${BUILD:-}
if [[ -z "$need_build" ]]; then
  need_build=0
  if [[ ! -f "$jar" ]] || [[ -n "$(find "$root/loop-core/src/main" "$here/src/main" "$here/pom.xml" \
      "$root/pom.xml" -newer "$jar" -print -quit)" ]]; then
    need_build=1
  fi
fi
if [[ "$need_build" == 1 ]]; then
  (cd "$root" && mvn -q -B -pl benchmarks -am package -Dmaven.test.skip=true -Dmaven.javadoc.skip=true -Dmaven.source.skip=true)
fi

mkdir -p "$results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
json="$results/jmh-$stamp.json"
log="$results/jmh-$stamp.txt"

{
  echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, $(uname -srm)"
  echo "# $("$java" -version 2>&1 | head -1)"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
  echo "# $java -jar $jar -prof gc -rf json -rff $json $*"
} | tee "$log"
"$java" -jar "$jar" -prof gc -rf json -rff "$json" "$@" 2>&1 | tee -a "$log"

echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)" | tee -a "$log"
if command -v python3 >/dev/null; then
  python3 "$here/summarize.py" "$json" | tee "$results/summary-$stamp.md"
fi
echo "results: $json"
