"""What the per-modality feature extractors share: optional imports, rows, parallel maps."""

import importlib

import numpy as np
from scipy.sparse import issparse
from sklearn.utils import gen_even_slices
from sklearn.utils.parallel import Parallel, delayed

from ..data import missing_mask
from ..utils._progress import progress_bar
from ..utils.arrays import object_array

__all__ = []


def import_optional(module, extra, needed_by):
    """Import ``module`` or raise an ImportError that names the extra to install.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"librosa"``.
    extra : str
        The skfusion extra that installs it, e.g. ``"audio"``.
    needed_by : str
        What needs it, named in the error.

    Returns
    -------
    module : module
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{needed_by} needs {module.split('.')[0]}, which is not installed; "
            f"install it with `pip install skfusion[{extra}]`"
        ) from exc


def decoded(X):
    """A modality that decodes on ``np.asarray`` (a lazily loaded
    :class:`~skfusion.datasets.LazyFileArray`, or any array-like that is not
    an ndarray, a list, a sparse matrix or a DataFrame) as an ndarray; others
    as they are. A pandas Series becomes its values."""
    if isinstance(X, (np.ndarray, list, tuple)) or issparse(X):
        return X
    if hasattr(X, "iloc"):
        return X.to_numpy() if getattr(X, "ndim", 2) == 1 else X
    return np.asarray(X) if hasattr(X, "__array__") else X


def as_object_rows(X, what):
    """Return X as a 1-D object array of per-sample entries (``None`` = missing).

    A 1-D object array or list is taken as is; a 2-D numeric array becomes one
    entry per row (equal-length sequences).
    """
    if hasattr(X, "iloc"):
        X = X.to_numpy()
    if isinstance(X, (list, tuple)):
        return object_array(X)
    X = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if X.dtype == object and X.ndim == 1:
        return X
    if X.ndim == 2 and X.dtype.kind in "biuf":
        missing = missing_mask(X)  # all-NaN rows are missing entries
        out = np.empty(X.shape[0], dtype=object)
        for i in range(X.shape[0]):
            out[i] = None if missing[i] else X[i]
        return out
    raise ValueError(
        f"{what} expects a 1-D object array with one entry per sample (or a 2-D "
        f"numeric array of equal-length rows); got an array of dtype {X.dtype} "
        f"with shape {X.shape}"
    )


PROGRESS_CHUNK = 256


def map_chunks(function, items, n_jobs, *, verbose=0, desc=None, **kwargs):
    """Apply ``function(chunk, **kwargs)`` to even chunks of ``items`` and stack the results.

    Sequential when ``n_jobs`` is None or 1; otherwise joblib through
    :mod:`sklearn.utils.parallel`, one chunk per worker. With ``verbose``, the
    items go in chunks of about ``PROGRESS_CHUNK`` and a tqdm bar counts them.
    """
    n = len(items)
    bar = progress_bar(n, verbose, desc or "samples")
    n_chunks = 1 if n_jobs in (None, 1) or n < 2 else min(n, _effective_jobs(n_jobs))
    if bar is not None:
        n_chunks = max(n_chunks, min(n, -(-n // PROGRESS_CHUNK)))
    if n_chunks == 1:
        out = function(items, **kwargs)
        parts = [out]
    else:
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
        parts = []
        for part in parallel(delayed(function)(items[s], **kwargs)
                             for s in gen_even_slices(n, n_chunks)):
            parts.append(part)
            if bar is not None:
                bar.update(len(part))
    if bar is not None:
        bar.n = n
        bar.close()
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)


def _effective_jobs(n_jobs):
    from joblib import effective_n_jobs

    return effective_n_jobs(n_jobs)
