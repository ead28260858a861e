#!/usr/bin/env bash
# The trigger path, uun-updater against the real uun-server (127.0.4.3):
# trigger files in the spool (uun-<seq>-<nonce>, written as uun-milter
# writes them) make an urgent poll, which the server records; one waiting at
# start is acted on (--once and the daemon); several within the coalescing
# window make one poll; a trigger is removed only after its update is
# installed, stays while the download fails, and goes once a poll shows it
# is not for this appliance; a badly named file is ignored. The daemon runs
# in the foreground (-f) with a 1h poll interval, so every poll here is one
# a trigger caused.
set -u
. "$(dirname "$0")/updater_world.bash"

updater_world 127.0.4.3
GW=127.0.4.31
gw=$(gw_dir gw-t)
updater_config gw-t "$GW" "coalesce_window: 2s"
dlog=$gw/daemon.log
urgent_polls() { metric 'uun_polls_total{reason="urgent"}'; }
all_polls() { echo $(($(metric 'uun_polls_total{reason="periodic"}') + $(urgent_polls))); }
spool_has() { [ -e "$gw/spool/$1" ]; }
spool_list() { ls -A "$gw/spool" | tr '\n' ' '; }
line_of() { grep -n -m1 -F "$2" "$1" | cut -d: -f1; }

# ---- --once with a trigger waiting ---------------------------------------------------
printf 'av signatures, version 1\n' >"$work/av-1.db"
publish av "$work/av-1.db"
t1=$(drop_trigger gw-t 1)
run_once gw-t
check_eq "--once with a trigger waiting exits 0" "$once_rc" "0"
check_contains "  and polls with reason urgent" "$(cat "$gw/once.log")" "poll (urgent, last_seq 0): 1 entries"
check_eq "  which the server counts as urgent" "$(urgent_polls)" "1"
check_eq "  and records in the registry" "$(sql "SELECT last_reason FROM appliances WHERE id = 'gw-t'")" "urgent"
check "  seq 1 is installed" cmp -s "$work/av-1.db" "$gw/files/av.db"
check_contains "  the trigger was still there while the hook ran" "$(tail -1 "$gw/hook.log")" "spool=$t1 "
check "  and is gone afterwards" sh -c "! test -e '$gw/spool/$t1'"

# ---- a trigger that arrived while the daemon was down -----------------------------------
printf 'av signatures, version 2\n' >"$work/av-2.db"
publish av "$work/av-2.db"
t2=$(drop_trigger gw-t 2)
start_updater gw-t
check_contains "the daemon finds the waiting trigger at start" "$(cat "$dlog")" \
  "1 trigger(s) waiting in $gw/spool from before the start"
check "  polls and installs seq 2" wait_for 20 grep -q "trigger $t2 done (seq 2, handled)" "$dlog"
check_contains "  with reason urgent" "$(cat "$dlog")" "poll (urgent, last_seq 1): 1 entries"
check "  av.db is version 2" cmp -s "$work/av-2.db" "$gw/files/av.db"
check_contains "  the trigger was there while the hook ran" "$(tail -1 "$gw/hook.log")" "seq=2 "
check_contains "  (hook's view of the spool)" "$(tail -1 "$gw/hook.log")" "spool=$t2 "
check "  the trigger is gone" sh -c "! test -e '$gw/spool/$t2'"
check_eq "  the server counted a second urgent poll" "$(urgent_polls)" "2"
check_eq "  reported installed" "$(report_of gw-t 2)" "installed|"

# ---- a trigger while the daemon runs ---------------------------------------------------
printf 'av signatures, version 3\n' >"$work/av-3.db"
publish av "$work/av-3.db"
polls_before=$(all_polls)
t3=$(drop_trigger gw-t 3)
check "a trigger dropped while it runs is noticed" wait_for 10 grep -q "trigger $t3 (seq 3) arrived" "$dlog"
check "  seq 3 is installed" wait_for 20 grep -q "trigger $t3 done (seq 3, handled)" "$dlog"
check "  av.db is version 3" cmp -s "$work/av-3.db" "$gw/files/av.db"
check_contains "  the trigger was there while the hook ran" "$(tail -1 "$gw/hook.log")" "spool=$t3 "
installed_at=$(line_of "$dlog" "seq 3 (av/av-3.db, 25 bytes): installed as")
removed_at=$(line_of "$dlog" "trigger $t3 done")
check "  the trigger was removed after the install (log lines $installed_at, $removed_at)" \
  test "${installed_at:-0}" -gt 0 -a "${removed_at:-0}" -gt "${installed_at:-0}"
check_eq "  one poll, urgent" "$(all_polls) $(urgent_polls)" "$((polls_before + 1)) 3"

