"""Every public name has a numpydoc docstring that tells the truth.

- every public class and function has a summary, an Examples section and its
  sections in numpydoc's order, and documents exactly the parameters it takes;
- the public methods that skfusion defines document exactly their parameters;
- the Attributes of an estimator are exactly the fitted attributes (``*_``)
  of an instance fitted on small real-shaped data;
- ``docs/api.rst`` lists every public name (so the API reference cannot miss
  one), and nothing that is not public.
"""

import importlib
import inspect
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator

import skfusion

numpydoc_validate = pytest.importorskip("numpydoc.validate")
docscrape = pytest.importorskip("numpydoc.docscrape")

ROOT = Path(__file__).resolve().parents[1]
API_PAGE = ROOT / "docs" / "api.rst"

# numpydoc checks that a public class or function must pass
OBJECT_CHECKS = {
    "GL08": "has no docstring",
    "SS01": "has no summary line",
    "GL06": "has an unknown section",
    "GL07": "has its sections out of numpydoc's order",
    "PR01": "leaves a parameter undocumented",
    "PR02": "documents a parameter it does not take",
    "PR10": "has a parameter with a malformed ` : ` separator",
    "EX01": "has no Examples section",
}
FUNCTION_CHECKS = {**OBJECT_CHECKS, "RT01": "has no Returns section"}
METHOD_CHECKS = {code: OBJECT_CHECKS[code] for code in ("GL08", "PR01", "PR02", "PR10")}

# Defects in files this test does not own, each for its owner to fix; strict, so
# that a fix makes the test fail until the entry is removed here.
KNOWN_DEFECTS = {
    "skfusion.data.modality_names": "skfusion/data/_selector.py: no Examples section",
    "skfusion.ModalityDict.setdefault": "skfusion/data/_container.py: Parameters section "
                                        "missing (name, default)",
    "skfusion.ModalityDict.update": "skfusion/data/_container.py: Parameters section "
                                    "missing (other, **kwargs)",
}


def _cases(paths):
    return [pytest.param(path, marks=pytest.mark.xfail(reason=KNOWN_DEFECTS[path], strict=True))
            if path in KNOWN_DEFECTS else path for path in sorted(paths)]


# attributes that scikit-learn sets only for some inputs: documented when they can occur
CONDITIONAL_ATTRIBUTES = {"feature_names_in_", "n_features_in_"}


