#!/usr/bin/env bash
# Runs the README's test command (`./dev test`: installs what is missing, then `pnpm test`, i.e.
# vitest over every package) under Node.js 24 from the npm registry, and exits with the suite's
# exit code. CI runs it after `./dev ci` (Node 20), so the suite runs once more on Node 24.
#
#   bash scripts/node24/run-suite.sh                      # the whole suite on Node 24
#   bash scripts/node24/run-suite.sh packages/protocol    # extra arguments go to `vitest run`
#   NODE24_VERSION=24.21.0 bash scripts/node24/run-suite.sh   # a pinned 24.x instead of the newest
#
# Node 24 (scripts/node24/install.sh, into .tools/node24) goes first on PATH, so the same pinned
# pnpm, the package scripts, vitest and its forked workers, tsx and the test peers' `node` all run
# on it. Vitest also writes .cache/vitest-results-node24.json (the Node 20 run keeps
# .cache/vitest-results.json), and the last line is "Node v24.x: Tests: N passed, N failed, N
# skipped", as `./dev ci` ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"

node24="$(bash scripts/node24/install.sh)"
export PATH="$(dirname "$node24"):$PATH"
version="$(node --version)"
if [[ "$version" != v24.* || "$(command -v node)" != "$node24" ]]; then
  echo "node24: \`node\` on PATH is $(command -v node) ($version), not $node24" >&2
  exit 1
fi
echo "node24: running the test suite on Node $version ($node24)" >&2

mkdir -p .cache
results="$ROOT/.cache/vitest-results-node24.json"
rm -f "$results"
rc=0
./dev test --reporter=default --reporter=json --outputFile.json="$results" "$@" || rc=$?
node -e '
  const r = require(process.argv[1]);
  console.log(`Node ${process.version}: Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results" 2>/dev/null || echo "Node $version: the suite wrote no results (exit code $rc)"
exit "$rc"
