"""MemberCalibrationDisplay: one reliability diagram per fusion member."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ...data import check_multimodal, check_n_targets, presence, select_modality
from ._axes import get_axes

__all__ = ["MemberCalibrationDisplay"]

_STRATEGIES = ("uniform", "quantile")


class MemberCalibrationDisplay:
    """Reliability diagrams of the members of a late-fusion classifier.

    A product or mean rule trusts each member's probabilities; a member
    whose curve strays from the diagonal spoils the fused decision. For
    probabilities over classes (2-D) the curve is the top-label one: the
    share of rows whose most probable class is right, against that class's
    mean probability (the confidence). For 1-D probabilities of a positive
    class it is scikit-learn's binary reliability curve. Rows where a member
    has no prediction (NaN, or a missing modality) are left out.

    Use :meth:`from_estimator` or :meth:`from_predictions`. All parameters
    are stored as attributes.

    Parameters
    ----------
    prob_true : dict of str to ndarray of shape (n_nonempty_bins,)
        Per member, the share of hits (right top label, or positives) in
        each non-empty bin.
    prob_pred : dict of str to ndarray of shape (n_nonempty_bins,)
        Per member, the mean predicted probability in each bin.
    calibration_error : dict of str to float
        Per member, the expected calibration error: the row-weighted mean
        gap between the two over the bins.
    pos_label : int, float, bool or str, default=None
        The positive class of binary curves; None for top-label curves.

    Attributes
    ----------
    lines_ : dict of str to matplotlib Line2D
        The curves, by member.
    ax_ : matplotlib Axes
        The axes.
    figure_ : matplotlib Figure
        The figure.

    See Also
    --------
    sklearn.calibration.CalibrationDisplay : One binary reliability curve.
    skfusion.LateFusionClassifier : Fuses members' probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.inspection import MemberCalibrationDisplay
    >>> y = np.array([0, 1, 2, 1, 0, 2])
    >>> sharp = np.eye(3)[y] * 0.9 + 0.1 / 3
    >>> wrong = np.eye(3)[(y + 1) % 3] * 0.9 + 0.1 / 3
    >>> disp = MemberCalibrationDisplay.from_predictions(
    ...     y, {"image": sharp, "audio": wrong}, n_bins=5)
    >>> {name: round(error, 3) for name, error in disp.calibration_error.items()}
    {'image': 0.067, 'audio': 0.933}
    """

    def __init__(self, prob_true, prob_pred, calibration_error, *, pos_label=None):
        self.prob_true = prob_true
        self.prob_pred = prob_pred
        self.calibration_error = calibration_error
        self.pos_label = pos_label

    @classmethod
    def from_predictions(cls, y_true, y_prob, *, classes=None, pos_label=None, n_bins=10,
                         strategy="uniform", ax=None, ref_line=True, **kwargs):
        """Plot each member's reliability from its predicted probabilities.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            The true labels.
        y_prob : dict of str to array-like
            Per member, ``(n_samples, n_classes)`` probabilities (top-label
            curve) or ``(n_samples,)`` probabilities of ``pos_label``
            (binary curve). Rows holding NaN are left out.
        classes : array-like of shape (n_classes,), default=None
            The labels of the probability columns; None uses the sorted
            unique labels of ``y_true`` (as a fitted classifier's
            ``classes_``).
        pos_label : int, float, bool or str, default=None
            The positive class of 1-D probabilities; None uses the largest
            label of ``y_true``.
        n_bins : int, default=10
            Number of bins.
        strategy : {"uniform", "quantile"}, default="uniform"
            Equal-width bins, or bins holding equal numbers of rows.
        ax : matplotlib Axes, default=None
            The axes to draw on; None creates a figure.
        ref_line : bool, default=True
            Draw the diagonal of perfect calibration.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : MemberCalibrationDisplay
        """
        y_true = np.asarray(y_true)
        classes = np.unique(y_true) if classes is None else np.asarray(classes)
        binary = [np.asarray(p).ndim == 1 for p in y_prob.values()]
        if any(binary) and pos_label is None:
            pos_label = classes[-1]
        hits = {name: _hits_and_confidence(name, y_true, proba, classes, pos_label)
                for name, proba in y_prob.items()}
        if any(binary) and not all(binary):
            raise ValueError("y_prob mixes 1-D (binary) and 2-D (per class) probabilities; "
                             "give every member the same kind")
        return cls._from_hits(hits, pos_label if all(binary) else None, n_bins, strategy,
                              ax, ref_line, kwargs)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, n_bins=10, strategy="uniform", ax=None,
                       ref_line=True, **kwargs):
        """Plot the reliability of each member of a fitted late-fusion classifier.

        Parameters
        ----------
        estimator : LateFusionClassifier or list of (str, estimator, modality)
            A fitted :class:`~skfusion.LateFusionClassifier` (or a fitted
            search over one, through its ``best_estimator_``): each member's
            probabilities are those its fusion rule sees (after any
            temperature calibration), on the rows where the member is
            present. Or fitted members as ``(name, estimator, modality)``
            triples: each member's ``predict_proba`` gets its modality of X
            (rows that lack it are left out).
        X : ModalityDict or mapping
            The data, ideally held out from training.
        y : array-like of shape (n_samples,)
            The true labels.
        n_bins : int, default=10
            Number of bins.
        strategy : {"uniform", "quantile"}, default="uniform"
            Equal-width bins, or bins holding equal numbers of rows.
        ax : matplotlib Axes, default=None
            The axes to draw on; None creates a figure.
        ref_line : bool, default=True
            Draw the diagonal of perfect calibration.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : MemberCalibrationDisplay
        """
        X = check_multimodal(X, estimator=f"{cls.__name__}.from_estimator")
        y = check_n_targets(X, y)
        hits = {name: _hits_and_confidence(name, y, proba, classes, None)
                for name, proba, classes in _member_probas(estimator, X)}
        return cls._from_hits(hits, None, n_bins, strategy, ax, ref_line, kwargs)

    @classmethod
    def _from_hits(cls, hits, pos_label, n_bins, strategy, ax, ref_line, kwargs):
        if strategy not in _STRATEGIES:
            raise ValueError(f"strategy must be one of {list(_STRATEGIES)}, got {strategy!r}")
        if not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
            raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
        curves = {name: _reliability(hit, confidence, n_bins, strategy)
                  for name, (hit, confidence) in hits.items()}
        display = cls({name: c[0] for name, c in curves.items()},
                      {name: c[1] for name, c in curves.items()},
                      {name: c[2] for name, c in curves.items()}, pos_label=pos_label)
        return display.plot(ax=ax, ref_line=ref_line, **kwargs)

    def plot(self, *, ax=None, ref_line=True, **kwargs):
        """Draw one reliability curve per member; the legend gives its error.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on; None creates a figure.
        ref_line : bool, default=True
            Draw the diagonal of perfect calibration.
        **kwargs : dict
            Passed to ``ax.plot`` for every curve.

        Returns
        -------
        display : MemberCalibrationDisplay
        """
        self.ax_, self.figure_ = get_axes(ax)
        if ref_line:
            self.ax_.plot([0, 1], [0, 1], "k:", label="perfectly calibrated")
        self.lines_ = {}
        for name in self.prob_true:
            label = f"{name} (ECE {self.calibration_error[name]:.3f})"
            style = {"marker": "s", "label": label, **kwargs}
            self.lines_[name] = self.ax_.plot(self.prob_pred[name], self.prob_true[name],
                                              **style)[0]
        if self.pos_label is None:
            self.ax_.set(xlabel="confidence (probability of the top class)",
                         ylabel="share of top classes that are right")
        else:
            self.ax_.set(xlabel=f"mean predicted probability (positive class: {self.pos_label})",
                         ylabel=f"fraction of positives (positive class: {self.pos_label})")
        self.ax_.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
        self.ax_.legend(loc="upper left")
        return self


def _member_probas(estimator, X):
    """``[(name, probabilities with NaN rows where absent, classes)]`` per member."""
    if isinstance(estimator, (list, tuple)):
        return [(name, _triple_proba(name, member, X, modality), member.classes_)
                for name, member, modality in _check_triples(estimator)]
    late_fusion = getattr(estimator, "best_estimator_", estimator)  # a fitted search
    if not (hasattr(late_fusion, "estimators") and hasattr(late_fusion, "transform")
            and hasattr(late_fusion, "output_methods_")):
        check_is_fitted(late_fusion)
        raise TypeError(
            "from_estimator needs a fitted skfusion.LateFusionClassifier or a list of "
            f"(name, fitted estimator, modality) triples, got {type(estimator).__name__}"
        )
    return _late_fusion_probas(late_fusion, X)


def _late_fusion_probas(estimator, X):
    """What the fusion sees of each member, read from its public ``transform``.

    ``transform`` gives the members' probabilities over ``classes_`` (after
    any temperature), or for stacking the final estimator's input, which
    holds them without the first column when binary.
    """
    if estimator.fusion_ == "vote":
        raise TypeError("a LateFusionClassifier with fusion='vote' reads its members' "
                        "predictions, not their probabilities: no reliability diagram")
    members = [(name, modality) for name, member, modality in estimator.estimators
               if not (isinstance(member, str) and member == "drop")]
    features = _dense(estimator.transform(X))
    n_classes = len(estimator.classes_)
    stacking = estimator.fusion_ == "stacking"
    out, start = [], 0
    for (name, modality), method in zip(members, estimator.output_methods_):
        if stacking and method != "predict_proba":
            raise TypeError(f"member {name!r} gives the stacking final estimator its "
                            f"{method} output, not probabilities: no reliability diagram")
        width = 1 if stacking and n_classes == 2 else n_classes
        proba = features[:, start:start + width]
        start += width
        if width == 1:
            proba = np.hstack([1.0 - proba, proba])
        present = presence(X, modality)
        out.append((name, np.where(present[:, None], proba, np.nan), estimator.classes_))
    return out


def _dense(matrix):
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


def _check_triples(members):
    for member in members:
        if not isinstance(member, tuple) or len(member) != 3:
            raise ValueError("members must be (name, fitted estimator, modality) triples, "
                             f"got {member!r}")
        check_is_fitted(member[1])
    return members


def _triple_proba(name, member, X, modality):
    """The member's probabilities; NaN rows where it lacks one of its modalities."""
    if not hasattr(member, "predict_proba"):
        raise TypeError(f"member {name!r} ({type(member).__name__}) has no predict_proba; "
                        "a reliability diagram needs probabilities")
    present = presence(X, modality)
    proba = np.full((X.n_samples, len(member.classes_)), np.nan)
    if present.any():
        proba[present] = member.predict_proba(select_modality(X[present], modality))
    return proba


