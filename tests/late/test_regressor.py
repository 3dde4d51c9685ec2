"""LateFusionRegressor and make_late_fusion."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVC

from skfusion import LateFusionClassifier, LateFusionRegressor, ModalityDict, make_late_fusion


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = ModalityDict(a=rng.randn(120, 3), b=rng.randn(120, 2))
    y = 3 * X["a"][:, 0] + 2 * X["b"][:, 1] + 0.1 * rng.randn(120)
    return X, y


def members():
    return [("a", Ridge(), "a"), ("b", Ridge(), "b")]


@pytest.mark.parametrize("rule", ["mean", "weighted", "median", "stacking"])
def test_every_rule(data, rule):
    X, y = data
    reg = LateFusionRegressor(members(), fusion=rule, cv=3).fit(X[:90], y[:90])
    assert reg.modalities_ == ["a", "b"] and reg.fusion_ == rule
    pred = reg.predict(X[90:])
    assert pred.shape == (30,)
    if rule in ("mean", "median"):
        a = reg.named_estimators_["a"].predict(X["a"][90:])
        b = reg.named_estimators_["b"].predict(X["b"][90:])
        assert_allclose(pred, (a + b) / 2)
    if rule == "stacking":  # y is the sum of the two members' targets
        assert reg.score(X[90:], y[90:]) > 0.95
        assert_allclose(reg.final_estimator_.coef_, [1, 1], atol=0.15)


def test_learned_weights_favour_the_better_member(data):
    X, y = data
    X = ModalityDict(a=X["a"], noise=np.random.RandomState(1).randn(120, 2))
    y = 3 * X["a"][:, 0]
    reg = LateFusionRegressor([("a", Ridge(), "a"), ("noise", Ridge(), "noise")],
                              fusion="weighted", cv=3).fit(X, y)
    assert reg.weights_[0] > 0.9
    assert reg.member_scores_["a"] > 0.9 > reg.member_scores_["noise"]


def test_missing_modalities(data):
    X, y = data
    X_missing = X.with_missing("b", np.arange(10))
    reg = LateFusionRegressor(members()).fit(X_missing, y)
    assert reg.named_estimators_["b"].n_features_in_ == 2
    a = reg.named_estimators_["a"].predict(X["a"][:10])
    assert_allclose(reg.predict(X_missing[:10]), a)  # only member "a" present
    stack = LateFusionRegressor(members(), fusion="stacking", cv=3).fit(X_missing, y)
    assert np.all(np.isfinite(stack.predict(X_missing[:10])))
    with pytest.raises(ValueError, match="none of the modalities"):
        reg.predict(X_missing[:2].with_missing("a", [0]))


def test_prefit_member_and_search(data):
    X, y = data
    prefit = FrozenEstimator(LinearRegression().fit(X["a"], y))
    reg = LateFusionRegressor([("a", prefit, "a"), ("b", Ridge(), "b")], fusion="stacking",
                              cv=3)
    search = GridSearchCV(reg, {"fusion": ["mean", "stacking"], "b__alpha": [0.1, 10.0]},
                          cv=3).fit(X, y)
    assert search.best_params_["fusion"] == "stacking"
    assert search.best_estimator_.named_estimators_["a"].estimator is prefit.estimator


def test_regressor_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="weights has 1 entries but there are 2 members"):
        LateFusionRegressor(members(), weights=[1]).fit(X, y)
    with pytest.raises(ValueError, match="member 'a' uses modality 'c'"):
        LateFusionRegressor([("a", Ridge(), "c")]).fit(X, y)


def test_make_late_fusion_names_and_kind():
    clf = make_late_fusion((SVC(), "image"), (LogisticRegression(), "audio"), fusion="vote")
    assert isinstance(clf, LateFusionClassifier) and clf.fusion == "vote"
    assert [n for n, _, _ in clf.estimators] == ["image", "audio"]
    twice = make_late_fusion((Ridge(), ["a", "b"]), (Ridge(), ["a", "b"]))
    assert isinstance(twice, LateFusionRegressor)
    assert [n for n, _, _ in twice.estimators] == ["ridge-1", "ridge-2"]
    with pytest.raises(TypeError, match="pairs"):
        make_late_fusion(Ridge())
