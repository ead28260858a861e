#!/usr/bin/env bash
# uun-updater --once against the real uun-server over TLS (127.0.4.1), with
# entries published by the real uun-publish (no MTA: nothing is urgent):
# entries install in seq order (content, state, the server's report, the
# hook's environment, the previous file kept); a failing hook puts the
# previous file back, reports failed and keeps the entry, which the next run
# installs once the hook works; kill -9 during a slow download
# (through a throttling relay) leaves nothing at the target path and the
# next run resumes with Range; kill -9 during the hook is repaired at the
# next start.
set -u
. "$(dirname "$0")/updater_world.bash"

updater_world 127.0.4.1
GW=127.0.4.11
gw=$(gw_dir gw-1)
updater_config gw-1 "$GW"

# ---- first install: two channels, one poll -----------------------------------
printf 'av signatures, version 1\n' >"$work/av-1.db"
printf 'sys rules, version 1\n' >"$work/sys-1.tar"
publish av "$work/av-1.db"
check_eq "uun-publish without --urgent works with no MTA: seq 1" "$published_seq" "1"
check_contains "  and does not notify anybody" "$(cat "$work/publish.out")" "published seq 1 (av-1) channel av"
publish sys "$work/sys-1.tar"
check_eq "seq 2 published on channel sys" "$published_seq" "2"

run_once gw-1
check_eq "--once exits 0" "$once_rc" "0"
check "av.db is the published file" cmp -s "$work/av-1.db" "$gw/files/av.db"
check "sys.tar is the published file" cmp -s "$work/sys-1.tar" "$gw/files/sys.tar"
check_eq "av.db is 0644 (new file)" "$(stat -c %a "$gw/files/av.db")" "644"
check_eq "state.json: last_seq 2" "$(installed_seq gw-1)" "2"
check_contains "the log says it installed seq 1" "$(cat "$gw/once.log")" "seq 1 (av/av-1.db, 25 bytes): installed as $gw/files/av.db"
check_contains "the log sums up" "$(cat "$gw/once.log")" "done: 2 installed, 0 not for this appliance, 0 problem(s)"
check_eq "the server holds the report for seq 1" "$(report_of gw-1 1)" "installed|"
check_eq "the server holds the report for seq 2" "$(report_of gw-1 2)" "installed|"
status=$("$PUBLISH" -c "$work/server.yaml" --status 1)
check_contains "uun-publish --status counts the install" "$status" "1 appliances: 0 notified, 0 hand-offs failed, 0 fetched, 1 installed"
check "uun-publish --status lists gw-1 as installed from its address" \
  grep -Eq "^gw-1 +$GW +- +- +- +installed" <<<"$status"
check_eq "the registry holds gw-1 at its source address" \
  "$(sql "SELECT address || ' ' || last_reason || ' ' || notify_recipient || ' ' || notify_port FROM appliances WHERE id = 'gw-1'")" \
  "$GW periodic uun@gw-1.example.net 2525"
check_eq "the hook ran once (av only: sys has none)" "$(wc -l <"$gw/hook.log")" "1"
check_contains "the hook got UUN_SEQ, UUN_FILE, UUN_CHANNEL, its argument" "$(cat "$gw/hook.log")" \
  "seq=1 file=$gw/files/av.db channel=av sha256=$(sha_of "$work/av-1.db") argc=1"
check_eq "the partial directory is empty" "$(ls -A "$gw/state/partial")" ""

run_once gw-1
check_eq "a second run with nothing new exits 0" "$once_rc" "0"
check_contains "  and asks after seq 2" "$(cat "$gw/once.log")" "poll (periodic, last_seq 2): 0 entries"
check_eq "  and runs no hook" "$(wc -l <"$gw/hook.log")" "1"

