#!/usr/bin/env bash
# Checks on the .deb that package.cpack made in $GW_DEB_DIR (tests/package).
#   contents            architecture, files, conffile, scripts, Depends, ELF headers
#   unit_verify BIN     systemd-analyze verify + security exposure of the unit
#   runs EMULATOR,ARGS  the packaged programs start under qemu (cross builds)
#   install             dpkg -i into a throw-away Debian root; the user, modes,
#                       --check-config as the service user, provision, upgrade,
#                       remove and purge
# Exit 0 pass, 1 fail, 77 skipped (a tool or root is missing).
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }

debs=("$GW_DEB_DIR"/city-edge-gateway_*_"$GW_DEB_ARCH".deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb for $GW_DEB_ARCH in $GW_DEB_DIR"
deb="${debs[0]}"
IFS=, read -r -a programs <<<"$GW_PROGRAMS"
work="$(mktemp -d "${TMPDIR:-/tmp}/gw-package.XXXXXX")"
trap 'rm -rf "$work"' EXIT

case "$GW_DEB_ARCH" in
  amd64) machine='ELF 64-bit LSB .*x86-64' ;;
  arm64) machine='ELF 64-bit LSB .*ARM aarch64' ;;
  armhf) machine='ELF 32-bit LSB .*ARM, EABI5' ;;
  *) fail "no ELF header expectation for $GW_DEB_ARCH" ;;
esac

contents() {
  expect_eq "$(dpkg-deb -f "$deb" Package)" city-edge-gateway "Package"
  expect_eq "$(dpkg-deb -f "$deb" Architecture)" "$GW_DEB_ARCH" "Architecture"
  expect_eq "$(dpkg-deb -f "$deb" Version)" "$GW_VERSION" "Version"
  local depends
  depends="$(dpkg-deb -f "$deb" Depends)"
  for d in libc6 libstdc++6 passwd; do
    [[ ", $depends," == *", $d "* || ", $depends," == *", $d,"* ]] || fail "Depends lacks $d: $depends"
  done
  local listing
  listing="$(dpkg-deb -c "$deb")"
  for f in ./etc/city-edge-gateway/gateway.toml ./lib/systemd/system/city-edge-gateway.service; do
    grep -q " $f\$" <<<"$listing" || fail "$f is not in the package"
  done
  expect_eq "$(dpkg-deb -I "$deb" conffiles)" /etc/city-edge-gateway/gateway.toml "conffiles"
  dpkg-deb -x "$deb" "$work/root"
  dpkg-deb -e "$deb" "$work/control"
  for s in postinst prerm postrm; do
    [ -x "$work/control/$s" ] || fail "maintainer script $s is missing or not executable"
    sh -n "$work/control/$s" || fail "$s has a syntax error"
  done
  for p in "${programs[@]}"; do
    local bin="$work/root/usr/bin/$p" desc
    [ -x "$bin" ] || fail "/usr/bin/$p is missing or not executable"
    desc="$(file -b "$bin")"
    [[ "$desc" =~ $machine ]] || fail "/usr/bin/$p is not $GW_DEB_ARCH: $desc"
    [[ "$desc" == *", stripped"* ]] || fail "/usr/bin/$p is not stripped: $desc"
    echo "/usr/bin/$p: $desc"
  done
  # The packaged config is the example, valid as shipped.
  cmp -s "$work/root/etc/city-edge-gateway/gateway.toml" \
    "$GW_SOURCE_DIR/firmware/base/config/gateway.example.toml" || fail "the conffile is not the example config"
  echo "Depends: $depends"
}

unit_verify() {
  command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
  local unit="$work/city-edge-gateway.service"
  dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/city-edge-gateway.service >"$unit"
  # verify wants ExecStart to exist: point it at this build's daemon.
  sed -i "s|^ExecStart=/usr/bin/gatewayd|ExecStart=$1|" "$unit"
  systemd-analyze verify "$unit" || fail "systemd-analyze verify"
  # 4.0 and below is systemd's "OK" band; the unit is at 3.7 when written.
  systemd-analyze security --offline=true --threshold=40 "$unit" >"$work/security" ||
    { cat "$work/security"; fail "unit exposure rose above 4.0"; }
  tail -1 "$work/security"
}

