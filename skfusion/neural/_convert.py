"""The one place that turns a ModalityDict into the net's input.

Every modality becomes a float32 array (or int64 token ids for text) with one
row per sample, scaled with statistics learned at fit; ragged sequences are
padded (their lengths kept); missing entries become zeros and a presence mask
``_present`` of shape ``(n_samples, n_modalities)`` tells the net which
modalities each sample has.
"""

import re
from collections import Counter

import numpy as np
from scipy import sparse

__all__ = ["ModalityConverter", "PRESENT_KEY", "lengths_key", "default_layout"]

PRESENT_KEY = "_present"
# encoder kind -> input layout it expects
LAYOUTS = {
    "mlp": "vector",
    "cnn": "image",
    "cnn1d": "sequence",
    "gru": "sequence",
    "embedding_bag": "tokens",
    "logmel": "sequence",
}
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
_SUPPORTED = ("real numeric arrays (vectors, images, sequences), 1-D object arrays of "
              "ragged sequences, or 1-D arrays of strings")


def lengths_key(name):
    """The input key holding the valid lengths of sequence modality ``name``."""
    return f"_lengths_{name}"


def default_layout(name, value):
    """The layout a modality's data implies: vector, image, sequence or tokens."""
    if sparse.issparse(value) or hasattr(value, "iloc"):
        return "vector"
    value = _numeric(name, np.asarray(value) if not hasattr(value, "dtype") else value)
    if value.dtype == object:
        first = next((v for v in value if v is not None), None)
        if isinstance(first, str):
            return "tokens"
        if isinstance(first, np.ndarray) or isinstance(first, (list, tuple)):
            return "sequence"
        raise TypeError(
            f"modality {name!r} is an object array of {type(first).__name__}; the neural "
            f"net takes {_SUPPORTED}"
        )
    _check_real(name, value)
    if value.ndim in (3, 4):
        return "image"
    return "vector"


