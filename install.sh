#!/usr/bin/env bash
# install.sh — installs Waybill on this server, or brings an installation up to date.
#
# Usage: sudo ./install.sh [options]
#
#   --dry-run                 say what would be done; change nothing
#   --db-host HOST            use the MariaDB/MySQL server at HOST (a central server or Galera
#   --db-port PORT              cluster for a fleet); default: this server's own (127.0.0.1:3306),
#   --db-socket PATH            installing mariadb-server when there is none (not on cPanel, which
#                               has its own). --db-socket: how the admin client reaches it.
#   --db-admin-user USER      an account that may create databases and users (default: the
#   --db-admin-password PW      client's own: /root/.my.cnf on cPanel, root's unix_socket login
#                               on Debian). Or set WAYBILL_DB_ADMIN_PASSWORD, to keep it out of ps.
#   --db-name NAME            Waybill's database (default waybill)
#   --db-user USER            Waybill's own database user (default waybill)
#   --db-user-host HOST       where that user may connect from when the database is remote
#                               (default %; give this server's address for a tighter grant)
#   --db-password PW          the user exists already (created by a DBA) with this password:
#                               create nothing, just use it (or WAYBILL_DB_PASSWORD)
#   --log PATH                Exim's main log (default: /var/log/exim_mainlog on cPanel, else the
#                               first of /var/log/exim4/mainlog and /var/log/exim/mainlog)
#   --server-id NAME          this server's name in a shared database (default: short host name)
#   --retention-days N        days of history kept (default 30)
#   --admin-listen ADDR       without cPanel: where the admin page listens, a loopback address
#                               (default 127.0.0.1:8470; port 0 = any free port; off = no page)
#   --wait SECONDS            how long to wait for the daemon's health answer (default 120)
#   --no-packages             never install OS packages; fail if something is missing
#   --package                 (the RPM/.deb post-install step) files are in place already
#   --stage DIR               only lay out the files under DIR (how packages are built)
#   -h, --help                this text
#
# A second run changes nothing and says so. Any error rolls back what the run did.
# WAYBILL_ROOT=/some/dir installs under that directory instead of / (tests).
set -Eeuo pipefail
umask 022

PROG=install.sh
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)

usage() { sed -n '2,/^set -E/p' "$here/install.sh" | sed '$d' | sed 's/^# \{0,1\}//'; }

# ---- options -----------------------------------------------------------------------------------

DRY_RUN=false
opt_db_host="" opt_db_port="" opt_db_socket="" opt_db_admin_user=""
opt_db_admin_password=${WAYBILL_DB_ADMIN_PASSWORD:-}
opt_db_name=waybill opt_db_user=waybill opt_db_user_host="" opt_db_password=${WAYBILL_DB_PASSWORD:-}
opt_log="" opt_server_id="" opt_retention="" opt_wait=120 opt_admin_listen=127.0.0.1:8470
no_packages=false package_mode=false stage_dir=""

need() { [[ $# -ge 2 && -n $2 ]] || { echo "$PROG: $1 needs a value (try --help)" >&2; exit 2; }; }
while (($# > 0)); do
  case $1 in
    --dry-run) DRY_RUN=true ;;
    --db-host) need "$@"; opt_db_host=$2; shift ;;
    --db-port) need "$@"; opt_db_port=$2; shift ;;
    --db-socket) need "$@"; opt_db_socket=$2; shift ;;
    --db-admin-user) need "$@"; opt_db_admin_user=$2; shift ;;
    --db-admin-password) [[ $# -ge 2 ]] || need "$1"; opt_db_admin_password=$2; shift ;;
    --db-name) need "$@"; opt_db_name=$2; shift ;;
    --db-user) need "$@"; opt_db_user=$2; shift ;;
    --db-user-host) need "$@"; opt_db_user_host=$2; shift ;;
    --db-password) need "$@"; opt_db_password=$2; shift ;;
    --log) need "$@"; opt_log=$2; shift ;;
    --server-id) need "$@"; opt_server_id=$2; shift ;;
    --retention-days) need "$@"; opt_retention=$2; shift ;;
    --wait) need "$@"; opt_wait=$2; shift ;;
    --admin-listen) need "$@"; opt_admin_listen=$2; shift ;;
    --no-packages) no_packages=true ;;
    --package) package_mode=true no_packages=true ;;
    --stage) need "$@"; stage_dir=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$PROG: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $opt_db_name =~ ^[A-Za-z0-9_]{1,64}$ ]] || { echo "$PROG: --db-name: letters, digits and _ only" >&2; exit 2; }
[[ $opt_db_user =~ ^[A-Za-z0-9_]{1,32}$ ]] || { echo "$PROG: --db-user: letters, digits and _ only" >&2; exit 2; }
[[ $opt_admin_listen == off || $opt_admin_listen =~ ^(127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|localhost|\[::1\]):[0-9]{1,5}$ ]] ||
  { echo "$PROG: --admin-listen: a loopback address such as 127.0.0.1:8470 (or off); the page never listens elsewhere" >&2; exit 2; }
[[ -z $opt_db_port || $opt_db_port =~ ^[0-9]+$ ]] || { echo "$PROG: --db-port: a number" >&2; exit 2; }
[[ $opt_wait =~ ^[0-9]+$ ]] || { echo "$PROG: --wait: a number of seconds" >&2; exit 2; }
[[ -z $opt_retention || $opt_retention =~ ^[0-9]+$ ]] || { echo "$PROG: --retention-days: a number" >&2; exit 2; }
if [[ -n $stage_dir ]]; then
  mkdir -p "$stage_dir"
  WAYBILL_ROOT=$(cd "$stage_dir" && pwd)
  export WAYBILL_ROOT
fi

# ---- where the files come from: a source checkout, or an installed /usr/local/waybill ----------

