#!/usr/bin/env bash
# uun-milter across restarts and start-up: the replay cache survives a
# restart; a second instance refuses to start while the first answers; a
# socket left by a killed milter is replaced; the background mode reports
# readiness (or the reason it failed) and keeps a pid file; config errors
# name file, line and key.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib/milter_env.sh"

sock=$work/sock/milter.sock
write_config "$work/milter.yaml" "unix:$sock"
start_milter "$work/milter.yaml" "$work/milter-1.log" || { not_ok "uun-milter starts"; summary; exit 1; }
ok "uun-milter starts"

valid=$(header --seq 70 --channel av)
nonce=$(nonce_of "$valid")
check "a valid UUN is discarded" mt "unix:$sock" message.lua -D qid=BEFORE -D h1n=X-UUN -D "h1v=$valid" -D want=DISCARD
check_eq "... with its trigger" "$(spool_files)" "uun-70-$nonce"

"$milter_bin" -f -c "$work/milter.yaml" >"$work/second.out" 2>&1
second_rc=$?
check_eq "a second instance on the same socket refuses to start" "$second_rc" "1"
check_contains "... saying why" "$(cat "$work/second.out")" "another milter is already listening on $sock"
check "the first instance still answers" mt "unix:$sock" message.lua -D qid=STILL -D h1n=Subject -D h1v=x -D want=ACCEPT

stop_milter
check_eq "SIGTERM stops the milter cleanly" "$milter_rc" "0"
check "no sanitizer report" bash -c "! grep -E 'Sanitizer|runtime error' '$work/milter-1.log'"

# The updater consumed the trigger; the same mail comes again after a restart.
rm -f "$work/spool/"*
start_milter "$work/milter.yaml" "$work/milter-2.log" || not_ok "uun-milter restarts"
check "the restarted milter reports the cached nonce" log_has "replay cache 1 entries"
check "the replayed UUN is discarded after the restart" mt "unix:$sock" message.lua -D qid=AFTER \
  -D h1n=X-UUN -D "h1v=$valid" -D want=DISCARD
check_eq "... without a new trigger" "$(spool_files)" ""
check "... logged as a replay" log_has "AFTER: UUN seq 70 channel av nonce $nonce was seen before (replay)"

kill -KILL "$milter_pid"
wait "$milter_pid" 2>/dev/null
milter_pid=""
check "a killed milter leaves its socket behind" test -S "$sock"
start_milter "$work/milter.yaml" "$work/milter-3.log" || not_ok "uun-milter starts over a stale socket"
check "the stale socket is replaced" log_has "removed the stale socket $sock"
check "... and the new milter answers" mt "unix:$sock" message.lua -D qid=STALESOCK -D h1n=Subject -D h1v=x -D want=ACCEPT
stop_milter
check_eq "SIGTERM stops it cleanly" "$milter_rc" "0"

# Background mode: the starting command returns once the milter is ready.
milter_dir "$work/run"
write_config "$work/daemon.yaml" "unix:$sock" "pid_file: $work/run/uun-milter.pid" \
  "socket_group: postfix" 'socket_mode: "0640"'
sed -i 's/^log: .*/log: {to: syslog}/' "$work/daemon.yaml"
"$milter_bin" -c "$work/daemon.yaml" >"$work/daemon.out" 2>&1
check_eq "background start returns 0 once ready" "$?" "0"
daemon_pid=$(cat "$work/run/uun-milter.pid" 2>/dev/null)
milter_pid=$daemon_pid  # so the EXIT trap stops it if a check below fails
check "the pid file names a running process" kill -0 "${daemon_pid:-0}"
check_eq "the daemon runs as $milter_user" "$(ps -o user= -p "${daemon_pid:-0}" | tr -d ' ')" "$milter_user"
check_eq "its socket has the configured group and mode" "$(stat -c '%G %a' "$sock")" "postfix 640"
check "the daemon answers" mt "unix:$sock" message.lua -D qid=DAEMON -D h1n=X-UUN \
  -D "h1v=$(header --seq 71 --channel av)" -D want=DISCARD
kill -TERM "$daemon_pid"
wait_for 20 bash -c "! kill -0 $daemon_pid 2>/dev/null"
check "SIGTERM stops the daemon" bash -c "! kill -0 $daemon_pid 2>/dev/null"
milter_pid=""
check "it removes its pid file" test ! -e "$work/run/uun-milter.pid"

