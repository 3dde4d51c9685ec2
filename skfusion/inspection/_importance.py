"""How much each modality contributes to a fitted model's score."""

from itertools import combinations
from math import factorial

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.parallel import Parallel, delayed

from ._common import (
    check_inspection_inputs,
    check_positive_int,
    get_scorer,
    null_score,
    score,
)
from ._corruption import permute_modality

__all__ = ["modality_importance"]

_METHODS = ("permutation", "ablation", "shapley")
# exact Shapley values score 2**n_modalities - 1 subsets
_MAX_SHAPLEY_MODALITIES = 10


def modality_importance(estimator, X, y, *, method="permutation", scoring=None,
                        n_repeats=5, random_state=None, n_jobs=None):
    """Importance of each modality of X for a fitted estimator's score.

    The modality-level analogue of
    :func:`sklearn.inspection.permutation_importance`: a modality is one key
    of the ModalityDict, however many arrays or columns it holds.

    Parameters
    ----------
    estimator : estimator
        A fitted estimator whose ``predict`` (or scorer) takes a
        :class:`~skfusion.ModalityDict`.
    X : ModalityDict or mapping
        The data to score on, ideally held out from training.
    y : array-like of shape (n_samples,)
        The targets.
    method : {"permutation", "ablation", "shapley"}, default="permutation"
        - ``"permutation"``: shuffle the modality's rows (all its values
          together) across samples, ``n_repeats`` times; the importance is
          the drop of the score. Works with any estimator.
        - ``"ablation"``: mark the modality missing in every row
          (:meth:`~skfusion.ModalityDict.with_missing`); the importance is
          the drop of the score. Needs an estimator that handles missing
          modalities.
        - ``"shapley"``: exact Shapley values over modalities. Every subset
          of modalities is scored with the others marked missing; the empty
          subset scores as the class prior (classifiers, a
          :class:`~sklearn.dummy.DummyClassifier` with ``strategy="prior"``
          fitted on ``y``) or the mean (regressors). The values add up to
          the full score minus that null score. Needs an estimator that
          handles missing modalities; practical up to about 6 modalities.
    scoring : str, callable or None, default=None
        One metric, as in :func:`sklearn.metrics.check_scoring`; None uses
        the estimator's ``score``.
    n_repeats : int, default=5
        Shuffles per modality (``"permutation"`` only; the other methods are
        deterministic and give one value per modality).
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffles; every modality sees the same permutations.
    n_jobs : int, default=None
        Jobs running in parallel over modalities (permutation, ablation) or
        subsets (Shapley), through :mod:`sklearn.utils.parallel`.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        importances_mean : ndarray of shape (n_modalities,)
            The mean importance of each modality.
        importances_std : ndarray of shape (n_modalities,)
            Their standard deviation over the repeats (0 for one repeat).
        importances : ndarray of shape (n_modalities, n_repeats)
            The raw importances (one column unless ``method="permutation"``).
        modalities : ndarray of shape (n_modalities,)
            The modality names, in the order of X.
        baseline_score : float
            The score on X unchanged.
        null_score : float or None
            The score with no modality (``"shapley"`` only).
        method : str
            The method used.

    See Also
    --------
    modality_robustness : The score as a modality is lost or made noisy.
    ModalityImportanceDisplay : A bar or box plot of these importances.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skfusion import ModalitySelector
    >>> from skfusion.datasets import make_multimodal_classification
    >>> from skfusion.inspection import modality_importance
    >>> X, y = make_multimodal_classification(
    ...     n_samples=200, informativeness={"image": 0.0, "table": 1.0},
    ...     random_state=0)
    >>> model = make_pipeline(ModalitySelector("table"), LogisticRegression()).fit(X, y)
    >>> result = modality_importance(model, X, y, n_repeats=3, random_state=0)
    >>> result.modalities
    array(['image', 'table'], dtype=object)
    >>> float(result.importances_mean[0]), bool(result.importances_mean[1] > 0.2)
    (0.0, True)
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}, got {method!r}")
    n_repeats = check_positive_int(n_repeats, "n_repeats")
    X, y = check_inspection_inputs(estimator, X, y)
    scorer = get_scorer(estimator, scoring)
    baseline = score(scorer, estimator, X, y)
    names = list(X.modalities)
    parallel = Parallel(n_jobs=n_jobs)
    null = None
    if method == "permutation":
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max + 1)
        scores = parallel(
            delayed(_permuted_scores)(estimator, X, y, scorer, name, n_repeats, seed)
            for name in names
        )
        importances = baseline - np.array(scores)
    elif method == "ablation":
        scores = parallel(
            delayed(_scores_without)(estimator, X, y, scorer, [name]) for name in names
        )
        importances = baseline - np.array(scores).reshape(-1, 1)
    else:
        null = null_score(estimator, scorer, y)
        importances = _shapley_values(estimator, X, y, scorer, baseline, null, parallel)
    return Bunch(
        importances_mean=importances.mean(axis=1),
        importances_std=importances.std(axis=1),
        importances=importances,
        modalities=np.array(names, dtype=object),
        baseline_score=baseline,
        null_score=null,
        method=method,
    )


def _permuted_scores(estimator, X, y, scorer, modality, n_repeats, seed):
    rng = np.random.RandomState(seed)
    return [
        score(scorer, estimator, permute_modality(X, modality, rng.permutation(X.n_samples)), y)
        for _ in range(n_repeats)
    ]


def _scores_without(estimator, X, y, scorer, dropped):
    """The score with the ``dropped`` modalities missing in every row."""
    for name in dropped:
        X = X.with_missing(name, slice(None))
    context = f"modalities {dropped} were missing in every row"
    return score(scorer, estimator, X, y, context=context)


def _shapley_values(estimator, X, y, scorer, full_score, empty_score, parallel):
    """Exact Shapley values of the modalities, shape (n_modalities, 1)."""
    names = list(X.modalities)
    n = len(names)
    if n > _MAX_SHAPLEY_MODALITIES:
        raise ValueError(
            f"exact Shapley values over {n} modalities need {2**n - 1} scorings; "
            f"use method='permutation' above {_MAX_SHAPLEY_MODALITIES} modalities"
        )
    partial = [
        frozenset(subset) for size in range(1, n) for subset in combinations(names, size)
    ]
    scores = parallel(
        delayed(_scores_without)(estimator, X, y, scorer, [m for m in names if m not in kept])
        for kept in partial
    )
    value = dict(zip(partial, scores))
    value[frozenset()] = empty_score
    value[frozenset(names)] = full_score
    shapley = np.zeros(n)
    for i, name in enumerate(names):
        others = [m for m in names if m != name]
        for size in range(n):
            weight = factorial(size) * factorial(n - size - 1) / factorial(n)
            for subset in combinations(others, size):
                kept = frozenset(subset)
                shapley[i] += weight * (value[kept | {name}] - value[kept])
    return shapley.reshape(-1, 1)
