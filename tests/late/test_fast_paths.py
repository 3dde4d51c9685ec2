"""The prediction fast paths give what the general path gives.

With every row present, late fusion reads each member's input without
copying rows and turns probabilities into fused probabilities without the
log / softmax round trip; these tests pin those outputs to the general
computation (row indices, logits, per-sample weights).
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.svm import LinearSVC

from skfusion import LateFusionClassifier, LateFusionRegressor, ModalityDict
from skfusion.datasets import make_multimodal_classification
from skfusion.late._base import ALL_ROWS, member_rows, present_rows
from skfusion.late._calibration import (aligned_logits, aligned_proba, aligned_probas,
                                       hold_probabilities, logits_to_proba)
from skfusion.late._rules import fuse_probas, normalized_weights, weighted_mean


@pytest.fixture(scope="module")
def data():
    X, y = make_multimodal_classification(
        200, n_classes=3, informativeness={"image": 0.6, "table": 0.6}, random_state=0)
    X = ModalityDict(image=X["image"].reshape(200, -1), table=X["table"])
    return X, y


def _members():
    return [("img", LogisticRegression(C=0.1), "image"),
            ("tab", LogisticRegression(), "table")]


@pytest.mark.parametrize("member_classes, n_classes", [([0, 1, 2], 3), ([0, 2, 3], 5)])
@pytest.mark.parametrize("temperature", [1.0, 2.5])
def test_aligned_proba_is_the_softmax_of_the_aligned_logits(member_classes, n_classes,
                                                            temperature):
    rng = np.random.RandomState(0)
    output = rng.dirichlet(np.ones(3), size=50)
    output[:5, 1] = 0.0  # clipped at 1e-12 on both paths
    expected = logits_to_proba(aligned_logits(output, "predict_proba", member_classes,
                                              n_classes), temperature)
    got = aligned_proba(output, "predict_proba", member_classes, n_classes, temperature)
    assert got.shape == (50, n_classes)
    assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert not np.shares_memory(got, output)


def test_aligned_proba_of_decision_values_and_votes_goes_through_the_logits():
    decision = np.array([[-1.0, 2.0, 0.5], [3.0, 0.0, -2.0]])
    assert_allclose(aligned_proba(decision, "decision_function", [0, 1, 2], 3),
                    logits_to_proba(decision))
    votes = np.array(["b", "a"])
    assert_allclose(aligned_proba(votes, "predict", [0, 1], 2, raw_classes=np.array(["a", "b"])),
                    [[1e-12, 1.0], [1.0, 1e-12]], rtol=1e-9)


def test_present_rows_is_all_rows_only_when_every_row_is_present():
    assert present_rows(np.ones(4, dtype=bool)) is ALL_ROWS
    assert_array_equal(present_rows(np.array([True, False, True])), [0, 2])
    X = ModalityDict(a=np.arange(12.0).reshape(4, 3))
    assert np.shares_memory(member_rows(X, "a", ALL_ROWS), X["a"])  # no copy
    assert_array_equal(member_rows(X, "a", np.array([1, 3])), X["a"][[1, 3]])


def test_all_present_weights_are_the_per_sample_weights():
    present = np.ones((3, 7), dtype=bool)
    weights = np.array([0.2, 0.0, 0.5])
    fast = normalized_weights(weights, present)
    general = weights[:, None] * present / (weights[:, None] * present).sum(axis=0)
    assert_array_equal(fast, general)
    with pytest.raises(ValueError, match="no member with a positive weight"):
        normalized_weights(np.zeros(3), present)


@pytest.mark.parametrize("rule", ["mean", "product", "max", "median", "stacking"])
def test_all_present_predictions_equal_the_row_by_row_ones(data, rule):
    """Rows present everywhere are predicted alike whether other rows lack a modality or not."""
    X, y = data
    clf = LateFusionClassifier(_members(), fusion=rule, cv=3).fit(X[:150], y[:150])
    X_test = X[150:]
    full = clf.predict_proba(X_test)
    lacking = X_test.with_missing("image", [0, 7, 30])
    partial = clf.predict_proba(lacking)
    kept = np.setdiff1d(np.arange(50), [0, 7, 30])
    assert_allclose(partial[kept], full[kept], rtol=1e-12, atol=1e-15)
    # the general rule functions (per-sample weights) on the members' own probabilities
    probas = np.stack([member.predict_proba(X_test[name])
                       for member, name in zip(clf.estimators_, ["image", "table"])])
    if rule != "stacking":
        mask = np.ones((2, 50), dtype=bool)
        mask[0, 0] = False  # forces per-sample weights; row 0 is not compared
        expected = fuse_probas(rule, probas, mask, clf.weights_)
        assert_allclose(full[1:], expected[1:], rtol=1e-12, atol=1e-15)
    # and the rows that lack the image are the table member's alone (mean, max, median)
    if rule in ("mean", "max", "median"):
        table_only = probas[1, [0, 7, 30]]
        assert_allclose(partial[[0, 7, 30]], table_only / table_only.sum(axis=1, keepdims=True),
                        rtol=1e-12)


def test_mean_of_probabilities_is_the_hand_written_average(data):
    X, y = data
    clf = LateFusionClassifier(_members()).fit(X, y)
    by_hand = (clf.estimators_[0].predict_proba(X["image"])
               + clf.estimators_[1].predict_proba(X["table"])) / 2
    assert_allclose(clf.predict_proba(X), by_hand, rtol=1e-12, atol=1e-15)


def test_decision_function_members_and_calibration_keep_their_path(data):
    X, y = data
    members = [("img", LinearSVC(C=0.01), "image"), ("tab", LinearSVC(C=0.1), "table")]
    clf = LateFusionClassifier(members, calibration="temperature", cv=3).fit(X, y)
    logits = [m.decision_function(X[name]) / t
              for m, name, t in zip(clf.estimators_, ["image", "table"], clf.temperatures_)]
    expected = np.mean([logits_to_proba(z) for z in logits], axis=0)
    assert_allclose(clf.predict_proba(X), expected, rtol=1e-12)


def test_regressor_with_all_rows_present_equals_the_partial_rows(data):
    X, y = data
    target = y + X["table"][:, 0]
    reg = LateFusionRegressor([("img", RidgeCV(), "image"), ("tab", RidgeCV(), "table")]).fit(
        X, target)
    full = reg.predict(X)
    partial = reg.predict(X.with_missing("table", [3]))
    assert_allclose(np.delete(partial, 3), np.delete(full, 3), rtol=1e-12)
    assert_allclose(partial[3], reg.estimators_[0].predict(X["image"][3:4])[0], rtol=1e-12)


@pytest.mark.parametrize("weights", [None, [0.3, 0.7]])
def test_mean_of_all_members_equals_the_stacked_mean_rule(data, weights):
    """predict_proba's direct weighted sum equals the rule function on the stacked outputs."""
    X, y = data
    clf = LateFusionClassifier(_members(), weights=weights).fit(X, y)
    _, probas, present = clf._member_probas(X)
    assert present.all()
    expected = fuse_probas("mean", probas, present, clf.weights_)
    assert_array_equal(clf.predict_proba(X), expected)


