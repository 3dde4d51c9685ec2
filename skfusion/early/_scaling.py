"""Block balancing: how each block's features are scaled before concatenation.

A block's scaling is fitted as an ``(offset, scale)`` pair and applied as
``(Xt - offset) / scale``; ``offset`` is ``None`` where the block is not
centred (no scaling, or a sparse block that centring would densify).
"""

import numpy as np
from scipy import sparse
from sklearn.utils.sparsefuncs import mean_variance_axis

__all__ = ["BLOCK_SCALINGS", "apply_block_scaling", "fit_block_scaling"]

BLOCK_SCALINGS = ("auto", "standard", "block")


def fit_block_scaling(Xt, method, weight=1.0):
    """Fit the scaling of one block's features.

    Parameters
    ----------
    Xt : ndarray or sparse matrix of shape (n_samples, n_features)
        The block's output on the training rows that hold the modality.
    method : {None, "auto", "standard", "block"}
        ``None`` leaves the block as it is (only ``weight`` applies).
        ``"standard"`` standardises each feature (zero mean, unit variance;
        sparse blocks are scaled without centring). ``"auto"`` does the same
        for dense blocks, but scales a sparse block (TF-IDF, one-hot, counts)
        by one factor, so that its features have unit variance on average
        while keeping their relative weights. ``"block"`` is ``"auto"``
        followed by dividing the block by the square root of its number of
        (non-constant) features, so that every block has total variance 1
        whatever its width.
    weight : float, default=1.0
        A further factor for the block.

    Returns
    -------
    offset : ndarray of shape (n_features,) or None
    scale : ndarray of shape (n_features,) or None
        ``None`` when the block is left exactly as it is.
    """
    n_features = Xt.shape[1]
    if method is None or n_features == 0:
        return None, (None if weight == 1 else np.full(n_features, 1.0 / weight))
    mean, std = _mean_std(Xt)
    constant = std <= 10 * np.finfo(float).eps * np.maximum(np.abs(mean), 1.0)
    std[constant] = 1.0
    n_varying = max(int((~constant).sum()), 1)
    scale = std
    if sparse.issparse(Xt) and method != "standard":
        # one factor for the whole block: unit variance on average
        mean_variance = np.sum(std[~constant] ** 2) / n_varying
        scale = np.full(n_features, np.sqrt(mean_variance) if mean_variance > 0 else 1.0)
    if method == "block":
        scale = scale * np.sqrt(n_varying)
    offset = None if sparse.issparse(Xt) else mean
    return offset, scale / weight


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
        mean = np.nanmean(Xt, axis=0) if np.isnan(Xt).any() else Xt.mean(axis=0)
        std = np.nanstd(Xt, axis=0) if np.isnan(Xt).any() else Xt.std(axis=0)
    return np.nan_to_num(mean), np.nan_to_num(std)
