"""LateFusion* side by side with StackingClassifier/Regressor and VotingClassifier/Regressor.

Where the configurations coincide (every member reads all of X), skfusion
must give scikit-learn's numbers: probabilities and predictions to 1e-10,
the same transform, the same errors.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    StackingClassifier,
    StackingRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.linear_model import BayesianRidge, LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_predict, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skfusion import (
    LateFusionClassifier,
    LateFusionClassifierCV,
    LateFusionRegressor,
    ModalityDict,
)

ATOL = 1e-10
pytestmark = pytest.mark.filterwarnings(
    "ignore:The `probability` parameter was deprecated:FutureWarning")


def _classification(n_classes=2, labels=None, n_samples=120):
    X, y = make_classification(n_samples, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=n_classes, random_state=0)
    if labels is not None:
        y = np.asarray(labels)[y]
    return X, y


def _triples(pairs):
    """sklearn's (name, estimator) pairs as skfusion members reading all of X."""
    return [(name, est, None) for name, est in pairs]


def _members():
    return [("lr", LogisticRegression(C=0.5)), ("nb", GaussianNB()),
            ("tree", DecisionTreeClassifier(max_depth=3, random_state=0))]


DATASETS = {
    "binary": lambda: _classification(2),
    "multiclass": lambda: _classification(3),
    "strings": lambda: _classification(3, labels=["cat", "dog", "eel"]),
}


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("weighted", [False, True])
def test_stacking_equals_stacking_classifier(dataset, weighted):
    X, y = DATASETS[dataset]()
    weight = np.random.RandomState(1).uniform(0.5, 2, len(y)) if weighted else None
    members = [("lr", LogisticRegression(C=0.5)), ("svc", SVC(probability=True,
                                                               random_state=0))]
    ours = LateFusionClassifier(_triples(members), fusion="stacking").fit(
        X, y, sample_weight=weight)
    theirs = StackingClassifier(members).fit(X, y, sample_weight=weight)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert_allclose(ours.transform(X), theirs.transform(X), atol=ATOL)
    assert ours.stack_method_ == theirs.stack_method_
    assert [n.replace("latefusionclassifier", "stackingclassifier")
            for n in ours.get_feature_names_out()] == list(theirs.get_feature_names_out())


@pytest.mark.parametrize("stack_method", ["auto", "decision_function", "predict"])
@pytest.mark.parametrize("dataset", ["binary", "multiclass"])
def test_stack_method_equals_stacking_classifier(stack_method, dataset):
    # LinearSVC has no predict_proba: "auto" stacks its decision values, raw
    X, y = DATASETS[dataset]()
    members = [("svm", LinearSVC(C=0.1)), ("tree", DecisionTreeClassifier(max_depth=2,
                                                                          random_state=0))]
    if stack_method == "decision_function":
        members = [("svm", LinearSVC(C=0.1)), ("lr", LogisticRegression())]
    ours = LateFusionClassifier(_triples(members), fusion="stacking",
                                stack_method=stack_method).fit(X, y)
    theirs = StackingClassifier(members, stack_method=stack_method).fit(X, y)
    assert ours.stack_method_ == theirs.stack_method_
    assert_allclose(ours.transform(X), theirs.transform(X), atol=ATOL)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL)
    assert_array_equal(ours.predict(X), theirs.predict(X))


def test_stack_method_the_member_lacks_is_sklearns_error():
    X, y = DATASETS["binary"]()
    members = [("svm", LinearSVC())]
    message = "Underlying estimator svm does not implement the method predict_proba"
    with pytest.raises(ValueError, match=message):
        StackingClassifier(members, stack_method="predict_proba").fit(X, y)
    with pytest.raises(ValueError, match=message):
        LateFusionClassifier(_triples(members), fusion="stacking",
                             stack_method="predict_proba").fit(X, y)


def test_stacking_passthrough_on_sparse_x_stays_sparse():
    X, y = DATASETS["multiclass"]()
    X = sparse.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    members = [("lr", LogisticRegression(C=0.5)), ("lr2", LogisticRegression(C=5))]
    ours = LateFusionClassifier(_triples(members), fusion="stacking",
                                passthrough=True).fit(X, y)
    theirs = StackingClassifier(members, passthrough=True).fit(X, y)
    Xt = ours.transform(X)
    assert sparse.issparse(Xt) and sparse.issparse(theirs.transform(X))
    assert_allclose(Xt.toarray(), theirs.transform(X).toarray(), atol=ATOL)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL)
    assert list(ours.get_feature_names_out())[-6:] == [f"x{i}" for i in range(6)]


