#!/usr/bin/env bash
# poll-rate: uun-server (127.0.7.10) answering POST /v1/poll with 1 000,
# 10 000 and 100 000 registered appliances, beside nginx (127.0.7.11)
# serving a small static file over TLS with the same kind of certificate
# (ECDSA P-256, one test CA) and the same load generator (wrk), a new TLS
# connection per request (Connection: close) and with keep-alive. Runs
# alternate between the two servers. Writes $BENCH_RESULTS/poll-rate.json.
set -u
. "$(dirname "$0")/lib/common.sh"
bench_init poll-rate

if [ "$BENCH_SMOKE" = 1 ]; then
  sizes=(${BENCH_SIZES:-100}) duration=${BENCH_DURATION:-1} rounds=${BENCH_ROUNDS:-1} conns=${BENCH_CONNS:-4}
else
  sizes=(${BENCH_SIZES:-1000 10000 100000}) duration=${BENCH_DURATION:-10} rounds=${BENCH_ROUNDS:-3} conns=${BENCH_CONNS:-32}
fi
SERVER_IP=127.0.7.10 NGINX_IP=127.0.7.11
threads=2

bash "$UUN_SRC/test/lib/make_ca.sh" "$work/tls" uun-server "IP:$SERVER_IP" "IP:$NGINX_IP" || exit 1
openssl genpkey -algorithm ed25519 -out "$work/publisher.key" 2>/dev/null || exit 1
mkdir -p "$work/payloads"
printf 'signatures\n' >"$work/sig.bin"
"$SEED" add --store "$work/store.db" --payloads "$work/payloads" --key "$work/publisher.key" \
  --channel av --file "$work/sig.bin" >/dev/null || exit 1
port=$(free_port "$SERVER_IP") nginx_port=$(free_port "$NGINX_IP")
cat >"$work/server.yaml" <<YAML
listen: ["$SERVER_IP:$port"]
tls: {certificate: $work/tls/uun-server.crt, key: $work/tls/uun-server.key, session_tickets: false}
store: {sqlite: $work/store.db, payload_dir: $work/payloads}
log: {syslog: false, debug: false}
admin: {listen: []}
YAML
# wrk is one address: the per-address limits (issue 14) would measure themselves.
# BENCH_SERVER_WORKERS=N: uun-server's limits.workers (default: one per core).
echo "limits: {${BENCH_SERVER_WORKERS:+workers: $BENCH_SERVER_WORKERS, }per_address: {max_connections: 1000000, max_handshakes: 1000000}}" >>"$work/server.yaml"

# ---- nginx: the same certificate, a static file the size of a poll answer ------
ng=$work/nginx
mkdir -p "$ng/www/v1" "$ng/tmp"
printf '{"entries":[],"more":false,"head_seq":1,"poll_interval":86400,"registered":true,"server_time":1764000000}' \
  >"$ng/www/v1/poll"
