#!/usr/bin/env bash
# uun-updater through an HTTP proxy (tinyproxy from Debian, 127.0.4.9:
# listening on .9, connecting out from .92) to the real uun-server: polls,
# the payload and the report all go through the proxy's CONNECT tunnel
# with the credentials from proxy.credentials_file; the TLS inside it is
# verified as without a proxy; wrong credentials and a dead proxy are
# errors that say so; the credentials never sit in the URL or in a file
# others can read; without proxy.url the environment's https_proxy is
# not used.
set -u
. "$(dirname "$0")/updater_world.bash"
command -v tinyproxy >/dev/null || { echo "proxy: tinyproxy is missing (scripts/test installs it)"; exit 2; }

updater_world 127.0.4.9
PROXY_IP=127.0.4.9
PROXY_OUT=127.0.4.92
GW=127.0.4.91
proxy_port=$(free_port "$PROXY_IP")

cat >"$work/tinyproxy.conf" <<CONF
Port $proxy_port
Listen $PROXY_IP
Bind $PROXY_OUT
Timeout 30
LogFile "$work/tinyproxy.log"
LogLevel Connect
MaxClients 20
Allow 127.0.0.0/8
BasicAuth uun-gw s3cret-proxy
ConnectPort $port
PidFile "$work/tinyproxy.pid"
CONF
tinyproxy -d -c "$work/tinyproxy.conf" >"$work/tinyproxy.out" 2>&1 &
proxy_pid=$!
helper_pids+=("$proxy_pid")
wait_for 10 sh -c "ss -ltn | grep -q '$PROXY_IP:$proxy_port '" || { echo "# tinyproxy did not start:"; cat "$work/tinyproxy.out"; exit 1; }

printf 'uun-gw:s3cret-proxy\n' >"$work/proxy.credentials"
chmod 600 "$work/proxy.credentials"
gw=$(gw_dir gw-p)
proxy_line="proxy: {url: http://$PROXY_IP:$proxy_port, credentials_file: $work/proxy.credentials}"
updater_config gw-p "$GW" "$proxy_line"
connects() { awk -v want="CONNECT $server_ip:$port" 'index($0, want) { n++ } END { print n + 0 }' "$work/tinyproxy.log" 2>/dev/null; }

# ---- the whole exchange goes through the tunnel -------------------------------------------
printf 'av signatures through a proxy\n' >"$work/av-1.db"
publish av "$work/av-1.db"
before=$(connects)
run_once gw-p
check_eq "--once through the proxy exits 0" "$once_rc" "0"
check "  seq 1 is installed" cmp -s "$work/av-1.db" "$gw/files/av.db"
check "  the proxy carried its CONNECTs to uun-server" test "$(connects)" -gt "$before"
check_eq "  the server saw the proxy's address, not the appliance's" \
  "$(sql "SELECT address FROM appliances WHERE id = 'gw-p'")" "$PROXY_OUT"
check_eq "  and the report came through too" "$(report_of gw-p 1 | cut -d'|' -f1)" "installed"
check "  the credentials are not in the log" sh -c "! grep -q s3cret-proxy '$gw/once.log'"
check_eq "  --print-config shows the proxy URL" \
  "$("$UPDATER" -c "$gw/updater.yaml" --print-config proxy.url)" "http://$PROXY_IP:$proxy_port"

# ---- TLS is verified inside the tunnel ------------------------------------------------------
openssl req -x509 -newkey ed25519 -keyout "$work/other-ca.key" -out "$work/other-ca.pem" -days 1 -nodes \
  -subj "/CN=not uun's CA" 2>/dev/null
updater_config gw-p "$GW" "$proxy_line" "ca_file: $work/other-ca.pem"
run_once gw-p
check_eq "a server certificate from another CA is refused through the proxy too (exit 1)" "$once_rc" "1"
check_contains "  saying the certificate did not verify" "$(cat "$gw/once.log")" "certificate"

# ---- the proxy's answers ---------------------------------------------------------------------
printf 'uun-gw:wrong\n' >"$work/wrong.credentials"
chmod 600 "$work/wrong.credentials"
updater_config gw-p "$GW" "proxy: {url: http://$PROXY_IP:$proxy_port, credentials_file: $work/wrong.credentials}"
run_once gw-p
check_eq "wrong proxy credentials: exit 1" "$once_rc" "1"
# (tinyproxy answers a bad BasicAuth with 401 where squid says 407.)
check_contains "  the log names the proxy and its refusal" "$(cat "$gw/once.log")" \
  "(through proxy http://$PROXY_IP:$proxy_port): CONNECT tunnel failed, response 40"
updater_config gw-p "$GW" "proxy: {url: http://$PROXY_IP:$proxy_port}"
run_once gw-p
check_eq "no credentials for a proxy that wants them: exit 1" "$once_rc" "1"
dead_port=$(free_port "$PROXY_IP")
updater_config gw-p "$GW" "proxy: {url: http://$PROXY_IP:$dead_port, credentials_file: $work/proxy.credentials}"
run_once gw-p
check_eq "a proxy that is down: exit 1" "$once_rc" "1"
check_contains "  the log says which proxy" "$(cat "$gw/once.log")" "(through proxy http://$PROXY_IP:$dead_port)"

# ---- the credentials' own rules -----------------------------------------------------------------
updater_config gw-p "$GW" "proxy: {url: \"http://uun-gw:s3cret-proxy@$PROXY_IP:$proxy_port\"}"
out=$("$UPDATER" -f --once -c "$gw/updater.yaml" 2>&1); rc=$?
check_eq "credentials in proxy.url are refused (exit 2)" "$rc" "2"
check_contains "  naming the key and where they go" "$out" "'proxy.url'"
check_contains "  and where they belong" "$out" "put them in proxy.credentials_file"
chmod 644 "$work/proxy.credentials"
updater_config gw-p "$GW" "$proxy_line"
out=$("$UPDATER" -f --once -c "$gw/updater.yaml" 2>&1); rc=$?
check_eq "a credentials file others can read is refused (exit 2)" "$rc" "2"
check_contains "  saying why" "$out" "proxy.credentials_file: $work/proxy.credentials: readable or writable by group or others (mode 644)"
chmod 600 "$work/proxy.credentials"
updater_config gw-p "$GW" "proxy: {url: ftp://$PROXY_IP:$proxy_port}"
out=$("$UPDATER" -f --once -c "$gw/updater.yaml" 2>&1); rc=$?
check_eq "an ftp:// proxy is refused (exit 2)" "$rc" "2"
check_contains "  naming the key" "$out" "'proxy.url'"

# ---- without proxy.url the environment's proxy is not used -----------------------------------------
updater_config gw-p "$GW"
before=$(connects)
https_proxy=http://uun-gw:s3cret-proxy@$PROXY_IP:$proxy_port HTTPS_PROXY=http://uun-gw:s3cret-proxy@$PROXY_IP:$proxy_port \
  run_once gw-p
check_eq "no proxy.url, https_proxy set: --once exits 0" "$once_rc" "0"
check_eq "  and the proxy carried nothing" "$(connects)" "$before"
check_eq "  the server saw the appliance's own address" "$(sql "SELECT address FROM appliances WHERE id = 'gw-p'")" "$GW"

stop_server
summary
