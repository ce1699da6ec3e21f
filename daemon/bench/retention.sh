#!/usr/bin/env bash
# retention.sh — one retention pass over a store that holds OLD lines of mail from about 90 days
# ago and RECENT lines of the last day, with the daemon following its live log: how long the pass
# takes and what it removes, and what users see meanwhile — a message appended to the live log
# until `search` finds it, and the newest page (250 rows) of a random account — before, during
# and after the pass. Runs apart from the build, never in CI.
#
#   mvn -B -q package -DskipTests && bash daemon/bench/retention.sh
#
# Environment: OLD (default 3000000 lines, about 4 days of the sample's mail), RECENT (default
# 600000, about 18 hours), ACCOUNTS (default 2000), BUFFER_POOL (default 1G).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
waybill="$root/packaging/waybill"
OLD=${OLD:-3000000}
RECENT=${RECENT:-600000}
ACCOUNTS=${ACCOUNTS:-2000}
work=$(mktemp -d "${TMPDIR:-/tmp}/waybill-retention.XXXXXX")
source "$here/private-mariadb.sh"
source "$here/bench-daemon.sh"
DAEMON=
PROBE=
cleanup() {
    set +e
    for pid in $PROBE $DAEMON; do kill "$pid" && wait "$pid"; done
    kill "$DB_PID" && wait "$DB_PID"
    rm -rf "$DB_DIR"
    [[ -n ${KEEP:-} ]] || rm -rf "$work"
} 2>/dev/null
trap cleanup EXIT
sql() { mariadb --no-defaults -S "$DB_DIR/sock" -uroot -N waybill -e "$1"; }
now_ms() { date +%s%3N; }

now=$(date +%s)
at() { date -u -d "@$((now - $1))" '+%F %T'; }
"$waybill" sample-log --lines "$OLD" --ids 16 --seed 5 --accounts "$ACCOUNTS" --cpanel-root "$work/cpanel" \
    --start "$(at $((90 * 86400)))" --out "$work/old.log"
"$waybill" sample-log --lines "$RECENT" --ids 16 --seed 5 --accounts "$ACCOUNTS" \
    --start "$(at $((20 * 3600)))" --out "$work/recent.log"
bench_config "cpanel.root = $work/cpanel"
sed -i 's/^retention.days = .*/retention.days = 30/' "$work/waybill.conf"
"$waybill" import --quiet --config "$work/waybill.conf" "$work/old.log" "$work/recent.log"
counts="SELECT (SELECT COUNT(*) FROM delivery), (SELECT COUNT(*) FROM delivery_owner), (SELECT COUNT(*) FROM message_log)"
read -r rows0 owners0 chunks0 < <(sql "$counts")
old_rows=$(sql "SELECT COUNT(*) FROM delivery WHERE last_time < UNIX_TIMESTAMP() - 30 * 86400")

cd "$root"
mvn -B -q -pl daemon dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
bench_daemon # its first retention pass begins a minute after it starts
java -cp "daemon/target/classes:daemon/target/test-classes:$(cat "$work/cp.txt")" dev.waybill.bench.RetentionProbe \
    "$work/waybill.sock" "$work/live.log" "$work/cpanel" 150 >"$work/samples.txt" &
PROBE=$!
# The pass begins when the oldest row goes (the deletes walk the time index from its start) and
# ends when the daemon says what it removed.
first=$(sql "SELECT MIN(sendtime) FROM delivery")
start=
end=
while kill -0 "$PROBE" 2>/dev/null; do
    if [[ -z $start && $(sql "SELECT MIN(sendtime) FROM delivery") != "$first" ]]; then
        start=$(now_ms)
    fi
    if [[ -z $end ]] && grep -q 'retention: removed' "$work/daemon.log"; then
        end=$(now_ms)
    fi
    sleep 0.25
done
wait "$PROBE" || { echo "the probe failed; see $work/daemon.log" >&2; exit 1; }
PROBE=
[[ -n $start && -n $end ]] || { echo "no retention pass was seen within the probe's 150 s" >&2; exit 1; }
read -r rows1 owners1 chunks1 < <(sql "$counts")

echo "store: $rows0 deliveries ($old_rows quiet for over 30 days), $owners0 owner entries, $chunks0 chunks of lines"
echo "pass: $(grep -o 'retention: removed.*' "$work/daemon.log" | head -1), in $(echo "($end - $start) / 1000" | bc -l | xargs printf '%.1f') s;" \
    "left: $rows1 deliveries, $owners1 owner entries, $chunks1 chunks"
echo
echo "| while | rounds | freshness p50 / p99 / max | newest page of an account p50 / p99 / max |"
echo "|---|---:|---:|---:|"
for window in before during after; do
    awk -v s="$start" -v e="$end" -v w="$window" '
        (w == "before" && $1 < s) || (w == "during" && $1 >= s && $1 <= e) || (w == "after" && $1 > e) {
            n++; f[n] = $2; p[n] = $3
        }
        function pct(a, q,   k) { k = int(n * q); if (k < 1) k = 1; if (k > n) k = n; return a[k] }
        END {
            if (n == 0) { printf "| %s the pass | 0 | | |\n", w; exit }
            asort(f); asort(p)
            printf "| %s the pass | %d | %d / %d / %d ms | %d / %d / %d ms |\n", w, n,
                pct(f, 0.5), pct(f, 0.99), f[n], pct(p, 0.5), pct(p, 0.99), p[n]
        }' "$work/samples.txt"
done
