# shellcheck shell=bash disable=SC2034
# (SC2034: the layout is used by the scripts that source this file.)
# packaging/lib.sh — what install.sh, uninstall.sh and the RPM/.deb scriptlets share: the layout,
# messages, the undo journal, OS and cPanel detection, the database client, starting, stopping
# and checking the daemon. Sourced, never run. Installed as /usr/local/waybill/libexec/lib.sh.
#
# Everything lives under WAYBILL_ROOT (default: the real /), so the tests run a whole install
# into a temporary directory with stand-ins for cPanel's scripts under it. Under an install root
# the daemon runs as the calling user and never under systemd.

# ---- layout ------------------------------------------------------------------------------------

R=${WAYBILL_ROOT:-}
R=${R%/}
readonly R
readonly PREFIX=$R/usr/local/waybill            # jar, launcher, plugin, templates, scripts
readonly LIBEXEC=$PREFIX/libexec
readonly BIN_LINK=$R/usr/local/bin/waybill
readonly ETC=$R/etc/waybill
readonly CONF=$ETC/waybill.conf                  # mode 0600: holds the database password
readonly ENV_FILE=$ETC/environment               # JAVA=... when the default java is older than 17
readonly ADMIN_TOKEN_FILE=$ETC/admin.token       # the embedded admin page's token (no cPanel)
readonly STATE=$R/var/lib/waybill                # root's: the daemon writes nothing here
readonly STATE_FILE=$STATE/install.state         # what install.sh did, for uninstall.sh
readonly LOCK_FILE=$STATE/install.lock           # held by the install.sh or uninstall.sh running
readonly RUN=$R/var/run/waybill                  # the daemon's user's own: its socket
readonly SOCKET=$RUN/waybill.sock
# Without systemd only: the supervisor (root) keeps its PID files in a directory of root's, never
# in $RUN, where the daemon's user could put a link to another file in their place.
readonly SUPERVISE_RUN=$R/var/run/waybill-supervise
readonly SUPERVISOR_PID=$SUPERVISE_RUN/supervise.pid
readonly DAEMON_PID=$SUPERVISE_RUN/waybill.pid
readonly OLD_SUPERVISOR_PID=$RUN/supervise.pid   # where versions before kept it: found, never written
readonly LOG_DIR=$R/var/log/waybill              # without systemd only (else the journal)
readonly UNIT=$R/usr/lib/systemd/system/waybill.service
readonly CPANEL=$R/usr/local/cpanel
readonly CHKSERV_DIR=$R/etc/chkserv.d
readonly THEME_DIR=$CPANEL/base/frontend/jupiter
readonly WHM_CGI_DIR=$CPANEL/whostmgr/docroot/cgi/waybill
readonly WHM_ICON_DIR=$CPANEL/whostmgr/docroot/addon_plugins
readonly DAEMON_USER=waybill

# ---- messages ----------------------------------------------------------------------------------

PROG=${PROG:-waybill}
DRY_RUN=${DRY_RUN:-false}
CHANGES=0