def _dirichlet(n_samples, n_classes, seed):
    return np.random.RandomState(seed).dirichlet(np.ones(n_classes), size=n_samples)


@pytest.mark.parametrize("n_classes", [2, 3, 10, 40])
def test_hold_probabilities_accepts_what_clip_and_renormalise_keep(n_classes):
    outputs = [_dirichlet(300, n_classes, seed) for seed in range(3)]
    outputs = [np.clip(p, 1e-9, None) / np.clip(p, 1e-9, None).sum(axis=1, keepdims=True)
               for p in outputs]
    assert hold_probabilities(outputs, n_classes)
    for output in outputs:  # what the general path gives is the output itself
        assert_allclose(aligned_proba(output, "predict_proba", None, n_classes), output,
                        rtol=1e-14)


@pytest.mark.parametrize("spoil", ["row sum", "zero", "negative", "nan", "float32",
                                   "rows", "columns"])
def test_hold_probabilities_refuses_any_member_that_is_not_probabilities(spoil):
    good, bad = _dirichlet(50, 3, 0), _dirichlet(50, 3, 1)
    if spoil == "row sum":
        bad[7] *= 1.01
    elif spoil == "zero":
        bad[7] = [0.0, 0.4, 0.6]
    elif spoil == "negative":
        bad[7] = [-0.1, 0.5, 0.6]
    elif spoil == "nan":
        bad[7, 0] = np.nan
    elif spoil == "float32":
        bad = bad.astype(np.float32)
    elif spoil == "rows":
        bad = bad[:49]
    else:
        bad = np.c_[bad, np.zeros(50)]
    assert hold_probabilities([good], 3)
    assert not hold_probabilities([good, bad], 3)
    assert not hold_probabilities([bad, good], 3)


