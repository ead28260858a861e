#!/usr/bin/env bash
# uun-server's HTTP API over real TLS (server 127.0.1.1 and [::1], clients
# 127.0.1.x through curl --interface, test CA): polls are recorded in the
# registry with the peer address and notify data; answers carry the right
# signed entries, which verify with openssl and uun-test-seed; notified
# entries are marked fetched; token binding; payloads whole and by Range;
# reports; the error statuses of API.md; metrics, status page, healthz;
# garbage and stalled clients do not stop the next client being served.
set -u
. "$(dirname "$0")/../lib/server_world.bash"

make_world 127.0.1.1
port=$(free_port 127.0.1.1)
port6=$(free_port ::1)
write_config "$work/server.yaml" \
  "limits: {max_body: 4KiB, request_timeout: 3s, idle_timeout: 5s}" \
  "poll: {interval: 12h, max_entries: 64}"

# ---- the log: what gw-1 (mg-5000 3.2.1, channels av+sys) should and should not get
head -c 300000 /dev/urandom >"$work/av.bin"
head -c 1000 /dev/urandom >"$work/sys.bin"
head -c 10 /dev/urandom >"$work/web.bin"
head -c 20 /dev/urandom >"$work/other.bin"
read -r seq1 sha1 size1 < <(seed av "$work/av.bin" --urgent --target product=mg-5000)
read -r seq2 sha2 _ < <(seed sys "$work/sys.bin" --target "version>=3.2")
read -r seq3 _ _ < <(seed web "$work/web.bin")
read -r seq4 _ _ < <(seed av "$work/other.bin" --target product=mg-9000)
check_eq "seeded four entries" "$seq1 $seq2 $seq3 $seq4" "1 2 3 4"
check_eq "the seeded payload is stored under its sha256" "$(sha256sum <"$work/payloads/$sha1" | cut -d' ' -f1)" "$sha1"

start_server "$work/server.yaml"
check_contains "start-up is logged" "$(cat "$work/server.log")" "uun-server 0.1.0 started: listening on 127.0.1.1:$port [::1]:$port6"

