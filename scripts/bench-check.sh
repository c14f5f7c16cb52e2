#!/usr/bin/env bash
# Median of 5 runs, each in a fresh process, of: the kata's `npm test`, the callback-hell check
# with and without the type-aware rules, so the cost of the check is measured against the test
# run it would be added to. Usage: scripts/bench-check.sh [kata] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
kata="${1:-config-loader}"
runs="${2:-5}"

check() { # $1: typed | untyped
  node -e "
    require('ts-node').register({ transpileOnly: true, project: 'tsconfig.json' });
    const { checkKata } = require('./src/check/check-kata');
    const { findKata } = require('./src/kata/catalog');
    checkKata(findKata('$kata'), { typed: '$1' === 'typed' }).then(() => {}, (err) => { console.error(err); process.exitCode = 70; });
  "
}
kata_test() { (cd "katas/$kata" && npm test >/dev/null 2>&1) || true; } # the starter fails its tests by design

median_ms() { # runs "$@" $runs times, prints the median wall time in ms
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

test_ms=$(median_ms kata_test)
typed_ms=$(median_ms check typed)
untyped_ms=$(median_ms check untyped)
echo "kata $kata, median of $runs runs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  npm test in the kata:                   ${test_ms} ms"
echo "  check, all rules (type-aware included): ${typed_ms} ms  (npm test + check = $(( (test_ms + typed_ms) * 100 / test_ms ))% of npm test)"
echo "  check, without type-aware rules:        ${untyped_ms} ms  (npm test + check = $(( (test_ms + untyped_ms) * 100 / test_ms ))% of npm test)"
