#!/usr/bin/env bash
# Sourced by the benchmark scripts: starts a private mariadbd (system binary, temporary datadir,
# free loopback port) and stops it, by its PID, when the calling script exits. Never run in CI.
#   source daemon/bench/private-mariadb.sh   # then: $DB_URL, $DB_USER, $DB_PASSWORD, $DB_DIR, $DB_PID
# BUFFER_POOL (default 1G) sizes InnoDB's buffer pool, FLUSH (default 1) its log flushing;
# MARIADB_OPTS adds options to mariadbd.
set -euo pipefail
DB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/waybill-bench-db.XXXXXX")
DB_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
user_opt=()
[[ $EUID -eq 0 ]] && user_opt=(--user=root)
mariadb-install-db --no-defaults --rpm --auth-root-authentication-method=normal "${user_opt[@]}" \
    --datadir="$DB_DIR/data" >"$DB_DIR/install.log" 2>&1
mariadbd --no-defaults "${user_opt[@]}" --datadir="$DB_DIR/data" --socket="$DB_DIR/sock" \
    --port="$DB_PORT" --bind-address=127.0.0.1 --pid-file="$DB_DIR/pid" --log-error="$DB_DIR/error.log" \
    --innodb-buffer-pool-size=${BUFFER_POOL:-1G} --innodb-log-file-size=512M --innodb-flush-log-at-trx-commit=${FLUSH:-1} \
    --skip-name-resolve ${MARIADB_OPTS:-} >/dev/null 2>&1 &
DB_PID=$!
trap 'kill "$DB_PID" 2>/dev/null; wait "$DB_PID" 2>/dev/null; rm -rf "$DB_DIR"' EXIT
for _ in $(seq 1 100); do
    [[ -S "$DB_DIR/sock" ]] && mariadb --no-defaults -S "$DB_DIR/sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.1
done
DB_USER=waybill
DB_PASSWORD=bench
mariadb --no-defaults -S "$DB_DIR/sock" -uroot -e "CREATE DATABASE waybill CHARACTER SET utf8mb4;
  CREATE USER 'waybill'@'127.0.0.1' IDENTIFIED BY 'bench'; GRANT ALL ON waybill.* TO 'waybill'@'127.0.0.1';"
DB_URL="jdbc:mariadb://127.0.0.1:$DB_PORT/waybill"
export DB_URL DB_USER DB_PASSWORD DB_DIR DB_PID
