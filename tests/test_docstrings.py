"""Every public name has a numpydoc docstring that tells the truth.

- every public class and function has a summary, an Examples section and its
  sections in numpydoc's order, and documents exactly the parameters it takes;
- the public methods that skfusion defines document exactly their parameters;
- the Attributes of an estimator are exactly the fitted attributes (``*_``)
  of an instance fitted on small real-shaped data;
- ``docs/api.rst`` lists every public name (so the API reference cannot miss
  one), and nothing that is not public.
"""

import functools
import importlib
import importlib.util
import inspect
import io
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator

import skfusion

numpydoc_validate = pytest.importorskip("numpydoc.validate")
docscrape = pytest.importorskip("numpydoc.docscrape")
docscrape_sphinx = pytest.importorskip("numpydoc.docscrape_sphinx")

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
}


# Attributes sections that do not match the fitted estimator
ATTRIBUTE_DEFECTS = {}

# docstrings that are not valid reStructuredText (each fails the docs build)
RST_DEFECTS = {
}


def _cases(paths, defects=KNOWN_DEFECTS):
    return [pytest.param(path, marks=pytest.mark.xfail(reason=defects[path], strict=True))
            if path in defects else path for path in sorted(paths)]


# attributes that scikit-learn sets only for some inputs: documented when they can occur
CONDITIONAL_ATTRIBUTES = {"feature_names_in_", "n_features_in_"}


# subpackages that need an extra, and whether this environment has it
ABSENT_EXTRAS = {"skfusion.neural"} if any(
    importlib.util.find_spec(name) is None for name in ("torch", "skorch")) else set()


def _public_modules():
    """skfusion and every public subpackage it names (those whose extra is installed)."""
    return [skfusion] + [importlib.import_module(f"skfusion.{name}")
                         for name in sorted(skfusion._SUBMODULES)
                         if f"skfusion.{name}" not in ABSENT_EXTRAS]


def _needs_absent_extra(path):
    return any(path.startswith(f"{module}.") for module in ABSENT_EXTRAS)


def _public_objects():
    """Map each public name's documented path to the object, or to its import error.

    A name exported at the top level (``skfusion.ModalityDict``) is documented
    there; every other name under its subpackage (``skfusion.datasets.*``).
    """
    top_level = set(skfusion.__all__) - skfusion._SUBMODULES
    seen, objects, broken = set(), {}, {}
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            path = f"skfusion.{name}" if name in top_level else f"{module.__name__}.{name}"
            if path in ABSENT_EXTRAS:
                continue
            try:
                obj = getattr(module, name)
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


def test_every_public_name_imports():
    assert {path: repr(error) for path, error in BROKEN.items()} == {}


def test_public_names_are_found():
    # a broken discovery would test nothing
    assert {"skfusion.ModalityDict", "skfusion.EarlyFusion", "skfusion.LateFusionClassifier",
            "skfusion.neural.FusionNetClassifier", "skfusion.features.MFCCFeatures",
            "skfusion.inspection.modality_importance",
            "skfusion.datasets.load_av_digits"} - set(filter(_needs_absent_extra, [
                "skfusion.neural.FusionNetClassifier"])) <= set(PUBLIC)


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


def _rst_problems(obj):
    """docutils' warnings and errors for the docstring as numpydoc renders it for Sphinx.

    The same problems fail the warnings-as-errors docs build (a bare
    ``n_features_out_`` is an unknown link target, a bad indent breaks a list);
    Sphinx's own roles and directives are accepted as they are.
    """
    from docutils.core import publish_doctree

    _register_sphinx_markup()
    text = str(docscrape_sphinx.get_doc_object(obj, config={"show_class_members": False}))
    stream = io.StringIO()
    publish_doctree(text, settings_overrides={"report_level": 2, "halt_level": 5,
                                              "warning_stream": stream})
    return stream.getvalue().strip()


@functools.cache
def _register_sphinx_markup():
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles

    class _AnyOptions(dict):
        def __contains__(self, key):
            return True

        def __getitem__(self, key):
            return directives.unchanged

        def get(self, key, default=None):
            return directives.unchanged

    class _Ignored(Directive):
        has_content = True
        optional_arguments = 10
        final_argument_whitespace = True
        option_spec = _AnyOptions()

        def run(self):
            return []

    for role in ("class", "func", "meth", "mod", "obj", "attr", "ref", "term", "data",
                 "exc", "doc", "math", "py:class", "py:func", "py:meth", "py:obj"):
        roles.register_generic_role(role, nodes.literal)
    for name in ("seealso", "versionadded", "versionchanged", "deprecated", "plot",
                 "autosummary", "currentmodule", "only", "index"):
        directives.register_directive(name, _Ignored)


