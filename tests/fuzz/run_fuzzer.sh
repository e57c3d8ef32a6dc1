#!/usr/bin/env bash
# Runs one libFuzzer harness of a fuzz build (docs/reliability.md, "Fuzzing").
#   tests/fuzz/run_fuzzer.sh BUILD_DIR HARNESS SECONDS [libFuzzer options...]
# HARNESS: scenario, sweep, csv or run_file. Inputs come from three folders: fresh seeds
# (tests/fuzz/make_seeds.py, into BUILD_DIR/fuzz/seeds/HARNESS), the inputs earlier runs found
# interesting (BUILD_DIR/fuzz/corpus/HARNESS, kept between runs and grown by this one) and
# tests/fuzz/regressions/HARNESS (inputs that once failed; all run first). A finding (crash,
# sanitizer report, uncaught exception, broken message, hang past -timeout, memory past
# -rss_limit_mb) is saved under BUILD_DIR/fuzz/findings/HARNESS/ and fails the run. The whole
# log is BUILD_DIR/fuzz/HARNESS.log; the last line printed gives executions and their rate.
# Later options override earlier ones; -runs=N stops after N executions (a long run:
# tests/fuzz/run_fuzzer.sh build-fuzz csv 36000 -runs=1000000).
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 BUILD_DIR scenario|sweep|csv|run_file SECONDS [libFuzzer options...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
harness=$2
seconds=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)

case "$harness" in
  # -max_len: the largest input tried. The shipped scenarios are up to 5 KB but two benchmark
  # ones, whose seeds are cut. A whole run file is ~140 KB and takes ~40 ms under ASan: its
  # seeds are cut too (HDF5 refuses them at once), and the summary-only seeds (~30 KB: what
  # `fleetsim inspect` reads) and the small foreign files carry the run.
  scenario) max_len=16384 ;;
  sweep) max_len=4096 ;;
  csv) max_len=4096 ;;
  run_file) max_len=32768 ;;
  *)
    echo "$0: unknown harness '$harness'" >&2
    exit 2
    ;;
esac
binary="$build/tests/fuzz/fuzz_$harness"
[ -x "$binary" ] || {
  echo "$0: $binary is missing: cmake --preset fuzz && cmake --build build-fuzz --target fuzzers" >&2
  exit 2
}

work="$build/fuzz"
seeds="$work/seeds/$harness"
corpus="$work/corpus/$harness"
findings="$work/findings/$harness"
log="$work/$harness.log"
rm -rf "$seeds" "$work/$harness.summary"
mkdir -p "$seeds" "$corpus" "$findings"
/usr/bin/python3 "$here/make_seeds.py" "$harness" "$seeds" --make-run-files "$build/tests/fuzz/fuzz_make_run_files"
folders=("$corpus" "$seeds")
[ -d "$here/regressions/$harness" ] && folders+=("$here/regressions/$harness")

options=(
  -max_total_time="$seconds"
  -timeout="${FUZZ_TIMEOUT:-25}" # seconds one input may take before it counts as a hang
  -rss_limit_mb=2048             # and the memory it may use (one allocation: the same)
  -max_len="$max_len"
  -artifact_prefix="$findings/"
  -print_final_stats=1
  -print_funcs=0 # not a line per newly covered function
  -entropic_scale_per_exec_time=1 # slow inputs (an alias bomb: seconds under ASan) less often
)
[ -f "$here/$harness.dict" ] && options+=(-dict="$here/$harness.dict")
forked=0
if [ "$harness" = run_file ]; then
  # Debian 12's HDF5 1.10.8 reads past buffers, crashes and loops for ever on some crafted
  # files (docs/reliability.md, "Fuzzing"), which fleetsim cannot fix: the run goes on past
  # every finding (in a child process, -fork=1), and triage.py then fails it for any finding
  # that is fleetsim's own. Inputs take ~50 ms: 5 s is a hang.
  options+=(-timeout="${FUZZ_TIMEOUT:-5}" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  forked=1
fi
before=$(ls "$findings")

echo "== fuzz_$harness for ${seconds} s: ${folders[*]}"
status=0
started=$(date +%s)
# ASan's and UBSan's options: every report fatal, leaks checked (but those of
# tests/sanitizers/lsan.supp, inside Debian's libraries).
ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
  LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/../sanitizers/lsan.supp:print_suppressions=0} \
  "$binary" "${options[@]}" "$@" "${folders[@]}" >"$log" 2>&1 || status=$?

# In fork mode libFuzzer ends with the exit code of the last finding it went past (70 for a
# hang, 1 for a crash): triage.py below decides those; any other failure is the run's.
if [ "$status" -ne 0 ] && { [ "$forked" -eq 0 ] || [ "$(ls "$findings")" = "$before" ]; }; then
  tail -n 60 "$log"
  echo "== fuzz_$harness FAILED (exit $status); the input is in $findings/, the log in $log"
  exit 1
fi
outcome="no finding"
if [ "$forked" -eq 1 ]; then
  new_findings=()
  for f in $(ls "$findings"); do
    grep -qxF "$f" <<<"$before" || new_findings+=("$findings/$f")
  done
  if [ ${#new_findings[@]} -gt 0 ]; then
    /usr/bin/python3 "$here/triage.py" "$binary" "${new_findings[@]}" | tee -a "$log" || {
      echo "== fuzz_$harness FAILED: a finding in fleetsim's code (above); the inputs are in $findings/"
      exit 1
    }
    outcome="${#new_findings[@]} findings, none in fleetsim (triage.py: inside HDF5, or clean when run alone)"
  fi
  executions=$(grep -Eo '^#[0-9]+:' "$log" | tail -n 1 | tr -d '#:')
  rss=?
else
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
fi
elapsed=$(($(date +%s) - started))
[ -n "$executions" ] || {
  tail -n 20 "$log"
  echo "== fuzz_$harness FAILED: no executions counted in $log"
  exit 1
}
coverage=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1 || true)
echo "== fuzz_$harness: $executions executions in $elapsed s ($((executions / (elapsed > 0 ? elapsed : 1)))/s), peak RSS ${rss:-?} MB, ${coverage}, ${outcome}" |
  tee "$work/$harness.summary"
