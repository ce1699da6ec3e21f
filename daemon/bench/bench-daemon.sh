#!/usr/bin/env bash
# Sourced by the benchmarks that run a daemon of their own, after private-mariadb.sh, with $work
# (their temporary directory) and $waybill (the launcher) set. Never run in CI.
#   bench_config [LINE...]   writes $work/waybill.conf for the private database: live log
#                            $work/live.log (created empty), socket $work/waybill.sock, server
#                            "bench", UTC, ten years' retention; each LINE ("key = value") is added
#   bench_daemon             starts `waybill run` on it (its PID in DAEMON, its log in
#                            $work/daemon.log) and waits until it answers on its socket

# shellcheck disable=SC2154,SC2034 # $work, $waybill and $DB_* are the sourcing script's; so is DAEMON

bench_config() {
    : >"$work/live.log"
    printf '%s\n' "db.url = $DB_URL" "db.user = $DB_USER" "db.password = $DB_PASSWORD" "server.id = bench" \
        "log.timezone = UTC" "log.path = $work/live.log" "socket.path = $work/waybill.sock" \
        "retention.days = 3650" "$@" >"$work/waybill.conf"
    chmod 600 "$work/waybill.conf"
}

bench_daemon() {
    "$waybill" run --config "$work/waybill.conf" 2>"$work/daemon.log" &
    DAEMON=$!
    for _ in $(seq 1 100); do
        [[ -S "$work/waybill.sock" ]] && return 0
        sleep 0.2
    done
    echo "the daemon did not open its socket; see $work/daemon.log" >&2
    return 1
}
