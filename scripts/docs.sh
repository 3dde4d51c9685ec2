#!/usr/bin/env bash
# Set everything up in .venv and build the HTML docs offline (warnings are errors).
# The pages land in docs/_build/html/index.html. Extra arguments go to sphinx-build.
set -euo pipefail
# the gallery runs the audio (librosa) and image (scikit-image) feature extractors and FusionNet
EXTRAS=docs,audio,image,neural source "$(dirname "$0")/_setup.sh"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg
.venv/bin/python -m sphinx -W --keep-going -b html -j 1 docs docs/_build/html "$@"
echo "docs built: docs/_build/html/index.html"
