#!/usr/bin/env bash
# fuzz/smoke: each libFuzzer harness of test/fuzz, built with clang 19, ASan
# and UBSan in build-fuzz (scripts/lib/fuzz.sh): its whole seed corpus replays
# without a crash, and a short fuzzing run on a throw-away copy finds none.
# A crash fails the case and names the input that reproduces it.
set -u
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$UUN_SRC/test/lib/testlib.sh"
. "$UUN_SRC/scripts/lib/fuzz.sh"

seconds=${UUN_FUZZ_SMOKE_SECONDS:-10}
build="$UUN_SRC/build-fuzz"
work=$(mktemp -d /tmp/uun-fuzz-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT

started=$SECONDS
if out=$(uun_fuzz_build "$UUN_SRC" "$build"); then
  ok "the harnesses build with clang 19, ASan and UBSan ($((SECONDS - started)) s)"
else
  not_ok "the harnesses build: $(printf '%s' "$out" | head -c 1500)"
  summary
  exit 1
fi

# crash_note LOG: why a run failed, in a few lines.
crash_note() {
  grep -E 'ERROR: |runtime error|fuzz property broken|SUMMARY' "$1" | head -3 | tr '\n' ' '
}

mkdir -p "$build/crashes"
for name in $(uun_fuzz_harnesses "$UUN_SRC"); do
  bin="$build/test/fuzz/${name}_fuzz"
  seeds="$UUN_SRC/test/fuzz/corpus/$name"
  count=$(find "$seeds" -type f | wc -l)
  if [ "$count" -eq 0 ]; then
    not_ok "$name: test/fuzz/corpus/$name has seeds"
    continue
  fi
  log="$work/$name-replay.log"
  if uun_fuzz_run "$bin" "$seeds" "$log" -runs=0 -artifact_prefix="$build/crashes/$name-replay-"; then
    ok "$name: its $count seeds replay without a crash"
  else
    cp "$log" "$build/$name-replay.log"
    not_ok "$name: replaying its seeds crashed: $(crash_note "$log")" \
      "input: ${fuzz_crash:-(none written)}, log: $build/$name-replay.log"
  fi
  mkdir -p "$work/$name"
  cp "$seeds"/* "$work/$name"/
  log="$work/$name-fuzz.log"
  if uun_fuzz_run "$bin" "$work/$name" "$log" -max_total_time="$seconds" -artifact_prefix="$build/crashes/$name-"; then
    ok "$name: $seconds s of fuzzing, no crash ($fuzz_execs executions)"
  else
    cp "$log" "$build/$name-fuzz.log"
    not_ok "$name: fuzzing crashed after $fuzz_execs executions: $(crash_note "$log")" \
      "input: ${fuzz_crash:-(none written)}, log: $build/$name-fuzz.log"
  fi
done

summary
