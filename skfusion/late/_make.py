"""make_late_fusion: build a late-fusion estimator from (estimator, modality) pairs."""

from collections import Counter

from sklearn.base import is_regressor

from ._classifier import LateFusionClassifier
from ._regressor import LateFusionRegressor

__all__ = ["make_late_fusion"]


def _member_names(members):
    """A modality name where it names one member, else the estimator's class name."""
    bases = [modality if isinstance(modality, str) else type(estimator).__name__.lower()
             for estimator, modality in members]
    counts, seen = Counter(bases), Counter()
    names = []
    for base in bases:
        seen[base] += 1
        names.append(base if counts[base] == 1 else f"{base}-{seen[base]}")
    return names


def make_late_fusion(*members, **kwargs):
    """Build a LateFusionClassifier (or Regressor) from ``(estimator, modality)`` pairs.

    Members are named after their modality (or their class, lowercased, with
    ``-1``, ``-2``... where repeated). A :class:`LateFusionRegressor` is
    built when every member is a regressor, else a
    :class:`LateFusionClassifier`.

    Parameters
    ----------
    *members : (estimator, modality) tuples
        The members and the modality each reads.
    **kwargs : dict
        Parameters of the estimator built (``fusion``, ``weights``, ``cv``...).

    Returns
    -------
    fusion : LateFusionClassifier or LateFusionRegressor

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.svm import SVC
    >>> from skfusion import PairwiseCalibratedClassifier, make_late_fusion
    >>> clf = make_late_fusion((PairwiseCalibratedClassifier(SVC()), "image"),
    ...                        (LogisticRegression(), "audio"), fusion="product")
    >>> [name for name, _, _ in clf.estimators]
    ['image', 'audio']
    """
    for member in members:
        if not isinstance(member, tuple) or len(member) != 2:
            raise TypeError(f"make_late_fusion takes (estimator, modality) pairs, got {member!r}")
    names = _member_names(members)
    estimators = [(name, est, modality) for name, (est, modality) in zip(names, members)]
    all_regressors = bool(members) and all(is_regressor(est) for est, _ in members)
    cls = LateFusionRegressor if all_regressors else LateFusionClassifier
    return cls(estimators, **kwargs)
