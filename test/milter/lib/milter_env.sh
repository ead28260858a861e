# Sourced by the test/milter suites (after test/lib/testlib.sh): a scratch
# world for one uun-milter (keys, spool, state, socket directory), starting
# and stopping the real milter, and running miltertest Lua scripts against
# it. Everything lives under $work and is removed by the EXIT trap.

: "${UUN_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
milter_bin=$UUN_BUILD/milter/filter/uun-milter
make_header_bin=$UUN_BUILD/test/tools/make_uun_header
mt_dir=$UUN_SRC/test/milter

work=$(mktemp -d /tmp/uun-milter-test.XXXXXX)
chmod 755 "$work"
milter_pid=""
milter_log=""

# The milter reads mail as an unprivileged user: nobody when the suite runs
# as root (the privilege drop is then part of the test), else ourselves.
if [ "$(id -u)" -eq 0 ]; then
  milter_user=nobody
else
  milter_user=$(id -un)
fi

milter_cleanup() {
  if [ -n "$milter_pid" ] && kill -0 "$milter_pid" 2>/dev/null; then
    kill -TERM "$milter_pid" 2>/dev/null
    sleep 0.5
    kill -KILL "$milter_pid" 2>/dev/null
    wait "$milter_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap milter_cleanup EXIT

# A directory the milter user owns.
milter_dir() {
  mkdir -p "$1"
  [ "$(id -u)" -eq 0 ] && chown "$milter_user" "$1"
  return 0
}

milter_dir "$work/spool"
milter_dir "$work/state"
milter_dir "$work/sock"
mkdir -p "$work/keys"
openssl genpkey -algorithm ed25519 -out "$work/keys/publisher.pem" 2>/dev/null
openssl pkey -in "$work/keys/publisher.pem" -pubout -out "$work/keys/publisher.pub.pem"
openssl genpkey -algorithm ed25519 -out "$work/keys/stranger.pem" 2>/dev/null
chmod 644 "$work/keys/"*.pub.pem

# write_config FILE SOCKET [YAML LINES...]: a config for this world.
# max_header_bytes is 512 because miltertest copies a header into a 1024-byte
# buffer without a bound; lib's 1024-byte limit itself is covered in unit_milter.
write_config() {
  local file=$1 socket=$2
  shift 2
  {
    echo "socket: $socket"
    echo "user: $milter_user"
    echo "trusted_keys: [$work/keys/publisher.pub.pem]"
    echo "spool_dir: $work/spool"
    echo "state_dir: $work/state"
    echo "max_header_bytes: 512"
    echo "log: {to: stderr, debug: true}"
    local line
    for line in "$@"; do echo "$line"; done
  } >"$file"
}

# start_milter CONFIG LOG: runs uun-milter -f in the background and waits
# until it says it has started.
start_milter() {
  milter_log=$2
  "$milter_bin" -f -c "$1" 2>"$milter_log" &
  milter_pid=$!
  if ! wait_for 20 grep -q "started:" "$milter_log"; then
    echo "uun-milter did not start:"
    cat "$milter_log"
    return 1
  fi
}

# stop_milter: SIGTERM, waits, and leaves the exit code in $milter_rc.
# (Not in a $(...) subshell: only this shell can wait for the milter.)
stop_milter() {
  kill -TERM "$milter_pid"
  wait "$milter_pid"
  milter_rc=$?
  milter_pid=""
}

# header ARGS...: a signed X-UUN value from make_uun_header (publisher key).
header() {
  "$make_header_bin" --key "$work/keys/publisher.pem" "$@"
}

nonce_of() {
  sed -E 's/.*n=([A-Za-z0-9_-]+);.*/\1/' <<<"$1"
}

# mt SOCKET SCRIPT [-D name=value...]: runs a Lua script from test/milter;
# its output goes to $work/mt.out (and the suite log).
mt() {
  local socket=$1 script=$2
  shift 2
  miltertest -D "socket=$socket" -D "lib=$mt_dir/lib/mt.lua" "$@" -s "$mt_dir/$script" >"$work/mt.out" 2>&1
  local rc=$?
  sed 's/^/    mt: /' "$work/mt.out"
  return $rc
}

spool_files() {
  ls -A "$work/spool" | tr '\n' ' ' | sed 's/ $//'
}

log_has() {
  grep -qF -- "$1" "$milter_log"
}
