"""Augmentation at fit time: a ``fit_resample`` step and a wrapping meta-estimator."""

import numbers
from collections.abc import Mapping

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..data import (
    ModalityDict,
    check_multimodal,
    check_n_targets,
    naming_modality,
    rows_of_params,
    take_rows,
)
from ..utils._sklearn_compat import HasMethods, Interval, _fit_context
from ._base import BaseAugmenter

__all__ = ["AugmentedEstimator", "ModalityAugmenter"]


class ModalityAugmenter(BaseEstimator):
    """Grow a training set with augmented copies (imbalanced-learn's ``fit_resample``).

    ``fit_resample(X, y)`` returns the original samples followed by
    ``n_copies`` augmented copies of each, with their labels repeated. Each
    modality named in ``augmenters`` is altered by its augmenter; the other
    modalities are repeated unchanged, and missing entries stay missing. It
    follows imbalanced-learn's sampler convention, so it can be a step of an
    ``imblearn.pipeline.Pipeline``, which resamples during ``fit`` only.
    With scikit-learn's own Pipeline, use :class:`AugmentedEstimator`.

    Parameters
    ----------
    augmenters : dict of str -> augmenter, or augmenter
        Modality name mapped to its augmenter (X a ModalityDict), or one
        augmenter when X is a single modality array.
    n_copies : int, default=1
        Augmented copies added per original sample.
    random_state : int, RandomState instance or None, default=None
        Seed of the augmentation; an int gives the same copies every time.

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_samples * (1 + n_copies),)
        The original sample behind each row of the last ``fit_resample``.

    See Also
    --------
    AugmentedEstimator : Wraps an estimator and augments only inside its ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion import ModalityDict
    >>> from skfusion.augment import ImageAugmenter, ModalityAugmenter, TextAugmenter
    >>> X = ModalityDict(image=np.zeros((4, 8, 8)),
    ...                  text=np.array(["one", "two words", "three", "four"], dtype=object))
    >>> y = np.array([0, 1, 0, 1])
    >>> sampler = ModalityAugmenter({"image": ImageAugmenter()}, n_copies=2, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.n_samples, y_res.tolist()
    (12, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    """

    _parameter_constraints = {
        "augmenters": [dict, BaseAugmenter],
        "n_copies": [Interval(numbers.Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, augmenters, *, n_copies=1, random_state=None):
        self.augmenters = augmenters
        self.n_copies = n_copies
        self.random_state = random_state

    def fit(self, X, y=None):
        """Check the parameters and the modalities of X; nothing is learned.

        Parameters
        ----------
        X : ModalityDict or array-like
            The training samples.
        y : array-like of shape (n_samples,), default=None
            Targets.

        Returns
        -------
        self : ModalityAugmenter
        """
        self._validate_params()
        if isinstance(self.augmenters, Mapping):
            check_multimodal(X, modalities=list(self.augmenters), estimator=self)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y=None):
        """Return X and y followed by ``n_copies`` augmented copies of each sample.

        Parameters
        ----------
        X : ModalityDict or array-like
            The training samples (a ModalityDict when ``augmenters`` is a dict).
        y : array-like of shape (n_samples,), default=None
            Targets, repeated for the copies.

        Returns
        -------
        X_resampled : ModalityDict or ndarray
            ``n_samples * (1 + n_copies)`` samples, the originals first.
        y_resampled : ndarray or None
            The targets of those samples.
        """
        rng = check_random_state(self.random_state)
        if isinstance(self.augmenters, Mapping):
            for name, augmenter in self.augmenters.items():
                if not isinstance(augmenter, BaseAugmenter):
                    raise TypeError(
                        f"augmenters[{name!r}] must be an augmenter (a skfusion.augment."
                        f"BaseAugmenter such as ImageAugmenter), got {type(augmenter).__name__}"
                    )
            X = check_multimodal(X, modalities=list(self.augmenters), estimator=self)
            y = _check_targets(X, y, self)
            copies = [self._augment_dict(X, rng) for _ in range(self.n_copies)]
            X_res = ModalityDict.concat([X, *copies])
        else:
            if sparse.issparse(X):
                raise TypeError(
                    f"{type(self.augmenters).__name__} cannot augment sparse input; "
                    "pass a dense array"
                )
            if isinstance(X, Mapping):
                raise TypeError(
                    "ModalityAugmenter got a ModalityDict but a single augmenter; pass "
                    "augmenters={modality: augmenter} to say which modality it alters"
                )
            X = self.augmenters._check_values(X)
            y = _check_targets(X, y, self)
            copies = [self.augmenters.augment(X, rng) for _ in range(self.n_copies)]
            X_res = _concat_arrays([X, *copies])
        n_samples = X.shape[0]
        self.sample_indices_ = np.tile(np.arange(n_samples), self.n_copies + 1)
        return X_res, None if y is None else np.concatenate([y] * (self.n_copies + 1), axis=0)

    def _augment_dict(self, X, rng):
        items = {}
        for name, value in X.items():
            augmenter = self.augmenters.get(name)
            if augmenter is None:
                items[name] = value
                continue
            with naming_modality(name):
                items[name] = augmenter.augment(value, rng)
        return ModalityDict(items)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags


def _concat_arrays(parts):
    first = np.asarray(parts[0]) if not isinstance(parts[0], np.ndarray) else parts[0]
    if first.dtype == object:
        out = np.empty(sum(len(p) for p in parts), dtype=object)
        out[:] = [item for part in parts for item in part]
        return out
    return np.concatenate(parts, axis=0)


def _check_targets(X, y, sampler):
    return None if y is None else check_n_targets(X, y, estimator=sampler)


def _estimator_has(method):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, method)
        return hasattr(self.estimator, method)

    return check


