#!/usr/bin/env bash
# Fair share and the admin surface (issue 14; server 127.0.12.1): 40 idle TCP
# connections from one address leave another address's polls answering (p50
# and p99 printed) and are closed after limits.handshake_timeout; a flood of
# new ids from one address registers limits.per_address.new_registrations
# and gets 429 for the rest, while other addresses and its own known
# appliance poll; registry.max_appliances; /metrics and the status page on
# the admin listener only.
set -u
WORLD_NAME=uun-fairshare
client_ip=127.0.12.100
. "$(dirname "$0")/../lib/server_world.bash"

make_world 127.0.12.1
port=$(free_port 127.0.12.1)
head -c 100 /dev/urandom >"$work/small.bin"
seed av "$work/small.bin" >/dev/null || exit 1

# client.py: the load and the attacks, each from its own bound source address.
cat >"$work/client.py" <<'PY'
import json, os, socket, ssl, sys, threading, time, http.client, base64
ip, port, ca, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)

def body(i):
    token = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    return token, json.dumps({"id": i, "token": token, "product": "mg-5000", "version": "3.2.1",
                              "channels": ["av"], "notify": {"recipient": f"uun@{i}.example.net", "port": 2525},
                              "last_seq": 0, "reason": "periodic"})

def conn(source):
    return http.client.HTTPSConnection(ip, port, context=ctx, source_address=(source, 0), timeout=20)

