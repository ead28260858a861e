# Sourced by test/e2e/sendmail.sh after world.sh: an appliance whose MTA is a
# private Sendmail 8.17 from Debian's packages, unpacked (dpkg -x), never
# installed. A failing step prints why and returns non-zero; world_destroy stops it.
#
#   sendmail_unpack                  the packages (cached in $SENDMAIL_CACHE) into $WORLD/sendmail-root
#   sendmail_appliance NAME N milter|passthrough   Sendmail on $WORLD_NET.1N:25, its
#                                    smtp-sink on .2N, uun-milter (milter mode) and the updater config
#   sendmail_start NAME / sendmail_stop NAME / sendmail_queue_empty NAME

: "${SENDMAIL_CACHE:=/var/cache/uun-test/sendmail}"
# Short milter timeouts so the hung-milter case takes seconds (README: T=).
: "${SENDMAIL_MILTER_T:=C:2s;S:2s;R:2s;E:5s}"
SENDMAIL_PACKAGES=(sendmail-bin sendmail-base sendmail-cf)
SENDMAIL_RUN_DIRS=()  # /run directories (a socket under /tmp is unsafe to Sendmail)

sendmail_root() { echo "$WORLD/sendmail-root"; }
sendmail_bin() { echo "$(sendmail_root)/usr/libexec/sendmail/sendmail"; }
sendmail_dir() { echo "$(world_dir "$1")/sendmail"; }
sendmail_cf() { echo "$(sendmail_dir "$1")/sendmail.cf"; }
# sendmail_run NAME ARGS...: the private Sendmail, in a UTS namespace of its own
# whose host name is the appliance's. Sendmail sleeps 60 s and retries when the
# machine's own name is unqualified (a bare "vm"), and the test must not depend
# on how the machine it runs on was named.
sendmail_run() {
  local name=$1
  shift
  unshare --uts sh -c 'hostname "$1" && shift && exec "$@"' sh "$(sendmail_host "$name")" \
    "$(sendmail_bin)" -C "$(sendmail_cf "$name")" "$@"
}
sendmail_host() { echo "gw-$1.$(world_domain "$1")"; }
# The notify recipient is local to the Sendmail host, aliased to /dev/null: the backstop.
sendmail_recipient() { echo "uun-notify@$(sendmail_host "$1")"; }
sendmail_socket() { cat "$(world_dir "$1")/run-dir"; }

