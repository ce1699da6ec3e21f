#!/usr/bin/env bash
# Parse + assemble throughput on ONE core, with JMH (ParseBenchmark), on a generated 1M-line
# cPanel-like main log. Runs apart from the build: never in CI.
#
#   mvn -B -q package -DskipTests && bash daemon/bench/parse-throughput.sh [LINES]
#
# Prints JMH's table; the "lines" row is lines per second (median of the iterations is in the
# summary line this script prints last).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
lines=${1:-1000000}
jar=daemon/target/waybill.jar
[ -f "$jar" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
[ -d daemon/target/test-classes/META-INF ] || mvn -B -q -pl daemon test-compile
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
java -jar "$jar" sample-log --lines "$lines" --seed 1 --out "$work/sample.log"
mvn -B -q -pl daemon dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="daemon/target/classes:daemon/target/test-classes:$(cat "$work/cp.txt")"
echo "log: $(wc -l < "$work/sample.log") lines, $(du -h "$work/sample.log" | cut -f1)"
taskset -c 0 java -cp "$cp" org.openjdk.jmh.Main ParseBenchmark -p log="$work/sample.log" \
    -rf json -rff "$work/jmh.json" | tee "$work/jmh.txt"
python3 - "$work/jmh.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))[0]
raw = [x for it in r["secondaryMetrics"]["lines"]["rawData"] for x in it]
print(f"parse+assemble on one core: median {statistics.median(raw):,.0f} lines/s over {len(raw)} iterations")
PY
