#!/usr/bin/env bash
# Freshness under load: the daemon follows a live log while `waybill import` loads a backlog of
# BACKLOG lines into the same private MariaDB; FreshnessProbe appends messages to the live log
# and measures append → visible through the socket. Runs apart from the build, never in CI.
#
#   mvn -B -q package -DskipTests && bash daemon/bench/freshness.sh
#
# Environment: BACKLOG (default 3000000 lines), MESSAGES (default 200).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
waybill="$root/packaging/waybill"
BACKLOG=${BACKLOG:-3000000}
MESSAGES=${MESSAGES:-200}
work=$(mktemp -d "${TMPDIR:-/tmp}/waybill-freshness.XXXXXX")
source "$here/private-mariadb.sh"
source "$here/bench-daemon.sh"
DAEMON=
IMPORT=
cleanup() {
    set +e
    for pid in $IMPORT $DAEMON; do kill "$pid" && wait "$pid"; done
    kill "$DB_PID" && wait "$DB_PID"
    rm -rf "$DB_DIR" "$work"
} 2>/dev/null
trap cleanup EXIT
"$waybill" sample-log --lines "$BACKLOG" --ids 16 --seed 9 --out "$work/backlog.log"
bench_config
bench_daemon
sleep 2
"$waybill" import --quiet --config "$work/waybill.conf" "$work/backlog.log" >"$work/import.txt" &
IMPORT=$!
sleep 1
cd "$root"
mvn -B -q -pl daemon dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
java -cp "daemon/target/classes:daemon/target/test-classes:$(cat "$work/cp.txt")" dev.waybill.bench.FreshnessProbe \
    "$work/waybill.sock" "$work/live.log" "$MESSAGES"
if kill -0 "$IMPORT" 2>/dev/null; then
    echo "(the import was still running when the last probe finished: every probe ran under load)"
else
    echo "(the import finished before the last probe: $(cat "$work/import.txt"))"
fi
