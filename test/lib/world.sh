# Sourced by test/e2e/*.sh, test/package/*.sh and scripts/demo: the whole uun
# flow on loopback. A vendor (uun-server over TLS with a test CA, a vendor
# Postfix that uun-publish hands UUNs to, relay map and all) and appliances
# (a private Postfix on their own address with uun-milter on the port-25
# smtpd, an smtp-sink standing for the inside mail server, a uun-updater
# installing into its own directory with a hook). Every config is one of
# conf/*.yaml with only its paths and addresses changed (test/lib/conf_set.awk).
# A failing step prints why and returns non-zero; the caller's EXIT trap runs
# world_destroy, which stops everything it started (by pid) and removes the
# world directory (kept with WORLD_KEEP=1).
#
#   world_create                 the directory ($WORLD), the vendor's keys and CA
#   world_vendor_start           vendor Postfix + uun-server
#   world_server_stop / world_server_start   uun-server alone (a new root)
#   world_appliance NAME N unix|inet   appliance N (1-9): Postfix, milter, sink
#   world_updater_start NAME [CONFIG]  world_updater_stop NAME
#   world_milter_start NAME            world_milter_stop NAME
#   world_publish ARGS...        uun-publish -c <the vendor's server.yaml> ARGS
#   world_wait_registered NAME SECONDS   world_wait_installed NAME SEQ SECONDS
#   world_destroy
#
# The caller chooses (defaults in brackets):
#   WORLD_ROOT     a root file: appliances use the v2 trust model (trust.root,
#                  trusted_root) instead of trusted_keys [unset]
#   WORLD_VENDOR_SETTINGS  more KEY=VALUE for server.yaml; WORLD_VENDOR_APPEND
#                  text appended to it (the trust: section) [none]
#   WORLD_NET      first three octets of its loopback /24 [127.0.5]
#   UUN_SERVER_BIN UUN_PUBLISH_BIN UUN_MILTER_BIN UUN_UPDATER_BIN UUN_KEYGEN_BIN
#                  [the programs in $UUN_BUILD]; /usr/sbin/... for the packages
#   UUN_CONF_SERVER UUN_CONF_MILTER UUN_CONF_UPDATER   the examples [$UUN_SRC/conf]
#   WORLD_MILTER_USER  the user uun-milter drops to [nobody]
#
# Addresses in $WORLD_NET: .1 vendor (uun-server :8443, Postfix :25),
# .1N appliance N (Postfix :25; an inet milter on :8891), .2N its inside
# mail server (smtp-sink :25), .100 a mail client on the internet (swaks).
# .30 and up, but for .100, are the caller's (the package suite's system Postfix).

: "${UUN_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
: "${UUN_SERVER_BIN:=$UUN_BUILD/server/daemon/uun-server}"
: "${UUN_PUBLISH_BIN:=$UUN_BUILD/server/publish/uun-publish}"
: "${UUN_MILTER_BIN:=$UUN_BUILD/milter/filter/uun-milter}"
: "${UUN_UPDATER_BIN:=$UUN_BUILD/milter/updater/uun-updater}"
: "${UUN_KEYGEN_BIN:=$UUN_BUILD/server/keygen/uun-keygen}"
: "${UUN_CONF_SERVER:=$UUN_SRC/conf/server.yaml}"
: "${UUN_CONF_MILTER:=$UUN_SRC/conf/milter.yaml}"
: "${UUN_CONF_UPDATER:=$UUN_SRC/conf/updater.yaml}"
: "${WORLD_NET:=127.0.5}"
: "${WORLD_MILTER_USER:=nobody}"

. "$UUN_SRC/test/lib/testlib.sh"
. "$UUN_SRC/test/lib/postfix.sh"

WORLD=""
WORLD_VENDOR_IP=$WORLD_NET.1
WORLD_SERVER_PORT=8443
WORLD_CLIENT_IP=$WORLD_NET.100
WORLD_MILTER_PORT=8891
WORLD_MILTER_TIMEOUTS="default_action=accept,connect_timeout=5s,command_timeout=10s"
declare -A WORLD_PID=()   # "updater-a" -> pid of each process the world runs now
WORLD_ALL_PIDS=()         # every pid it ever started or stopped, for world_leftovers
WORLD_POSTFIX=()          # instance directories, stopped by world_destroy

world_say() { echo "world: $*" >&2; }

# world_track KEY PID: remember a process the world started.
world_track() {
  WORLD_PID[$1]=$2
  WORLD_ALL_PIDS+=("$2")
}

