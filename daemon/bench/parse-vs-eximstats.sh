#!/usr/bin/env bash
# parse-vs-eximstats.sh — how fast `waybill parse` reads an Exim main log, next to Debian's
# eximstats (the classic Exim log reporter), on the same 1,000,000-line log.
#
# Not part of the build and never run by CI. Build the jar first:
#     mvn -B -q -pl daemon package -DskipTests
#     daemon/bench/parse-vs-eximstats.sh
#
# What it does:
#   1. writes a 1,000,000-line cPanel-like log with 16-character message ids
#      (`waybill sample-log --ids 16`; eximstats only recognises ids of that width) to a
#      temporary directory;
#   2. runs `waybill parse big.log > /dev/null` (packaging/waybill, the launcher users run) and
#      `eximstats big.log > /dev/null`
#      alternately, RUNS times each after one untimed warm-up of each, timing the whole process
#      (JVM start-up included) with `date +%s%N`;
#   3. runs `taskset -c 0 waybill parse --stats big.log` (with -XX:ActiveProcessorCount=1)
#      RUNS times for a one-core figure;
#   4. prints medians, lines per second and the ratio, then a Markdown table for the README.
#
# Environment: LINES (default 1000000), RUNS (default 5), SEED (default 1), KEEP=1 keeps the
# temporary directory, JAVA (default java), EXIMSTATS (default eximstats, then /usr/sbin/eximstats).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jar="$here/../target/waybill.jar"
waybill="$here/../../packaging/waybill"
LINES=${LINES:-1000000}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
JAVA=${JAVA:-java}

die() { echo "parse-vs-eximstats: $*" >&2; exit 1; }

[[ -f "$jar" ]] || die "no $jar — build it first: mvn -B -q -pl daemon package -DskipTests"
jar=$(cd "$(dirname "$jar")" && pwd)/waybill.jar
export WAYBILL_JAR="$jar" JAVA
command -v "$JAVA" >/dev/null || die "no '$JAVA' on PATH"
if [[ -z "${EXIMSTATS:-}" ]]; then
    EXIMSTATS=$(command -v eximstats || true)
    [[ -n "$EXIMSTATS" ]] || EXIMSTATS=/usr/sbin/eximstats
fi
[[ -x "$EXIMSTATS" ]] || die "no eximstats (Debian: apt-get install exim4-base)"
command -v taskset >/dev/null || die "no taskset (util-linux)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, got '$RUNS'"

work=$(mktemp -d "${TMPDIR:-/tmp}/waybill-bench.XXXXXX")
if [[ "${KEEP:-0}" != 1 ]]; then
    trap 'rm -rf "$work"' EXIT
fi
log="$work/big.log"

# Nanoseconds of wall time of one command, its output thrown away; a failing command stops all.
wall_ns() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; die "failed: $*"; }
    end=$(date +%s%N)
    echo $((end - start))
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : int((v[NR/2]+v[NR/2+1])/2)}'; }
secs() { awk -v ns="$1" 'BEGIN {printf "%.3f", ns/1e9}'; }
per_second() { awk -v n="$1" -v ns="$2" 'BEGIN {printf "%.0f", n/(ns/1e9)}'; }
millions() { awk -v v="$1" 'BEGIN {printf "%.2f M", v/1e6}'; }

echo "== generating $LINES lines with 16-character ids (seed $SEED)"
"$JAVA" -jar "$jar" sample-log --lines "$LINES" --ids 16 --seed "$SEED" --out "$log"
lines=$(wc -l <"$log")
size=$(du -m "$log" | cut -f1)
echo "   $log: $lines lines, ${size} MB"

# parse must really parse: a placeholder prints "not yet" and fails.
if ! "$JAVA" -jar "$jar" parse --stats "$log" >"$work/stats.json" 2>"$work/stderr"; then
    cat "$work/stderr" >&2
    die "'waybill parse' does not work in this jar yet"
fi

echo "== warm-up (untimed): one run of each"
wall_ns "$waybill" parse "$log" >/dev/null
wall_ns "$EXIMSTATS" "$log" >/dev/null

echo "== $RUNS runs each, alternating"
parse_ns=()
exim_ns=()
for ((i = 1; i <= RUNS; i++)); do
    p=$(wall_ns "$waybill" parse "$log")
    e=$(wall_ns "$EXIMSTATS" "$log")
    parse_ns+=("$p")
    exim_ns+=("$e")
    echo "   run $i: waybill parse $(secs "$p") s, eximstats $(secs "$e") s"
done

echo "== $RUNS one-core runs: taskset -c 0 waybill parse --stats (-XX:ActiveProcessorCount=1)"
one_ns=()
one_rate=()
for ((i = 1; i <= RUNS; i++)); do
    start=$(date +%s%N)
    WAYBILL_JAVA_OPTS=-XX:ActiveProcessorCount=1 taskset -c 0 "$waybill" parse --stats "$log" >"$work/one.json"
    end=$(date +%s%N)
    one_ns+=($((end - start)))
    # The parser's own figure: lines over the time spent reading and parsing (no JVM start-up).
    rate=$(grep -o '"lines_per_second": *[0-9]*' "$work/one.json" | grep -o '[0-9]*$' || true)
    one_rate+=("${rate:-0}")
    echo "   run $i: $(secs $((end - start))) s wall, parser's own count ${rate:-?} lines/s"
done

pm=$(median "${parse_ns[@]}")
em=$(median "${exim_ns[@]}")
om=$(median "${one_ns[@]}")
orate=$(median "${one_rate[@]}")
ratio=$(awk -v e="$em" -v p="$pm" 'BEGIN {printf "%.1f", e/p}')

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
jv=$("$JAVA" -version 2>&1 | head -1)

echo
echo "== medians of $RUNS runs, $lines lines (${size} MB), whole process"
echo "   waybill parse:           $(secs "$pm") s  $(per_second "$lines" "$pm") lines/s"
echo "   eximstats:               $(secs "$em") s  $(per_second "$lines" "$em") lines/s"
echo "   eximstats / waybill:     ${ratio}x"
echo "   one core, parse --stats: $(secs "$om") s  $(per_second "$lines" "$om") lines/s wall, ${orate} lines/s by the parser's own count"
echo
echo "Measured on: ${cpu:-unknown CPU}, $(nproc) CPUs, $jv, $(date -u +%Y-%m-%d)."
echo
echo "| $(millions "$lines") lines, ${size} MB (\`sample-log --ids 16\`) | median wall time | lines/s |"
echo "|---|---:|---:|"
echo "| \`waybill parse\` | $(secs "$pm") s | $(millions "$(per_second "$lines" "$pm")") |"
echo "| \`eximstats\` | $(secs "$em") s | $(millions "$(per_second "$lines" "$em")") |"
echo "| \`waybill parse --stats\`, one core | $(secs "$om") s | $(millions "$(per_second "$lines" "$om")") ($(millions "$orate") excluding JVM start-up) |"
echo
echo "\`waybill parse\` is ${ratio}× as fast as eximstats (median of $RUNS alternating runs, whole process, JVM start-up included)."
