"""Members' outputs as logits over the fused classes, and temperature scaling.

A member's output becomes class logits aligned with the classes of the fused
estimator:

- ``predict_proba``: the log of the probabilities (clipped at 1e-12);
- ``decision_function``: the decision values themselves; for a binary member
  the one column ``d`` becomes the logits ``(0, d)``, so that the softmax is
  the sigmoid of ``d``;
- ``predict`` only: a one-hot vote (log-probabilities 0 and log 1e-12).

A class the member never saw (absent from its training rows or from a fold)
gets the logit ``log(1e-12)``. Probabilities are ``softmax(logits / T)``
where ``T`` is the member's temperature (1 unless calibrated).
"""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import softmax

from ._rules import EPS

__all__ = ["aligned_logits", "aligned_proba", "aligned_probas", "fit_temperature",
           "hold_probabilities", "logits_to_proba"]

LOG_EPS = float(np.log(EPS))
_EPS64 = float(np.finfo(float).eps)


def aligned_logits(output, method, member_classes, n_classes, raw_classes=None):
    """Turn one member's raw output into logits of shape (n_samples, n_classes).

    Parameters
    ----------
    output : ndarray
        What ``method`` returned.
    method : {"predict_proba", "decision_function", "predict"}
    member_classes : ndarray of int
        The member's ``classes_``, as indices into the fused classes.
    n_classes : int
    raw_classes : ndarray, default=None
        The member's own ``classes_``, to read the labels ``predict``
        returns; None when they are the indices themselves.

    Returns
    -------
    logits : ndarray of shape (n_samples, n_classes)
    """
    member_classes = np.asarray(member_classes, dtype=int)
    output = np.asarray(output)
    n_samples = output.shape[0]
    logits = np.full((n_samples, n_classes), LOG_EPS)
    if method == "predict_proba":
        logits[:, member_classes] = np.log(np.clip(output, EPS, 1.0))
    elif method == "decision_function":
        if output.ndim == 1 or output.shape[1] == 1:
            logits[:, member_classes[0]] = 0.0
            logits[:, member_classes[1]] = output.reshape(-1)
        else:
            logits[:, member_classes] = output
    else:
        positions = np.searchsorted(raw_classes, output) if raw_classes is not None \
            else output.astype(int)
        logits[np.arange(n_samples), member_classes[positions]] = 0.0
    return logits


def aligned_proba(output, method, member_classes, n_classes, temperature=1.0,
                  raw_classes=None):
    """``logits_to_proba(aligned_logits(...), temperature)``, without the round trip.

    For ``predict_proba`` at temperature 1 the softmax of the clipped
    log-probabilities is the clipped probabilities renormalised, computed
    here directly (no log, no exp); other outputs go through the logits.

    Parameters
    ----------
    output, method, n_classes, raw_classes
        As in :func:`aligned_logits`.
    member_classes : ndarray of int or None
        As in :func:`aligned_logits`; None when the member's classes are
        all the fused classes, in order.
    temperature : float, default=1.0

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
    """
    if method != "predict_proba" or temperature != 1:
        index = np.arange(n_classes) if member_classes is None else member_classes
        logits = aligned_logits(output, method, index, n_classes, raw_classes=raw_classes)
        return logits_to_proba(logits, temperature)
    output = np.asarray(output, dtype=float)
    every_class = member_classes is None or _is_identity(member_classes, n_classes)
    if every_class and hold_probabilities([output], n_classes):
        return output
    if every_class:
        proba = np.clip(output, EPS, 1.0)
    else:
        proba = np.full((output.shape[0], n_classes), EPS)
        proba[:, np.asarray(member_classes, dtype=int)] = np.clip(output, EPS, 1.0)
    proba /= _row_sums(proba)[:, np.newaxis]
    return proba


def aligned_probas(outputs, methods, member_classes, n_classes, temperatures, raw_classes):
    """:func:`aligned_proba` of each member's output, every member on the same rows.

    When every member gives uncalibrated ``predict_proba`` over all the
    fused classes, their outputs are checked at once
    (:func:`hold_probabilities`) and, if they are probabilities, returned as
    they are; otherwise each is aligned on its own.

    Parameters
    ----------
    outputs : list of ndarray
        Each member's raw output.
    methods, member_classes, temperatures, raw_classes : list
        Each member's ``method``, ``member_classes``, ``temperature`` and
        ``raw_classes``, as :func:`aligned_proba` takes them.
    n_classes : int

    Returns
    -------
    probas : list of ndarray of shape (n_samples, n_classes)
    """
    plain = all(method == "predict_proba" and temperature == 1 and classes is None
                for method, temperature, classes in zip(methods, temperatures, member_classes))
    if plain and hold_probabilities(outputs, n_classes):
        return outputs
    return [aligned_proba(output, method, classes, n_classes, temperature, raw_classes=raw)
            for output, method, classes, temperature, raw
            in zip(outputs, methods, member_classes, temperatures, raw_classes)]


