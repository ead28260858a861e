# Sourced by every bench/<name>.sh: the work directory and its EXIT trap,
# processes started here (stopped by pid, never by name), CPU and memory of
# a process from /proc, and the loopback addresses benchmarks may use
# (127.0.7.0/24, and 127.16.0.0/12 for the fleet simulator). A failed set-up
# step prints why and exits non-zero; the trap still cleans up.
: "${UUN_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
: "${BENCH_SMOKE:=0}"
: "${BENCH_RESULTS:=$UUN_SRC/bench/results}"
. "$UUN_SRC/test/lib/testlib.sh"
. "$UUN_SRC/test/lib/postfix.sh"

SERVER=$UUN_BUILD/server/daemon/uun-server
PUBLISH=$UUN_BUILD/server/publish/uun-publish
MILTER=$UUN_BUILD/milter/filter/uun-milter
UPDATER=$UUN_BUILD/milter/updater/uun-updater
SEED=$UUN_BUILD/test/tools/uun-test-seed
NULL_MILTER=$UUN_BUILD/bench/bench-null-milter
FLEET_SIM=$UUN_BUILD/bench/bench-fleet-sim
BENCH_LIB=$UUN_SRC/bench/lib

bench_pids=()
bench_postfix=()
bench_cleanup_hooks=()

bench_cleanup() {
  local pid i hook
  for hook in "${bench_cleanup_hooks[@]}"; do $hook; done
  for pid in "${bench_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${bench_pids[@]}"; do
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for dir in "${bench_postfix[@]}"; do postfix_stop "$dir"; done
  if [ -n "${work:-}" ] && [ -d "$work" ]; then
    [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
  fi
}

# bench_finish: the exit status of a benchmark: 1 when one of its checks failed.
bench_finish() {
  [ "$UUN_FAILED" -eq 0 ] && return 0
  echo "# $UUN_FAILED check(s) failed"
  return 1
}

# bench_init NAME: the work directory $work (mktemp) and the EXIT trap.
bench_init() {
  bench_name=$1
  work=$(mktemp -d "/tmp/uun-bench-$1.XXXXXX") || exit 1
  chmod 755 "$work"
  trap bench_cleanup EXIT
  mkdir -p "$BENCH_RESULTS"
}

# bench_spawn LOG COMMAND...: starts COMMAND in the background; its pid in $spawned.
bench_spawn() {
  local log=$1
  shift
  "$@" >>"$log" 2>&1 &
  spawned=$!
  bench_pids+=("$spawned")
}

# bench_stop PID: SIGTERM, then waits (SIGKILL after 10 s).
bench_stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# cpu_ticks PID: user+system clock ticks of PID (all threads) so far.
cpu_ticks() {
  awk '{ sub(/^[^)]*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
# tree_cpu_ticks PID: the same for PID and its child processes (nginx workers).
tree_cpu_ticks() {
  local total p
  total=$(cpu_ticks "$1")
  for p in $(ps -o pid= --ppid "$1"); do total=$((total + $(cpu_ticks "$p"))); done
  echo "$total"
}

# postfix_cpu_ticks DIR: CPU ticks of a Postfix instance so far: master, its
# children alive now, and those it has reaped (cutime/cstime).
postfix_cpu_ticks() {
  local master total p
  master=$(postfix_master_pid "$1")
  [ -n "$master" ] || { echo 0; return; }
  total=$(awk '{ sub(/^[^)]*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$master/stat" 2>/dev/null || echo 0)
  for p in $(ps -o pid= --ppid "$master"); do total=$((total + $(cpu_ticks "$p"))); done
  echo "$total"
}

# machine_busy_ticks: non-idle clock ticks of all CPUs so far (everyone's work).
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# peak_rss_kb PID: VmHWM (peak resident set) in KiB.
peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# now_s: wall clock, seconds with nanoseconds; seconds_between T0 T1: T1 - T0.
now_s() { date +%s.%N; }
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# ticks_to_s TICKS: clock ticks as seconds.
ticks_to_s() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'; }

# listening ADDR PORT: something listens on ADDR:PORT (TCP).
listening() { ss -Hltn "src $1:$2" 2>/dev/null | grep -q .; }

# free_port HOST: a port the kernel just handed out on HOST.
free_port() {
  python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}

# bench_json NAME < JSON: writes $BENCH_RESULTS/NAME.json (pretty-printed, checked).
bench_json() {
  python3 -c 'import json,sys; d=json.load(sys.stdin); json.dump(d, open(sys.argv[1],"w"), indent=2); open(sys.argv[1],"a").write("\n")' \
    "$BENCH_RESULTS/$1.json"
}

# machine_json: the machine a result was taken on, as a JSON object.
machine_json() {
  python3 - <<'PY'
import json, os, subprocess
def out(*cmd):
    try: return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError: return ""
lscpu = dict(l.split(":", 1) for l in out("lscpu").splitlines() if ":" in l)
machine = {
    "cpu": lscpu.get("Model name", "").strip(),
    "cpus": int(lscpu.get("CPU(s)", "0").strip() or 0),
    "kernel": os.uname().release,
    "postfix": out("postconf", "-dh", "mail_version"),
    "load_at_start": open("/proc/loadavg").read().split()[:3],
}
# Whether other work shared the machine is something only the person running
# the benchmark knows: BENCH_MACHINE_NOTE="shared with ..." records it.
if os.environ.get("BENCH_MACHINE_NOTE"):
    machine["note"] = os.environ["BENCH_MACHINE_NOTE"]
print(json.dumps(machine))
PY
}
