"""Select one or more modalities, as ColumnTransformer selects columns."""

import reprlib
from collections.abc import Mapping

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import validate_data

from ..utils._sklearn_compat import _get_column_indices, _safe_indexing
from ..utils.arrays import is_frame
from ._container import ModalityDict, _check_lengths
from ._rows import modality_names

__all__ = ["ModalitySelector", "select_modality", "column_positions"]


def select_modality(X, modality):
    """Return the part of ``X`` that ``modality`` selects.

    Parameters
    ----------
    X : ModalityDict, mapping, DataFrame, ndarray or sparse matrix
        The input.
    modality : str, list, int, slice, array-like of bool, callable or None
        On a ModalityDict (or any mapping such as skorch's ``SliceDict``): a
        name returns that modality, a list of names a ModalityDict of those.
        On a DataFrame: a column name (1-D) or a list of names (a DataFrame).
        On a 2-D array: a column index (1-D), or a list of indices, a slice
        or a boolean mask (2-D). ``None`` returns ``X`` itself; a callable is
        called on ``X`` and its result used as the selection.

    Returns
    -------
    selected : array-like or ModalityDict

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion import ModalityDict
    >>> from skfusion.data import select_modality
    >>> X = ModalityDict(image=np.ones((2, 3, 3)), text=["hi", "ho"])
    >>> select_modality(X, "text")
    array(['hi', 'ho'], dtype=object)
    >>> select_modality(X, ["image"])
    ModalityDict(n_samples=2, image=float64(2, 3, 3))
    """
    if type(modality) is str and isinstance(X, ModalityDict) and dict.__contains__(X, modality):
        return dict.__getitem__(X, modality)  # the common case, without the checks below
    if modality is None:
        return X
    if callable(modality):
        return select_modality(X, modality(X))
    if sparse.issparse(X):  # before Mapping: a DOK matrix is a dict subclass
        # COO (what sparse.hstack returns), DIA, BSR and DOK have no column indexing
        return _select_from_array(X if X.format in ("csr", "csc", "lil") else X.tocsr(),
                                  modality)
    if isinstance(X, Mapping):
        return _select_from_mapping(X, modality)
    if is_frame(X):
        return _select_from_frame(X, modality)
    if isinstance(X, np.ndarray):
        return _select_from_array(X, modality)
    if isinstance(X, (list, tuple)) or hasattr(X, "__array__"):
        # a list of rows or another array-like, as ColumnTransformer takes them
        return _select_from_array(np.asarray(X), modality, kind=type(X).__name__)
    raise TypeError(
        f"cannot select modality {modality!r} from a {type(X).__name__}; pass a "
        "ModalityDict, a DataFrame or a 2-D array"
    )


def _select_from_mapping(X, modality):
    names = modality_names(modality)
    if not names and not (isinstance(modality, (list, tuple)) and len(modality) == 0):
        raise TypeError(
            "modalities are selected by name (a str or a list of str), got "
            f"{reprlib.repr(modality)}"
        )
    absent = [name for name in names if name not in X]
    if absent:
        raise ValueError(
            f"modality {absent[0]!r} is not in X; the modalities are "
            f"{', '.join(map(repr, X.keys()))}"
        )
    if not isinstance(X, ModalityDict):
        # a plain dict is not checked on construction: never select from misaligned rows
        _check_lengths({name: value for name, value in X.items()
                        if hasattr(value, "shape") or hasattr(value, "__len__")})
    if isinstance(modality, str):
        return dict.__getitem__(X, modality) if isinstance(X, dict) else X[modality]
    if not names:
        raise ValueError("an empty list selects no modality")
    values = {name: (dict.__getitem__(X, name) if isinstance(X, dict) else X[name])
              for name in names}
    if isinstance(X, ModalityDict):
        return ModalityDict._from_validated(values)
    return ModalityDict(values)


def _select_from_frame(X, modality):
    if isinstance(modality, str) or (
        isinstance(modality, list) and modality and all(isinstance(c, str) for c in modality)
    ):
        wanted = [modality] if isinstance(modality, str) else modality
        absent = [c for c in wanted if c not in X.columns]
        if absent:
            raise ValueError(
                f"column {absent[0]!r} is not in the DataFrame; its columns are "
                f"{list(X.columns)}"
            )
    return _select_columns(X, modality)


def _select_from_array(X, modality, kind=None):
    if isinstance(modality, str) or (
        isinstance(modality, (list, tuple)) and any(isinstance(m, str) for m in modality)
    ):
        raise ValueError(
            f"modality {modality!r} is a name, but X is a {kind or type(X).__name__} without "
            "names; wrap the data in a skfusion.ModalityDict or a DataFrame"
        )
    if len(getattr(X, "shape", ())) != 2:
        raise ValueError(
            f"columns can only be selected from 2-D data, got shape {getattr(X, 'shape', None)}"
        )
    n_columns = X.shape[1]
    key = modality
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        if not -n_columns <= key < n_columns:
            raise ValueError(f"column {key} is out of range for {n_columns} columns")
    elif not isinstance(key, slice):
        key = np.asarray(key)
        if key.dtype == bool and key.shape != (n_columns,):
            raise ValueError(
                f"boolean column mask has shape {key.shape}, X has {n_columns} columns"
            )
        if key.dtype.kind in "iu" and key.size and (
            key.max() >= n_columns or key.min() < -n_columns
        ):
            raise ValueError(f"column index out of range for {n_columns} columns")
    return _select_columns(X, modality)


