"""scikit-learn's estimator checks for every public estimator of skfusion.

The estimators are discovered from the package's ``__all__``, recursively
through its subpackages, so that a new public estimator is checked as soon as
it is exported. Each is built by a recipe from ``RECIPES`` (default: its
default constructor); ``EXPECTED_FAILURES`` lists the checks that fail on
purpose, each with its reason, as imbalanced-learn's ``test_common.py`` does.
Classes without ``fit`` (the per-modality augmenters, parameter objects that
``ModalityAugmenter`` calls) get scikit-learn's API checks only.
"""

import importlib
import importlib.util
import inspect
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.utils import check_array
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
    parametrize_with_checks,
)

import skfusion


def _public_classes(module_name="skfusion", seen=None):
    """Every estimator class named in ``__all__`` of the package and its subpackages."""
    seen = {} if seen is None else seen
    module = importlib.import_module(module_name)
    for name in getattr(module, "__all__", []):
        try:
            obj = getattr(module, name)
        except ImportError:  # an optional dependency is absent
            continue
        if inspect.ismodule(obj):
            if obj.__name__.startswith("skfusion.") and obj.__name__ not in seen.values():
                seen[obj.__name__] = obj.__name__
                _public_classes(obj.__name__, seen)
        elif (inspect.isclass(obj) and issubclass(obj, BaseEstimator)
              and not inspect.isabstract(obj)):
            seen[obj.__name__] = obj
    return seen


PUBLIC = {name: cls for name, cls in _public_classes().items() if inspect.isclass(cls)}

# public classes that are not estimators to check, each with its reason
NOT_CHECKED = {
    "BaseAugmenter": "a base class to subclass (it has no _augment_one of its own)",
}


class _Jitter(skfusion.augment.BaseAugmenter):
    """A tiny numeric augmenter, for the checks' 2-D data."""

    def _check_values(self, values):
        return check_array(values)

    def _augment_one(self, value, rng):
        return value + rng.normal(0, 1e-3, size=np.shape(value))


def _late():
    from skfusion.late import LateFusionClassifier, LateFusionClassifierCV, LateFusionRegressor

    return {
        "LateFusionClassifier": lambda: [
            LateFusionClassifier([("a", LogisticRegression(), None),
                                  ("b", LogisticRegression(C=0.1), None)], fusion="product"),
            # dual=False, tol=1e-12: the LinearSVC whose sample_weight scikit-learn's own
            # checks find equivalent to repeating rows (its default solver is stochastic)
            LateFusionClassifier([("a", LogisticRegression(), None),
                                  ("svm", LinearSVC(dual=False, tol=1e-12), None),
                                  ("off", "drop", None)], fusion="stacking", cv=3),
            LateFusionClassifier([("a", LogisticRegression(), None),
                                  ("b", LogisticRegression(C=0.1), None)], fusion="vote"),
        ],
        "LateFusionClassifierCV": lambda: [
            LateFusionClassifierCV([("lr", LogisticRegression(), None)],
                                   fusions=["mean", "stacking"], cv=3)],
        "LateFusionRegressor": lambda: [
            LateFusionRegressor([("ridge", Ridge(), None)], fusion="stacking", cv=3),
            LateFusionRegressor([("a", Ridge(), None), ("b", Ridge(alpha=10), None)])],
    }


RECIPES = {
    **_late(),
    "PairwiseCalibratedClassifier": lambda: [PUBLIC["PairwiseCalibratedClassifier"](SVC(),
                                                                                    cv=3)],
    "EarlyFusion": lambda: [
        PUBLIC["EarlyFusion"]([("all", StandardScaler(), None)]),
        PUBLIC["EarlyFusion"]([("first", StandardScaler(), [0])], remainder="passthrough"),
        PUBLIC["EarlyFusion"]([("all", "passthrough", slice(None))], block_scaling="block"),
    ],
    # a pass-through, and a column selection (sparse formats, lists of rows, column counts)
    "ModalitySelector": lambda: [PUBLIC["ModalitySelector"](),
                                 PUBLIC["ModalitySelector"]([0, 1])],
    "ModalityTransformer": lambda: [
        PUBLIC["ModalityTransformer"]([("x", StandardScaler(), "x")])],
    "ModalityAugmenter": lambda: [PUBLIC["ModalityAugmenter"]({"x": _Jitter()},
                                                              random_state=0)],
    "AugmentedEstimator": lambda: [PUBLIC["AugmentedEstimator"](LogisticRegression(), _Jitter(),
                                                                random_state=0)],
    "PixelFeatures": lambda: [PUBLIC["PixelFeatures"](), PUBLIC["PixelFeatures"](scale=16)],
    "MFCCFeatures": lambda: [
        PUBLIC["MFCCFeatures"](sr=8000),
        PUBLIC["MFCCFeatures"](sr=8000, pooling="stats+segments", cmvn="mean", trim_db=30)],
    "LogMelFeatures": lambda: [PUBLIC["LogMelFeatures"](sr=8000, pooling="segments",
                                                        deltas=1)],
    # a few epochs: the checks test the API, not the fit
    "FusionNetClassifier": lambda: [PUBLIC["FusionNetClassifier"](max_epochs=2,
                                                                  random_state=0)],
    "FusionNetRegressor": lambda: [PUBLIC["FusionNetRegressor"](max_epochs=10, lr=1e-2,
                                                                random_state=0)],
}

