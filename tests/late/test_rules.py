"""The fusion rules as pure functions over probabilities and a presence mask."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skfusion.late._calibration import aligned_logits, fit_temperature, logits_to_proba
from skfusion.late._rules import fuse_predictions, fuse_probas, learn_weights, vote

# two members, two samples, three classes
PROBAS = np.array([
    [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]],
    [[0.4, 0.5, 0.1], [0.2, 0.6, 0.2]],
])
ALL = np.ones((2, 2), dtype=bool)


def test_mean_is_weighted_average():
    assert_allclose(fuse_probas("mean", PROBAS, ALL, np.ones(2))[0], [0.55, 0.35, 0.1])
    assert_allclose(fuse_probas("weighted", PROBAS, ALL, np.array([3.0, 1.0]))[0],
                    [0.625, 0.275, 0.1])


def test_product_is_normalised_geometric_mean():
    expected = np.sqrt(PROBAS[0, 0] * PROBAS[1, 0])
    assert_allclose(fuse_probas("product", PROBAS, ALL, np.ones(2))[0],
                    expected / expected.sum())


def test_product_clips_a_zero_instead_of_vetoing():
    probas = np.array([[[0.0, 1.0]], [[0.9, 0.1]]])
    fused = fuse_probas("product", probas, np.ones((2, 1), bool), np.ones(2))
    assert np.all(np.isfinite(fused)) and fused[0, 1] > 0.99


@pytest.mark.parametrize("rule, row0", [
    ("max", [0.7, 0.5, 0.1]),
    ("min", [0.4, 0.2, 0.1]),
    ("median", [0.55, 0.35, 0.1]),
])
def test_classwise_rules_renormalise(rule, row0):
    fused = fuse_probas(rule, PROBAS, ALL, np.ones(2))
    assert_allclose(fused[0], np.array(row0) / np.sum(row0))
    assert_allclose(fused.sum(axis=1), 1.0)


@pytest.mark.parametrize("rule", ["mean", "product", "max", "min", "median"])
def test_absent_member_is_ignored(rule):
    present = np.array([[True, False], [True, True]])
    fused = fuse_probas(rule, PROBAS, present, np.ones(2))
    assert_allclose(fused[1], PROBAS[1, 1])  # sample 1: member 1 alone


def test_sample_without_member_is_an_error():
    present = np.array([[True, False], [True, False]])
    with pytest.raises(ValueError, match="sample 1 has none"):
        fuse_probas("mean", PROBAS, present, np.ones(2))


def test_vote_majority_weights_and_ties():
    votes = np.array([[0], [1], [1]])  # each member's predicted class index
    present = np.ones((3, 1), bool)
    assert_array_equal(vote(votes, present, np.ones(3), 2), [1])  # 2 votes to 1
    assert_array_equal(vote(votes, present, np.array([3.0, 1, 1]), 2), [0])  # weighted
    # 1 vote each (third absent): the tie goes to the lower class index, as
    # VotingClassifier's np.argmax(np.bincount(...)) breaks it
    present[2] = False
    assert_array_equal(vote(votes, present, np.ones(3), 2), [0])
    assert_array_equal(vote(np.array([[2], [1]]), np.ones((2, 1), bool), np.ones(2), 3), [1])


def test_learn_weights_prefers_the_informative_member():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 3, 200)
    good = np.eye(3)[y] * 0.7 + 0.1
    noise = rng.dirichlet(np.ones(3), 200)
    weights = learn_weights(np.stack([noise, good]), np.ones((2, 200), bool), y)
    assert weights.sum() == pytest.approx(1.0)
    assert weights[1] > 0.9


def test_regression_rules():
    preds = np.array([[1.0, 2.0], [3.0, 4.0], [8.0, 0.0]])
    present = np.array([[True, True], [True, True], [True, False]])
    assert_allclose(fuse_predictions("mean", preds, present, np.ones(3)), [4.0, 3.0])
    assert_allclose(fuse_predictions("median", preds, present, np.ones(3)), [3.0, 3.0])
    assert_allclose(fuse_predictions("weighted", preds, present, np.array([2.0, 1, 1])),
                    [3.25, 8 / 3])
    y = np.array([1.0, 2.0])
    assert learn_weights(preds, present, y, task="regression")[0] > 0.9


def test_decision_values_become_logits():
    binary = aligned_logits(np.array([2.0, -1.0]), "decision_function", [0, 1], 2)
    assert_allclose(logits_to_proba(binary)[:, 1], 1 / (1 + np.exp([-2.0, 1.0])))
    # a member that never saw class 1 of 3
    proba = aligned_logits(np.array([[0.25, 0.75]]), "predict_proba", [0, 2], 3)
    assert_allclose(logits_to_proba(proba), [[0.25, 0.0, 0.75]], atol=1e-9)
    onehot = aligned_logits(np.array([2]), "predict", [0, 1, 2], 3)
    assert logits_to_proba(onehot).argmax() == 2
    # a prefit member predicting labels "b" of its classes ["a", "b"], fused classes 1 and 2
    labels = aligned_logits(np.array(["b", "a"]), "predict", np.array([1, 2]), 3,
                            raw_classes=np.array(["a", "b"]))
    assert_array_equal(logits_to_proba(labels).argmax(axis=1), [2, 1])


def test_temperature_softens_overconfident_logits():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 300)
    logits = np.c_[np.zeros(300), 30.0 * (2 * y - 1)]
    logits[:60, 1] *= -1  # 20% confidently wrong
    temperature = fit_temperature(logits, y)
    proba = logits_to_proba(logits, temperature)
    assert temperature > 10
    assert 0.7 < proba.max(axis=1).mean() < 0.9  # about the 80% accuracy
