#!/usr/bin/env bash
# Every test: type-check, build, unit tests (node's runner), browser tests
# (Playwright: every spec in the system Chromium, see CHROMIUM_PATH in the
# README, and the scenarios of e2e/engines/ in Firefox ESR and WebKit too;
# WebKit starts its own Xvfb display). Arguments go to Playwright:
# `npm test -- --project=chromium` runs the browser tests in Chromium alone.
#
# What the tests need from the system is checked first, before any test:
#   chromium            every browser test (unless CHROMIUM_PATH points at one)
#   firefox-esr         e2e/engines/ in Firefox, over WebDriver BiDi
#   webkit2gtk-driver   e2e/engines/ in WebKit (WebKitWebDriver brings MiniBrowser)
#   xvfb xauth          the display MiniBrowser needs
#   postgresql          the PostgreSQL storage tests start their own throwaway server
# Whatever is missing is installed when we may (root, apt); otherwise the
# script stops at once with the one command that installs it. Firefox and
# WebKit are not needed when Playwright is told --project=chromium alone.
set -euo pipefail
cd "$(dirname "$0")/.."

engines="firefox webkit"
for arg in "$@"; do
  case "$arg" in
    --project=*) engines="" ;;
  esac
done
for arg in "$@"; do
  case "$arg" in
    --project=firefox) engines="$engines firefox" ;;
    --project=webkit) engines="$engines webkit" ;;
  esac
done

missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
case " $engines " in *" firefox "*) [ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr) ;; esac
case " $engines " in *" webkit "*)
  [ -x /usr/bin/WebKitWebDriver ] || missing+=(webkit2gtk-driver)
  command -v Xvfb >/dev/null || missing+=(xvfb xauth)
  ;;
esac
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing what the tests need: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update && apt-get install -y "${missing[@]}"
  else
    echo "npm test needs system packages that are missing: ${missing[*]}" >&2
    echo "install them, then run npm test again:" >&2
    echo "  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

npx tsc --noEmit -p .
node build.mjs
node scripts/unit.mjs
npx playwright test "$@"
