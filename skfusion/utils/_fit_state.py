"""A fit that fails leaves the estimator as it was before the call."""

import functools

__all__ = ["restore_on_failure"]


def restore_on_failure(fit):
    """Decorate a ``fit`` (or ``fit_transform``) so that it is all or nothing.

    The estimator's attributes are recorded before the call and put back if
    it raises (or is interrupted): an estimator fitted before keeps its
    previous fitted state, whole, and one never fitted stays unfitted, so
    that ``check_is_fitted`` raises ``NotFittedError`` instead of a later
    ``AttributeError``, and no new ``classes_`` sits beside old members. The
    record is shallow: it holds for fits that assign fresh fitted attributes,
    as every skfusion estimator does, rather than change them in place.

    Parameters
    ----------
    fit : callable
        The method, ``fit(self, *args, **kwargs)``.

    Returns
    -------
    wrapped : callable

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> class Est(BaseEstimator):
    ...     @restore_on_failure
    ...     def fit(self, X):
    ...         self.n_ = len(X)
    ...         if not X:
    ...             raise ValueError("empty")
    ...         return self
    >>> est = Est().fit([1, 2])
    >>> try:
    ...     est.fit([])
    ... except ValueError:
    ...     pass
    >>> est.n_
    2
    """

    @functools.wraps(fit)
    def wrapped(self, *args, **kwargs):
        before = dict(vars(self))
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            vars(self).clear()
            vars(self).update(before)
            raise

    return wrapped