if mode == "idle":  # idle SOURCE N HOLD: N connections that send no TLS byte; when each was closed
    source, n, hold = sys.argv[5], int(sys.argv[6]), float(sys.argv[7])
    socks, start = [], time.monotonic()
    for _ in range(n):
        s = socket.socket()
        s.bind((source, 0))
        s.connect((ip, port))
        s.settimeout(hold)
        socks.append(s)
    print("opened", len(socks), flush=True)
    closed = [None] * n
    def watch(k):
        try:
            socks[k].recv(1)
            closed[k] = time.monotonic() - start
        except ConnectionResetError:
            closed[k] = time.monotonic() - start
        except socket.timeout:
            pass
    threads = [threading.Thread(target=watch, args=(k,)) for k in range(n)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("closed", sum(c is not None for c in closed), flush=True)
    print("closed_at_once", sum(c is not None and c < 1.0 for c in closed), flush=True)
    print("longest %.2f" % max(c for c in closed if c is not None), flush=True)
elif mode == "polls":  # polls SOURCE ID N: N polls, each on a new connection; statuses and latency
    source, ident, n = sys.argv[5], sys.argv[6], int(sys.argv[7])
    token, b = body(ident)
    statuses, times = {}, []
    for _ in range(n):
        t0 = time.monotonic()
        try:
            c = conn(source)
            c.request("POST", "/v1/poll", b, {"Content-Type": "application/json"})
            st = c.getresponse().status
            c.close()
        except Exception as e:
            st = type(e).__name__
        times.append(time.monotonic() - t0)
        statuses[st] = statuses.get(st, 0) + 1
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000
    print("statuses", " ".join(f"{k}={v}" for k, v in sorted(statuses.items(), key=str)), flush=True)
    print("# legitimate polls from %s during the attack: %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (source, n, pick(0.50), pick(0.99), times[-1] * 1000), flush=True)
elif mode == "register":  # register SOURCE PREFIX N: N new ids on one keep-alive connection
    source, prefix, n = sys.argv[5], sys.argv[6], int(sys.argv[7])
    statuses, c, last = {}, conn(source), None
    for k in range(n):
        _, b = body(f"{prefix}-{k}")
        c.request("POST", "/v1/poll", b, {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        statuses[r.status] = statuses.get(r.status, 0) + 1
        if r.status != 200:
            last = (r.status, r.getheader("Retry-After"), data.decode())
        if r.getheader("Connection", "").lower() == "close":
            c.close()
            c = conn(source)
    print("statuses", " ".join(f"{k}={v}" for k, v in sorted(statuses.items())), flush=True)
    if last:
        print("refused", last[0], "retry_after", last[1], last[2], flush=True)
PY
client() { python3 "$work/client.py" "$server_ip" "$port" "$work/tls/ca.pem" "$@"; }
# poll_as SOURCE ID TOKEN: the HTTP status of one poll from SOURCE.
poll_as() {
  curl -sS --max-time 20 --cacert "$work/tls/ca.pem" --interface "$1" -o "$work/poll.json" -w '%{http_code}' \
    -d "$(poll_body "$2" "$3" 0)" "$(server_url)/v1/poll"
}
metric() { admin_api /metrics | awk -v want="$1" '$1 == want { print $2 }'; }

# ---- the config's ranges ---------------------------------------------------
write_config "$work/bad.yaml" "limits: {handshake_timeout: 90s, per_address: {max_handshakes: 0}}"
out=$("$SERVER" -f -c "$work/bad.yaml" 2>&1)
check_eq "a handshake_timeout over 60s: the server does not start" "$?" "1"
check_contains "  naming the file, line and key" "$out" "$work/bad.yaml:"
check_contains "  handshake_timeout's range" "$out" "'limits.handshake_timeout': must be from 1s to 60s"
check_contains "  and per_address.max_handshakes'" "$out" "limits.per_address.max_handshakes"

# ---- (a) idle connections from one address ---------------------------------
# max_connections 32: without per-address limits the 40 idle ones take every slot.
write_config "$work/server.yaml" "limits: {max_connections: 32, workers: 2}"
start_server "$work/server.yaml"
client idle 127.0.12.50 40 12 >"$work/idle.out" 2>&1 &
idle=$!
helper_pids+=($idle)
wait_for 10 grep -q "^opened 40" "$work/idle.out"
check_contains "40 idle TCP connections from 127.0.12.50 are open" "$(cat "$work/idle.out")" "opened 40"
started=$(date +%s.%N)
polls=$(client polls 127.0.12.60 gw-legit 200)
echo "$polls" | grep '^#'
check_eq "every one of 200 polls from 127.0.12.60 meanwhile gets 200" "$(echo "$polls" | sed -n 's/^statuses //p')" "200=200"
elapsed=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]) < 4.5)" "$started" "$(date +%s.%N)")
check_eq "  all within the handshake timeout of the idle ones" "$elapsed" "True"
wait "$idle"
out=$(cat "$work/idle.out")
check_contains "all 40 idle connections were closed by the server" "$out" "closed 40"
check_contains "  32 at once (over max_handshakes 8)" "$out" "closed_at_once 32"
longest=$(echo "$out" | sed -n 's/^longest //p')
check "  the last after handshake_timeout (5s), not request_timeout: ${longest}s" \
  python3 -c "import sys; sys.exit(not 4.5 <= float(sys.argv[1]) < 8)" "${longest:-0}"
check_eq "the refusals are counted" "$(metric 'uun_fair_share_refusals_total{limit="per_address_handshakes"}')" "32"
check_eq "  and the handshakes that timed out" "$(metric uun_tls_handshake_failures_total)" "8"

# 33 connections that finish their handshake: the 33rd is closed at once.
python3 - "$server_ip" "$port" "$work/tls/ca.pem" >"$work/conns.out" 2>&1 <<'EOF'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[3])
held, refused = [], 0
for i in range(33):
    try:
        raw = socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("127.0.12.53", 0))
        held.append(ctx.wrap_socket(raw, server_hostname=sys.argv[1]))
    except (ssl.SSLError, ConnectionError, OSError):
        refused += 1
print("held", len(held), "refused", refused, flush=True)
EOF
check_contains "per_address.max_connections 32: the 33rd connection of an address is refused" \
  "$(cat "$work/conns.out")" "held 32 refused 1"
check_eq "  counted" "$(metric 'uun_fair_share_refusals_total{limit="per_address_connections"}')" "1"
stop_server

