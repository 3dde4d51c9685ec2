#!/usr/bin/env bash
# Set everything up in .venv and run skfusion's demo on the embedded AV-digits data.
set -euo pipefail
EXTRAS=all source "$(dirname "$0")/_setup.sh"
.venv/bin/python -m skfusion.demo "$@"
