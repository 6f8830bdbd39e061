#!/usr/bin/env bash
# Every test: type-check, build, unit tests (node's runner), browser tests
# (Playwright: every spec in the system Chromium, see CHROMIUM_PATH in the
# README, and the scenarios of e2e/engines/ in Firefox ESR and WebKit too;
# WebKit starts its own Xvfb display). Arguments go to Playwright:
# `npm test -- --project=chromium` runs the browser tests in Chromium alone.
set -euo pipefail
cd "$(dirname "$0")/.."
# The PostgreSQL storage tests start their own server from Debian's package: installed when missing and we may (root, apt).
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || { apt-get update && apt-get install -y postgresql; } || echo "could not install PostgreSQL: its storage tests will be skipped"
npx tsc --noEmit -p .
node build.mjs
node scripts/unit.mjs
npx playwright test "$@"