def test_stacking_on_a_dataframe_keeps_feature_names():
    X, y = DATASETS["strings"]()
    X = pd.DataFrame(X, columns=[f"c{i}" for i in range(6)])
    members = [("lr", LogisticRegression()), ("nb", GaussianNB())]
    ours = LateFusionClassifier(_triples(members), fusion="stacking",
                                passthrough=True).fit(X, y)
    theirs = StackingClassifier(members, passthrough=True).fit(X, y)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL)
    assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    assert [n.replace("latefusionclassifier", "stackingclassifier")
            for n in ours.get_feature_names_out()] == list(theirs.get_feature_names_out())


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("weights", [None, [2.0, 1.0, 1.0]])
def test_mean_equals_soft_voting(dataset, weights):
    X, y = DATASETS[dataset]()
    ours = LateFusionClassifier(_triples(_members()), weights=weights).fit(X, y)
    theirs = VotingClassifier(_members(), voting="soft", weights=weights).fit(X, y)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert_allclose(ours.transform(X), theirs.transform(X), atol=ATOL)
    assert [n.replace("latefusionclassifier", "votingclassifier")
            for n in ours.get_feature_names_out()] == list(theirs.get_feature_names_out())


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("weights", [None, [1.0, 1.0, 2.0], [1.0, 1.0, 0.0]])
def test_vote_equals_hard_voting(dataset, weights):
    # SVC(probability=True): predict and the argmax of predict_proba differ
    X, y = DATASETS[dataset]()
    members = [("svc", SVC(probability=True, C=0.3, random_state=0)),
               ("tree", DecisionTreeClassifier(max_depth=2, random_state=0)),
               ("nb", GaussianNB())]
    ours = LateFusionClassifier(_triples(members), fusion="vote", weights=weights).fit(X, y)
    theirs = VotingClassifier(members, voting="hard", weights=weights).fit(X, y)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert_array_equal(ours.transform(X), theirs.transform(X))
    assert [n.replace("latefusionclassifier", "votingclassifier")
            for n in ours.get_feature_names_out()] == list(theirs.get_feature_names_out())


@pytest.mark.parametrize("voting", ["soft", "hard"])
def test_voting_with_sample_weights_on_sparse_x(voting):
    X, y = DATASETS["strings"]()
    X = sparse.csr_matrix(np.where(np.abs(X) > 0.8, X, 0.0))
    weight = np.random.RandomState(2).uniform(0.2, 3, len(y))
    members = [("lr", LogisticRegression(C=0.3)), ("lr2", LogisticRegression(C=3.0)),
               ("tree", DecisionTreeClassifier(max_depth=3, random_state=0))]
    ours = LateFusionClassifier(_triples(members),
                                fusion="mean" if voting == "soft" else "vote").fit(
        X, y, sample_weight=weight)
    theirs = VotingClassifier(members, voting=voting).fit(X, y, sample_weight=weight)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert_allclose(ours.transform(X), theirs.transform(X), atol=ATOL)
    if voting == "soft":
        assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL)


def test_vote_ties_follow_voting_classifier():
    # two members that disagree on every row: every row is a tie
    X, y = DATASETS["multiclass"]()

    class Constant(ClassifierMixin, BaseEstimator):
        def __init__(self, label=0):
            self.label = label

        def fit(self, X, y):
            self.classes_ = np.unique(y)
            return self

        def predict(self, X):
            return np.full(len(X), self.classes_[self.label])

    members = [("two", Constant(2)), ("one", Constant(1))]
    ours = LateFusionClassifier(_triples(members), fusion="vote").fit(X, y)
    theirs = VotingClassifier(members, voting="hard").fit(X, y)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert set(ours.predict(X)) == {1}  # the lower class index wins


def test_regressor_stacking_and_mean_equal_sklearn():
    X, y = make_regression(100, n_features=5, noise=5.0, random_state=0)
    weight = np.random.RandomState(0).uniform(0.5, 2, 100)
    members = [("ridge", Ridge(alpha=3.0)), ("lin", LinearRegression())]
    ours = LateFusionRegressor(_triples(members), fusion="stacking").fit(
        X, y, sample_weight=weight)
    theirs = StackingRegressor(members).fit(X, y, sample_weight=weight)
    assert_allclose(ours.predict(X), theirs.predict(X), atol=ATOL)
    assert_allclose(ours.transform(X), theirs.transform(X), atol=ATOL)
    ours = LateFusionRegressor(_triples(members), weights=[1, 3]).fit(X, y)
    theirs = VotingRegressor(members, weights=[1, 3]).fit(X, y)
    assert_allclose(ours.predict(X), theirs.predict(X), atol=ATOL)
    assert_allclose(ours.transform(X), theirs.transform(X), atol=ATOL)
    assert [n.replace("latefusionregressor", "votingregressor")
            for n in ours.get_feature_names_out()] == list(theirs.get_feature_names_out())


