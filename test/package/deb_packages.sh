#!/usr/bin/env bash
# The Debian packages on this machine: builds uun-milter and uun-server
# (packaging/deb/build.sh, from a staging copy), lints them, installs them
# with apt-get twice (without a Postfix configuration: nothing wired, the
# lines printed; with the system Postfix configured on 127.0.6.50: exactly the
# milter lines added), runs the daemons from their unit files as their users,
# publishes an urgent update that travels vendor Postfix -> system Postfix ->
# installed milter -> installed updater, runs the end-to-end urgent publish
# (test/lib/world.sh) with the installed programs and shipped configs, purges,
# and shows main.cf back byte for byte and nothing of ours left. The EXIT trap puts the machine back as it
# was (packages purged, /etc/postfix restored, the users removed).
# UUN_DEB_DIR=DIR reuses .debs built before (to iterate on the checks).
set -u
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
APPLIANCE_IP=127.0.6.50  # the system Postfix: the appliance's MTA, wired by the postinst
VENDOR_IP=127.0.6.51     # a private Postfix: the vendor's MTA
SERVER_IP=127.0.6.52     # the installed uun-server
GW_HOST=gw.uun-package.test
RECIPIENT=uun@$GW_HOST
USERS=(uun-milter uun-updater uun-server)
PACKAGES=(uun-milter uun-server)
export DEBIAN_FRONTEND=noninteractive

work=$(mktemp -d /tmp/uun-package.XXXXXX)
chmod 711 "$work"  # the packaged users reach $work/target, nothing else
# The end-to-end world (test/lib/world.sh) on .1 (vendor), .11 (appliance),
# .21 (its inside server), run with the installed programs and the configs
# the packages ship.
WORLD_NET=127.0.6
UUN_SERVER_BIN=/usr/sbin/uun-server UUN_PUBLISH_BIN=/usr/sbin/uun-publish UUN_MILTER_BIN=/usr/sbin/uun-milter
UUN_UPDATER_BIN=/usr/sbin/uun-updater UUN_KEYGEN_BIN=/usr/bin/uun-keygen WORLD_MILTER_USER=uun-milter
UUN_CONF_SERVER=$work/shipped/etc/uun/server.yaml UUN_CONF_MILTER=$work/shipped/etc/uun/milter.yaml
UUN_CONF_UPDATER=$work/shipped/etc/uun/updater.yaml
. "$UUN_SRC/test/lib/world.sh"
. "$UUN_SRC/test/package/lib/system_postfix.sh"
. "$UUN_SRC/test/package/lib/as_unit.sh"
. "$UUN_SRC/scripts/lib/packages.sh"
uun_ensure_packages "${UUN_PACKAGING_PACKAGES[@]}" postfix swaks curl openssl || exit 2

vendor=$work/vendor
maillog=$work/appliance.maillog
updater_pid=""
milter_pid=""
users_before=$(getent passwd "${USERS[@]}" | cut -d: -f1)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

stop_daemons() {
  local pid
  for pid in $updater_pid $milter_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  updater_pid="" milter_pid=""
  # uun-server's user runs nothing else.
  for pid in $(ps -u uun-server -o pid= 2>/dev/null); do
    kill "$pid" 2>/dev/null && wait_for 40 sh -c "! kill -0 $pid"
  done
  rm -rf /run/uun-milter
}

remove_users() {
  local u
  for u in "${USERS[@]}"; do
    grep -qx "$u" <<<"$users_before" && continue
    getent passwd "$u" >/dev/null && deluser --quiet --system "$u" >/dev/null 2>&1
    getent group "$u" >/dev/null && delgroup --quiet --system "$u" >/dev/null 2>&1
  done
}