class ModalityConverter:
    """Convert a ModalityDict to the net's input arrays, as learned at fit.

    Parameters
    ----------
    layouts : dict
        Modality name mapped to ``"vector"``, ``"image"``, ``"sequence"`` or
        ``"tokens"``; modalities not named take :func:`default_layout`.
    scale : bool, default=True
        Standardise numeric modalities with statistics of the present rows
        seen at fit (per feature for vectors, per channel for images and
        sequences).
    max_tokens : int, default=256
        Longest text kept, in tokens.
    max_vocabulary : int, default=20000
        Most frequent tokens kept in the vocabulary.

    Attributes
    ----------
    specs_ : dict
        Modality name mapped to a dict with ``layout``, the per-sample
        ``shape`` of the converted array and, for text, ``vocabulary_size``.
    """

    def __init__(self, layouts=None, *, scale=True, max_tokens=256, max_vocabulary=20000):
        self.layouts = layouts
        self.scale = scale
        self.max_tokens = max_tokens
        self.max_vocabulary = max_vocabulary

    def fit(self, X):
        layouts = dict(self.layouts or {})
        self.modalities_ = X.modalities
        self.specs_, self._state = {}, {}
        for name in X.modalities:
            layout = layouts.get(name) or default_layout(name, X[name])
            present = ~X.is_missing(name)
            if not present.any():
                raise ValueError(f"modality {name!r} is missing in every training sample")
            fit_one = getattr(self, f"_fit_{layout}")
            self.specs_[name], self._state[name] = fit_one(name, X[name], present)
            self.specs_[name]["layout"] = layout
        return self

    def transform(self, X):
        """Return the dict of arrays (and the presence mask) for ``X``."""
        out = {}
        present = np.empty((X.n_samples, len(self.modalities_)), dtype=np.float32)
        for j, name in enumerate(self.modalities_):
            mask = ~X.is_missing(name)
            present[:, j] = mask
            layout = self.specs_[name]["layout"]
            arrays = getattr(self, f"_transform_{layout}")(name, X[name], mask)
            out.update(arrays)
        empty = np.flatnonzero(present.sum(axis=1) == 0)
        if empty.size:
            raise ValueError(
                f"sample(s) {empty[:10].tolist()} have none of the modalities "
                f"{list(self.modalities_)}; the net needs at least one per sample"
            )
        out[PRESENT_KEY] = present
        return out

    # -- vectors ----------------------------------------------------------------
    def _fit_vector(self, name, value, present):
        rows = _as_float_rows(name, value)
        _check_finite(name, rows, present)
        mean, std = _moments(rows[present], axis=0, scale=self.scale)
        return {"shape": (rows.shape[1],)}, {"mean": mean, "std": std}

    def _transform_vector(self, name, value, present):
        rows = _as_float_rows(name, value)
        expected = self.specs_[name]["shape"][0]
        if rows.shape[1] != expected:
            raise ValueError(
                f"modality {name!r} has {rows.shape[1]} features per sample, but the "
                f"net was fitted with {expected}"
            )
        _check_finite(name, rows, present)
        return {name: _standardise(rows, present, **self._state[name])}

    # -- images -------------------------------------------------------------------
    def _fit_image(self, name, value, present):
        images = _channels_first(name, value)
        _check_finite(name, images, present)
        mean, std = _moments(images[present], axis=(0, 2, 3), scale=self.scale)
        state = {"mean": mean[:, None, None], "std": std[:, None, None]}
        return {"shape": images.shape[1:]}, state

    def _transform_image(self, name, value, present):
        images = _channels_first(name, value)
        if images.shape[1:] != self.specs_[name]["shape"]:
            raise ValueError(
                f"modality {name!r} has images of shape (channels, h, w) = "
                f"{images.shape[1:]}, but the net was fitted on {self.specs_[name]['shape']}"
            )
        _check_finite(name, images, present)
        return {name: _standardise(images, present, **self._state[name])}

    # -- sequences (time on the last axis) ---------------------------------------
    def _fit_sequence(self, name, value, present):
        items = _sequence_items(name, value, present)
        channels = {item.shape[0] for item in items if item is not None}
        if len(channels) != 1:
            raise ValueError(
                f"modality {name!r} mixes sequences with {sorted(channels)} channels"
            )
        length = max(item.shape[1] for item in items if item is not None)
        stacked = np.concatenate([item for item in items if item is not None], axis=1)
        mean, std = _moments(stacked, axis=1, scale=self.scale)
        spec = {"shape": (channels.pop(), length)}
        return spec, {"mean": mean[:, None], "std": std[:, None]}

    def _transform_sequence(self, name, value, present):
        channels, length = self.specs_[name]["shape"]
        items = _sequence_items(name, value, present)
        out = np.zeros((len(items), channels, length), dtype=np.float32)
        lengths = np.ones(len(items), dtype=np.int64)
        state = self._state[name]
        for i, item in enumerate(items):
            if item is None:
                continue
            if item.shape[0] != channels:
                raise ValueError(
                    f"modality {name!r}: sample {i} has {item.shape[0]} channels, the net "
                    f"was fitted with {channels}"
                )
            item = item[:, :length]
            out[i, :, : item.shape[1]] = (item - state["mean"]) / state["std"]
            lengths[i] = max(item.shape[1], 1)
        return {name: out, lengths_key(name): lengths}

    # -- text -------------------------------------------------------------------------
    def _fit_tokens(self, name, value, present):
        counts = Counter()
        for text in _texts(name, value, present):
            counts.update(_TOKEN.findall(text.lower()))
        # 0 pads, 1 is the unknown token
        vocabulary = {token: i + 2 for i, (token, _) in
                      enumerate(counts.most_common(self.max_vocabulary))}
        longest = max((len(_TOKEN.findall(t.lower())) for t in _texts(name, value, present)),
                      default=1)
        spec = {"shape": (max(1, min(longest, self.max_tokens)),),
                "vocabulary_size": len(vocabulary) + 2}
        return spec, {"vocabulary": vocabulary}

    def _transform_tokens(self, name, value, present):
        vocabulary = self._state[name]["vocabulary"]
        width = self.specs_[name]["shape"][0]
        out = np.zeros((len(value), width), dtype=np.int64)
        for i, text in enumerate(_texts(name, value, present, keep_missing=True)):
            if text is None:
                continue
            ids = [vocabulary.get(t, 1) for t in _TOKEN.findall(text.lower())][:width]
            out[i, : len(ids)] = ids
        return {name: out}


def _numeric(name, value):
    """A 2-D or higher object array of numbers as float64, as check_array converts it.

    A 1-D object array holds ragged sequences or strings and is returned as it
    is; one with entries that are not numbers (a table of strings) raises a
    TypeError that quotes numpy's reason and asks for a feature step.
    """
    if not (isinstance(value, np.ndarray) and value.dtype == object and value.ndim > 1):
        return value
    try:
        return value.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"modality {name!r} is a {value.ndim}-D object array whose entries are not all "
            f"numbers ({error}); the neural net takes {_SUPPORTED}; add a feature step "
            "that turns it into numbers"
        ) from None


def _as_float_rows(name, value):
    if sparse.issparse(value):
        value = value.toarray()
    elif hasattr(value, "iloc"):
        value = value.to_numpy()
    value = _numeric(name, np.asarray(value))
    if value.dtype == object:
        raise TypeError(
            f"modality {name!r} is an object array; a vector encoder needs numbers"
        )
    _check_real(name, value)
    return value.reshape(len(value), -1).astype(np.float32)


