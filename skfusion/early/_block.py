"""One block of an EarlyFusion: its transformer, missing rows, scaling and names.

The functions here run in joblib workers, one call per block, so a block's
whole fit (transformer, fill values, scaling) runs in parallel with the
others'.
"""

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ..data import naming_modality, refill_rows, rows_of_params, take_rows
from ..utils.arrays import is_frame, is_pandas
from ._scaling import apply_block_scaling, fit_block_scaling

__all__ = ["Flatten", "FittedBlock", "fit_transform_block", "transform_block"]


class Flatten(TransformerMixin, BaseEstimator):
    """What ``"passthrough"`` becomes: the selection as one 2-D numeric block.

    N-d arrays (images) are flattened to ``(n_samples, -1)``, 1-D numeric
    arrays become one column and a ModalityDict selection is flattened
    modality by modality and concatenated. Sparse matrices stay sparse.

    Parameters
    ----------
    prefix : str, default="x"
        Feature names are ``f"{prefix}{i}"`` (the modality name where known).
    """

    def __init__(self, prefix="x"):
        self.prefix = prefix

    def fit(self, X, y=None):
        """Record the output feature names.

        Parameters
        ----------
        X : array-like, DataFrame, sparse matrix or ModalityDict
        y : None
            Ignored.

        Returns
        -------
        self : Flatten
        """
        self.feature_names_out_ = np.asarray(
            [name for label, part in _parts(X, self.prefix)
             for name in _part_names(label, part)],
            dtype=object,
        )
        return self

    def transform(self, X):
        """Return X as a 2-D numeric array (or sparse matrix).

        Parameters
        ----------
        X : array-like, DataFrame, sparse matrix or ModalityDict

        Returns
        -------
        Xt : ndarray or sparse matrix of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        if is_frame(X) and all(kind in "biuf" for kind in (d.kind for d in X.dtypes)):
            return X  # numeric columns as they are (ColumnTransformer's pandas output keeps dtypes)
        parts = [_flat(label, part) for label, part in _parts(X, self.prefix)]
        if len(parts) == 1:
            return parts[0]
        if any(sparse.issparse(p) for p in parts):
            return sparse.hstack(parts, format="csr")
        return np.hstack(parts)

    def get_feature_names_out(self, input_features=None):
        """The flattened feature names.

        Parameters
        ----------
        input_features : array-like of str, default=None
            The input's column names (a 2-D X), returned as they are, as
            ColumnTransformer names its ``"passthrough"`` columns.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        if input_features is not None:
            return np.asarray(input_features, dtype=object)
        return self.feature_names_out_


def _parts(X, prefix):
    if isinstance(X, dict):
        return list(X.items())
    return [(prefix, X)]


def _part_names(label, part):
    if is_frame(part):
        return [str(c) for c in part.columns]
    width = _flat(label, part).shape[1]
    return [label] if width == 1 and label != "x" else [f"{label}{i}" for i in range(width)]


def _flat(label, part):
    if sparse.issparse(part):
        return sparse.csr_matrix(part)
    if is_pandas(part):
        part = part.to_numpy()
    part = np.asarray(part)
    if part.dtype.kind not in "biuf":
        try:
            part = part.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"'passthrough' needs numeric arrays, but modality {label!r} has dtype "
                f"{part.dtype} (ragged waveforms or strings?); give its block a "
                f"transformer that turns it into features ({exc})"
            ) from None
    return part.reshape(part.shape[0], -1)


class FittedBlock:
    """The fitted state of one block (private; see EarlyFusion).

    Parameters
    ----------
    name : str
        The block name.
    transformer : estimator
        The fitted transformer.
    modality : str, list of str or None
        The modalities it reads, named in its errors (None: not named, as for
        columns of a 2-D X).
    """

    def __init__(self, name, transformer, modality=None):
        self.name = name
        self.transformer = transformer
        self.modality = modality
        self.fill = None
        self.offset = None
        self.scale = None
        self.indicator = False
        self.n_features = 0

    def feature_names_out(self, input_features=None):
        """The block's output feature names, without the block prefix.

        ``input_features`` (the names of the block's input columns, for a 2-D
        X) are passed to the transformer's ``get_feature_names_out``, as
        ColumnTransformer passes them. Positional (``f0``, ``f1``...) when the
        transformer cannot name its features, such as a pipeline with a step
        that lacks ``get_feature_names_out``.
        """
        try:
            if input_features is None:
                names = list(self.transformer.get_feature_names_out())
            else:
                names = list(self.transformer.get_feature_names_out(input_features))
        except AttributeError:
            names = [f"f{i}" for i in range(self.n_features)]
        return names + (["missing"] if self.indicator else [])


