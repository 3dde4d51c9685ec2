# Shared by scripts/demo.sh, docs.sh and test.sh: make $VENV (default .venv) and install
# skfusion with $EXTRAS.
#
# torch (the `neural` extra, which `all` includes) is installed first, so that its build
# is chosen here and not by pip's resolver, which takes PyPI's multi-GB CUDA build:
#   TORCH_VERSION    the release to install (default 2.13.0, the floor in pyproject.toml;
#                    set it empty for the newest)
#   TORCH_INDEX_URL  an index to take it from (default PyTorch's CPU-only builds,
#                    https://download.pytorch.org/whl/cpu; set it empty to use pip's own
#                    configuration, for example a CUDA build or a local wheel)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
export PIP_DISABLE_PIP_VERSION_CHECK=1
install_torch() {
    local version=${TORCH_VERSION-2.13.0}
    local spec="torch${version:+==$version}"
    local index=${TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}
    "$VENV/bin/python" -c "import torch" 2>/dev/null && return
    "$VENV/bin/python" -m pip install -q "$spec" ${index:+--extra-index-url "$index"}
}
case ",${EXTRAS}," in
    *,neural,* | *,all,* | *,dev,*) install_torch ;;
esac
"$VENV/bin/python" -m pip install -q -e ".[${EXTRAS}]"