# ---- a first poll ----------------------------------------------------------
token1=$(new_token)
client_ip=127.0.1.10
code=$(api -o "$work/poll1.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "$(poll_body gw-1 "$token1" 0)" /v1/poll)
check_eq "poll answers 200" "$code" "200"
check_eq "registered" "$(json_get "$work/poll1.json" 'j["registered"]')" "true"
check_eq "head_seq" "$(json_get "$work/poll1.json" 'j["head_seq"]')" "4"
check_eq "poll_interval from poll.interval" "$(json_get "$work/poll1.json" 'j["poll_interval"]')" "43200"
check_eq "more" "$(json_get "$work/poll1.json" 'j["more"]')" "false"
verified=$("$SEED" verify --pubkey "$work/publisher.pub" <"$work/poll1.json" 2>&1)
check_eq "the entries are av seq 1 and sys seq 2, and each envelope verifies" \
  "$(echo "$verified" | cut -d' ' -f1,2 | tr '\n' ' ')" "1 av 2 sys "
check_contains "entry 1 names its payload" "$verified" "$sha1"

# The same check by an independent implementation: openssl over the DSSE PAE.
python3 - "$work/poll1.json" "$work" <<'EOF'
import base64, json, sys
j = json.load(open(sys.argv[1]))
for i, e in enumerate(j["entries"]):
    payload = base64.b64decode(e["payload"])
    t = e["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)
    open("%s/pae%d" % (sys.argv[2], i), "wb").write(pae)
    open("%s/sig%d" % (sys.argv[2], i), "wb").write(base64.b64decode(e["signatures"][0]["sig"]))
EOF
for i in 0 1; do
  check_contains "envelope $i verifies with openssl pkeyutl" \
    "$(openssl pkeyutl -verify -pubin -inkey "$work/publisher.pub" -rawin -in "$work/pae$i" -sigfile "$work/sig$i" 2>&1)" \
    "Signature Verified Successfully"
done
printf 'tampered' >>"$work/pae0"
check_contains "a tampered entry does not verify with openssl" \
  "$(openssl pkeyutl -verify -pubin -inkey "$work/publisher.pub" -rawin -in "$work/pae0" -sigfile "$work/sig0" 2>&1)" \
  "Signature Verification Failure"

row=$(sql "SELECT address, notify_recipient, notify_port, product, version, trim(channels), last_seq, last_reason FROM appliances WHERE id = 'gw-1'")
check_eq "the registry row holds the peer address and the notify data" "$row" \
  "127.0.1.10|uun@gw-1.example.net|2525|mg-5000|3.2.1|av sys|0|periodic"
check_eq "the token is stored as its SHA-256" "$(sql "SELECT token_hash FROM appliances WHERE id = 'gw-1'")" \
  "$(printf '%s' "$token1" | sha256sum | cut -d' ' -f1)"
check_contains "a new appliance is logged" "$(cat "$work/server.log")" "new appliance gw-1 at 127.0.1.10"

# ---- notified entries are marked fetched ----------------------------------
sql "INSERT INTO notifications VALUES ('gw-1', 1, strftime('%s','now'), strftime('%s','now') + 3600, '127.0.1.10', 2525, 'uun+gw-1@vendor.test', 'uun@gw-1.example.net', 'queued', NULL)"
api -o "$work/poll2.json" -d "$(poll_body gw-1 "$token1" 0 '["av","sys"]' mg-5000 3.2.1 urgent)" /v1/poll
check "a poll carrying notified seq 1 marks it fetched" \
  test -n "$(sql "SELECT fetched_at FROM notifications WHERE appliance_id = 'gw-1' AND seq = 1")"
check_eq "the urgent reason is recorded" "$(sql "SELECT last_reason FROM appliances WHERE id = 'gw-1'")" "urgent"
api -o "$work/poll3.json" -d "$(poll_body gw-1 "$token1" 2)" /v1/poll
check_eq "after last_seq 2 nothing is left for gw-1" "$(json_get "$work/poll3.json" 'len(j["entries"])')" "0"

# ---- token binding ---------------------------------------------------------
client_ip=127.0.1.11
api -o "$work/stranger.json" -d "$(poll_body gw-1 "$(new_token)" 0)" /v1/poll
check_eq "another token is answered with registered:false" "$(json_get "$work/stranger.json" 'j["registered"]')" "false"
check_eq "and still gets the (signed, public) entries" "$(json_get "$work/stranger.json" 'len(j["entries"])')" "2"
check_eq "the row keeps its address" "$(sql "SELECT address FROM appliances WHERE id = 'gw-1'")" "127.0.1.10"
client_ip=127.0.1.12
api -o /dev/null -d "$(poll_body gw-1 "$token1" 2)" /v1/poll
check_eq "the right token moves the row" "$(sql "SELECT address FROM appliances WHERE id = 'gw-1'")" "127.0.1.12"
check_contains "the move is logged" "$(cat "$work/server.log")" "appliance gw-1 moved from 127.0.1.10"

# ---- IPv6 ------------------------------------------------------------------
code=$(curl -sS --cacert "$work/tls/ca.pem" -o "$work/poll6.json" -w '%{http_code}' \
  -d "$(poll_body gw-6 "$(new_token)" 0 '["sys"]')" "https://[::1]:$port6/v1/poll")
check_eq "a poll over [::1] answers 200" "$code" "200"
check_eq "and gets the sys entry" "$(json_get "$work/poll6.json" '[__import__("base64").b64decode(e["payload"]).decode().count("\"sys\"") for e in j["entries"]]')" "[1]"
check_eq "its row holds ::1" "$(sql "SELECT address FROM appliances WHERE id = 'gw-6'")" "::1"

# ---- errors ----------------------------------------------------------------
client_ip=127.0.1.13
out=$(api -w ' %{http_code}' -d '{"id": "gw-1", ' /v1/poll)
check_contains "bad JSON gets 400" "$out" " 400"
check_contains "with a JSON error" "$out" '{"error":"body is not valid JSON"}'
out=$(api -w ' %{http_code}' -d "$(poll_body gw-1 "$token1" 0 | sed 's/"last_seq":0/"last_seq":-1/')" /v1/poll)
check_contains "a field out of range gets 400 naming it" "$out" "'last_seq' must be a whole number"
check_contains "  (status)" "$out" " 400"
# The attack of issue 14: GW-1 from another address would have taken gw-1's
# UUNs (the MTA's relay map ignores case). Ids have one case now.
gw1_address=$(sql "SELECT address FROM appliances WHERE id = 'gw-1'")
out=$(api -w ' %{http_code}' -d "$(poll_body GW-1 "$(new_token)" 0)" /v1/poll)
check_contains "an upper-case id (GW-1 beside gw-1) gets 400" "$out" " 400"
check_contains "  naming the rule" "$out" "[a-z0-9._-]"
check_eq "  and no row for it" "$(sql "SELECT count(*) FROM appliances WHERE lower(id) = 'gw-1'")" "1"
check_eq "  gw-1's row keeps its address" "$(sql "SELECT address FROM appliances WHERE id = 'gw-1'")" "$gw1_address"
# The recipient attack of issue 14: a notify recipient that the vendor's MTA
# would deliver to itself (root@localhost) or to its own host.
for recipient in root@localhost 'root@[127.0.0.1]'; do
  out=$(api -w ' %{http_code}' -d "$(poll_body gw-local "$(new_token)" 0 | sed "s/uun@gw-local.example.net/$recipient/")" /v1/poll)
  check_contains "notify recipient $recipient gets 400" "$out" " 400"
  check_contains "  saying why" "$out" "'notify.recipient' $recipient is refused"
