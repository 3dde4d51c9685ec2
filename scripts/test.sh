#!/usr/bin/env bash
# Set everything up in .venv, check the import layers and run the test suite (doctests included).
set -euo pipefail
EXTRAS=tests source "$(dirname "$0")/_setup.sh"
.venv/bin/lint-imports --no-cache  # the import layers of pyproject.toml
.venv/bin/python -m pytest -q "$@"