if [[ -f $here/packaging/lib.sh ]]; then
  SRC_JAR=$here/daemon/target/waybill.jar
  SRC_LAUNCHER=$here/packaging/waybill
  SRC_LIB=$here/packaging/lib.sh
  SRC_SUPERVISE=$here/packaging/waybill-supervise
  SRC_UNIT=$here/packaging/waybill.service
  SRC_CONF_EXAMPLE=$here/packaging/waybill.conf
  SRC_INSTALL=$here/install.sh
  SRC_UNINSTALL=$here/uninstall.sh
  SRC_README=$here/README.md
  SRC_PLUGIN=${WAYBILL_PLUGIN_DIR:-$here/plugin}
  from_checkout=true
else # /usr/local/waybill/libexec: the package's copy
  SRC_JAR=$here/../waybill.jar
  SRC_LAUNCHER=$here/../bin/waybill
  SRC_LIB=$here/lib.sh
  SRC_SUPERVISE=$here/waybill-supervise
  SRC_UNIT=$here/../share/waybill.service
  SRC_CONF_EXAMPLE=$here/../share/waybill.conf.example
  SRC_INSTALL=$here/install.sh
  SRC_UNINSTALL=$here/uninstall.sh
  SRC_README=$here/../README.md
  SRC_PLUGIN=${WAYBILL_PLUGIN_DIR:-$here/../plugin}
  from_checkout=false
fi
# shellcheck source=packaging/lib.sh
. "$SRC_LIB"

on_exit() {
  local status=$?
  set +e
  if ((status != 0)) && ! $DRY_RUN; then
    echo
    say "the installation failed (see above)"
    # Not ignored (''): what the rollback starts again would inherit that, and never stop.
    trap 'warn "interrupted: the rollback goes on to its end"' INT TERM
    rollback
    ${RESTARTED:-false} && start_again
    if $package_mode; then
      say "the package's files are installed, but Waybill is not set up; finish with"
      say "  /usr/local/waybill/libexec/install.sh --db-host HOST --db-admin-user USER ..."
      say "(see /usr/local/waybill/libexec/install.sh --help)"
      cleanup_work
      exit 0
    fi
  fi
  cleanup_work
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---- steps -------------------------------------------------------------------------------------

check_system() {
  step "Checking the system"
  if [[ -z $R ]] && ((EUID != 0)); then
    $DRY_RUN || die "run this as root (sudo $0), or with --dry-run to see what it would do"
  fi
  detect_os
  if os_supported; then
    ok "$OS_NAME"
  else
    warn "$OS_NAME is not one Waybill is tested on (AlmaLinux/Rocky/CloudLinux 8-9, Ubuntu 22.04/24.04, Debian 12); carrying on with what is installed"
  fi
  if has_cpanel; then
    ok "cPanel found in $CPANEL"
  else
    ok "no cPanel: the embedded default (CLI, and an admin page on 127.0.0.1)"
  fi
  if use_systemd; then
    ok "systemd runs the services"
  else
    ok "systemd is not running here${R:+ (install root $R)}: Waybill's own supervisor will keep the daemon running"
  fi
}

os_package_installed() {
  if [[ -n $R ]]; then
    return 1 # an install root stands for another machine: nothing of it is known
  elif command -v dpkg-query >/dev/null; then
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
  else
    rpm -q "$1" >/dev/null 2>&1
  fi
}

# install_os_package NAME...: from the OS's own repositories; removed again on rollback.
install_os_package() {
  local -a cmd
  case $OS_FAMILY in
    el) cmd=(dnf install -y "$@") ;;
    debian) cmd=(env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@") ;;
    *) die "cannot install $* on $OS_NAME: install it yourself, then run this again" ;;
  esac
  local -a absent=()
  local p
  for p in "$@"; do
    os_package_installed "$p" || absent+=("$p")
  done
  ((${#absent[@]} > 0)) || { ok "$* installed already"; return 0; }
  $no_packages && die "missing ${absent[*]}, and --no-packages/--package forbids installing it: install it first"
  if [[ -n $R ]] && ! $DRY_RUN; then
    die "under WAYBILL_ROOT ($R) nothing is installed from OS packages: install ${absent[*]} yourself"
  fi
  change "install ${absent[*]} (${cmd[*]})" || return 0
  if [[ $OS_FAMILY == debian ]]; then
    apt-get update -qq || warn "apt-get update failed; trying the install anyway"
  fi
  "${cmd[@]}" || die "could not install $*"
  # Only what this run installed is removed again on rollback.
  case $OS_FAMILY in
    el) undo_push dnf remove -y "${absent[@]}" ;;
    *) undo_push env DEBIAN_FRONTEND=noninteractive apt-get remove -y "${absent[@]}" ;;
  esac
}

JAVA_BIN=""
ensure_java() {
  step "Java 17 or later"
  JAVA_BIN=$(find_java)
  if [[ -n $JAVA_BIN ]]; then
    ok "$JAVA_BIN (Java $(java_major "$JAVA_BIN"))"
    return 0
  fi
  case $OS_FAMILY in
    el) install_os_package java-17-openjdk-headless ;;
    *) install_os_package openjdk-17-jre-headless ;;
  esac
  $DRY_RUN && return 0
  JAVA_BIN=$(find_java)
  [[ -n $JAVA_BIN ]] || die "Java 17 was installed but no java binary of version 17+ was found"
  ok "$JAVA_BIN"
}

# One run at a time (lib.sh's take_lock). $STATE made first, root's, so that a rollback removes
# it last; under --dry-run, which changes nothing, no lock.
lock_runs() {
  $DRY_RUN && return 0
  ensure_dir "$STATE" 750 "$([[ -n $R ]] && echo "$(id -un):$(id -gn)" || echo root:root)"
  local fresh=false
  [[ -e $LOCK_FILE ]] || fresh=true
  take_lock
  if $fresh; then undo_push rm -f "$LOCK_FILE"; fi
}

