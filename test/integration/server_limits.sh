#!/usr/bin/env bash
# uun-server under load and signals (server 127.0.1.2): 503 + Retry-After
# over limits.max_connections and limits.max_inflight; TLS 1.1 refused, 1.2
# and 1.3 served, TLS 1.2 session tickets resume; SIGHUP picks up a new
# certificate and keeps the old one when the new files are bad; SIGTERM lets
# an in-flight download finish, exits 0 and leaves nothing running; without
# -f it detaches once it is ready, and reports start-up errors first.
set -u
. "$(dirname "$0")/../lib/server_world.bash"

make_world 127.0.1.2
port=$(free_port 127.0.1.2)
head -c 100 /dev/urandom >"$work/small.bin"
seed av "$work/small.bin" >/dev/null || exit 1

serial_seen() {  # the serial of the certificate the server presents now
  openssl s_client -connect "$server_ip:$port" -CAfile "$work/tls/ca.pem" </dev/null 2>/dev/null |
    openssl x509 -noout -serial 2>/dev/null
}
listening() { ss -ltnH "sport = :$port" | grep -q .; }
established() { ss -tnH state established "( sport = :$port )" | wc -l; }

# ---- max_connections -------------------------------------------------------
write_config "$work/conn.yaml" "limits: {max_connections: 3, retry_after: 7s, request_timeout: 20s}"
start_server "$work/conn.yaml"

# Three TLS connections that say nothing fill the server.
python3 - "$server_ip" "$port" "$work/tls/ca.pem" >"$work/holder.out" 2>&1 <<'EOF' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[3])
held = []
for i in range(3):
    raw = socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("127.0.1.3%d" % i, 0))
    held.append(ctx.wrap_socket(raw, server_hostname=sys.argv[1]))
print("held", len(held), flush=True)
time.sleep(60)
EOF
holder=$!
helper_pids+=($holder)
wait_for 10 grep -q "held 3" "$work/holder.out"
check_contains "three connections are held open" "$(cat "$work/holder.out")" "held 3"
headers=$(api -D - -o "$work/busy.json" /healthz)
check_contains "the fourth connection gets 503" "$headers" "HTTP/1.1 503"
check_contains "  with Retry-After from limits.retry_after" "$headers" "Retry-After: 7"
check_contains "  and Connection: close" "$headers" "Connection: close"
check_contains "  and a JSON error" "$(cat "$work/busy.json")" '{"error":"the server is busy; try again later"}'
check_eq "a poll gets 503 too" "$(api -o /dev/null -w '%{http_code}' -d "$(poll_body gw-1 "$(new_token)" 0)" /v1/poll)" "503"
check_eq "and the busy poll was not recorded" "$(sql "SELECT count(*) FROM appliances")" "0"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
check "once they close, requests are served again" wait_for 10 healthy
metrics=$(admin_api /metrics)
check_contains "the 503s are counted" "$metrics" 'uun_http_overload_total{limit="max_connections"} 2'
check_contains "  by route and status" "$metrics" 'uun_http_requests_total{route="healthz",status="503"} 1'

# ---- TLS versions and resumption -------------------------------------------
out=$(openssl s_client -connect "$server_ip:$port" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1)
check_contains "a TLS 1.1 client is refused by the server (protocol version alert)" "$out" "alert protocol version"
api --tls-max 1.1 -o /dev/null /healthz 2>/dev/null
check_eq "curl --tls-max 1.1 fails to connect" "$?" "35"
check_eq "TLS 1.2 is served" "$(api --tlsv1.2 --tls-max 1.2 -o /dev/null -w '%{http_code}' /healthz)" "200"
check_eq "TLS 1.3 is served" "$(api --tlsv1.3 -o /dev/null -w '%{http_code}' /healthz)" "200"
openssl s_client -connect "$server_ip:$port" -CAfile "$work/tls/ca.pem" -tls1_2 -sess_out "$work/session.pem" </dev/null >/dev/null 2>&1
out=$(openssl s_client -connect "$server_ip:$port" -CAfile "$work/tls/ca.pem" -tls1_2 -sess_in "$work/session.pem" </dev/null 2>&1)
check_contains "a TLS 1.2 session ticket resumes the session" "$out" "Reused, TLSv1.2"
metrics=$(admin_api /metrics)
check "the refused handshakes are counted" \
  test "$(echo "$metrics" | sed -n 's/^uun_tls_handshake_failures_total //p')" -ge 2

