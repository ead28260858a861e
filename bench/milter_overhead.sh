#!/usr/bin/env bash
# milter-overhead: smtp-source -> a private Postfix (127.0.7.1:25) ->
# smtp-sink (127.0.7.2:25), with no milter, the null milter, uun-milter (all
# mail, or only the vendor relay's address through smtpd_milter_maps) and
# OpenDKIM verify-only, over unix and inet sockets, one SMTP connection per
# message and reused connections (-d). Configurations alternate within each
# round, so load from elsewhere hits them alike. Writes
# $BENCH_RESULTS/milter-overhead.json and prints the table.
set -u
. "$(dirname "$0")/lib/common.sh"
bench_init milter-overhead

if [ "$BENCH_SMOKE" = 1 ]; then
  messages=${BENCH_MESSAGES:-100} sessions=${BENCH_SESSIONS:-5} rounds=${BENCH_ROUNDS:-1}
else
  messages=${BENCH_MESSAGES:-20000} sessions=${BENCH_SESSIONS:-20} rounds=${BENCH_ROUNDS:-3}
fi
size=4096
MTA_IP=127.0.7.1 SINK_IP=127.0.7.2 MILTER_IP=127.0.7.3 VENDOR_RELAY_IP=127.0.7.9
milter_user=nobody

pf=$work/postfix
# BENCH_POSTFIX_LINES="name = value;...": more main.cf settings, for experiments.
IFS=';' read -ra extra_main <<<"${BENCH_POSTFIX_LINES:-}"
postfix_create "$pf" "$MTA_IP" 25 "relayhost = [$SINK_IP]:25" "smtpd_milters =" \
  "milter_default_action = tempfail" "${extra_main[@]}" || exit 1
bench_postfix+=("$pf")
postfix_start "$pf" || exit 1

mkdir -p "$work/sink"
chown postfix "$work/sink"
bench_spawn "$work/sink.out" smtp-sink -u postfix -c "$SINK_IP:25" 256
sink_pid=$spawned
wait_for 10 listening "$SINK_IP" 25 || { echo "smtp-sink did not start"; exit 1; }
# smtp-sink -c prints a running count of completed DATA commands.
# smtp-sink -c prints "sess=N quit=N mesg=N" after each message.
sink_count() { tr '\r' '\n' <"$work/sink.out" | grep -Eo 'mesg=[0-9]+' | tail -1 | grep -Eo '[0-9]+' || echo 0; }

# ---- the milters ---------------------------------------------------------------
mkdir -p "$work/sock" "$work/keys"
chown "$milter_user":postfix "$work/sock" && chmod 770 "$work/sock"
openssl genpkey -algorithm ed25519 -out "$work/keys/publisher.pem" 2>/dev/null
openssl pkey -in "$work/keys/publisher.pem" -pubout -out "$work/keys/publisher.pub.pem" 2>/dev/null
chmod 644 "$work/keys/publisher.pub.pem"
port_null=$(free_port "$MILTER_IP") port_uun=$(free_port "$MILTER_IP") port_dkim=$(free_port "$MILTER_IP")
port_all=$(free_port "$MILTER_IP") port_reply=$(free_port "$MILTER_IP")