# conf_derive SRC DEST KEY=VALUE...: SRC with those keys' values replaced.
conf_derive() {
  local src=$1 dest=$2
  shift 2
  awk -f "$UUN_SRC/test/lib/conf_set.awk" "$src" "$@" >"$dest" || {
    world_say "cannot derive $dest from $src"
    return 1
  }
}

world_create() {
  local bin busy
  if [ "$(id -u)" -ne 0 ]; then
    world_say "needs root (private Postfix instances, the milter's privilege drop)"
    return 1
  fi
  for bin in "$UUN_SERVER_BIN" "$UUN_PUBLISH_BIN" "$UUN_MILTER_BIN" "$UUN_UPDATER_BIN" "$UUN_KEYGEN_BIN"; do
    [ -x "$bin" ] || { world_say "$bin is not an executable program (build first)"; return 1; }
  done
  busy=$(world_listeners)
  if [ -n "$busy" ]; then
    world_say "$WORLD_NET.1-29 is in use ($busy): another world runs there"
    return 1
  fi
  WORLD=$(mktemp -d /tmp/uun-world.XXXXXX) || return 1
  # Postfix (user postfix) and the milter (its own user) reach into it.
  chmod 711 "$WORLD"
  mkdir -p "$WORLD/vendor/payloads" || return 1
  WORLD_KEY_ID=$("$UUN_KEYGEN_BIN" "$WORLD/vendor/publisher" 2>"$WORLD/vendor/keygen.log") || {
    world_say "uun-keygen failed: $(cat "$WORLD/vendor/keygen.log")"
    return 1
  }
  chmod 644 "$WORLD/vendor/publisher.pub"
  bash "$UUN_SRC/test/lib/make_ca.sh" "$WORLD/vendor/tls" uun-server "IP:$WORLD_VENDOR_IP" || {
    world_say "make_ca.sh failed"
    return 1
  }
}

world_server_config() { echo "$WORLD/vendor/server.yaml"; }
world_vendor_mta() { echo "$WORLD/vendor/postfix"; }
world_server_url() { echo "https://$WORLD_VENDOR_IP:$WORLD_SERVER_PORT"; }

# world_vendor_config DEST [KEY=VALUE...]: the vendor's server.yaml (more overrides allowed).
world_vendor_config() {
  local dest=$1 v=$WORLD/vendor mta
  shift
  mta=$(world_vendor_mta)
  conf_derive "$UUN_CONF_SERVER" "$dest" \
    "listen=[\"$WORLD_VENDOR_IP:$WORLD_SERVER_PORT\"]" \
    "admin.listen=[\"$WORLD_VENDOR_IP:$((WORLD_SERVER_PORT + 1))\"]" \
    "tls.certificate=$v/tls/uun-server.crt" "tls.key=$v/tls/uun-server.key" \
    "store.sqlite=$v/store.db" "store.payload_dir=$v/payloads" \
    "publish.key=$v/publisher.key" \
    "mta.smtp=\"$WORLD_VENDOR_IP:25\"" \
    "mta.sendmail=[/usr/sbin/sendmail, -C, $mta/etc]" \
    "mta.relay_map=$mta/etc/uun_relayhost" \
    "mta.postmap=[/usr/sbin/postmap, -c, $mta/etc]" \
    "mta.reload=[/usr/sbin/postfix, -c, $mta/etc, reload]" \
    "log.syslog=false" "$@"
}

# world_vendor_start: the vendor's Postfix (relaying for uun-publish on
# loopback, next hop per appliance from uun's relay map) and uun-server.
world_vendor_start() {
  local mta
  mta=$(world_vendor_mta)
  world_vendor_config "$(world_server_config)" ${WORLD_VENDOR_SETTINGS[@]+"${WORLD_VENDOR_SETTINGS[@]}"} || return 1
  if [ -n "${WORLD_VENDOR_APPEND:-}" ]; then
    printf '%s\n' "$WORLD_VENDOR_APPEND" >>"$(world_server_config)" || return 1
  fi
  postfix_create "$mta" "$WORLD_VENDOR_IP" 25 \
    "sender_dependent_default_transport_maps = hash:$mta/etc/uun_relayhost" || return 1
  # The table must exist when trivial-rewrite starts, or it stays "unavailable".
  : >"$mta/etc/uun_relayhost" && postmap -c "$mta/etc" "hash:$mta/etc/uun_relayhost" || return 1
  WORLD_POSTFIX+=("$mta")
  postfix_start "$mta" || return 1

  world_server_start
}

