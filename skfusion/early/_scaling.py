"""Block balancing: how each block's features are scaled before concatenation.

A block's scaling is fitted as an ``(offset, scale)`` pair and applied as
``(Xt - offset) / scale``; ``offset`` is ``None`` where the block is not
centred (no scaling, or a sparse block that centring would densify).
"""

import inspect

import numpy as np
from scipy import sparse
from sklearn.utils.sparsefuncs import mean_variance_axis

__all__ = ["BLOCK_SCALINGS", "apply_block_scaling", "fit_block_scaling"]

BLOCK_SCALINGS = ("auto", "standard", "block")


# numpy 2.0 added std(mean=...); the floor in pyproject.toml is older
_STD_TAKES_MEAN = "mean" in inspect.signature(np.std).parameters


def fit_block_scaling(Xt, method, weight=1.0, *, standardized=False):
    """Fit the scaling of one block's features.

    Parameters
    ----------
    Xt : ndarray or sparse matrix of shape (n_samples, n_features)
        The block's output on the training rows that hold the modality.
    method : {None, "auto", "standard", "block"}
        ``None`` leaves the block as it is (only ``weight`` applies).
        ``"standard"`` standardises each feature (zero mean, unit variance;
        sparse blocks are scaled without centring). ``"auto"`` does the same
        for dense blocks and leaves a sparse block (TF-IDF, one-hot, counts)
        as it is: such a block comes with its own scale (TF-IDF rows have
        unit norm), and any one factor on it only moves the final
        estimator's regularisation of that block, which helps or harms
        depending on the final estimator's ``C``. ``"block"`` scales a
        sparse block by one factor so that its features have unit variance
        on average (keeping their relative weights), standardises a dense
        one, then divides each block by the square root of its number of
        (non-constant) features, so that every block has total variance 1
        whatever its width.
    weight : float, default=1.0
        A further factor for the block.
    standardized : bool, default=False
        Whether the dense block is known to be standardised already (its
        transformer ends with a StandardScaler fitted on these rows): then
        ``"auto"`` and ``"standard"`` leave it as it is, without a pass over
        it, as standardising it again would only change it by rounding.

    Returns
    -------
    offset : ndarray of shape (n_features,) or None
    scale : ndarray of shape (n_features,) or None
        ``None`` when the block is left exactly as it is.
    mean : ndarray of shape (n_features,) or None
        The features' means (float64) when they were computed for a dense
        block, for the missing-row fill to reuse.
    """
    n_features = Xt.shape[1]
    unchanged = None if weight == 1 else np.full(n_features, 1.0 / weight)
    if method is None or n_features == 0:
        return None, unchanged, None
    if standardized and method in ("auto", "standard") and not sparse.issparse(Xt):
        return None, unchanged, None
    if method == "auto" and sparse.issparse(Xt):
        return None, unchanged, None
    mean, std = _mean_std(Xt)
    constant = std <= 10 * np.finfo(float).eps * np.maximum(np.abs(mean), 1.0)
    std[constant] = 1.0
    n_varying = max(int((~constant).sum()), 1)
    scale = std
    if sparse.issparse(Xt) and method == "block":
        # one factor for the whole block: unit variance on average
        mean_variance = np.sum(std[~constant] ** 2) / n_varying
        scale = np.full(n_features, np.sqrt(mean_variance) if mean_variance > 0 else 1.0)
    if method == "block":
        scale = scale * np.sqrt(n_varying)
    if sparse.issparse(Xt):
        return None, scale / weight, None
    return mean, scale / weight, mean


def apply_block_scaling(Xt, offset, scale):
    """Return ``(Xt - offset) / scale`` (sparse blocks stay sparse)."""
    if sparse.issparse(Xt):
        return sparse.csr_matrix(Xt.multiply(1.0 / scale[np.newaxis, :]))
    Xt = np.asarray(Xt, dtype=np.result_type(Xt.dtype, np.float32))
    if offset is not None:
        Xt = Xt - offset
        Xt /= scale
        return Xt
    return Xt / scale


def _mean_std(Xt):
    if sparse.issparse(Xt):
        mean, var = mean_variance_axis(sparse.csr_matrix(Xt, dtype=np.float64), axis=0)
        return mean, np.sqrt(var)
    Xt = np.asarray(Xt, dtype=np.float64)
    if Xt.shape[0] == 0:
        return np.zeros(Xt.shape[1]), np.ones(Xt.shape[1])
    with np.errstate(all="ignore"):
        mean = Xt.mean(axis=0)
        if np.isnan(mean).any():  # NaN in the block (or inf - inf): only then look for them
            mean, std = np.nanmean(Xt, axis=0), np.nanstd(Xt, axis=0)
        elif _STD_TAKES_MEAN:  # one pass fewer: the standard deviation reuses the mean
            std = Xt.std(axis=0, mean=mean[np.newaxis])
        else:  # numpy < 2.0 has no std(mean=...)
            std = Xt.std(axis=0)
    return np.nan_to_num(mean), np.nan_to_num(std)