purge_packages() {
  local p todo=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed' && todo+=("$p")
  done
  [ ${#todo[@]} -eq 0 ] || apt-get -o DPkg::Lock::Timeout=900 purge -y -q "${todo[@]}" >>"$work/cleanup.log" 2>&1
}

cleanup() {
  world_destroy
  stop_daemons
  postfix_stop "$vendor"
  purge_packages
  rm -f /etc/uun/ca.pem /etc/uun/keys/publisher.pem /etc/uun/publisher.key /etc/uun/publisher.pub \
    /etc/uun/tls/server.crt /etc/uun/tls/server.key
  rmdir /etc/uun/keys /etc/uun/tls /etc/uun 2>/dev/null
  remove_users
  system_postfix_restore
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

for p in "${PACKAGES[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed'; then
    echo "$p is installed already; the package suite needs a machine without it"
    exit 1
  fi
done
system_postfix_save "$work" || exit 1
systemd_before=$(find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled -name '*uun*' 2>/dev/null)

# ---- build and lint ------------------------------------------------------------
if [ -n "${UUN_DEB_DIR:-}" ]; then
  debs=$UUN_DEB_DIR
else
  debs=$work/debs
  start=$(date +%s)
  # The unit tests run in scripts/test already: the package build skips them.
  DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" DEB_BUILD_PROFILES=nocheck \
    "$UUN_SRC/packaging/deb/build.sh" "$debs" >"$work/build.out" 2>&1
  check_eq "dpkg-buildpackage -us -uc -b builds" "$?" "0"
  echo "# package build took $(($(date +%s) - start)) s"
fi
milter_deb=$(ls "$debs"/uun-milter_*.deb 2>/dev/null | head -1)
server_deb=$(ls "$debs"/uun-server_*.deb 2>/dev/null | head -1)
check "the uun-milter package is built" test -f "$milter_deb"
check "the uun-server package is built" test -f "$server_deb"
[ -f "$milter_deb" ] && [ -f "$server_deb" ] || { tail -30 "$work/build.out"; exit 1; }
check_eq "the worktree stays clean (no debian/ at the top)" "$(test -e "$UUN_SRC/debian" && echo yes)" ""

contents=$(dpkg-deb -c "$milter_deb"; dpkg-deb -c "$server_deb")
for f in usr/sbin/uun-milter usr/sbin/uun-updater usr/sbin/uun-server usr/sbin/uun-publish usr/bin/uun-keygen \
  lib/systemd/system/uun-milter.service lib/systemd/system/uun-updater.service lib/systemd/system/uun-server.service \
  lib/systemd/system/uun-expire-queue.service lib/systemd/system/uun-expire-queue.timer \
  usr/share/man/man8/uun-milter.8.gz usr/share/man/man8/uun-updater.8.gz usr/share/man/man8/uun-server.8.gz \
  usr/share/man/man8/uun-publish.8.gz usr/share/man/man8/uun-keygen.8.gz usr/share/man/man5/milter.yaml.5.gz \
  usr/share/man/man5/updater.yaml.5.gz usr/share/man/man5/server.yaml.5.gz; do
  check_contains "a package ships /$f" "$contents" "./$f"
done
dpkg-deb -x "$milter_deb" "$work/shipped" && dpkg-deb -x "$server_deb" "$work/shipped"
dpkg-deb -e "$milter_deb" "$work/ctl-milter"
dpkg-deb -e "$server_deb" "$work/ctl-server"
check_eq "uun-milter's conffiles" "$(cat "$work/ctl-milter/conffiles")" "$(printf '/etc/uun/milter.yaml\n/etc/uun/updater.yaml')"
check_eq "uun-server's conffiles" "$(cat "$work/ctl-server/conffiles")" "/etc/uun/server.yaml"
check_contains "Depends come from shlibs (libmilter)" "$(dpkg-deb -f "$milter_deb" Depends)" "libmilter1.0.1"
check_contains "Depends come from shlibs (libssl)" "$(dpkg-deb -f "$server_deb" Depends)" "libssl3"

lint=$(lintian --pedantic --display-info "$(ls "$debs"/*.changes | head -1)" 2>&1 | grep -v 'running with root privileges')
echo "$lint" | sed 's/^/# lintian: /'
check_eq "lintian: no errors" "$(grep -c '^E:' <<<"$lint")" "0"
for tag in $(grep -E '^[WI]:' <<<"$lint" | awk '{print $3}' | sort -u); do
  check "lintian: $tag is explained in packaging/deb/README" grep -q -- "$tag" "$UUN_SRC/packaging/deb/README"
done

# ---- install without a Postfix configuration ---------------------------------------
apt_install() {
  apt-get -o DPkg::Lock::Timeout=900 -o Dpkg::Use-Pty=0 install -y -q --no-install-recommends \
    "$milter_deb" "$server_deb" >"$1" 2>&1
}
rm -f /etc/postfix/main.cf
postfix_before=$(system_postfix_listing)
apt_install "$work/install1.out"
check_eq "apt-get install ./*.deb (no main.cf) exits 0" "$?" "0"
out=$(cat "$work/install1.out")
check_contains "no main.cf: it says nothing was wired" "$out" \
  "uun-milter: Postfix is installed but not configured (no /etc/postfix/main.cf); nothing was wired"
check_contains "no main.cf: it prints the smtpd_milters line" "$out" \
  "smtpd_milters = { unix:uun/milter.sock, default_action=accept, connect_timeout=10s, command_timeout=10s }"
check_contains "no main.cf: it prints the Sendmail line, with the socket outside Postfix's spool" "$out" \
  "INPUT_MAIL_FILTER(\`uun-milter', \`S=local:/run/uun-milter/milter.sock, T=C:10s;S:10s;R:10s;E:5m')dnl"
check_eq "no main.cf: /etc/postfix is untouched" "$(system_postfix_listing | grep '^/etc/postfix')" \
  "$(grep '^/etc/postfix' <<<"$postfix_before")"
check_contains "uun-server: the store is created" "$out" \
  "uun-server: created the empty store /var/lib/uun/server/store.db (owned by uun-server)"
check_contains "uun-server: it says how to make the publisher key" "$out" "uun-keygen /etc/uun/publisher"
check_contains "uun-server: it names the certificate path" "$out" \
  "no TLS certificate yet at /etc/uun/tls/server.crt (tls.certificate in /etc/uun/server.yaml)"
check_eq "uun-server: no key or certificate is made" \
  "$(ls /etc/uun/publisher.key /etc/uun/tls/* 2>/dev/null)" ""

owner() { stat -c '%U:%G %a' "$1" 2>&1; }
for row in "/var/spool/postfix/uun uun-milter:postfix 2750" "/var/spool/uun/triggers uun-updater:uun-milter 770" \
  "/var/lib/uun-milter uun-milter:uun-milter 750" "/var/lib/uun-updater uun-updater:uun-updater 700" \
  "/var/lib/uun/server uun-server:uun-server 750" "/var/lib/uun/server/payloads uun-server:uun-server 750" \
  "/var/lib/uun/server/store.db uun-server:uun-server 640" "/etc/uun/tls root:uun-server 750" \
  "/etc/uun/milter.yaml root:root 644"; do
  read -r path want_owner want_mode <<<"$row"
  check_eq "$path: owner and mode" "$(owner "$path")" "$want_owner $want_mode"
done
for u in "${USERS[@]}"; do
  check_eq "$u is a system user without a login shell" "$(getent passwd "$u" | cut -d: -f7)" "/usr/sbin/nologin"
done

for page in uun-milter.8 uun-updater.8 uun-server.8 uun-publish.8 uun-keygen.8 milter.yaml.5 updater.yaml.5 server.yaml.5; do
  name=${page%.*} section=${page##*.}
  path=$(man -w "$section" "$name" 2>/dev/null)
  check_eq "man $section $name is installed" "$path" "/usr/share/man/man$section/$page.gz"
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$path" 2>&1 >/dev/null)
  check_eq "man $section $name renders without warnings" "$warnings" ""
done

verify=$(systemd-analyze verify --man=no "$UNIT_DIR"/uun-milter.service "$UNIT_DIR"/uun-updater.service \
  "$UNIT_DIR"/uun-server.service "$UNIT_DIR"/uun-expire-queue.service "$UNIT_DIR"/uun-expire-queue.timer 2>&1)
check_eq "systemd-analyze verify: the units are clean" "$verify" ""
for unit in uun-milter.service uun-updater.service uun-server.service; do
  score=$(systemd-analyze security --offline=true --no-pager "$UNIT_DIR/$unit" 2>&1 |
    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
  echo "# systemd-analyze security $unit: $score"
  check "$unit: its score $score is the one packaging/deb/README records" \
    grep -Eq "^\| $unit +\| $score " "$UUN_SRC/packaging/deb/README"
done
check_eq "uun-server reloads on SIGHUP" "$(unit_key uun-server.service ExecReload)" '/bin/kill -HUP $MAINPID'
check_eq "uun-milter reloads on SIGHUP" "$(unit_key uun-milter.service ExecReload)" '/bin/kill -HUP $MAINPID'
check_eq "uun-updater reloads on SIGHUP" "$(unit_key uun-updater.service ExecReload)" '/bin/kill -HUP $MAINPID'

# A Sendmail host (its .mc present, no Postfix configured): only Sendmail's
# lines, with the socket and group it needs. The .mc is a stand-in, removed after.
if [ ! -e /etc/mail/sendmail.mc ]; then
  mkdir -p /etc/mail && printf "divert(-1)\n" >/etc/mail/sendmail.mc
  out=$(dpkg-reconfigure uun-milter 2>&1)
  rm -f /etc/mail/sendmail.mc
  check_contains "Sendmail host: it says Sendmail was found and nothing was wired" "$out" \
    "and Sendmail is configured (/etc/mail/sendmail.mc); nothing was wired"
  check_contains "Sendmail host: the socket for milter.yaml" "$out" "socket: unix:/run/uun-milter/milter.sock"
  check_contains "Sendmail host: no socket group" "$out" 'socket_group: ""'
  check_contains "Sendmail host: the INPUT_MAIL_FILTER line" "$out" "S=local:/run/uun-milter/milter.sock"
  check_contains "Sendmail host: the alias backstop" "$out" "uun-notify: /dev/null"
  check "Sendmail host: no Postfix lines" test "${out/smtpd_milters/}" = "$out"
else
  not_ok "Sendmail host: /etc/mail/sendmail.mc already exists on this machine; the case needs it absent"
fi

apt-get -o DPkg::Lock::Timeout=900 purge -y -q "${PACKAGES[@]}" >"$work/purge1.out" 2>&1
check_eq "purge after the first install exits 0" "$?" "0"
check_eq "the first purge leaves nothing of ours" \
  "$(ls -d /etc/uun /var/lib/uun /var/lib/uun-milter /var/lib/uun-updater /var/spool/uun /var/spool/postfix/uun 2>/dev/null)" ""

# ---- the system Postfix, then install again ----------------------------------------
system_postfix_configure "$APPLIANCE_IP" "$GW_HOST" "$maillog" \
  "smtpd_milters = { inet:127.0.6.99:8891, default_action=accept }" || exit 1
system_postfix_start || exit 1
listeners=$(ss -Hltnp | grep "pid=$(system_postfix_master_pid)," | awk '{print $4}' | sort -u | tr '\n' ' ')
check_eq "the system Postfix listens on $APPLIANCE_IP:25 only" "$listeners" "$APPLIANCE_IP:25 "
cp -p /etc/postfix/main.cf "$work/main.cf.before"
apt_install "$work/install2.out"
check_eq "apt-get install ./*.deb (with Postfix) exits 0" "$?" "0"
out=$(cat "$work/install2.out")
changes=$(diff "$work/main.cf.before" /etc/postfix/main.cf | grep '^[<>]')
want_changes="< smtpd_milters = { inet:127.0.6.99:8891, default_action=accept }
> smtpd_milters = { inet:127.0.6.99:8891, default_action=accept }, { unix:uun/milter.sock, default_action=accept, connect_timeout=10s, command_timeout=10s }
> milter_default_action = accept
> virtual_alias_maps = texthash:/etc/postfix/uun_notify_virtual
> transport_maps = texthash:/etc/postfix/uun_notify_transport"
echo "$changes" | sed 's/^/# main.cf: /'
check_eq "main.cf gained exactly the milter lines (the admin's milter kept)" "$changes" "$want_changes"
check_contains "it says it appended the milter" "$out" "uun-milter: Postfix: appended { unix:uun/milter.sock"
check_contains "it says it set milter_default_action" "$out" \
  "uun-milter: Postfix: set milter_default_action = accept (it was not set)"
check_contains "it says the shipped notify recipient is not wired" "$out" \
  "notify.recipient in /etc/uun/updater.yaml is not set to a real address yet"
check_contains "it reloads the running Postfix" "$out" "uun-milter: Postfix reloaded"
cp -p /etc/postfix/main.cf "$work/main.cf.installed"

out=$(dpkg-reconfigure uun-milter 2>&1)
check_contains "dpkg-reconfigure: already wired, nothing changed" "$out" \
  "uun-milter: Postfix is already wired for uun-milter; nothing changed"
check "dpkg-reconfigure: main.cf is unchanged" cmp -s "$work/main.cf.installed" /etc/postfix/main.cf
# A service with its own smtpd_milters in master.cf would not see the milter: it is pointed out.
postconf -M "$APPLIANCE_IP:587/inet=$APPLIANCE_IP:587 inet n - y - - smtpd" &&
  postconf -P "$APPLIANCE_IP:587/inet/smtpd_milters="
out=$(dpkg-reconfigure uun-milter 2>&1)
check_contains "dpkg-reconfigure: a master.cf smtpd_milters override is pointed out" "$out" \
  "WARNING: master.cf sets its own smtpd_milters for these services"
check_contains "... naming the service" "$out" "$APPLIANCE_IP:587/inet/smtpd_milters ="
postconf -MX "$APPLIANCE_IP:587/inet"

# ---- the appliance's and the vendor's configuration ---------------------------------
bash "$UUN_SRC/test/lib/make_ca.sh" "$work/ca" uun-server "IP:$SERVER_IP" || exit 1
install -m 0644 "$work/ca/ca.pem" /etc/uun/ca.pem
install -m 0644 "$work/ca/uun-server.crt" /etc/uun/tls/server.crt
install -m 0640 -g uun-server "$work/ca/uun-server.key" /etc/uun/tls/server.key
uun-keygen /etc/uun/publisher >/dev/null 2>&1
install -m 0644 /etc/uun/publisher.pub /etc/uun/keys/publisher.pem
install -d -o uun-updater -g uun-updater "$work/target"

cat >/etc/uun/updater.yaml <<EOF
server: https://$SERVER_IP:8443
ca_file: /etc/uun/ca.pem
source_address: $APPLIANCE_IP
appliance:
  id: gw-pkg
  product: mg-5000
  version: 3.2.1
notify:
  recipient: $RECIPIENT
  port: 25
trusted_keys:
  - /etc/uun/keys/publisher.pem
state_dir: /var/lib/uun-updater
spool_dir: /var/spool/uun/triggers
poll_interval: 1h
backoff_min: 2s
channels:
  av:
    file: $work/target/signatures.db
log:
  level: debug
EOF
relay_map=$vendor/etc/uun_relayhost
cat >/etc/uun/server.yaml <<EOF
listen: ["$SERVER_IP:8443"]
tls:
  certificate: /etc/uun/tls/server.crt
  key: /etc/uun/tls/server.key
store:
  sqlite: /var/lib/uun/server/store.db
  payload_dir: /var/lib/uun/server/payloads
publish:
  key: /etc/uun/publisher.key
  channels: [av]
  from: "uun@vendor.uun-package.test"
  sender_domain: "uun.vendor.uun-package.test"
mta:
  submit: smtp
  smtp: "$VENDOR_IP:25"
  relay_map: $relay_map
  postmap: [/usr/sbin/postmap, -c, $vendor/etc]
  reload: [/usr/sbin/postfix, -c, $vendor/etc, reload]
log:
  syslog: false
EOF

out=$(dpkg-reconfigure uun-milter 2>&1)
check_contains "dpkg-reconfigure wires the notify recipient" "$out" \
  "uun-milter: Postfix accepts the notify recipient $RECIPIENT and routes it to discard: when the milter misses it"
check_eq "the recipient's domain is one Postfix accepts (no warning)" "$(grep -c WARNING <<<"$out")" "0"
check "dpkg-reconfigure: main.cf is still unchanged (only the tables)" cmp -s "$work/main.cf.installed" /etc/postfix/main.cf
check_contains "the transport table routes the recipient to discard:" "$(cat /etc/postfix/uun_notify_transport)" \
  "$RECIPIENT discard:uun notification not caught by uun-milter"

# ---- the backstop: the milter is down ------------------------------------------------
swaks_to() {  # swaks_to RECIPIENT [swaks options...]
  local to=$1
  shift
  swaks --server "$APPLIANCE_IP:25" --local-interface "$VENDOR_IP" --helo vendor.test --from probe@vendor.test \
    --to "$to" "$@" 2>&1
}
out=$(swaks_to "no-such-user@$GW_HOST" --quit-after RCPT)
check_contains "another local recipient is still refused" "$out" "<** 550 5.1.1"
out=$(swaks_to "$RECIPIENT" --header "X-UUN: v=1; k=0000000000000000; s=1" --header "Subject: backstop")
check_contains "a UUN while the milter is down is accepted" "$out" "<-  250 2.0.0 Ok: queued"
check "... and discarded by the backstop" \
  wait_for 20 grep -q "to=<$RECIPIENT>, relay=none, .* status=sent (uun notification not caught by uun-milter)" "$maillog"
check "... after Postfix passed the dead milters by" grep -q "connect to Milter service unix:uun/milter.sock" "$maillog"

# ---- the daemons, started as their units --------------------------------------------
start_as_unit uun-server.service "$work/server.log"
check_eq "uun-server starts as its unit (Type=notify: READY=1 came)" "$?" "0"
check "... and it stays in the foreground, as systemd expects" kill -0 "${UNIT_PID:-0}"
health=$(curl -sS --max-time 10 --cacert /etc/uun/ca.pem "https://$SERVER_IP:8443/healthz" 2>&1)
check_eq "uun-server answers over TLS" "$health" "ok"
check_eq "uun-server runs as uun-server" "$(ps -u uun-server -o comm= | head -1)" "uun-server"

postfix_create "$vendor" "$VENDOR_IP" 25 "sender_dependent_default_transport_maps = hash:$relay_map" || exit 1
: >"$relay_map" && postmap -c "$vendor/etc" "hash:$relay_map" || exit 1
postfix_start "$vendor" || exit 1

start_as_unit uun-milter.service "$work/milter.log"
check_eq "uun-milter starts as its unit (Type=notify: READY=1 came)" "$?" "0"
milter_pid=$UNIT_PID
check_eq "uun-milter runs as uun-milter" "$(ps -o user= -p "${milter_pid:-0}" 2>/dev/null)" "uun-milter"
check_eq "its socket belongs to group postfix" "$(owner /var/spool/postfix/uun/milter.sock)" "uun-milter:postfix 660"

start_as_unit uun-updater.service "$work/updater.log"
check_eq "uun-updater starts as its unit (Type=notify: READY=1 came)" "$?" "0"
updater_pid=$UNIT_PID
registered() { uun-publish --appliances 2>/dev/null | grep -Eq "^gw-pkg +$APPLIANCE_IP +25 +$RECIPIENT "; }
check "uun-updater polls and the server records the appliance at $APPLIANCE_IP" wait_for 30 registered
check_eq "uun-updater runs as uun-updater" "$(ps -o user= -p "$updater_pid" 2>/dev/null)" "uun-updater"

# ---- an urgent publish reaches the installed milter and updater ---------------------
printf 'signature database for the package suite\n' >"$work/sig.bin"
start=$(date +%s)
out=$(uun-publish --channel av --urgent --wait=90 "$work/sig.bin" 2>&1)
rc=$?
echo "# urgent publish to installed: $(($(date +%s) - start)) s"
echo "$out" | sed 's/^/# publish: /'
check_eq "uun-publish --urgent --wait exits 0 (installed)" "$rc" "0"
check_contains "one UUN handed to the vendor MTA" "$out" "notified seq 1: 1 of 1 UUNs queued, 0 failed"
check "the updater installed the payload" cmp -s "$work/sig.bin" "$work/target/signatures.db"
check "the system Postfix handed it to the installed milter, which discarded it" \
  grep -Eq "milter-discard: .* from .*\[$VENDOR_IP\]: milter triggers DISCARD action; .* to=<$RECIPIENT>" "$maillog"
check_eq "the backstop was not needed this time" \
  "$(grep -c 'status=sent (uun notification not caught by uun-milter)' "$maillog")" "1"
check_eq "the trigger is gone once installed" "$(ls /var/spool/uun/triggers)" ""
check_contains "the updater logged the urgent poll" "$(cat "$work/updater.log")" "urgent"
check_eq "publishing as root kept the store uun-server's" \
  "$(stat -c %U /var/lib/uun/server/store.db* | sort -u)" "uun-server"
status=$(uun-publish --status 1 2>&1)
check "--status: gw-pkg installed seq 1" grep -Eq "^gw-pkg .* installed" <<<"$status"
stop_daemons
check_eq "the daemons stopped" "$(ps -u uun-milter,uun-updater,uun-server -o pid= | wc -l)" "0"
postfix_stop "$vendor"

# ---- the end-to-end urgent publish (test/lib/world.sh) with the installed programs ----
world_create || exit 1
world_vendor_start || exit 1
world_appliance a 1 unix || exit 1
world_updater_start a || exit 1
check "world: gw-a registers by its first poll" world_wait_registered a 30
printf 'av signatures for the world of the package suite\n' >"$WORLD/av-1.db"
out=$(world_publish --channel av --urgent "$WORLD/av-1.db" 2>&1)
check_eq "world: the installed uun-publish --urgent exits 0" "$?" "0"
check_contains "world: one UUN queued" "$out" "notified seq 1: 1 of 1 UUNs queued, 0 failed"
check "world: the installed uun-updater installs seq 1" world_wait_installed a 1 60
check "world: the installed file is the published one" cmp -s "$WORLD/av-1.db" "$(world_installed a av)"
check "world: the installed uun-milter (user uun-milter) swallowed the UUN" \
  grep -Eq "UUN seq 1 channel av nonce .* is valid; mail discarded, trigger uun-1-" "$(world_milter_log a)"
check_eq "world: the inside mail server got nothing" "$(world_sink_count a)" "0"
world_destroy
check_eq "world: nothing listens on its addresses any more" \
  "$(ss -Hltn | awk '{print $4}' | grep -E '^127\.0\.6\.(1|11|21):' | xargs)" ""

# ---- purge --------------------------------------------------------------------------
dpkg -L "${PACKAGES[@]}" >"$work/dpkg-L.txt" 2>&1
# What the admin put in /etc/uun goes first, as when decommissioning.
rm -f /etc/uun/ca.pem /etc/uun/keys/publisher.pem /etc/uun/publisher.key /etc/uun/publisher.pub \
  /etc/uun/tls/server.crt /etc/uun/tls/server.key
apt-get -o DPkg::Lock::Timeout=900 purge -y -q "${PACKAGES[@]}" >"$work/purge2.out" 2>&1
check_eq "apt-get purge exits 0" "$?" "0"
out=$(cat "$work/purge2.out")
check_contains "purge says it took the milter back out" "$out" \
  "uun-milter: Postfix: removed { unix:uun/milter.sock, default_action=accept, connect_timeout=10s, command_timeout=10s } from smtpd_milters"
check_contains "purge reloads the running Postfix" "$out" "uun-milter: Postfix reloaded"
check "main.cf is back byte for byte" cmp "$work/main.cf.before" /etc/postfix/main.cf
left=""
while IFS= read -r path; do
  [ -e "$path" ] || continue
  # Directories that other packages own too (/usr/sbin, /usr/share/man/man8...) stay.
  [ -d "$path" ] && [ "$(dpkg -S "$path" 2>/dev/null)" != "" ] && continue
  left="$left $path"
done < <(grep '^/' "$work/dpkg-L.txt" | grep -vx '/\.')
check_eq "no file from dpkg -L is left" "$left" ""
check_eq "no file or directory the postinsts made is left" \
  "$(ls -d /etc/uun /var/lib/uun* /var/spool/uun /var/spool/postfix/uun /etc/postfix/uun_notify_* /run/uun-* 2>/dev/null)" ""
check_eq "no systemd enablement is left" \
  "$(find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled -name '*uun*' 2>/dev/null)" "$systemd_before"
for u in "${USERS[@]}"; do
  check "$u is kept after purge (Debian practice for system users)" sh -c "getent passwd $u >/dev/null"
done
check "postfix check is clean after the purge" postfix check

# ---- the machine as it was ----------------------------------------------------------
remove_users
check_eq "the suite's users are removed again" "$(getent passwd "${USERS[@]}" | cut -d: -f1)" "$users_before"
system_postfix_restore
check_eq "the system Postfix is stopped" "$(system_postfix_running && echo running)" ""
check_eq "/etc/postfix and Postfix's directories are as they were" \
  "$(system_postfix_listing | diff "$work/system-postfix.before" - | head -5)" ""

if [ "$UUN_FAILED" -gt 0 ]; then
  echo "# appliance maillog (last 40 lines):"
  tail -40 "$maillog" 2>/dev/null | sed 's/^/#   /'
  for f in server milter updater; do
    echo "# $f log (last 20 lines):"
    tail -20 "$work/$f.log" 2>/dev/null | sed 's/^/#   /'
  done
fi
summary
