"""Text augmentation: random token dropout and swaps of neighbouring tokens."""

import numbers

import numpy as np

from ..data import is_missing_entry
from ..utils._sklearn_compat import Interval
from ._base import BaseAugmenter

__all__ = ["TextAugmenter"]


class TextAugmenter(BaseAugmenter):
    """Drop and swap whitespace-separated tokens of each string.

    Each token is dropped with probability ``dropout`` (at least one token
    is kept), then each pair of neighbouring tokens is swapped with
    probability ``swap``. Missing entries (``None``, NaN) stay as they are.

    Parameters
    ----------
    dropout : float, default=0.1
        Probability of dropping each token.
    swap : float, default=0.1
        Probability of swapping each token with the next one.

    See Also
    --------
    ModalityAugmenter : Adds augmented copies to a training set (``fit_resample``).

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.augment import TextAugmenter
    >>> texts = np.array(["the quick brown fox jumps", None], dtype=object)
    >>> TextAugmenter(dropout=0.3, swap=0.3).augment(texts, random_state=1)
    array(['quick fox the', None], dtype=object)
    """

    _parameter_constraints = {
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "swap": [Interval(numbers.Real, 0, 1, closed="both")],
    }

    def __init__(self, *, dropout=0.1, swap=0.1):
        self.dropout = dropout
        self.swap = swap

    def _check_values(self, values):
        values = np.asarray(values, dtype=object)
        if values.ndim != 1:
            raise ValueError(
                f"TextAugmenter expects a 1-D array of strings; got shape {values.shape}"
            )
        for i, text in enumerate(values):
            if not (isinstance(text, str) or is_missing_entry(text)):
                raise TypeError(
                    f"TextAugmenter expects strings; entry {i} is a {type(text).__name__}"
                )
        return values

    def _augment_one(self, text, rng):
        tokens = text.split()
        if not tokens:
            return text
        keep = rng.uniform(size=len(tokens)) >= self.dropout
        if not keep.any():
            keep[rng.randint(len(tokens))] = True
        tokens = [t for t, k in zip(tokens, keep) if k]
        for i in range(len(tokens) - 1):
            if rng.uniform() < self.swap:
                tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        return " ".join(tokens)