# ---- several triggers within the coalescing window ------------------------------------
printf 'av signatures, version 4\n' >"$work/av-4.db"
publish av "$work/av-4.db"
polls_before=$(all_polls)
hooks_before=$(wc -l <"$gw/hook.log")
t4a=$(drop_trigger gw-t 4)
t4b=$(drop_trigger gw-t 4)
t4c=$(drop_trigger gw-t 4)
check "three triggers: seq 4 is installed" wait_for 20 grep -q "seq 4 (av/av-4.db, 25 bytes): installed as" "$dlog"
check "  all three are removed" wait_for 10 sh -c "! ls '$gw/spool' | grep -q ."
check_eq "  the hook saw all three while it ran" "$(tail -1 "$gw/hook.log" | grep -o 'uun-4-' | wc -l)" "3"
# A file that is not a trigger, dropped now, must not cause a poll either.
printf 'junk\n' >"$gw/spool/uun-5-tooshort"
check "  a badly named file is logged and ignored" \
  wait_for 10 grep -q "ignoring 'uun-5-tooshort': not a trigger name" "$dlog"
sleep 3  # past the coalescing window: any second poll would have happened by now
check_eq "  they made one poll" "$(all_polls)" "$((polls_before + 1))"
check_eq "  the hook ran once" "$(wc -l <"$gw/hook.log")" "$((hooks_before + 1))"
check "  the badly named file is left alone" test -e "$gw/spool/uun-5-tooshort"
rm -f "$gw/spool/uun-5-tooshort"

# ---- a trigger whose update cannot be fetched yet stays --------------------------------
printf 'av signatures, version 5\n' >"$work/av-5.db"
publish av "$work/av-5.db"
sha5=$(sha_of "$work/av-5.db")
mv "$work/payloads/$sha5" "$work/av-5.saved"
t5=$(drop_trigger gw-t 5)
check "the download of seq 5 fails (payload missing on the server)" \
  wait_for 20 grep -q "seq 5 (av/av-5.db, 25 bytes): download failed, trying later" "$dlog"
check_contains "  the daemon backs off" "$(cat "$dlog")" "next attempt in 1s (failure 1 in a row)"
check "  the trigger stays in the spool" spool_has "$t5"
check "av.db is still version 4" cmp -s "$work/av-4.db" "$gw/files/av.db"
check "  it tries again, backing off further" wait_for 10 grep -q "next attempt in 2s (failure 2 in a row)" "$dlog"
check "  the trigger is still there" spool_has "$t5"
mv "$work/av-5.saved" "$work/payloads/$sha5"
check "once the payload is back, seq 5 installs" wait_for 20 grep -q "trigger $t5 done (seq 5, handled)" "$dlog"
check "  av.db is version 5" cmp -s "$work/av-5.db" "$gw/files/av.db"
check_contains "  the retries were urgent polls too" "$(grep 'poll (' "$dlog" | tail -1)" "poll (urgent, last_seq 4)"

# ---- a trigger for a seq the server does not offer this appliance ---------------------
printf 'sys rules for another product\n' >"$work/sys-x.tar"
publish sys "$work/sys-x.tar" --target product=mg-9000
t6=$(drop_trigger gw-t "$published_seq")
check "a trigger for an entry not for this appliance makes a poll and goes" \
  wait_for 20 grep -q "trigger $t6 done (seq $published_seq, not for this appliance)" "$dlog"
check "  nothing was written to sys.tar" test ! -e "$gw/files/sys.tar"
check_eq "  and last_seq stays 5 (the server did not offer seq $published_seq)" "$(installed_seq gw-t)" "5"

stop_updater
check_eq "SIGTERM: the daemon exits 0" "$updater_rc" "0"
check_contains "  saying why" "$(tail -1 "$dlog")" "stopping on request"

# ---- a new appliance that finds a trigger at its first start --------------------------
# Its first poll is due at once, before the coalescing window ends: that
# poll serves the trigger, so it is the urgent one.
gwn=$(gw_dir gw-n)
updater_config gw-n 127.0.4.32
urgent_before=$(urgent_polls)
tn=$(drop_trigger gw-n 5)
start_updater gw-n
check "a new appliance with a trigger waiting installs at its first poll" \
  wait_for 20 grep -q "trigger $tn done (seq 5, handled)" "$gwn/daemon.log"
check_contains "  with reason urgent" "$(cat "$gwn/daemon.log")" "poll (urgent, last_seq 0): "
check_eq "  the server counted it as urgent" "$(urgent_polls)" "$((urgent_before + 1))"
check_eq "  and records it so" "$(sql "SELECT last_reason FROM appliances WHERE id = 'gw-n'")" "urgent"
check_eq "  one poll" "$(grep -c 'poll (' "$gwn/daemon.log")" "1"
check "  av.db is version 5" cmp -s "$work/av-5.db" "$gwn/files/av.db"
stop_updater

if [ "$UUN_FAILED" -gt 0 ]; then
  for f in "$dlog" "$gw/hook.log" "$gwn/daemon.log" "$work/server.log"; do
    echo "# $f (last 40 lines):"
    tail -40 "$f" | sed 's/^/#   /'
  done
fi
summary
