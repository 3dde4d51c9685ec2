"""Checks and scoring shared by the inspection functions."""

import numbers

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.metrics import check_scoring
from sklearn.utils.validation import check_is_fitted

from ..data import check_multimodal, check_n_targets


def check_inspection_inputs(estimator, X, y):
    """Check that ``estimator`` is fitted and that X (a ModalityDict) and y align."""
    check_is_fitted(estimator)
    X = check_multimodal(X, estimator=estimator)
    return X, check_n_targets(X, y)


def check_positive_int(value, name):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def get_scorer(estimator, scoring):
    """One scorer, from a metric name, a callable or None (the estimator's score)."""
    if isinstance(scoring, (list, tuple, set, dict)):
        raise ValueError(
            "scoring must name one metric (a string or a callable), got "
            f"{type(scoring).__name__}; call the function once per metric"
        )
    return check_scoring(estimator, scoring=scoring)


def scoring_name(estimator, scoring):
    """A label for the score axis of plots."""
    if isinstance(scoring, str):
        return scoring
    if scoring is None:
        if is_classifier(estimator):
            return "accuracy"
        if is_regressor(estimator):
            return "R2"
    return "score"


def score(scorer, estimator, X, y, *, context=None):
    """``scorer(estimator, X, y)``; failures name what was done to X."""
    if context is None:
        return float(scorer(estimator, X, y))
    try:
        return float(scorer(estimator, X, y))
    except Exception as exc:  # the estimator's own error, re-raised with the cause
        raise ValueError(
            f"{type(estimator).__name__} could not be scored when {context}: {exc}. "
            "Marking modalities missing needs an estimator that handles missing "
            "modalities (for example skfusion.LateFusionClassifier); "
            "method='permutation' works with any estimator."
        ) from exc


def null_score(estimator, scorer, y):
    """The score of a prediction that uses no modality: the class prior or the mean."""
    if is_classifier(estimator):
        dummy = DummyClassifier(strategy="prior")
    elif is_regressor(estimator):
        dummy = DummyRegressor(strategy="mean")
    else:
        raise ValueError(
            "the score with no modality is that of the class prior (classifiers) or "
            f"the mean (regressors); {type(estimator).__name__} is neither"
        )
    no_features = np.zeros((len(y), 1))
    return float(scorer(dummy.fit(no_features, y), no_features, y))
