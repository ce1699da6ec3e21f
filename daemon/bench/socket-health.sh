#!/usr/bin/env bash
# The socket server's round trip: `health` with 64 concurrent clients (SocketBenchmark), once at
# full speed (requests/s) and once paced at 10,000 requests/s (p50/p99/p99.9). The server runs in
# the benchmark's JVM unless --socket names a running daemon. Runs apart from the build: never in CI.
#
#   bash daemon/bench/socket-health.sh [--clients 64] [--seconds 10] [--rate 10000] [--socket PATH]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -B -q -pl daemon test-compile
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mvn -B -q -pl daemon dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="daemon/target/classes:daemon/target/test-classes:$(cat "$work/cp.txt")"
java -Xmx512m -cp "$cp" dev.waybill.bench.SocketBenchmark "$@"
