#!/usr/bin/env bash
# Run the test suite (as scripts/test.sh does) against the OLDEST versions of
# skfusion's dependencies that pyproject.toml allows, in .venv-oldest.
#
# Every `name>=X` in [project].dependencies and in the `neural` extra is installed
# as `name==X`: torch first, at its floor, from TORCH_INDEX_URL as scripts/_setup.sh
# takes it (TORCH_VERSION overrides the floor). The optional extras resolve to
# whatever suits those floors. PYTHON (3.11+: the floors are read with tomllib)
# makes the venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
VENV=.venv-oldest
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
export PIP_DISABLE_PIP_VERSION_CHECK=1
mapfile -t FLOORS < <("$VENV/bin/python" - <<'PY'
import re
import tomllib

with open("pyproject.toml", "rb") as file:
    project = tomllib.load(file)["project"]
for requirement in project["dependencies"] + project["optional-dependencies"]["neural"]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([^,;\s]+).*", requirement)
    if match is None:
        raise SystemExit(f"test_oldest.sh: no `>=` floor in the requirement {requirement!r}")
    print("{}=={}".format(*match.groups()))
PY
)
TORCH_FLOOR=$(printf '%s\n' "${FLOORS[@]}" | sed -n 's/^torch==//p')
TORCH="torch==${TORCH_VERSION:-$TORCH_FLOOR}"
INDEX=${TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}
"$VENV/bin/python" -c "import torch" 2>/dev/null \
    || "$VENV/bin/python" -m pip install -q "$TORCH" ${INDEX:+--extra-index-url "$INDEX"}
echo "oldest: ${FLOORS[*]/#torch==*/$TORCH}"
"$VENV/bin/python" -m pip install -q -e ".[all,tests]" "${FLOORS[@]/#torch==*/$TORCH}"
"$VENV/bin/python" -m pip check
echo "installed: torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
"$VENV/bin/lint-imports" --no-cache
"$VENV/bin/python" -m pytest -q "$@"
