#!/usr/bin/env bash
# How much a second CPU-bound thread adds on this machine (docs/performance.md, "Threads on
# this machine"): one copy of a pure arithmetic loop (no memory traffic) alone, then two copies
# at once, three times. On a machine with two real cores the two copies each take as long as
# one alone (2x the throughput); where the two vCPUs share one core's time they take twice as
# long (no speed-up from threads or from `sweep --jobs 2` is possible there).
#   bench/machine_parallelism.sh
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/spin.c" <<'C'
#include <stdio.h>
int main(void) {
  volatile double x = 1.0;
  for (long i = 0; i < 400000000L; ++i) x = x * 1.0000001 + 1e-9;
  printf("%f\n", x);
  return 0;
}
C
cc -O2 "$dir/spin.c" -o "$dir/spin"
seconds() { /usr/bin/time -f "%e" "$dir/spin" 2>&1 >/dev/null; }
for i in 1 2 3; do
  alone=$(seconds)
  seconds > "$dir/a" & seconds > "$dir/b"; wait
  both=$(cat "$dir/a" "$dir/b" | tr '\n' ' ')
  echo "one copy alone: ${alone} s; two copies at once: ${both}s each; throughput of two: $(echo "scale=2; 2 * $alone / $(cat "$dir/a")" | bc)x"
done