chmod -R a+rX "$ng"
cat >"$ng/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $ng/nginx.pid;
error_log $ng/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $ng/tmp/body;
  proxy_temp_path $ng/tmp/proxy;
  fastcgi_temp_path $ng/tmp/fastcgi;
  uwsgi_temp_path $ng/tmp/uwsgi;
  scgi_temp_path $ng/tmp/scgi;
  default_type application/json;
  server {
    listen $NGINX_IP:$nginx_port ssl;
    ssl_certificate $work/tls/uun-server.crt;
    ssl_certificate_key $work/tls/uun-server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    # wrk resumes TLS sessions; an appliance polling once a day never can (tickets
    # last hours): both servers make every handshake a full one.
    ssl_session_tickets off;
    ssl_session_cache off;
    keepalive_requests 1000000;
    root $ng/www;
    # wrk drives both servers with the same script (POST + body, bench/lib/poll.lua):
    # nginx answers a POST to a static file 405, so serve the file instead.
    error_page 405 =200 \$uri;
  }
}
CONF
bench_spawn "$ng/out.log" nginx -p "$ng" -c "$ng/nginx.conf" -e "$ng/error.log"
nginx_pid=$spawned
wait_for 10 listening "$NGINX_IP" "$nginx_port" || { echo "nginx did not start:"; cat "$ng"/*.log; exit 1; }
answer=$(curl -sS --cacert "$work/tls/ca.pem" -H 'Content-Type: application/json' --data-binary '{}' \
  "https://$NGINX_IP:$nginx_port/v1/poll")
check_contains "nginx answers a POST /v1/poll with the static answer over verified TLS" "$answer" '"poll_interval":86400'
check_eq "nginx makes every TLS handshake a full one" \
  "$(python3 "$UUN_SRC/test/lib/tls_resumed.py" "$NGINX_IP" "$nginx_port" "$work/tls/ca.pem" TLSv1_3 /v1/poll)" \
  "full full full"

rows=$work/rows.tsv
: >"$rows"
# run_wrk LABEL N MODE URL [wrk args...]: one wrk run; a row in $rows.
run_wrk() {
  local label=$1 n=$2 mode=$3 url=$4 out=$work/wrk.out pid=$5 c0 c1
  shift 5
  local close=0
  [ "$mode" = new ] && close=1
  c0=$(tree_cpu_ticks "$pid")
  BENCH_BODIES=$work/bodies.txt BENCH_CLOSE=$close wrk -t "$threads" -c "$conns" -d "${duration}s" --latency "$@" "$url" \
    >"$out" 2>&1
  c1=$(tree_cpu_ticks "$pid")
  python3 "$BENCH_LIB/wrk_parse.py" "$out" "$label" "$n" "$mode" "$round" "$(ticks_to_s $((c1 - c0)))" >>"$rows" \
    || { echo "# wrk output not understood:"; cat "$out"; exit 1; }
  tail -1 "$rows" | awk -F'\t' '{ printf "#   %-10s %7s appliances %-9s %9s polls/s  p50 %s ms  p99 %s ms  errors %s\n", $1, $2, $3, $6, $7, $8, $9 }'
}

declare -A server_peak
for n in "${sizes[@]}"; do
  total=$(python3 "$BENCH_LIB/registry.py" seed "$work/store.db" "$n") || exit 1
  python3 "$BENCH_LIB/registry.py" bodies "$n" 1 "$work/bodies.txt" || exit 1
  bench_spawn "$work/server.log" "$SERVER" -f -c "$work/server.yaml"
  server_pid=$spawned
  wait_for 20 sh -c "curl -s --cacert $work/tls/ca.pem https://$SERVER_IP:$port/healthz | grep -q ok" \
    || { echo "uun-server did not start:"; tail -20 "$work/server.log"; exit 1; }
  first=$(head -1 "$work/bodies.txt")
  reply=$(curl -sS --cacert "$work/tls/ca.pem" -H 'Content-Type: application/json' --data-binary "$first" \
    "https://$SERVER_IP:$port/v1/poll")
  check_contains "a seeded appliance's poll is answered and registered ($n)" "$reply" '"registered":true'
  check_eq "uun-server makes every TLS handshake a full one ($n)" \
    "$(python3 "$UUN_SRC/test/lib/tls_resumed.py" "$SERVER_IP" "$port" "$work/tls/ca.pem" TLSv1_3)" "full full full"
  echo "# $total appliances registered"
  for round in $(seq 1 "$rounds"); do
    for mode in new keepalive; do
      run_wrk uun-server "$n" "$mode" "https://$SERVER_IP:$port/v1/poll" "$server_pid" -s "$BENCH_LIB/poll.lua"
      run_wrk nginx "$n" "$mode" "https://$NGINX_IP:$nginx_port/v1/poll" "$nginx_pid" -s "$BENCH_LIB/poll.lua"
    done
  done
  server_peak[$n]=$(peak_rss_kb "$server_pid")
  bench_stop "$server_pid"
done

peaks=()
for n in "${sizes[@]}"; do peaks+=("$n=${server_peak[$n]}"); done
python3 "$BENCH_LIB/poll_report.py" "$rows" "$duration" "$conns" "$threads" "$rounds" "$BENCH_SMOKE" \
  "$(IFS=,; echo "${peaks[*]}")" "$(machine_json)" | bench_json poll-rate || exit 1
python3 "$BENCH_LIB/table.py" "$BENCH_RESULTS/poll-rate.json"
bench_finish