# ---- an update: the previous file is kept -------------------------------------
printf 'av signatures, version 2 (longer)\n' >"$work/av-2.db"
chmod 640 "$gw/files/av.db"
publish av "$work/av-2.db"
run_once gw-1
check_eq "seq 3: --once exits 0" "$once_rc" "0"
check "seq 3: av.db is version 2" cmp -s "$work/av-2.db" "$gw/files/av.db"
check "seq 3: av.db.uun-prev is version 1" cmp -s "$work/av-1.db" "$gw/files/av.db.uun-prev"
check_eq "seq 3: the new file keeps the old one's mode" "$(stat -c %a "$gw/files/av.db")" "640"
check_eq "seq 3: last_seq 3" "$(installed_seq gw-1)" "3"
check_eq "seq 3: reported installed" "$(report_of gw-1 3)" "installed|"

# ---- a failing hook -----------------------------------------------------------
printf 'av signatures, version 3 (the hook refuses it)\n' >"$work/av-3.db"
publish av "$work/av-3.db"
touch "$gw/hook-fail"
run_once gw-1
rm -f "$gw/hook-fail"
check_eq "failing hook: --once exits 1" "$once_rc" "1"
check_contains "failing hook: the hook saw the new file in place" "$(tail -1 "$gw/hook.log")" \
  "seq=4 file=$gw/files/av.db channel=av sha256=$(sha_of "$work/av-3.db")"
check "failing hook: av.db is version 2 again" cmp -s "$work/av-2.db" "$gw/files/av.db"
check_eq "failing hook: the restored file keeps its mode" "$(stat -c %a "$gw/files/av.db")" "640"
check_contains "failing hook: logged with the hook's output" "$(cat "$gw/once.log")" \
  "seq 4 (av/av-3.db, 47 bytes): hook $work/hook.sh exited 1: reload refused: bad database; the previous file is back in place; attempt 1 of 5, trying again after a backoff"
check_eq "failing hook: reported failed with the reason and the attempt" "$(report_of gw-1 4)" \
  "failed|hook $work/hook.sh exited 1: reload refused: bad database (attempt 1 of 5, trying again after a backoff)"
check_contains "failing hook: uun-publish --status shows it" "$("$PUBLISH" -c "$work/server.yaml" --status 4)" \
  "1 failed to install"
check_eq "failing hook: the entry is not given up (last_seq stays 3)" "$(installed_seq gw-1)" "3"
check "failing hook: no temp file left beside av.db" sh -c "! ls -A '$gw/files' | grep -q uun-new"

# ---- the hook works again: the update is installed after all ----------------------
run_once gw-1
check_eq "hook works again: --once exits 0" "$once_rc" "0"
check "hook works again: av.db is version 3" cmp -s "$work/av-3.db" "$gw/files/av.db"
check "hook works again: av.db.uun-prev is version 2" cmp -s "$work/av-2.db" "$gw/files/av.db.uun-prev"
check_eq "hook works again: last_seq 4" "$(installed_seq gw-1)" "4"
check_eq "hook works again: reported installed" "$(report_of gw-1 4)" "installed|"

# ---- kill -9 during a download, then a resumed download -------------------------
# A 3 MiB payload through a relay that passes 256 KiB/s towards the updater.
random_file "$work/av-4.db" $((3 << 20))
publish av "$work/av-4.db"
big_sha=$(sha_of "$work/av-4.db")
relay_port=$(free_port "$server_ip")
python3 "$UUN_SRC/test/updater/slow_relay.py" "$server_ip" "$relay_port" "$server_ip" "$port" $((256 << 10)) \
  >"$work/relay.out" 2>&1 &