# ---- (b) a registration flood from one address -----------------------------
write_config "$work/server.yaml"
start_server "$work/server.yaml"
own_token=$(new_token)
check_eq "127.0.12.51's own appliance registers first" "$(poll_as 127.0.12.51 gw-own "$own_token")" "200"
out=$(client register 127.0.12.51 flood 200)
check_contains "200 new ids from 127.0.12.51: 59 more registered (60 an hour), 141 get 429" "$out" "statuses 200=59 429=141"
check_contains "  with Retry-After" "$out" "refused 429 retry_after 60"
check_contains "  and a JSON error" "$out" '{"error":"too many new appliances from 127.0.12.51; try again in 60 s"}'
check_eq "  the registry holds 60 rows from that address" "$(sql "SELECT count(*) FROM appliances WHERE address = '127.0.12.51'")" "60"
check_eq "another address still registers" "$(poll_as 127.0.12.52 gw-other "$(new_token)")" "200"
check_eq "  registered: true" "$(json_get "$work/poll.json" 'j["registered"]')" "true"
check_eq "the flooding address's own appliance still polls" "$(poll_as 127.0.12.51 gw-own "$own_token")" "200"
check_eq "  registered: true" "$(json_get "$work/poll.json" 'j["registered"]')" "true"
check_eq "the refusals are counted" "$(metric 'uun_fair_share_refusals_total{limit="new_registrations"}')" "141"
stop_server

# ---- (c) registry.max_appliances --------------------------------------------
rm -f "$work/store.db" "$work/store.db-wal" "$work/store.db-shm"
seed av "$work/small.bin" >/dev/null || exit 1
write_config "$work/server.yaml" "registry: {max_appliances: 5}"
start_server "$work/server.yaml"
tokens=()
for i in 1 2 3 4 5; do
  tokens[$i]=$(new_token)
  code=$(poll_as "127.0.12.7$i" "gw-$i" "${tokens[$i]}")
  [ "$code" = 200 ] || echo "# gw-$i: $code"
done
check_eq "five appliances registered" "$(sql "SELECT count(*) FROM appliances")" "5"
check_eq "the sixth new id gets 503" "$(poll_as 127.0.12.76 gw-6 "$(new_token)")" "503"
check_contains "  with a clear error" "$(cat "$work/poll.json")" '"error":"the registry is full: no new appliances are accepted now"'
check_eq "  and is not recorded" "$(sql "SELECT count(*) FROM appliances WHERE id = 'gw-6'")" "0"
check_contains "the operator is told in the log" "$(cat "$work/server.log")" "the registry holds registry.max_appliances (5) appliances: new appliance gw-6"
check_eq "an existing appliance still polls" "$(poll_as 127.0.12.73 gw-3 "${tokens[3]}")" "200"
check_eq "the refusal is counted" "$(metric 'uun_fair_share_refusals_total{limit="max_appliances"}')" "1"

# ---- (d) the admin surface ---------------------------------------------------
check_eq "/metrics on the appliance listener: 404" "$(api -o /dev/null -w '%{http_code}' /metrics)" "404"
check_eq "the status page on the appliance listener: 404" "$(api -o /dev/null -w '%{http_code}' /)" "404"
check_eq "/metrics on the admin listener: 200" "$(admin_api -o /dev/null -w '%{http_code}' /metrics)" "200"
check_eq "the status page on the admin listener: 200" "$(admin_api -o /dev/null -w '%{http_code}' /)" "200"
check_eq "a poll on the admin listener: 404" \
  "$(admin_api -o /dev/null -w '%{http_code}' -d "$(poll_body gw-3 "${tokens[3]}" 0)" /v1/poll)" "404"
check_contains "start-up names both listeners" "$(cat "$work/server.log")" \
  "listening on $server_ip:$port; admin (/metrics, status page) on $server_ip:$admin_port"
stop_server
write_config "$work/noadmin.yaml" "admin: {listen: []}"
start_server "$work/noadmin.yaml"
check "admin.listen: [] opens no admin listener" sh -c "! ss -ltnH 'src $server_ip:$admin_port' | grep -q ."
stop_server
check_eq "SIGTERM: exit 0" "$server_rc" "0"
summary
