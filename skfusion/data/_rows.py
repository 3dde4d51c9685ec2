"""Which rows hold what: the one home of "missing", presence and row slicing.

Every skfusion estimator asks the same questions of X: is this entry missing,
which rows does a member or block see (:func:`presence`), which rows and which
metadata does a step get (:func:`take_rows`, :func:`rows_of_params`), and how
the output of a step fitted on the present rows is put back in place
(:func:`refill_rows`). They are answered here, once.
"""

from collections.abc import Mapping

import numpy as np
from scipy import sparse

from ..utils.arrays import is_frame, is_pandas, object_array

__all__ = [
    "is_missing_entry",
    "missing_mask",
    "has_missing_rows",
    "presence",
    "take_rows",
    "is_per_sample",
    "rows_of_params",
    "refill_rows",
    "modality_names",
]


def is_missing_entry(entry):
    """Whether one entry of an object modality stands for a missing sample.

    ``None``, a NaN scalar and an all-NaN float array are missing; anything
    else (a string, an empty string, a waveform with some NaN samples) is not.

    Parameters
    ----------
    entry : object
        One entry of a modality.

    Returns
    -------
    missing : bool

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.data import is_missing_entry
    >>> [is_missing_entry(e) for e in [None, np.nan, np.full(3, np.nan), "", "a cat"]]
    [True, True, True, False, False]
    """
    if entry is None:
        return True
    if isinstance(entry, (float, np.floating)):
        return bool(np.isnan(entry))
    if isinstance(entry, np.ndarray) and entry.dtype.kind == "f" and entry.size:
        return bool(np.isnan(entry).all())
    return False


def missing_mask(values):
    """Boolean mask of the rows of one modality that lack it.

    Parameters
    ----------
    values : ndarray, list, DataFrame, Series, sparse matrix or lazy array
        One modality. Object entries are tested with :func:`is_missing_entry`;
        numeric rows are missing when they are all NaN; DataFrame rows when
        every column is NaN. Sparse matrices have no missing rows. A lazily
        loaded modality with a ``missing_mask()`` method answers for itself.

    Returns
    -------
    mask : ndarray of shape (n_samples,), dtype=bool

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.data import missing_mask
    >>> missing_mask(np.array([[1.0, 2.0], [np.nan, np.nan], [np.nan, 3.0]]))
    array([False,  True, False])
    >>> missing_mask(["a cat", None, np.nan])
    array([False,  True,  True])
    """
    if hasattr(values, "missing_mask"):
        # lazily loaded modalities know what is missing without decoding it
        return np.asarray(values.missing_mask(), dtype=bool)
    if is_frame(values):
        return values.isna().to_numpy().all(axis=1)
    if is_pandas(values):
        return values.isna().to_numpy()
    if sparse.issparse(values):
        return np.zeros(values.shape[0], dtype=bool)
    if isinstance(values, (list, tuple)):
        values = _list_to_array(values)
    values = np.asarray(values) if not isinstance(values, np.ndarray) else values
    n = values.shape[0]
    if values.dtype == object:
        flags = np.array([is_missing_entry(v) for v in values.reshape(-1)], dtype=bool)
        return flags.reshape(n, -1).all(axis=1) if n else np.zeros(0, dtype=bool)
    if values.dtype.kind in "fc":
        return _all_nan_rows(values.reshape(n, -1))
    return np.zeros(n, dtype=bool)


def has_missing_rows(values):
    """Whether any row of one modality lacks it: ``missing_mask(values).any()``.

    A dense float array answers from the least of each row's first entries
    alone (NaN if some entry there is NaN), without building the mask.

    Parameters
    ----------
    values : ndarray, list, DataFrame, Series, sparse matrix or lazy array
        One modality, as :func:`missing_mask` takes it.

    Returns
    -------
    missing : bool

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.data import has_missing_rows
    >>> has_missing_rows(np.array([[1.0, np.nan], [2.0, 3.0]]))
    False
    >>> has_missing_rows(np.array([[1.0, 2.0], [np.nan, np.nan]]))
    True
    """
    # a plain ndarray first: it is the common case, and has no missing_mask
    plain = type(values) is np.ndarray or (isinstance(values, np.ndarray)
                                           and not hasattr(values, "missing_mask"))
    if not (plain and values.dtype.kind in "fc" and values.ndim):
        return bool(missing_mask(values).any())
    if not values.size:
        return False
    # a row that lacks the modality is all NaN, its first entry too; one
    # reduction over those entries (indexed, never a copy), which carries a NaN
    # through (and, unlike a sum, never overflows or warns), finds none
    first = values[:, 0] if values.ndim == 2 else \
        values[(slice(None),) + (0,) * (values.ndim - 1)]
    least = np.minimum.reduce(first)
    if least == least:
        return False
    return bool(_all_nan_rows(values.reshape(values.shape[0], -1)).any())