declare -A milter_pid
start_null() {  # start_null NAME SOCKET [--all-steps]
  local name=$1 socket=$2
  shift 2
  # Group postfix and umask 007: Postfix may connect to its unix socket.
  bench_spawn "$work/$name.log" sh -c 'umask 007; exec setpriv --reuid="$0" --regid=postfix --clear-groups "$@"' \
    "$milter_user" "$NULL_MILTER" "$@" "$socket"
  milter_pid[$name]=$spawned
}
start_uun() {  # start_uun NAME SOCKET
  local name=$1 socket=$2 dir=$work/$1
  mkdir -p "$dir/spool" "$dir/state"
  chown "$milter_user" "$dir/spool" "$dir/state"
  cat >"$dir/milter.yaml" <<YAML
socket: $socket
user: $milter_user
socket_group: postfix
socket_mode: "0660"
trusted_keys: [$work/keys/publisher.pub.pem]
spool_dir: $dir/spool
state_dir: $dir/state
log: {to: stderr, debug: false}
YAML
  bench_spawn "$work/$name.log" "$MILTER" -f -c "$dir/milter.yaml"
  milter_pid[$name]=$spawned
}
start_dkim() {  # start_dkim NAME SOCKET
  local name=$1 socket=$2 dir=$work/$1
  mkdir -p "$dir"
  chown opendkim "$dir"
  cat >"$dir/opendkim.conf" <<CONF
Mode v
Socket $socket
Syslog no
UserID opendkim
UMask 000
Background no
PidFile $dir/opendkim.pid
CONF
  bench_spawn "$work/$name.log" opendkim -x "$dir/opendkim.conf"
  milter_pid[$name]=$spawned
}
start_null null-unix "unix:$work/sock/null.sock"
start_null null-inet "inet:$port_null@$MILTER_IP"
start_null null-all-steps "unix:$work/sock/null-all.sock" --all-steps
start_null null-all-steps-inet "inet:$port_all@$MILTER_IP" --all-steps
start_null null-reply-headers-inet "inet:$port_reply@$MILTER_IP" --reply-headers
start_uun uun-unix "unix:$work/sock/uun.sock"
start_uun uun-inet "inet:$port_uun@$MILTER_IP"
mkdir -p "$work/dkim-unix"
start_dkim dkim-unix "local:$work/dkim-unix/dkim.sock"
start_dkim dkim-inet "inet:$port_dkim@$MILTER_IP"
wait_for 20 sh -c "[ -S $work/sock/null.sock ] && [ -S $work/sock/uun.sock ] && [ -S $work/sock/null-all.sock ] && [ -S $work/dkim-unix/dkim.sock ]" \
  || { echo "a milter did not start:"; tail -5 "$work"/*.log; exit 1; }
for p in "$port_null" "$port_uun" "$port_dkim" "$port_all" "$port_reply"; do
  wait_for 20 listening "$MILTER_IP" "$p" || { echo "no milter on $MILTER_IP:$p"; tail -5 "$work"/*.log; exit 1; }
done

# Postfix's milter settings for each configuration: "smtpd_milters|smtpd_milter_maps".
printf '%s/32 {unix:%s/sock/uun.sock, default_action=accept}\n' "$VENDOR_RELAY_IP" "$work" >"$work/milter_maps"
declare -A setting=(
  [none]="|"
  [null-all-steps-unix]="unix:$work/sock/null-all.sock|"
  [null-unix]="unix:$work/sock/null.sock|"
  [null-inet]="inet:$MILTER_IP:$port_null|"
  [null-all-steps-inet]="inet:$MILTER_IP:$port_all|"
  [null-reply-headers-inet]="inet:$MILTER_IP:$port_reply|"
  [uun-unix]="unix:$work/sock/uun.sock|"
  [uun-inet]="inet:$MILTER_IP:$port_uun|"
  [uun-vendor-only]="|cidr:$work/milter_maps"
  [opendkim-unix]="unix:$work/dkim-unix/dkim.sock|"
  [opendkim-inet]="inet:$MILTER_IP:$port_dkim|"
)
declare -A process=(
  [none]="" [null-all-steps-unix]=null-all-steps [null-unix]=null-unix [null-inet]=null-inet
  [null-all-steps-inet]=null-all-steps-inet [null-reply-headers-inet]=null-reply-headers-inet
  [uun-unix]=uun-unix [uun-inet]=uun-inet [uun-vendor-only]=uun-unix
  [opendkim-unix]=dkim-unix [opendkim-inet]=dkim-inet
)
# BENCH_NULL_VARIANTS="LABEL:FLAGS ...": more null milters on inet sockets
# (FLAGS: bench-null-milter options joined by commas), run as null-LABEL-inet;
# the negotiation experiments in bench/README.md were made this way.
extra=()
for v in ${BENCH_NULL_VARIANTS:-}; do
  label=${v%%:*} flags=${v#*:}
  p=$(free_port "$MILTER_IP")
  start_null "null-$label-inet" "inet:$p@$MILTER_IP" ${flags//,/ }
  wait_for 20 listening "$MILTER_IP" "$p" || { echo "no milter on $MILTER_IP:$p"; exit 1; }
  setting[null-$label-inet]="inet:$MILTER_IP:$p|"
  process[null-$label-inet]=null-$label-inet
  extra+=("null-$label-inet")
done
configs=(none null-unix null-inet uun-unix uun-inet uun-vendor-only opendkim-unix)
# The smoke run keeps the two slow comparisons working; a full run has them
# only on request (BENCH_CONFIGS): opendkim-inet waits ~40 ms per mail for
# Postfix's delayed ACK (see bench/README.md), 20 000 mails take minutes.
[ "$BENCH_SMOKE" = 1 ] && configs+=(null-all-steps-unix opendkim-inet)
configs+=("${extra[@]}")
[ -n "${BENCH_CONFIGS:-}" ] && read -ra configs <<<"$BENCH_CONFIGS"

use_config() {
  local milters=${setting[$1]%%|*} maps=${setting[$1]#*|}
  postconf -c "$pf/etc" -e "smtpd_milters = $milters" "smtpd_milter_maps = $maps" || return 1
  postfix_reload "$pf"
  sleep 1  # old smtpd processes finish; new ones read the new settings
}

rows=$work/rows.tsv
: >"$rows"
echo "# milter-overhead: $messages messages of $size bytes, $sessions sessions, $rounds rounds"
for round in $(seq 1 "$rounds"); do
  for mode in close reuse; do
    for config in "${configs[@]}"; do
      use_config "$config" || exit 1
      proc=${process[$config]}
      pid=${proc:+${milter_pid[$proc]}}
      c0=0
      [ -n "$pid" ] && c0=$(cpu_ticks "$pid")
      s0=$(sink_count)
      flags=()
      [ "$mode" = reuse ] && flags=(-d)
      t0=$(now_s)
      smtp-source "${flags[@]}" -s "$sessions" -m "$messages" -l "$size" -f bench@source.test -t sink@sink.test \
        "$MTA_IP:25" >"$work/source.out" 2>&1
      t1=$(now_s)
      postfix_wait_empty "$pf" 600 || echo "# queue did not drain for $config/$mode"
      t2=$(now_s)
      for i in $(seq 1 50); do [ "$(( $(sink_count) - s0 ))" -ge "$messages" ] && break; sleep 0.1; done
      c1=0
      [ -n "$pid" ] && c1=$(cpu_ticks "$pid")
      delivered=$(( $(sink_count) - s0 ))
      errors=$(grep -c . "$work/source.out")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$config" "$mode" "$round" "$messages" \
        "$(seconds_between "$t0" "$t1")" "$(seconds_between "$t0" "$t2")" "$(ticks_to_s $((c1 - c0)))" \
        "$delivered" "$errors" >>"$rows"
      printf '#   round %s %-6s %-20s %6.1f s, %s delivered\n' "$round" "$mode" "$config" "$(seconds_between "$t0" "$t2")" "$delivered"
      [ "$errors" -gt 0 ] && sed 's/^/#     smtp-source: /' "$work/source.out" | head -3
    done
  done
done

declare -A rss
for name in "${!milter_pid[@]}"; do rss[$name]=$(peak_rss_kb "${milter_pid[$name]}"); done
python3 "$BENCH_LIB/milter_report.py" "$rows" "$messages" "$size" "$sessions" "$rounds" "$BENCH_SMOKE" \
  "uun-milter=${rss[uun-unix]},${rss[uun-inet]}" "bench-null-milter=${rss[null-unix]},${rss[null-inet]}" \
  "opendkim=${rss[dkim-unix]},${rss[dkim-inet]}" \
  "$(machine_json)" | bench_json milter-overhead || exit 1
python3 "$BENCH_LIB/table.py" "$BENCH_RESULTS/milter-overhead.json"
bench_finish