done
check_eq "  and no row for it" "$(sql "SELECT count(*) FROM appliances WHERE id = 'gw-local'")" "0"
head -c 5000 /dev/zero | tr '\0' ' ' >"$work/big"
out=$(api -w ' %{http_code}' --data-binary @"$work/big" /v1/poll)
check_contains "a body over limits.max_body gets 413" "$out" " 413"
check_contains "  with a JSON error" "$out" '"error":"the request body is larger than 4096 bytes"'
out=$(python3 -c 'import sys; sys.stdout.write("x"*100000)' | api -w ' %{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @- /v1/poll)
check_contains "an endless chunked body gets 413" "$out" " 413"
out=$(api -i /v1/poll)
check_contains "GET /v1/poll gets 405" "$out" "HTTP/1.1 405"
check_contains "  with Allow: POST" "$out" "Allow: POST"
check_eq "an unknown path gets 404" "$(api -o /dev/null -w '%{http_code}' /v1/nothing)" "404"
check_eq "an unknown payload gets 404" "$(api -o /dev/null -w '%{http_code}' "/v1/payloads/$(printf '%064d' 0)")" "404"
check_eq "a payload name that is a path gets 404" "$(api -o /dev/null -w '%{http_code}' --path-as-is /v1/payloads/../../etc/passwd)" "404"
out=$(api -w ' %{http_code}' -H "X-Filler: $(head -c 9000 /dev/zero | tr '\0' a)" /healthz)
check_contains "a header over 8 KiB gets 431" "$out" " 431"

# ---- payloads --------------------------------------------------------------
code=$(api -o "$work/full.bin" -w '%{http_code}' "/v1/payloads/$sha1")
check_eq "a full download answers 200" "$code" "200"
check_eq "and matches the sha256" "$(sha256sum <"$work/full.bin" | cut -d' ' -f1)" "$sha1"
code=$(api -o "$work/part1.bin" -w '%{http_code}' -r 0-99999 "/v1/payloads/$sha1")
check_eq "a Range download answers 206" "$code" "206"
api -o "$work/part2.bin" -r 100000- "/v1/payloads/$sha1"
check_eq "two ranges put together match the sha256" "$(cat "$work/part1.bin" "$work/part2.bin" | sha256sum | cut -d' ' -f1)" "$sha1"
headers=$(api -D - -o /dev/null -r 100000- "/v1/payloads/$sha1")
check_contains "206 carries Content-Range" "$headers" "Content-Range: bytes 100000-299999/300000"
check_contains "ETag is the sha256" "$headers" "ETag: \"$sha1\""
headers=$(api -D - -o /dev/null -r 300000- "/v1/payloads/$sha1")
check_contains "a range past the end gets 416" "$headers" "HTTP/1.1 416"
check_contains "  with Content-Range: bytes */size" "$headers" "Content-Range: bytes */300000"
headers=$(api -I "/v1/payloads/$sha1")
check_contains "HEAD gives the length" "$headers" "Content-Length: 300000"
check_contains "HEAD says ranges are accepted" "$headers" "Accept-Ranges: bytes"

# ---- reports ---------------------------------------------------------------
report() { printf '{"id":"%s","token":"%s","seq":%s,"status":"%s","detail":"%s"}' "$@"; }
out=$(api -w ' %{http_code}' -d "$(report gw-1 "$token1" 1 failed 'hook exited 3')" /v1/report)
check_eq "a report answers 200 ok" "$out" '{"ok":true} 200'
check_eq "the report is recorded" "$(sql "SELECT status, detail FROM reports WHERE appliance_id = 'gw-1' AND seq = 1")" "failed|hook exited 3"
check_eq "a report with another token gets 403" \
  "$(api -o /dev/null -w '%{http_code}' -d "$(report gw-1 "$(new_token)" 1 installed '')" /v1/report)" "403"
check_eq "a report for an unknown appliance gets 404" \
  "$(api -o /dev/null -w '%{http_code}' -d "$(report gw-404 "$token1" 1 installed '')" /v1/report)" "404"
check_eq "a report with a bad status gets 400" \
  "$(api -o /dev/null -w '%{http_code}' -d "$(report gw-1 "$token1" 1 done '')" /v1/report)" "400"
check_eq "the refused reports changed nothing" "$(sql "SELECT count(*) FROM reports")" "1"

# ---- hostile and stalled clients -------------------------------------------
garbage=$(python3 - "$server_ip" "$port" <<'EOF'
import os, socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("127.0.1.20", 0))
s.sendall(os.urandom(4096))
s.settimeout(10)
try:
    while s.recv(4096):
        pass
    print("closed")
except Exception as e:
    print("error", e)
EOF
)
check_eq "random bytes instead of TLS: the server closes the connection" "$garbage" "closed"
plain=$(python3 - "$server_ip" "$port" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("127.0.1.21", 0))
s.sendall(b"POST /v1/poll HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
s.settimeout(10)
data = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
    print("closed", len(data))
except Exception as e:
    print("error", e)
EOF
)
check_contains "plain HTTP on the TLS port is closed" "$plain" "closed"
# Stalled clients: one connects and says nothing, one sends half a request
# head and stops. Both must be closed by the timeouts, and nobody waits on them.
python3 - "$server_ip" "$port" "$work/tls/ca.pem" >"$work/stalled.out" 2>&1 <<'EOF' &
import socket, ssl, sys
silent = socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("127.0.1.22", 0))
ctx = ssl.create_default_context(cafile=sys.argv[3])
half = ctx.wrap_socket(socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("127.0.1.23", 0)),
                       server_hostname=sys.argv[1])
