#!/usr/bin/env bash
# Set everything up in .venv, check the import layers and run the test suite (doctests
# included), with every extra installed. EXTRAS=tests VENV=.venv-core runs it with the
# core dependencies only (no torch, librosa, scikit-image...): what those extras need
# is skipped, naming the package. Extra arguments go to pytest.
set -euo pipefail
EXTRAS=${EXTRAS:-all,tests} source "$(dirname "$0")/_setup.sh"
"$VENV/bin/lint-imports" --no-cache  # the import layers of pyproject.toml
"$VENV/bin/python" -m pytest -q "$@"