def fit_transform_block(name, transformer, X_block, y, missing_mask, *, modality,
                        scaling, weight, missing, add_indicator, params, keep_frame=False):
    """Fit one block on the rows that hold its modality; return (Xt, FittedBlock).

    ``params`` holds the block's routed metadata by method (``"fit"``,
    ``"transform"``, ``"fit_transform"``); per-sample arrays among them are
    cut to the rows that hold the modality, as X and y are. The errors of the
    transformer name ``modality``.
    """
    n_samples = _n_rows(X_block)
    present = _present_rows(name, missing_mask, missing)
    if present is not None and present.size == 0:
        raise ValueError(
            f"block {name!r}: every training sample lacks its modality, so its "
            "transformer cannot be fitted"
        )
    X_fit = X_block if present is None else take_rows(X_block, present)
    y_fit = y if present is None or y is None else take_rows(y, present)
    with naming_modality(modality):
        if hasattr(transformer, "fit_transform"):
            Xt = transformer.fit_transform(
                X_fit, y_fit, **_rows_of(params.get("fit_transform", {}), present, n_samples))
        else:
            Xt = transformer.fit(
                X_fit, y_fit, **_rows_of(params.get("fit", {}), present, n_samples)
            ).transform(X_fit, **_rows_of(params.get("transform", {}), present, n_samples))
    frame = Xt if keep_frame and is_frame(Xt) else None
    Xt = _check_output(name, Xt, _n_rows(X_fit))
    block = FittedBlock(name, transformer, modality)
    block.n_features = Xt.shape[1]
    # with metadata (sample_weight), a scaler's weighted statistics are not ours
    standardized = _ends_with_standard_scaler(transformer) and not any(params.values())
    block.offset, block.scale, mean = fit_block_scaling(Xt, scaling, weight,
                                                        standardized=standardized)
    block.indicator = bool(add_indicator and present is not None)
    if missing != "error":
        block.fill = _fill_values(Xt, missing, mean, standardized)
    if frame is not None and _as_is(block, present):
        return frame, block
    return _assemble(block, Xt, present, n_samples), block


def transform_block(block, X_block, missing_mask, missing, params, keep_frame=False):
    """Transform one block with its fitted state; missing rows get the fill.

    ``params`` is the block's routed ``transform`` metadata; ``keep_frame`` as
    in :func:`fit_transform_block`.
    """
    n_samples = _n_rows(X_block)
    present = _present_rows(block.name, missing_mask, missing)
    X_in = X_block if present is None else take_rows(X_block, present)
    if present is not None and present.size == 0:
        Xt = np.zeros((0, block.n_features))
    else:
        with naming_modality(block.modality):
            Xt = block.transformer.transform(X_in, **_rows_of(params, present, n_samples))
        if keep_frame and is_frame(Xt) and _as_is(block, present) \
                and Xt.shape == (n_samples, block.n_features):
            return Xt
        Xt = _check_output(block.name, Xt, _n_rows(X_in))
    if Xt.shape[1] != block.n_features:
        raise ValueError(
            f"block {block.name!r} returned {Xt.shape[1]} features, but "
            f"{block.n_features} at fit"
        )
    return _assemble(block, Xt, present, n_samples)


def _as_is(block, present):
    """Whether the block's output needs no fill, scaling or indicator."""
    return present is None and block.scale is None and not block.indicator


def _rows_of(params, present, n_samples):
    """The metadata of the rows that hold the modality (all of them when ``present`` is None)."""
    if present is None or not params:
        return params
    return rows_of_params(params, present, n_samples)


def _present_rows(name, missing_mask, missing):
    """Indices of the rows that hold the modality, or None when all do."""
    if missing_mask is None or not missing_mask.any():
        return None
    if missing == "error":
        raise ValueError(
            f"block {name!r}: {int(missing_mask.sum())} samples lack its modality; "
            "set missing='mean' to fill them from training statistics"
        )
    return np.flatnonzero(~missing_mask)


def _fill_values(Xt, missing, mean=None, standardized=False):
    """The missing rows' output: zeros, or the block's mean output on its training rows.

    ``mean`` is reused when the scaling computed it on the same float64
    values; a standardised block's mean is zero.
    """
    if missing == "zero" or Xt.shape[0] == 0 or (standardized and not sparse.issparse(Xt)):
        return np.zeros(Xt.shape[1])
    if mean is not None and Xt.dtype == np.float64:
        return mean
    mean = Xt.mean(axis=0)
    return np.asarray(mean, dtype=np.float64).ravel()


def _ends_with_standard_scaler(transformer):
    """Whether the fitted transformer's output is standardised (mean 0, variance 1).

    True for a StandardScaler with centring and scaling, or a Pipeline whose
    last step is one: on the rows it was fitted on, its output's features
    already have zero mean and unit variance.
    """
    while isinstance(transformer, Pipeline) and transformer.steps:
        transformer = transformer.steps[-1][1]
    return (isinstance(transformer, StandardScaler) and transformer.with_mean
            and transformer.with_std)


def _assemble(block, Xt, present, n_samples):
    """Scale the block, put fill rows where the modality is missing, add the indicator."""
    if present is not None:
        Xt = refill_rows(Xt, np.isin(np.arange(n_samples), present), block.fill)
    if block.scale is not None:
        Xt = apply_block_scaling(Xt, block.offset, block.scale)
    if not block.indicator:
        return Xt
    flag = np.zeros((n_samples, 1))
    if present is not None:
        flag[:] = 1.0
        flag[present] = 0.0
    if sparse.issparse(Xt):
        return sparse.hstack([Xt, sparse.csr_matrix(flag)], format="csr")
    return np.hstack([Xt, flag.astype(Xt.dtype, copy=False)])


def _check_output(name, Xt, n_expected):
    """The transformer's output as a 2-D array or CSR matrix with one row per sample."""
    if sparse.issparse(Xt):
        Xt = sparse.csr_matrix(Xt)
    elif is_pandas(Xt):
        Xt = Xt.to_numpy()
    else:
        Xt = np.asarray(Xt)
    if Xt.ndim != 2:
        raise ValueError(
            f"the transformer of block {name!r} returned an array of shape "
            f"{Xt.shape}; an EarlyFusion block must return a 2-D array "
            "(n_samples, n_features)"
        )
    if Xt.shape[0] != n_expected:
        raise ValueError(
            f"the transformer of block {name!r} returned {Xt.shape[0]} rows for "
            f"{n_expected} samples; it must return one row per sample"
        )
    return Xt


def _n_rows(value):
    return value.shape[0] if hasattr(value, "shape") else len(value)


