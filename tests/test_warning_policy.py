"""The suite's warning policy (pyproject.toml): deprecations are errors.

A call that a dependency deprecates fails the test that makes it, the day the
release that deprecates it is tested, long before the release that removes it.
"""

import warnings

import numpy as np
import pytest
from sklearn.svm import SVC


@pytest.mark.parametrize("category", [FutureWarning, DeprecationWarning,
                                      PendingDeprecationWarning])
def test_a_deprecation_warning_is_an_error(category):
    with pytest.raises(category):
        warnings.warn("this will go away", category)


def test_a_scikit_learn_deprecation_fails_the_test_that_triggers_it():
    # SVC(probability=True): deprecated in scikit-learn 1.9, removed in 1.11
    # (skfusion.PairwiseCalibratedClassifier gives the same probabilities)
    svc = SVC(probability=True)
    if "probability" not in svc.get_params():
        pytest.skip("this scikit-learn has no SVC(probability=...) any more")
    X = np.r_[np.zeros((10, 2)), np.ones((10, 2))] + np.random.RandomState(0).rand(20, 2)
    y = np.repeat([0, 1], 10)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        SVC(probability=True).fit(X, y)
    if not any(issubclass(w.category, FutureWarning) for w in seen):
        pytest.skip("this scikit-learn does not deprecate SVC(probability=True) yet")
    with pytest.raises(FutureWarning, match="probability"):
        SVC(probability=True).fit(X, y)
