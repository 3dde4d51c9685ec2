#!/usr/bin/env bash
# Run the test suite (as scripts/test.sh does) against the OLDEST versions of
# skfusion's dependencies that pyproject.toml allows, in .venv-oldest.
#
# Every `name>=X` in [project].dependencies is installed as `name==X`, except
# torch: like scripts/test.sh, torch is installed first as TORCH_VERSION
# (default 2.13.0, the local CPU build; a plain `torch` requirement would pull
# a multi-GB CUDA build). The optional test extras resolve to whatever suits
# those floors. PYTHON (3.11+: the floors are read with tomllib) makes the venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
VENV=.venv-oldest
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
export PIP_DISABLE_PIP_VERSION_CHECK=1
"$VENV/bin/python" -c "import torch" 2>/dev/null \
    || "$VENV/bin/python" -m pip install -q "torch==${TORCH_VERSION:-2.13.0}"
mapfile -t FLOORS < <("$VENV/bin/python" - <<'EOF'
import re
import tomllib

with open("pyproject.toml", "rb") as file:
    requirements = tomllib.load(file)["project"]["dependencies"]
for requirement in requirements:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([^,;\s]+).*", requirement)
    if match is None:
        raise SystemExit(f"test_oldest.sh: no `>=` floor in the requirement {requirement!r}")
    name, floor = match.groups()
    if name != "torch":
        print(f"{name}=={floor}")
EOF
)
echo "oldest: ${FLOORS[*]} torch==$("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
"$VENV/bin/python" -m pip install -q -e ".[tests]" "${FLOORS[@]}"
"$VENV/bin/python" -m pip check
"$VENV/bin/python" -m pytest -q "$@"
