#!/usr/bin/env bash
# uun-updater's TLS and its behaviour towards a server in trouble, against
# the real uun-server (127.0.4.4; a second one with a certificate for
# another name on 127.0.4.5): the test CA and the right key pin (hash or
# file) work; another CA, the system store, a certificate for another name
# and a pin that does not match are refused with curl's reason, nothing
# installed and nothing reaching the server's registry. A dead server is
# logged and backed off (1s, 2s, 4s) until it is back; a busy one (503 over
# limits.max_connections) has its Retry-After honoured, capped at the poll
# interval.
set -u
. "$(dirname "$0")/updater_world.bash"

updater_world 127.0.4.4
printf 'av signatures, version 1\n' >"$work/av-1.db"
publish av "$work/av-1.db"
pin_of() {  # pin_of CERT: curl's sha256//<base64> of the certificate's public key
  echo "sha256//$(openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
}

# refused LABEL ID WANT-LOG: the --once run of ID failed, installed nothing, never polled.
refused() {
  local label=$1 id=$2 want=$3 gw
  gw=$(gw_dir "$id")
  run_once "$id"
  check_eq "$label: --once exits 1" "$once_rc" "1"
  check_contains "$label: the log says why" "$(cat "$gw/once.log")" "$want"
  check "$label: nothing installed" test ! -e "$gw/files/av.db"
  check_eq "$label: no state saved" "$(installed_seq "$id")" "none"
  check_eq "$label: the poll never reached the server's registry" \
    "$(sql "SELECT count(*) FROM appliances WHERE id = '$id'")" "0"
}

# ---- the test CA, and pins that match -------------------------------------------------
updater_config gw-ok 127.0.4.41
run_once gw-ok
check_eq "the test CA: seq 1 installs" "$once_rc $(installed_seq gw-ok)" "0 1"
check "  av.db is the published file" cmp -s "$work/av-1.db" "$(gw_dir gw-ok)/files/av.db"

updater_config gw-pin 127.0.4.42 "pinned_public_key: \"$(pin_of "$work/tls/uun-server.crt")\""
run_once gw-pin
check_eq "the right sha256// pin: seq 1 installs" "$once_rc $(installed_seq gw-pin)" "0 1"
openssl x509 -in "$work/tls/uun-server.crt" -pubkey -noout >"$work/server-pub.pem"
updater_config gw-pinfile 127.0.4.43 "pinned_public_key: $work/server-pub.pem"
run_once gw-pinfile
check_eq "the right pin as a key file: seq 1 installs" "$once_rc $(installed_seq gw-pinfile)" "0 1"

# ---- refused -------------------------------------------------------------------------
bash "$UUN_SRC/test/lib/make_ca.sh" "$work/other-ca" uun-server "IP:$server_ip" || exit 1
updater_config gw-ca 127.0.4.44 "ca_file: $work/other-ca/ca.pem"
refused "another CA" gw-ca "SSL certificate problem: unable to get local issuer certificate"

updater_config gw-sys 127.0.4.45 "ca_file:"
refused "the system store (no ca_file)" gw-sys "SSL certificate problem: unable to get local issuer certificate"

updater_config gw-pinbad 127.0.4.46 "pinned_public_key: \"$(pin_of "$work/other-ca/uun-server.crt")\""
refused "a pin of another key" gw-pinbad "SSL: public key does not match pinned public key"

# A certificate from the right CA, but for another name, on 127.0.4.5.
bash "$UUN_SRC/test/lib/make_ca.sh" "$work/tls" elsewhere.test "IP:127.0.4.9" || exit 1
other_port=$(free_port 127.0.4.5)
mkdir -p "$work/other-payloads"
cat >"$work/other.yaml" <<EOF
listen: ["127.0.4.5:$other_port"]
tls: {certificate: $work/tls/elsewhere.test.crt, key: $work/tls/elsewhere.test.key}
store: {sqlite: $work/other.db, payload_dir: $work/other-payloads}
log: {syslog: false}
admin: {listen: []}
EOF
"$SERVER" -f -c "$work/other.yaml" >"$work/other-server.log" 2>&1 &
helper_pids+=($!)
wait_for 15 sh -c "ss -ltnH 'sport = :$other_port' | grep -q ." || { echo "# the second server did not start"; exit 1; }
updater_config gw-name 127.0.4.47 "server: https://127.0.4.5:$other_port"
refused "a certificate for another name" gw-name \
  "SSL: no alternative certificate subject name matches target host name '127.0.4.5'"