# world_server_start: uun-server -f, until /healthz answers; world_server_stop.
world_server_start() {
  echo "--- started $(date +%T.%N)" >>"$WORLD/vendor/server.log"
  # WORLD_SERVER_WRAP: a command put before it (a test's faketime).
  ${WORLD_SERVER_WRAP:-} "$UUN_SERVER_BIN" -f -c "$(world_server_config)" >>"$WORLD/vendor/server.log" 2>&1 &
  world_track server $!
  if ! wait_for 20 world_server_healthy; then
    world_say "uun-server did not answer on $(world_server_url):"
    tail -20 "$WORLD/vendor/server.log" >&2
    return 1
  fi
}

world_server_stop() { world_stop_pid server; }

world_server_healthy() {
  [ "$(curl -sS --max-time 5 --cacert "$WORLD/vendor/tls/ca.pem" -o /dev/null -w '%{http_code}' \
    "$(world_server_url)/healthz" 2>/dev/null)" = 200 ]
}

world_publish() { "$UUN_PUBLISH_BIN" -c "$(world_server_config)" "$@"; }

# Per appliance NAME: its directory, addresses and files.
world_dir() { echo "$WORLD/gw-$1"; }
world_ip() { echo "$WORLD_NET.$((10 + $(world_index "$1")))"; }
world_inside_ip() { echo "$WORLD_NET.$((20 + $(world_index "$1")))"; }
world_index() { cat "$(world_dir "$1")/index"; }
world_id() { echo "gw-$1"; }
world_domain() { echo "$1.example"; }
world_recipient() { echo "uun-notify@$(world_domain "$1")"; }
world_mta() { echo "$(world_dir "$1")/postfix"; }
world_sink_dir() { echo "$(world_dir "$1")/inside-mail"; }
world_installed() { echo "$(world_dir "$1")/install/$2/$(world_channel_file "$2")"; }
world_channel_file() { case "$1" in av) echo signatures.db ;; sys) echo rules.tar ;; esac; }
world_updater_config() { echo "$(world_dir "$1")/updater.yaml"; }
world_updater_log() { echo "$(world_dir "$1")/updater.log"; }
world_milter_log() { echo "$(world_dir "$1")/milter.log"; }
world_hook_log() { echo "$(world_dir "$1")/hook.log"; }
world_spool() { echo "$(world_dir "$1")/triggers"; }
world_sink_count() { find "$(world_sink_dir "$1")" -type f | wc -l; }

# world_updater_derive NAME DEST [KEY=VALUE...]: the appliance's updater.yaml.
world_updater_derive() {
  local name=$1 dest=$2 d
  shift 2
  d=$(world_dir "$name")
  conf_derive "$UUN_CONF_UPDATER" "$dest" \
    "server=$(world_server_url)" "ca_file=$WORLD/vendor/tls/ca.pem" \
    "source_address=$(world_ip "$name")" \
    "appliance.id=$(world_id "$name")" "notify.recipient=$(world_recipient "$name")" \
    "trusted_keys=[$WORLD/vendor/publisher.pub]" \
    "state_dir=$d/updater-state" "spool_dir=$(world_spool "$name")" \
    "channels.av.file=$(world_installed "$name" av)" "channels.av.hook=[$d/reload-hook, av]" \
    "channels.sys.file=$(world_installed "$name" sys)" "channels.sys.hook=[$d/reload-hook, sys]" \
    "$@"
}

# world_root_mode FILE LINE...: an appliance config moved from trusted_keys
# to the v2 trust model (WORLD_ROOT set): the trusted_keys list goes, LINEs
# are added at the end.
world_root_mode() {
  local file=$1
  shift
  awk '/^trusted_keys:/ { skip = 1; next } skip && /^  - / { next } { skip = 0; print }' "$file" >"$file.new" &&
    printf '%s\n' "$@" >>"$file.new" && mv "$file.new" "$file" || {
    world_say "cannot move $file to the root"
    return 1
  }
}