def column_positions(X, key):
    """The positions of the columns of a 2-D array or DataFrame that ``key`` selects.

    ``key`` is what ColumnTransformer takes: an int or str, a list of them, a
    slice (by position, or by label on a DataFrame), a boolean mask, or None
    (every column). A key of another kind raises ColumnTransformer's
    ValueError ("No valid specification of the columns...").

    Parameters
    ----------
    X : ndarray or DataFrame of shape (n_samples, n_columns)
        The columns to select from.
    key : int, str, list, slice, array-like of bool or None
        The selection.

    Returns
    -------
    positions : list of int

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.data import column_positions
    >>> column_positions(np.zeros((2, 4)), slice(1, 3)), column_positions(np.zeros((2, 4)), [])
    ([1, 2], [])
    """
    if key is None:
        return list(range(X.shape[1]))
    if isinstance(key, slice) and all(
        bound is None or (isinstance(bound, (int, np.integer)) and not isinstance(bound, bool))
        for bound in (key.start, key.stop, key.step)
    ):  # positional (ColumnTransformer 1.9 refuses slice(None) on an array)
        return list(range(X.shape[1]))[key]
    if isinstance(key, np.ndarray) and key.ndim == 1 and key.dtype.kind in "biu":
        key = key.tolist() if key.dtype.kind != "b" else key
    return [int(i) for i in _get_column_indices(X, key)]


def _select_columns(X, key):
    """The columns ``key`` selects, as ColumnTransformer hands them to a transformer:
    1-D for a scalar key, 2-D otherwise (possibly with 0 columns)."""
    positions = column_positions(X, key)  # ColumnTransformer's checks and errors
    if isinstance(key, slice):
        key = positions
    if isinstance(key, np.ndarray) and key.dtype.kind in "iu":
        key = key.tolist()
    return _safe_indexing(X, key, axis=1)


class ModalitySelector(TransformerMixin, BaseEstimator):
    """Return one modality, or several as a ModalityDict.

    A stateless transformer that begins a per-modality pipeline, so that
    ``make_pipeline(ModalitySelector("text"), TfidfVectorizer())`` reads the
    text of a :class:`ModalityDict`. It selects from ordinary scikit-learn
    input as ``ColumnTransformer`` does, so the same pipeline runs on a
    DataFrame or a 2-D array.

    Parameters
    ----------
    modality : str, list, int, slice, array-like of bool, callable or None, default=None
        What to select. On a ModalityDict (or skorch ``SliceDict``): a name
        returns that modality (a text modality is the 1-D array of strings
        that ``TfidfVectorizer`` expects), a list of names a ModalityDict. On
        a DataFrame: a column name or a list of them. On a 2-D array: column
        indices, a slice or a boolean mask. ``None`` passes X through; a
        callable is called on X and returns one of the above.

    Attributes
    ----------
    modalities_ : list of str
        The modality names selected at fit (empty for column selections).
    n_features_in_ : int
        Number of columns of a 2-D X (array, sparse matrix, DataFrame or list
        of rows) seen at fit, as ``FunctionTransformer`` records it; not set
        for a ModalityDict. A fitted selector refuses an array with another
        number of columns, as ``ColumnTransformer`` does.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame X whose names are all strings.

    See Also
    --------
    ModalityDict : The multimodal X.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.pipeline import make_pipeline
    >>> from skfusion import ModalityDict, ModalitySelector
    >>> X = ModalityDict(text=["red fox", "blue fox", "red hen"], size=[[1.0], [2.0], [3.0]])
    >>> pipe = make_pipeline(ModalitySelector("text"), TfidfVectorizer())
    >>> pipe.fit_transform(X).shape
    (3, 4)
    """

    def __init__(self, modality=None):
        self.modality = modality

    def fit(self, X, y=None):
        """Check that the selection exists in X.

        Parameters
        ----------
        X : ModalityDict, DataFrame or 2-D array
        y : None
            Ignored.

        Returns
        -------
        self : ModalitySelector
        """
        select_modality(X, self.modality)
        self.modalities_ = modality_names(self.modality)
        for name in ("n_features_in_", "feature_names_in_"):
            vars(self).pop(name, None)
        if not _is_modalities(X):
            validate_data(self, X, skip_check_array=True, reset=True)
        return self

    def transform(self, X):
        """Return the selected part of X.

        Parameters
        ----------
        X : ModalityDict, DataFrame or 2-D array

        Returns
        -------
        selected : array-like or ModalityDict
        """
        self._check_columns(X)
        return select_modality(X, self.modality)

    def _check_columns(self, X):
        """After a fit on 2-D X: an array must have as many columns (ColumnTransformer's check).

        A DataFrame after a DataFrame fit is selected by name, so its columns may be
        reordered or added to; an unfitted selector checks nothing.
        """
        if (not hasattr(self, "n_features_in_") or _is_modalities(X)
                or (is_frame(X) and hasattr(self, "feature_names_in_"))):
            return
        ndim = len(X.shape) if hasattr(X, "shape") else np.asarray(X, dtype=object).ndim
        if ndim == 1:
            raise ValueError(
                f"{type(self).__name__} was fitted on 2-D X with {self.n_features_in_} "
                "columns, got a 1-D array; Reshape your data with X.reshape(-1, 1) for one "
                "feature or X.reshape(1, -1) for one sample"
            )
        validate_data(self, X, skip_check_array=True, reset=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = True
        tags.input_tags.sparse = True  # columns of a sparse matrix are selected as they are
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _is_modalities(X):
    """A ModalityDict or another mapping of modalities (a DOK matrix is not one)."""
    return isinstance(X, Mapping) and not sparse.issparse(X)
