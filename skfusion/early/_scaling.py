"""Block balancing: how each block's features are scaled before concatenation.

A block's scaling is fitted as an ``(offset, scale)`` pair and applied as
``(Xt - offset) / scale``; ``offset`` is ``None`` where the block is not
centred (no scaling, or a sparse block that centring would densify).
"""

import numpy as np
from scipy import sparse
from sklearn.utils.sparsefuncs import mean_variance_axis

__all__ = ["BLOCK_SCALINGS", "apply_block_scaling", "fit_block_scaling"]

BLOCK_SCALINGS = ("standard", "block")


def fit_block_scaling(Xt, method, weight=1.0):
    """Fit the scaling of one block's features.

    Parameters
    ----------
    Xt : ndarray or sparse matrix of shape (n_samples, n_features)
        The block's output on the training rows that hold the modality.
    method : {None, "standard", "block"}
        ``None`` leaves the block as it is (only ``weight`` applies).
        ``"standard"`` standardises each feature (zero mean, unit variance).
        ``"block"`` standardises each feature, then divides the block by the
        square root of its number of (non-constant) features, so that every
        block has total variance 1 whatever its width.
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
    scale = std
    if method == "block":
        scale = std * np.sqrt(max(int((~constant).sum()), 1))
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
