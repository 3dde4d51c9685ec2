"""The augmenter contract: one random variant of every entry of a modality."""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from ..data import is_missing_entry

__all__ = ["BaseAugmenter"]


class BaseAugmenter(BaseEstimator):
    """Base class of the per-modality augmenters.

    An augmenter is stateless: :meth:`augment` returns one randomly altered
    copy of every entry of a modality array, leaving missing entries
    (``None``, NaN, all-NaN rows: :func:`skfusion.data.is_missing_entry`)
    missing. Subclasses implement
    ``_augment_one(value, rng)`` for one sample and, when they need it,
    ``_check_values(values)``.

    See Also
    --------
    ImageAugmenter, AudioAugmenter, TextAugmenter : The built-in augmenters.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.augment import BaseAugmenter
    >>> class Jitter(BaseAugmenter):
    ...     def _augment_one(self, value, rng):
    ...         return value + rng.normal(0, 0.01, size=value.shape)
    >>> table = np.zeros((3, 2))
    >>> Jitter().augment(table, random_state=0).round(3)
    array([[ 0.018,  0.004],
           [ 0.01 ,  0.022],
           [ 0.019, -0.01 ]])
    """

    _parameter_constraints: dict = {}

    def augment(self, values, random_state=None):
        """Return one augmented copy of each entry of ``values``.

        Parameters
        ----------
        values : array-like of shape (n_samples, ...)
            One modality: numeric array, or 1-D object array of entries.
        random_state : int, RandomState instance or None, default=None
            Source of randomness; the same seed gives the same copies.

        Returns
        -------
        augmented : ndarray of shape (n_samples, ...)
            Same type, shape (object arrays: entries may change length) and
            dtype as ``values``.
        """
        self._validate_params()
        rng = check_random_state(random_state)
        values = self._check_values(values)
        out = values.copy()
        for i in range(len(values)):
            if not is_missing_entry(values[i]):
                out[i] = self._augment_one(values[i], rng)
        return out

    def _check_values(self, values):
        return np.asarray(values) if not isinstance(values, np.ndarray) else values

    def _augment_one(self, value, rng):  # pragma: no cover - abstract
        raise NotImplementedError


def symmetric(rng, bound):
    """A uniform draw in [-bound, bound] (0 when bound is 0)."""
    return rng.uniform(-bound, bound) if bound else 0.0
