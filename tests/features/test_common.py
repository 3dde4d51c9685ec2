"""scikit-learn's estimator checks for the feature extractors.

The checks feed 2-D float arrays. PixelFeatures reads them as flattened
images and the audio extractors as equal-length clips, so they pass every
check. HOGFeatures reads a 2-D array as flattened *square* images; the checks
use 2-10 columns, rarely a square number, so the checks that fit on such data
are expected to fail with a clear "not a square number" error (HOG is tested
on real images in test_image.py instead). SentenceEmbeddingFeatures takes
strings, which the checks skip (tags: ``two_d_array=False, string=True``).
"""

import warnings

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skfusion.features import (
    HOGFeatures,
    LogMelFeatures,
    MFCCFeatures,
    PixelFeatures,
    SentenceEmbeddingFeatures,
)

pytest.importorskip("librosa")
pytest.importorskip("skimage")

_NOT_SQUARE = "HOGFeatures needs square images; the checks' 2-D data has a non-square column count"
_HOG_FAILS = [
    "check_estimators_dtypes", "check_fit_score_takes_y", "check_estimators_fit_returns_self",
    "check_readonly_memmap_input", "check_pipeline_consistency", "check_estimators_overwrite_params",
    "check_estimators_pickle", "check_f_contiguous_array_estimator", "check_transformer_general",
    "check_transformer_data_not_an_array", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_fit2d_1sample", "check_dict_unchanged",
    "check_dont_overwrite_parameters", "check_fit_idempotent", "check_fit_check_is_fitted",
    "check_n_features_in", "check_fit2d_predict1d", "check_dtype_object",
]


def _expected_failures(estimator):
    if isinstance(estimator, HOGFeatures):
        return {name: _NOT_SQUARE for name in _HOG_FAILS}
    return {}


ESTIMATORS = [
    PixelFeatures(),
    PixelFeatures(scale=16),
    HOGFeatures(),
    MFCCFeatures(sr=8000),
    MFCCFeatures(sr=8000, pooling="stats+segments", cmvn="mean", trim_db=30),
    LogMelFeatures(sr=8000, pooling="segments", deltas=1),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_hog_fails_exactly_the_expected_checks_and_for_the_stated_reason():
    """The expected failures above are xfail: make sure they hide nothing else."""
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        results = check_estimator(HOGFeatures(), on_fail=None, on_skip=None)
    failed = [r for r in results if r["status"] == "failed"]
    assert {r["check_name"] for r in failed} == set(_HOG_FAILS)
    for result in failed:
        assert "pixels are not a square number" in str(result["exception"]), result


def test_text_embedder_declares_string_input():
    tags = SentenceEmbeddingFeatures().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array
