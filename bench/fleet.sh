#!/usr/bin/env bash
# fleet: time to protection. For N = 100, 1 000, 10 000 simulated appliances
# (bench-fleet-sim, one address each in 127.16.0.0/12, registered by real
# polls): uun-publish --urgent through a real Postfix (127.0.7.20) to every
# appliance's port 25, each one checking its UUN and polling uun-server
# (127.0.7.21) with the updater's code. Measures the time from publish to
# 50/99/100 % installed, mails, requests, uun-server's peak CPU and memory,
# and what polling alone would cost for the same 99 % latency.
# Writes $BENCH_RESULTS/fleet.json.
set -u
. "$(dirname "$0")/lib/common.sh"
bench_init fleet

if [ "$BENCH_SMOKE" = 1 ]; then
  sizes=(${BENCH_SIZES:-20}) limit=${BENCH_LIMIT:-60}
else
  sizes=(${BENCH_SIZES:-100 1000 10000}) limit=${BENCH_LIMIT:-600}
fi
VENDOR_IP=127.0.7.20 SERVER_IP=127.0.7.21
KEYGEN=$UUN_BUILD/server/keygen/uun-keygen
sim_threads=${BENCH_SIM_THREADS:-48}
# uun-publish's SMTP sessions to the vendor Postfix. More than its smtpd
# processes at hand only wait in the listen queue while master starts them one
# by one on a busy machine (64 once timed out there); 16 hands off as fast.
parallel=${BENCH_PUBLISH_PARALLEL:-16}
# The appliances' state lives on tmpfs: one disk's fsync for 10 000 hosts
# would measure that disk, not uun.
shm=$(mktemp -d /dev/shm/uun-bench-fleet.XXXXXX) || exit 1
remove_shm() { rm -rf "$shm"; }
bench_cleanup_hooks+=(remove_shm)

bash "$UUN_SRC/test/lib/make_ca.sh" "$work/tls" uun-server "IP:$SERVER_IP" || exit 1
"$KEYGEN" "$work/publisher" >/dev/null || exit 1
chmod 644 "$work/publisher.pub"
head -c 4096 /dev/urandom >"$work/signatures.db"

# ---- the vendor MTA, tuned for thousands of one-mail destinations ---------------
pf=$work/postfix
relay_map=$pf/etc/uun_relayhost
postfix_tuning=(
  "sender_dependent_default_transport_maps = hash:$relay_map"
  # Each appliance is its own destination with one mail, so the per-destination
  # limits do not matter; the number of smtp(8) clients at once does. 100 of
  # them deliver on loopback as fast as 300 for less CPU (10 000 appliances,
  # Postfix CPU 55 s against 67 s).
  "default_process_limit = 100"
  "smtp_connect_timeout = 10s"
  "qmgr_message_active_limit = 40000"
  "qmgr_message_recipient_limit = 40000"
  "default_destination_concurrency_limit = 20"
  "smtp_connection_cache_on_demand = no"
  ${BENCH_POSTFIX_EXTRA:+"$BENCH_POSTFIX_EXTRA"}  # one more main.cf line, to try a setting
)
postfix_create "$pf" "$VENDOR_IP" 25 "${postfix_tuning[@]}" || exit 1
: >"$relay_map" && postmap -c "$pf/etc" "hash:$relay_map" || exit 1
bench_postfix+=("$pf")
postfix_start "$pf" || exit 1

rows=$work/rows.json
echo "[" >"$rows"
first_row=1
for n in "${sizes[@]}"; do
  echo "# fleet of $n appliances"
  w=$work/n$n
  mkdir -p "$w/payloads"
  port=$(free_port "$SERVER_IP") admin_port=$(free_port "$SERVER_IP")
  cat >"$w/server.yaml" <<YAML
listen: ["$SERVER_IP:$port"]
admin: {listen: ["$SERVER_IP:$admin_port"]}
tls: {certificate: $work/tls/uun-server.crt, key: $work/tls/uun-server.key}
store: {sqlite: $w/store.db, payload_dir: $w/payloads}
log: {syslog: false, debug: false}
publish:
  key: $work/publisher.key
  channels: [av]
  from: "uun@vendor.bench.test"
  sender_domain: "uun.vendor.bench.test"
mta:
  submit: smtp
  smtp: "$VENDOR_IP:25"
  parallel: $parallel
  relay_map: $relay_map
  postmap: [/usr/sbin/postmap, -c, $pf/etc]
  reload: [/usr/sbin/postfix, -c, $pf/etc, reload]
