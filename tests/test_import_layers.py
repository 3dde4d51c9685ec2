"""The import graph keeps its layers: import-linter's contracts in pyproject.toml hold.

utils, then data (the multimodal X), then features/augment, then
early | late | neural, then inspection, then auto; datasets beside them; torch
and skorch only in skfusion.neural. A wrong import fails here (and in
``lint-imports``, which scripts/test.sh runs).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parents[1]
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(no_cache=True, no_logo=True))")


def _lint(root):
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_package_keeps_its_import_contracts():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


@pytest.mark.parametrize("module, line, contract", [
    # the ground floor must not reach up into a fusion strategy
    ("data/_wrong.py", "from skfusion.late import LateFusionClassifier",
     "Layered packages"),
    # two strategies on the same floor are independent
    ("early/_wrong.py", "from ..neural import FusionNetClassifier", "Layered packages"),
    # torch stays behind skfusion.neural
    ("late/_wrong.py", "import torch", "Only skfusion.neural imports torch and skorch"),
    ("data/_wrong.py", "from skfusion.datasets import load_av_digits", "No layer uses datasets"),
])
def test_a_wrong_import_breaks_a_contract(tmp_path, module, line, contract):
    shutil.copytree(ROOT / "skfusion", tmp_path / "skfusion",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "skfusion" / module).write_text(f"{line}\n")
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{contract} BROKEN" in result.stdout, result.stdout
    assert "Contracts: 3 kept, 1 broken." in result.stdout
    assert f"skfusion.{module.split('/')[0]}._wrong" in result.stdout
