#!/usr/bin/env bash
# Runs the harness's own tests N times in a row (default 20) while busy-loop processes keep every
# core busy: the harness decides "quiet", "never called" and "leaked" by turns of the event loop,
# and a loaded machine is where such verdicts go wrong. scripts/soak.js does the work; it is shared
# with `npm run soak`, which soaks the whole verification the same way.
#
# Usage: bash scripts/soak.sh [N]     (npm run soak:harness -- 30)
exec node "$(dirname "$0")/soak.js" --suite harness "$@"
