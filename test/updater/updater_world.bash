# Sourced by test/updater/*.sh (not a suite itself): the server world of
# test/lib/server_world.bash (CA, certificate, publisher key, store, uun-server
# on 127.0.4.x), entries published by the real uun-publish, and helpers to
# configure, run (--once or as a daemon in the foreground) and stop
# uun-updater appliances, each in $work/gw/<id>. All of it goes in the EXIT trap.
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
WORLD_NAME=uun-updater-test
client_ip=127.0.4.250
. "$UUN_SRC/test/lib/server_world.bash"

UPDATER=$UUN_BUILD/milter/updater/uun-updater
PUBLISH=$UUN_BUILD/server/publish/uun-publish

# updater_world SERVER_IP [server.yaml lines...]: CA, keys, $work/server.yaml
# (read by uun-server and uun-publish), the hook; uun-server is started.
updater_world() {
  make_world "$1" || exit 1
  shift
  port=$(free_port "$server_ip")
  write_server_yaml "$work/server.yaml" "$@"
  write_hook
  start_server "$work/server.yaml"
}

# write_server_yaml FILE [extra lines...]: the daemon's config plus what
# uun-publish needs. The mta section must be there, but it names programs
# that do not exist: a publish that is not --urgent must not need an MTA.
write_server_yaml() {
  local file=$1
  shift
  write_config "$file" \
    "publish: {key: $work/publisher.key, channels: [av, sys], from: \"uun@vendor.test\", sender_domain: vendor.test}" \
    "mta: {submit: sendmail, sendmail: [$work/no-mta/sendmail], relay_map: $work/no-mta/relay, postmap: [$work/no-mta/postmap]}" \
    "$@"
}

# publish CHANNEL FILE [uun-publish options...]: sets $published_seq; the output goes to $work/publish.out.
publish() {
  local channel=$1 file=$2
  shift 2
  published_seq=""
  "$PUBLISH" -c "$work/server.yaml" --channel "$channel" "$@" "$file" >"$work/publish.out" 2>&1 ||
    { echo "# uun-publish failed:"; sed 's/^/#   /' "$work/publish.out"; return 1; }
  published_seq=$(sed -n 's/^published seq \([0-9]*\) .*/\1/p' "$work/publish.out")
}

# random_file PATH BYTES
random_file() {
  head -c "$2" /dev/urandom >"$1"
}

# The channels' hook: $work/hook.sh GW-DIR. Appends one line per run to
# GW-DIR/hook.log (its environment, the sha256 of $UUN_FILE, which triggers
# were still in the spool); exits 1 when GW-DIR/hook-fail exists; when
# GW-DIR/hook-hang exists it writes its pid to GW-DIR/hook.pid and sleeps.
write_hook() {
  cat >"$work/hook.sh" <<'EOF'
#!/bin/sh
gw=$1
printf 'seq=%s file=%s channel=%s sha256=%s argc=%s spool=%s\n' "$UUN_SEQ" "$UUN_FILE" "$UUN_CHANNEL" \
  "$(sha256sum <"$UUN_FILE" | cut -d' ' -f1)" "$#" "$(ls "$gw/spool" | tr '\n' ' ')" >>"$gw/hook.log"
if [ -e "$gw/hook-hang" ]; then
  rm -f "$gw/hook-hang"
  echo $$ >"$gw/hook.pid"
  exec sleep 60
fi
if [ -e "$gw/hook-fail" ]; then
  echo "reload refused: bad database"
  exit 1
fi
exit 0
EOF
  chmod 755 "$work/hook.sh"
}

# updater_config ID IP [top-level yaml lines...]: writes $work/gw/ID/updater.yaml
# for appliance ID polling from IP. Each line is one top-level key in flow
# style and replaces the default of that key; "key:" with no value drops it.
updater_config() {
  local id=$1 ip=$2 gw=$work/gw/$1 line key
  shift 2
  mkdir -p "$gw/files" "$gw/spool"
  local -A v=(
    [server]=$(server_url)
    [ca_file]=$work/tls/ca.pem
    [source_address]=$ip
    [appliance]="{id: $id, product: mg-5000, version: 3.2.1}"
    [notify]="{recipient: uun@$id.example.net, port: 2525}"
    [trusted_keys]="[$work/publisher.pub]"
    [state_dir]=$gw/state
    [spool_dir]=$gw/spool
    [poll_interval]=1h
    [jitter]=0
    [backoff_min]=1s
    [coalesce_window]=2s
    [timeouts]="{connect: 5s, request: 20s, download: 120s}"
    [channels]="{av: {file: $gw/files/av.db, hook: [$work/hook.sh, $gw], hook_timeout: 20s}, sys: {file: $gw/files/sys.tar}}"
  )
  local order=(server ca_file source_address appliance notify trusted_keys state_dir spool_dir poll_interval jitter
    backoff_min coalesce_window timeouts channels)
  for line in "$@"; do
    key=${line%%:*}
    [ -n "${v[$key]+set}" ] || order+=("$key")
    v[$key]=$(sed -E 's/^[^:]*: ?//' <<<"$line")
  done
  for key in "${order[@]}"; do
    [ -n "${v[$key]}" ] && echo "$key: ${v[$key]}"
  done >"$gw/updater.yaml"
}

gw_dir() { echo "$work/gw/$1"; }

# run_once ID: uun-updater -f --once; its exit status in $once_rc, its log
# in $work/gw/ID/once.log (and appended to updater.log).
run_once() {
  local gw=$work/gw/$1
  "$UPDATER" -f --once -c "$gw/updater.yaml" >"$gw/once.log" 2>&1
  once_rc=$?
  cat "$gw/once.log" >>"$gw/updater.log"
}

# start_updater ID: the daemon in the foreground (-f), logging to
# $work/gw/ID/daemon.log; its pid in $updater_pid. Waits until it runs.
start_updater() {
  local gw=$work/gw/$1
  "$UPDATER" -f -c "$gw/updater.yaml" >>"$gw/daemon.log" 2>&1 &
  updater_pid=$!
  helper_pids+=("$updater_pid")
  wait_for 15 grep -q "running; next poll in" "$gw/daemon.log" ||
    { echo "# uun-updater did not start:"; sed 's/^/#   /' "$gw/daemon.log"; exit 1; }
}

# stop_updater: SIGTERM, then waits; the exit status in $updater_rc.
stop_updater() {
  kill -TERM "$updater_pid" 2>/dev/null
  wait "$updater_pid"
  updater_rc=$?
  updater_pid=""
}

# drop_trigger ID SEQ: a trigger file as uun-milter writes it (temp + rename); prints its name.
drop_trigger() {
  local spool=$work/gw/$1/spool name
  name="uun-$2-$(head -c 16 /dev/urandom | basenc --base64url | tr -d '=')"
  printf 'seq=%s\n' "$2" >"$spool/.tmp-$name"
  mv "$spool/.tmp-$name" "$spool/$name"
  echo "$name"
}

# installed_seq ID: last_seq from the updater's state file.
installed_seq() {
  json_get "$work/gw/$1/state/state.json" "j['last_seq']" 2>/dev/null || echo none
}

# report_of ID SEQ: "status|detail" of the report the server holds.
report_of() {
  sql "SELECT status || '|' || detail FROM reports WHERE appliance_id = '$1' AND seq = $2"
}

# metric SAMPLE: the value of one sample of the server's /metrics, e.g. 'uun_polls_total{reason="urgent"}'.
metric() {
  admin_api /metrics | awk -v want="$1" '$1 == want { print $2 }'
}

sha_of() { sha256sum <"$1" | cut -d' ' -f1; }
