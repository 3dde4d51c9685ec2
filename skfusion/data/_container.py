"""The multimodal X: one container of per-modality arrays that sklearn can index."""

import mmap
import numbers

import numpy as np
from scipy import sparse

from ..utils._fingerprint import buffer_digest, file_stamp, stamp_changes
from ..utils.arrays import is_frame, is_pandas, object_array
from ._rows import _list_to_array, missing_mask, take_rows

__all__ = ["ModalityDict"]


def _as_modality(name, value):
    """Convert ``value`` to a modality array, or raise an error naming ``name``."""
    if not isinstance(name, str):
        raise TypeError(
            f"modality names must be strings, got {name!r} of type {type(name).__name__}"
        )
    if value is None or isinstance(value, (str, bytes, numbers.Number)):
        raise TypeError(
            f"modality {name!r} must be array-like with one entry per sample, "
            f"got a scalar {type(value).__name__}"
        )
    if isinstance(value, dict):
        raise TypeError(
            f"modality {name!r} is a dict; a modality must be one array-like "
            "(use one modality per key of the ModalityDict instead)"
        )
    if is_pandas(value):
        return value
    if sparse.issparse(value):
        return sparse.csr_matrix(value) if value.format != "csr" else value
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, (list, tuple)):
        array = _list_to_array(value)
    elif hasattr(value, "shape") and hasattr(value, "__getitem__"):
        # duck-typed lazy arrays (memory maps, h5py datasets, lazy loaders)
        if len(value.shape) == 0:
            raise TypeError(f"modality {name!r} must have a sample axis, got a 0-d array")
        return value
    else:
        raise TypeError(
            f"modality {name!r} must be an ndarray, a list, a DataFrame or a sparse "
            f"matrix, got {type(value).__name__}"
        )
    if array.ndim == 0:
        raise TypeError(
            f"modality {name!r} must be array-like with one entry per sample, got a 0-d array"
        )
    if array.dtype.kind in "US":
        array = array.astype(object)
    return array


def _n_rows(value):
    return value.shape[0]


def _normalize_rows(key, n_samples):
    """Turn a row key into a slice or an integer index array, checking its range."""
    if isinstance(key, slice):
        return key
    if isinstance(key, (numbers.Integral, np.integer)) and not isinstance(key, bool):
        raise TypeError(
            f"ModalityDict rows are selected with a list, array, slice or mask, got the "
            f"integer {key}; use X[[{key}]] for one row or X['name'] for a modality"
        )
    rows = np.asarray(key)
    if rows.dtype == bool:
        if rows.shape != (n_samples,):
            raise IndexError(
                f"boolean row mask has shape {rows.shape}, expected ({n_samples},)"
            )
        return np.flatnonzero(rows)
    if rows.size == 0:
        return rows.astype(np.intp).reshape(0)
    if rows.dtype.kind not in "iu" or rows.ndim != 1:
        raise IndexError(
            "ModalityDict rows are selected with a 1-D integer array, a boolean mask or "
            f"a slice, got an array of dtype {rows.dtype} with shape {rows.shape}"
        )
    bad = (rows >= n_samples) | (rows < -n_samples)
    if bad.any():
        raise IndexError(
            f"row index {rows[bad][0]} is out of range for {n_samples} samples"
        )
    return rows


def _describe(value):
    if is_frame(value):
        return f"DataFrame{tuple(value.shape)}"
    if is_pandas(value):
        return f"Series({value.shape[0]},)"
    if sparse.issparse(value):
        return f"sparse {value.dtype}{tuple(value.shape)}"
    dtype = getattr(value, "dtype", None)
    text = f"{dtype}{tuple(value.shape)}"
    if dtype == object and len(value):
        kinds = {type(v).__name__ for v in value[:50] if v is not None}
        if kinds == {"ndarray"}:
            text += " ragged"
        elif kinds == {"str"}:
            text += " str"
    return text


def _blank_rows(name, value, rows):
    """Return a copy of ``value`` whose ``rows`` are marked missing."""
    if is_pandas(value):
        out = value.copy()
        out.iloc[rows] = np.nan
        return out
    if sparse.issparse(value):
        raise TypeError(f"modality {name!r} is sparse and cannot hold missing rows")
    value = np.asarray(value)
    if value.dtype == object:
        out = value.copy()
        out[rows] = None
        return out
    out = value.astype(np.result_type(value.dtype, np.float32), copy=True)
    out[rows] = np.nan
    return out


