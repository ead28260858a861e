# Sourced by test/integration/server_*.sh and test/updater/updater_world.bash
# (not a suite itself: scripts/test runs *.sh only): a temp dir with a test CA,
# a server certificate, a publisher key, a store seeded through uun-test-seed,
# and helpers to start, query and stop uun-server. Everything lives in $work
# and goes in the EXIT trap. Set WORLD_NAME (the temp dir's prefix) and
# client_ip (where api's curl comes from) before sourcing to change them.
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
. "$UUN_SRC/test/lib/testlib.sh"

SERVER=$UUN_BUILD/server/daemon/uun-server
SEED=$UUN_BUILD/test/tools/uun-test-seed

work=$(mktemp -d "/tmp/${WORLD_NAME:-uun-server-test}.XXXXXX")
server_pid=""
helper_pids=()

# KEEP_WORK=1 keeps $work (logs, store, certificates) for a look after a failure.
world_cleanup() {
  local pid
  for pid in "${helper_pids[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    wait_for 10 sh -c "! kill -0 $server_pid" || kill -KILL "$server_pid" 2>/dev/null
  fi
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap world_cleanup EXIT

# make_world SERVER_IP: CA + certificate for the IP and ::1, publisher key, payload dir.
make_world() {
  server_ip=$1
  bash "$UUN_SRC/test/lib/make_ca.sh" "$work/tls" uun-server "IP:$server_ip" "IP:::1" || exit 1
  openssl genpkey -algorithm ed25519 -out "$work/publisher.key" 2>/dev/null || exit 1
  openssl pkey -in "$work/publisher.key" -pubout -out "$work/publisher.pub" || exit 1
  mkdir -p "$work/payloads"
}

# free_port HOST: a port the kernel has just handed out on HOST.
free_port() {
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}

# write_config FILE [extra yaml lines...]: listens on $server_ip:$port (and [::1]:$port6 when set),
# the admin listener (/metrics, status page) on $server_ip:$admin_port unless a line sets admin:.
write_config() {
  local file=$1
  shift
  [ -n "${admin_port:-}" ] || admin_port=$(free_port "$server_ip")
  {
    echo "listen: [\"$server_ip:$port\"${port6:+, \"[::1]:$port6\"}]"
    echo "tls: {certificate: $work/tls/uun-server.crt, key: $work/tls/uun-server.key}"
    echo "store: {sqlite: $work/store.db, payload_dir: $work/payloads}"
    echo "log: {syslog: false, debug: true}"
    local line
    for line in "$@"; do echo "$line"; done
    # Last, so the lines above keep the numbers the tests' error messages name.
    case " $* " in *" admin:"*) ;; *) echo "admin: {listen: [\"$server_ip:$admin_port\"]}" ;; esac
  } >"$file"
}

# seed CHANNEL FILE [uun-test-seed options...]: appends a signed entry; prints "seq sha256 size".
seed() {
  local channel=$1 file=$2
  shift 2
  "$SEED" add --store "$work/store.db" --payloads "$work/payloads" --key "$work/publisher.key" \
    --channel "$channel" --file "$file" "$@"
}

server_url() { echo "https://$server_ip:$port"; }
admin_url() { echo "https://$server_ip:$admin_port"; }

# api [curl options...] PATH-OR-URL: curl against the server from $client_ip, verifying the test CA.
client_ip=${client_ip:-127.0.1.100}
api() {
  local args=("$@") last=$(($# - 1))
  case "${args[$last]}" in
    https://*) ;;
    *) args[$last]="$(server_url)${args[$last]}" ;;
  esac
  curl -sS --max-time 20 --cacert "$work/tls/ca.pem" --interface "$client_ip" "${args[@]}"
}

# admin_api [curl options...] PATH: api against the admin listener (/metrics, the status page).
admin_api() {
  local args=("$@") last=$(($# - 1))
  args[$last]="$(admin_url)${args[$last]}"
  api "${args[@]}"
}

healthy() { [ "$(api -o /dev/null -w '%{http_code}' /healthz 2>/dev/null)" = 200 ]; }

# start_server CONFIG: in the foreground (-f), its log in $work/server.log.
start_server() {
  "$SERVER" -f -c "$1" >>"$work/server.log" 2>&1 &
  server_pid=$!
  wait_for 15 healthy || { echo "uun-server did not start:"; cat "$work/server.log"; exit 1; }
}

# stop_server: SIGTERM, then waits; the exit status lands in $server_rc.
# (Not in $(...): a subshell cannot wait for the server.)
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null
  wait "$server_pid"
  server_rc=$?
  server_pid=""
}

new_token() { head -c 32 /dev/urandom | basenc --base64url | tr -d '='; }

# poll_body ID TOKEN LAST_SEQ [CHANNELS-JSON] [PRODUCT] [VERSION] [REASON]
poll_body() {
  printf '{"id":"%s","token":"%s","product":"%s","version":"%s","channels":%s,"notify":{"recipient":"uun@%s.example.net","port":2525},"last_seq":%s,"reason":"%s"}' \
    "$1" "$2" "${5:-mg-5000}" "${6:-3.2.1}" "${4:-[\"av\",\"sys\"]}" "$1" "$3" "${7:-periodic}"
}

# json_get FILE EXPR: a value from a JSON file by a Python expression over j.
json_get() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(v if isinstance(v,str) else json.dumps(v))' "$1" "$2"
}

sql() { sqlite3 -cmd ".timeout 5000" "$work/store.db" "$1"; }