def test_predict_params_reach_the_final_estimator():
    X, y = make_regression(80, n_features=4, noise=5.0, random_state=0)
    members = [("ridge", Ridge()), ("lin", LinearRegression())]
    ours = LateFusionRegressor(_triples(members), fusion="stacking",
                               final_estimator=BayesianRidge()).fit(X, y)
    theirs = StackingRegressor(members, final_estimator=BayesianRidge()).fit(X, y)
    mean, std = ours.predict(X, return_std=True)
    their_mean, their_std = theirs.predict(X, return_std=True)
    assert_allclose(mean, their_mean, atol=ATOL)
    assert_allclose(std, their_std, atol=ATOL)
    with pytest.raises(ValueError, match="only the final estimator of fusion='stacking'"):
        LateFusionRegressor(_triples(members)).fit(X, y).predict(X, return_std=True)


def test_predict_params_are_routed_with_metadata_routing():
    X, y = make_regression(80, n_features=4, noise=5.0, random_state=0)
    members = [("ridge", Ridge()), ("lin", LinearRegression())]
    with config_context(enable_metadata_routing=True):
        final = BayesianRidge().set_predict_request(return_std=True)
        reg = LateFusionRegressor(_triples(members), fusion="stacking",
                                  final_estimator=final).fit(X, y)
        mean, std = reg.predict(X, return_std=True)
        assert std.shape == (80,) and np.all(std > 0)


def test_metadata_without_routing_is_sklearns_value_error():
    X, y = DATASETS["binary"]()
    message = "is only supported if enable_metadata_routing=True"
    with pytest.raises(ValueError, match=message):
        StackingClassifier(_members()).fit(X, y, other=np.ones(len(y)))
    with pytest.raises(ValueError, match=message):
        LateFusionClassifier(_triples(_members())).fit(X, y, other=np.ones(len(y)))


def test_drop_members_and_grid_search_over_drop():
    X, y = DATASETS["multiclass"]()
    members = [("lr", LogisticRegression()), ("nb", GaussianNB()),
               ("svc", SVC(probability=True, random_state=0))]
    dropped = [(name, "drop" if name == "nb" else est) for name, est in members]
    ours = LateFusionClassifier(_triples(dropped), fusion="stacking").fit(X, y)
    theirs = StackingClassifier(dropped).fit(X, y)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL)
    assert ours.named_estimators_["nb"] == "drop" and len(ours.estimators_) == 2
    # weights keep one entry per member; a dropped member's is ignored
    ours = LateFusionClassifier(_triples(dropped), weights=[1, 5, 2]).fit(X, y)
    theirs = VotingClassifier(dropped, voting="soft", weights=[1, 5, 2]).fit(X, y)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL)
    # the search: a member switched off by set_params
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    lf = LateFusionClassifier([("audio", pipe, None), ("tab", GaussianNB(), None)])
    search = GridSearchCV(lf, {"audio": ["drop", pipe]}, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    with pytest.raises(ValueError, match="all members are 'drop'"):
        LateFusionClassifier([("a", "drop", None)]).fit(X, y)


def test_tuples_of_members_are_accepted():
    X, y = DATASETS["binary"]()
    # as ColumnTransformer takes a tuple of transformers (Stacking/Voting
    # 1.9 take only lists): a tuple gives what the list gives
    as_tuple = tuple(_triples(_members()))
    ours = LateFusionClassifier(as_tuple).fit(X, y)
    theirs = VotingClassifier(_members(), voting="soft").fit(X, y)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL)
    LateFusionRegressor(tuple(_triples([("r", Ridge())]))).fit(X, y.astype(float))


def test_non_string_member_name_is_a_clear_value_error():
    X, y = DATASETS["binary"]()
    with pytest.raises(ValueError, match="member names must be strings, got 1 of type int"):
        LateFusionClassifier([(1, LogisticRegression(), None)]).fit(X, y)


class FitReturnsNone(LogisticRegression):
    """A member whose fit returns None, as in sklearn's test_sample_weight_kwargs."""

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("fusion", ["mean", "stacking"])
def test_member_whose_fit_returns_none(fusion):
    X, y = DATASETS["binary"]()
    ours = LateFusionClassifier([("lr", FitReturnsNone(), None)], fusion=fusion).fit(X, y)
    reference = LateFusionClassifier([("lr", LogisticRegression(), None)],
                                     fusion=fusion).fit(X, y)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=ATOL)