class ModalityDict(dict):
    """One multimodal X: named per-modality arrays that share the sample axis.

    A ``ModalityDict`` is a ``dict`` from modality names to arrays whose first
    axis is the sample axis. Scikit-learn sees it as one array of
    ``n_samples`` rows: ``len(X)`` and ``X.shape[0]`` are the number of
    samples, and indexing it with rows (integer arrays, slices, boolean masks)
    indexes every modality the same way. So it passes through
    :func:`~sklearn.model_selection.cross_validate`,
    :class:`~sklearn.model_selection.GridSearchCV`,
    :func:`~sklearn.model_selection.train_test_split`, ``Pipeline``,
    ``clone`` and pickle, and reaches a skorch module's
    ``forward(image, audio)`` as keyword arguments.

    Parameters
    ----------
    data : mapping, default=None
        Modality names mapped to array-likes. Keyword arguments add more.
        A modality is a numeric ndarray of any number of dimensions (images
        ``(n, h, w[, c])``), an object array (ragged waveforms, strings), a
        list (converted: numeric lists become numeric arrays, ragged or
        string lists object arrays), a pandas DataFrame or Series, or a
        sparse matrix.

    **modalities : array-like
        Further modalities, by name.

    Attributes
    ----------
    n_samples : int
        The number of samples, shared by all modalities.

    shape : tuple of int
        ``(n_samples,)``, for scikit-learn's sample counting.

    See Also
    --------
    ModalitySelector : A transformer that returns one or more modalities.

    Notes
    -----
    A sample lacks a modality when its entry is ``None`` (object modalities)
    or its row is all NaN (numeric modalities); :meth:`is_missing` returns
    that mask and :meth:`with_missing` marks rows as missing.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion import ModalityDict
    >>> X = ModalityDict(image=np.zeros((4, 8, 8)),
    ...                  text=["a cat", "a dog", "two cats", "no dog"])
    >>> X
    ModalityDict(n_samples=4, image=float64(4, 8, 8), text=object(4,) str)
    >>> len(X), X.shape
    (4, (4,))
    >>> X[[0, 2]]["text"]
    array(['a cat', 'two cats'], dtype=object)
    """

    def __init__(self, data=None, /, **modalities):
        super().__init__()
        items = dict(data.items() if hasattr(data, "items") else (data or {}))
        items.update(modalities)
        if not items:
            raise ValueError("a ModalityDict needs at least one modality")
        converted = {name: _as_modality(name, value) for name, value in items.items()}
        _check_lengths(converted)
        for name, value in converted.items():
            if _n_rows(value) == 0:
                raise ValueError(f"modality {name!r} has no samples")
        dict.update(self, converted)

    @classmethod
    def _from_validated(cls, items):
        """Build from already converted, row-aligned modalities (no checks)."""
        out = cls.__new__(cls)
        dict.update(out, items)
        return out

    # -- the sklearn contract -------------------------------------------------
    @property
    def n_samples(self):
        """The number of samples."""
        first = next(iter(dict.values(self)), None)
        return 0 if first is None else _n_rows(first)

    @property
    def shape(self):
        """``(n_samples,)``: how scikit-learn counts and indexes the samples."""
        return (self.n_samples,)

    @property
    def modalities(self):
        """The modality names, in order."""
        return tuple(dict.keys(self))

    def __len__(self):
        return self.n_samples

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "a ModalityDict holds several modalities and cannot become one array; "
            f"select one with X[name] or skfusion.ModalitySelector(name) "
            f"(modalities: {', '.join(map(repr, self.modalities))})"
        )

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                return dict.__getitem__(self, key)
            except KeyError:
                raise KeyError(
                    f"no modality {key!r}; the modalities are "
                    f"{', '.join(map(repr, self.modalities))}"
                ) from None
        if isinstance(key, tuple):
            if len(key) == 2 and key[1] is Ellipsis:
                key = key[0]
            else:
                raise TypeError(
                    "ModalityDict supports X[rows] and X[rows, ...], got a tuple key "
                    f"of length {len(key)}"
                )
        rows = _normalize_rows(key, self.n_samples)
        return self._from_validated(
            {name: take_rows(value, rows) for name, value in self.items()}
        )

    def __setitem__(self, name, value):
        value = _as_modality(name, value)
        others = {k: v for k, v in self.items() if k != name}
        _check_lengths({**others, name: value})
        dict.__setitem__(self, name, value)

    def update(self, other=(), /, **kwargs):
        """Add or replace modalities, checking their lengths.

        Parameters
        ----------
        other : mapping or iterable of (name, array-like) pairs, default=()
            Modalities to add or replace.
        **kwargs : array-like
            More modalities, by name.

        Examples
        --------
        >>> import numpy as np
        >>> from skfusion import ModalityDict
        >>> X = ModalityDict(image=np.zeros((2, 3, 3)))
        >>> X.update(text=["a", "b"])
        >>> X.modalities
        ('image', 'text')
        """
        items = dict(other.items() if hasattr(other, "items") else other)
        items.update(kwargs)
        for name, value in items.items():
            self[name] = value

    def setdefault(self, name, default=None):
        """Return modality ``name``, adding ``default`` first if it is absent.

        Parameters
        ----------
        name : str
            The modality name.
        default : array-like, default=None
            The modality to add when ``name`` is absent (a ``None`` default
            raises a TypeError, as any scalar modality does).

        Returns
        -------
        values : array-like
            The modality.

        Examples
        --------
        >>> from skfusion import ModalityDict
        >>> X = ModalityDict(text=["a", "b"])
        >>> X.setdefault("size", [1.0, 2.0])
        array([1., 2.])
        """
        if name not in self:
            self[name] = default
        return dict.__getitem__(self, name)

    def copy(self):
        """A shallow copy (the arrays are shared)."""
        return self._from_validated(dict(self.items()))

    def __reduce__(self):
        # memory maps travel as (file, offset, shape) and a digest, not as copies of their data
        return (_rebuild, ({name: _MemmapRef.of(value) or value
                            for name, value in self.items()},))

    def __repr__(self):
        parts = ", ".join(f"{name}={_describe(value)}" for name, value in self.items())
        return f"{type(self).__name__}(n_samples={self.n_samples}, {parts})"

    # -- missing modalities ---------------------------------------------------
    def is_missing(self, modality):
        """Boolean mask of the samples that lack ``modality``.

        Parameters
        ----------
        modality : str
            A modality name.

        Returns
        -------
        mask : ndarray of shape (n_samples,), dtype=bool
            True where the entry is ``None`` (object modalities) or the row
            is all NaN (numeric modalities).
        """
        return missing_mask(self[modality])

    def with_missing(self, modality, rows):
        """Return a copy in which ``rows`` lack ``modality``.

        Object modalities get ``None`` entries; numeric ones all-NaN rows
        (integer arrays are cast to float to hold NaN).

        Parameters
        ----------
        modality : str
            A modality name.
        rows : array-like of int or bool
            The rows to mark missing.

        Returns
        -------
        X : ModalityDict
            A new ModalityDict; the others modalities are shared, not copied.
        """
        rows = _normalize_rows(rows, self.n_samples)
        return self.replace({modality: _blank_rows(modality, self[modality], rows)})

    def replace(self, modalities=(), /, **kwargs):
        """Return a copy in which some modalities are replaced (or added).

        The other modalities are shared with this ModalityDict, not copied;
        this one is left unchanged.

        Parameters
        ----------
        modalities : mapping or iterable of (name, array-like) pairs, default=()
            The new modalities, each with one entry per sample.
        **kwargs : array-like
            More modalities, by name.

        Returns
        -------
        X : ModalityDict

        Raises
        ------
        ValueError
            If a new modality does not have ``n_samples`` entries.

        Examples
        --------
        >>> import numpy as np
        >>> from skfusion import ModalityDict
        >>> X = ModalityDict(image=np.zeros((2, 3, 3)), text=["a", "b"])
        >>> X.replace(text=["c", "d"])["text"]
        array(['c', 'd'], dtype=object)
        >>> X["text"]
        array(['a', 'b'], dtype=object)
        """
        out = self.copy()
        out.update(modalities, **kwargs)
        return out

    # -- construction helpers -------------------------------------------------
    @classmethod
    def from_dataframe(cls, frame, modalities=None):
        """Build a ModalityDict from the columns of a pandas DataFrame.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per sample.
        modalities : dict, default=None
            Modality name mapped to one column name (the modality is that
            column, as a 1-D array: strings stay strings) or to a list of
            column names (the modality is a DataFrame of those columns). With
            ``None`` every column becomes a modality of its own.

        Returns
        -------
        X : ModalityDict

        Examples
        --------
        >>> import pandas as pd
        >>> from skfusion import ModalityDict
        >>> df = pd.DataFrame({"caption": ["a", "b"], "age": [3, 4], "size": [1.0, 2.0]})
        >>> X = ModalityDict.from_dataframe(df, {"text": "caption", "table": ["age", "size"]})
        >>> X
        ModalityDict(n_samples=2, text=object(2,) str, table=DataFrame(2, 2))
        """
        if not is_frame(frame):
            raise TypeError(
                f"from_dataframe expects a pandas DataFrame, got {type(frame).__name__}"
            )
        if modalities is None:
            modalities = {str(column): column for column in frame.columns}
        items = {}
        for name, columns in modalities.items():
            wanted = [columns] if isinstance(columns, str) else list(columns)
            absent = [c for c in wanted if c not in frame.columns]
            if absent:
                raise ValueError(
                    f"modality {name!r} names columns {absent} that are not in the "
                    f"DataFrame; its columns are {list(frame.columns)}"
                )
            if isinstance(columns, str):
                items[name] = _column_array(frame[columns])
            else:
                items[name] = frame[wanted].reset_index(drop=True)
        return cls(items)

    @classmethod
    def concat(cls, parts):
        """Stack ModalityDicts with the same modalities along the sample axis.

        Parameters
        ----------
        parts : list of ModalityDict

        Returns
        -------
        X : ModalityDict
        """
        parts = list(parts)
        if not parts:
            raise ValueError("concat needs at least one ModalityDict")
        for i, part in enumerate(parts):
            if not isinstance(part, ModalityDict):
                raise TypeError(f"concat takes ModalityDicts; part {i} is a "
                                f"{type(part).__name__}")
        names = parts[0].modalities
        for part in parts[1:]:
            if set(part.modalities) != set(names):
                raise ValueError(
                    f"cannot concatenate ModalityDicts with modalities {list(names)} "
                    f"and {list(part.modalities)}"
                )
        return cls({name: _concat_values(name, [p[name] for p in parts]) for name in names})