runs() {
  IFS=, read -r -a emulator <<<"$1"
  command -v "${emulator[0]}" >/dev/null || skip "${emulator[0]} is not installed"
  dpkg-deb -x "$deb" "$work/root"
  local out
  out="$("${emulator[@]}" "$work/root/usr/bin/gatewayd" --version)"
  expect_eq "$out" "gatewayd $GW_VERSION" "gatewayd --version under ${emulator[0]}"
  out="$("${emulator[@]}" "$work/root/usr/bin/gatewayctl" --version)"
  expect_eq "$out" "gatewayctl $GW_VERSION" "gatewayctl --version under ${emulator[0]}"
  out="$("${emulator[@]}" "$work/root/usr/bin/gatewayd" --check-config "$work/root/etc/city-edge-gateway/gateway.toml")"
  expect_eq "$out" ok "gatewayd --check-config on the packaged config under ${emulator[0]}"
  echo "the $GW_DEB_ARCH programs start under ${emulator[0]}"
}

# A Debian root with the package's Depends preinstalled, so the test needs no
# network and a missing Depends entry shows as a program that cannot start.
# Cached as a tarball keyed by the Depends names (like cross/sysroot).
debian_root_tarball() {
  local names key cache tarball
  names="$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/ //g' | sort -u | paste -sd, -)"
  key="$(echo "testroot 1 $GW_DEB_ARCH $names" | sha256sum | cut -c1-16)"
  cache="${GW_SYSROOT_CACHE:-/var/cache/city-edge-gateway}"
  tarball="$cache/testroot-$GW_DEB_ARCH-$key.tar"
  if [ ! -f "$tarball" ]; then
    mkdir -p "$cache"
    exec 8>"$cache/testroot.lock"
    flock 8
    if [ ! -f "$tarball" ]; then
      mapfile -t mirrors < <("$GW_SOURCE_DIR/cross/debian-mirrors")
      echo "building the Debian test root ($names)" >&2
      rm -f "$cache"/testroot-"$GW_DEB_ARCH"-*.tar
      local tmp="$tarball.$$.tmp"
      if ! mmdebstrap --quiet --variant=essential --format=tar --include="$names" bookworm "$tmp" "${mirrors[@]}" >&2; then
        # A mirror caught mid-sync: the release suite alone will do for a test root.
        mapfile -t mirrors < <("$GW_SOURCE_DIR/cross/debian-mirrors" --release-only)
        mmdebstrap --quiet --variant=essential --format=tar --include="$names" bookworm "$tmp" "${mirrors[@]}" >&2
      fi
      mv "$tmp" "$tarball"
    fi
  fi
  echo "$tarball"
}

in_root() { chroot "$work/root" "$@"; }

