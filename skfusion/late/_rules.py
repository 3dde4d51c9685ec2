"""Fusion rules: pure functions over the members' predictions and a presence mask.

Every classification rule takes

- ``probas``: array of shape (n_members, n_samples, n_classes), each member's
  class probabilities (rows of absent members are ignored, whatever they hold);
- ``present``: bool array of shape (n_members, n_samples), True where the
  member could predict the sample (it has the member's modalities);
- ``weights``: array of shape (n_members,), non-negative.

and returns fused class probabilities of shape (n_samples, n_classes) (or, for
``"vote"``, the index of the winning class). Weights are renormalised per
sample over the members present, so a sample missing a modality is fused
from the other members exactly as if the absent ones had never been there.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import softmax

__all__ = [
    "CLASSIFIER_RULES",
    "REGRESSOR_RULES",
    "fuse_probas",
    "fuse_predictions",
    "learn_weights",
    "vote",
]

# rules computed by `fuse_probas`; "vote" and "stacking" are handled apart
PROBA_RULES = ("mean", "weighted", "product", "max", "min", "median")
CLASSIFIER_RULES = (*PROBA_RULES, "vote", "stacking")
REGRESSOR_RULES = ("mean", "weighted", "median", "stacking")
# probabilities are clipped to this before a log, so that one member's zero
# does not veto a class for good
EPS = 1e-12


def normalized_weights(weights, present):
    """Per-sample weights over the members present, summing to one.

    Returns an array of shape (n_members, n_samples).
    """
    weights = np.asarray(weights, dtype=float)
    if present.all() and weights.sum() > 0:
        # every member everywhere: one column of weights, broadcast without a copy
        return np.broadcast_to((weights / weights.sum())[:, None], present.shape)
    raw = weights[:, None] * present
    total = raw.sum(axis=0)
    if np.any(total <= 0):
        row = int(np.flatnonzero(total <= 0)[0])
        raise ValueError(
            f"sample {row} has no member with a positive weight among those whose "
            "modalities it has; give it at least one modality of a weighted member"
        )
    return raw / total


def weighted_mean(probas, weights):
    """The weighted mean of the members' outputs, every member present.

    Parameters
    ----------
    probas : ndarray of shape (n_members, n_samples, ...) or list of ndarray
        The members' outputs, all of one shape.
    weights : array-like of shape (n_members,)

    Returns
    -------
    mean : ndarray of shape (n_samples, ...)
        Equal weights: the outputs added up, then divided by their number
        (an average by hand); otherwise the sum of each output times its
        share of the weights.
    """
    weights = np.asarray(weights, dtype=float).tolist()
    if len(probas) == 1:
        return np.array(probas[0], dtype=float)
    if weights.count(weights[0]) == len(weights):
        fused = probas[0] + probas[1]
        for proba in probas[2:]:
            fused += proba
        fused /= len(probas)
        return fused
    share = np.divide(weights, sum(weights))
    fused = share[0] * probas[0]
    for member_share, proba in zip(share[1:], probas[1:]):
        fused += member_share * proba
    return fused


def _mean(probas, present, weights):
    if present.all():
        return weighted_mean(probas, weights)
    share = normalized_weights(weights, present)
    return np.einsum("mn,mnk->nk", share, probas)


def _product(probas, present, weights):
    share = normalized_weights(weights, present)
    log_pool = np.einsum("mn,mnk->nk", share, np.log(np.clip(probas, EPS, 1.0)))
    return softmax(log_pool, axis=1)


def _masked(probas, present, fill):
    return np.where(present[:, :, None], probas, fill)


def _renormalize(scores):
    total = scores.sum(axis=1, keepdims=True)
    uniform = np.full_like(scores, 1.0 / scores.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, scores / np.where(total > 0, total, 1.0), uniform)


def _max(probas, present, weights):
    return _renormalize(_masked(probas, present, -np.inf).max(axis=0))


def _min(probas, present, weights):
    return _renormalize(_masked(probas, present, np.inf).min(axis=0))


def _median(probas, present, weights):
    return _renormalize(np.nanmedian(_masked(probas, present, np.nan), axis=0))


_PROBA_FUNCTIONS = {
    "mean": _mean,
    "weighted": _mean,
    "product": _product,
    "max": _max,
    "min": _min,
    "median": _median,
}


def fuse_probas(rule, probas, present, weights):
    """Fuse the members' class probabilities with one rule.

    Parameters
    ----------
    rule : {"mean", "weighted", "product", "max", "min", "median"}
        ``"mean"`` and ``"weighted"``: the weighted mean (soft vote).
        ``"product"``: the weighted geometric mean, renormalised (log-linear
        pooling). ``"max"``, ``"min"``, ``"median"``: the class-wise maximum,
        minimum or median over the members present, renormalised; these
        three ignore ``weights``.
    probas : ndarray of shape (n_members, n_samples, n_classes)
    present : ndarray of bool, shape (n_members, n_samples)
    weights : ndarray of shape (n_members,)

    Returns
    -------
    fused : ndarray of shape (n_samples, n_classes)
        Rows sum to one.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.late._rules import fuse_probas
    >>> probas = np.array([[[0.9, 0.1]], [[0.4, 0.6]]])
    >>> present = np.ones((2, 1), dtype=bool)
    >>> fuse_probas("mean", probas, present, np.ones(2))
    array([[0.65, 0.35]])
    >>> fuse_probas("mean", probas, np.array([[False], [True]]), np.ones(2))
    array([[0.4, 0.6]])
    """
    probas = np.asarray(probas, dtype=float)
    present = np.asarray(present, dtype=bool)
    if not (present.all() or present.any(axis=0).all()):
        row = int(np.flatnonzero(~present.any(axis=0))[0])
        raise ValueError(f"sample {row} has none of the modalities of any member")
    return _PROBA_FUNCTIONS[rule](probas, present, weights)


def vote(votes, present, weights, n_classes):
    """Weighted hard majority vote, as ``VotingClassifier(voting="hard")``.

    Each member present votes for the class it predicts, with its weight; a
    tie goes to the lowest class index (``np.argmax`` of the weighted counts,
    as scikit-learn breaks it).

    Parameters
    ----------
    votes : ndarray of int, shape (n_members, n_samples)
        Each member's predicted class index.
    present : ndarray of bool, shape (n_members, n_samples)
    weights : ndarray of shape (n_members,)
        Non-negative; summed in member order as ``np.bincount`` sums them.
    n_classes : int

    Returns
    -------
    winners : ndarray of int, shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.late._rules import vote
    >>> votes = np.array([[1, 0], [0, 0], [1, 1]])  # 3 members, 2 samples
    >>> vote(votes, np.ones((3, 2), dtype=bool), np.ones(3), 2)
    array([1, 0])
    >>> vote(votes[:2], np.ones((2, 2), dtype=bool), np.ones(2), 2)  # tie: lower index
    array([0, 0])
    """
    votes = np.asarray(votes, dtype=int)
    present = np.asarray(present, dtype=bool)
    weights = np.asarray(weights, dtype=float)
    normalized_weights(weights, present)  # every sample has a weighted member
    n_samples = votes.shape[1]
    counts = np.zeros((n_samples, n_classes))
    rows = np.arange(n_samples)
    for i in range(len(votes)):
        counts[rows, votes[i]] += np.where(present[i], weights[i], 0.0)
    return counts.argmax(axis=1)


def fuse_predictions(rule, predictions, present, weights):
    """Fuse regressors' predictions of shape (n_members, n_samples[, n_outputs]).

    ``"mean"``/``"weighted"`` average with the weights renormalised over the
    members present; ``"median"`` takes the median of those present.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.late._rules import fuse_predictions
    >>> preds = np.array([[1.0, 2.0], [3.0, 10.0]])
    >>> fuse_predictions("mean", preds, np.array([[True, True], [True, False]]), np.ones(2))
    array([2., 2.])
    """
    predictions = np.asarray(predictions, dtype=float)
    present = np.asarray(present, dtype=bool)
    mask = present.reshape(present.shape + (1,) * (predictions.ndim - 2))
    if rule == "median":
        if not (present.all() or present.any(axis=0).all()):
            raise ValueError("a sample has none of the modalities of any member")
        return np.nanmedian(np.where(mask, predictions, np.nan), axis=0)
    share = normalized_weights(weights, present)
    share = share.reshape(share.shape + (1,) * (predictions.ndim - 2))
    return (share * np.where(mask, predictions, 0.0)).sum(axis=0)


def _log_loss_of_mean(theta, probas, present, y, sample_weight):
    fused = _mean(probas, present, softmax(theta))
    picked = np.log(np.clip(fused[np.arange(len(y)), y], EPS, None))
    return -np.average(picked, weights=sample_weight)


def _squared_error_of_mean(theta, predictions, present, y, sample_weight):
    fused = fuse_predictions("mean", predictions, present, softmax(theta))
    error = (fused - y) ** 2
    if error.ndim > 1:
        error = error.mean(axis=1)
    return np.average(error, weights=sample_weight)


def learn_weights(outputs, present, y, *, sample_weight=None, task="classification"):
    """Weights on the simplex that minimise the loss of the weighted mean.

    The log-loss of the weighted mean of probabilities for classification
    (``y`` holds class indices), the squared error of the weighted mean
    prediction for regression. Fitted by L-BFGS on a softmax
    parametrisation, starting from equal weights.

    Parameters
    ----------
    outputs : ndarray of shape (n_members, n_samples, ...)
        Out-of-fold probabilities (classification) or predictions.
    present : ndarray of bool, shape (n_members, n_samples)
    y : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,), default=None
    task : {"classification", "regression"}

    Returns
    -------
    weights : ndarray of shape (n_members,)
        Non-negative, summing to one.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.late._rules import learn_weights
    >>> y = np.array([0, 1, 0, 1])
    >>> good = np.eye(2)[y] * 0.8 + 0.1
    >>> bad = np.full((4, 2), 0.5)
    >>> w = learn_weights(np.stack([good, bad]), np.ones((2, 4), bool), y)
    >>> bool(w[0] > 0.9)
    True
    """
    outputs = np.asarray(outputs, dtype=float)
    present = np.asarray(present, dtype=bool)
    usable = present.any(axis=0)
    outputs, present, y = outputs[:, usable], present[:, usable], np.asarray(y)[usable]
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=float)[usable]
    loss = _log_loss_of_mean if task == "classification" else _squared_error_of_mean
    theta0 = np.zeros(outputs.shape[0])
    result = minimize(loss, theta0, args=(outputs, present, y, sample_weight),
                      method="L-BFGS-B")
    return softmax(result.x)