def lacks_rows(X, selection):
    """Whether some row of X lacks a modality that ``selection`` names:
    ``not presence(X, selection).all()``, without building the masks when no
    modality lacks a row (the common case)."""
    if not isinstance(X, (dict, Mapping)) or sparse.issparse(X):
        return False
    return any(has_missing_rows(X[name]) for name in modality_names(selection))


def _all_nan_rows(flat):
    """Rows of a 2-D float array that are all NaN.

    Only rows whose first entry is NaN can be, so the others are never read
    past their first entry: a modality with nothing missing costs one column.
    A row of no values (a modality with 0 features) is not missing: it is
    empty, which the estimator that receives it reports.
    """
    if flat.shape[1] == 0:
        return np.zeros(flat.shape[0], dtype=bool)
    mask = np.isnan(flat[:, 0])
    if mask.any():
        candidates = np.flatnonzero(mask)
        mask[candidates] = np.isnan(flat[candidates, 1:]).all(axis=1)
    return mask


def modality_names(modality):
    """The modality names that a selection refers to, as a list of str.

    Parameters
    ----------
    modality : str, list of str, or other selection
        A selection as :class:`ModalitySelector` takes it.

    Returns
    -------
    names : list of str
        The named modalities; empty for ``None``, callables, and column
        selections by position.

    Examples
    --------
    >>> from skfusion.data import modality_names
    >>> modality_names("audio"), modality_names(["image", "audio"]), modality_names([0, 1])
    (['audio'], ['image', 'audio'], [])
    """
    if isinstance(modality, str):
        return [modality]
    if isinstance(modality, (list, tuple)) and all(isinstance(m, str) for m in modality):
        return list(modality)
    return []


def presence(X, selection, *, missing=None):
    """Which rows a member or block that reads ``selection`` of X sees.

    A row is present when it holds every modality that ``selection`` names.
    A selection that is not by name (``None``, columns, a callable) sees
    every row: the step it feeds handles missing values itself. So does any
    selection of an X that is not a mapping of modalities.

    Parameters
    ----------
    X : ModalityDict, mapping of modalities, or array-like
        The samples.
    selection : str, list of str, or other selection
        What the member or block reads, as :func:`select_modality` takes it.
    missing : dict, default=None
        Modality names mapped to their :func:`missing_mask`, filled as the
        masks are computed: pass one dict to several calls so that a modality
        that several members read is tested once.

    Returns
    -------
    present : ndarray of shape (n_samples,), dtype=bool

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion import ModalityDict
    >>> from skfusion.data import presence
    >>> X = ModalityDict(image=np.array([[1.0], [np.nan], [3.0]]), text=["a", "b", None])
    >>> presence(X, "image"), presence(X, ["image", "text"])
    (array([ True, False,  True]), array([ True, False, False]))
    """
    n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
    present = np.ones(n_samples, dtype=bool)
    if isinstance(X, Mapping) and not sparse.issparse(X):
        missing = {} if missing is None else missing
        for name in modality_names(selection):
            if name not in missing:
                missing[name] = missing_mask(X[name])
            if missing[name].any():  # most modalities lack no row: no pass over the mask
                present &= ~missing[name]
    return present


def _list_to_array(values):
    """Numeric lists become numeric arrays; ragged or mixed lists become object arrays."""
    try:
        array = np.asarray(values)
    except (ValueError, TypeError):
        return object_array(values)
    if array.dtype.kind in "biufcUS" and array.ndim >= 1:
        return array
    return object_array(values)