sendmail_unpack() {
  local p deb missing
  mkdir -p "$SENDMAIL_CACHE" || return 1
  for p in "${SENDMAIL_PACKAGES[@]}"; do
    if ! ls "$SENDMAIL_CACHE/${p}"_*.deb >/dev/null 2>&1; then
      # A machine whose package lists were never fetched gets them once.
      (cd "$SENDMAIL_CACHE" && { apt-get download "$p" || { apt-get update && apt-get download "$p"; }; } \
        >>"$SENDMAIL_CACHE/download.log" 2>&1) || {
        world_say "apt-get download $p failed (log: $SENDMAIL_CACHE/download.log)"
        return 1
      }
    fi
  done
  for deb in "$SENDMAIL_CACHE"/*.deb; do
    dpkg -x "$deb" "$(sendmail_root)" || { world_say "dpkg -x $deb failed"; return 1; }
  done
  missing=$(ldd "$(sendmail_bin)" | awk '/not found/ { print $1 }' | xargs)
  [ -z "$missing" ] || { world_say "sendmail needs $missing (UUN_SENDMAIL_PACKAGES)"; return 1; }
}

# sendmail_mc NAME MODE: the private .mc (own queue, pid file, aliases, listener).
sendmail_mc() {
  local name=$1 mode=$2 s cf
  s=$(sendmail_dir "$name")
  cf=$(sendmail_root)/usr/share/sendmail/cf
  cat <<EOF
divert(-1)
include(\`$cf/m4/cf.m4')dnl
VERSIONID(\`uun test appliance $name')dnl
OSTYPE(\`linux')dnl
dnl The world lives under /tmp (world writable): tell Sendmail not to mind.
define(\`confDONT_BLAME_SENDMAIL', \`GroupWritableDirPathSafe,WorldWritableAliasFile,MapInUnsafeDirPath,WriteMapToHardLink,LinkedMapInWritableDir,NonRootSafeAddr')dnl
define(\`confCF_VERSION', \`uun')dnl
define(\`QUEUE_DIR', \`$s/queue')dnl
define(\`confPID_FILE', \`$s/sendmail.pid')dnl
define(\`STATUS_FILE', \`$s/statistics')dnl
define(\`confHELP_FILE', \`$s/helpfile')dnl
define(\`ALIAS_FILE', \`$s/aliases')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confDOMAIN_NAME', \`$(sendmail_host "$name")')dnl
define(\`confSERVICE_SWITCH_FILE', \`$s/service.switch')dnl
define(\`confHOSTS_FILE', \`$s/hosts')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confTO_ICONNECT', \`5s')dnl
define(\`SMART_HOST', \`esmtp:[$(world_inside_ip "$name")]')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
DAEMON_OPTIONS(\`Port=25, Addr=$(world_ip "$name"), Name=MTA')dnl
RELAY_DOMAIN(\`$(world_domain "$name")')dnl
LOCAL_DOMAIN(\`$(sendmail_host "$name")')dnl
EOF
  # README's line, with short T= values; no F=, so mail flows when the milter is down.
  [ "$mode" = milter ] &&
    echo "INPUT_MAIL_FILTER(\`uun-milter', \`S=unix:$(sendmail_socket "$name")/milter.sock, T=$SENDMAIL_MILTER_T')dnl"
  printf 'MAILER(`local'"'"')dnl\nMAILER(`smtp'"'"')dnl\n'
}

sendmail_appliance() {
  local name=$1 n=$2 mode=$3 d s run
  d=$WORLD/gw-$name
  s=$d/sendmail
  mkdir -p "$d/install/av" "$d/install/sys" "$s/queue" "$(world_spool "$name")" "$d/milter-state" || return 1
  chmod 700 "$s/queue"
  echo "$n" >"$d/index"
  run=$(mktemp -d /run/uun-sendmail.XXXXXX) && chmod 755 "$run" || return 1
  SENDMAIL_RUN_DIRS+=("$run")
  echo "$run" >"$d/run-dir"
  echo "factory av signatures" >"$(world_installed "$name" av)"
  echo "factory rules" >"$(world_installed "$name" sys)"
  printf '#!/bin/sh\necho "$(date +%%s.%%N) seq=$UUN_SEQ channel=$UUN_CHANNEL file=$UUN_FILE arg=$1" >>"%s"\n' \
    "$d/hook.log" >"$d/reload-hook" && chmod 755 "$d/reload-hook"
  world_updater_derive "$name" "$(world_updater_config "$name")" "notify.recipient=$(sendmail_recipient "$name")" || return 1

  chown "$WORLD_MILTER_USER" "$(world_spool "$name")" "$d/milter-state" "$run" || return 1
  conf_derive "$UUN_CONF_MILTER" "$d/milter.yaml" \
    "socket=unix:$run/milter.sock" 'socket_group=""' "user=$WORLD_MILTER_USER" "pid_file=$run/uun-milter.pid" \
    "trusted_keys=[$WORLD/vendor/publisher.pub]" \
    "spool_dir=$(world_spool "$name")" "state_dir=$d/milter-state" || return 1
  if [ "$mode" = milter ]; then
    world_milter_start "$name" || return 1
  fi

  mkdir -p "$(world_sink_dir "$name")" && chown postfix "$(world_sink_dir "$name")" || return 1
  smtp-sink -u postfix -d "$(world_sink_dir "$name")/%M." "$(world_inside_ip "$name"):25" 64 >>"$d/smtp-sink.log" 2>&1 &
  world_track "sink-$name" $!
  wait_for 10 world_listening "$(world_inside_ip "$name")" 25 || { world_say "smtp-sink of $name did not start"; return 1; }

  printf 'hosts files\naliases files\n' >"$s/service.switch"
  printf '127.0.0.1 localhost\n%s %s\n' "$(world_ip "$name")" "$(sendmail_host "$name")" >"$s/hosts"
  printf 'postmaster: root\n# The backstop: a UUN the milter did not see goes nowhere.\nuun-notify: /dev/null\n' >"$s/aliases"
  : >"$s/helpfile" && : >"$s/statistics"
  sendmail_mc "$name" "$mode" >"$s/sendmail.mc" || return 1
  m4 "$s/sendmail.mc" >"$(sendmail_cf "$name")" 2>"$s/m4.err" || { world_say "m4: $(cat "$s/m4.err")"; return 1; }
  sendmail_run "$name" -bi >"$s/newaliases.out" 2>&1 || {
    world_say "newaliases failed: $(cat "$s/newaliases.out")"
    return 1
  }
  sendmail_start "$name"
}

# sendmail_start NAME: the daemon in the foreground (-bD), queue run every minute.
sendmail_start() {
  local name=$1
  local pid_file
  pid_file=$(sendmail_dir "$name")/sendmail.pid
  rm -f "$pid_file"
  sendmail_run "$name" -bD -q1m >>"$(sendmail_dir "$name")/sendmail.out" 2>&1 &
  WORLD_ALL_PIDS+=("$!")
  wait_for 30 world_listening "$(world_ip "$name")" 25 || {
    world_say "sendmail of $name does not listen: $(tail -5 "$(sendmail_dir "$name")/sendmail.out")"
    return 1
  }
  # $! is the shell that runs unshare; Sendmail's own pid file names the daemon.
  wait_for 10 test -s "$pid_file" || { world_say "sendmail of $name wrote no pid file"; return 1; }
  world_track "sendmail-$name" "$(head -1 "$pid_file")"
}

sendmail_stop() { world_stop_pid "sendmail-$1"; }

sendmail_queue_empty() {
  sendmail_run "$1" -bp 2>/dev/null | grep -q "is empty"
}

# sendmail_cleanup: the /run directories (call after world_destroy).
sendmail_cleanup() {
  local r
  for r in "${SENDMAIL_RUN_DIRS[@]}"; do
    rm -rf "$r"
  done
}
