#!/usr/bin/env bash
# Builds the .deb and the RPM from the same jar, plugin and scripts, into packaging/dist/:
#   bash packaging/build-packages.sh [--deb-only|--rpm-only]
#
# The files come from `install.sh --stage`, the same function that lays them out on a server, so
# a package and install.sh cannot disagree about the layout; the post-install step of both
# packages is install.sh --package and the removal step uninstall.sh --package (installed in
# /usr/local/waybill/libexec/), so they cannot disagree about what is set up either.
# Needs: the jar (built here with Maven if missing), dpkg-deb, and rpmbuild (apt-get install rpm).
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
want_deb=true want_rpm=true
case "${1:-}" in
  "") ;;
  --deb-only) want_rpm=false ;;
  --rpm-only) want_deb=false ;;
  -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "build-packages.sh: unknown option '$1'" >&2; exit 2 ;;
esac

say() { echo "build-packages.sh: $*"; }
if [[ ! -f daemon/target/waybill.jar ]]; then
  say "building the jar (mvn -B -q package -DskipTests)"
  mvn -B -q package -DskipTests
fi

pom_version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -n 1)
version=${pom_version%-SNAPSHOT}
release=1
[[ $pom_version == *-SNAPSHOT ]] && release=0.snapshot.$(date -u +%Y%m%d%H%M)
dist=packaging/dist
mkdir -p "$dist"
work=$(mktemp -d "${TMPDIR:-/tmp}/waybill-pkg.XXXXXX")
trap 'rm -rf "$work"' EXIT

stage=$work/stage
WAYBILL_PLUGIN_DIR=${WAYBILL_PLUGIN_DIR:-} ./install.sh --stage "$stage" >"$work/stage.log" ||
  { cat "$work/stage.log" >&2; exit 1; }
say "staged $(find "$stage" -type f | wc -l) files"

summary="Email delivery tracking for cPanel & WHM and plain Exim servers"
description="Waybill follows Exim's main log into MariaDB and shows every message's fate
(delivered, deferred, failed, filtered, rejected) in cPanel, WHM and on the command line."

if $want_deb; then
  deb_root=$work/deb
  cp -a "$stage" "$deb_root"
  mkdir -p "$deb_root/DEBIAN"
  cat >"$deb_root/DEBIAN/control" <<EOF
Package: waybill
Version: ${version}${release:+-$release}
Architecture: all
Maintainer: Waybill maintainers <waybill@localhost>
Section: mail
Priority: optional
Depends: openjdk-17-jre-headless | java17-runtime-headless | openjdk-21-jre-headless, perl, mariadb-client | default-mysql-client, util-linux, passwd
Recommends: mariadb-server | default-mysql-server
Description: $summary
 ${description//$'\n'/$'\n' }
EOF
  # The same scripts as install.sh/uninstall.sh, run from their installed copies.
  cat >"$deb_root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# Waybill: the same set-up as install.sh (user, database, configuration, cPanel, service).
set -e
if [ "$1" = configure ]; then
    /usr/local/waybill/libexec/install.sh --package
fi
EOF
  cat >"$deb_root/DEBIAN/prerm" <<'EOF'
#!/bin/sh
# Waybill: undo what the post-install step set up; the package manager removes the files.
set -e
if [ "$1" = remove ]; then
    /usr/local/waybill/libexec/uninstall.sh --package || true
fi
EOF
  cat >"$deb_root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
# Waybill: purge removes configuration, state, logs and the system user if the post-install
# step made it (install.state says so; a user of that name may be another program's). The
# database is kept: drop it yourself (its name and user are in the configuration removed with it).
set -e
if [ "$1" = purge ]; then
    made=$(sed -n 's/^system_user_created = //p' /var/lib/waybill/install.state 2>/dev/null || true)
    rm -rf /etc/waybill /var/lib/waybill /var/log/waybill
    if [ "$made" = yes ] && id waybill >/dev/null 2>&1; then userdel waybill || true; fi
    echo "waybill: purged; the database (if any) was kept"
fi
EOF
  chmod 755 "$deb_root/DEBIAN/postinst" "$deb_root/DEBIAN/prerm" "$deb_root/DEBIAN/postrm"
  deb=$dist/waybill_${version}${release:+-$release}_all.deb
  rm -f "$dist"/waybill_*.deb
  dpkg-deb --root-owner-group -Zxz --build "$deb_root" "$deb" >/dev/null
  say "built $deb"
fi

if $want_rpm; then
  command -v rpmbuild >/dev/null || { say "rpmbuild not found: apt-get install rpm (or dnf install rpm-build)" >&2; exit 1; }
  top=$work/rpm
  mkdir -p "$top"/{BUILD,RPMS,SOURCES,SPECS,SRPMS,BUILDROOT}
  cat >"$top/SPECS/waybill.spec" <<EOF
Name:           waybill
Version:        $version
Release:        $release
Summary:        $summary
License:        Proprietary
BuildArch:      noarch
Requires:       (java-17-openjdk-headless or java-21-openjdk-headless)
Requires:       perl, perl(IO::Socket::UNIX), util-linux, shadow-utils
Requires:       (mariadb or mysql or MariaDB-client or MySQL-client)
AutoReqProv:    no

%description
$description

%install
cp -a "$stage/." "%{buildroot}/"

%files
%defattr(-,root,root,-)
/usr/local/waybill
/usr/local/bin/waybill
/usr/lib/systemd/system/waybill.service

%post
# The same set-up as install.sh (user, database, configuration, cPanel, service).
/usr/local/waybill/libexec/install.sh --package || :

%preun
# Removal (not upgrade): undo the set-up; rpm removes the files.
if [ "\$1" -eq 0 ]; then
    /usr/local/waybill/libexec/uninstall.sh --package || :
fi
EOF
  rpmbuild --quiet --define "_topdir $top" --define "_build_id_links none" -bb "$top/SPECS/waybill.spec" >"$work/rpm.log" 2>&1 ||
    { cat "$work/rpm.log" >&2; exit 1; }
  rm -f "$dist"/waybill-*.rpm
  cp "$top"/RPMS/noarch/*.rpm "$dist/"
  say "built $(ls "$dist"/waybill-*.rpm)"
fi
