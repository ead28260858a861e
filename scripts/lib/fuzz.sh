# Sourced by scripts/fuzz and test/fuzz/smoke.sh: the libFuzzer build dir
# (clang 19, ASan + UBSan, coverage on every object) and one harness run.
# Build failures print the log's reason and return non-zero.
#
#   uun_fuzz_build SRC BUILD        configure (once) and build the harnesses
#   uun_fuzz_harnesses SRC          the harness names, one a line
#   uun_fuzz_run BIN CORPUS LOG ARGS...   runs it; sets fuzz_execs, fuzz_rate, fuzz_crash

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

uun_fuzz_build() {
  local src=$1 build=$2
  if [ ! -f "$build/build.ninja" ]; then
    mkdir -p "$build"
    CC=clang-19 CXX=clang++-19 meson setup "$build" "$src" -Dwerror=true -Dtests=false -Dfuzz=true \
      -Db_sanitize=address,undefined -Db_lundef=false -Dcpp_args=-fsanitize=fuzzer-no-link \
      >"$build/meson-setup.log" 2>&1 || {
      cat "$build/meson-setup.log"
      rm -f "$build/build.ninja"
      return 1
    }
  fi
  # Two jobs at most: other builds share the machine's two cores.
  ninja -C "$build" -j2 >"$build/ninja.log" 2>&1 || {
    grep -E 'error|Error' -A5 "$build/ninja.log" | head -60
    return 1
  }
}

uun_fuzz_harnesses() {
  local f
  for f in "$1"/test/fuzz/*_fuzz.cpp; do
    f=$(basename "$f")
    echo "${f%_fuzz.cpp}"
  done
}

# A crash (or leak, or UB, or a broken property: all abort) leaves its input
# where -artifact_prefix says and libFuzzer exits non-zero.
uun_fuzz_run() {
  local bin=$1 corpus=$2 log=$3 rc
  shift 3
  "$bin" "$corpus" -print_final_stats=1 "$@" >"$log" 2>&1
  rc=$?
  fuzz_execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  [[ "$fuzz_execs" =~ ^[0-9]+$ ]] || fuzz_execs=0
  fuzz_rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
  [[ "$fuzz_rate" =~ ^[0-9]+$ ]] || fuzz_rate=0
  fuzz_crash=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -1)
  return "$rc"
}