class AugmentedEstimator(MetaEstimatorMixin, BaseEstimator):
    """Fit an estimator on its training data plus augmented copies.

    ``fit`` grows the training set with :class:`ModalityAugmenter` and fits a
    clone of ``estimator`` on it; ``predict``, ``predict_proba``, ``score``
    and the rest pass the data through unchanged. Because augmentation lives
    in ``fit``, it works with scikit-learn's own tools: in
    :func:`~sklearn.model_selection.cross_validate` or
    :class:`~sklearn.model_selection.GridSearchCV` only the training folds
    grow, and no copy of a sample can leak into its validation fold.

    Parameters
    ----------
    estimator : estimator
        The estimator (often a Pipeline or a fusion estimator) to fit.
    augmenters : dict of str -> augmenter, or augmenter
        Modality name mapped to its augmenter (X a ModalityDict), or one
        augmenter when X is a single modality array.
    n_copies : int, default=1
        Augmented copies added per training sample.
    random_state : int, RandomState instance or None, default=None
        Seed of the augmentation.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator``.
    n_samples_fit_ : int
        Samples the clone was fitted on (originals plus copies).
    classes_ : ndarray
        The classes, when the estimator is a classifier.

    See Also
    --------
    ModalityAugmenter : The same augmentation as a ``fit_resample`` step.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.pipeline import make_pipeline
    >>> from skfusion.augment import AugmentedEstimator, ImageAugmenter
    >>> from skfusion.features import PixelFeatures
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat([0, 1], 20)
    >>> images = rng.randint(0, 60, (40, 8, 8)).astype(np.uint8)
    >>> images[y == 1, 2:6, 3:5] = 255
    >>> model = AugmentedEstimator(make_pipeline(PixelFeatures(), LogisticRegression()),
    ...                            ImageAugmenter(rotation=10), n_copies=2, random_state=0)
    >>> cross_val_score(model, images, y, cv=2).round(2)
    array([1., 1.])
    >>> model.fit(images, y).n_samples_fit_
    120
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "augmenters": [dict, BaseAugmenter],
        "n_copies": [Interval(numbers.Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, augmenters, *, n_copies=1, random_state=None):
        self.estimator = estimator
        self.augmenters = augmenters
        self.n_copies = n_copies
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, **fit_params):
        """Fit a clone of the estimator on X and its augmented copies.

        Parameters
        ----------
        X : ModalityDict or array-like
            Training samples.
        y : array-like of shape (n_samples,), default=None
            Targets.
        **fit_params : dict
            Passed to the estimator's ``fit``; per-sample arrays (such as
            ``sample_weight``) are repeated for the copies.

        Returns
        -------
        self : AugmentedEstimator
        """
        sampler = ModalityAugmenter(
            self.augmenters, n_copies=self.n_copies, random_state=self.random_state
        )
        X_res, y_res = sampler.fit_resample(X, y)
        n_samples = len(sampler.sample_indices_) // (self.n_copies + 1)
        params = rows_of_params(fit_params, sampler.sample_indices_, n_samples)
        self.estimator_ = clone(self.estimator).fit(X_res, y_res, **params)
        self.n_samples_fit_ = len(sampler.sample_indices_)
        return self

    @property
    def classes_(self):
        """The classes of the fitted classifier."""
        check_is_fitted(self)
        return self.estimator_.classes_

    @property
    def n_features_in_(self):
        """Number of features seen by the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        """Feature names seen by the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.feature_names_in_

    @available_if(_estimator_has("predict"))
    def predict(self, X, **params):
        """Predict with the fitted estimator (no augmentation).

        Parameters
        ----------
        X : ModalityDict or array-like
            Samples.
        **params : dict
            Passed to the estimator's ``predict``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.estimator_.predict(X, **params)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the fitted estimator.

        Parameters
        ----------
        X : ModalityDict or array-like
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the fitted estimator.

        Parameters
        ----------
        X : ModalityDict or array-like
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the fitted estimator.

        Parameters
        ----------
        X : ModalityDict or array-like
            Samples.

        Returns
        -------
        scores : ndarray
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("transform"))
    def transform(self, X):
        """Transform with the fitted estimator (no augmentation).

        Parameters
        ----------
        X : ModalityDict or array-like
            Samples.

        Returns
        -------
        X_new : ndarray
        """
        check_is_fitted(self)
        return self.estimator_.transform(X)

    @available_if(_estimator_has("score"))
    def score(self, X, y, **params):
        """Score of the fitted estimator on (X, y), without augmentation.

        Parameters
        ----------
        X : ModalityDict or array-like
            Samples.
        y : array-like of shape (n_samples,)
            True targets.
        **params : dict
            Passed to the estimator's ``score``.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        return self.estimator_.score(X, y, **params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.transformer_tags = inner.transformer_tags
        tags.input_tags = inner.input_tags
        tags.input_tags.sparse = False  # augmenters alter dense values
        tags.target_tags.required = inner.target_tags.required
        return tags