ensure_jar() {
  [[ -f $SRC_JAR ]] && return 0
  if $from_checkout && command -v mvn >/dev/null; then
    change "build the jar: mvn -B -q package -DskipTests (in $here)" || return 0
    (cd "$here" && mvn -B -q package -DskipTests) || die "the build failed; run 'mvn -B package' and look at its errors"
    [[ -f $SRC_JAR ]] || die "the build did not produce $SRC_JAR"
  else
    die "no $SRC_JAR: build it first with 'mvn -B package' (Maven 3.8+, JDK 17)"
  fi
}

ensure_user() {
  users_managed || return 0
  if system_user_exists; then
    check_existing_user
    return 0
  fi
  local nologin=/usr/sbin/nologin
  [[ -x $nologin ]] || nologin=/sbin/nologin
  change "create the system user $DAEMON_USER (no login, no home)" || return 0
  useradd ${R:+--root "$R"} --system --user-group --home-dir /var/lib/waybill --no-create-home --shell "$nologin" \
    --comment "Waybill email delivery tracking" "$DAEMON_USER"
  undo_push remove_system_user
  USER_CREATED=yes
}

# A user of that name found in place is used only if it is a system account (below UID_MIN, no
# login shell). Else it is someone's: on cPanel an account named after its domain (waybill.com);
# its owner would own the daemon's socket directory, and answer the pages in the daemon's place.
check_existing_user() {
  local entry uid shell uid_min
  if [[ -n $R ]]; then entry=$(grep -m 1 "^$DAEMON_USER:" "$R/etc/passwd" || true); else entry=$(getent passwd "$DAEMON_USER" || true); fi
  uid=$(cut -d: -f3 <<<"$entry")
  shell=$(cut -d: -f7 <<<"$entry")
  uid_min=$(awk '$1 == "UID_MIN" { print $2 }' "$R/etc/login.defs" 2>/dev/null || true)
  [[ $uid_min =~ ^[0-9]+$ ]] || uid_min=1000
  if [[ ! $uid =~ ^[0-9]+$ ]] || ((uid >= uid_min)) || [[ $shell != */nologin && $shell != */false ]]; then
    die "a user $DAEMON_USER exists (uid $uid, shell $shell) and is not a system account: it looks like a person's" \
      "or a hosting account's, and the daemon would run as it; remove or rename it, then run this again"
  fi
}

# The files, the same for install.sh and for the packages (built with --stage).
install_files() {
  step "Files"
  ensure_jar
  local before=$CHANGES owner=root:root daemon_owner=$DAEMON_USER:$DAEMON_USER root_owner=root:root
  [[ -n $R || -n $stage_dir ]] && daemon_owner=""
  [[ -n $R ]] && root_owner=$(id -un):$(id -gn)
  ensure_dir "$PREFIX" 755
  put_file "$SRC_JAR" "$PREFIX/waybill.jar" 644 "$owner"
  put_file "$SRC_LAUNCHER" "$PREFIX/bin/waybill" 755 "$owner"
  put_file "$SRC_INSTALL" "$LIBEXEC/install.sh" 755 "$owner"
  put_file "$SRC_UNINSTALL" "$LIBEXEC/uninstall.sh" 755 "$owner"
  put_file "$SRC_LIB" "$LIBEXEC/lib.sh" 644 "$owner"
  put_file "$SRC_SUPERVISE" "$LIBEXEC/waybill-supervise" 755 "$owner"
  put_file "$SRC_UNIT" "$PREFIX/share/waybill.service" 644 "$owner"
  put_file "$SRC_CONF_EXAMPLE" "$PREFIX/share/waybill.conf.example" 644 "$owner"
  [[ -f $SRC_README ]] && put_file "$SRC_README" "$PREFIX/README.md" 644 "$owner"
  if [[ -d $SRC_PLUGIN ]]; then
    if [[ $(readlink -f "$SRC_PLUGIN") != $(readlink -f "$PREFIX/plugin" 2>/dev/null || echo none) ]]; then
      put_tree "$SRC_PLUGIN" "$PREFIX/plugin"
    fi
  else
    ok "no plugin/ directory in this build: the cPanel and WHM pages are not installed"
  fi
  put_file "$SRC_UNIT" "$UNIT" 644 "$owner"
  # Replaced only if it is Waybill's link (as uninstall.sh removes only that): a file or link of
  # that name is someone's own command, which a rollback could restore but a success would lose.
  if [[ -e $BIN_LINK || -L $BIN_LINK ]] && [[ ! -L $BIN_LINK || $(readlink "$BIN_LINK") != */waybill/bin/waybill ]]; then
    die "$BIN_LINK is there and is not Waybill's (a link to .../waybill/bin/waybill): move it away, then run this again"
  fi
  put_symlink ../waybill/bin/waybill "$BIN_LINK"
  [[ -n $stage_dir ]] && return 0
  ensure_dir "$ETC" 755
  ensure_dir "$STATE" 750 "$root_owner" # root's record: an earlier version gave it to the daemon's user
  ensure_dir "$RUN" 755 "$daemon_owner"
  use_systemd || ensure_dir "$LOG_DIR" 750
  if ((CHANGES == before)); then ok "all in place"; fi
  FILES_CHANGED=$((CHANGES - before))
}

# ---- the database ------------------------------------------------------------------------------

DB_HOST="" DB_PORT="" DB_PASSWORD="" DB_CREATED=no DB_USER_CREATED=no DB_USER_HOSTS="" DB_ADMIN=none
LOCAL_DB_SOCKETS=(/var/lib/mysql/mysql.sock /run/mysqld/mysqld.sock /var/run/mysqld/mysqld.sock /tmp/mysql.sock)

local_db_socket() {
  local s
  for s in "${LOCAL_DB_SOCKETS[@]}"; do
    [[ -S $R$s ]] && { echo "$R$s"; return 0; }
  done
  return 1
}

local_db_installed() {
  local b
  for b in /usr/sbin/mariadbd /usr/sbin/mysqld /usr/libexec/mysqld /usr/libexec/mariadbd; do
    [[ -x $R$b ]] && return 0
  done
  return 1
}

