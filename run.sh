#!/usr/bin/env bash
# Set up (virtualenv + install) and serve the site on the bundled data at http://127.0.0.1:5000
# Usage: ./run.sh [--data DIR] [--port N] [--workers N] [--host ADDR]
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
data_args=()
serve_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data_args=(--data "$2"); shift 2 ;;
    *) serve_args+=("$1"); shift ;;
  esac
done
# Report data problems (they are also shown at /healthz) but serve the good rows anyway.
.venv/bin/directory check-data "${data_args[@]}" || echo "Some rows were rejected (see above); serving the rest." >&2
exec .venv/bin/directory serve "${data_args[@]}" "${serve_args[@]}"