# world_appliance NAME N unix|inet: appliance N's Postfix on $WORLD_NET.1N:25
# relaying NAME.example to its inside smtp-sink, with uun-milter (listening
# on a unix socket or on inet :8891) in the port-25 smtpd's milters. Its
# updater is configured but not started (world_updater_start).
world_appliance() {
  local name=$1 n=$2 kind=$3 d ip inside mta socket milter_spec
  d=$WORLD/gw-$name
  mkdir -p "$d/install/av" "$d/install/sys" "$d/run" || return 1
  echo "$n" >"$d/index"
  ip=$(world_ip "$name")
  inside=$(world_inside_ip "$name")
  mta=$(world_mta "$name")

  # What the appliance has installed before any update.
  echo "factory av signatures" >"$(world_installed "$name" av)"
  echo "factory rules" >"$(world_installed "$name" sys)"
  # The install hook an appliance vendor would ship: reload the engine.
  # This one records what it was told and when.
  cat >"$d/reload-hook" <<EOF
#!/bin/sh
echo "\$(date +%s.%N) seq=\$UUN_SEQ channel=\$UUN_CHANNEL file=\$UUN_FILE arg=\$1" >>"$d/hook.log"
EOF
  chmod 755 "$d/reload-hook"
  world_updater_derive "$name" "$(world_updater_config "$name")" || return 1
  if [ -n "${WORLD_ROOT:-}" ]; then
    world_root_mode "$(world_updater_config "$name")" "trust:" "  root: $WORLD_ROOT" || return 1
  fi

  # The milter: its spool is the updater's trigger spool; it runs as
  # $WORLD_MILTER_USER, which must write the spool and its state.
  mkdir -p "$(world_spool "$name")" "$d/milter-state" || return 1
  chown "$WORLD_MILTER_USER" "$(world_spool "$name")" "$d/milter-state" "$d/run" || return 1
  if [ "$kind" = unix ]; then
    socket=unix:$d/run/milter.sock
    milter_spec="unix:$d/run/milter.sock"
  else
    socket="inet:$WORLD_MILTER_PORT@$ip"
    milter_spec="inet:$ip:$WORLD_MILTER_PORT"
  fi
  conf_derive "$UUN_CONF_MILTER" "$d/milter.yaml" \
    "socket=$socket" "user=$WORLD_MILTER_USER" "pid_file=$d/run/uun-milter.pid" \
    "trusted_keys=[$WORLD/vendor/publisher.pub]" \
    "spool_dir=$(world_spool "$name")" "state_dir=$d/milter-state" || return 1
  if [ -n "${WORLD_ROOT:-}" ]; then
    # The updater's copy first: a rotated notify key reaches the milter there.
    world_root_mode "$d/milter.yaml" "trusted_root: [$d/updater-state/root.json, $WORLD_ROOT]" || return 1
  fi
  "$UUN_MILTER_BIN" -t -c "$d/milter.yaml" >"$d/milter-check.out" 2>&1 || {
    world_say "uun-milter -t rejects $d/milter.yaml:"
    cat "$d/milter-check.out" >&2
    return 1
  }
  world_milter_start "$name" || return 1

  # The inside mail server.
  mkdir -p "$(world_sink_dir "$name")" && chown postfix "$(world_sink_dir "$name")" || return 1
  smtp-sink -u postfix -d "$(world_sink_dir "$name")/%M." "$inside:25" 64 >>"$d/smtp-sink.log" 2>&1 &
  world_track "sink-$name" $!
  if ! wait_for 10 world_listening "$inside" 25; then
    world_say "smtp-sink on $inside:25 did not start"
    return 1
  fi

  # The appliance's Postfix: the internet is everyone but its inside server;
  # it relays its domain inside. The notify recipient is in that domain, so
  # Postfix accepts it before the milter sees RCPT; its transport sends the
  # address to discard: should the milter ever let a UUN pass (default_action
  # =accept while the milter is down), it never reaches the inside server.
  postfix_create "$mta" "$ip" 25 \
    "mynetworks = $inside/32" \
    "relay_domains = $(world_domain "$name")" \
    "transport_maps = hash:$mta/etc/transport" || return 1
  printf '%s discard:uun notification\n%s smtp:[%s]:25\n' \
    "$(world_recipient "$name")" "$(world_domain "$name")" "$inside" >"$mta/etc/transport"
  postmap -c "$mta/etc" "hash:$mta/etc/transport" || return 1
  # The milter on the port-25 smtpd only, failing open.
  postconf -c "$mta/etc" -P "$ip:25/inet/smtpd_milters={$milter_spec,$WORLD_MILTER_TIMEOUTS}" || return 1
  WORLD_POSTFIX+=("$mta")
  postfix_start "$mta" || return 1
}

# world_milter_start NAME: uun-milter -f in the background, until it says "started".
world_milter_start() {
  local name=$1 log
  log=$(world_milter_log "$name")
  echo "--- started $(date +%T.%N)" >>"$log"
  "$UUN_MILTER_BIN" -f -c "$(world_dir "$name")/milter.yaml" >>"$log" 2>&1 &
  world_track "milter-$name" $!
  if ! world_wait_started "milter-$name" "$log" "started:" 20; then
    world_say "uun-milter of $name did not start:"
    tail -20 "$log" >&2
    return 1
  fi
}

world_milter_stop() { world_stop_pid "milter-$1"; }

world_listening() { ss -ltn | grep -q " $1:$2 "; }

