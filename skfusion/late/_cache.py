"""The members' fitting jobs, optionally cached with ``joblib.Memory``.

Each job receives an unfitted clone of a member and exactly the rows it
trains on. ``joblib.Memory`` keys its cache on a hash of all the arguments,
that is on the member's class and parameters and on the training rows' data,
labels and metadata, so that fits repeated with the same member on the same
rows (as a GridSearchCV over fusion parameters repeats them) are loaded
from the cache instead of being fitted again. As with Pipeline's ``memory``,
a member whose fit is not deterministic for fixed parameters (for example
``random_state=None``) is reused as first fitted.

A fitted member always comes back as loaded from the cache, also right after
the fit that stored it. Its predictions are cached on a hash of the fitted
member, and ``joblib.hash`` includes the arrays' memory layout: a freshly
fitted member can hold views (LogisticRegression before scikit-learn 1.9 keeps
``coef_`` as a strided view) that its stored copy holds as contiguous arrays,
so a search's first candidate would not share its predictions with the others.

An entry that cannot be loaded is recomputed and overwritten with a warning.
Loading an entry unpickles it, which can run any code: a cache folder must be
as trusted as the code that reads it.
"""

import os
import warnings

from sklearn.base import clone
from sklearn.utils.validation import check_memory

from ..data import rows_of_params, take_rows

__all__ = ["MemberJobs", "member_output", "run_jobs"]


def fit_member(estimator, X, y, fit_params):
    """Fit a member on its rows; returns the fitted estimator.

    The estimator itself is returned, not what its ``fit`` returns (which
    may be None), as scikit-learn's ensembles do.
    """
    estimator.fit(X, y, **fit_params)
    return estimator


def call_stored(cached, *args):
    """``cached(*args)`` as loaded from the cache of ``cached`` (a joblib
    ``MemorizedFunc``): computed and stored first if absent.

    An entry that cannot be loaded (a truncated, empty or foreign
    ``output.pkl``) is computed again and overwritten, with a warning, as
    joblib's own cached calls and Pipeline's ``memory`` do.
    """
    stored = cached.call_and_shelve(*args)
    try:
        return stored.get()
    except Exception as exc:  # noqa: BLE001 -- any unpickling failure means a damaged entry
        warnings.warn(
            f"the cached {cached.func.__name__} of {type(args[0]).__name__} in "
            f"{cached.store_backend.location} could not be loaded ({exc!r}); computing it "
            "again and overwriting the entry", UserWarning, stacklevel=2)
        stored.clear()
        return cached.call_and_shelve(*args).get()


def fit_predict_fold(estimator, X_train, y_train, X_test, fit_params, methods):
    """Fit a member on one fold's training rows and predict the held-out rows.

    Returns ``(outputs, classes)``: one output per method of ``methods``, and
    the member's ``classes_`` (None for a regressor).
    """
    estimator.fit(X_train, y_train, **fit_params)
    outputs = tuple(getattr(estimator, method)(X_test) for method in methods)
    return outputs, getattr(estimator, "classes_", None)


class MemberJobs:
    """Build the delayed jobs of ``fit_member`` and ``fit_predict_fold``.

    Parameters
    ----------
    memory : None, str or joblib.Memory
        As Pipeline's ``memory``.
    """

    def __init__(self, memory):
        memory = check_memory(os.fspath(memory) if isinstance(memory, os.PathLike) else memory)
        self._fit = memory.cache(fit_member)
        self._fold = memory.cache(fit_predict_fold)

    def fit(self, estimator, X, y, rows, fit_params):
        """Arguments for a full fit of ``estimator`` on ``rows``."""
        if len(rows) < len(y):  # with every row: no copy
            fit_params = rows_of_params(fit_params, rows, len(y))
            X, y = take_rows(X, rows), y[rows]
        return call_stored, (self._fit, clone(estimator), X, y, fit_params)

    def fold(self, estimator, X, y, train, test, fit_params, methods):
        """Arguments for fitting on ``train`` and calling ``methods`` on ``test``.

        The fold's rows are taken when the job runs (:func:`call_stored_fold`),
        not here: taking every fold's rows up front held copies of all of them
        at once, in fresh memory (page faults), which made the copies 5 times
        slower than copying each fold as it is fitted.
        """
        return call_stored_fold, (self._fold, clone(estimator), X, y, train, test,
                                  fit_params, tuple(methods))


def call_stored_fold(cached, estimator, X, y, train, test, fit_params, methods):
    """:func:`call_stored` of ``fit_predict_fold`` on the rows of one fold.

    The cache key is the same as if the rows had been taken before: the
    cached function receives the fold's rows, never all of X.
    """
    return call_stored(cached, estimator, take_rows(X, train), y[train], take_rows(X, test),
                       rows_of_params(fit_params, train, len(y)), methods)


def predict_member(member, method, X):
    """A fitted member's output on some rows."""
    return getattr(member, method)(X)


def member_output(memory, member, method, X):
    """``member.<method>(X)``, cached on the fitted member and the rows when
    ``memory`` is set: the candidates of a search over fusion parameters score
    the same fitted members on the same validation rows."""
    if memory is None:
        return predict_member(member, method, X)
    memory = check_memory(os.fspath(memory) if isinstance(memory, os.PathLike) else memory)
    return call_stored(memory.cache(predict_member), member, method, X)


def run_jobs(parallel, delayed, jobs):
    """Run ``(function, args)`` pairs with a joblib ``Parallel``."""
    return parallel(delayed(function)(*args) for function, args in jobs)


