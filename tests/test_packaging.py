"""torch and skorch are an extra: everything but skfusion.neural works without them."""

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


HIDE = """
import sys


class _Hidden:
    # a finder that makes `import name` raise as if the package were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {hidden!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)


sys.meta_path.insert(0, _Hidden())
"""


def _run_without(modules, code):
    hide = HIDE.format(hidden=set(modules))
    return subprocess.run([sys.executable, "-c", hide + code],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("absent", ["torch", "skorch"])
def test_importing_neural_without_the_extra_names_it(absent):
    result = _run_without([absent], "import skfusion.neural")
    assert result.returncode == 1
    # torch is checked first: without it, it is the one named
    named = "torch" if importlib.util.find_spec("torch") is None else absent
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: skfusion.neural needs torch and skorch "
                           f"({named} is not installed)")
    assert 'pip install "skfusion[neural]"' in last


def test_the_rest_of_skfusion_works_without_torch():
    code = ("import numpy as np; import skfusion\n"
            "from skfusion import EarlyFusion, LateFusionClassifier, ModalityDict\n"
            "import skfusion.inspection, skfusion.augment, skfusion.datasets\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "rng = np.random.RandomState(0)\n"
            "X = ModalityDict(a=rng.normal(size=(40, 3)), b=rng.normal(size=(40, 2)))\n"
            "y = (X['a'][:, 0] > 0).astype(int)\n"
            "clf = LateFusionClassifier([('a', LogisticRegression(), 'a'),\n"
            "                            ('b', LogisticRegression(), 'b')]).fit(X, y)\n"
            "print(clf.score(X, y) > 0.8, 'torch' in sys.modules)")
    result = _run_without(["torch", "skorch"], code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]


def test_user_extras_and_developer_extras_are_apart():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert not any(req.startswith(("torch", "skorch")) for req in core)
    assert extras["all"] == ["skfusion[neural,audio,image,text,distributed,files,plot]"]
    assert {req.split(">=")[0] for req in extras["neural"]} == {"torch", "skorch"}
    assert "tests" not in extras["all"][0] and "docs" not in extras["all"][0]
