#!/usr/bin/env bash
# How long one run of a kata's tests takes, by the way it is run: `npm test` in the kata folder
# (what a learner runs: the tests under c8, and the callback-hell check beside them), mocha alone
# on the TypeScript through the compile cache (bin/register-ts.js) and through ts-node, and mocha
# on the same tests compiled to JavaScript ahead of time. The variants are interleaved,
# so machine noise hits them alike; medians are printed. Usage: scripts/bench-kata-test.sh [kata] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
kata=${1:-config-loader}
runs=${2:-5}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT

# Precompile everything once; the compiled tests import chai from the repo's node_modules.
npx tsc -p tsconfig.json --noEmit false --outDir "$build" --sourceMap false >/dev/null
ln -s "$PWD/node_modules" "$build/node_modules"

now_ms() { date +%s%3N; }
time_ms() { local t0; t0=$(now_ms); "$@" >/dev/null 2>&1 || true; echo $(( $(now_ms) - t0 )); }

declare -A samples
for ((i = 1; i <= runs; i++)); do
  samples[npm]+="$(cd "katas/$kata" && time_ms npm test) "
  samples[cache]+="$(cd "katas/$kata" && KATA_RESULTS_FILE=/dev/null KATA_QUIET=1 time_ms node ../../node_modules/mocha/bin/mocha.js --no-config --extension ts -r ../../bin/register-ts.js -r ../../src/harness/root-hooks.ts --reporter ../../src/runner/reporter.ts 'test/*.test.ts') "
  samples[ts]+="$(cd "katas/$kata" && KATA_RESULTS_FILE=/dev/null KATA_QUIET=1 time_ms node ../../node_modules/mocha/bin/mocha.js --no-config --extension ts -r ts-node/register/transpile-only -r ../../src/harness/root-hooks.ts --reporter ../../src/runner/reporter.ts 'test/*.test.ts') "
  samples[js]+="$(cd "$build/katas/$kata" && KATA_RESULTS_FILE=/dev/null KATA_QUIET=1 time_ms node "$OLDPWD/node_modules/mocha/bin/mocha.js" --no-config -r ../../src/harness/root-hooks.js --reporter ../../src/runner/reporter.js 'test/*.test.js') "
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%s: median of %d runs, interleaved (ms)\n' "$kata" "$runs"
printf '  %-48s %6s   samples\n' 'how' 'median'
for key in npm cache ts js; do
  case $key in
    npm) label='npm test in the kata (tests + coverage + check)';;
    cache) label='mocha through the compile cache, no coverage';;
    ts) label='mocha + ts-node transpile-only, no coverage';;
    js) label='mocha on precompiled JavaScript, no coverage';;
  esac
  printf '  %-48s %6s   %s\n' "$label" "$(echo "${samples[$key]}" | median)" "${samples[$key]}"
done
