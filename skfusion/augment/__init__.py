"""Fit-time data augmentation, one augmenter per modality.

Augmenters (:class:`ImageAugmenter`, :class:`AudioAugmenter`,
:class:`TextAugmenter`) make one random variant of every entry of a modality
array. Two ways to use them, both at fit time only:

- :class:`AugmentedEstimator` wraps any estimator and augments only inside its
  ``fit``: it works with scikit-learn's Pipeline, GridSearchCV and
  cross_validate, where only the training folds grow.
- :class:`ModalityAugmenter` follows imbalanced-learn's ``fit_resample``
  convention, for ``imblearn.pipeline.Pipeline`` users.
"""

from ._audio import AudioAugmenter
from ._base import BaseAugmenter
from ._image import ImageAugmenter
from ._resample import AugmentedEstimator, ModalityAugmenter
from ._text import TextAugmenter

__all__ = [
    "AudioAugmenter",
    "AugmentedEstimator",
    "BaseAugmenter",
    "ImageAugmenter",
    "ModalityAugmenter",
    "TextAugmenter",
]