# A local MariaDB/MySQL that answers: started if installed, installed if absent.
ensure_local_db_server() {
  if local_db_socket >/dev/null; then
    ok "a local MariaDB/MySQL server is running ($(local_db_socket))"
    return 0
  fi
  if has_cpanel && ! local_db_installed; then
    die "cPanel's MySQL/MariaDB server was not found; fix it in WHM (or give --db-host), then run this again"
  fi
  if ! local_db_installed; then
    install_os_package mariadb-server
  else
    ok "a local MariaDB/MySQL server is installed but not running"
  fi
  if [[ -n $R ]] && ! $DRY_RUN; then
    die "under WAYBILL_ROOT ($R) no system service is started: give --db-host/--db-port or --db-socket"
  fi
  local service=mariadb
  [[ -e $R/usr/lib/systemd/system/mysqld.service && ! -e $R/usr/lib/systemd/system/mariadb.service ]] && service=mysqld
  if use_systemd; then
    change "start and enable the $service service (systemctl enable --now $service)" || return 0
    systemctl enable --now "$service" || die "could not start $service"
    undo_push systemctl disable --now "$service"
  else
    change "start the $service service (service $service start; no systemd here)" || return 0
    if service "$service" start; then
      undo_push service "$service" stop
    else
      start_db_server_directly
    fi
  fi
  local i
  for ((i = 0; i < 60; i++)); do
    local_db_socket >/dev/null && return 0
    sleep 0.5
  done
  die "$service started but no socket appeared in ${LOCAL_DB_SOCKETS[*]}"
}

DB_STARTED_PID=/run/mysqld/waybill-started.pid # of a server install.sh started itself, below
# Without systemd some packages have no working service script any more (Debian 12's MariaDB
# ships its SysV script without the mysqld_safe it calls): run the server itself, as its user,
# in the background, reading the distribution's own configuration.
start_db_server_directly() {
  local bin="" b
  for b in /usr/sbin/mariadbd /usr/sbin/mysqld /usr/libexec/mariadbd /usr/libexec/mysqld; do
    [[ -x $b ]] && { bin=$b; break; }
  done
  [[ -n $bin ]] || die "no database server binary to start"
  printf '    the service script does not work here: starting %s directly\n' "$bin"
  printf '    (it will not start again at boot by itself: run it under your init system, or use --db-host)\n'
  install -d -o mysql -g mysql -m 755 /run/mysqld || die "cannot create /run/mysqld"
  setsid "$bin" --user=mysql --pid-file="$DB_STARTED_PID" </dev/null >/dev/null 2>&1 &
  undo_push stop_db_server_directly
}

# The server writes its PID file as the mysql user, who could name any process in it: only a
# database server (mariadbd or mysqld by its command line) is stopped. One that has not stopped
# within 30 s is left to finish its shutdown (never killed: that would cost it a crash recovery).
stop_db_server_directly() {
  local pid
  pid=$(cat "$DB_STARTED_PID" 2>/dev/null) || return 0
  if [[ ! $pid =~ ^[0-9]+$ ]] || ! is_db_server "$pid"; then
    warn "$DB_STARTED_PID names no database server (PID $pid): not stopping it"
    return 0
  fi
  terminate "$pid" is_db_server ||
    warn "the database server (PID $pid) has not stopped within 30 s; left to finish shutting down"
}

is_db_server() {
  [[ $(head -z -n 1 "/proc/$1/cmdline" 2>/dev/null | tr -d '\0') =~ (^|/)(mariadbd|mysqld)$ ]]
}

