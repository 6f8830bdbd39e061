#!/usr/bin/env bash
# Every test: type-check, build, unit tests (node's runner), browser tests
# (Playwright with the system Chromium, see CHROMIUM_PATH in the README).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit -p .
node build.mjs
node scripts/unit.mjs
npx playwright test "$@"
