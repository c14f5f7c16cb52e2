#!/usr/bin/env bash
# Runs the harness's own tests N times in a row (default 20) while two busy-loop processes keep
# both cores busy: the harness decides "quiet", "never called" and "leaked" by turns of the event
# loop, and a loaded machine is where such verdicts go wrong.
#
# Usage: bash scripts/soak.sh [N]     (npm run soak:harness -- 30)
set -uo pipefail

runs="${1:-20}"
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "soak: expected the number of runs as a positive integer, got \"$runs\"" >&2
  exit 2
fi

cd "$(dirname "$0")/.." || exit 2

busy_pids=()
stop_busy() {
  for pid in "${busy_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${busy_pids[@]}"; do wait "$pid" 2>/dev/null; done
  busy_pids=()
}
trap stop_busy EXIT
trap 'exit 130' INT TERM

for _ in 1 2; do
  node -e 'for (;;) {}' &
  busy_pids+=("$!")
done

# --no-config: the root .mocharc.json adds its own spec (test/**/*.test.ts, with the slow kata
# runs) to any spec given on the command line; so load ts-node and the root hooks here.
mocha=(node node_modules/mocha/bin/mocha.js --no-config --extension ts
  -r ts-node/register/transpile-only -r src/harness/root-hooks.ts
  --timeout 10000 --reporter dot 'test/harness/**/*.test.ts')

passed=0
failed=0
for ((i = 1; i <= runs; i++)); do
  log="$(mktemp)"
  if "${mocha[@]}" >"$log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "soak: run $i of $runs failed:" >&2
    cat "$log" >&2
  fi
  rm -f "$log"
done

echo "soak: $passed passed, $failed failed of $runs runs"
[ "$failed" -eq 0 ]
