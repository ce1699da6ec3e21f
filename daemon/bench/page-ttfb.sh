#!/usr/bin/env bash
# Page time to first byte: the cPanel page and the WHM page run as cpsrvd runs them (a CGI
# process with cPanel's environment; the cPanel page under a cPanel account's uid, the WHM page as
# root), against a daemon over a store of many deliveries. Measured from starting the CGI process
# to the first byte of the HTML body (so: Perl start, socket, query, render) and to its last
# byte. The cPanel page prints its header block before asking the daemon, but Perl buffers it
# until the body is printed, so the body's first byte is the honest figure. Runs as root (it
# creates one system user for the cPanel account), apart from the build, never in CI.
#
#   mvn -B -q package -DskipTests && bash daemon/bench/page-ttfb.sh
#
# Environment: LINES (default 22000000: about 5M deliveries), ACCOUNTS (default 2000), RUNS (30).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
waybill="$root/packaging/waybill"
LINES=${LINES:-22000000}
ACCOUNTS=${ACCOUNTS:-2000}
RUNS=${RUNS:-30}
((EUID == 0)) || { echo "page-ttfb: run as root (it runs the cPanel page under an account's uid)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/waybill-page-bench.XXXXXX")
chmod 755 "$work"
source "$here/private-mariadb.sh"
source "$here/bench-daemon.sh"
account="" created="" DAEMON=""
cleanup() {
    set +e # a killed process's status must not stop the clean-up half way
    [[ -n $DAEMON ]] && { kill "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null; }
    kill "$DB_PID" 2>/dev/null; wait "$DB_PID" 2>/dev/null
    [[ -n $created ]] && userdel "$created" 2>/dev/null
    rm -rf "$DB_DIR" "$work"
    return 0
}
trap cleanup EXIT
"$waybill" sample-log --lines "$LINES" --ids 16 --seed 3 --accounts "$ACCOUNTS" --cpanel-root "$work/cpanel" --out "$work/big.log"
bench_config "cpanel.root = $work/cpanel" "plugin.path = $root/plugin"
"$waybill" import --quiet --config "$work/waybill.conf" "$work/big.log"
rm -f "$work/big.log"
stored=$(mariadb --no-defaults -S "$DB_DIR/sock" -uroot -N -e "SELECT COUNT(*) FROM waybill.delivery")
# The busiest account plays the cPanel user: a system user of its name, as on a cPanel server.
account=$(mariadb --no-defaults -S "$DB_DIR/sock" -uroot -N -e \
    "SELECT owner FROM waybill.delivery_owner WHERE owner NOT LIKE '@%' AND owner <> 'root' GROUP BY owner
     ORDER BY COUNT(*) DESC LIMIT 1")
echo "page-ttfb: $stored deliveries stored; the cPanel user is $account"
account_rows=$(mariadb --no-defaults -S "$DB_DIR/sock" -uroot -N -e \
    "SELECT COUNT(*) FROM waybill.delivery_owner WHERE owner = '$account'")
if ! id "$account" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$account"
    created=$account
fi
bench_daemon
install -m 755 "$root/plugin/cpanel/index.live.pl" "$work/index.live.pl"
install -m 755 "$root/plugin/whm/waybill.cgi" "$work/waybill.cgi"
rcpt=$(mariadb --no-defaults -S "$DB_DIR/sock" -uroot -N -e \
    "SELECT d.recipient FROM waybill.delivery_owner o JOIN waybill.delivery d ON d.row_key = o.row_key
     WHERE o.owner = '$account' ORDER BY o.sendtime DESC LIMIT 1")
emu="$root/daemon/src/test/resources/cpanel-emu"

python3 - "$work" "$account" "$RUNS" "$stored" "$account_rows" "$rcpt" "$emu" <<'PY'
import os, subprocess, sys, time, statistics, urllib.parse
work, account, runs, stored, account_rows, rcpt, emu = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
def env(user, query, script):
    return {"PATH": "/usr/bin:/bin", "REMOTE_USER": user, "cp_security_token": "/cpsess1234567890",
            "QUERY_STRING": query, "REQUEST_METHOD": "GET", "SCRIPT_NAME": script, "GATEWAY_INTERFACE": "CGI/1.1",
            "WAYBILL_SOCKET": work + "/waybill.sock", "PERL5LIB": emu, "WAYBILL_EMU_CPANEL_ROOT": work + "/cpanel"}
def once(cmd, e):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE, cwd=work)
    out = b""
    first = None
    while True:
        b = os.read(p.stdout.fileno(), 65536)
        if not b:
            break
        out += b
        if first is None and b"\r\n\r\n" in out and len(out) > out.index(b"\r\n\r\n") + 4:
            first = time.perf_counter() - t0
    p.wait()
    last = time.perf_counter() - t0
    assert b"wb-summary" in out or b"wb-chart" in out or b"wb-message" in out, out[-600:]
    return first * 1000, last * 1000, len(out)
cpanel = ["/usr/bin/setpriv", "--reuid=" + account, "--regid=" + account, "--clear-groups", "/usr/bin/perl", work + "/index.live.pl"]
whm = ["/usr/bin/perl", work + "/waybill.cgi"]
cases = [
    ("cPanel report, first page (100 rows + counts), account " + account + " (" + account_rows + " rows)", cpanel, account, ""),
    ("cPanel report, Show Blocked & Failed", cpanel, account, "show=problems"),
    ("cPanel report, one recipient", cpanel, account, "q=" + urllib.parse.quote(rcpt)),
    ("cPanel statistics, last 24 hours", cpanel, account, "view=stats"),
    ("WHM report as root, first page (100 rows + counts, capped at 10,000)", whm, "root", ""),
    ("WHM report as root, one recipient", whm, "root", "q=" + urllib.parse.quote(rcpt)),
]
print("\npage time to first byte of the body / to the last byte, %d runs each, %s deliveries stored" % (runs, stored))
for name, cmd, user, q in cases:
    script = "/frontend/jupiter/waybill/index.live.pl" if cmd is cpanel else "/cgi/waybill/waybill.cgi"
    for _ in range(3):
        once(cmd, env(user, q, script))
    firsts, lasts, size = [], [], 0
    for _ in range(runs):
        f, l, size = once(cmd, env(user, q, script))
        firsts.append(f); lasts.append(l)
    firsts.sort(); lasts.sort()
    p90 = lambda v: v[min(len(v) - 1, int(len(v) * 0.9))]
    print("  %-95s p50 %6.1f ms  p90 %6.1f ms  (last byte p50 %6.1f ms, %d KB)" %
          (name, statistics.median(firsts), p90(firsts), statistics.median(lasts), size // 1024))
# Perl alone, for scale: the part of every figure that is starting the CGI.
t = []
for _ in range(runs):
    t0 = time.perf_counter(); subprocess.run(["/usr/bin/perl", "-MIO::Socket::UNIX", "-MJSON::PP", "-e", "1"]); t.append((time.perf_counter() - t0) * 1000)
print("  %-95s p50 %6.1f ms" % ("perl -MIO::Socket::UNIX -MJSON::PP -e 1 (starting the CGI alone)", statistics.median(t)))
PY