def _column_array(series):
    values = series.to_numpy()
    if values.dtype.kind in "OUS" or str(series.dtype) in ("string", "str"):
        return object_array(list(series.astype(object).where(series.notna(), None)))
    return values


def _concat_values(name, values):
    shapes = {tuple(v.shape[1:]) for v in values
              if hasattr(v, "shape") and getattr(v, "dtype", None) != object}
    if len(shapes) > 1:
        raise ValueError(
            f"cannot concatenate modality {name!r}: its parts have shapes "
            f"{sorted('(n_samples, ' + ', '.join(map(str, s)) + ')' for s in shapes)}"
        )
    first = values[0]
    if is_pandas(first):
        import pandas as pd

        return pd.concat(values, ignore_index=True)
    if sparse.issparse(first):
        return sparse.vstack(values, format="csr")
    arrays = [np.asarray(v) for v in values]
    if any(a.dtype == object for a in arrays):
        return object_array([item for a in arrays for item in a])
    return np.concatenate(arrays, axis=0)


def _check_lengths(items):
    lengths = {name: _n_rows(value) if hasattr(value, "shape") else len(value)
               for name, value in items.items()}
    if len(set(lengths.values())) > 1:
        listing = ", ".join(f"{name!r}: {n}" for name, n in lengths.items())
        raise ValueError(
            f"all modalities must have the same number of samples, got {listing}"
        )