half.sendall(b"GET /healthz HTTP/1.1\r\n")
for s in (silent, half):
    s.settimeout(30)
    try:
        while s.recv(4096):
            pass
        print("closed", flush=True)
    except (ssl.SSLError, ConnectionResetError) as e:
        print("closed", type(e).__name__, flush=True)
    except Exception as e:
        print("error", e, flush=True)
EOF
helper_pids+=($!)
slow=$(python3 - "$server_ip" "$port" "$work/tls/ca.pem" <<'EOF'
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[3])
raw = socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("127.0.1.24", 0))
s = ctx.wrap_socket(raw, server_hostname=sys.argv[1])
s.sendall(b"POST /v1/poll HTTP/1.1\r\nHost: x\r\n")
start = time.monotonic()
s.settimeout(30)
try:
    for i in range(40):
        s.sendall(b"X-Slow: 1\r\n")
        time.sleep(0.25)
    print("still open after 10s")
except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError) as e:
    print("closed while sending", type(e).__name__)
EOF
)
check_contains "a slowloris request head is cut off by request_timeout" "$slow" "closed while sending"
check_eq "meanwhile a normal poll is answered" \
  "$(api -o /dev/null -w '%{http_code}' -d "$(poll_body gw-2 "$(new_token)" 0)" /v1/poll)" "200"
wait_for 20 sh -c "[ \$(grep -c closed '$work/stalled.out') -ge 2 ]"
check_eq "the silent and the half-open connections were closed by the server" "$(grep -c closed "$work/stalled.out")" "2"

# ---- keep-alive, metrics, status page, healthz -----------------------------
out=$(api -v -o /dev/null -o /dev/null "$(server_url)/healthz" "$(server_url)/healthz" 2>&1)
check_contains "two requests share one connection" "$out" "Re-using existing connection"
check_eq "healthz" "$(api /healthz)" "ok"
metrics=$(admin_api /metrics)
check_contains "metrics count polls by route and status" "$metrics" 'uun_http_requests_total{route="poll",status="200"}'
check_contains "metrics count 413s" "$metrics" 'uun_http_requests_total{route="poll",status="413"} 2'
check_contains "metrics count urgent polls" "$metrics" 'uun_polls_total{reason="urgent"} 1'
check_contains "metrics count TLS handshake failures" "$metrics" "uun_tls_handshake_failures_total"
check "at least the garbage and plain HTTP handshakes failed" \
  test "$(echo "$metrics" | sed -n 's/^uun_tls_handshake_failures_total //p')" -ge 2
check_contains "metrics show the registry size" "$metrics" "uun_registry_appliances 3"
check_contains "metrics show the log head" "$metrics" "uun_log_head_seq 4"
check_contains "metrics show open connections" "$metrics" "uun_open_connections "
page=$(admin_api /)
check_contains "the status page shows the head seq" "$page" "Log head seq: <b>4</b>"
check_contains "the status page lists recent entries" "$page" "<td>av-1</td>"

stop_server
check_eq "SIGTERM: uun-server exits 0" "$server_rc" "0"
check_contains "shutdown is logged" "$(cat "$work/server.log")" "uun-server stopped"
summary