# ---- SIGHUP ----------------------------------------------------------------
old_serial=$(serial_seen)
check_eq "the server presents the first certificate" "$old_serial" "$(openssl x509 -noout -serial -in "$work/tls/uun-server.crt")"
bash "$UUN_SRC/test/lib/make_ca.sh" "$work/tls" uun-server "IP:$server_ip" "IP:::1" || exit 1
new_serial=$(openssl x509 -noout -serial -in "$work/tls/uun-server.crt")
check "make_ca.sh made a certificate with another serial" test "$new_serial" != "$old_serial"
kill -HUP "$server_pid"
check "after SIGHUP new connections get the new certificate" wait_for 10 sh -c "[ \"\$(openssl s_client -connect $server_ip:$port -CAfile $work/tls/ca.pem </dev/null 2>/dev/null | openssl x509 -noout -serial)\" = '$new_serial' ]"
check_contains "the reload is logged with the serial" "$(cat "$work/server.log")" "SIGHUP: reloaded the TLS certificate and key: subject /CN=uun-server, serial ${new_serial#serial=}"
cp "$work/tls/uun-server.key" "$work/good.key"
echo "not a key" >"$work/tls/uun-server.key"
kill -HUP "$server_pid"
check "a bad key file is logged" wait_for 10 grep -q "the certificate in use stays" "$work/server.log"
check_contains "  naming the file" "$(grep "certificate in use stays" "$work/server.log")" "$work/tls/uun-server.key"
check_eq "the certificate in use stays" "$(serial_seen)" "$new_serial"
check_eq "and requests are still served" "$(api -o /dev/null -w '%{http_code}' /healthz)" "200"
cp "$work/good.key" "$work/tls/uun-server.key"

# A keep-alive connection that asked once and now waits (idle_timeout is 60s).
python3 - "$server_ip" "$port" "$work/tls/ca.pem" >"$work/keepalive.out" 2>&1 <<'EOF' &
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[3])
s = ctx.wrap_socket(socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("127.0.1.35", 0)),
                    server_hostname=sys.argv[1])
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
print("answer", s.recv(4096).split(b"\r\n")[0].decode(), flush=True)
s.settimeout(60)
try:
    while s.recv(4096):
        pass
    print("closed by the server", flush=True)
except Exception as e:
    print("closed by the server:", type(e).__name__, flush=True)
EOF
helper_pids+=($!)
wait_for 10 grep -q "answer" "$work/keepalive.out"
check_contains "a keep-alive connection got its answer and waits" "$(cat "$work/keepalive.out")" "answer HTTP/1.1 200 OK"
stop_server
check_eq "SIGTERM with an idle keep-alive connection: exit 0" "$server_rc" "0"
check_contains "  the idle connection was closed by the stop" "$(cat "$work/keepalive.out")" "closed by the server"
check "  without waiting for the stop deadline" sh -c "! grep -q 'stop deadline reached' '$work/server.log'"
check "nothing listens any more" sh -c "! ss -ltnH 'sport = :$port' | grep -q ."

# ---- max_inflight, and SIGTERM with a download in flight -------------------
python3 -c 'import os,sys; sys.stdout.buffer.write(os.urandom(6 << 20))' >"$work/big.bin"
read -r _ big_sha _ < <(seed av "$work/big.bin")
write_config "$work/inflight.yaml" "limits: {max_inflight: 1, retry_after: 3s, request_timeout: 20s}"
start_server "$work/inflight.yaml"
# A client that reads 1 MiB/s through a fixed 64 KiB receive buffer: with
# curl --limit-rate, loopback's buffer autotuning sometimes took the whole
# payload at once and the request was no longer in flight.
python3 - "$server_ip" "$port" "$work/tls/ca.pem" "/v1/payloads/$big_sha" "$work/download.bin" <<'PY' &
import socket, ssl, sys, time
ip, port, ca, path, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
raw = socket.socket()
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
raw.bind(("127.0.1.36", 0))
raw.connect((ip, port))
s = ssl.create_default_context(cafile=ca).wrap_socket(raw, server_hostname=ip)
s.sendall(f"GET {path} HTTP/1.1\r\nHost: {ip}\r\nConnection: close\r\n\r\n".encode())
data = b""
while b"\r\n\r\n" not in data:
    data += s.recv(4096)
