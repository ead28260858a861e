#!/usr/bin/env bash
# Registry expiry (server 127.0.1.3): the running server's periodic sweep
# removes a row whose last_seen is older than registry.expire_after, and
# `uun-server --sweep` does the same once, printing how many rows went.
# Rows are made old by writing last_seen with sqlite3.
set -u
. "$(dirname "$0")/../lib/server_world.bash"

make_world 127.0.1.3
port=$(free_port 127.0.1.3)
client_ip=127.0.1.40
poll() { api -o /dev/null -w '%{http_code}' -d "$(poll_body "$1" "$(new_token)" 0)" /v1/poll; }
rows() { sql "SELECT group_concat(id, ' ') FROM (SELECT id FROM appliances ORDER BY id)"; }

# ---- the periodic sweep ----------------------------------------------------
write_config "$work/sweeping.yaml" "registry: {expire_after: 1m, sweep_interval: 1s}" "poll: {interval: 20s}"
start_server "$work/sweeping.yaml"
check_eq "gw-old polls" "$(poll gw-old)" "200"
check_eq "gw-new polls" "$(poll gw-new)" "200"
sql "UPDATE appliances SET last_seen = strftime('%s','now') - 120 WHERE id = 'gw-old'"
check "the periodic sweep removes the row not seen for 2 minutes" \
  wait_for 15 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' '$work/store.db' \"SELECT count(*) FROM appliances WHERE id = 'gw-old'\")\" = 0 ]"
check_eq "and keeps the fresh one" "$(rows)" "gw-new"
check_contains "the sweep is logged" "$(cat "$work/server.log")" "registry sweep: removed 1 appliance not seen for 1m"
check_eq "the released id can register again with a new token" "$(poll gw-old)" "200"
stop_server
check_eq "the server exits 0" "$server_rc" "0"

# ---- uun-server --sweep ----------------------------------------------------
write_config "$work/weekly.yaml" "registry: {expire_after: 7d}"
sql "UPDATE appliances SET last_seen = strftime('%s','now') - 8 * 86400 WHERE id = 'gw-old'"
sql "UPDATE appliances SET last_seen = strftime('%s','now') - 6 * 86400 WHERE id = 'gw-new'"
out=$("$SERVER" -c "$work/weekly.yaml" --sweep 2>&1)
check_eq "--sweep exits 0" "$?" "0"
check_contains "--sweep prints how many rows went" "$out" "registry sweep: removed 1 appliance not seen for 7d"
check_eq "the 8-day-old row is gone, the 6-day-old one stays" "$(rows)" "gw-new"
out=$("$SERVER" -c "$work/weekly.yaml" --sweep 2>&1)
check_contains "a second --sweep removes nothing" "$out" "registry sweep: removed 0 appliances"
check_eq "  and gw-new is still there" "$(rows)" "gw-new"

sed -i 's/expire_after: 7d/expire_after: soon/' "$work/weekly.yaml"
out=$("$SERVER" -c "$work/weekly.yaml" --sweep 2>&1)
check_eq "--sweep with a bad config exits 1" "$?" "1"
check_contains "  naming the file, line and key" "$out" "weekly.yaml:5: 'registry.expire_after'"
check_eq "  and touches nothing" "$(rows)" "gw-new"
out=$("$SERVER" --sweep --bogus 2>&1)
check_eq "an unknown option exits 2" "$?" "2"
check_contains "  naming it, with a pointer to --help" "$out" "unrecognised option '--bogus' (see --help)"

write_config "$work/jump-sweep.yaml" "registry: {expire_after: 7d}"
# ---- a clock jump: every row looks stale at once ---------------------------------
# The attack of issue 14: the clock jumps past expire_after and one sweep would
# empty the registry. Twelve rows all 8 days old look exactly like that.
for i in $(seq 1 11); do
  sql "CREATE TEMP TABLE copy AS SELECT * FROM appliances WHERE id = 'gw-new';
       UPDATE copy SET id = 'gw-jump-$i'; INSERT INTO appliances SELECT * FROM copy;"
done
check_eq "twelve rows" "$(sql "SELECT count(*) FROM appliances")" "12"
sql "UPDATE appliances SET last_seen = strftime('%s','now') - 8 * 86400"
out=$("$SERVER" -c "$work/jump-sweep.yaml" --sweep 2>&1)
check_eq "--sweep over registry.max_sweep_share exits 3" "$?" "3"
check_contains "  saying it held and why" "$out" \
  "registry sweep: held, nothing removed: 12 of 12 appliances were not seen for 7d"
check_contains "  and what to do" "$out" "has the clock jumped forward? If they really are gone: uun-server --sweep --force"
check_eq "  and every row is still there" "$(sql "SELECT count(*) FROM appliances")" "12"
write_config "$work/jumping.yaml" "registry: {expire_after: 7d, sweep_interval: 1s}"
start_server "$work/jumping.yaml"
check "the periodic sweep holds too, with a warning" \
  wait_for 15 grep -q "warning: registry sweep: held, nothing removed: 12 of 12" "$work/server.log"
check_eq "  and removes nothing" "$(sql "SELECT count(*) FROM appliances")" "12"
stop_server
out=$("$SERVER" -c "$work/jump-sweep.yaml" --sweep --force 2>&1)
check_eq "--sweep --force exits 0" "$?" "0"
check_contains "  and removes them" "$out" "registry sweep: removed 12 appliances not seen for 7d"
out=$("$SERVER" -c "$work/jump-sweep.yaml" --force 2>&1)
check_eq "--force without --sweep exits 2" "$?" "2"
check_contains "  saying so" "$out" "--force goes with --sweep only"

summary
