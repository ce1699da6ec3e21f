#!/usr/bin/env bash
# uninstall.sh — removes what install.sh (or the RPM/.deb) set up: stops the daemon, removes the
# cPanel plugin (uninstall_plugin), the WHM AppConfig (unregister_appconfig), the chkservd check,
# the systemd unit and the files. Keeps the database and /etc/waybill unless --purge.
# Safe to run twice, or after a failed install: each step looks before it acts.
#
# Usage: sudo /usr/local/waybill/libexec/uninstall.sh [options]   (or ./uninstall.sh in a checkout)
#
#   --purge                   also remove the configuration, the state, the logs, and the
#                               system user, database and database user install.sh created
#   --keep-database           with --purge: leave the database and its user alone
#   --db-admin-user USER      for --purge with a remote database: an account that may drop them
#   --db-admin-password PW      (or WAYBILL_DB_ADMIN_PASSWORD); --db-host/--db-port/--db-socket
#   --db-host HOST --db-port PORT --db-socket PATH    as for install.sh; by default the server
#                               install.sh was given, and --purge drops nothing on another
#   --dry-run                 say what would be removed; remove nothing
#   --package                 (the RPM/.deb removal step) leave the package's own files to it
#   -h, --help                this text
#
# WAYBILL_ROOT=/some/dir works under that directory instead of / (tests).
set -Eeuo pipefail

PROG=uninstall.sh
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)

usage() { sed -n '2,/^set -E/p' "$here/uninstall.sh" | sed '$d' | sed 's/^# \{0,1\}//'; }