say() { printf '%s: %s\n' "$PROG" "$*"; }
step() { printf '\n==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

# Announces a change; returns 1 under --dry-run so that callers write `change "..." || return 0`.
change() {
  CHANGES=$((CHANGES + 1))
  if $DRY_RUN; then
    printf '    would: %s\n' "$*"
    return 1
  fi
  printf '    %s\n' "$*"
}

# ---- undo journal: each change pushes its inverse; a failed run replays them newest first ------

UNDO=()
undo_push() {
  local cmd
  printf -v cmd '%q ' "$@"
  UNDO+=("$cmd")
}

rollback() {
  ((${#UNDO[@]} > 0)) || return 0
  say "rolling back the ${#UNDO[@]} change(s) this run made"
  local i
  for ((i = ${#UNDO[@]} - 1; i >= 0; i--)); do
    eval "${UNDO[i]}" || warn "undo step failed: ${UNDO[i]}"
  done
  UNDO=()
  say "rolled back; the server is as it was before this run"
}

# ---- files -------------------------------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/waybill-setup.XXXXXX")
chmod 700 "$WORK"
cleanup_work() {
  [[ -z $LOCK_HOLDER ]] || kill "$LOCK_HOLDER" 2>/dev/null || true
  rm -rf "$WORK"
}

restore_file() { # BACKUP DEST
  local tmp
  tmp=$(mktemp -u "$2.waybill-restore.XXXXXX") && cp -a "$1" "$tmp" && mv -f "$tmp" "$2"
}

# ensure_dir DIR MODE [OWNER[:GROUP]]: creates DIR (and parents) if missing.
ensure_dir() {
  local dir=$1 mode=$2 owner=${3:-} missing=() d
  d=$dir
  while [[ ! -d $d ]]; do
    missing=("$d" "${missing[@]}")
    d=$(dirname "$d")
  done
  if ((${#missing[@]} > 0)); then
    change "create $dir" || return 0
    for d in "${missing[@]}"; do
      mkdir -m 755 "$d"
      undo_push rmdir "$d"
    done
    chmod "$mode" "$dir"
    [[ -z $owner ]] || chown "$owner" "$dir"
    return 0
  fi
  local want have
  want=$(printf '%o' "$((8#$mode))")
  [[ -n $owner ]] && want="$want $owner" || want="$want $(stat -c '%U:%G' "$dir")"
  have=$(stat -c '%a %U:%G' "$dir")
  if [[ $have != "$want" ]]; then
    change "set $dir to mode $mode${owner:+, owner $owner}" || return 0
    undo_push chmod "$(stat -c '%a' "$dir")" "$dir"
    undo_push chown "$(stat -c '%U:%G' "$dir")" "$dir"
    chmod "$mode" "$dir"
    [[ -z $owner ]] || chown "$owner" "$dir"
  fi
}

# put_file SRC DEST MODE [OWNER]: installs SRC as DEST when its content, mode or owner differ.
put_file() {
  local src=$1 dest=$2 mode=$3 owner=${4:-root:root}
  [[ -n $R ]] && owner=$(id -un):$(id -gn)
  if [[ -f $dest && ! -L $dest ]] && cmp -s "$src" "$dest" &&
    [[ $(stat -c '%a %U:%G' "$dest") == "$(printf '%o' "$((8#$mode))") $owner" ]]; then
    return 0
  fi
  [[ -d $(dirname "$dest") ]] || ensure_dir "$(dirname "$dest")" 755
  if [[ -e $dest || -L $dest ]]; then
    change "update $dest" || return 0
    local backup
    backup=$(mktemp "$WORK/backup.XXXXXX")
    cp -a "$dest" "$backup"
    undo_push restore_file "$backup" "$dest"
  else
    change "install $dest" || return 0
    undo_push rm -f "$dest"
  fi
  # A new name of mktemp's (made with O_EXCL), never a link someone left under a name known ahead.
  local tmp
  tmp=$(mktemp "$dest.waybill-new.XXXXXX")
  cp "$src" "$tmp"
  chmod "$mode" "$tmp"
  chown "$owner" "$tmp" 2>/dev/null || true
  mv -f "$tmp" "$dest"
}

# put_text DEST MODE TEXT: as put_file, with TEXT (plus a final newline) as the content. Not fed
# by a pipe: a pipeline's subshell would lose the undo journal and the change count.
put_text() {
  local tmp
  tmp=$(mktemp "$WORK/text.XXXXXX")
  printf '%s\n' "$3" >"$tmp"
  put_file "$tmp" "$1" "$2"
}

# put_tree SRCDIR DESTDIR: every file of SRCDIR (scripts keep their executable bit).
put_tree() {
  local src=$1 dest=$2 f mode
  [[ -d $src ]] || return 0
  while IFS= read -r -d '' f; do
    mode=644
    [[ -x $src/$f ]] && mode=755
    put_file "$src/$f" "$dest/$f" "$mode"
  done < <(cd "$src" && find . -type f ! -name '*~' -printf '%P\0' | sort -z)
}

put_symlink() { # TARGET LINK
  local target=$1 link=$2
  [[ -L $link && $(readlink "$link") == "$target" ]] && return 0
  [[ -d $(dirname "$link") ]] || ensure_dir "$(dirname "$link")" 755
  if [[ -e $link || -L $link ]]; then
    change "replace $link with a link to $target" || return 0
    local backup
    backup=$(mktemp -u "$WORK/backup.XXXXXX")
    cp -a "$link" "$backup"
    undo_push restore_file "$backup" "$link"
  else
    change "link $link -> $target" || return 0
    undo_push rm -f "$link"
  fi
  ln -sfn "$target" "$link"
}

# remove_path PATH: for uninstall (no undo): says what it removes.
remove_path() {
  local p
  for p in "$@"; do
    [[ -e $p || -L $p ]] || continue
    change "remove $p" || continue
    rm -rf -- "$p"
  done
}

# ---- one run at a time ---------------------------------------------------------------------------

# take_lock: install.sh and uninstall.sh one at a time (a package's post-install step and an
# administrator's run would each change, or roll back, what the other has just put in place).
# Waits up to WAYBILL_LOCK_WAIT seconds (default 300) for the other run, then stops naming it.
# The file is in $STATE, root's own: the caller makes sure $STATE is there and root's.
LOCK_HOLDER=""
take_lock() {
  local wait=${WAYBILL_LOCK_WAIT:-300} reply=""
  [[ $wait =~ ^[0-9]+$ ]] || wait=300
  # A link (or a FIFO, a second name of a file) put there while $STATE was the daemon user's, as
  # versions before gave it, would have the lock's line written through it: it goes first.
  if [[ -L $LOCK_FILE ]] || { [[ -e $LOCK_FILE ]] && [[ ! -f $LOCK_FILE || $(stat -c %h "$LOCK_FILE") != 1 ]]; }; then
    rm -f "$LOCK_FILE"
  fi
  exec 8< <(hold_lock "$wait" "$$")
  LOCK_HOLDER=$!
  read -r reply <&8 || true
  exec 8<&-
  case $reply in
    locked) ;;
    gone) die "another run removed $STATE while this one waited: run this again" ;;
    *) die "another run is under way: ${reply#busy }; run this again once it has ended" ;;
  esac
}

# hold_lock WAIT RUN: the lock, held for RUN until it ends, by a process of its own: a shell
# cannot mark a descriptor close-on-exec, and the daemons a run starts would inherit the lock
# and keep it for ever. A run that removes the file (a rollback, --purge) frees its waiters on
# a file no longer there: they lock the new one.
hold_lock() {
  local deadline=$((SECONDS + $1)) other said=false
  while :; do
    [[ -d $STATE ]] || { echo gone; exit 1; }
    exec 9>>"$LOCK_FILE"
    if ! flock -n 9; then
      other=$(head -n 1 "$LOCK_FILE" 2>/dev/null || true)
      if [[ $other =~ ^[0-9]+\ [a-z.]+$ ]]; then other="${other#* } (PID ${other%% *})"; else other="install.sh or uninstall.sh"; fi
      $said || say "another run is under way: $other; waiting up to $1 s for it to end" >&2
      said=true
      flock -w "$((deadline > SECONDS ? deadline - SECONDS : 0))" 9 || { echo "busy $other"; exit 1; }
    fi
    [[ /proc/$BASHPID/fd/9 -ef $LOCK_FILE ]] && break
    exec 9>&-
  done
  printf '%s %s\n' "$2" "${PROG%% *}" >"$LOCK_FILE"
  echo locked
  exec </dev/null >/dev/null 2>&1
  while [[ -e /proc/$2 ]]; do sleep 1 9>&-; done
}

# ---- key = value files -------------------------------------------------------------------------

# conf_get FILE KEY: the value of "KEY = value" (or KEY=value), empty if absent.
conf_get() {
  [[ -r $1 ]] || return 0
  # As the daemon reads it: a key in any case, a byte order mark before the first.
  sed -n -E "s/^(\xEF\xBB\xBF)?[[:space:]]*${2//./\\.}[[:space:]]*=[[:space:]]*(.*[^[:space:]])?[[:space:]]*\$/\\2/Ip" "$1" |
    tail -n 1
}

# ---- the system --------------------------------------------------------------------------------

OS_ID="" OS_VERSION="" OS_FAMILY="" OS_NAME=""
detect_os() {
  local file=$R/etc/os-release
  [[ -r $file ]] || file=/etc/os-release
  # shellcheck disable=SC1090
  OS_ID=$(. "$file" && echo "${ID:-}")
  # shellcheck disable=SC1090
  OS_VERSION=$(. "$file" && echo "${VERSION_ID:-}")
  # shellcheck disable=SC1090
  OS_NAME=$(. "$file" && echo "${PRETTY_NAME:-$ID}")
  case "$OS_ID:${OS_VERSION%%.*}" in
    almalinux:[89] | rocky:[89] | cloudlinux:[89] | centos:[89] | rhel:[89]) OS_FAMILY=el ;;
    ubuntu:22 | ubuntu:24 | debian:12) OS_FAMILY=debian ;;
    *)
      OS_FAMILY=unknown
      # shellcheck disable=SC1090
      case " $(. "$file" && echo "${ID_LIKE:-}") " in
        *" rhel "* | *" fedora "*) OS_FAMILY=el ;;
        *" debian "*) OS_FAMILY=debian ;;
      esac
      ;;
  esac
}

os_supported() {
  case "$OS_ID:$OS_VERSION" in
    almalinux:[89]* | rocky:[89]* | cloudlinux:[89]* | ubuntu:22.04 | ubuntu:24.04 | debian:12) return 0 ;;
  esac
  return 1
}

has_cpanel() { [[ -d $CPANEL ]]; }

# The daemon's system user. An install root with an etc/passwd of its own stands for a machine's
# user database (the tests): the user is looked up there and made and removed with --root. An
# install root without one has no system user: the daemon runs as the caller.
users_managed() { [[ -z $R || -f $R/etc/passwd ]]; }

system_user_exists() {
  if [[ -n $R ]]; then grep -q "^$DAEMON_USER:" "$R/etc/passwd" 2>/dev/null; else id "$DAEMON_USER" >/dev/null 2>&1; fi
}

system_group_exists() {
  if [[ -n $R ]]; then grep -q "^$DAEMON_USER:" "$R/etc/group" 2>/dev/null; else getent group "$DAEMON_USER" >/dev/null; fi
}

# remove_system_user: the user and its group (userdel leaves the group where USERGROUPS_ENAB is no).
remove_system_user() {
  if system_user_exists; then userdel ${R:+--root "$R"} "$DAEMON_USER"; fi
  if system_group_exists; then groupdel ${R:+--root "$R"} "$DAEMON_USER"; fi
}

# systemd manages the daemon when it runs as PID 1's service manager and no install root is set.
use_systemd() { [[ -z $R && -d /run/systemd/system ]] && command -v systemctl >/dev/null; }

# java_major BINARY: 17 for "17.0.15", 8 for "1.8.0", 0 when it does not run.
java_major() {
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  v=${v#1.}
  [[ $v =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

# Prints a java binary of version 17 or later, or nothing.
find_java() {
  local j
  for j in ${JAVA:-} "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
    [[ -n $j && -x $j ]] || continue
    if (($(java_major "$j") >= 17)); then
      echo "$j"
      return 0
    fi
  done
}

# ---- the database client -----------------------------------------------------------------------

DB_CLIENT=""
find_db_client() {
  DB_CLIENT=$(command -v mariadb || command -v mysql || true)
}

# db_admin SQL...: runs SQL as the database administrator (the options file written by
# write_admin_options; without one, the client's own defaults: /root/.my.cnf on cPanel, the
# unix_socket login of root on Debian). Output: tab-separated, no headers. The SQL goes in on
# standard input, not with -e: any local user can read a process's arguments, and CREATE USER
# holds the password.
DB_ADMIN_OPTIONS=""
db_admin() {
  local -a opts=()
  [[ -n $DB_ADMIN_OPTIONS ]] && opts=("--defaults-extra-file=$DB_ADMIN_OPTIONS")
  printf '%s\n' "$*" | "$DB_CLIENT" "${opts[@]}" --batch --skip-column-names --connect-timeout=10
}

# option_quote VALUE: VALUE as an options file ([client] section) gives it back whole: in double
# quotes, with \ and " escaped. Bare, a '#' would start a comment, and quotes be taken away.
option_quote() {
  local s=${1//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}

# write_admin_options HOST PORT SOCKET USER PASSWORD: a private options file, so that no
# password appears in a process listing.
write_admin_options() {
  DB_ADMIN_OPTIONS=$WORK/admin.cnf
  {
    echo "[client]"
    [[ -n $1 ]] && echo "host=$1"
    [[ -n $2 ]] && echo "port=$2"
    [[ -n $3 ]] && echo "socket=$3"
    [[ -n $4 ]] && echo "user=$(option_quote "$4")"
    [[ -n $5 ]] && echo "password=$(option_quote "$5")"
    [[ -n $1 && -z $3 ]] && echo "protocol=tcp"
  } >"$DB_ADMIN_OPTIONS"
  chmod 600 "$DB_ADMIN_OPTIONS"
}

# db_check_user HOST PORT DATABASE USER PASSWORD: can Waybill's own user connect?
db_check_user() {
  local f=$WORK/user.cnf
  printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword=%s\nprotocol=tcp\n' "$1" "$2" "$(option_quote "$4")" \
    "$(option_quote "$5")" >"$f"
  chmod 600 "$f"
  "$DB_CLIENT" --defaults-file="$f" --batch --skip-column-names --connect-timeout=10 \
    -e "SELECT 1" "$3" >/dev/null 2>"$WORK/user-check.err"
}

sql_quote() { # 'text' with quotes and backslashes escaped
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\\\'}"
}

# ---- the daemon --------------------------------------------------------------------------------

# is_supervisor PID: PID is a live waybill-supervise (not another process given its number since).
is_supervisor() {
  [[ $1 =~ ^[0-9]+$ && -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'waybill-supervise'
}

# The running supervisor's PID (without systemd), if its PID file names a live waybill-supervise.
supervisor_pid() {
  local pid file
  for file in "$SUPERVISOR_PID" "$OLD_SUPERVISOR_PID"; do
    [[ -r $file ]] || continue
    pid=$(<"$file")
    if is_supervisor "$pid"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# is_daemon PID: PID is a live waybill daemon of this installation (run with its configuration),
# not another process given the number since.
is_daemon() {
  local cmd
  [[ $1 =~ ^[0-9]+$ ]] && cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *waybill* && $cmd == *" run --config $CONF "* ]]
}

# The daemon's PID (without systemd), if its PID file names a live waybill daemon: also one whose
# supervisor was killed (SIGKILL), which runs on, unsupervised.
daemon_pid() {
  local pid
  [[ -r $DAEMON_PID ]] || return 1
  pid=$(<"$DAEMON_PID")
  is_daemon "$pid" || return 1
  echo "$pid"
}

# stop_orphaned_daemon: with no supervisor running, stops the daemon a killed one left behind, so
# that the one started next is the only one.
stop_orphaned_daemon() {
  local pid
  supervisor_pid >/dev/null && return 0
  pid=$(daemon_pid) || return 0
  say "the daemon (PID $pid) runs on without its supervisor, which was killed: stopping it"
  if ! terminate "$pid" is_daemon; then
    warn "the daemon (PID $pid) did not stop within 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$DAEMON_PID"
}

# terminate PID CHECK: sends PID a SIGTERM and waits up to 30 s while "CHECK PID" still holds (the
# process, not another given its number since); fails if it still does then.
terminate() {
  local i
  kill -TERM "$1" 2>/dev/null || return 0
  for ((i = 0; i < 300; i++)); do
    "$2" "$1" || return 0
    sleep 0.1
  done
  ! "$2" "$1"
}

daemon_running() {
  if use_systemd; then
    systemctl is-active --quiet waybill.service
  else
    supervisor_pid >/dev/null
  fi
}

# health [SOCKET]: prints the daemon's one-line health reply; fails when nothing answers.
# Plain perl (core IO::Socket::UNIX), present on every cPanel server and Debian system, so the
# check works whatever the daemon's CLI offers.
health() {
  perl -MIO::Socket::UNIX -e '
    my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 2;
    local $SIG{ALRM} = sub { exit 3 }; alarm 5;
    print $s qq({"id":1,"method":"health"}\n);
    my $line = <$s>; defined $line or exit 4;
    print $line; exit($line =~ /"result"/ ? 0 : 1);' "${1:-$SOCKET}" 2>/dev/null
}

# health_field REPLY KEY: a string or number value of "KEY":... in the reply (first occurrence).
health_field() {
  sed -n -E "s/.*\"$2\":(\"([^\"]*)\"|([0-9]+)).*/\\2\\3/p" <<<"$1" | head -n 1
}

# stop_supervised: stops the supervisor (and with it the daemon) started without systemd.
stop_supervised() {
  local pid
  pid=$(supervisor_pid) || return 0
  # Gone, or its number taken by another process since: never one to kill.
  if ! terminate "$pid" is_supervisor; then
    warn "the supervisor (PID $pid) did not stop within 30 s; killing it and the daemon"
    local child
    child=$(cat "$DAEMON_PID" 2>/dev/null || true)
    # Only the supervisor's own child (its parent, field 4 of /proc/PID/stat, is the supervisor).
    if [[ $child =~ ^[0-9]+$ && $(sed -E 's/^.*\) \S+ ([0-9]+) .*$/\1/' "/proc/$child/stat" 2>/dev/null) == "$pid" ]]; then
      kill -KILL "$child" 2>/dev/null
    fi
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$SUPERVISOR_PID" "$DAEMON_PID" "$OLD_SUPERVISOR_PID"
}

# ---- cPanel ------------------------------------------------------------------------------------

# The AppConfig file of the plugin (the one with service=whostmgr), or nothing.
plugin_appconfig() {
  local dir=$1 f
  [[ -d $dir ]] || return 0
  while IFS= read -r -d '' f; do
    if grep -qE '^[[:space:]]*service[[:space:]]*=[[:space:]]*whostmgr' "$f"; then
      echo "$f"
      return 0
    fi
  done < <(find "$dir" -maxdepth 2 -type f \( -name '*.conf' -o -name '*.appconfig' \) -print0 | sort -z)
}

appconfig_value() { # FILE KEY
  sed -n -E "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*(.*[^[:space:]])[[:space:]]*\$/\\1/p" "$1" | head -n 1
}

# The page directory under the theme, from install.json's first "uri" (waybill/index.live.pl
# gives waybill), or "waybill".
plugin_theme_subdir() {
  local json=$1/install.json dir=""
  if [[ -r $json ]]; then
    dir=$(perl -MJSON::PP -0777 -ne '
      my $d = eval { JSON::PP->new->decode($_) } or exit;
      for my $item (ref $d eq "ARRAY" ? @$d : ($d)) {
        next unless ref $item eq "HASH" && defined $item->{uri};
        my ($first) = split m{/}, $item->{uri}; print $first; last }' "$json" 2>/dev/null || true)
  fi
  [[ $dir =~ ^[A-Za-z0-9_.-]+$ && $dir != . && $dir != .. ]] || dir=waybill
  echo "$dir"
}

# The files cPanel runs as pages: plugin/cpanel/ when the plugin has it, else its *.live.* files.
plugin_page_dir() {
  if [[ -d $1/cpanel ]]; then echo "$1/cpanel"; else echo "$1"; fi
}