def _object(path):
    module, _, name = path.rpartition(".")
    if path in PUBLIC:
        return PUBLIC[path]
    return getattr(_object(module), name)  # a method


@pytest.mark.parametrize("path", _cases(list(PUBLIC) + METHODS, RST_DEFECTS))
def test_docstring_is_valid_rst(path):
    assert _rst_problems(_object(path)) == ""


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


def _images_and_table():
    from skfusion import ModalityDict

    X, y = _multimodal_data()
    return ModalityDict(image=X["image"], table=X["table"]), y


def _waveforms():
    """20 real ragged int16 clips of the embedded data set, and their digits."""
    from skfusion.datasets import load_av_digits

    digits = load_av_digits()
    return digits.data["audio"][:20], digits.target[:20]


def _flat_logistic():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(FunctionTransformer(_flatten), LogisticRegression())


def _flatten(values):
    return np.asarray(values).reshape(len(values), -1)


def _late_members():
    from sklearn.linear_model import LogisticRegression

    return [("image", _flat_logistic(), "image"), ("table", LogisticRegression(), "table")]


def _fit_late_regressor():
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from skfusion import LateFusionRegressor

    X, y = _images_and_table()
    image = make_pipeline(FunctionTransformer(_flatten), Ridge())
    return LateFusionRegressor([("image", image, "image"), ("table", Ridge(), "table")],
                               fusion="stacking", cv=3).fit(X, y.astype(float))


def _fit_sentence_embeddings():
    from skfusion.features import SentenceEmbeddingFeatures

    try:
        return SentenceEmbeddingFeatures().fit(np.array(["a cat", "a dog"], dtype=object))
    except ImportError as exc:
        pytest.skip(f"the text extra is not installed: {exc}")


def _recipes():
    from sklearn.pipeline import make_pipeline

    from sklearn.svm import SVC

    from skfusion import (EarlyFusion, LateFusionClassifier, LateFusionClassifierCV,
                          ModalitySelector, ModalityTransformer, PairwiseCalibratedClassifier)
    from skfusion.augment import AugmentedEstimator, ImageAugmenter, ModalityAugmenter
    from skfusion.features import (DeskewImages, HOGFeatures, LogMelFeatures, MFCCFeatures,
                                   PixelFeatures)

    X, y = _images_and_table()
    clips, _ = _waveforms()
    return {
        "skfusion.EarlyFusion": lambda: EarlyFusion(
            [("image", "passthrough", "image"), ("table", "passthrough", "table")]).fit(X, y),
        "skfusion.ModalityTransformer": lambda: ModalityTransformer(
            [("image", PixelFeatures(scale=False), "image")]).fit(X, y),
        "skfusion.LateFusionClassifier": lambda: LateFusionClassifier(
            _late_members(), fusion="stacking", cv=3).fit(X, y),
        "skfusion.LateFusionClassifierCV": lambda: LateFusionClassifierCV(
            _late_members(), fusions=["mean", "product"], cv=3).fit(X, y),
        "skfusion.LateFusionRegressor": _fit_late_regressor,
        "skfusion.PairwiseCalibratedClassifier": lambda: PairwiseCalibratedClassifier(
            SVC(), cv=3).fit(X["table"], y),
        "skfusion.augment.AugmentedEstimator": lambda: AugmentedEstimator(
            make_pipeline(ModalitySelector("image"), _flat_logistic()),
            {"image": ImageAugmenter()}, random_state=0).fit(X, y),
        "skfusion.augment.ModalityAugmenter": lambda: _resampled(
            ModalityAugmenter({"image": ImageAugmenter()}, random_state=0), X, y),
        "skfusion.features.PixelFeatures": lambda: PixelFeatures().fit(X["image"]),
        "skfusion.features.HOGFeatures": lambda: HOGFeatures().fit(X["image"]),
        "skfusion.features.DeskewImages": lambda: DeskewImages().fit(X["image"]),
        "skfusion.features.MFCCFeatures": lambda: MFCCFeatures(
            sr=8000, output="matrix").fit(clips),
        "skfusion.features.LogMelFeatures": lambda: LogMelFeatures(
            sr=8000, output="matrix").fit(clips),
        "skfusion.features.SentenceEmbeddingFeatures": _fit_sentence_embeddings,
    }