_CV_WEIGHTS = ("it calibrates an SVC's one-vs-one decision values, and SVC's sample_weight is "
               "not equivalent to repeating rows: scikit-learn's own checks expect SVC to fail "
               "this check, and CalibratedClassifierCV(SVC(), cv=3) fails it too")
_NOT_SQUARE = ("HOGFeatures reads a 2-D array as flattened square images; the checks' "
               "column counts are rarely square numbers (HOG is checked on images in "
               "tests/features/test_image.py)")
_IMAGES = ("DeskewImages takes gray images of shape (n_samples, height, width); the checks "
           "feed 2-D tables, which it refuses with a ValueError naming the expected shape "
           "(checked on images in tests/features/test_deskew.py)")
# ModalitySelector reads no values: the step after it validates them, as after
# FunctionTransformer(validate=False) (which scikit-learn's checks skip by its no_validation tag)
_SELECTOR = {
    "check_complex_data": "complex values are passed on to the next step, which validates them",
    "check_estimators_empty_data_messages": ("an X with 0 samples or 0 columns is passed on to "
                                             "the next step, which raises"),
    "check_fit1d": ("ModalitySelector(None) passes X through, a 1-D X included (a 1-D array of "
                    "texts for a TfidfVectorizer after it)"),
    "check_transformer_data_not_an_array": ("ModalitySelector(None) returns X itself, here the "
                                            "check's _NotAnArray, which has no shape"),
}
_SELECTOR_COLUMNS = {
    "check_complex_data": ("columns [0, 1] of the check's 1-column X are refused as out of "
                           "range before any value is read"),
    "check_estimators_empty_data_messages": _SELECTOR["check_estimators_empty_data_messages"],
    "check_fit2d_1feature": ("columns [0, 1] of a 1-column X raise 'column index out of range "
                             "for 1 columns', not the check's wording"),
}
_NET_KWARGS = ("the check passes every name of the signature as a keyword, **kwargs "
               "included: FusionNet(kwargs=-1) is refused with a TypeError at construction, "
               "as any keyword that is neither a parameter nor skorch-prefixed (module__*, "
               "optimizer__*...) is; every other value of the check is accepted")

EXPECTED_FAILURES = {
    "PairwiseCalibratedClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _CV_WEIGHTS,
        "check_sample_weight_equivalence_on_sparse_data": _CV_WEIGHTS,
    },
    "HOGFeatures": dict.fromkeys([
        "check_estimators_dtypes", "check_fit_score_takes_y",
        "check_estimators_fit_returns_self", "check_readonly_memmap_input",
        "check_pipeline_consistency", "check_estimators_overwrite_params",
        "check_estimators_pickle", "check_f_contiguous_array_estimator",
        "check_transformer_general", "check_transformer_data_not_an_array",
        "check_methods_sample_order_invariance", "check_methods_subset_invariance",
        "check_fit2d_1sample", "check_dict_unchanged", "check_dont_overwrite_parameters",
        "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in",
        "check_fit2d_predict1d", "check_dtype_object",
    ], _NOT_SQUARE),
    "DeskewImages": dict.fromkeys([
        "check_fit_score_takes_y", "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
        "check_readonly_memmap_input", "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_dtype_object",
        "check_pipeline_consistency", "check_estimators_pickle",
        "check_f_contiguous_array_estimator", "check_transformer_data_not_an_array",
        "check_transformer_general", "check_methods_sample_order_invariance",
        "check_methods_subset_invariance", "check_fit2d_1sample", "check_fit2d_1feature",
        "check_dict_unchanged", "check_fit_idempotent", "check_fit_check_is_fitted",
        "check_n_features_in", "check_fit2d_predict1d",
    ], _IMAGES),
    "ModalitySelector": _SELECTOR,
    "FusionNetClassifier": {
        "check_do_not_raise_errors_in_init_or_set_params": _NET_KWARGS,
    },
}
EXPECTED_FAILURES["FusionNetRegressor"] = {
    **EXPECTED_FAILURES["FusionNetClassifier"],
    # float32 predictions: a subset goes through other matrix-product blocking
    "check_methods_subset_invariance": "the float32 net's predictions on a subset may differ "
                                       "in the 7th digit (rtol=1e-7 is float64's tolerance)",
}