head, body = data.split(b"\r\n\r\n", 1)
length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
start, got = time.monotonic(), 0
with open(out, "wb") as f:
    while got < length:
        f.write(body)
        f.flush()
        got += len(body)
        time.sleep(max(0, got / (1 << 20) - (time.monotonic() - start)))
        body = s.recv(16384) if got < length else b""
        if not body:
            break
sys.exit(0 if head.startswith(b"HTTP/1.1 200") and got == length else 1)
PY
download=$!
helper_pids+=($download)
check "a slow download is under way" wait_for 10 sh -c "[ -s '$work/download.bin' ]"
headers=$(api -D - -o /dev/null /healthz)
check_contains "a second request while one is in flight gets 503" "$headers" "HTTP/1.1 503"
check_contains "  with Retry-After" "$headers" "Retry-After: 3"
kill -TERM "$server_pid"
check "after SIGTERM the server stops listening" wait_for 10 sh -c "! ss -ltnH 'sport = :$port' | grep -q ."
api -o /dev/null /healthz 2>/dev/null
check_eq "a new connection is refused" "$?" "7"
check "the server is still running for the download" kill -0 "$server_pid"
wait "$download"
check_eq "the in-flight download finishes" "$?" "0"
check_eq "  complete and intact" "$(sha256sum <"$work/download.bin" | cut -d' ' -f1)" "$big_sha"
wait "$server_pid"
check_eq "then the server exits 0" "$?" "0"
server_pid=""
check_contains "the stop is logged" "$(cat "$work/server.log")" "SIGTERM: stopping; no new connections, 1 open ones"
check_contains "  after the last connection closed" "$(tail -1 "$work/server.log")" "uun-server stopped; 0 connections were still open"

# ---- without -f ------------------------------------------------------------
write_config "$work/bg.yaml"
"$SERVER" -c "$work/bg.yaml" >"$work/bg.out" 2>&1
check_eq "without -f the command returns 0 once the server is ready" "$?" "0"
check_eq "the detached server answers at once" "$(api -o /dev/null -w '%{http_code}' /healthz)" "200"
bg_pid=$(ss -ltnpH "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
check "its pid is found by its listening socket" test -n "$bg_pid"
[ -n "$bg_pid" ] && server_pid=$bg_pid  # so the EXIT trap stops it if a check fails
check_eq "it is in a session of its own" "$(ps -o sid= -p "$bg_pid" | tr -d ' ')" "$bg_pid"
kill -TERM "$bg_pid"
check "after SIGTERM it is gone" wait_for 10 sh -c "! kill -0 $bg_pid"
server_pid=""
write_config "$work/badcert.yaml"
sed -i "s|$work/tls/uun-server.crt|$work/tls/missing.crt|" "$work/badcert.yaml"
"$SERVER" -c "$work/badcert.yaml" >"$work/badcert.out" 2>&1
check_eq "a missing certificate: exit 1 before detaching" "$?" "1"
check_contains "  with a message naming the file" "$(cat "$work/badcert.out")" "tls.certificate: $work/tls/missing.crt"
check "  and nothing listens" sh -c "! ss -ltnH 'sport = :$port' | grep -q ."

# ---- tls.session_tickets: false ---------------------------------------------
write_config "$work/limits-default.yaml"
write_config "$work/notickets.yaml"
sed -i "s|key: $work/tls/uun-server.key}|key: $work/tls/uun-server.key, session_tickets: false}|" "$work/notickets.yaml"
check_contains "the config turns tickets off" "$(cat "$work/notickets.yaml")" "session_tickets: false"
start_server "$work/notickets.yaml"
resumed() { python3 "$UUN_SRC/test/lib/tls_resumed.py" "$server_ip" "$port" "$work/tls/ca.pem" "$1"; }
check_eq "session_tickets false, TLS 1.2: every handshake is a full one" "$(resumed TLSv1_2)" "full full full"
check_eq "session_tickets false, TLS 1.3: every handshake is a full one" "$(resumed TLSv1_3)" "full full full"
stop_server
start_server "$work/limits-default.yaml"
check_eq "by default, TLS 1.3 sessions resume by ticket" "$(resumed TLSv1_3)" "full resumed resumed"
stop_server

summary