def _hits_and_confidence(name, y_true, proba, classes, pos_label):
    """Per usable row: whether it is a hit, and the probability given to that event."""
    proba = np.asarray(proba, dtype=float)
    if proba.shape[0] != y_true.shape[0]:
        raise ValueError(f"member {name!r} has probabilities for {proba.shape[0]} rows, "
                         f"y has {y_true.shape[0]}")
    if proba.ndim == 1:
        usable = ~np.isnan(proba)
        return (y_true[usable] == pos_label).astype(float), proba[usable]
    if proba.ndim != 2 or proba.shape[1] != len(classes):
        raise ValueError(
            f"member {name!r} has probabilities of shape {proba.shape}; expected "
            f"(n_samples, {len(classes)}) for the classes {list(classes)}"
        )
    usable = ~np.isnan(proba).any(axis=1)
    proba, y_true = proba[usable], y_true[usable]
    top = proba.argmax(axis=1)
    return (classes[top] == y_true).astype(float), proba[np.arange(len(top)), top]


def _reliability(hit, confidence, n_bins, strategy):
    """(share of hits, mean confidence) per non-empty bin, and the calibration error."""
    if hit.size == 0:
        return np.array([]), np.array([]), np.nan
    if strategy == "quantile":
        edges = np.percentile(confidence, np.linspace(0, 100, n_bins + 1))
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], confidence)  # as sklearn.calibration_curve
    counts = np.bincount(bins, minlength=n_bins)
    nonempty = counts > 0
    prob_true = np.bincount(bins, weights=hit, minlength=n_bins)[nonempty] / counts[nonempty]
    prob_pred = (np.bincount(bins, weights=confidence, minlength=n_bins)[nonempty]
                 / counts[nonempty])
    error = float(np.sum(counts[nonempty] * np.abs(prob_true - prob_pred)) / hit.size)
    return prob_true, prob_pred, error