random_password() {
  local p
  p=$(head -c 64 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 32)
  [[ ${#p} -ge 24 ]] || p=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  echo "$p"
}

drop_db_user() { db_admin "DROP USER IF EXISTS $(sql_quote "$1")@$(sql_quote "$2")"; }
drop_db() { db_admin "DROP DATABASE IF EXISTS \`$1\`"; }

setup_database() {
  step "Database"
  find_db_client
  [[ -n $DB_CLIENT ]] || $DRY_RUN || die "no mariadb/mysql client found: install mariadb-client (or your MySQL's client)"
  # An existing configuration wins: a second run, or an admin's own (fleet) configuration.
  local url
  url=$(conf_get "$CONF" db.url)
  if [[ -n $url ]]; then
    # One host, or a Galera/failover list (jdbc:mariadb:sequential://node1,node2:3307/waybill).
    local -a members=() hosts=() ports=()
    local h i
    if [[ $url =~ ^jdbc:(mariadb|mysql):([a-z]+:)?//([^/?]+)/([A-Za-z0-9_]+) ]]; then
      opt_db_name=${BASH_REMATCH[4]}
      IFS=, read -r -a members <<<"${BASH_REMATCH[3]}"
    fi
    for h in "${members[@]}"; do
      if [[ $h =~ ^\[([0-9A-Fa-f:.]+)\](:([0-9]+))?$ || $h =~ ^([^]:[()=]+)(:([0-9]+))?$ ]]; then
        hosts+=("${BASH_REMATCH[1]}") ports+=("${BASH_REMATCH[3]:-3306}")
      else
        hosts=() && break
      fi
    done
    ((${#hosts[@]} > 0)) || die "$CONF: cannot read host, port and database from db.url = $url"
    opt_db_user=$(conf_get "$CONF" db.user)
    DB_PASSWORD=$(conf_get "$CONF" db.password)
    # The first host that lets the user in, as the daemon goes on to the next one.
    for i in "${!hosts[@]}"; do
      DB_HOST=${hosts[i]} DB_PORT=${ports[i]}
      [[ -n $DB_CLIENT ]] || return 0
      db_check_user "$DB_HOST" "$DB_PORT" "$opt_db_name" "$opt_db_user" "$DB_PASSWORD" && break
      ((i + 1 < ${#hosts[@]})) ||
        die "the database of $CONF ($url, user $opt_db_user) does not answer: $(head -c 300 "$WORK/user-check.err")"
    done
    ok "using the database of $CONF ($url, user $opt_db_user)"
    DB_ADMIN=$(conf_get "$STATE_FILE" db_admin)
    return 0
  fi

  if [[ -n $(conf_get "$CONF" db.user) || -n $(conf_get "$CONF" db.password) ]]; then
    die "$CONF sets db.user or db.password but no db.url: add db.url, or remove them to have this run set up the database"
  fi
  DB_HOST=${opt_db_host:-127.0.0.1}
  DB_PORT=${opt_db_port:-3306}
  if [[ -n $opt_db_password ]]; then
    DB_PASSWORD=$opt_db_password
    [[ -n $DB_CLIENT ]] || return 0
    db_check_user "$DB_HOST" "$DB_PORT" "$opt_db_name" "$opt_db_user" "$DB_PASSWORD" ||
      die "cannot log in to $DB_HOST:$DB_PORT/$opt_db_name as $opt_db_user: $(head -c 300 "$WORK/user-check.err")"
    ok "using the existing account $opt_db_user on $DB_HOST:$DB_PORT/$opt_db_name"
    return 0
  fi

  if [[ -n $opt_db_host || -n $opt_db_socket || -n $opt_db_admin_user ]]; then
    write_admin_options "$opt_db_host" "$opt_db_port" "$opt_db_socket" "$opt_db_admin_user" "$opt_db_admin_password"
    DB_ADMIN=given
  else
    ensure_local_db_server
    if [[ -n $DB_CLIENT ]] && local_db_socket >/dev/null; then
      write_admin_options "" "" "$(local_db_socket)" "" ""
    fi
    DB_ADMIN=local
  fi
  case $DB_HOST in
    127.0.0.1 | localhost | ::1) DB_USER_HOSTS="localhost 127.0.0.1" ;;
    *) DB_USER_HOSTS=${opt_db_user_host:-%} ;;
  esac

  if [[ -z $DB_CLIENT ]] || { $DRY_RUN && [[ $DB_ADMIN == local ]] && ! local_db_socket >/dev/null; }; then
    change "create database $opt_db_name and user $opt_db_user@{${DB_USER_HOSTS// /,}} with a generated password (kept in $CONF, mode 0600)" || return 0
  fi
  local err
  err=$(db_admin "SELECT 1" 2>&1 >/dev/null) ||
    die "cannot reach the database server as its administrator${opt_db_host:+ at $opt_db_host:${opt_db_port:-3306}}: $err"

  if [[ $(db_admin "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = $(sql_quote "$opt_db_name")") == 0 ]]; then
    if change "create the database $opt_db_name (utf8mb4)"; then
      db_admin "CREATE DATABASE \`$opt_db_name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
      undo_push drop_db "$opt_db_name"
      DB_CREATED=yes
    fi
  else
    ok "the database $opt_db_name exists already; keeping it"
  fi

  DB_PASSWORD=$(random_password)
  local h grants="SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX"
  for h in $DB_USER_HOSTS; do
    if [[ $(db_admin "SELECT COUNT(*) FROM mysql.user WHERE User = $(sql_quote "$opt_db_user") AND Host = $(sql_quote "$h")") != 0 ]]; then
      die "the database user $opt_db_user@$h exists already, and $CONF (which would hold its password) does not:" \
        "give --db-password, or another --db-user, or drop that user"
    fi
    change "create the database user $opt_db_user@$h ($grants on $opt_db_name.* only)" || continue
    db_admin "CREATE USER $(sql_quote "$opt_db_user")@$(sql_quote "$h") IDENTIFIED BY $(sql_quote "$DB_PASSWORD")"
    undo_push drop_db_user "$opt_db_user" "$h"
    db_admin "GRANT $grants ON \`$opt_db_name\`.* TO $(sql_quote "$opt_db_user")@$(sql_quote "$h")"
    DB_USER_CREATED=yes
  done
  $DRY_RUN && return 0
  db_check_user "$DB_HOST" "$DB_PORT" "$opt_db_name" "$opt_db_user" "$DB_PASSWORD" ||
    die "created $opt_db_user, but it cannot log in from here to $DB_HOST:$DB_PORT: $(head -c 300 "$WORK/user-check.err")" \
      "(for a remote database, --db-user-host must match this server's address as the database sees it)"
  ok "$opt_db_user logs in to $DB_HOST:$DB_PORT/$opt_db_name"
}

# ---- configuration -----------------------------------------------------------------------------

LOG_PATH=""
choose_log() {
  if [[ -n $opt_log ]]; then
    LOG_PATH=$opt_log
  elif has_cpanel; then
    LOG_PATH=$R/var/log/exim_mainlog
  else
    local p
    for p in /var/log/exim4/mainlog /var/log/exim/mainlog /var/log/exim_mainlog; do
      if [[ -e $R$p ]]; then LOG_PATH=$R$p; break; fi
    done
    if [[ -z $LOG_PATH ]]; then
      LOG_PATH=$R/var/log/exim4/mainlog
      [[ -d $R/var/log/exim ]] && LOG_PATH=$R/var/log/exim/mainlog
    fi
  fi
  if [[ -e $LOG_PATH ]]; then
    ok "Exim's main log: $LOG_PATH"
  else
    warn "$LOG_PATH does not exist (yet); the daemon will follow it once Exim writes it (or give --log PATH)"
  fi
}

# Keys of the embedded admin page, for new configurations on servers without cPanel (WHM is the
# admin page where there is cPanel): where it listens (loopback only) and where its token is
# (written below by write_config, mode 0600).
admin_page_config_lines() {
  has_cpanel && return 0
  [[ $opt_admin_listen == off ]] && return 0
  echo "admin.listen = $opt_admin_listen"
  echo "admin.token.file = $ADMIN_TOKEN_FILE"
}

write_config() {
  step "Configuration"
  if [[ -f $CONF && -n $(conf_get "$CONF" db.url) ]]; then
    ok "keeping $CONF (uninstall.sh --purge removes it)"
    not_applied --log "$opt_log" log.path
    not_applied --server-id "$opt_server_id" server.id
    not_applied --retention-days "$opt_retention" retention.days
    ensure_conf_mode
  elif [[ -f $CONF ]]; then
    # An administrator's own file (server.id, log.path, ...) without the database: its keys stay,
    # and the database this run set up is added below them.
    local text
    text=$(
      cat "$CONF"
      echo
      echo "# The database, added by install.sh on $(date '+%Y-%m-%d %H:%M:%S %Z')."
      echo "db.url = jdbc:mariadb://$DB_HOST:$DB_PORT/$opt_db_name"
      echo "db.user = $opt_db_user"
      echo "db.password = $DB_PASSWORD"
    )
    put_text "$CONF" 600 "$text"
    ensure_conf_mode
  else
    choose_log
    local text
    text=$(
      echo "# Waybill's configuration, written by install.sh on $(date '+%Y-%m-%d %H:%M:%S %Z')."
      echo "# Every key is explained in $([[ -n $R ]] && echo "$PREFIX" || echo /usr/local/waybill)/share/waybill.conf.example."
      echo "# Keep this file mode 0600: it holds the database password."
      echo
      echo "db.url = jdbc:mariadb://$DB_HOST:$DB_PORT/$opt_db_name"
      echo "db.user = $opt_db_user"
      echo "db.password = $DB_PASSWORD"
      echo "log.path = $LOG_PATH"
      [[ -n $opt_server_id ]] && echo "server.id = $opt_server_id"
      [[ -n $opt_retention ]] && echo "retention.days = $opt_retention"
      echo "cpanel.root = ${R:-/}"
      [[ -n $R ]] && echo "socket.path = $SOCKET"
      admin_page_config_lines
    )
    put_text "$CONF" 600 "$text"
  fi
  # JAVA for the unit and the launcher, when `java` on PATH is not the 17+ one found.
  if [[ -n $JAVA_BIN && $(readlink -f "$JAVA_BIN") != $(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)") ]]; then
    put_text "$ENV_FILE" 644 "JAVA=$JAVA_BIN"
  fi
  if ! has_cpanel && [[ ! -f $ADMIN_TOKEN_FILE ]]; then
    put_text "$ADMIN_TOKEN_FILE" 600 "$(random_password)"
  fi
}

# not_applied OPTION VALUE KEY: an option only a new configuration takes, said when the kept one
# does not already have it so.
not_applied() {
  [[ -z $2 || $2 == "$(conf_get "$CONF" "$3")" ]] && return 0
  warn "$1 $2 is not applied: $CONF is kept as it is ($3: $(conf_get "$CONF" "$3" | grep . || echo the default));" \
    "edit it, then restart the daemon"
}

ensure_conf_mode() {
  [[ -n $R ]] && return 0
  if [[ $(stat -c '%a %U' "$CONF") != "600 root" ]]; then
    change "set $CONF to mode 0600, owner root" || return 0
    undo_push chmod "$(stat -c '%a' "$CONF")" "$CONF"
    undo_push chown "$(stat -c '%U:%G' "$CONF")" "$CONF"
    chown root:root "$CONF"
    chmod 600 "$CONF"
  fi
}

# ---- cPanel ------------------------------------------------------------------------------------

restart_chkservd() {
  local s=$CPANEL/scripts/restartsrv_chkservd
  if [[ -x $s ]]; then "$s" >/dev/null 2>&1 || true; fi
}

setup_cpanel() {
  has_cpanel || return 0
  step "cPanel and WHM"
  local before=$CHANGES
  # chkservd: cPanel's service monitor restarts the daemon if it dies.
  put_text "$CHKSERV_DIR/waybill" 644 \
    "service[waybill]=x,x,x,/usr/bin/systemctl restart waybill.service,java,$DAEMON_USER"
  local list=$CHKSERV_DIR/chkservd.conf
  if ! grep -qE '^waybill:' "$list" 2>/dev/null; then
    if change "enable the chkservd check (waybill:1 in $list)"; then
      ensure_dir "$CHKSERV_DIR" 755
      if [[ -f $list ]]; then
        local backup
        backup=$(mktemp "$WORK/backup.XXXXXX")
        cp -a "$list" "$backup"
        undo_push restore_file "$backup" "$list"
      else
        undo_push rm -f "$list"
      fi
      echo "waybill:1" >>"$list"
      undo_push restart_chkservd
      restart_chkservd
    fi
  fi

  # install_plugin and register_appconfig get the installed copy; under --dry-run, before it
  # exists, its contents are read from the source.
  local plugin=$PREFIX/plugin json_dir=$PREFIX/plugin
  $DRY_RUN && [[ ! -f $json_dir/install.json ]] && json_dir=$SRC_PLUGIN
  if [[ ! -f $json_dir/install.json ]]; then
    ok "no plugin (install.json) in this build: skipping install_plugin and register_appconfig"
    return 0
  fi

  # The page files: install_plugin registers the menu item and icon, but does not copy pages.
  local sub page_src
  sub=$(plugin_theme_subdir "$json_dir")
  page_src=$(plugin_page_dir "$json_dir")
  if [[ $page_src == "$json_dir/cpanel" ]]; then
    put_tree "$page_src" "$THEME_DIR/$sub"
  else
    local f
    for f in "$page_src"/*.live.pl "$page_src"/*.live.php; do
      [[ -f $f ]] && put_file "$f" "$THEME_DIR/$sub/$(basename "$f")" 755
    done
  fi
  [[ -d $json_dir/whm ]] && put_tree "$json_dir/whm" "$WHM_CGI_DIR"

  local sum
  sum=$(sha256sum <"$json_dir/install.json" | cut -c1-16)
  if [[ $sum != "$(conf_get "$STATE_FILE" plugin_installed)" ]]; then
    if change "register the cPanel plugin: $CPANEL/scripts/install_plugin $plugin --theme jupiter"; then
      "$CPANEL/scripts/install_plugin" "$plugin" --theme jupiter || die "install_plugin failed"
      undo_push "$CPANEL/scripts/uninstall_plugin" "$plugin" --theme jupiter
    fi
  fi
  PLUGIN_SUM=$sum

  local appconfig name icon
  appconfig=$(plugin_appconfig "$json_dir")
  if [[ -n $appconfig ]]; then
    name=$(appconfig_value "$appconfig" name)
    icon=$(appconfig_value "$appconfig" icon)
    [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || die "$appconfig: no usable name= line"
    if [[ -n $icon ]]; then
      local icon_src
      icon_src=$(find "$json_dir" -type f -name "$(basename "$icon")" -print -quit)
      [[ -n $icon_src ]] && put_file "$icon_src" "$WHM_ICON_DIR/$(basename "$icon")" 644
    fi
    appconfig=$plugin/${appconfig#"$json_dir"/}
    if ! cmp -s "$appconfig" "$R/var/cpanel/apps/$name.conf"; then
      if change "register the WHM plugin: $CPANEL/bin/register_appconfig $appconfig"; then
        "$CPANEL/bin/register_appconfig" "$appconfig" || die "register_appconfig failed"
        undo_push "$CPANEL/bin/unregister_appconfig" "$name"
      fi
    fi
    APPCONFIG_NAME=$name
  else
    ok "the plugin has no WHM AppConfig file (service=whostmgr): no WHM menu item"
  fi
  if ((CHANGES == before)); then ok "registered already"; fi
}

# ---- the service -------------------------------------------------------------------------------

start_supervised() {
  ensure_dir "$RUN" 755 "$([[ -z $R ]] && echo "$DAEMON_USER:$DAEMON_USER")"
  ensure_dir "$LOG_DIR" 750
  ensure_dir "$SUPERVISE_RUN" 755
  local -a cmd=("$PREFIX/bin/waybill" run --config "$CONF")
  if [[ -z $R ]]; then
    # What the unit does: the daemon's own user with CAP_DAC_READ_SEARCH and nothing else.
    # shellcheck disable=SC2054 # the commas belong to setpriv's capability lists
    cmd=(setpriv --reuid="$DAEMON_USER" --regid="$DAEMON_USER" --init-groups --inh-caps=-all,+dac_read_search
      --ambient-caps=-all,+dac_read_search --bounding-set=-all,+dac_read_search --no-new-privs "${cmd[@]}")
  fi
  local java=""
  [[ -r $ENV_FILE ]] && java=$(conf_get "$ENV_FILE" JAVA)
  stop_orphaned_daemon
  rm -f "$SUPERVISOR_PID" "$OLD_SUPERVISOR_PID"
  local log=$LOG_DIR/waybill.log
  [[ -e $log ]] || undo_push rm -f "$log" "$log.1" "$log.2" "$log.3" # and what the supervisor rotated
  undo_push stop_supervised # first of the two on rollback: the supervisor writes to its log
  JAVA=${java:-${JAVA:-}} setsid "$LIBEXEC/waybill-supervise" "$SUPERVISOR_PID" "$DAEMON_PID" \
    "$LOG_DIR/waybill.log" "${cmd[@]}" </dev/null >/dev/null 2>&1 &
  local i
  for ((i = 0; i < 50; i++)); do
    supervisor_pid >/dev/null && return 0
    sleep 0.1
  done
  die "the supervisor did not start (see $LOG_DIR/waybill.log)"
}

start_service() {
  step "The daemon"
  local restart=false
  ((FILES_CHANGED > 0 || CONFIG_CHANGED > 0)) && restart=true
  # A package upgrade replaces the jar before this runs: the recorded checksum tells.
  JAR_SUM=""
  [[ -f $PREFIX/waybill.jar ]] && JAR_SUM=$(sha256sum <"$PREFIX/waybill.jar" | cut -c1-16)
  [[ -n $(conf_get "$STATE_FILE" jar_sum) && $JAR_SUM != "$(conf_get "$STATE_FILE" jar_sum)" ]] && restart=true
  if use_systemd; then
    # Also when a package manager, not this run, replaced the unit: systemd says it holds an older one.
    if ((FILES_CHANGED > 0)) ||
      [[ $(systemctl show --property=NeedDaemonReload --value waybill.service 2>/dev/null) == yes ]]; then
      systemctl daemon-reload
    fi
    if ! systemctl is-enabled --quiet waybill.service 2>/dev/null; then
      if change "enable waybill.service at boot"; then
        systemctl enable --quiet waybill.service
        undo_push systemctl disable --quiet waybill.service
      fi
    fi
    if ! systemctl is-active --quiet waybill.service; then
      if change "start waybill.service"; then
        undo_push systemctl stop waybill.service
        systemctl start waybill.service || die "systemctl start waybill.service failed: see journalctl -u waybill"
      fi
    elif $restart; then
      if change "restart waybill.service (its files or configuration changed)"; then
        RESTARTED=true
        systemctl restart waybill.service || die "systemctl restart waybill.service failed: see journalctl -u waybill"
      fi
    else
      ok "waybill.service is running"
    fi
  else
    if supervisor_pid >/dev/null; then
      if $restart; then
        if change "restart the daemon without systemd (its files or configuration changed)"; then
          RESTARTED=true
          stop_supervised
          start_supervised
        fi
      else
        ok "the daemon is running, supervised without systemd (PID file $SUPERVISOR_PID)"
      fi
    elif change "start the daemon without systemd: $LIBEXEC/waybill-supervise keeps it running, logs to $LOG_DIR/waybill.log"; then
      start_supervised
    fi
  fi
  $DRY_RUN && { say "would wait for the daemon to answer health on $SOCKET"; return 0; }
  wait_healthy
}

# After the rollback of a run that restarted the running daemon: the daemon runs again, on the
# files as they were, as before the run.
start_again() {
  say "starting the daemon again, as it ran before this run"
  if use_systemd; then
    systemctl daemon-reload
    systemctl restart waybill.service || warn "systemctl restart waybill.service failed: see journalctl -u waybill"
  else
    # In a subshell: a failure here ends it, not the rollback.
    (stop_supervised && start_supervised) || warn "the daemon did not start again: see $LOG_DIR/waybill.log"
  fi
}

HEALTH=""
wait_healthy() {
  local deadline=$((SECONDS + opt_wait)) state="" reply
  say "waiting for the daemon to answer on $SOCKET (up to $opt_wait s)"
  while ((SECONDS < deadline)); do
    if reply=$(health "$SOCKET"); then
      state=$(health_field "$reply" state)
      # "waiting for the database", with or without its reason ("(...)", "since HH:MM:SS (...)")
      if [[ $state != "waiting for the database"* ]]; then
        HEALTH=$reply
        ok "the daemon answers health: ${state:-running} (version $(health_field "$reply" version), PID $(health_field "$reply" pid))"
        return 0
      fi
    fi
    if ! daemon_running; then
      break
    fi
    sleep 0.5
  done
  if use_systemd; then
    journalctl -u waybill.service -n 20 --no-pager >&2 || true
  else
    tail -n 20 "$LOG_DIR/waybill.log" >&2 2>/dev/null || true
  fi
  die "the daemon did not become healthy within $opt_wait s${state:+ (last state: $state)}"
}

# remembered NOW KEY: yes if this run did it, else what an earlier run recorded.
remembered() {
  if [[ $1 == yes ]]; then echo yes; else conf_get "$STATE_FILE" "$2"; fi
}

# recorded_of_this_database KEY: what an earlier run recorded, if of the database and user this
# run uses: a configuration moved to another database (a fleet's central one) must not have
# --purge drop that one as install.sh's.
recorded_of_this_database() {
  local k
  for k in "db_host $DB_HOST" "db_port $DB_PORT" "db_name $opt_db_name" "db_user $opt_db_user"; do
    [[ $(conf_get "$STATE_FILE" "${k%% *}") == "${k#* }" ]] || return 0
  done
  conf_get "$STATE_FILE" "$1"
}

remembered_of_this_database() { # NOW KEY
  if [[ $1 == yes ]]; then echo yes; else recorded_of_this_database "$2"; fi
}

record_state() {
  local before=$CHANGES text
  text=$(
    echo "# What install.sh set up, read by uninstall.sh. Do not edit."
    echo "db_admin = $DB_ADMIN"
    echo "db_host = $DB_HOST"
    echo "db_port = $DB_PORT"
    echo "db_name = $opt_db_name"
    echo "db_user = $opt_db_user"
    echo "db_user_hosts = ${DB_USER_HOSTS:-$(recorded_of_this_database db_user_hosts)}"
    echo "db_created = $(remembered_of_this_database "$DB_CREATED" db_created)"
    echo "db_user_created = $(remembered_of_this_database "$DB_USER_CREATED" db_user_created)"
    echo "system_user_created = $(remembered "$USER_CREATED" system_user_created)"
    echo "plugin_installed = ${PLUGIN_SUM:-}"
    echo "appconfig = ${APPCONFIG_NAME:-}"
    echo "jar_sum = ${JAR_SUM:-}"
    echo "supervisor = $(use_systemd && echo systemd || echo waybill-supervise)"
  )
  put_text "$STATE_FILE" 600 "$text"
  CHANGES=$before # bookkeeping, not a change the admin needs to hear about
}

summary() {
  echo
  if ((CHANGES == 0)) && ! $DRY_RUN; then
    say "nothing to change: Waybill is installed and running as it should be"
  elif $DRY_RUN; then
    say "dry run: $CHANGES change(s) would be made; nothing was changed"
    return 0
  else
    say "Waybill is installed and running ($CHANGES change(s) made)"
  fi
  local state
  state=$(health_field "$HEALTH" state)
  cat <<EOF

  Status:         waybill status          (the daemon: ${state:-unknown})
  Configuration:  $CONF
  Logs:           $(use_systemd && echo "journalctl -u waybill" || echo "$LOG_DIR/waybill.log (no systemd here: Waybill's own supervisor runs the daemon)")
  Mail log:       $(conf_get "$CONF" log.path)
  Socket:         $SOCKET
EOF
  if [[ $(conf_get "$STATE_FILE" db_created) == yes && $CHANGES -gt 0 ]]; then
    echo "  Backfill:       the daemon's first start reads the rotated logs within retention.days, oldest first, then follows the live log"
  fi
  if has_cpanel; then
    echo "  cPanel:         Email > Waybill (for every account with the feature)"
    echo "  WHM:            Plugins > Waybill"
  else
    local url token port
    url=$(health_field "$HEALTH" admin_url)
    token=$(head -n 1 "$ADMIN_TOKEN_FILE" 2>/dev/null || true)
    if [[ -n $url && -n $token ]]; then
      port=${url##*:}
      port=${port%/}
      echo "  Admin page:     $url?token=$token"
      echo "                  (127.0.0.1 only; from your machine: ssh -L $port:127.0.0.1:$port THIS-SERVER, then open that address;"
      echo "                  the token is in $ADMIN_TOKEN_FILE, root only)"
    else
      echo "  Admin page:     off (admin.listen in $CONF turns it on; the token is in $ADMIN_TOKEN_FILE)"
    fi
  fi
  echo "  Uninstall:      $([[ -n $R ]] && echo "WAYBILL_ROOT=$R ")$LIBEXEC/uninstall.sh   (--purge also removes the database and configuration)"
}

# ---- main --------------------------------------------------------------------------------------

USER_CREATED=no RESTARTED=false FILES_CHANGED=0 CONFIG_CHANGED=0 PLUGIN_SUM="" APPCONFIG_NAME=""

if [[ -n $stage_dir ]]; then
  PROG="install.sh --stage"
  install_files
  say "staged the files under $R"
  exit 0
fi

$DRY_RUN && say "dry run: nothing will be changed"
check_system
lock_runs
ensure_java
ensure_user
install_files
setup_database
before_config=$CHANGES
write_config
CONFIG_CHANGED=$((CHANGES - before_config))
setup_cpanel
start_service
$DRY_RUN || record_state
summary
