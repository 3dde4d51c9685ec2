"""The score of a fitted model as one modality is lost or made noisy."""

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.parallel import Parallel, delayed

from ._common import check_inspection_inputs, check_positive_int, get_scorer, score
from ._corruption import CORRUPTIONS, corrupt_modality

__all__ = ["modality_robustness"]


def modality_robustness(estimator, X, y, *, modality, corruption="missing", levels=None,
                        scoring=None, n_repeats=1, random_state=None, n_jobs=None):
    """Score a fitted estimator as one modality is increasingly damaged.

    Parameters
    ----------
    estimator : estimator
        A fitted estimator that takes a :class:`~skfusion.ModalityDict`.
    X : ModalityDict or mapping
        The data to score on, ideally held out from training.
    y : array-like of shape (n_samples,)
        The targets.
    modality : str
        The modality to damage.
    corruption : {"missing", "gaussian", "snr", "token_dropout"} or callable, \
            default="missing"
        What a level does to the modality:

        - ``"missing"``: that share of rows lose the modality
          (:meth:`~skfusion.ModalityDict.with_missing`); default levels
          ``0, 0.2, ..., 1``. The rows lost at a level include those lost at
          every smaller level.
        - ``"gaussian"``: numeric arrays get Gaussian noise whose standard
          deviation is the level times the modality's; default levels
          ``0, 0.25, 0.5, 1, 2``. Integer arrays (uint8 images) stay integer,
          rounded and clipped to their range.
        - ``"snr"``: waveforms (an object array of 1-D arrays, or the rows
          of a 2-D array) get white noise at a signal-to-noise ratio of the
          level in dB, per waveform; ``np.inf`` is clean. Default levels
          ``inf, 30, 20, 10, 0, -10``.
        - ``"token_dropout"``: each whitespace-separated token of a text is
          dropped with the level as probability; default levels
          ``0, 0.2, ..., 1``.
        - a callable ``corruption(values, level, rng)`` returning the damaged
          values of the modality (same number of rows); ``levels`` required.
    levels : array-like of float, default=None
        The levels, in the order to report them; None uses the defaults above.
    scoring : str, callable or None, default=None
        One metric, as in :func:`sklearn.metrics.check_scoring`.
    n_repeats : int, default=1
        Random draws per level (rows lost, noise), averaged.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws. Every level of one repeat uses the same seed, so
        the curves are smooth and, with an int, the same for every estimator.
    n_jobs : int, default=None
        Jobs running in parallel over levels and repeats.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        levels : ndarray of shape (n_levels,)
            The levels.
        scores : ndarray of shape (n_levels, n_repeats)
            The score at each level and repeat.
        scores_mean, scores_std : ndarray of shape (n_levels,)
            Their mean and standard deviation over the repeats.
        baseline_score : float
            The score on X unchanged.
        modality : str
            The corrupted modality.
        corruption : str
            The corruption's name (a callable's ``__name__``).
        level_name : str
            What a level measures, for plot axes.

    See Also
    --------
    modality_importance : How much each modality contributes to the score.
    RobustnessDisplay : Robustness curves of several estimators on one axis.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skfusion import ModalitySelector
    >>> from skfusion.datasets import make_multimodal_classification
    >>> from skfusion.inspection import modality_robustness
    >>> X, y = make_multimodal_classification(
    ...     n_samples=200, informativeness={"table": 1.0}, random_state=0)
    >>> model = make_pipeline(ModalitySelector("table"), LogisticRegression()).fit(X, y)
    >>> result = modality_robustness(model, X, y, modality="table",
    ...                              corruption="gaussian", levels=[0, 1, 4],
    ...                              random_state=0)
    >>> result.scores.shape
    (3, 1)
    >>> bool(result.scores_mean[0] == result.baseline_score > result.scores_mean[2])
    True
    """
    n_repeats = check_positive_int(n_repeats, "n_repeats")
    X, y = check_inspection_inputs(estimator, X, y)
    _check_modality(X, modality)
    levels, corruption_name, level_name = _check_corruption(corruption, levels)
    scorer = get_scorer(estimator, scoring)
    baseline = score(scorer, estimator, X, y)
    seeds = check_random_state(random_state).randint(np.iinfo(np.int32).max + 1, size=n_repeats)
    scores = Parallel(n_jobs=n_jobs)(
        delayed(_corrupted_score)(estimator, X, y, scorer, modality, corruption, level, seed)
        for level in levels
        for seed in seeds
    )
    scores = np.array(scores).reshape(len(levels), n_repeats)
    return Bunch(
        levels=levels,
        scores=scores,
        scores_mean=scores.mean(axis=1),
        scores_std=scores.std(axis=1),
        baseline_score=baseline,
        modality=modality,
        corruption=corruption_name,
        level_name=level_name,
    )


def _check_modality(X, modality):
    if not isinstance(modality, str):
        raise TypeError(f"modality must be one modality name, got {modality!r}")
    if modality not in X:
        raise ValueError(
            f"no modality {modality!r} in X; X has {', '.join(map(repr, X.modalities))}"
        )


def _check_corruption(corruption, levels):
    """Return the levels as an array, the corruption's name and what a level means."""
    if callable(corruption):
        if levels is None:
            raise ValueError("a callable corruption needs explicit levels")
        name, level_name = getattr(corruption, "__name__", "corruption"), "level"
    elif corruption in CORRUPTIONS:
        _, default_levels, level_name = CORRUPTIONS[corruption]
        levels = default_levels if levels is None else levels
        name = corruption
    else:
        raise ValueError(
            f"corruption must be one of {list(CORRUPTIONS)} or a callable, got {corruption!r}"
        )
    levels = np.asarray(levels, dtype=float).reshape(-1)
    if levels.size == 0 or np.isnan(levels).any():
        raise ValueError(f"levels must be a non-empty list of numbers, got {levels!r}")
    return levels, name, level_name


def _corrupted_score(estimator, X, y, scorer, modality, corruption, level, seed):
    rng = np.random.RandomState(seed)
    X_corrupted = corrupt_modality(X, modality, corruption, level, rng)
    if corruption == "missing" and level > 0:
        context = f"{level:.0%} of the rows were missing modality {modality!r}"
        return score(scorer, estimator, X_corrupted, y, context=context)
    return score(scorer, estimator, X_corrupted, y)
