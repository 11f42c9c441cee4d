#!/usr/bin/env bash
# Set up (virtualenv + install with [test], Chromium for browser tests when we may install it)
# and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium and chromium-driver for the browser tests..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "Chromium not found: browser tests will be skipped (CI installs it and fails instead)." >&2
  fi
fi
# axe-core (accessibility rules) for the browser tests, from the npm registry, into a folder
# the tests read; no node at run time: the tests inject axe.min.js into the page.
if [ ! -f tests/.axe/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --prefix tests/.axe --no-audit --no-fund --silent axe-core@4 >/dev/null
  else
    echo "npm not found: the accessibility checks will be skipped (CI fails instead)." >&2
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
.venv/bin/ruff check directory geo bench tests
.venv/bin/ruff format --check directory geo bench tests
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
