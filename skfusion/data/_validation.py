"""Checks of a multimodal X against what an estimator expects or saw at fit."""

import contextlib
from collections.abc import Mapping

import numpy as np
from scipy import sparse

from ._container import ModalityDict
from ._rows import modality_names

__all__ = ["check_multimodal", "check_n_targets", "naming_modality"]


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
    >>> from skfusion.data import check_multimodal
    >>> check_multimodal({"a": np.zeros((2, 3))}, modalities=["a"])
    ModalityDict(n_samples=2, a=float64(2, 3))
    """
    if not isinstance(X, ModalityDict):
        if not isinstance(X, Mapping) or sparse.issparse(X):
            raise TypeError(
                f"{_name(estimator) or 'check_multimodal '}expects a skfusion.ModalityDict "
                f"of modalities (a mapping of modality names to arrays), got {type(X).__name__}"
            )
        X = ModalityDict(dict(X.items()))
    if modalities is not None:
        absent = [name for name in modalities if name not in X]
        if absent:
            raise ValueError(
                f"{_name(estimator)}needs modality {absent[0]!r}, which X lacks; X has "
                f"{', '.join(map(repr, X.modalities))}"
            )
    return X


def check_n_targets(X, y, *, estimator=None):
    """Return y as an array, checking that it has one entry per sample of X.

    Parameters
    ----------
    X : ModalityDict or array-like
        The samples (anything with ``shape[0]`` or ``len``).
    y : array-like
        The targets.
    estimator : estimator or str, default=None
        Named in the error message.

    Returns
    -------
    y : ndarray

    Raises
    ------
    ValueError
        If y is a scalar or its first axis is not X's number of samples.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion import ModalityDict
    >>> from skfusion.data import check_n_targets
    >>> X = ModalityDict(a=np.zeros((3, 2)))
    >>> check_n_targets(X, [0, 1, 1])
    array([0, 1, 1])
    >>> check_n_targets(X, [0, 1], estimator="MyFusion")
    Traceback (most recent call last):
    ...
    ValueError: MyFusion y has 2 samples but X has 3; they must have one row per sample
    """
    n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
    y = np.asarray(y)
    n_targets = y.shape[0] if y.ndim else 0
    if n_targets != n_samples:
        raise ValueError(
            f"{_name(estimator)}y has {n_targets} samples but X has {n_samples}; "
            "they must have one row per sample"
        )
    return y


@contextlib.contextmanager
def naming_modality(modality):
    """Name ``modality`` in the ValueError or TypeError raised inside the block.

    Composite estimators wrap the calls of a per-modality step (a feature
    extractor, a member model) in it, so that an error the step raises about
    its input, which only knows "X", says which modality of the ModalityDict
    it was: ``modality 'image': PixelFeatures was fitted on images of shape
    (8, 8); got images of shape (64,)``. The exception keeps its type and
    traceback; messages that already name the modality, and NotFittedError,
    pass unchanged.

    Parameters
    ----------
    modality : str, list of str or other selection
        What the step reads, as :func:`~skfusion.data.select_modality` takes it.
        Selections that are not by name (columns, callables, None) are not named.

    Yields
    ------
    None

    Examples
    --------
    >>> from skfusion.data import naming_modality
    >>> with naming_modality("image"):
    ...     raise ValueError("expected 2-D input")
    Traceback (most recent call last):
    ...
    ValueError: modality 'image': expected 2-D input
    """
    try:
        yield
    except (ValueError, TypeError) as exc:
        name_modality_in(exc, modality)
        raise


def name_modality_in(exc, modality):
    """Prefix the message of ``exc`` with ``modality``, as :func:`naming_modality` does.

    For hot paths that catch the ValueError or TypeError themselves (a
    ``try`` costs nothing until something is raised; a context manager costs
    a generator per call).
    """
    from sklearn.exceptions import NotFittedError

    names = modality_names(modality)
    message = exc.args[0] if exc.args else None
    if (names and isinstance(message, str) and not isinstance(exc, NotFittedError)
            and not any(repr(name) in message for name in names)):
        label = f"modality {names[0]!r}" if len(names) == 1 else f"modalities {names}"
        exc.args = (f"{label}: {message}", *exc.args[1:])


def _name(estimator):
    if estimator is None:
        return ""
    if isinstance(estimator, str):
        return f"{estimator} "
    return f"{type(estimator).__name__} "
