#!/usr/bin/env bash
# The socket's questions against a store of many deliveries: a private MariaDB, a synthetic
# cPanel server's log imported (LINES lines, ACCOUNTS accounts), the daemon started on it, then
# QueryLatency (p50/p99 of the newest page of one account, all mail to one address, a message's
# story, health), and `exigrep` next to `waybill search` for one recipient over a 1M-line log.
# Runs apart from the build, never in CI.
#
#   mvn -B -q package -DskipTests && bash daemon/bench/query-latency.sh
#
# Environment: LINES (default 22000000: about 5M deliveries), ACCOUNTS (default 2000), REQUESTS (2000).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
waybill="$root/packaging/waybill"
LINES=${LINES:-22000000}
ACCOUNTS=${ACCOUNTS:-2000}
REQUESTS=${REQUESTS:-2000}
work=$(mktemp -d "${TMPDIR:-/tmp}/waybill-query-bench.XXXXXX")
source "$here/private-mariadb.sh"
source "$here/bench-daemon.sh"
DAEMON=
cleanup() {
    set +e
    [[ -n $DAEMON ]] && kill "$DAEMON" && wait "$DAEMON"
    kill "$DB_PID" && wait "$DB_PID"
    rm -rf "$DB_DIR" "$work"
}
trap cleanup EXIT
"$waybill" sample-log --lines "$LINES" --ids 16 --seed 3 --accounts "$ACCOUNTS" --cpanel-root "$work/cpanel" --out "$work/big.log"
bench_config "cpanel.root = $work/cpanel"
"$waybill" import --quiet --config "$work/waybill.conf" "$work/big.log"
mariadb --no-defaults -S "$DB_DIR/sock" -uroot -N -e "SELECT CONCAT(COUNT(*), ' deliveries stored') FROM waybill.delivery"
bench_daemon
cd "$root"
mvn -B -q -pl daemon dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
java -cp "daemon/target/classes:daemon/target/test-classes:$(cat "$work/cp.txt")" dev.waybill.bench.QueryLatency \
    "$work/waybill.sock" "$work/cpanel" "$REQUESTS"

# exigrep over the first 1M lines versus waybill search, for one recipient that has mail.
head -n 1000000 "$work/big.log" >"$work/1m.log"
rcpt=$(grep -m1 -o '=> [^ ]*@[^ ]*' "$work/1m.log" | awk '{print $2}')
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ex=() ws=()
for _ in 1 2 3 4 5; do
    t0=$(date +%s.%N); exigrep "$rcpt" "$work/1m.log" >/dev/null; t1=$(date +%s.%N); ex+=("$(echo "$t1 - $t0" | bc)")
    t0=$(date +%s.%N); "$waybill" search --socket "$work/waybill.sock" --json --limit 1000 --recipient "$rcpt" >/dev/null
    t1=$(date +%s.%N); ws+=("$(echo "$t1 - $t0" | bc)")
done
printf '\n"everything to %s": exigrep over 1M lines %.3f s, waybill search (whole CLI process, %s stored deliveries) %.3f s; ratio %.0fx\n' \
    "$rcpt" "$(median "${ex[@]}")" "$(mariadb --no-defaults -S "$DB_DIR/sock" -uroot -N -e 'SELECT COUNT(*) FROM waybill.delivery')" \
    "$(median "${ws[@]}")" "$(echo "$(median "${ex[@]}") / $(median "${ws[@]}")" | bc -l)"
