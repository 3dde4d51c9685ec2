"""Checks of a multimodal X against what an estimator expects or saw at fit."""

from collections.abc import Mapping

from scipy import sparse

from ..data import ModalityDict

__all__ = ["check_multimodal"]


def check_multimodal(X, *, modalities=None, estimator=None):
    """Return X as a ModalityDict, checking that it holds ``modalities``.

    Parameters
    ----------
    X : ModalityDict or mapping
        The multimodal input. A plain dict or skorch ``SliceDict`` is
        converted (and its lengths checked).
    modalities : iterable of str, default=None
        Modalities that X must hold (for example those seen at fit).
    estimator : estimator or str, default=None
        Named in error messages.

    Returns
    -------
    X : ModalityDict

    Raises
    ------
    TypeError
        If X is not a mapping of modalities.
    ValueError
        If a required modality is absent (the message lists those present).

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.utils import check_multimodal
    >>> check_multimodal({"a": np.zeros((2, 3))}, modalities=["a"])
    ModalityDict(n_samples=2, a=float64(2, 3))
    """
    who = _name(estimator)
    if not isinstance(X, Mapping) or sparse.issparse(X):
        raise TypeError(
            f"{who}expects a skfusion.ModalityDict of modalities, got {type(X).__name__}"
        )
    if not isinstance(X, ModalityDict):
        X = ModalityDict(dict(X.items()))
    if modalities is not None:
        absent = [name for name in modalities if name not in X]
        if absent:
            raise ValueError(
                f"{who}needs modality {absent[0]!r}, which X lacks; X has "
                f"{', '.join(map(repr, X.modalities))}"
            )
    return X


def _name(estimator):
    if estimator is None:
        return ""
    if isinstance(estimator, str):
        return f"{estimator} "
    return f"{type(estimator).__name__} "
