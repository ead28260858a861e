# Sourced by scripts/test and scripts/demo: configures (once) and builds uun
# with meson + ninja in a build directory of the source tree. On failure it
# prints the part of the log that says why and returns non-zero.
#
#   uun_build DIR [meson setup options...]

uun_build() {
  local build=$1
  shift
  if [ ! -f "$build/build.ninja" ]; then
    mkdir -p "$build"
    meson setup "$build" "$@" >"$build/meson-setup.log" 2>&1 || {
      cat "$build/meson-setup.log"
      return 1
    }
  fi
  ninja -C "$build" >"$build/ninja.log" 2>&1 || {
    grep -E 'error|Error' -A5 "$build/ninja.log" | head -60
    return 1
  }
}
