#!/usr/bin/env bash
# uun-updater's reload (SIGHUP, what `systemctl reload` sends) against the
# real uun-server (127.0.4.8): updater.yaml is read again between polls and
# the next poll uses it; a trigger that lands around the reload is still
# handled; a new config that does not load is logged and the running one
# kept; state_dir and spool_dir wait for a restart, with a warning; a burst
# of SIGHUPs leaves it running, and SIGTERM still stops it.
set -u
. "$(dirname "$0")/updater_world.bash"

updater_world 127.0.4.8
GW=127.0.4.81
gw=$(gw_dir gw-r)
updater_config gw-r "$GW"
dlog=$gw/daemon.log
config=$gw/updater.yaml
done_line() { grep -q "trigger $1 done (seq $2, handled)" "$dlog"; }
# hup: one SIGHUP; waits until the log has one more reload outcome (taken or refused).
hup() {
  local before
  before=$(grep -cE "reloaded; next poll in|; the running config stays" "$dlog")
  kill -HUP "$updater_pid"
  wait_for 15 sh -c "[ \$(grep -cE 'reloaded; next poll in|; the running config stays' '$dlog') -gt $before ]"
}

start_updater gw-r
printf 'av signatures, version 1\n' >"$work/av-1.db"
publish av "$work/av-1.db"
t1=$(drop_trigger gw-r 1)
check "before any reload a trigger installs seq 1" wait_for 20 done_line "$t1" 1
check "  into the configured file" cmp -s "$work/av-1.db" "$gw/files/av.db"

# ---- the new config is used from the next poll on ------------------------------------
sed -i "s|file: $gw/files/av.db|file: $gw/files/av-next.db|" "$config"
check "SIGHUP reloads updater.yaml" hup
check_contains "  and says what it read" "$(cat "$dlog")" "reload: read $config (appliance gw-r, server $(server_url))"
check "  the daemon still runs" kill -0 "$updater_pid"
printf 'av signatures, version 2\n' >"$work/av-2.db"
publish av "$work/av-2.db"
t2=$(drop_trigger gw-r 2)
check "the next trigger installs seq 2" wait_for 20 done_line "$t2" 2
check "  into the file the reloaded config names" cmp -s "$work/av-2.db" "$gw/files/av-next.db"
check "  and not into the old one" cmp -s "$work/av-1.db" "$gw/files/av.db"

# ---- a trigger that lands as the reload comes is not lost ---------------------------
printf 'av signatures, version 3\n' >"$work/av-3.db"
publish av "$work/av-3.db"
t3=$(drop_trigger gw-r 3)
kill -HUP "$updater_pid"
check "a trigger dropped just before a SIGHUP is still handled" wait_for 20 done_line "$t3" 3
check "  seq 3 is installed" cmp -s "$work/av-3.db" "$gw/files/av-next.db"
check "  and the trigger is gone" sh -c "! ls -A '$gw/spool' | grep -q ."

# ---- a bad new config is logged, the running one stays ---------------------------------
cp "$config" "$work/good.yaml"
echo "no_such_key: 1" >>"$config"
check "SIGHUP with a broken updater.yaml" hup
check_contains "  logs the file, line and key" "$(cat "$dlog")" "reload: $config:"
check_contains "  says the running config stays" "$(cat "$dlog")" "unknown key 'no_such_key'"
check "  the daemon still runs" kill -0 "$updater_pid"
printf 'av signatures, version 4\n' >"$work/av-4.db"
publish av "$work/av-4.db"
t4=$(drop_trigger gw-r 4)
check "  and still handles a trigger with the config it had" wait_for 20 done_line "$t4" 4
check "  (seq 4 where the running config says)" cmp -s "$work/av-4.db" "$gw/files/av-next.db"
cp "$work/good.yaml" "$config"
sed -i "s|^server: .*|server: http://$server_ip:$port|" "$config"
check "SIGHUP with a plain-http server URL" hup
check_contains "  is refused" "$(cat "$dlog")" "'server'"
check "  the daemon still runs" kill -0 "$updater_pid"

# ---- keys only a restart applies ---------------------------------------------------------
cp "$work/good.yaml" "$config"
mkdir -p "$gw/state-2"
sed -i "s|^state_dir: .*|state_dir: $gw/state-2|" "$config"
check "SIGHUP with another state_dir" hup
check_contains "  warns that it takes effect at the next restart" "$(cat "$dlog")" \
  "reload: state_dir changed in $config; it takes effect at the next restart"
check "  the running state stays where it was" test -s "$gw/state/state.json"

# ---- a burst of SIGHUPs ---------------------------------------------------------------------
cp "$work/good.yaml" "$config"
for i in $(seq 1 30); do kill -HUP "$updater_pid"; done
sleep 2
check "30 SIGHUPs in a row: the daemon still runs" kill -0 "$updater_pid"
printf 'av signatures, version 5\n' >"$work/av-5.db"
publish av "$work/av-5.db"
t5=$(drop_trigger gw-r 5)
check "  and handles the next trigger" wait_for 20 done_line "$t5" 5

stop_updater
check_eq "SIGTERM still stops it with exit 0" "$updater_rc" "0"
check "no sanitizer report" sh -c "! grep -qE 'Sanitizer|runtime error' '$dlog'"
stop_server
summary
