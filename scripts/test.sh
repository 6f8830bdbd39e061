#!/usr/bin/env bash
# Every test: type-check, build, unit tests (node's runner), browser tests
# (Playwright: every spec in the system Chromium, see CHROMIUM_PATH in the
# README, and the scenarios of e2e/engines/ in Firefox ESR and WebKit too;
# WebKit starts its own Xvfb display). Arguments go to Playwright:
# `npm test -- --project=chromium` runs the browser tests in Chromium alone.
set -euo pipefail
cd "$(dirname "$0")/.."
# The PostgreSQL storage tests start their own server from Debian's package:
# installed when missing and we may (root, apt). Without it they are skipped,
# saying so; with REQUIRE_POSTGRES=1 (CI: .ci/run) that is a failure instead.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } || true
  fi
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    if [ "${REQUIRE_POSTGRES:-}" = 1 ]; then
      echo "PostgreSQL is not installed and could not be: REQUIRE_POSTGRES=1 needs its storage tests (apt-get install postgresql)" >&2
      exit 1
    fi
    echo "PostgreSQL is not installed: its storage tests will be skipped (REQUIRE_POSTGRES=1 makes that a failure)" >&2
  fi
fi
npx tsc --noEmit -p .
node build.mjs
node scripts/unit.mjs
npx playwright test "$@"