def test_weighted_mean_with_equal_weights_is_the_average_by_hand():
    probas = [_dirichlet(40, 4, seed) for seed in range(3)]
    assert_array_equal(weighted_mean(probas, np.full(3, 1 / 3)),
                       (probas[0] + probas[1] + probas[2]) / 3)
    assert_array_equal(weighted_mean(np.stack(probas[:2]), [0.5, 0.5]),
                       (probas[0] + probas[1]) / 2)
    assert_allclose(weighted_mean(probas, [1.0, 2.0, 5.0]),
                    np.average(np.stack(probas), axis=0, weights=[1.0, 2.0, 5.0]), rtol=1e-14)
    single = weighted_mean(probas[:1], [1.0])
    assert_array_equal(single, probas[0])
    assert not np.shares_memory(single, probas[0])


class _SkewedProba(LogisticRegression):
    """predict_proba whose rows do not sum to one (scores, not probabilities),
    or in float32."""

    def __init__(self, skew=1.0, dtype="float64", C=1.0):
        super().__init__(C=C)
        self.skew = skew
        self.dtype = dtype

    def predict_proba(self, X):
        proba = super().predict_proba(X)
        proba[::3] *= self.skew
        return proba.astype(self.dtype)


@pytest.mark.parametrize("member", [_SkewedProba(skew=0.5), _SkewedProba(skew=1.5),
                                    _SkewedProba(dtype="float32")])
def test_mean_renormalises_outputs_that_are_not_probabilities(data, member):
    """A member whose output is not probabilities is clipped to [1e-12, 1] and
    renormalised before the average, as the general path does, never averaged
    as it is."""
    X, y = data
    clf = LateFusionClassifier([("img", member, "image"),
                                ("tab", LogisticRegression(), "table")]).fit(X, y)
    skewed = np.clip(clf.estimators_[0].predict_proba(X["image"]).astype(float), 1e-12, 1)
    expected = (skewed / skewed.sum(axis=1, keepdims=True)
                + clf.estimators_[1].predict_proba(X["table"])) / 2
    got = clf.predict_proba(X)
    assert_allclose(got, expected, rtol=1e-6)
    assert_allclose(got.sum(axis=1), 1.0, rtol=1e-12)
    _, probas, present = clf._member_probas(X)
    assert_allclose(got, fuse_probas("mean", probas, present, clf.weights_), rtol=1e-12)


@pytest.mark.parametrize("second", ["plain", "decision", "calibrated", "some classes", "zeros"])
def test_aligned_probas_is_aligned_proba_member_by_member(second):
    first = _dirichlet(30, 3, 0)
    args = {"plain": (_dirichlet(30, 3, 1), "predict_proba", None, 1.0),
            "decision": (np.random.RandomState(2).normal(size=(30, 3)), "decision_function",
                         None, 1.0),
            "calibrated": (_dirichlet(30, 3, 3), "predict_proba", None, 2.0),
            "some classes": (_dirichlet(30, 2, 4), "predict_proba", np.array([0, 2]), 1.0),
            "zeros": (np.c_[_dirichlet(30, 2, 5), np.zeros(30)], "predict_proba", None, 1.0)}
    output, method, classes, temperature = args[second]
    got = aligned_probas([first, output], ["predict_proba", method], [None, classes], 3,
                         [1.0, temperature], [np.arange(3), np.arange(3)])
    expected = [aligned_proba(first, "predict_proba", None, 3),
                aligned_proba(output, method, classes, 3, temperature)]
    for g, e in zip(got, expected):
        assert_allclose(g, e, rtol=1e-14)
    assert got[0] is first  # probabilities are used as they are, on either path