def _checked_classes():
    return {name: cls for name, cls in PUBLIC.items()
            if name not in NOT_CHECKED and hasattr(cls, "fit")}


def _instances():
    instances = []
    for name, cls in sorted(_checked_classes().items()):
        recipe = RECIPES.get(name)
        instances += recipe() if recipe is not None else [cls()]
    return instances


def _expected_failures(estimator):
    if type(estimator).__name__ == "ModalitySelector" and estimator.modality is not None:
        return _SELECTOR_COLUMNS
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


PARAMETER_OBJECTS = sorted(name for name, cls in PUBLIC.items()
                           if name not in NOT_CHECKED and not hasattr(cls, "fit"))
API_CHECKS = [check_no_attributes_set_in_init, check_get_params_invariance, check_set_params,
              check_parameters_default_constructible]


@pytest.mark.parametrize("name", PARAMETER_OBJECTS)
@pytest.mark.parametrize("check", API_CHECKS, ids=lambda check: check.__name__)
def test_parameter_objects_follow_the_estimator_api(name, check):
    check(name, PUBLIC[name]())


def test_discovery_finds_the_public_estimators():
    # a sample of each subpackage: the walk through __all__ reaches them all
    expected = {"ModalitySelector", "ModalityTransformer", "EarlyFusion",
                "LateFusionClassifier", "LateFusionRegressor", "LateFusionClassifierCV",
                "FusionNetClassifier", "FusionNetRegressor", "DeskewImages", "HOGFeatures",
                "ImageAugmenter", "AudioAugmenter", "TextAugmenter", "AugmentedEstimator"}
    # FusionNet needs the neural extra (torch, skorch)
    absent = {"FusionNetClassifier", "FusionNetRegressor"} if any(
        importlib.util.find_spec(name) is None for name in ("torch", "skorch")) else set()
    assert expected - absent <= set(PUBLIC)
    assert {"ImageAugmenter", "AudioAugmenter", "TextAugmenter"} <= set(PARAMETER_OBJECTS)
    # every table entry names a public class (no stale recipe or failure)
    assert set(RECIPES) - absent <= set(PUBLIC)
    assert set(EXPECTED_FAILURES) - absent <= set(PUBLIC)
    assert set(NOT_CHECKED) <= set(PUBLIC)


def test_modality_selector_tags_sparse_input_it_accepts():
    # before: tags said no sparse input, while fit and transform accept it
    from scipy import sparse

    selector = PUBLIC["ModalitySelector"]([0, 2])
    assert selector.__sklearn_tags__().input_tags.sparse
    X = sparse.random(5, 4, density=0.5, format="csr", random_state=0)
    np.testing.assert_array_equal(selector.fit_transform(X).toarray(), X.toarray()[:, [0, 2]])


@pytest.mark.parametrize("name", ["HOGFeatures", "DeskewImages", "ModalitySelector"])
def test_expected_failures_hide_nothing_else(name):
    """The expected failures are xfail: check that exactly those fail, and for the reason."""
    from sklearn.utils.estimator_checks import check_estimator

    pytest.importorskip("skimage")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(PUBLIC[name](), on_fail=None, on_skip=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert failed == set(EXPECTED_FAILURES[name])
    # every failure of the image steps is their refusal of the checks' 2-D tables
    refusal = {"HOGFeatures": "pixels are not a square number",
               "DeskewImages": "expects gray images of shape (n_samples, height, width)"}
    if name in refusal:
        for r in results:
            if r["status"] == "failed":
                error = r["exception"]
                assert refusal[name] in f"{error} {error.__cause__ or error.__context__}"