def test_regressor_member_of_a_stacking_classifier():
    X, y = DATASETS["binary"]()
    members = [("lr", LogisticRegression()), ("lin", LinearRegression())]
    ours = LateFusionClassifier(_triples(members), fusion="stacking").fit(X, y)
    theirs = StackingClassifier(members).fit(X, y)
    assert ours.stack_method_ == theirs.stack_method_ == ["predict_proba", "predict"]
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL)
    with pytest.raises(ValueError, match="member 'lin' is a regressor"):
        LateFusionClassifier(_triples(members), fusion="mean").fit(X, y)


def test_cv_uses_the_users_cv_groups_and_a_scorer():
    X, y = DATASETS["binary"]()
    groups = np.repeat(np.arange(6), 20)
    members = [("a", LogisticRegression(), [0, 1, 2]), ("b", GaussianNB(), [3, 4, 5])]
    clf = LateFusionClassifierCV(members, fusions=["mean", "stacking"], cv=GroupKFold(3),
                                 scoring="neg_log_loss").fit(X, y, groups=groups)
    # by hand: the members' out-of-fold probabilities over GroupKFold's splits;
    # the stacking rule learned on the other groups' and scored on the held-out ones
    folds = list(GroupKFold(3).split(X, y, groups))
    oof = np.c_[
        cross_val_predict(LogisticRegression(), X[:, :3], y, cv=folds,
                          method="predict_proba")[:, 1],
        cross_val_predict(GaussianNB(), X[:, 3:], y, cv=folds, method="predict_proba")[:, 1],
    ]
    mean = (np.c_[1 - oof[:, 0], oof[:, 0]] + np.c_[1 - oof[:, 1], oof[:, 1]]) / 2
    stacked = np.zeros((len(y), 2))
    for train, test in folds:
        stacked[test] = LogisticRegression().fit(oof[train], y[train]).predict_proba(oof[test])
    assert_allclose(clf.scores_["mean"], -log_loss(y, mean), atol=1e-10)
    assert_allclose(clf.scores_["stacking"], -log_loss(y, stacked), atol=1e-10)


def test_cv_uses_sample_weight_when_scoring_and_learning():
    X, y = DATASETS["binary"]()
    weight = np.where(np.arange(len(y)) % 3 == 0, 5.0, 0.2)
    members = [("a", LogisticRegression(), [0, 1, 2]), ("b", GaussianNB(), [3, 4, 5])]
    plain = LateFusionClassifierCV(members, fusions=["mean", "weighted", "stacking"],
                                   scoring="neg_log_loss").fit(X, y)
    weighted = LateFusionClassifierCV(members, fusions=["mean", "weighted", "stacking"],
                                      scoring="neg_log_loss").fit(X, y, sample_weight=weight)
    for rule in ("mean", "weighted", "stacking"):
        assert weighted.scores_[rule] != pytest.approx(plain.scores_[rule], abs=1e-6)


def test_groups_of_a_stacking_member_reach_its_inner_cv_through_routing():
    # the recipe of the late-fusion guide: groups for the members' cv inside
    # cross_val_score need metadata routing, as in scikit-learn
    X, y = DATASETS["binary"]()
    groups = np.repeat(np.arange(6), 20)
    members = [("a", LogisticRegression(), [0, 1, 2]), ("b", GaussianNB(), [3, 4, 5])]
    with config_context(enable_metadata_routing=True):
        clf = LateFusionClassifier(members, fusion="stacking", cv=GroupKFold(3))
        scores = cross_val_score(clf, X, y, cv=GroupKFold(2), params={"groups": groups})
    assert scores.shape == (2,)
    with pytest.raises(ValueError, match="The 'groups' parameter should not be None"):
        cross_val_score(LateFusionClassifier(members, fusion="stacking", cv=GroupKFold(3)),
                        X, y, cv=2)


def test_modality_dict_members_match_stacking_on_column_blocks():
    # members reading a modality each = sklearn members reading their columns
    X, y = DATASETS["multiclass"]()
    members = [("a", LogisticRegression(), "a"), ("b", GaussianNB(), "b")]
    ours = LateFusionClassifier(members, fusion="stacking").fit(
        ModalityDict(a=X[:, :3], b=X[:, 3:]), y)
    from sklearn.compose import make_column_transformer

    def cols(index, est):
        return make_pipeline(make_column_transformer(("passthrough", index)), est)

    theirs = StackingClassifier([("a", cols([0, 1, 2], LogisticRegression())),
                                 ("b", cols([3, 4, 5], GaussianNB()))]).fit(X, y)
    assert_allclose(ours.predict_proba(ModalityDict(a=X[:, :3], b=X[:, 3:])),
                    theirs.predict_proba(X), atol=ATOL)
