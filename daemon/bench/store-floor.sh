#!/usr/bin/env bash
# store-floor.sh — how long MariaDB alone takes to store what `waybill import` stores, next to
# eximstats merely summarising the log: the rows of an import are written out as files and loaded
# again into empty copies of the tables with LOAD DATA (no parsing, no client, no network, no
# upsert), measuring MariaDB's CPU and wall time. Then the same with InnoDB's bulk path for empty
# tables (unique_checks=0, foreign_key_checks=0, one transaction: sorted index builds, a table lock
# that would stop every other writer). Runs apart from the build, never in CI.
#
#   mvn -B -q package -DskipTests && bash daemon/bench/store-floor.sh
#
# Environment: LINES (default 1000000), RUNS (default 3), SEED (default 1).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
waybill="$here/../../packaging/waybill"
LINES=${LINES:-1000000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
[[ -f "$here/../target/waybill.jar" ]] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/waybill-store-floor.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # mariadbd writes and reads the row files here
"$waybill" sample-log --lines "$LINES" --ids 16 --seed "$SEED" --cpanel-root "$work/cpanel" --out "$work/big.log"
tables=(delivery delivery_owner message_log)

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
now() { date +%s.%N; }

source "$here/private-mariadb.sh"
sql() { mariadb --no-defaults -S "$DB_DIR/sock" -uroot waybill "$@"; }
db_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$DB_PID/stat"; }
printf 'db.url = %s\ndb.user = %s\ndb.password = %s\nserver.id = bench\nlog.timezone = UTC\nretention.days = 3650\ncpanel.root = %s\n' \
    "$DB_URL" "$DB_USER" "$DB_PASSWORD" "$work/cpanel" >"$work/waybill.conf"
chmod 600 "$work/waybill.conf"
"$waybill" import --quiet --config "$work/waybill.conf" "$work/big.log"
for t in "${tables[@]}"; do
    sql -e "SELECT * FROM $t INTO OUTFILE '$work/$t.tsv'"
done
echo "row files: $(du -cb "$work"/*.tsv | tail -1 | cut -f1) bytes for $(sql -N -e 'SELECT COUNT(*) FROM delivery') deliveries"

# Loads every table's rows into empty copies; prints "wall cpu".
load() {
    local pre=$1 t stmt="$1 BEGIN;"
    for t in "${tables[@]}"; do
        sql -e "DROP TABLE IF EXISTS copy_$t; CREATE TABLE copy_$t LIKE $t"
        stmt+=" LOAD DATA INFILE '$work/$t.tsv' INTO TABLE copy_$t;"
    done
    local c0 t0 t1 c1
    c0=$(db_cpu); t0=$(now)
    sql -e "$stmt COMMIT;"
    t1=$(now)
    sleep 1 # InnoDB's page cleaner finishes the writes it was handed: their CPU counts too
    c1=$(db_cpu)
    echo "$(echo "$t1 - $t0" | bc) $(echo "$c1 - $c0" | bc)"
}

plain_wall=() plain_cpu=() bulk_wall=() bulk_cpu=() stats=()
for ((i = 1; i <= RUNS; i++)); do
    read -r w c < <(load "")
    plain_wall+=("$w") plain_cpu+=("$c")
    read -r w c < <(load "SET unique_checks = 0, foreign_key_checks = 0;")
    bulk_wall+=("$w") bulk_cpu+=("$c")
    t0=$(now)
    eximstats "$work/big.log" >/dev/null
    stats+=("$(echo "$(now) - $t0" | bc)")
    echo "run $i: LOAD DATA ${plain_wall[-1]} s (MariaDB CPU ${plain_cpu[-1]} s)," \
        "bulk ${bulk_wall[-1]} s (CPU ${bulk_cpu[-1]} s), eximstats ${stats[-1]} s"
done
echo
echo "| $(wc -l <"$work/big.log") lines, medians of $RUNS | wall | MariaDB CPU |"
echo "|---|---:|---:|"
printf '| MariaDB loading the rows of the import (LOAD DATA, one transaction) | %.1f s | %.1f s |\n' \
    "$(median "${plain_wall[@]}")" "$(median "${plain_cpu[@]}")"
printf '| the same into empty tables, InnoDB bulk path | %.1f s | %.1f s |\n' \
    "$(median "${bulk_wall[@]}")" "$(median "${bulk_cpu[@]}")"
printf '| eximstats summarising the log | %.1f s | |\n' "$(median "${stats[@]}")"