def _public_modules():
    """skfusion and its public subpackages that exist in this checkout."""
    modules = [skfusion]
    for name in sorted(skfusion._SUBMODULES):
        try:
            modules.append(importlib.import_module(f"skfusion.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"skfusion.{name}":
                raise  # a subpackage that exists but fails to import is a defect
    return modules


def _public_objects():
    """Map each public name's documented path to the object, or to the import error.

    A name exported at the top level (``skfusion.ModalityDict``) is documented
    there; every other name under its subpackage (``skfusion.datasets.*``).
    Names whose subpackage is not in this checkout yet are left out.
    """
    top_level = set(skfusion.__all__) - skfusion._SUBMODULES
    subpackages = {f"skfusion.{sub}" for sub in skfusion._SUBMODULES}
    seen, objects, broken = set(), {}, {}
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            path = f"skfusion.{name}" if name in top_level else f"{module.__name__}.{name}"
            try:
                obj = getattr(module, name)
            except ModuleNotFoundError as exc:
                if exc.name in subpackages:
                    continue
                broken[path] = exc
                continue
            except Exception as exc:  # an exported name that cannot be imported
                broken[path] = exc
                continue
            if inspect.ismodule(obj) or not callable(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            objects[path] = obj
    return objects, broken


PUBLIC, BROKEN = _public_objects()
CLASSES = {path: obj for path, obj in PUBLIC.items() if inspect.isclass(obj)}
FUNCTIONS = {path: obj for path, obj in PUBLIC.items() if not inspect.isclass(obj)}


def _own_methods(cls):
    """Public methods that a skfusion module defines on ``cls`` or its skfusion bases."""
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or isinstance(inspect.getattr_static(cls, name), property):
            continue
        func = getattr(member, "__func__", member)
        if inspect.isfunction(func) and func.__module__.startswith("skfusion"):
            yield name


METHODS = [f"{path}.{name}" for path, cls in CLASSES.items() for name in _own_methods(cls)]


def _failures(path, checks):
    errors = numpydoc_validate.validate(path)["errors"]
    return [f"{code} ({checks[code]}): {message}" for code, message in errors if code in checks]


@pytest.mark.parametrize("path", sorted(BROKEN))
def test_public_name_imports(path):
    pytest.fail(f"{path} is exported but cannot be imported: {BROKEN[path]!r}")


def test_public_names_are_found():
    # the foundation's names are there; a broken discovery would test nothing
    assert {"skfusion.ModalityDict", "skfusion.ModalitySelector",
            "skfusion.datasets.make_multimodal_classification",
            "skfusion.datasets.fetch_av_mnist"} <= set(PUBLIC)


@pytest.mark.parametrize("path", _cases(CLASSES))
def test_class_docstring(path):
    assert not _failures(path, OBJECT_CHECKS)


@pytest.mark.parametrize("path", _cases(FUNCTIONS))
def test_function_docstring(path):
    assert not _failures(path, FUNCTION_CHECKS)


@pytest.mark.parametrize("path", _cases(METHODS))
def test_method_docstring(path):
    assert not _failures(path, METHOD_CHECKS)


def _stale(a, b):
    """Add two numbers.

    Parameters
    ----------
    a : int
        First.
    c : int
        Renamed long ago.

    Returns
    -------
    int
        The sum.

    Examples
    --------
    >>> 1
    1
    """


def test_validation_catches_a_stale_docstring(monkeypatch):
    # the checks above can fail: a parameter renamed in code but not in the docs is caught
    probe = type(inspect)("_skfusion_docstring_probe")
    probe.stale = _stale
    monkeypatch.setitem(__import__("sys").modules, probe.__name__, probe)
    failures = _failures(f"{probe.__name__}.stale", FUNCTION_CHECKS)
    assert [f[:4] for f in failures] == ["PR01", "PR02"]


# -- documented attributes against a fitted instance ----------------------------


def _multimodal_data():
    """60 samples, 3 classes: 8x8 images, ragged sequences and a table."""
    from skfusion.datasets import make_multimodal_classification

    return make_multimodal_classification(n_samples=60, n_classes=3, random_state=0)


def _default_fit(cls):
    X, y = _multimodal_data()
    return cls().fit(X, y)


# path -> function returning a fitted instance, for estimators whose default
# constructor cannot be fitted on a ModalityDict of numeric modalities
FIT_RECIPES = {}

ESTIMATORS = {path: cls for path, cls in CLASSES.items() if issubclass(cls, BaseEstimator)}


def _fitted_attributes(estimator):
    return {name for name in vars(estimator)
            if name.endswith("_") and not name.startswith("_")}


def _documented_attributes(cls):
    return {item.name.split(":")[0].strip()
            for item in docscrape.ClassDoc(cls)["Attributes"]}


@pytest.mark.parametrize("path", _cases(ESTIMATORS))
def test_documented_attributes_match_fitted_ones(path):
    cls = ESTIMATORS[path]
    try:
        estimator = FIT_RECIPES.get(path, _default_fit)(cls)
    except Exception as exc:
        pytest.fail(f"{path} could not be fitted for the check ({exc!r}); add a recipe "
                    "to FIT_RECIPES in tests/test_docstrings.py")
    fitted = _fitted_attributes(estimator)
    documented = _documented_attributes(cls)
    class_level = {name for name in documented
                   if isinstance(inspect.getattr_static(cls, name, None), property)}
    assert sorted(fitted - documented) == [], "fitted but not documented"
    assert sorted(documented - fitted - class_level - CONDITIONAL_ATTRIBUTES) == [], \
        "documented but not set by fit"


@pytest.mark.parametrize("path", sorted(set(CLASSES) - set(ESTIMATORS)))
def test_documented_attributes_exist(path):
    cls = CLASSES[path]
    absent = [name for name in _documented_attributes(cls) if not hasattr(cls, name)]
    assert absent == []


# -- the API reference ------------------------------------------------------------


def _api_reference_entries():
    """The ``module.name`` paths that docs/api.rst lists in its autosummaries."""
    entries, module, in_summary = set(), None, False
    for line in API_PAGE.read_text().splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match.group(1)
        elif line.startswith(".. autosummary::"):
            in_summary = True
        elif in_summary and line.strip() and not line.startswith(" "):
            in_summary = False
        elif in_summary and re.match(r"   [A-Za-z_]\w*$", line):
            entries.add(f"{module}.{line.strip()}")
    return entries


def test_api_reference_lists_every_public_name():
    listed = _api_reference_entries()
    assert sorted(set(PUBLIC) - listed) == [], "public but missing from docs/api.rst"
    assert sorted(listed - set(PUBLIC)) == [], "in docs/api.rst but not public"
