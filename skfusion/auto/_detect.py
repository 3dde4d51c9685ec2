"""What kind of data each modality holds, and a DataFrame split into modalities."""

from collections.abc import Mapping

import numpy as np
from scipy import sparse

from ..data import ModalityDict
from ..utils.arrays import is_frame

__all__ = ["KINDS", "detect_kinds", "frame_to_modalities", "modality_kind"]

KINDS = ("image", "audio", "text", "table")

# a string column is text, not a category, when (as AutoGluon decides) at least
# this share of its values are distinct and its entries average this many words
_TEXT_MIN_UNIQUE_SHARE = 0.01
_TEXT_MIN_WORDS = 3
TABLE = "table"


def _is_text_column(column):
    values = column.dropna()
    if len(values) == 0 or not all(isinstance(v, str) for v in values.iloc[:1000]):
        return False
    if values.nunique() / len(values) < _TEXT_MIN_UNIQUE_SHARE:
        return False
    return values.astype(str).str.split().str.len().mean() >= _TEXT_MIN_WORDS


def frame_to_modalities(frame):
    """Split a DataFrame into text modalities and one table, as AutoGluon reads columns.

    A string column whose values are mostly distinct (at least 1% of them)
    and average at least three words is text, a modality of its own named
    after the column (missing entries become ``None``); numeric and boolean
    columns are numeric, other columns categorical (``category`` dtype); they
    form the modality ``"table"``, a DataFrame.

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    X : ModalityDict
    columns : dict
        ``{"text": [...], "categorical": [...], "numeric": [...]}``: the
        column names of each kind.
    """
    columns = {"text": [], "categorical": [], "numeric": []}
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind in "biuf":
            columns["numeric"].append(name)
        elif column.dtype.kind == "M":
            columns["numeric"].append(name)
        elif str(column.dtype) != "category" and _is_text_column(column):
            columns["text"].append(name)
        else:
            columns["categorical"].append(name)
    modalities = {}
    for name in columns["text"]:
        values = frame[name].to_numpy(dtype=object)
        modalities[str(name)] = np.array([v if isinstance(v, str) else None for v in values],
                                         dtype=object)
    rest = columns["categorical"] + columns["numeric"]
    if rest:
        if TABLE in modalities:
            raise ValueError(f"a text column is named {TABLE!r}, the name of the table "
                             "modality; rename it")
        table = frame[rest].copy()
        for name in columns["categorical"]:
            table[name] = table[name].astype("category")
        for name in columns["numeric"]:
            if table[name].dtype.kind == "M":
                table[name] = table[name].astype("int64").astype(float)
        modalities[TABLE] = table.reset_index(drop=True)
    if not modalities:
        raise ValueError("the DataFrame has no columns")
    return ModalityDict(modalities), columns


def modality_kind(name, value):
    """``"image"``, ``"audio"``, ``"text"`` or ``"table"`` for one modality.

    Raises a TypeError naming the modality when its data fit none of them.
    """
    if is_frame(value) or sparse.issparse(value):
        return "table"
    if not isinstance(value, np.ndarray):
        value = np.asarray(value)
    if value.dtype.kind in "biuf":
        if value.ndim in (1, 2):
            return "table"
        if value.ndim == 3 or (value.ndim == 4 and value.shape[3] in (1, 3, 4)):
            return "image"
        raise TypeError(f"modality {name!r} is a numeric array of shape {value.shape}: "
                        "expected a table (n, d), grey images (n, h, w) or colour images "
                        "(n, h, w, 3)")
    if value.dtype.kind in "US":
        return "text"
    if value.dtype == object and value.ndim == 1:
        first = next((v for v in value if v is not None), None)
        if isinstance(first, str):
            return "text"
        if isinstance(first, np.ndarray) and first.ndim == 1 and first.dtype.kind in "biuf":
            return "audio"
        raise TypeError(
            f"modality {name!r} holds {type(first).__name__} entries: expected strings "
            "(text) or 1-D numeric waveforms (audio)"
        )
    raise TypeError(f"modality {name!r} has dtype {value.dtype} and shape {value.shape}, "
                    "which is no image, audio, text or table")


def detect_kinds(X):
    """X as a ModalityDict, and each modality's kind.

    Parameters
    ----------
    X : ModalityDict, mapping or DataFrame

    Returns
    -------
    X : ModalityDict
    kinds : dict of str to str
    """
    if is_frame(X):
        X, _ = frame_to_modalities(X)
    elif isinstance(X, Mapping) and not isinstance(X, ModalityDict):
        X = ModalityDict(X)
    elif not isinstance(X, ModalityDict):
        raise TypeError(f"X must be a ModalityDict, a mapping of modalities or a DataFrame, "
                        f"got {type(X).__name__}")
    kinds = {}
    for name in X.modalities:
        value = X[name]
        present = ~np.asarray(X.is_missing(name), dtype=bool)
        if not present.any():
            raise ValueError(f"modality {name!r} is missing for every sample")
        if isinstance(value, np.ndarray) and value.dtype == object and value.ndim == 1:
            value = value[present]
        kinds[name] = modality_kind(name, value)
    return X, kinds