YAML
  bench_spawn "$w/server.log" "$SERVER" -f -c "$w/server.yaml"
  server_pid=$spawned
  wait_for 20 sh -c "curl -s --cacert $work/tls/ca.pem https://$SERVER_IP:$port/healthz | grep -q ok" \
    || { echo "uun-server did not start:"; tail -20 "$w/server.log"; exit 1; }

  mkdir -p "$shm/n$n"
  events=$w/events
  : >"$events"
  reg0=$(now_s)
  bench_spawn "$w/sim.log" "$FLEET_SIM" --count "$n" --server "https://$SERVER_IP:$port" --ca "$work/tls/ca.pem" \
    --key "$work/publisher.pub" --work "$shm/n$n" --events "$events" --threads "$sim_threads"
  sim_pid=$spawned
  wait_for "$limit" grep -q '^registered ' "$w/sim.log" || { echo "the fleet did not register:"; tail -20 "$w/sim.log"; exit 1; }
  reg1=$(now_s)
  grep '^registered ' "$w/sim.log" | sed 's/^/#   /'
  registered=$(grep -c ' registered ' "$events")
  check_eq "every appliance of $n registered by a real poll" "$registered" "$n"
  in_registry=$(sqlite3 "$w/store.db" "SELECT count(*) FROM appliances WHERE address LIKE '127.16.%'")
  check_eq "the registry holds each appliance's own address ($n)" "$in_registry" "$n"

  requests0=$(curl -s --cacert "$work/tls/ca.pem" "https://$SERVER_IP:$admin_port/metrics" \
    | awk '/^uun_http_requests_total/ { s += $2 } END { print s + 0 }')
  sent0=$(grep -c 'status=sent' "$pf/maillog")
  c0=$(cpu_ticks "$server_pid") sim0=$(cpu_ticks "$sim_pid") busy0=$(machine_busy_ticks) pf0=$(postfix_cpu_ticks "$pf")
  # Sample uun-server's CPU every half second while the fleet updates.
  ( prev=$c0; prev_t=$(now_s)
    while sleep 0.5; do
      c=$(cpu_ticks "$server_pid") t=$(now_s)
      echo "$(seconds_between "$prev_t" "$t") $((c - prev)) $(rss_kb "$server_pid")"
      prev=$c prev_t=$t
    done ) >"$w/cpu.samples" &
  sampler=$!
  bench_pids+=("$sampler")

  t0=$(now_s)
  TIMEFORMAT='%U %S'
  { time "$PUBLISH" -c "$w/server.yaml" --channel av --urgent "$work/signatures.db" >"$w/publish.out" 2>&1; } \
    2>"$w/publish.time"
  publish_rc=$?
  publish_cpu=$(awk '{ print $1 + $2 }' "$w/publish.time")
  t_handoff=$(now_s)
  check_eq "uun-publish --urgent exits 0 ($n)" "$publish_rc" "0"
  sed 's/^/#   /' "$w/publish.out" | tail -3
  installed() { [ "$(grep -c ' installed ' "$events")" -ge "$n" ]; }
  wait_for "$limit" installed
  t_end=$(now_s)
  postfix_wait_empty "$pf" 60
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null
  c1=$(cpu_ticks "$server_pid") sim1=$(cpu_ticks "$sim_pid") busy1=$(machine_busy_ticks) pf1=$(postfix_cpu_ticks "$pf")
  requests1=$(curl -s --cacert "$work/tls/ca.pem" "https://$SERVER_IP:$admin_port/metrics" \
    | awk '/^uun_http_requests_total/ { s += $2 } END { print s + 0 }')
  sent1=$(grep -c 'status=sent' "$pf/maillog")
  peak=$(peak_rss_kb "$server_pid")
  bench_stop "$sim_pid"
  sed 's/^/#   /' "$w/sim.log" | grep -E '^#   (smtp sessions|registered)'
  bench_stop "$server_pid"
  check_eq "every appliance installed the urgent update ($n)" "$(grep -c ' installed ' "$events")" "$n"
  check_eq "Postfix delivered one UUN per appliance ($n)" "$((sent1 - sent0))" "$n"

  [ "$first_row" = 1 ] || echo "," >>"$rows"
  first_row=0
  python3 "$BENCH_LIB/fleet_row.py" "$n" "$events" "$t0" "$t_handoff" "$t_end" "$reg0" "$reg1" \
    "$((requests1 - requests0))" "$((sent1 - sent0))" "$(ticks_to_s $((c1 - c0)))" "$peak" "$w/cpu.samples" \
    "$(getconf CLK_TCK)" "$(ticks_to_s $((sim1 - sim0)))" "$(ticks_to_s $((busy1 - busy0)))" \
    "$(ticks_to_s $((pf1 - pf0)))" "$publish_cpu" >>"$rows" || exit 1
  rm -rf "${shm:?}/n$n"
done
echo "]" >>"$rows"
python3 "$BENCH_LIB/fleet_report.py" "$rows" "$BENCH_SMOKE" "$sim_threads" "$parallel" \
  "$(printf '%s\n' "${postfix_tuning[@]:1}" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().splitlines()))')" \
  "$(machine_json)" | bench_json fleet || exit 1
python3 "$BENCH_LIB/table.py" "$BENCH_RESULTS/fleet.json"
bench_finish
