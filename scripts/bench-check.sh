#!/usr/bin/env bash
# What the callback-hell check costs the learner: the kata's `npm test` (tests + coverage + the
# check, which runs beside the tests) against the same run without the check (`kata test`: tests
# + coverage), and the check alone with and without its type-aware rules, on the learner's files
# (the starter, where the type-aware rules wait until the rest passes) and on the reference. Each in a fresh
# process, interleaved so machine noise hits them alike; medians printed.
# Usage: scripts/bench-check.sh [kata] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
kata="${1:-config-loader}"
runs="${2:-5}"

check_alone() { # $1: typed | untyped; $2: a folder mirroring the learner's files (default: theirs)
  node -e "
    require('./bin/ts-cache').register();
    const { checkKata } = require('./src/check/check-kata');
    const { findKata } = require('./src/kata/catalog');
    const dir = '${2:-}';
    checkKata(findKata('$kata'), { typed: '$1' === 'typed', ...(dir ? { dir } : {}) }).then(() => {}, (err) => { console.error(err); process.exitCode = 70; });
  "
}
with_check() { (cd "katas/$kata" && npm test); }          # the starter fails by design: exit code ignored
without_check() { node bin/kata.js test "$kata"; }

now_ms() { date +%s%3N; }
time_ms() { local t0; t0=$(now_ms); "$@" >/dev/null 2>&1 || true; echo $(($(now_ms) - t0)); }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A samples
for _ in $(seq "$runs"); do
  samples[with]+="$(time_ms with_check) "
  samples[without]+="$(time_ms without_check) "
  samples[typed]+="$(time_ms check_alone typed) "
  samples[untyped]+="$(time_ms check_alone untyped) "
  samples[reference]+="$(time_ms check_alone typed .meta/solution) "
done

with=$(echo "${samples[with]}" | median)
without=$(echo "${samples[without]}" | median)
echo "kata $kata, median of $runs interleaved runs (ms), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-52s %6s   %s\n' "npm test (tests + coverage + check)" "$with" "${samples[with]}"
printf '  %-52s %6s   %s\n' "kata test (tests + coverage, no check)" "$without" "${samples[without]}"
printf '  %-52s %6s   %s\n' "the check alone, all rules (type-aware included)" "$(echo "${samples[typed]}" | median)" "${samples[typed]}"
printf '  %-52s %6s   %s\n' "the check alone, without type-aware rules" "$(echo "${samples[untyped]}" | median)" "${samples[untyped]}"
printf '  %-52s %6s   %s\n' "the check alone on the reference (all rules run)" "$(echo "${samples[reference]}" | median)" "${samples[reference]}"
echo "  with the check, a run takes $((with * 100 / without))% of the time it takes without (the limit: 200%)"