def take_rows(value, rows):
    """The rows of one modality, a ModalityDict, a DataFrame, a sparse matrix or an array.

    The one row-indexing helper every skfusion estimator uses, so that a
    modality of any kind is indexed the same way everywhere.

    Parameters
    ----------
    value : ModalityDict, DataFrame or Series, sparse matrix, ndarray, list or duck array
        Anything with one entry per sample along its first axis.
    rows : slice or array-like of int
        The rows to take.

    Returns
    -------
    taken : same kind as ``value`` (lists and tuples come back as arrays)

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.data import take_rows
    >>> take_rows(np.arange(10), [3, 1])
    array([3, 1])
    """
    if is_pandas(value) and not isinstance(value, dict):
        return value.iloc[rows]
    if isinstance(value, (list, tuple)):
        value = _list_to_array(value)
    return value[rows]


def is_per_sample(value, n_samples):
    """Whether a metadata value holds one entry per sample (and so is cut with the rows).

    Parameters
    ----------
    value : object
        A metadata value (``sample_weight``, ``groups``, a scalar option...).
    n_samples : int
        The number of samples of X.

    Returns
    -------
    per_sample : bool
        True for sized values of length ``n_samples`` other than strings and
        dicts.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.data import is_per_sample
    >>> is_per_sample(np.ones(4), 4), is_per_sample(0.5, 4), is_per_sample("abcd", 4)
    (True, False, False)
    """
    return (hasattr(value, "__len__") and not isinstance(value, (str, dict))
            and len(value) == n_samples)


def rows_of_params(params, rows, n_samples):
    """Index every per-sample metadata value (length ``n_samples``) by ``rows``.

    Metadata of other lengths (scalars, strings, per-class arrays) pass
    through unchanged. Used wherever an estimator fits a step on a subset of
    the rows (the rows holding a modality, a cross-validation fold).

    Parameters
    ----------
    params : dict
        Metadata by name.
    rows : slice or array-like of int
        The rows the step gets.
    n_samples : int
        The number of samples of X.

    Returns
    -------
    params : dict

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.data import rows_of_params
    >>> rows_of_params({"sample_weight": np.array([1.0, 2.0, 3.0]), "C": 0.5}, [0, 2], 3)
    {'sample_weight': array([1., 3.]), 'C': 0.5}
    """
    return {key: take_rows(value, rows) if is_per_sample(value, n_samples) else value
            for key, value in params.items()}


def refill_rows(out, present, fill=np.nan):
    """Put the output of a step fitted or applied on the present rows back in place.

    Parameters
    ----------
    out : ndarray or sparse matrix of shape (n_present, ...)
        The step's output for the rows where ``present`` is True, in order.
    present : ndarray of shape (n_samples,), dtype=bool
        The rows the step saw (see :func:`presence`).
    fill : float or array-like, default=np.nan
        What the other rows get: NaN (they stay missing), or a value per
        output column (a training mean, zeros).

    Returns
    -------
    full : ndarray or sparse matrix of shape (n_samples, ...)
        ``out`` itself when every row is present; otherwise a float array (a
        CSR matrix for sparse ``out``).

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.data import refill_rows
    >>> refill_rows(np.array([[1.0], [2.0]]), np.array([True, False, True]))
    array([[ 1.],
           [nan],
           [ 2.]])
    """
    present = np.asarray(present, dtype=bool)
    n_rows = out.shape[0] if hasattr(out, "shape") else len(out)
    if n_rows != present.sum():
        raise ValueError(f"refill_rows got {n_rows} output rows for {present.sum()} "
                         "present samples")
    if present.all():
        return out
    n_samples = present.size
    if sparse.issparse(out):
        absent = np.flatnonzero(~present)
        filler = np.broadcast_to(np.asarray(fill, dtype=float), (absent.size, out.shape[1]))
        stacked = sparse.vstack([out, sparse.csr_matrix(filler)], format="csr")
        order = np.empty(n_samples, dtype=np.intp)
        order[np.concatenate([np.flatnonzero(present), absent])] = np.arange(n_samples)
        return stacked[order]
    out = np.asarray(out)
    # dtypes, not values: numpy 1.x would cast a 0-d fill by its value
    dtype = np.result_type(out.dtype, np.float32, np.asarray(fill).dtype)
    full = np.empty((n_samples, *out.shape[1:]), dtype=dtype)
    full[present] = out
    full[~present] = fill
    return full
