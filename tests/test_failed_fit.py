"""A fit either completes or leaves the estimator as it was: a first fit that
fails leaves it unfitted (NotFittedError), a failed refit leaves the previous
fitted state whole (same classes, same members, same predictions)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from skfusion import (
    EarlyFusion,
    LateFusionClassifier,
    LateFusionClassifierCV,
    LateFusionRegressor,
    ModalityDict,
    ModalityTransformer,
)
from skfusion.datasets import make_multimodal_classification

FAIL = {"on": False}


@pytest.fixture(autouse=True)
def _no_failure():
    FAIL["on"] = False
    yield
    FAIL["on"] = False


def _maybe_fail():
    if FAIL["on"]:
        raise RuntimeError("the member failed")


class FlakyLogisticRegression(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        _maybe_fail()
        return super().fit(X, y, sample_weight=sample_weight)


class FlakyRidge(Ridge):
    def fit(self, X, y, sample_weight=None):
        _maybe_fail()
        return super().fit(X, y, sample_weight=sample_weight)


class FlakyScaler(StandardScaler):
    def fit(self, X, y=None, sample_weight=None):
        _maybe_fail()
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.fixture(scope="module")
def data():
    X, y = make_multimodal_classification(120, n_classes=3, random_state=0)
    X = ModalityDict(image=X["image"].reshape(120, -1), table=X["table"])
    return X, y


def _late_classifier(where):
    flaky = FlakyLogisticRegression(max_iter=300)
    members = [("img", LogisticRegression(max_iter=300), "image"),
               ("tab", flaky if where == "member" else LogisticRegression(), "table")]
    final = flaky if where == "final" else None
    return LateFusionClassifier(members, fusion="stacking", final_estimator=final, cv=3)


def _late_cv(where):
    members = [("img", LogisticRegression(max_iter=300), "image"),
               ("tab", FlakyLogisticRegression(), "table")]
    return LateFusionClassifierCV(members, fusions=["mean", "product"], cv=3)


def _late_regressor(where):
    return LateFusionRegressor([("img", Ridge(), "image"), ("tab", FlakyRidge(), "table")],
                               fusion="stacking", cv=3)


def _early(where):
    return EarlyFusion([("img", StandardScaler(), "image"), ("tab", FlakyScaler(), "table")])


def _modality_transformer(where):
    return ModalityTransformer([("img", StandardScaler(), "image"),
                                ("tab", FlakyScaler(), "table")])


def _output(estimator, X):
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)
    if hasattr(estimator, "predict"):
        return estimator.predict(X)
    out = estimator.transform(X)
    return np.hstack([np.asarray(out[m]) for m in out.modalities]) \
        if isinstance(out, ModalityDict) else out


def _method(estimator):
    for method in ("predict_proba", "predict", "transform"):
        if hasattr(estimator, method):
            return method


CASES = [(_late_classifier, "member"), (_late_classifier, "final"), (_late_cv, "member"),
         (_late_regressor, "member"), (_early, "member"), (_modality_transformer, "member")]
IDS = ["LateFusionClassifier-member", "LateFusionClassifier-final", "LateFusionClassifierCV",
       "LateFusionRegressor", "EarlyFusion", "ModalityTransformer"]


def _targets(make, y):
    """The first and a different second target (new classes for a classifier)."""
    if make is _late_regressor:
        return y.astype(float), 10.0 * y + 3
    if make in (_early, _modality_transformer):
        return None, None
    return y, np.array(["cat", "dog", "owl"])[y]


@pytest.mark.parametrize("make, where", CASES, ids=IDS)
def test_failed_first_fit_leaves_the_estimator_unfitted(data, make, where):
    X, y = data
    y, _ = _targets(make, y)
    estimator = make(where)
    FAIL["on"] = True
    with pytest.raises(RuntimeError, match="the member failed"):
        estimator.fit(X, y)
    with pytest.raises(NotFittedError):
        getattr(estimator, _method(estimator))(X)
    assert not [key for key in vars(estimator) if key.endswith("_") and not key.startswith("_")]


@pytest.mark.parametrize("make, where", CASES, ids=IDS)
def test_failed_refit_keeps_the_previous_fit(data, make, where):
    X, y = data
    y_first, y_second = _targets(make, y)
    estimator = make(where).fit(X, y_first)
    before = _output(estimator, X)
    state = dict(vars(estimator))
    FAIL["on"] = True
    with pytest.raises(RuntimeError, match="the member failed"):
        estimator.fit(X, y_second)
    FAIL["on"] = False
    assert vars(estimator).keys() == state.keys()
    assert all(vars(estimator)[key] is value for key, value in state.items())
    assert_allclose(_output(estimator, X), before)
    if hasattr(estimator, "classes_"):
        assert_array_equal(estimator.classes_, [0, 1, 2])
        assert estimator.score(X, y) > 0.9


def test_interrupted_fusion_net_keeps_the_previous_fit(data):
    pytest.importorskip("skorch")
    from skorch.callbacks import Callback

    from skfusion.neural import FusionNetClassifier

    class StopOnSecondEpoch(Callback):
        def on_epoch_end(self, net, **kwargs):
            if FAIL["on"] and len(net.history) == 2:
                raise RuntimeError("the member failed")

    X, y = data
    X = X[:60]
    y = y[:60]
    net = FusionNetClassifier(max_epochs=3, batch_size=20, random_state=0,
                              callbacks=[("stop", StopOnSecondEpoch())],
                              module__embed_dim=8, module__hidden_dim=8)
    FAIL["on"] = True
    with pytest.raises(RuntimeError, match="the member failed"):
        net.fit(X, y)
    with pytest.raises(NotFittedError):
        net.predict(X)
    FAIL["on"] = False
    net.fit(X, y)
    before, classes = net.predict_proba(X), net.classes_
    FAIL["on"] = True
    with pytest.raises(RuntimeError, match="the member failed"):
        net.fit(X, np.array(["cat", "dog", "owl"])[y])
    assert net.classes_ is classes
    assert len(net.net_.history) == 3
    assert_allclose(net.predict_proba(X), before)
