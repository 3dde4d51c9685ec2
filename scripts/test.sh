#!/usr/bin/env bash
# Set everything up in .venv and run the test suite (doctests included).
set -euo pipefail
EXTRAS=tests source "$(dirname "$0")/_setup.sh"
.venv/bin/python -m pytest -q "$@"