check_eq "  and the other server registered nobody" \
  "$(sqlite3 "$work/other.db" "SELECT count(*) FROM appliances" 2>/dev/null || echo 0)" "0"

# ---- a dead server: logged, backed off, installed once it is back ----------------------
stop_server
check_eq "uun-server stopped" "$server_rc" "0"
gwd=$(gw_dir gw-dead)
updater_config gw-dead 127.0.4.48
run_once gw-dead
check_eq "dead server: --once exits 1" "$once_rc" "1"
check_contains "  the log says the connection failed" "$(cat "$gwd/once.log")" \
  "poll (periodic) failed: https://$server_ip:$port/v1/poll: Failed to connect to $server_ip port $port"
start_updater gw-dead
check "the daemon backs off: 1s after the first failure" \
  wait_for 10 grep -q "next attempt in 1s (failure 1 in a row)" "$gwd/daemon.log"
check "  2s after the second" wait_for 10 grep -q "next attempt in 2s (failure 2 in a row)" "$gwd/daemon.log"
check "  4s after the third" wait_for 10 grep -q "next attempt in 4s (failure 3 in a row)" "$gwd/daemon.log"
check "  nothing installed meanwhile" test ! -e "$gwd/files/av.db"
start_server "$work/server.yaml"
check "once the server is back, seq 1 installs" wait_for 20 grep -q "seq 1 (av/av-1.db, 25 bytes): installed as" "$gwd/daemon.log"
echo "# the daemon failed $(grep -c 'poll (periodic) failed' "$gwd/daemon.log") polls before the server was back"
check "  av.db is the published file" cmp -s "$work/av-1.db" "$gwd/files/av.db"
stop_updater
check_eq "  the daemon stops cleanly" "$updater_rc" "0"

# ---- a busy server: 503 with Retry-After -------------------------------------------------
stop_server
write_server_yaml "$work/busy.yaml" "limits: {max_connections: 2, retry_after: 4s, request_timeout: 30s}"
start_server "$work/busy.yaml"
python3 - "$server_ip" "$port" "$work/tls/ca.pem" >"$work/holder.out" 2>&1 <<'EOF' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[3])
held = [ctx.wrap_socket(socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("127.0.4.6%d" % i, 0)),
                        server_hostname=sys.argv[1]) for i in range(2)]
print("held", len(held), flush=True)
time.sleep(60)
EOF
holder=$!
helper_pids+=($holder)
wait_for 10 grep -q "held 2" "$work/holder.out" || { echo "# could not fill the server"; cat "$work/holder.out"; exit 1; }

gwc=$(gw_dir gw-cap)
updater_config gw-cap 127.0.4.49 "poll_interval: 2s"
run_once gw-cap
check_eq "busy server: --once exits 1" "$once_rc" "1"
check_contains "  the 503 and its Retry-After are logged" "$(cat "$gwc/once.log")" \
  "poll (periodic) failed: the server answered HTTP 503: the server is busy; try again later; Retry-After 4s"
check_contains "  Retry-After is capped at the poll interval (2s)" "$(cat "$gwc/once.log")" \
  "next attempt in 2s (failure 1 in a row)"

gwb=$(gw_dir gw-busy)
updater_config gw-busy 127.0.4.50
start_updater gw-busy
check "the daemon gets a 503" wait_for 10 grep -q "Retry-After 4s" "$gwb/daemon.log"
check_contains "  and waits the 4s Retry-After asks for, not its 1s backoff" "$(cat "$gwb/daemon.log")" \
  "next attempt in 4s (failure 1 in a row)"
sleep 2  # a daemon that ignored Retry-After would have asked again by now
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
check "once the server has room, seq 1 installs" \
  wait_for 20 grep -q "seq 1 (av/av-1.db, 25 bytes): installed as" "$gwb/daemon.log"
check_eq "  the server refused the daemon once and gw-cap once" \
  "$(metric 'uun_http_overload_total{limit="max_connections"}')" "2"
check_eq "  the daemon failed one poll" "$(grep -c 'poll (periodic) failed' "$gwb/daemon.log")" "1"
check "  av.db is the published file" cmp -s "$work/av-1.db" "$gwb/files/av.db"
stop_updater
check_eq "  the daemon stops cleanly" "$updater_rc" "0"

if [ "$UUN_FAILED" -gt 0 ]; then
  for f in "$work"/gw/*/updater.log "$work"/gw/*/daemon.log "$work/server.log"; do
    echo "# $f (last 20 lines):"
    tail -20 "$f" | sed 's/^/#   /'
  done
fi
summary
