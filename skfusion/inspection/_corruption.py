"""How one modality is damaged: shuffled, lost, or made noisy.

Each function takes one modality's array and returns a damaged copy; the
caller puts it back into the ModalityDict. None changes its input.
"""

import numbers

import numpy as np

from ..data import take_rows

__all__ = ["CORRUPTIONS", "corrupt_modality", "permute_modality"]


def permute_modality(X, modality, permutation):
    """Return a copy of X whose ``modality`` rows are reordered by ``permutation``.

    Every array of the modality moves together (a modality is one key); the
    other modalities keep their order, so the modality is decoupled from the
    rest of the sample and from the target.
    """
    value = X[modality]
    shuffled = take_rows(value, permutation)
    if hasattr(shuffled, "iloc"):
        # keep the index of the untouched rows, so no index-based alignment undoes the shuffle
        shuffled.index = value.index
    return _replace(X, modality, shuffled)


def _replace(X, modality, value):
    return X.replace({modality: value})


def _missing(X, modality, level, rng):
    """The first ``level`` share of rows of a random order lose the modality.

    Called with equally seeded ``rng`` at every level, the rows lost at a
    small level are a subset of those lost at a larger one.
    """
    if not 0 <= level <= 1:
        raise ValueError(f"corruption='missing' levels are shares in [0, 1], got {level}")
    n_rows = int(round(level * X.n_samples))
    order = rng.permutation(X.n_samples)
    if n_rows == 0:
        return X
    return X.with_missing(modality, order[:n_rows])


def _numeric_values(modality, value, corruption):
    if hasattr(value, "iloc"):
        value = value.to_numpy()
    value = np.asarray(value)
    if value.dtype.kind not in "iuf":
        raise TypeError(
            f"corruption={corruption!r} needs a numeric array for modality {modality!r}, "
            f"got dtype {value.dtype}; use 'snr' for waveforms (object arrays of 1-D "
            "arrays) or 'token_dropout' for text"
        )
    return value


def _restore_type(original, noisy_values):
    """Give noisy values the original's dtype (clipped to integer ranges) and container."""
    if hasattr(original, "columns"):
        return type(original)(noisy_values, index=original.index, columns=original.columns)
    if hasattr(original, "iloc"):
        return type(original)(noisy_values, index=original.index, name=original.name)
    dtype = np.asarray(original).dtype
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(noisy_values), info.min, info.max).astype(dtype)
    return noisy_values.astype(dtype, copy=False)


def _gaussian(X, modality, level, rng):
    """Add Gaussian noise with standard deviation ``level`` times the modality's."""
    original = X[modality]
    if level == 0:
        return X
    value = _numeric_values(modality, original, "gaussian").astype(float)
    finite = value[np.isfinite(value)]
    scale = level * (finite.std() if finite.size else 0.0)
    noisy = value + rng.normal(scale=scale, size=value.shape)
    return _replace(X, modality, _restore_type(original, noisy))


def _snr(X, modality, level, rng):
    """Add white noise to each waveform at a signal-to-noise ratio of ``level`` dB."""
    value = X[modality]
    if np.isposinf(level):
        return X
    if isinstance(value, np.ndarray) and value.dtype == object:
        noisy = np.empty(len(value), dtype=object)
        for i, wave in enumerate(value):
            noisy[i] = None if wave is None else _noisy_wave(modality, wave, level, rng)
        return _replace(X, modality, noisy)
    value = _numeric_values(modality, value, "snr")
    rows = [_noisy_wave(modality, row, level, rng) for row in value]
    return _replace(X, modality, np.stack(rows) if rows else value.copy())


def _noisy_wave(modality, wave, snr_db, rng):
    wave = np.asarray(wave)
    if wave.dtype.kind not in "iuf":
        raise TypeError(
            f"corruption='snr' needs numeric waveforms in modality {modality!r}, "
            f"got an entry of dtype {wave.dtype}"
        )
    signal = wave.astype(float)
    power = np.mean(signal**2) if signal.size else 0.0
    noise = rng.normal(scale=np.sqrt(power / 10 ** (snr_db / 10)), size=signal.shape)
    return _restore_type(wave, signal + noise)


def _token_dropout(X, modality, level, rng):
    """Drop each whitespace-separated token with probability ``level``."""
    value = X[modality]
    if hasattr(value, "iloc"):
        value = value.to_numpy()
    value = np.asarray(value)
    if value.ndim != 1 or value.dtype != object:
        raise TypeError(
            f"corruption='token_dropout' needs a 1-D object array of strings for modality "
            f"{modality!r}, got {value.dtype} with shape {value.shape}"
        )
    if level == 0:
        return X
    out = np.empty(len(value), dtype=object)
    for i, text in enumerate(value):
        if text is not None and not isinstance(text, str):
            raise TypeError(
                f"corruption='token_dropout' needs strings in modality {modality!r}, "
                f"got an entry of type {type(text).__name__}"
            )
        out[i] = text if text is None else _drop_tokens(text, level, rng)
    return _replace(X, modality, out)


def _drop_tokens(text, level, rng):
    tokens = text.split()
    keep = rng.random_sample(len(tokens)) >= level
    return " ".join(token for token, kept in zip(tokens, keep) if kept)


# corruption name -> (function, default levels, what a level means)
CORRUPTIONS = {
    "missing": (_missing, np.linspace(0.0, 1.0, 6), "share of rows missing"),
    "gaussian": (_gaussian, np.array([0.0, 0.25, 0.5, 1.0, 2.0]), "Gaussian noise (x std)"),
    "snr": (_snr, np.array([np.inf, 30.0, 20.0, 10.0, 0.0, -10.0]), "SNR (dB)"),
    "token_dropout": (_token_dropout, np.linspace(0.0, 1.0, 6), "share of tokens dropped"),
}


def corrupt_modality(X, modality, corruption, level, rng):
    """Return a copy of X with ``modality`` damaged by ``corruption`` at ``level``.

    ``corruption`` is a name of :data:`CORRUPTIONS` or a callable
    ``corruption(value, level, rng) -> value`` applied to the modality's array.
    """
    if callable(corruption):
        value = corruption(X[modality], level, rng)
        if len(value) != X.n_samples:
            raise ValueError(
                f"the corruption callable returned {len(value)} rows for modality "
                f"{modality!r}, expected {X.n_samples}"
            )
        return _replace(X, modality, value)
    if not isinstance(level, numbers.Real):
        raise TypeError(f"corruption levels must be numbers, got {level!r}")
    return CORRUPTIONS[corruption][0](X, modality, level, rng)