def hold_probabilities(outputs, n_classes):
    """Whether every output is what clipping and renormalising leave as it is.

    True when each is a float array of shape (n_samples, n_classes), with
    ``n_classes`` at least 2 and one ``n_samples`` for all, every entry at
    least the clip (1e-12) and every row summing to one within rounding
    (then none exceeds 1). The members' row sums go into one array, whose
    least and greatest are then read once for all of them.

    Parameters
    ----------
    outputs : list of ndarray
    n_classes : int

    Returns
    -------
    valid : bool
    """
    n_samples = outputs[0].shape[0] if getattr(outputs[0], "ndim", 0) else 0
    if n_classes < 2 or not n_samples or not all(
            getattr(output, "shape", None) == (n_samples, n_classes)
            and output.dtype == np.float64 for output in outputs):
        return False
    ones = np.ones(n_classes)
    sums = np.empty((len(outputs), n_samples))
    for output, row in zip(outputs, sums):
        # the ufuncs' reduce directly: ndarray.min and .max go through a Python wrapper
        if not np.minimum.reduce(output, axis=None) >= EPS:
            return False
        np.matmul(output, ones, out=row)
    # summing n_classes terms rounds by up to about one unit in the last place each
    rounding = max(4, n_classes) * _EPS64
    return bool(np.maximum.reduce(sums, axis=None) - 1.0 <= rounding
                and 1.0 - np.minimum.reduce(sums, axis=None) <= rounding)


def _is_identity(member_classes, n_classes):
    """Whether the member's class indices are 0, 1, ..., n_classes - 1."""
    member_classes = np.asarray(member_classes, dtype=int)
    return member_classes.size == n_classes and bool(
        (member_classes == np.arange(n_classes)).all())


def _row_sums(a):
    """``a.sum(axis=1)`` for a few columns, added column by column.

    NumPy reduces a short last axis row by row, which for (n, 3) costs 20
    times an addition of two columns; for fewer than 8 columns NumPy adds
    them in this order too, so the sums are the same.
    """
    if a.shape[1] >= 8 or a.shape[1] < 2:
        return a.sum(axis=1)
    total = a[:, 0] + a[:, 1]
    for j in range(2, a.shape[1]):
        total += a[:, j]
    return total


def logits_to_proba(logits, temperature=1.0):
    """``softmax(logits / temperature)`` over the classes."""
    return softmax(np.asarray(logits) / temperature, axis=1)


def _nll(log_temperature, logits, y, sample_weight):
    proba = logits_to_proba(logits, np.exp(log_temperature))
    picked = np.log(np.clip(proba[np.arange(len(y)), y], EPS, None))
    return -np.average(picked, weights=sample_weight)


def fit_temperature(logits, y, sample_weight=None):
    """The temperature ``T`` minimising the log-loss of ``softmax(logits / T)``.

    Temperature scaling (Guo et al., 2017) rescales a member's confidence
    without changing its predicted class. Fitted on out-of-fold logits.

    Parameters
    ----------
    logits : ndarray of shape (n_samples, n_classes)
    y : ndarray of int, shape (n_samples,)
        Class indices.
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    temperature : float
        Between 0.01 and 100.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.late._calibration import fit_temperature
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(0, 2, 200)
    >>> logits = np.c_[np.zeros(200), 20.0 * (2 * y - 1)]  # right, but far too sure
    >>> logits[:20, 1] *= -1  # 10% wrong
    >>> bool(fit_temperature(logits, y) > 5)
    True
    """
    if len(y) == 0:
        return 1.0
    result = minimize_scalar(
        _nll, bounds=(np.log(0.01), np.log(100.0)), method="bounded",
        args=(np.asarray(logits, dtype=float), np.asarray(y), sample_weight),
    )
    return float(np.exp(result.x))