# world_updater_start NAME [CONFIG]: uun-updater -f in the background. A new
# appliance polls at once (that is its registration), then every poll_interval.
world_updater_start() {
  local name=$1 config=${2:-$(world_updater_config "$1")} log
  log=$(world_updater_log "$name")
  echo "--- started $(date +%T.%N) with $config" >>"$log"
  "$UUN_UPDATER_BIN" -f -c "$config" >>"$log" 2>&1 &
  world_track "updater-$name" $!
  if ! world_wait_started "updater-$name" "$log" "running; next poll" 20; then
    world_say "uun-updater of $name did not start:"
    tail -20 "$log" >&2
    return 1
  fi
}

# world_wait_started KEY LOG TEXT SECONDS: until TEXT is logged since the
# last "--- started" line; fails at once when process KEY has died.
world_wait_started() {
  local i
  for i in $(seq 1 $(($4 * 10))); do
    world_log_since_start "$2" "$3" && return 0
    kill -0 "${WORLD_PID[$1]:-0}" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# world_log_since_start LOG TEXT: TEXT logged since the last "--- started".
world_log_since_start() {
  awk -v t="$2" '/^--- started/ { seen = 0 } index($0, t) { seen = 1 } END { exit !seen }' "$1"
}

world_updater_stop() {
  world_stop_pid "updater-$1"
}

# world_stop_pid KEY...: SIGTERM to the processes the world started as
# KEYs, all at once, then SIGKILL to any still there after 10 s. The exit
# code of the last one lands in $WORLD_RC.
world_stop_pid() {
  local key pids=() pid i
  WORLD_RC=""
  for key in "$@"; do
    pid=${WORLD_PID[$key]:-}
    [ -n "$pid" ] || continue
    unset "WORLD_PID[$key]"
    kill -TERM "$pid" 2>/dev/null
    pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    WORLD_RC=$?
  done
}

# world_registered NAME: the registry has the appliance at its address.
world_registered() {
  world_publish --appliances 2>/dev/null | grep -Eq "^$(world_id "$1") +$(world_ip "$1") +25 "
}

world_wait_registered() { wait_for "$2" world_registered "$1"; }

# world_hook_line NAME SEQ: the hook's record of installing SEQ (time first).
world_hook_line() { grep -s " seq=$2 " "$(world_hook_log "$1")" | tail -1; }
world_installed_seq() { [ -n "$(world_hook_line "$1" "$2")" ]; }
world_wait_installed() { wait_for "$3" world_installed_seq "$1" "$2"; }
# world_install_time NAME SEQ: unix time (with fraction) the hook ran.
world_install_time() { world_hook_line "$1" "$2" | cut -d' ' -f1; }

# world_seconds_between T0 T1: T1 - T0 in seconds, one decimal.
world_seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# world_leftovers: pids the world started (Postfix children included) that
# still run; world_listeners: TCP listeners on the world's own addresses
# ($WORLD_NET.1 to .29), so a caller may run its own peers on .30 and up.
world_leftovers() {
  local pid left=()
  for pid in "${WORLD_ALL_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null && left+=("$pid")
  done
  echo "${left[@]}"
}
world_listeners() {
  ss -ltnH | awk -v net="$WORLD_NET." '
    index($4, net) == 1 { host = substr($4, length(net) + 1); sub(/:.*/, "", host); if (host + 0 <= 29) print $4 }' | xargs
}

# world_destroy: everything the world started, by pid, then its directory.
world_destroy() {
  local key dir pid
  local updaters=() others=() stops=()
  # The updaters first (they talk to the server), then the rest at once.
  for key in "${!WORLD_PID[@]}"; do
    case "$key" in updater-*) updaters+=("$key") ;; *) others+=("$key") ;; esac
  done
  world_stop_pid "${updaters[@]}"
  world_stop_pid "${others[@]}"
  for dir in "${WORLD_POSTFIX[@]}"; do
    # The master and its children (smtpd, qmgr...), for world_leftovers.
    pid=$(postfix_master_pid "$dir")
    if [ -n "$pid" ]; then
      WORLD_ALL_PIDS+=("$pid")
      # shellcheck disable=SC2207
      WORLD_ALL_PIDS+=($(ps -o pid= --ppid "$pid"))
    fi
    postfix_stop "$dir" &
    stops+=($!)
  done
  for pid in "${stops[@]}"; do
    wait "$pid"
  done
  WORLD_POSTFIX=()
  if [ -n "$WORLD" ] && [ -d "$WORLD" ]; then
    if [ -n "${WORLD_KEEP:-}" ]; then
      world_say "kept $WORLD"
    else
      rm -rf "$WORLD"
    fi
  fi
}