def _rebuild(items):
    return ModalityDict._from_validated(
        {name: value.open() if isinstance(value, _MemmapRef) else value
         for name, value in items.items()}
    )


class _MemmapRef:
    """A read-only memory map (or a contiguous view of one), by file and offset.

    It also carries the file's stamp (size, modification time, inode) and a
    digest of the mapped bytes, so that a cache key taken from the pickle
    (``joblib.Memory``) changes when the file is rewritten; reopening a file
    whose stamp changed since raises.
    """

    def __init__(self, filename, dtype, shape, offset, stamp=None, digest=None):
        self.filename, self.dtype, self.shape, self.offset = filename, dtype, shape, offset
        self.stamp, self.digest = stamp, digest

    @classmethod
    def of(cls, value):
        """The reference to ``value``, or None if it cannot be reopened as it is."""
        if not (isinstance(value, np.memmap) and value.mode == "r" and value.filename
                and getattr(value, "_mmap", None) is not None
                and value.flags.c_contiguous and value.size):
            return None
        start = np.frombuffer(value._mmap, dtype=np.uint8).ctypes.data
        mapped_from = value.offset - value.offset % mmap.ALLOCATIONGRANULARITY
        offset = value.ctypes.data - start + mapped_from
        stamp = file_stamp(value.filename)
        digest = buffer_digest((value.filename, offset, value.nbytes), stamp, value)
        return cls(value.filename, value.dtype, value.shape, offset, stamp, digest)

    def open(self):
        now = file_stamp(self.filename)
        if self.stamp is not None and now != self.stamp:
            raise ValueError(
                f"the memory-mapped file {self.filename} changed since this data was "
                f"pickled ({stamp_changes(self.stamp, now)}); open it again"
            )
        return np.memmap(self.filename, dtype=self.dtype, mode="r", offset=self.offset,
                         shape=self.shape)