install() {
  [ "$(id -u)" -eq 0 ] || skip "needs root (chroot, dpkg in a Debian root)"
  command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (cross/setup)"
  local tarball
  tarball="$(debian_root_tarball)"
  mkdir "$work/root"
  tar -C "$work/root" -xf "$tarball"
  cp "$deb" "$work/root/tmp/gw.deb"

  in_root dpkg -i /tmp/gw.deb || fail "dpkg -i"
  # The service user: a system account with no login, and its group.
  local pw
  pw="$(in_root getent passwd city-edge-gateway)" || fail "user city-edge-gateway was not created"
  IFS=: read -r _ _ uid gid _ home shell <<<"$pw"
  [ "$uid" -lt 1000 ] || fail "city-edge-gateway is not a system user (uid $uid)"
  expect_eq "$home" /var/lib/city-edge-gateway "home"
  expect_eq "$shell" /usr/sbin/nologin "shell"
  expect_eq "$(in_root getent group city-edge-gateway | cut -d: -f3)" "$gid" "group"
  # Files and modes.
  expect_eq "$(in_root stat -c '%U:%G %a' /var/lib/city-edge-gateway)" "city-edge-gateway:city-edge-gateway 750" "data dir"
  expect_eq "$(in_root stat -c '%U:%G %a' /etc/city-edge-gateway)" "root:city-edge-gateway 750" "config dir"
  expect_eq "$(in_root stat -c '%U:%G %a' /etc/city-edge-gateway/gateway.toml)" "root:root 644" "config"
  for p in "${programs[@]}"; do
    expect_eq "$(in_root stat -c '%U:%G %a' "/usr/bin/$p")" "root:root 755" "/usr/bin/$p"
  done
  expect_eq "$(in_root stat -c '%a' /lib/systemd/system/city-edge-gateway.service)" 644 "unit"
  in_root dpkg-query -W -f='${Conffiles}\n' city-edge-gateway | grep -q '/etc/city-edge-gateway/gateway.toml' ||
    fail "gateway.toml is not registered as a conffile"
  # The service user can read its config, and the daemon accepts it.
  local out
  out="$(chroot --userspec=city-edge-gateway:city-edge-gateway "$work/root" gatewayd --check-config /etc/city-edge-gateway/gateway.toml)" ||
    fail "gatewayd --check-config on the installed config"
  expect_eq "$out" ok "gatewayd --check-config"
  in_root gatewayd --version | grep -qx "gatewayd $GW_VERSION" || fail "gatewayd --version"

  # A technician provisions the site; the store gets data.
  in_root gatewayctl provision --district minhang --site site-042 --gateway-id gw-07 \
    --broker ssl://center.example:8883 --ca-file /etc/city-edge-gateway/ca.crt >/dev/null ||
    fail "gatewayctl provision in the installed root"
  echo "events" >"$work/root/var/lib/city-edge-gateway/store.db"
  in_root chown city-edge-gateway: /var/lib/city-edge-gateway/store.db
  in_root chmod 0644 /var/lib/city-edge-gateway/store.db  # as versions before 0640 files left it

  # Upgrade (re-install): data and the provisioned config stay, user is reused.
  in_root dpkg -i /tmp/gw.deb || fail "dpkg -i (upgrade)"
  expect_eq "$(cat "$work/root/var/lib/city-edge-gateway/store.db")" events "store after upgrade"
  # An earlier version's world-readable store file is closed to others.
  expect_eq "$(in_root stat -c '%a' /var/lib/city-edge-gateway/store.db)" 640 "store mode after upgrade"
  grep -q "site-042" "$work/root/etc/city-edge-gateway/gateway.toml" || fail "upgrade replaced the provisioned config"
  expect_eq "$(in_root getent passwd city-edge-gateway | cut -d: -f3)" "$uid" "uid after upgrade"

  # Remove keeps data and config; purge removes both, the user stays.
  in_root dpkg -r city-edge-gateway || fail "dpkg -r"
  [ -f "$work/root/var/lib/city-edge-gateway/store.db" ] || fail "remove deleted the data"
  [ ! -e "$work/root/usr/bin/gatewayd" ] || fail "remove left /usr/bin/gatewayd"
  in_root dpkg -P city-edge-gateway || fail "dpkg -P"
  [ ! -e "$work/root/var/lib/city-edge-gateway" ] || fail "purge left /var/lib/city-edge-gateway"
  [ ! -e "$work/root/etc/city-edge-gateway/gateway.toml" ] || fail "purge left the config"
  in_root dpkg-statoverride --list /etc/city-edge-gateway >/dev/null && fail "purge left the statoverride"
  echo "installed, upgraded, removed and purged in a Debian root ($(basename "$tarball"))"
}

cmd="$1"
shift
"$cmd" "$@"
