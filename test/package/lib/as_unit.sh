# Sourced by test/package/*.sh: starts a daemon from its installed systemd
# unit without a running systemd: the unit's own ExecStart line, as its User=
# and Group= (setpriv, no capabilities, no new privileges), with its UMask=
# and RuntimeDirectory=. Type=notify starts it in the background ($UNIT_PID)
# with NOTIFY_SOCKET set to a stand-in for systemd's (notify_wait.py) and
# waits for its READY=1: 0 when it came, 1 when the daemon exited or stayed
# silent (its STATUS= goes to the log). Type=forking waits for the daemon's
# parent to exit (its exit status is returned); Type=simple starts it in the
# background ($UNIT_PID).
#
#   unit_key UNIT KEY        value of KEY= in /lib/systemd/system/UNIT
#   start_as_unit UNIT LOG   stdout and stderr of the start go to LOG
UNIT_DIR=/lib/systemd/system
UNIT_PID=""

unit_key() { sed -n "s/^$2=//p" "$UNIT_DIR/$1" | tail -1; }

start_as_unit() {
  local unit=$1 log=$2 user group umask_value exec type runtime
  user=$(unit_key "$unit" User)
  group=$(unit_key "$unit" Group)
  umask_value=$(unit_key "$unit" UMask)
  exec=$(unit_key "$unit" ExecStart)
  type=$(unit_key "$unit" Type)
  runtime=$(unit_key "$unit" RuntimeDirectory)
  if [ -z "$user" ] || [ -z "$exec" ]; then
    echo "start_as_unit: $unit has no User= or ExecStart=" >&2
    return 1
  fi
  [ -z "$runtime" ] || install -d -m 0755 -o "$user" -g "${group:-$user}" "/run/$runtime" || return 1
  local run=(setpriv --reuid="$user" --regid="${group:-$user}" --init-groups --no-new-privs
    --inh-caps=-all --bounding-set=-all -- /bin/sh -c "umask ${umask_value:-0022}; exec $exec")
  if [ "$type" = notify ]; then
    local notify_dir rc
    notify_dir=$(mktemp -d /tmp/uun-notify.XXXXXX) && chmod 0755 "$notify_dir" || return 1
    python3 "$UUN_SRC/test/package/lib/notify_wait.py" "$notify_dir/notify" "$notify_dir/pid" 60 \
      "$notify_dir/messages" >>"$log" 2>&1 &
    local waiter=$!
    local tries=0
    while [ ! -S "$notify_dir/notify" ] && [ $tries -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
    NOTIFY_SOCKET="$notify_dir/notify" "${run[@]}" >>"$log" 2>&1 </dev/null &
    UNIT_PID=$!
    echo "$UNIT_PID" >"$notify_dir/pid"
    wait "$waiter"
    rc=$?
    sed 's/^/# sd_notify: /' "$notify_dir/messages" >>"$log" 2>/dev/null
    rm -rf "$notify_dir"
    return $rc
  elif [ "$type" = forking ]; then
    "${run[@]}" >>"$log" 2>&1 </dev/null
  else
    "${run[@]}" >>"$log" 2>&1 </dev/null &
    UNIT_PID=$!
  fi
}