DRY_RUN=false purge=false keep_database=false package_mode=false
opt_db_host="" opt_db_port="" opt_db_socket="" opt_db_admin_user=""
opt_db_admin_password=${WAYBILL_DB_ADMIN_PASSWORD:-}
need() { [[ $# -ge 2 && -n $2 ]] || { echo "$PROG: $1 needs a value (try --help)" >&2; exit 2; }; }
while (($# > 0)); do
  case $1 in
    --purge) purge=true ;;
    --keep-database) keep_database=true ;;
    --dry-run) DRY_RUN=true ;;
    --package) package_mode=true ;;
    --db-host) need "$@"; opt_db_host=$2; shift ;;
    --db-port) need "$@"; opt_db_port=$2; shift ;;
    --db-socket) need "$@"; opt_db_socket=$2; shift ;;
    --db-admin-user) need "$@"; opt_db_admin_user=$2; shift ;;
    --db-admin-password) [[ $# -ge 2 ]] || need "$1"; opt_db_admin_password=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$PROG: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ -f $here/packaging/lib.sh ]]; then
  # shellcheck source=packaging/lib.sh
  . "$here/packaging/lib.sh"
else
  # shellcheck source=packaging/lib.sh
  . "$here/lib.sh"
fi
on_exit() {
  local status=$?
  cleanup_work
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

if [[ -z $R ]] && ((EUID != 0)) && ! $DRY_RUN; then
  die "run this as root (sudo $0), or with --dry-run to see what it would do"
fi
$DRY_RUN && say "dry run: nothing will be changed"
# One run at a time (lib.sh's take_lock), where an install left its $STATE, and root's: the
# daemon's user had it in versions before, and could have put a link in the lock file's place.
if ! $DRY_RUN && [[ -d $STATE && -O $STATE ]]; then
  take_lock
fi

# ---- the daemon --------------------------------------------------------------------------------

step "The daemon"
# cPanel's service monitor first: left on, it would start the daemon again once stopped.
if has_cpanel; then
  if grep -qE '^waybill:' "$CHKSERV_DIR/chkservd.conf" 2>/dev/null; then
    if change "remove the chkservd check (waybill:1 from $CHKSERV_DIR/chkservd.conf)"; then
      sed -i '/^waybill:/d' "$CHKSERV_DIR/chkservd.conf"
    fi
  fi
  remove_path "$CHKSERV_DIR/waybill"
  if ! $DRY_RUN && [[ -x $CPANEL/scripts/restartsrv_chkservd ]]; then
    "$CPANEL/scripts/restartsrv_chkservd" >/dev/null 2>&1 || true
  fi
fi
if use_systemd && systemctl cat waybill.service >/dev/null 2>&1; then
  if systemctl is-active --quiet waybill.service; then
    change "stop waybill.service" && systemctl stop waybill.service
  fi
  if systemctl is-enabled --quiet waybill.service 2>/dev/null; then
    change "disable waybill.service" && systemctl disable --quiet waybill.service
  fi
fi
if pid=$(supervisor_pid); then
  change "stop the daemon and its supervisor (PID $pid; it ran without systemd)" && stop_supervised
elif pid=$(daemon_pid); then
  change "stop the daemon (PID $pid), left running by its supervisor, which was killed" && stop_orphaned_daemon
fi
if [[ -S $SOCKET ]] && health "$SOCKET" >/dev/null; then
  warn "a daemon still answers on $SOCKET that neither systemd nor $SUPERVISOR_PID knows about; stop it yourself"
fi

# ---- cPanel ------------------------------------------------------------------------------------

if has_cpanel; then
  step "cPanel and WHM"
  plugin=$PREFIX/plugin
  if appconfig=$(plugin_appconfig "$plugin") && [[ -n $appconfig ]]; then
    name=$(appconfig_value "$appconfig" name)
  else
    name=$(conf_get "$STATE_FILE" appconfig)
  fi
  if [[ -n $name && -e $R/var/cpanel/apps/$name.conf ]]; then
    if change "unregister the WHM plugin: $CPANEL/bin/unregister_appconfig $name"; then
      "$CPANEL/bin/unregister_appconfig" "$name" || warn "unregister_appconfig $name failed"
    fi
  fi
  if [[ -f $plugin/install.json ]]; then
    registered=$(conf_get "$STATE_FILE" plugin_installed)
    ids=$(perl -MJSON::PP -0777 -ne 'my $d = eval { JSON::PP->new->decode($_) } or exit;
      print join " ", map { $_->{id} // () } grep { ref eq "HASH" } (ref $d eq "ARRAY" ? @$d : ($d))' \
      "$plugin/install.json" 2>/dev/null || true)
    present=false
    for id in $ids; do
      [[ -e $THEME_DIR/dynamicui/dynamicui_$id.conf ]] && present=true
    done
    if [[ -n $registered ]] || $present; then
      if change "unregister the cPanel plugin: $CPANEL/scripts/uninstall_plugin $plugin --theme jupiter"; then
        "$CPANEL/scripts/uninstall_plugin" "$plugin" --theme jupiter || warn "uninstall_plugin failed"
      fi
    fi
    sub=$(plugin_theme_subdir "$plugin")
    remove_path "$THEME_DIR/$sub"
    if [[ -n ${appconfig:-} ]]; then
      icon=$(appconfig_value "$appconfig" icon)
      [[ -n $icon ]] && remove_path "$WHM_ICON_DIR/$(basename "$icon")"
    fi
  elif [[ -n $(conf_get "$STATE_FILE" plugin_installed) ]]; then
    warn "$plugin/install.json is gone, so uninstall_plugin cannot be run; remove Waybill's item in cPanel's Email section by hand"
  fi
  remove_path "$WHM_CGI_DIR"
fi

# ---- files -------------------------------------------------------------------------------------

step "Files"
if ! $package_mode; then
  remove_path "$UNIT"
  if [[ -L $BIN_LINK && $(readlink "$BIN_LINK") == */waybill/bin/waybill ]]; then
    remove_path "$BIN_LINK"
  fi
  remove_path "$PREFIX"
fi
use_systemd && ! $DRY_RUN && systemctl daemon-reload
remove_path "$RUN" "$SUPERVISE_RUN"

# ---- --purge -----------------------------------------------------------------------------------

if $purge; then
  step "Purge: database, configuration, state, logs, system user"
  db_name=$(conf_get "$STATE_FILE" db_name)
  db_user=$(conf_get "$STATE_FILE" db_user)
  if $keep_database; then
    ok "keeping the database (--keep-database)"
  elif [[ -z $db_name ]]; then
    ok "no record of a database this installation created (no $STATE_FILE)"
  elif [[ $(conf_get "$STATE_FILE" db_created) != yes && $(conf_get "$STATE_FILE" db_user_created) != yes ]]; then
    ok "the database $db_name and user $db_user were not created by install.sh; leaving them"
  else
    find_db_client
    # The server install.sh made them on, where it reached it by host and port (--db-host): a
    # database of the same name on another server (this one's own) is not Waybill's to drop.
    db_host=$(conf_get "$STATE_FILE" db_host) db_port=$(conf_get "$STATE_FILE" db_port) wrong_server=""
    if [[ $(conf_get "$STATE_FILE" db_admin) == given && -z $opt_db_socket ]]; then
      if [[ -z $opt_db_host ]]; then
        opt_db_host=$db_host opt_db_port=${opt_db_port:-$db_port}
      elif [[ $opt_db_host != "$db_host" || ${opt_db_port:-3306} != "${db_port:-3306}" ]]; then
        wrong_server="install.sh made them on $db_host:$db_port, not $opt_db_host:${opt_db_port:-3306}"
      fi
    fi
    if [[ -n $opt_db_host || -n $opt_db_socket || -n $opt_db_admin_user ]]; then
      write_admin_options "$opt_db_host" "$opt_db_port" "$opt_db_socket" "$opt_db_admin_user" "$opt_db_admin_password"
    fi
    sql=""
    [[ $(conf_get "$STATE_FILE" db_created) == yes ]] && sql="DROP DATABASE IF EXISTS \`$db_name\`;"
    if [[ $(conf_get "$STATE_FILE" db_user_created) == yes ]]; then
      for h in $(conf_get "$STATE_FILE" db_user_hosts); do
        sql+=" DROP USER IF EXISTS $(sql_quote "$db_user")@$(sql_quote "$h");"
      done
    fi
    if [[ -n $wrong_server ]]; then
      warn "not dropping them: $wrong_server (give --db-host $db_host --db-port $db_port);"
      warn "or run this yourself as that server's administrator: $sql"
    elif change "drop what install.sh created in the database on ${opt_db_host:-this server}: $sql"; then
      if [[ -z $DB_CLIENT ]] || ! db_admin "$sql"; then
        warn "could not drop them (give --db-admin-user/--db-admin-password/--db-host for a remote database);"
        warn "run this yourself as a database administrator: $sql"
      fi
    fi
  fi
  remove_path "$ETC" "$LOG_DIR"
  # Only a user install.sh recorded making: one of the same name may be another program's.
  if [[ $(conf_get "$STATE_FILE" system_user_created) == yes ]]; then
    if users_managed && { system_user_exists || system_group_exists; }; then
      change "remove the system user and group $DAEMON_USER" && remove_system_user
    fi
  elif users_managed && system_user_exists; then
    ok "leaving the system user $DAEMON_USER: $([[ -e $STATE_FILE ]] && echo "it was there before install.sh" ||
      echo "no record ($STATE_FILE) that install.sh made it"); userdel $DAEMON_USER removes it"
  fi
  remove_path "$STATE"
fi

echo
if ((CHANGES == 0)); then
  say "nothing to remove: Waybill is not installed"
elif $DRY_RUN; then
  say "dry run: $CHANGES change(s) would be made; nothing was changed"
else
  say "Waybill is uninstalled ($CHANGES change(s))"
fi
if ! $purge && [[ -e $ETC || -e $STATE ]]; then
  say "kept: $ETC (configuration), $STATE, the database and the system user; uninstall.sh --purge removes them"
fi
