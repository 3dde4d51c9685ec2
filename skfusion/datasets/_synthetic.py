"""A synthetic multimodal classification problem with real modality shapes."""

import numbers

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ..data import ModalityDict

__all__ = ["make_multimodal_classification"]

_KINDS = ("image", "sequence", "table")


def make_multimodal_classification(n_samples=200, *, n_classes=2, informativeness=None,
                                   image_shape=(8, 8), sequence_length=(20, 60),
                                   n_table_features=10, missing=None, random_state=None,
                                   return_X_y=True):
    """Generate a classification problem with image, sequence and table modalities.

    Each class has a prototype in every modality (a blob pattern for images,
    a frequency for sequences, a mean for table rows); samples are the
    prototype scaled by the modality's informativeness, plus unit noise. An
    informativeness of 0 makes a modality pure noise.

    Parameters
    ----------
    n_samples : int, default=200
        Number of samples.
    n_classes : int, default=2
        Number of classes.
    informativeness : dict, default=None
        Modality name (``"image"``, ``"sequence"``, ``"table"``) mapped to
        the signal strength (>= 0). Only the modalities named are made; by
        default all three with strengths 1.0, 0.5 and 0.25.
    image_shape : tuple of int, default=(8, 8)
        ``(h, w)`` gray or ``(h, w, c)`` color images.
    sequence_length : int or (int, int), default=(20, 60)
        A fixed length (a 2-D float array) or a range of lengths (a ragged
        object array of 1-D float arrays).
    n_table_features : int, default=10
        Columns of the table modality.
    missing : dict, default=None
        Modality name mapped to the share of samples that lack it (entries
        ``None`` or all-NaN rows).
    random_state : int, RandomState instance or None, default=None
        Seed.
    return_X_y : bool, default=True
        Return ``(X, y)``; if False, a Bunch with ``data``, ``target`` and
        ``informativeness``.

    Returns
    -------
    X : ModalityDict
        The modalities, in the order of ``informativeness``.
    y : ndarray of shape (n_samples,)
        Integer class labels, balanced.

    Examples
    --------
    >>> from skfusion.datasets import make_multimodal_classification
    >>> X, y = make_multimodal_classification(n_samples=6, random_state=0)
    >>> X
    ModalityDict(n_samples=6, image=float64(6, 8, 8), sequence=object(6,) ragged, table=float64(6, 10))
    >>> y
    array([1, 0, 1, 1, 0, 0])
    """
    if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    strengths = dict({"image": 1.0, "sequence": 0.5, "table": 0.25}
                     if informativeness is None else informativeness)
    _check_modality_numbers(strengths, "informativeness", high=None)
    _check_modality_numbers(missing or {}, "missing", high=1)
    _check_shapes(image_shape, sequence_length, n_table_features)
    rng = check_random_state(random_state)
    y = rng.permutation(np.arange(n_samples) % n_classes)
    makers = {"image": lambda s: _images(y, n_classes, s, image_shape, rng),
              "sequence": lambda s: _sequences(y, n_classes, s, sequence_length, rng),
              "table": lambda s: _table(y, n_classes, s, n_table_features, rng)}
    X = ModalityDict({name: makers[name](strength) for name, strength in strengths.items()})
    for name, share in (missing or {}).items():
        if name not in X:
            raise ValueError(f"missing names modality {name!r}, which is not generated")
        n_missing = int(round(share * n_samples))
        X = X.with_missing(name, rng.choice(n_samples, n_missing, replace=False))
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, informativeness=strengths)


def _check_modality_numbers(values, parameter, *, high):
    """``values`` maps generated modalities to numbers in [0, high]."""
    if not isinstance(values, dict):
        raise TypeError(f"{parameter} must be a dict of modality name -> number, got "
                        f"{type(values).__name__}")
    if parameter == "informativeness" and not values:
        raise ValueError(f"informativeness names no modality; name some of {list(_KINDS)}")
    unknown = sorted(set(values) - set(_KINDS))
    if unknown:
        raise ValueError(f"{parameter} names unknown modalities {unknown}; choose from "
                         f"{list(_KINDS)}")
    for name, value in values.items():
        if (not isinstance(value, numbers.Real) or isinstance(value, bool) or not value >= 0
                or (high is not None and value > high)):
            bound = "in [0, 1]" if high == 1 else ">= 0"
            raise ValueError(f"{parameter} of modality {name!r} must be a number {bound}, "
                             f"got {value!r}")


def _check_shapes(image_shape, sequence_length, n_table_features):
    def positive_ints(value):
        return all(isinstance(v, numbers.Integral) and v >= 1 for v in value)

    if not (isinstance(image_shape, (tuple, list)) and len(image_shape) in (2, 3)
            and positive_ints(image_shape)):
        raise ValueError(f"image_shape must be (height, width) or (height, width, channels) "
                         f"of positive integers, got {image_shape!r}")
    lengths = (sequence_length,) if isinstance(sequence_length, numbers.Integral) else (
        sequence_length)
    if not (isinstance(lengths, (tuple, list)) and len(lengths) in (1, 2)
            and positive_ints(lengths)
            and lengths[0] <= lengths[-1]):
        raise ValueError(f"sequence_length must be a positive integer or a (low, high) pair "
                         f"with 1 <= low <= high, got {sequence_length!r}")
    if not (isinstance(n_table_features, numbers.Integral) and n_table_features >= 1):
        raise ValueError(f"n_table_features must be a positive integer, got "
                         f"{n_table_features!r}")


def _images(y, n_classes, strength, shape, rng):
    h, w = shape[:2]
    rows, cols = np.mgrid[0:h, 0:w]
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centers = np.c_[(h - 1) / 2 * (1 + 0.5 * np.sin(angles)),
                    (w - 1) / 2 * (1 + 0.5 * np.cos(angles))]
    sigma = max(h, w) / 5
    protos = np.exp(-((rows - centers[:, :1, None]) ** 2 + (cols - centers[:, 1:, None]) ** 2)
                    / (2 * sigma**2))
    images = 3 * strength * protos[y] + rng.normal(size=(len(y), h, w))
    if len(shape) == 3:
        images = np.repeat(images[..., None], shape[2], axis=-1)
        images += rng.normal(scale=0.5, size=images.shape)
    return images


def _sequences(y, n_classes, strength, length, rng):
    freqs = 0.05 + 0.1 * np.arange(n_classes)

    def one(label, n):
        t = np.arange(n)
        return 2 * strength * np.sin(2 * np.pi * freqs[label] * t + rng.uniform(0, 2 * np.pi)) \
            + rng.normal(size=n)

    if isinstance(length, numbers.Integral):
        return np.stack([one(label, length) for label in y])
    low, high = length
    out = np.empty(len(y), dtype=object)
    for i, label in enumerate(y):
        out[i] = one(label, rng.randint(low, high + 1))
    return out


def _table(y, n_classes, strength, n_features, rng):
    means = rng.normal(size=(n_classes, n_features))
    return 2 * strength * means[y] + rng.normal(size=(len(y), n_features))
