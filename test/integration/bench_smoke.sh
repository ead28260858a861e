#!/usr/bin/env bash
# The benchmarks keep working: bench/run --smoke runs each of them once in a
# tiny mode (real Postfix, milters, uun-server, nginx, wrk, the fleet
# simulator) with its results in a temp dir, and each writes a well-formed
# result. Figures are printed, never asserted (speed lives in bench/).
set -u
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
. "$UUN_SRC/test/lib/testlib.sh"

work=$(mktemp -d /tmp/uun-bench-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT

UUN_BUILD=$UUN_BUILD bash "$UUN_SRC/bench/run" --smoke --results "$work/results" >"$work/run.log" 2>&1
rc=$?
sed 's/^/# /' "$work/run.log"
check_eq "bench/run --smoke exits 0" "$rc" "0"

# check_result NAME KEY...: the JSON parses, names itself, has result rows and
# a table whose rows are as wide as its columns, and each result row has KEYs.
check_result() {
  local name=$1 file=$work/results/$1.json out
  shift
  check "$name wrote $name.json" test -s "$file"
  out=$(python3 - "$file" "$name" "$@" <<'PY' 2>&1
import json, sys
path, name, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
d = json.load(open(path))
problems = []
if d.get("benchmark") != name: problems.append(f"benchmark is {d.get('benchmark')!r}")
if d.get("smoke") is not True: problems.append("smoke is not true")
if not d.get("results"): problems.append("no results")
for r in d.get("results", []):
    for k in keys:
        if not isinstance(r.get(k), (int, float)) or isinstance(r.get(k), bool):
            problems.append(f"result {r.get('config') or r.get('server') or r.get('program') or r.get('appliances')}: {k} = {r.get(k)!r}")
t = d.get("table", {})
if not t.get("rows") or any(len(row) != len(t.get("columns", [])) for row in t["rows"]):
    problems.append("table rows do not match its columns")
for x in d.get("targets", []):
    if not isinstance(x.get("met"), bool): problems.append(f"target {x.get('name')} has no verdict")
if not d.get("machine", {}).get("kernel"): problems.append("no machine description")
print("; ".join(problems) or "well-formed")
PY
)
  check_eq "$name.json is well-formed" "$out" "well-formed"
}
check_result milter-overhead msgs_per_s receive_msgs_per_s milter_cpu_us_per_msg
check_result fleet appliances installed uun_mails_sent server_requests server_peak_rss_kb
check_result poll-rate appliances per_s errors
check_result memory peak_rss_kb

# Each run did its work: every message delivered, every appliance installed,
# the load generator got answers, the updater installed.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$work/results/$1.json" 2>&1; }
check_eq "milter-overhead: every configuration delivered every message" \
  "$(json milter-overhead 'all(r["delivered_all"] for r in d["results"])')" "True"
check_eq "milter-overhead: all nine configurations in both modes ran" \
  "$(json milter-overhead 'len(d["results"])')" "18"
check_eq "fleet: every simulated appliance installed the urgent update" \
  "$(json fleet 'all(r["installed"] == r["appliances"] for r in d["results"])')" "True"
check_eq "fleet: one UUN mail per appliance" \
  "$(json fleet 'all(r["uun_mails_sent"] == r["appliances"] for r in d["results"])')" "True"
check_eq "poll-rate: uun-server and nginx both answered without errors" \
  "$(json poll-rate 'sorted({r["server"] for r in d["results"] if r["per_s"] > 0 and r["errors"] == 0})')" \
  "['nginx', 'uun-server']"
check_eq "memory: uun-server, uun-updater and uun-milter were measured" \
  "$(json memory 'sorted({r["program"] for r in d["results"] if r["peak_rss_kb"] > 0} & {"uun-server","uun-updater","uun-milter"})')" \
  "['uun-milter', 'uun-server', 'uun-updater']"

# bench-fleet-sim refuses a bad command line before it makes anything: exit 2
# and a message naming the option.
sim_args=(--server https://127.0.0.1:1 --ca /dev/null --key /dev/null --work "$work/sim" --events "$work/sim.events")
for bad in "--first 300.1.1.1" "--first gw-1" "--first 255.255.255.250" "--count 0" "--count 12x" \
  "--threads 999" "--port 70000"; do
  # shellcheck disable=SC2086  # $bad is an option and its value
  out=$("$UUN_BUILD/bench/bench-fleet-sim" "${sim_args[@]}" $bad 2>&1)
  check_eq "bench-fleet-sim $bad exits 2" "$?" "2"
  check_contains "bench-fleet-sim $bad names the option" "$out" "bench-fleet-sim: ${bad%% *}"
done
check "bench-fleet-sim made nothing for a bad command line" test ! -e "$work/sim"
summary
