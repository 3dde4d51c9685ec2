"""Prediction and transformation batch by batch, in bounded memory."""

import numbers
from collections.abc import Mapping

import numpy as np
from scipy import sparse

from ._validation import check_multimodal

__all__ = ["iter_batches", "predict_in_batches"]


def iter_batches(X, batch_size):
    """Yield consecutive row slices of ``X`` with at most ``batch_size`` rows.

    Slicing a ModalityDict whose modalities are memory maps (or lazily loaded
    arrays) reads nothing until a batch is used.

    Parameters
    ----------
    X : ModalityDict, mapping of modalities or array-like
        Anything that ``X[start:stop]`` and ``len(X)`` (or ``X.shape[0]``) index by rows;
        a plain dict of modalities is checked and converted to a ModalityDict.
    batch_size : int
        Rows per batch (the last batch may be smaller).

    Yields
    ------
    batch : same type as X

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.data import iter_batches
    >>> [len(b) for b in iter_batches(np.zeros((10, 2)), 4)]
    [4, 4, 2]
    """
    _check_batch_size(batch_size)
    if isinstance(X, Mapping) and not sparse.issparse(X):
        X = check_multimodal(X)
    n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
    for start in range(0, n_samples, batch_size):
        yield X[start:start + batch_size]


def predict_in_batches(estimator, X, *, method="predict", batch_size=1024):
    """Call ``estimator.<method>`` batch by batch and stack the results.

    At most one batch of every modality (and of its features) is in memory at
    a time, so a large, memory-mapped X is predicted in bounded memory. The
    result equals ``getattr(estimator, method)(X)``.

    Parameters
    ----------
    estimator : fitted estimator
    X : ModalityDict, mapping of modalities or array-like
    method : str, default="predict"
        ``"predict"``, ``"predict_proba"``, ``"decision_function"``,
        ``"transform"``, ...
    batch_size : int, default=1024
        Rows per batch.

    Returns
    -------
    result : ndarray, sparse matrix or DataFrame
        The batches' outputs stacked along the first axis.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skfusion.data import predict_in_batches
    >>> X = np.arange(20.0).reshape(10, 2); y = (X[:, 0] > 9).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> np.array_equal(predict_in_batches(model, X, batch_size=3), model.predict(X))
    True
    """
    _check_batch_size(batch_size)
    call = getattr(estimator, method)
    parts = [call(batch) for batch in iter_batches(X, batch_size)]
    return _stack(parts) if parts else call(X)  # no rows: the estimator's own answer


def _check_batch_size(batch_size):
    if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _stack(parts):
    first = parts[0]
    if sparse.issparse(first):
        return sparse.vstack(parts, format=first.format)
    if hasattr(first, "iloc"):
        import pandas as pd

        # outputs indexed 0.. per batch (the input had no index): number the rows anew
        fresh = all(isinstance(p.index, pd.RangeIndex) and p.index.start == 0 for p in parts)
        return pd.concat(parts, ignore_index=fresh)
    if isinstance(first, list):
        return [item for part in parts for item in part]
    return np.concatenate([np.asarray(p) for p in parts], axis=0)