def _channels_first(name, value):
    value = _numeric(name, np.asarray(value))
    if value.dtype == object or value.ndim not in (3, 4):
        raise ValueError(
            f"modality {name!r} must hold images of shape (n, h, w) or (n, h, w, c) for a "
            f"CNN encoder, got {value.dtype} {value.shape}"
        )
    _check_real(name, value)
    if value.ndim == 3:
        return value[:, None].astype(np.float32)
    if value.shape[-1] <= 4:
        return np.moveaxis(value, -1, 1).astype(np.float32)
    if value.shape[1] <= 4:
        return value.astype(np.float32)
    raise ValueError(
        f"modality {name!r} has 4-D samples {value.shape[1:]} with no channel axis of "
        "size <= 4 first or last"
    )


def _sequence_items(name, value, present):
    """Per-sample (channels, time) float32 arrays; None where missing."""
    value = _numeric(name, value)
    if isinstance(value, np.ndarray) and value.dtype != object:
        if value.ndim not in (2, 3):
            raise ValueError(
                f"modality {name!r} must be (n, time) or (n, channels, time) for a sequence "
                f"encoder, got shape {value.shape}"
            )
        _check_real(name, value)
        value = value[:, None] if value.ndim == 2 else value
        return [v.astype(np.float32) if keep else None for v, keep in zip(value, present)]
    items = []
    for i, (item, keep) in enumerate(zip(value, present)):
        items.append(_sequence_item(name, i, item) if keep else None)
    return items


def _sequence_item(name, i, item):
    """One present sample of a ragged sequence modality as a (channels, time) float32 array."""
    item = np.asarray(item)
    _check_real(name, item, sample=i)
    item = item.astype(np.float32)
    if item.ndim == 1:
        item = item[None]
    if item.ndim != 2 or not np.isfinite(item).all():
        raise ValueError(
            f"modality {name!r}: sample {i} must be a finite 1-D (time,) or 2-D "
            f"(channels, time) array, got shape {item.shape}"
        )
    if item.shape[1] == 0:
        raise ValueError(
            f"modality {name!r}: sample {i} is empty (0 time steps); mark a missing sample "
            "with None"
        )
    return item


def _texts(name, value, present, keep_missing=False):
    for i, (text, keep) in enumerate(zip(value, present)):
        if not keep:
            if keep_missing:
                yield None
            continue
        if not isinstance(text, str):
            raise TypeError(
                f"modality {name!r}: sample {i} is a {type(text).__name__}, expected a str"
            )
        yield text


def _check_real(name, value, sample=None):
    """Refuse what float32 cannot hold without loss (complex, strings, dates...)."""
    if value.dtype.kind not in "biuf":
        where = f"modality {name!r}" + ("" if sample is None else f": sample {sample}")
        raise TypeError(
            f"{where} has dtype {value.dtype}; the neural net takes real numbers (add a "
            "feature step that turns it into numbers)"
        )
    if value.dtype.kind == "f" and value.dtype.itemsize > 4 and value.size:
        _check_float32_range(name, value, sample)


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _check_float32_range(name, value, sample):
    """Refuse finite values that the cast to float32 would turn into inf."""
    with np.errstate(invalid="ignore"):
        big = np.abs(value) > _FLOAT32_MAX
    big &= np.isfinite(value)
    if not big.any():
        return
    if sample is None:
        rows = np.flatnonzero(big.reshape(len(value), -1).any(axis=1))
        where = f"{rows.size} sample(s) (first: sample {rows[0]})"
    else:
        where = f"sample {sample}"
    raise ValueError(
        f"modality {name!r} has values beyond float32's range (|x| up to "
        f"{np.abs(value[big]).max():.3g}, float32 holds up to {_FLOAT32_MAX:.3g}) in {where}; "
        "the net computes in float32, so the cast would overflow them to inf: rescale the "
        "modality first (a log, or dividing by a constant)"
    )


def _check_finite(name, values, present):
    rows = values[present]
    bad = ~np.isfinite(rows.reshape(len(rows), -1)).all(axis=1) if len(rows) else rows
    if bad.any():
        raise ValueError(
            f"modality {name!r} has NaN or inf values in {int(bad.sum())} sample(s) that "
            "are not entirely missing; impute them, or blank the whole sample with "
            "X.with_missing"
        )


def _moments(values, axis, scale):
    mean = values.mean(axis=axis, dtype=np.float64)
    if not scale:
        return np.zeros_like(mean, np.float32), np.ones_like(mean, np.float32)
    std = values.std(axis=axis, dtype=np.float64)
    std[std < 1e-8] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


def _standardise(values, present, mean, std):
    out = np.zeros_like(values, dtype=np.float32)
    out[present] = (values[present] - mean) / std
    return out
