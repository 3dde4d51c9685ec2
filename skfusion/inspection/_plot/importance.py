"""ModalityImportanceDisplay: a bar or box plot of modality importances."""

import numpy as np

from .._common import scoring_name
from .._importance import modality_importance
from ._axes import get_axes

__all__ = ["ModalityImportanceDisplay"]

_KINDS = ("bar", "box")


class ModalityImportanceDisplay:
    """Modality importance visualization.

    Use :meth:`from_estimator` to compute the importances and plot them, or
    build it from the result of :func:`~skfusion.inspection.modality_importance`.
    All parameters are stored as attributes.

    Parameters
    ----------
    importances : ndarray of shape (n_modalities, n_repeats)
        The raw importances (``result.importances``).
    modalities : array-like of str of shape (n_modalities,)
        The modality names.
    method : str, default=None
        The method that computed them, for the axis label.
    score_name : str, default=None
        The metric, for the axis label.
    estimator_name : str, default=None
        Shown as the title.

    Attributes
    ----------
    importances_mean : ndarray of shape (n_modalities,)
        The mean importances, as drawn.
    importances_std : ndarray of shape (n_modalities,)
        Their standard deviation, drawn as error bars.
    bars_ : matplotlib BarContainer or None
        The bars (``kind="bar"``).
    boxplot_ : dict or None
        The artists of the box plot (``kind="box"``).
    ax_ : matplotlib Axes
        The axes.
    figure_ : matplotlib Figure
        The figure.

    See Also
    --------
    modality_importance : Compute the importances.
    RobustnessDisplay : Plot the score as a modality is lost.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skfusion import ModalitySelector
    >>> from skfusion.datasets import make_multimodal_classification
    >>> from skfusion.inspection import ModalityImportanceDisplay
    >>> X, y = make_multimodal_classification(n_samples=100, random_state=0)
    >>> model = make_pipeline(ModalitySelector("table"), LogisticRegression()).fit(X, y)
    >>> disp = ModalityImportanceDisplay.from_estimator(
    ...     model, X, y, n_repeats=3, random_state=0)
    >>> disp.importances.shape
    (3, 3)
    """

    def __init__(self, importances, modalities, *, method=None, score_name=None,
                 estimator_name=None):
        self.importances = importances
        self.modalities = modalities
        self.method = method
        self.score_name = score_name
        self.estimator_name = estimator_name

    @property
    def importances_mean(self):
        """The mean importance of each modality."""
        return np.asarray(self.importances, dtype=float).mean(axis=1)

    @property
    def importances_std(self):
        """The standard deviation of each modality's importance over the repeats."""
        return np.asarray(self.importances, dtype=float).std(axis=1)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, method="permutation", scoring=None,
                       n_repeats=5, random_state=None, n_jobs=None, kind="bar", name=None,
                       ax=None, **kwargs):
        """Compute the modality importances of a fitted estimator and plot them.

        Parameters
        ----------
        estimator : estimator
            A fitted estimator that takes a :class:`~skfusion.ModalityDict`.
        X : ModalityDict or mapping
            The data to score on.
        y : array-like of shape (n_samples,)
            The targets.
        method : {"permutation", "ablation", "shapley"}, default="permutation"
            See :func:`~skfusion.inspection.modality_importance`.
        scoring : str, callable or None, default=None
            One metric.
        n_repeats : int, default=5
            Shuffles per modality (permutation only).
        random_state : int, RandomState instance or None, default=None
            Seeds the shuffles.
        n_jobs : int, default=None
            Jobs running in parallel.
        kind : {"bar", "box"}, default="bar"
            Bars of the mean with the standard deviation, or a box plot of
            the repeats.
        name : str, default=None
            The title; None uses the estimator's class name.
        ax : matplotlib Axes, default=None
            The axes to draw on; None creates a figure.
        **kwargs : dict
            Passed to ``ax.barh`` or ``ax.boxplot``.

        Returns
        -------
        display : ModalityImportanceDisplay
        """
        result = modality_importance(estimator, X, y, method=method, scoring=scoring,
                                     n_repeats=n_repeats, random_state=random_state,
                                     n_jobs=n_jobs)
        display = cls(result.importances, result.modalities, method=method,
                      score_name=scoring_name(estimator, scoring),
                      estimator_name=name or type(estimator).__name__)
        return display.plot(ax=ax, kind=kind, **kwargs)

    def plot(self, *, ax=None, kind="bar", name=None, **kwargs):
        """Draw the importances, one horizontal bar or box per modality.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on; None creates a figure.
        kind : {"bar", "box"}, default="bar"
            Bars of the mean with the standard deviation as error bars, or
            a box plot of the repeats.
        name : str, default=None
            The title; None uses ``estimator_name``.
        **kwargs : dict
            Passed to ``ax.barh`` or ``ax.boxplot``.

        Returns
        -------
        display : ModalityImportanceDisplay
        """
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {list(_KINDS)}, got {kind!r}")
        importances = np.asarray(self.importances, dtype=float)
        labels = [str(m) for m in self.modalities]
        if importances.ndim != 2 or importances.shape[0] != len(labels):
            raise ValueError(
                f"importances must have shape (n_modalities, n_repeats) = ({len(labels)}, "
                f"n_repeats), got {importances.shape}"
            )
        self.ax_, self.figure_ = get_axes(ax)
        positions = np.arange(len(labels))
        self.bars_, self.boxplot_ = None, None
        if kind == "bar":
            self.bars_ = self.ax_.barh(positions, self.importances_mean,
                                       xerr=self.importances_std, **kwargs)
        else:
            self.boxplot_ = self.ax_.boxplot(importances.T, positions=positions,
                                             **_horizontal(), **kwargs)
        self.ax_.set_yticks(positions, labels)
        if not self.ax_.yaxis_inverted():
            self.ax_.invert_yaxis()  # the first modality on top, as X lists them
        self.ax_.axvline(0, color="k", linewidth=0.8)
        self.ax_.set_xlabel(self._axis_label())
        title = name if name is not None else self.estimator_name
        if title:
            self.ax_.set_title(title)
        return self

    def _axis_label(self):
        metric = self.score_name or "score"
        if self.method == "shapley":
            return f"Shapley value ({metric})"
        action = {"permutation": "shuffled", "ablation": "missing"}.get(self.method)
        return f"drop in {metric} when {action}" if action else f"importance ({metric})"


def _horizontal():
    """The boxplot argument for horizontal boxes (``vert`` is deprecated in matplotlib 3.10)."""
    import matplotlib

    major, minor = (int(part) for part in matplotlib.__version__.split(".")[:2])
    return {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}
