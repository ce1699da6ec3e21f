#!/usr/bin/env bash
# import-vs-eximstats.sh — `waybill import` of a 1,000,000-line cPanel-like log into a private
# MariaDB, whole process, next to Exim's eximstats merely summarising the same file; plus the
# CPU each side used and the bytes on disk per stored delivery. Runs apart from the build, never in CI.
#
#   mvn -B -q package -DskipTests && bash daemon/bench/import-vs-eximstats.sh
#
# Environment: LINES (default 1000000), RUNS (default 3), SEED (default 1).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
waybill="$here/../../packaging/waybill"
LINES=${LINES:-1000000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
[[ -f "$here/../target/waybill.jar" ]] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/waybill-import-bench.XXXXXX")
# The server's cPanel accounts too, so that rows get their owner entries as on a real server.
"$waybill" sample-log --lines "$LINES" --ids 16 --seed "$SEED" --cpanel-root "$work/cpanel" --out "$work/big.log"
lines=$(wc -l <"$work/big.log")

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
now() { date +%s.%N; }

imports=()
stats=()
java_cpu=()
db_cpu=()
for ((i = 1; i <= RUNS; i++)); do
    # A fresh database each run, so every run imports the whole file.
    (
        source "$here/private-mariadb.sh"
        printf 'db.url = %s\ndb.user = %s\ndb.password = %s\nserver.id = bench\nlog.timezone = UTC\nretention.days = 3650\ncpanel.root = %s\n' \
            "$DB_URL" "$DB_USER" "$DB_PASSWORD" "$work/cpanel" >"$work/waybill.conf"
        chmod 600 "$work/waybill.conf"
        db_cpu0=$(awk '{print $14 + $15}' "/proc/$DB_PID/stat")
        t0=$(now)
        /usr/bin/time -f '%U %S' -o "$work/time.txt" \
            "$waybill" import --quiet --config "$work/waybill.conf" "$work/big.log" >"$work/summary.txt"
        t1=$(now)
        echo "$t1 - $t0" | bc >"$work/import.s"
        # CPU seconds of the import process and of MariaDB: less noisy than wall time on a shared machine.
        ticks=$(getconf CLK_TCK)
        awk -v t0="$db_cpu0" -v hz="$ticks" '{print $14 + $15 - t0, hz}' "/proc/$DB_PID/stat" |
            awk '{printf "%.2f", $1 / $2}' >"$work/db-cpu.s"
        awk '{printf "%.2f", $1 + $2}' "$work/time.txt" >"$work/java-cpu.s"
        # Fresh statistics first: InnoDB updates table sizes lazily.
        mariadb --no-defaults -S "$DB_DIR/sock" -uroot -N -e "
            ANALYZE TABLE waybill.delivery, waybill.delivery_owner, waybill.message_log PERSISTENT FOR ALL" >/dev/null
        mariadb --no-defaults -S "$DB_DIR/sock" -uroot -N -e "
            SELECT (SELECT COUNT(*) FROM waybill.delivery),
                   SUM(data_length + index_length) FROM information_schema.tables WHERE table_schema = 'waybill'" \
            >"$work/size.txt"
    )
    imports+=("$(cat "$work/import.s")")
    java_cpu+=("$(cat "$work/java-cpu.s")")
    db_cpu+=("$(cat "$work/db-cpu.s")")
    t0=$(now)
    eximstats "$work/big.log" >/dev/null
    t1=$(now)
    stats+=("$(echo "$t1 - $t0" | bc)")
    echo "run $i: waybill import $(cat "$work/import.s") s (CPU: import ${java_cpu[-1]} s, MariaDB ${db_cpu[-1]} s)," \
        "eximstats ${stats[-1]} s; $(cat "$work/summary.txt")"
done
im=$(median "${imports[@]}")
em=$(median "${stats[@]}")
read -r rows bytes <"$work/size.txt"
echo
echo "| $lines lines (\`sample-log --ids 16\`) | median wall time | lines/s |"
echo "|---|---:|---:|"
printf '| `waybill import` into MariaDB | %.1f s | %.0f |\n' "$im" "$(echo "$lines / $im" | bc -l)"
printf '| `eximstats` (summary only) | %.1f s | %.0f |\n' "$em" "$(echo "$lines / $em" | bc -l)"
printf '\nratio eximstats / import: %.2f; median CPU of the import: %s s in its process, %s s in MariaDB\n' \
    "$(echo "$em / $im" | bc -l)" "$(median "${java_cpu[@]}")" "$(median "${db_cpu[@]}")"
printf '%s deliveries stored, %.0f bytes each on disk (data + indexes, all tables)\n' \
    "$rows" "$(echo "$bytes / $rows" | bc -l)"
rm -rf "$work"