# A failure after the fork is reported by the command that started it.
mkdir -p "$work/rootonly" && chmod 755 "$work/rootonly"
write_config "$work/bad-state.yaml" "unix:$sock" "pid_file: $work/run/uun-milter.pid"
sed -i "s|^state_dir: .*|state_dir: $work/rootonly/missing|" "$work/bad-state.yaml"
sed -i 's/^log: .*/log: {to: syslog}/' "$work/bad-state.yaml"
"$milter_bin" -c "$work/bad-state.yaml" >"$work/bad-state.out" 2>&1
check_eq "a daemon that cannot open its state fails the start command" "$?" "1"
check_contains "... which prints the daemon's reason" "$(cat "$work/bad-state.out")" "state_dir: $work/rootonly/missing/replay.sqlite: cannot open the replay cache"
check "... and removes the socket it had opened" test ! -e "$sock"

printf 'socket: unix:%s\ntrusted_keys: [%s]\nspool_dir: spool\nsocket_mode: "99"\n' "$sock" \
  "$work/keys/publisher.pub.pem" >"$work/broken.yaml"
"$milter_bin" -f -c "$work/broken.yaml" >"$work/broken.out" 2>&1
check_eq "a config error exits 2" "$?" "2"
check_contains "... naming file, line and key" "$(cat "$work/broken.out")" "$work/broken.yaml:3: 'spool_dir': must be an absolute path"
check_contains "... and every other error" "$(cat "$work/broken.out")" "$work/broken.yaml:4: 'socket_mode'"
check "-t accepts a good config" "$milter_bin" -t -c "$work/milter.yaml"

write_config "$work/nodir.yaml" "unix:$work/missing/milter.sock"
"$milter_bin" -f -c "$work/nodir.yaml" >"$work/nodir.out" 2>&1
check_eq "a missing socket directory stops the start" "$?" "1"
check_contains "... naming the directory" "$(cat "$work/nodir.out")" "the socket directory $work/missing does not exist"

write_config "$work/nogroup.yaml" "unix:$sock" "socket_group: uun-no-such-group"
"$milter_bin" -t -c "$work/nogroup.yaml" >"$work/nogroup.out" 2>&1
check_eq "a socket_group that does not exist (Postfix's, on a Sendmail host) exits 2" "$?" "2"
check_contains "... naming the group" "$(cat "$work/nogroup.out")" "socket_group: group 'uun-no-such-group' does not exist"
check_contains "... and what a Sendmail host sets instead" "$(cat "$work/nogroup.out")" 'set socket_group: "" and socket: unix:/run/uun-milter/milter.sock'

write_config "$work/badkey.yaml" "unix:$sock"
sed -i "s|^trusted_keys: .*|trusted_keys: [$work/keys/missing.pem]|" "$work/badkey.yaml"
"$milter_bin" -f -c "$work/badkey.yaml" >"$work/badkey.out" 2>&1
check_eq "a missing key file exits 2" "$?" "2"
check_contains "... naming the file" "$(cat "$work/badkey.out")" "$work/keys/missing.pem"

# uun-milter leaves OpenSSL's error strings unloaded (memory); a key file that
# is not PEM still says which file, what is wrong, and the code to look up.
printf 'not a key\n' >"$work/keys/garbage.pem"
sed "s|$work/keys/missing.pem|$work/keys/garbage.pem|" "$work/badkey.yaml" >"$work/garbagekey.yaml"
"$milter_bin" -f -c "$work/garbagekey.yaml" >"$work/garbagekey.out" 2>&1
check_eq "a key file that is not PEM exits 2" "$?" "2"
check_contains "... naming the file and what is wrong" "$(cat "$work/garbagekey.out")" \
  "$work/keys/garbage.pem: cannot read public key: OpenSSL error "
code=$(grep -Eo 'openssl errstr [0-9A-F]{8}' "$work/garbagekey.out" | head -1 | cut -d' ' -f3)
check "... with the code to look up" test -n "$code"
check_contains "... which openssl errstr explains" "$(openssl errstr "$code")" "DECODER routines"

write_config "$work/print.yaml" "unix:$sock"
check_eq "--print-config KEY prints the value as the milter reads it" \
  "$("$milter_bin" -c "$work/print.yaml" --print-config socket)" "unix:$sock"
check_contains "--print-config lists defaults the file does not set" \
  "$("$milter_bin" -c "$work/print.yaml" --print-config)" "variants.max_body_bytes = 65536"
"$milter_bin" -c "$work/print.yaml" --print-config no.such.key >"$work/print.out" 2>&1
check_eq "an unknown KEY exits 1" "$?" "1"
check_contains "... saying so" "$(cat "$work/print.out")" "'no.such.key' is not a setting of $work/print.yaml"

if [ "$(id -u)" -eq 0 ]; then
  write_config "$work/root.yaml" "unix:$sock"
  sed -i 's/^user: .*/user: root/' "$work/root.yaml"
  "$milter_bin" -f -c "$work/root.yaml" >"$work/root.out" 2>&1
  check_eq "running mail as root is refused" "$?" "2"
  check_contains "... with a reason" "$(cat "$work/root.out")" "must run unprivileged"
  check "... before any socket was made" test ! -e "$sock"
fi
summary