def _resampled(sampler, X, y):
    sampler.fit_resample(X, y)
    return sampler


def _default_fit(cls):
    X, y = _multimodal_data()
    return cls().fit(X, y)


ESTIMATORS = {path: cls for path, cls in CLASSES.items() if issubclass(cls, BaseEstimator)}


def _fitted_attributes(estimator):
    return {name for name in vars(estimator)
            if name.endswith("_") and not name.startswith("_")}


def _documented_attributes(cls):
    # "a_, b_ : type" documents several attributes in one entry
    return {name.strip() for item in docscrape.ClassDoc(cls)["Attributes"]
            for name in item.name.split(":")[0].split(",") if name.strip()}


def _fitted_instance(path, cls):
    recipes = _recipes()
    if path in recipes:
        return recipes[path]()
    if not hasattr(cls, "fit"):
        return cls()  # nothing to fit (an augmenter): no fitted attributes
    return _default_fit(cls)


@pytest.mark.parametrize("path", _cases(ESTIMATORS, ATTRIBUTE_DEFECTS))
def test_documented_attributes_match_fitted_ones(path):
    cls = ESTIMATORS[path]
    try:
        estimator = _fitted_instance(path, cls)
    except (TypeError, ValueError) as exc:  # an absent optional package: a skip (conftest)
        pytest.fail(f"{path} could not be fitted for the check ({exc!r}); add a recipe "
                    "to _recipes() in tests/test_docstrings.py")
    fitted = _fitted_attributes(estimator)
    documented = _documented_attributes(cls)
    class_level = {name for name in documented
                   if isinstance(inspect.getattr_static(cls, name, None), property)}
    assert sorted(fitted - documented) == [], "fitted but not documented"
    assert sorted(documented - fitted - class_level - CONDITIONAL_ATTRIBUTES) == [], \
        "documented but not set by fit"


def _plotted_displays():
    """Each inspection Display, plotted on tiny data (its attributes exist after plot)."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from skfusion import ModalitySelector
    from skfusion.inspection import (MemberCalibrationDisplay, ModalityImportanceDisplay,
                                     RobustnessDisplay)

    X, y = _multimodal_data()
    model = make_pipeline(ModalitySelector("table"), LogisticRegression()).fit(X, y)
    probas = model.predict_proba(X)
    return {
        "skfusion.inspection.ModalityImportanceDisplay":
            lambda: ModalityImportanceDisplay.from_estimator(model, X, y, n_repeats=2,
                                                             random_state=0),
        "skfusion.inspection.RobustnessDisplay":
            lambda: RobustnessDisplay.from_estimator(model, X, y, modality="table",
                                                     corruption="gaussian", levels=[0, 1],
                                                     random_state=0),
        "skfusion.inspection.MemberCalibrationDisplay":
            lambda: MemberCalibrationDisplay.from_predictions(y, {"table": probas}, n_bins=3),
    }


@pytest.mark.parametrize("path", sorted(set(CLASSES) - set(ESTIMATORS)))
def test_documented_attributes_exist(path):
    cls = CLASSES[path]
    target = cls
    if path.startswith("skfusion.inspection."):
        target = _plotted_displays()[path]()
    absent = [name for name in _documented_attributes(cls) if not hasattr(target, name)]
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
    listed = {path for path in _api_reference_entries() if not _needs_absent_extra(path)}
    assert sorted(set(PUBLIC) - listed) == [], "public but missing from docs/api.rst"
    assert sorted(listed - set(PUBLIC)) == [], "in docs/api.rst but not public"


def test_docs_build_quarantines_exactly_the_known_rst_defects():
    # docs/conf.py repairs these docstrings so that the strict build passes; a
    # fixed docstring must leave both lists, a new defect must enter both
    conf = (ROOT / "docs" / "conf.py").read_text()
    block = conf.split("RST_QUARANTINE = {", 1)[1].split("}", 1)[0]
    assert set(re.findall(r'"([^"]+)"', block)) == set(RST_DEFECTS)
