"""A modality whose files are decoded only when its values are used."""

import hashlib
import numbers
import pickle
import warnings
from functools import partial

import numpy as np

from ..utils._fingerprint import file_digest, file_stamp, stamp_changes
from ._readers import assemble, map_files

__all__ = ["LazyFileArray"]


class LazyFileArray:
    """One modality held as file paths, decoded when its values are needed.

    :func:`load_multimodal_files` returns these with ``lazy=True``. Row
    selections (``a[rows]`` with a slice, an integer array or a boolean
    mask, as :class:`~skfusion.ModalityDict` and scikit-learn's splitters
    index) return a new ``LazyFileArray`` and decode nothing, so
    cross-validation stays lazy; ``np.asarray(a)`` decodes the selected
    rows, and ``a[i]`` one sample. Pickling copies the paths, not the data.

    What each file was when loaded is recorded: its size, modification
    time and inode, a digest of its first and last 64 KiB, and what its
    header said (image size and mode, sample rate, array shape). Every
    decoding checks the file against that record and raises an error naming
    it if it changed (load the data again), and the record is part of the
    pickle, so a ``memory=`` cache key changes when a file is rewritten.
    Under ``on_error="missing"``, a file deleted since loading is missing:
    :meth:`missing_mask` says so, and so does decoding.

    Estimators reached through :class:`~skfusion.ModalitySelector` receive
    the lazy array itself: those that validate their input
    (``check_array``, ``validate_data``) decode it through ``np.asarray``,
    and so does ``np.asarray(X)`` in a ``FunctionTransformer`` or any
    feature extractor. Decoding the same rows twice gives the same values
    as loading eagerly.

    Parameters
    ----------
    paths : ndarray of object
        The file of each sample, ``None`` where the sample lacks the modality.
    reader : reader
        The reader that decodes one file (see ``skfusion.datasets._readers``).
    layout : Layout
        How decoded values stack: the shape of one sample (None for a 1-D
        object column) and the dtype.
    modality : str, default=None
        The modality's name, for error messages.
    on_error : {"raise", "missing"}, default="raise"
        What a file that cannot be decoded becomes: an error naming it, or
        a missing sample (with a warning naming it).
    n_jobs : int, default=None
        Workers that decode a selection (threads by default).
    records : ndarray of object, default=None
        Per sample, what its file was when loaded: ``(stamp, digest, meta)``
        (as ``record_file`` returns it), ``None`` where the sample lacks the
        modality. None checks nothing.

    Attributes
    ----------
    shape : tuple of int
        ``(n_samples, *item_shape)``, the shape ``np.asarray`` returns.
    dtype : numpy.dtype
        The dtype ``np.asarray`` returns.
    ndim : int
        ``len(shape)``.

    See Also
    --------
    load_multimodal_files : Load image, audio and text files into a ModalityDict.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from skfusion.datasets import load_multimodal_files
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for i in range(3):
    ...     np.save(folder / f"v{i}.npy", np.full(2, i, dtype=np.float32))
    >>> bunch = load_multimodal_files({"vec": [f"v{i}.npy" for i in range(3)]},
    ...                               root=folder, lazy=True)
    >>> lazy = bunch.data["vec"]
    >>> lazy
    LazyFileArray(modality='vec', kind='npy', shape=(3, 2), dtype=float32)
    >>> lazy[[2, 0]]
    LazyFileArray(modality='vec', kind='npy', shape=(2, 2), dtype=float32)
    >>> np.asarray(lazy[[2, 0]])
    array([[2., 2.],
           [0., 0.]], dtype=float32)
    """

    def __init__(self, paths, reader, layout, *, modality=None, on_error="raise",
                 n_jobs=None, records=None):
        self.paths = paths
        self.reader = reader
        self.layout = layout
        self.modality = modality
        self.on_error = on_error
        self.n_jobs = n_jobs
        self.records = records
        # files found undecodable (under on_error="missing"), shared by selections
        self._failed = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        del state["_failed"]
        # records as one bytes object: joblib hashes it at once, not tuple by tuple
        if self.records is not None:
            state["records"] = pickle.dumps(self.records, protocol=pickle.HIGHEST_PROTOCOL)
        # what the files are now: a cache key taken from the pickle changes with them
        now = pickle.dumps([file_stamp(path) for path in self.paths if path is not None])
        state["_now"] = hashlib.blake2b(now, digest_size=16).hexdigest()
        return state

    def __setstate__(self, state):
        state.pop("_now", None)
        state.setdefault("records", None)  # pickled before records existed: no checks
        if isinstance(state.get("records"), bytes):
            state["records"] = pickle.loads(state["records"])
        self.__dict__.update(state)
        self._failed = {}

    @property
    def shape(self):
        return (len(self.paths), *(self.layout.item_shape or ()))

    @property
    def dtype(self):
        return self.layout.dtype

    @property
    def ndim(self):
        return len(self.shape)

    def __len__(self):
        return len(self.paths)

    def missing_mask(self):
        """Boolean mask of the samples that lack the modality, known without decoding.

        A sample without a file, and under ``on_error="missing"`` also one whose
        file was deleted since loading or was found undecodable.
        """
        if self.on_error != "missing":
            return np.array([path is None for path in self.paths], dtype=bool)
        return np.array([path is None or path in self._failed or file_stamp(path) is None
                         for path in self.paths], dtype=bool)

    def __getitem__(self, key):
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            return np.asarray(self._select(np.array([key])))[0]
        if isinstance(key, tuple):
            raise TypeError(
                f"a LazyFileArray selects rows only (got a tuple key); decode it first "
                f"with np.asarray(...) to index modality {self.modality!r} further"
            )
        return self._select(key)

    def _select(self, rows):
        if not isinstance(rows, slice):
            rows = np.asarray(rows)
            if rows.dtype == bool and rows.shape != (len(self),):
                raise IndexError(
                    f"boolean row mask has shape {rows.shape}, expected ({len(self)},)"
                )
        selection = type(self)(self.paths[rows], self.reader, self.layout,
                               modality=self.modality, on_error=self.on_error,
                               n_jobs=self.n_jobs,
                               records=None if self.records is None else self.records[rows])
        selection._failed = self._failed
        return selection

    def __iter__(self):
        for row in range(len(self)):
            yield self[row]

    def __array__(self, dtype=None, copy=None):
        out = assemble(self._decode(), self.layout)
        return out if dtype is None else out.astype(dtype, copy=False)

    def _decode(self):
        present = [row for row, path in enumerate(self.paths) if path is not None]
        records = self.records
        items = [(self.paths[row], None if records is None else records[row])
                 for row in present]
        results = map_files(partial(read_recorded, self.reader), items, n_jobs=self.n_jobs)
        values = [None] * len(self.paths)
        for row, (ok, result) in zip(present, results):
            if not ok:
                self._decoding_failed(row, result)
            elif result[0] == _CHANGED:
                raise ValueError(
                    f"modality {self.modality!r}: {self.paths[row]} changed on disk since "
                    f"it was loaded ({result[1]}); load the data again"
                )
            else:
                values[row] = self._checked(row, result[1])
        return values

    def _checked(self, row, value):
        item_shape = self.layout.item_shape
        if item_shape is not None and value.shape != item_shape:
            raise ValueError(
                f"modality {self.modality!r}: {self.paths[row]} now decodes to shape "
                f"{value.shape}, but was {item_shape} when loaded; the file changed "
                "on disk, load the data again"
            )
        return value

    def _decoding_failed(self, row, message):
        path = self.paths[row]
        can_be_missing = self.layout.item_shape is None or self.layout.dtype.kind in "fc"
        if self.on_error == "missing" and can_be_missing:
            self._failed[path] = message
            warnings.warn(
                f"modality {self.modality!r}: cannot decode {path} ({message}); "
                "it is treated as missing", UserWarning, stacklevel=4,
            )
            return
        hint = ("fix or remove the file, or load with on_error='missing'"
                if self.on_error == "raise" else
                "its header was readable when loaded lazily, but an integer array cannot "
                "hold a missing row: fix or remove the file, or load eagerly")
        raise ValueError(
            f"cannot read the {self.reader.kind} file {path} (modality "
            f"{self.modality!r}): {message}; {hint}"
        )

    def __repr__(self):
        return (f"{type(self).__name__}(modality={self.modality!r}, "
                f"kind={self.reader.kind!r}, shape={self.shape}, dtype={self.dtype})")


_CHANGED = "changed"


def record_file(reader, path):
    """What a file is now: ``(stamp, digest, meta)``, meta as ``reader.probe`` reads it."""
    stamp = file_stamp(path)
    meta = reader.probe(path)
    if stamp is None:
        raise FileNotFoundError(f"no such file: {path}")
    return stamp, file_digest(path, stamp[0]), meta


def read_recorded(reader, item):
    """Decode ``item = (path, record)`` with ``reader``, checked against its record.

    Returns ``("ok", value)``, or ``("changed", what)`` when the file's stamp
    or header differs from the record taken at loading; raises when the file
    is gone or cannot be decoded.
    """
    path, record = item
    if record is None:
        return "ok", reader.read(path)[0]
    stamp, _, meta = record
    now = file_stamp(path)
    if now is None:
        raise FileNotFoundError("the file no longer exists (it was there when loaded)")
    if now != stamp:
        return _CHANGED, stamp_changes(stamp, now)
    value, read_meta = reader.read(path)
    if tuple(read_meta) != tuple(meta):
        return _CHANGED, f"it now reads as {read_meta}, it was {meta}"
    return "ok", value
