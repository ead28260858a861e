#!/usr/bin/env bash
# memory: peak resident set (VmHWM) of uun-server with 100 000 registered
# appliances (127.0.7.30) under wrk load (new TLS connection per poll, then
# keep-alive), of a real uun-updater (source 127.0.7.31) that a trigger wakes
# to fetch, verify and install a large urgent payload from that server, and
# of uun-milter as milter-overhead measured it (its JSON in $BENCH_RESULTS;
# run that first). Writes $BENCH_RESULTS/memory.json.
set -u
. "$(dirname "$0")/lib/common.sh"
bench_init memory

if [ "$BENCH_SMOKE" = 1 ]; then
  appliances=${BENCH_APPLIANCES:-100} payload_kib=${BENCH_PAYLOAD_KIB:-64} duration=1
else
  appliances=${BENCH_APPLIANCES:-100000} payload_kib=${BENCH_PAYLOAD_KIB:-32768} duration=10
fi
SERVER_IP=127.0.7.30 UPDATER_IP=127.0.7.31

bash "$UUN_SRC/test/lib/make_ca.sh" "$work/tls" uun-server "IP:$SERVER_IP" || exit 1
openssl genpkey -algorithm ed25519 -out "$work/publisher.key" 2>/dev/null || exit 1
openssl pkey -in "$work/publisher.key" -pubout -out "$work/publisher.pub" 2>/dev/null || exit 1
mkdir -p "$work/payloads"
head -c $((payload_kib * 1024)) /dev/urandom >"$work/big.db"
printf 'first signatures\n' >"$work/small.db"
# seq 1, small: what the updater's first (periodic) poll installs. The big
# urgent entry comes after that, and a trigger makes the updater fetch it.
"$SEED" add --store "$work/store.db" --payloads "$work/payloads" --key "$work/publisher.key" \
  --channel av --file "$work/small.db" >/dev/null || exit 1
python3 "$BENCH_LIB/registry.py" seed "$work/store.db" "$appliances" >/dev/null || exit 1
python3 "$BENCH_LIB/registry.py" bodies "$appliances" 1 "$work/bodies.txt" || exit 1
port=$(free_port "$SERVER_IP")
cat >"$work/server.yaml" <<YAML
listen: ["$SERVER_IP:$port"]
tls: {certificate: $work/tls/uun-server.crt, key: $work/tls/uun-server.key}
store: {sqlite: $work/store.db, payload_dir: $work/payloads, max_payload_size: 1GiB}
log: {syslog: false, debug: false}
admin: {listen: []}
# wrk is one address: the per-address limits (issue 14) would measure themselves.
limits: {per_address: {max_connections: 1000000, max_handshakes: 1000000}}
YAML
bench_spawn "$work/server.log" "$SERVER" -f -c "$work/server.yaml"
server_pid=$spawned
wait_for 20 sh -c "curl -s --cacert $work/tls/ca.pem https://$SERVER_IP:$port/healthz | grep -q ok" \
  || { echo "uun-server did not start:"; tail -20 "$work/server.log"; exit 1; }
# VmHWM counts shared library pages too; the private part (RssAnon) has no
# kernel peak, so it is sampled.
anon_sampler() {  # anon_sampler PID OUT: the highest RssAnon (KiB) seen, in OUT
  local max=0 v
  while kill -0 "$1" 2>/dev/null; do
    v=$(awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
    [ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v && echo "$max" >"$2"
    sleep 0.05
  done
}
anon_sampler "$server_pid" "$work/server.anon" &
bench_pids+=($!)

for close in 1 0; do
  BENCH_BODIES=$work/bodies.txt BENCH_CLOSE=$close wrk -t 2 -c 32 -d "${duration}s" -s "$BENCH_LIB/poll.lua" \
    "https://$SERVER_IP:$port/v1/poll" >"$work/wrk$close.out" 2>&1
  echo "# wrk (close=$close): $(grep -E 'Requests/sec' "$work/wrk$close.out")"
done
check "wrk's polls were answered" grep -q 'Requests/sec' "$work/wrk0.out"

# ---- a real uun-updater, woken by a trigger as uun-milter would leave it -------
u=$work/updater
mkdir -p "$u/state" "$u/spool" "$u/av"
cat >"$u/updater.yaml" <<YAML
server: https://$SERVER_IP:$port
ca_file: $work/tls/ca.pem
source_address: $UPDATER_IP
appliance: {id: memory-gw, product: mg-5000, version: 3.2.1}
notify: {recipient: uun@memory-gw.bench.test, port: 25}
trusted_keys: [$work/publisher.pub]
state_dir: $u/state
spool_dir: $u/spool
coalesce_window: 1s
channels:
  av: {file: $u/av/signatures.db, max_size: 1GiB}
YAML
bench_spawn "$u/log" "$UPDATER" -f -c "$u/updater.yaml"
updater_pid=$spawned
anon_sampler "$updater_pid" "$u/anon" &
bench_pids+=($!)
wait_for 20 grep -q 'running; next poll' "$u/log" || { echo "uun-updater did not start:"; cat "$u/log"; exit 1; }
check "the first periodic poll installs seq 1" wait_for 60 grep -q "seq 1 .*installed as" "$u/log"
read -r seq sha size < <("$SEED" add --store "$work/store.db" --payloads "$work/payloads" --key "$work/publisher.key" \
  --channel av --file "$work/big.db" --urgent) || exit 1
nonce=$(head -c 16 /dev/urandom | basenc --base64url | tr -d '=')
printf 'seq=%s\nchannel=av\nnonce=%s\nqueue_id=BENCH\nreceived=%s\n' "$seq" "$nonce" "$(date +%s)" \
  >"$u/spool/.tmp" && mv "$u/spool/.tmp" "$u/spool/uun-$seq-$nonce"
t0=$(now_s)
wait_for 300 grep -q "seq $seq .*installed as" "$u/log"
t1=$(now_s)
check "uun-updater installed the urgent payload" grep -q "seq $seq .*installed as" "$u/log"
check_eq "the installed file is the payload" "$(sha256sum <"$u/av/signatures.db" | cut -d' ' -f1)" "$sha"
echo "# uun-updater: trigger to installed $(seconds_between "$t0" "$t1") s for $payload_kib KiB"
updater_peak=$(peak_rss_kb "$updater_pid") updater_anon=$(cat "$u/anon" 2>/dev/null || echo 0)
server_peak=$(peak_rss_kb "$server_pid") server_anon=$(cat "$work/server.anon" 2>/dev/null || echo 0)
bench_stop "$updater_pid"
bench_stop "$server_pid"

python3 "$BENCH_LIB/memory_report.py" "$BENCH_RESULTS" "$BENCH_SMOKE" "$appliances" "$payload_kib" \
  "$updater_peak" "$server_peak" "$updater_anon" "$server_anon" "$(machine_json)" | bench_json memory || exit 1
python3 "$BENCH_LIB/table.py" "$BENCH_RESULTS/memory.json"
bench_finish