helper_pids+=($!)
wait_for 10 grep -q listening "$work/relay.out" || { echo "# the relay did not start"; exit 1; }
updater_config gw-1 "$GW" "server: https://$server_ip:$relay_port"
partial=$gw/state/partial/$big_sha
partial_grew() { [ "$(stat -c %s "$partial" 2>/dev/null || echo 0)" -ge $((256 << 10)) ]; }
"$UPDATER" -f --once -c "$gw/updater.yaml" >"$gw/killed.log" 2>&1 &
victim=$!
check "the download through the relay is under way (partial file over 256 KiB)" wait_for 30 partial_grew
kill -KILL "$victim"
wait "$victim" 2>/dev/null
have=$(stat -c %s "$partial" 2>/dev/null || echo 0)
echo "# killed with $have of $((3 << 20)) bytes downloaded"
check "kill -9: the partial file stays, short of the whole" test "$have" -gt 0 -a "$have" -lt $((3 << 20))
check "kill -9: av.db is still version 3" cmp -s "$work/av-3.db" "$gw/files/av.db"
check "kill -9: nothing else at the target path (no temp file)" sh -c "! ls -A '$gw/files' | grep -q uun-new"
check_eq "kill -9: last_seq stays 4" "$(installed_seq gw-1)" "4"
check_eq "kill -9: no report for seq 5" "$(report_of gw-1 5)" ""

updater_config gw-1 "$GW"
before_206=$(metric 'uun_http_requests_total{route="payload",status="206"}')
run_once gw-1
check_eq "the next run exits 0" "$once_rc" "0"
check_contains "  resuming where the partial file ends" "$(cat "$gw/once.log")" \
  "seq 5: resuming the download at byte $have of $((3 << 20))"
check_eq "  with one Range request (206) on the server" \
  "$(metric 'uun_http_requests_total{route="payload",status="206"}')" "$((${before_206:-0} + 1))"
check "  av.db is the 3 MiB payload" cmp -s "$work/av-4.db" "$gw/files/av.db"
check_eq "  last_seq 5" "$(installed_seq gw-1)" "5"
check_eq "  reported installed" "$(report_of gw-1 5)" "installed|"
check_eq "  the partial file is gone" "$(ls -A "$gw/state/partial")" ""

# ---- kill -9 while the hook runs ---------------------------------------------------
printf 'av signatures, version 6\n' >"$work/av-6.db"
publish av "$work/av-6.db"
touch "$gw/hook-hang"
"$UPDATER" -f --once -c "$gw/updater.yaml" >"$gw/killed2.log" 2>&1 &
victim=$!
check "the hook of seq 6 is running" wait_for 20 test -s "$gw/hook.pid"
hook_pid=$(cat "$gw/hook.pid")
helper_pids+=("$hook_pid")
check "  with the new file in place" cmp -s "$work/av-6.db" "$gw/files/av.db"
check_eq "  and the install journal in state.json" "$(json_get "$gw/state/state.json" "j['pending']['seq']")" "6"
kill -KILL "$victim"
wait "$victim" 2>/dev/null
kill "$hook_pid" 2>/dev/null
run_once gw-1
check_eq "after kill -9 during the hook, the next run exits 0" "$once_rc" "0"
check_contains "  it puts the previous file back first" "$(cat "$gw/once.log")" \
  "the install of seq 6 into $gw/files/av.db did not finish (the updater stopped during it); putting the previous file back"
check_contains "  then installs seq 6 again" "$(cat "$gw/once.log")" "seq 6 (av/av-6.db, 25 bytes): installed as"
check_eq "  the hook ran twice for seq 6" "$(grep -c '^seq=6 ' "$gw/hook.log")" "2"
check "  av.db is version 6" cmp -s "$work/av-6.db" "$gw/files/av.db"
check "  av.db.uun-prev is the 3 MiB payload" cmp -s "$work/av-4.db" "$gw/files/av.db.uun-prev"
check_eq "  last_seq 6" "$(installed_seq gw-1)" "6"
check_eq "  reported installed" "$(report_of gw-1 6)" "installed|"

if [ "$UUN_FAILED" -gt 0 ]; then
  for f in "$gw"/*.log "$work/server.log"; do
    echo "# $f (last 30 lines):"
    tail -30 "$f" | sed 's/^/#   /'
  done
fi
summary
