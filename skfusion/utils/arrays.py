"""Array helpers that know nothing of modalities: object arrays, pandas duck checks."""

import numpy as np

__all__ = ["is_frame", "is_pandas", "object_array"]


def is_frame(value):
    """Whether ``value`` is a pandas DataFrame (checked by duck typing, without pandas)."""
    return hasattr(value, "iloc") and hasattr(value, "columns")


def is_pandas(value):
    """Whether ``value`` is a pandas DataFrame or Series (duck typing, without pandas)."""
    return hasattr(value, "iloc")


def object_array(values):
    """A 1-D object array whose entries are the given items, unchanged.

    ``np.asarray`` would turn equal-length arrays into a 2-D array; this keeps
    one entry per item (ragged waveforms, strings, None).
    """
    out = np.empty(len(values), dtype=object)
    for i, item in enumerate(values):
        out[i] = item
    return out
