"""Cheap search over fusion choices: memory= reuses members; LateFusionClassifierCV."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skfusion import LateFusionClassifier, LateFusionClassifierCV, ModalityDict
from skfusion.datasets import make_multimodal_classification

FIT_LOG = []
PREDICT_LOG = []


class CountingLogisticRegression(LogisticRegression):
    """Logs the number of rows of every fit, predict and predict_proba."""

    def fit(self, X, y, sample_weight=None):
        FIT_LOG.append(len(y))
        return super().fit(X, y, sample_weight=sample_weight)

    def predict_proba(self, X):
        PREDICT_LOG.append(len(X))
        return super().predict_proba(X)

    def predict(self, X):
        PREDICT_LOG.append(len(X))
        return super().predict(X)


class StridedLogisticRegression(CountingLogisticRegression):
    """Keeps ``coef_`` and ``intercept_`` as views of one array, as
    LogisticRegression does before scikit-learn 1.9: a pickled copy holds them
    contiguous, which ``joblib.hash`` tells apart."""

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        both = np.ascontiguousarray(np.hstack([self.coef_, self.intercept_[:, None]]))
        self.coef_, self.intercept_ = both[:, :-1], both[:, -1]
        return self


@pytest.fixture(scope="module")
def data():
    X, y = make_multimodal_classification(
        150, n_classes=3, informativeness={"image": 0.5, "table": 0.5}, random_state=0)
    return ModalityDict(image=X["image"].reshape(150, -1), table=X["table"]), y


def members():
    return [("img", CountingLogisticRegression(C=0.1), "image"),
            ("tab", CountingLogisticRegression(), "table")]


def _search(memory, grid):
    FIT_LOG.clear()
    PREDICT_LOG.clear()
    search = GridSearchCV(LateFusionClassifier(members(), cv=3, memory=memory), grid, cv=3)
    return search


def test_grid_over_rules_fits_each_member_once_per_split(data, tmp_path):
    X, y = data
    grid = {"fusion": ["mean", "product", "max", "min", "median", "vote"]}
    plain = _search(None, grid).fit(X, y)
    plain_fits, plain_predicts = len(FIT_LOG), len(PREDICT_LOG)
    cached = _search(tmp_path, grid).fit(X, y)
    cached_fits, cached_predicts = len(FIT_LOG), len(PREDICT_LOG)
    # 6 candidates x 3 splits x 2 members, then the refit (2)
    assert plain_fits == 6 * 3 * 2 + 2
    assert plain_predicts == 6 * 3 * 2
    # each member fitted once per split, then once on all rows, and each
    # validation fold predicted once per member and method ("vote" reads
    # predict, as VotingClassifier(voting="hard"); the others predict_proba)
    assert cached_fits == 3 * 2 + 2
    assert cached_predicts == 3 * 2 * 2
    assert_allclose(cached.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"])
    assert cached.best_params_ == plain.best_params_


def test_cached_members_with_strided_arrays_share_predictions(data, tmp_path):
    # the first candidate of each split fits the members; the others load them
    # from the cache: all must hit the same cached predictions
    X, y = data
    members = [("img", StridedLogisticRegression(C=0.1), "image"),
               ("tab", StridedLogisticRegression(), "table")]
    coef = clone(members[0][1]).fit(X["image"], y).coef_
    assert not (coef.flags.c_contiguous or coef.flags.f_contiguous)
    grid = {"fusion": ["mean", "product", "max"]}
    FIT_LOG.clear()
    PREDICT_LOG.clear()
    cached = GridSearchCV(LateFusionClassifier(members, memory=tmp_path), grid, cv=3).fit(X, y)
    assert len(FIT_LOG) == 3 * 2 + 2
    assert len(PREDICT_LOG) == 3 * 2
    plain = GridSearchCV(LateFusionClassifier(members), grid, cv=3).fit(X, y)
    assert_allclose(cached.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"])


def test_grid_with_stacking_and_weights_reuses_out_of_fold_fits(data, tmp_path):
    X, y = data
    grid = [{"fusion": ["stacking"], "final_estimator": [None, LogisticRegression(C=0.1)]},
            {"fusion": ["weighted"], "weights": [None, [2, 1]]},
            {"fusion": ["mean"], "calibration": [None, "temperature"]}]
    search = _search(tmp_path, grid).fit(X, y)
    # per split: 2 full fits + 2 members x 3 inner folds, whatever the candidates
    refit_used_oof = search.best_estimator_.member_scores_ is not None
    assert len(FIT_LOG) == 3 * (2 + 2 * 3) + (8 if refit_used_oof else 2)
    FIT_LOG.clear()
    _search(tmp_path, grid).fit(X, y)  # a second search: all from the cache
    assert FIT_LOG == []


def test_cache_key_changes_with_member_params_and_rows(data, tmp_path):
    X, y = data
    clf = LateFusionClassifier(members(), memory=tmp_path)
    FIT_LOG.clear()
    clf.fit(X, y)
    clf.fit(X, y)
    assert FIT_LOG == [150, 150]
    clf.set_params(img__C=1.0).fit(X, y)  # one member changed: only it refits
    assert FIT_LOG == [150, 150, 150]
    clf.fit(X[:100], y[:100])  # other rows: both refit
    assert FIT_LOG[3:] == [100, 100]


def test_cv_estimator_scores_every_rule_on_one_set_of_fits(data):
    X, y = data
    FIT_LOG.clear()
    clf = LateFusionClassifierCV(members(), cv=3).fit(X, y)
    assert len(FIT_LOG) == 2 + 2 * 3  # members once, and once per fold
    assert set(clf.scores_) == {"mean", "weighted", "product", "max", "min", "median",
                                "vote", "stacking"}
    best = max(clf.scores_.values())
    assert clf.scores_[clf.fusion_] == best
    first_best = next(rule for rule, score in clf.scores_.items() if score == best)
    assert clf.fusion_ == first_best
    assert 0.5 < best <= 1.0
    same = LateFusionClassifier(members(), fusion=clf.fusion_, cv=3).fit(X, y)
    assert_array_equal(clf.predict(X), same.predict(X))


def test_cv_estimator_mean_score_is_the_out_of_fold_accuracy(data):
    from sklearn.model_selection import cross_val_predict

    X, y = data
    clf = LateFusionClassifierCV(members(), fusions=["mean", "vote"], cv=3).fit(X, y)
    # the mean rule's out-of-fold probabilities are the mean of the members' ones
    img = cross_val_predict(LogisticRegression(C=0.1), X["image"], y, cv=3,
                            method="predict_proba")
    tab = cross_val_predict(LogisticRegression(), X["table"], y, cv=3, method="predict_proba")
    expected = np.mean(((img + tab) / 2).argmax(axis=1) == y)
    assert clf.scores_["mean"] == pytest.approx(expected)


def test_cv_estimator_log_loss_and_callable_scoring(data):
    from sklearn.metrics import balanced_accuracy_score, make_scorer

    X, y = data
    clf = LateFusionClassifierCV(members(), fusions=["mean", "vote"], scoring="neg_log_loss",
                                 cv=3).fit(X, y)
    assert clf.scores_["vote"] == -np.inf and clf.fusion_ == "mean"
    # a scorer, as LogisticRegressionCV takes it: a name or make_scorer(...)
    by_name = LateFusionClassifierCV(members(), fusions=["mean", "product"],
                                     scoring="balanced_accuracy", cv=3).fit(X, y)
    by_scorer = LateFusionClassifierCV(members(), fusions=["mean", "product"],
                                       scoring=make_scorer(balanced_accuracy_score),
                                       cv=3).fit(X, y)
    assert set(by_scorer.scores_) == {"mean", "product"}
    assert by_scorer.scores_ == by_name.scores_
    with pytest.raises(ValueError, match="looks like it is a metric function"):
        LateFusionClassifierCV(members(), scoring=balanced_accuracy_score, cv=3).fit(X, y)
    with pytest.raises(ValueError, match="fusions must be"):
        LateFusionClassifierCV(members(), fusions=["average"]).fit(X, y)


def test_cv_estimator_with_missing_modalities(data):
    X, y = data
    X = X.with_missing("image", np.arange(0, 150, 5)).with_missing("table", np.arange(1, 150, 5))
    clf = LateFusionClassifierCV(members(), fusions=["mean", "product"], cv=3).fit(X, y)
    assert set(clf.scores_) == {"mean", "product"} and clf.fusion_ in clf.scores_
    assert clf.score(X, y) > 0.7
    # the row without its image is fused from the table member alone
    assert_allclose(clf.predict_proba(X[:1]),
                    clf.named_estimators_["tab"].predict_proba(X["table"][:1]))
