# tools/steps.sh -- sourced by tools/test and tools/demo: every step prints a
# line as it starts (with the time since the start), and a build prints a
# line each time it gets another 10% further, so there are never minutes of
# silence.  The full output of each build goes to a log, printed when the
# build fails.  Needs `set -o pipefail` (both callers use set -euo pipefail).
#
#   step MESSAGE               "[m:ss] MESSAGE"
#   build_dir DIR [CMAKE_ARG]  configure DIR (RelWithDebInfo, plus the args)
#                              and build it with $jobs jobs; the output goes
#                              to DIR/configure.log and DIR/build.log

_steps_t0=$SECONDS
jobs="${jobs:-$(nproc)}"

step() {
  local s=$((SECONDS - _steps_t0))
  printf '[%d:%02d] %s\n' $((s / 60)) $((s % 60)) "$*"
}

# Reads a build's output on stdin and prints a step line whenever its
# progress ("[ 42%]" from make, "[12/340]" from ninja) is 10% past the last
# line printed.
_build_progress() {
  local dir="$1" line pct last=0
  while IFS= read -r line; do
    pct=""
    if [[ $line =~ ^\[\ *([0-9]+)%\] ]]; then
      pct=${BASH_REMATCH[1]}
    elif [[ $line =~ ^\[([0-9]+)/([0-9]+)\] ]] && ((BASH_REMATCH[2] > 0)); then
      pct=$((BASH_REMATCH[1] * 100 / BASH_REMATCH[2]))
    fi
    if [ -n "$pct" ] && ((pct >= last + 10)); then
      last=$pct
      step "  building $dir: $pct%"
    fi
  done
}

build_dir() {
  local dir="$1"
  shift
  mkdir -p "$dir"
  step "configuring $dir (cmake; log: $dir/configure.log)"
  if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir/configure.log" 2>&1; then
    cat "$dir/configure.log"
    echo "dwhost: configuring $dir failed (log above, kept in $dir/configure.log)" >&2
    return 1
  fi
  step "building $dir with $jobs jobs (log: $dir/build.log)"
  if ! cmake --build "$dir" -j "$jobs" 2>&1 | tee "$dir/build.log" | _build_progress "$dir"; then
    cat "$dir/build.log"
    echo "dwhost: the build failed in $dir (log above, kept in $dir/build.log)" >&2
    return 1
  fi
  step "built $dir"
}
