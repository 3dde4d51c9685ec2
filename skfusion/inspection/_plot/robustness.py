"""RobustnessDisplay: score curves as a modality is lost or made noisy."""

from collections.abc import Mapping

import numpy as np

from .._common import scoring_name
from .._robustness import modality_robustness
from ._axes import get_axes

__all__ = ["RobustnessDisplay"]


class RobustnessDisplay:
    """Robustness curves: the score of one or more estimators against damage.

    Use :meth:`from_estimator` to compute and plot the curves, or build it
    from results of :func:`~skfusion.inspection.modality_robustness`. All
    parameters are stored as attributes. To add curves to an existing plot,
    pass its ``ax_`` to :meth:`plot` or :meth:`from_estimator`.

    Parameters
    ----------
    levels : array-like of float of shape (n_levels,)
        The damage levels (the x axis).
    scores : dict of str to ndarray of shape (n_levels,) or (n_levels, n_repeats)
        One curve per name; with repeats the mean is drawn with a band of
        one standard deviation.
    modality : str, default=None
        The damaged modality, for the axis label.
    corruption : str, default=None
        The corruption's name; ``"snr"`` puts clean (``inf``) on the left
        and the noisiest level on the right.
    level_name : str, default=None
        What a level measures, for the axis label.
    score_name : str, default=None
        The metric, for the axis label.

    Attributes
    ----------
    lines_ : dict of str to matplotlib Line2D
        The curves, by name.
    bands_ : dict of str to matplotlib PolyCollection
        The standard-deviation bands of the curves that have repeats.
    ax_ : matplotlib Axes
        The axes.
    figure_ : matplotlib Figure
        The figure.

    See Also
    --------
    modality_robustness : Compute one curve.
    ModalityImportanceDisplay : Plot modality importances.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skfusion import ModalitySelector
    >>> from skfusion.datasets import make_multimodal_classification
    >>> from skfusion.inspection import RobustnessDisplay
    >>> X, y = make_multimodal_classification(n_samples=100, random_state=0)
    >>> table = make_pipeline(ModalitySelector("table"), LogisticRegression()).fit(X, y)
    >>> strong = make_pipeline(ModalitySelector("table"), LogisticRegression(C=10)).fit(X, y)
    >>> disp = RobustnessDisplay.from_estimator(
    ...     {"C=1": table, "C=10": strong}, X, y, modality="table",
    ...     corruption="gaussian", levels=[0, 1, 2], random_state=0)
    >>> sorted(disp.lines_)
    ['C=1', 'C=10']
    """

    def __init__(self, levels, scores, *, modality=None, corruption=None, level_name=None,
                 score_name=None):
        self.levels = levels
        self.scores = scores
        self.modality = modality
        self.corruption = corruption
        self.level_name = level_name
        self.score_name = score_name

    @classmethod
    def from_estimator(cls, estimator, X, y, *, modality, corruption="missing", levels=None,
                       scoring=None, n_repeats=1, random_state=None, n_jobs=None, name=None,
                       ax=None, **kwargs):
        """Compute robustness curves of one or several fitted estimators and plot them.

        Parameters
        ----------
        estimator : estimator or dict of str to estimator
            A fitted estimator that takes a :class:`~skfusion.ModalityDict`,
            or several by name (one curve each). With an int
            ``random_state`` every estimator sees the same damaged rows.
        X : ModalityDict or mapping
            The data to score on.
        y : array-like of shape (n_samples,)
            The targets.
        modality : str
            The modality to damage.
        corruption : str or callable, default="missing"
            See :func:`~skfusion.inspection.modality_robustness`.
        levels : array-like of float, default=None
            The levels; None uses the corruption's defaults.
        scoring : str, callable or None, default=None
            One metric.
        n_repeats : int, default=1
            Random draws per level.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; an int gives every estimator the same draws.
        n_jobs : int, default=None
            Jobs running in parallel over levels and repeats.
        name : str, default=None
            The curve's name for a single estimator; None uses its class name.
        ax : matplotlib Axes, default=None
            The axes to draw on; None creates a figure.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : RobustnessDisplay
        """
        if isinstance(estimator, Mapping):
            estimators = dict(estimator)
        else:
            estimators = {name or type(estimator).__name__: estimator}
        if not estimators:
            raise ValueError("estimator must be a fitted estimator or a non-empty dict of them")
        if isinstance(random_state, np.random.RandomState):
            # one state would give each estimator different draws
            random_state = random_state.randint(np.iinfo(np.int32).max + 1)
        results = {
            key: modality_robustness(model, X, y, modality=modality, corruption=corruption,
                                     levels=levels, scoring=scoring, n_repeats=n_repeats,
                                     random_state=random_state, n_jobs=n_jobs)
            for key, model in estimators.items()
        }
        first = next(iter(results.values()))
        display = cls(
            first.levels,
            {key: result.scores for key, result in results.items()},
            modality=modality, corruption=first.corruption, level_name=first.level_name,
            score_name=scoring_name(next(iter(estimators.values())), scoring),
        )
        return display.plot(ax=ax, **kwargs)

    def plot(self, *, ax=None, **kwargs):
        """Draw one curve per name (mean, with a band of one std over repeats).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on (for example another display's ``ax_``);
            None creates a figure.
        **kwargs : dict
            Passed to ``ax.plot`` for every curve.

        Returns
        -------
        display : RobustnessDisplay
        """
        levels = np.asarray(self.levels, dtype=float)
        positions, tick_labels = self._positions(levels)
        self.ax_, self.figure_ = get_axes(ax)
        self.lines_, self.bands_ = {}, {}
        for name, scores in self.scores.items():
            scores = self._check_scores(name, scores, len(levels))
            mean = scores.mean(axis=1)
            style = {"marker": "o", "label": name, **kwargs}
            self.lines_[name] = self.ax_.plot(positions, mean, **style)[0]
            if scores.shape[1] > 1:
                std = scores.std(axis=1)
                self.bands_[name] = self.ax_.fill_between(
                    positions, mean - std, mean + std, alpha=0.2,
                    color=self.lines_[name].get_color())
        if tick_labels is not None:
            self.ax_.set_xticks(positions, tick_labels)
        if self.corruption == "snr" and not self.ax_.xaxis_inverted():
            self.ax_.invert_xaxis()
        self.ax_.set_xlabel(self._axis_label())
        self.ax_.set_ylabel(self.score_name or "score")
        self.ax_.legend()
        return self

    @staticmethod
    def _check_scores(name, scores, n_levels):
        scores = np.asarray(scores, dtype=float)
        scores = scores.reshape(-1, 1) if scores.ndim == 1 else scores
        if scores.ndim != 2 or scores.shape[0] != n_levels:
            raise ValueError(
                f"scores of {name!r} must have shape (n_levels,) or (n_levels, n_repeats) "
                f"with n_levels={n_levels}, got {scores.shape}"
            )
        return scores

    @staticmethod
    def _positions(levels):
        """x positions; an infinite level (a clean SNR) sits one step past the rest."""
        infinite = np.isinf(levels)
        if not infinite.any():
            return levels, None
        finite = levels[~infinite]
        span = finite.max() - finite.min() if finite.size > 1 else 10.0
        step = span / max(finite.size - 1, 1)
        positions = levels.copy()
        edge = (finite.max() + step) if finite.size else 0.0
        positions[infinite & (levels > 0)] = edge
        positions[infinite & (levels < 0)] = (finite.min() - step) if finite.size else -1.0
        labels = ["clean" if np.isposinf(v) else ("-inf" if np.isneginf(v) else f"{v:g}")
                  for v in levels]
        return positions, labels

    def _axis_label(self):
        label = self.level_name or "level"
        return f"{self.modality!r}: {label}" if self.modality else label
