# Sourced by every shell test suite: assertions that report "got X, want Y",
# and the summary line scripts/test counts: "<suite>: N passed, N failed".
UUN_PASSED=0
UUN_FAILED=0
UUN_SUITE=${UUN_SUITE:-$(basename "$0" .sh)}

ok() {
  UUN_PASSED=$((UUN_PASSED + 1))
  echo "ok - $*"
}

not_ok() {
  UUN_FAILED=$((UUN_FAILED + 1))
  echo "not ok - $*"
}

# check LABEL CONDITION-COMMAND...: passes when the command succeeds.
check() {
  local label=$1
  shift
  if "$@"; then ok "$label"; else not_ok "$label"; fi
}

check_eq() {
  local label=$1 got=$2 want=$3
  if [ "$got" = "$want" ]; then ok "$label"; else not_ok "$label: got '$got', want '$want'"; fi
}

check_contains() {
  local label=$1 haystack=$2 needle=$3
  case "$haystack" in
    *"$needle"*) ok "$label" ;;
    *) not_ok "$label: got '$(printf '%s' "$haystack" | head -c 400)', want it to contain '$needle'" ;;
  esac
}

# wait_for SECONDS COMMAND...: polls until the command succeeds.
wait_for() {
  local limit=$1 i=0
  shift
  while ! "$@" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -ge $((limit * 10)) ] && return 1
    sleep 0.1
  done
}

summary() {
  echo "$UUN_SUITE: $UUN_PASSED passed, $UUN_FAILED failed"
  [ "$UUN_FAILED" -eq 0 ]
}
