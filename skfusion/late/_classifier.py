"""LateFusionClassifier: one classifier per modality, their probabilities fused."""

import numpy as np
from sklearn.base import ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..data._container import rows_of_params
from ..utils._sklearn_compat import StrOptions, _fit_context
from ..utils._fit_state import restore_on_failure
from ._base import _BaseLateFusion, present_rows
from ._calibration import (
    aligned_logits,
    aligned_proba,
    fit_temperature,
    logits_to_proba,
    output_method,
)
from ._rules import CLASSIFIER_RULES, fuse_probas, learn_weights, vote

__all__ = ["LateFusionClassifier"]


def _can_predict_proba(self):
    rule = getattr(self, "fusion_", getattr(self, "fusion", None))
    if rule == "vote":
        raise AttributeError("fusion='vote' predicts classes, not probabilities")
    if rule == "stacking":
        final = getattr(self, "final_estimator_", None) or self.final_estimator
        if final is not None and not hasattr(final, "predict_proba"):
            raise AttributeError(
                f"the final estimator {type(final).__name__} has no predict_proba"
            )
    return True


class LateFusionClassifier(ClassifierMixin, _BaseLateFusion):
    """Fuse the predictions of one classifier per modality.

    Each member is a ``(name, estimator, modality)`` triple: the estimator
    sees only ``select_modality(X, modality)`` (one modality, several as a
    ModalityDict, DataFrame or array columns, or all of X for ``None``) and
    is fitted on the rows that have its modalities. Their class
    probabilities are fused by a rule, or by a final estimator fitted on
    out-of-fold predictions (stacking).

    Parameters
    ----------
    estimators : list of (str, estimator, modality) triples
        The members. ``modality`` is a modality name, a list of names (the
        member gets a ModalityDict, e.g. an EarlyFusion pipeline), columns
        of a DataFrame or 2-D array, or ``None`` for all of X. A member may be
        any classifier, a Pipeline, a skorch net, or a prefit
        ``sklearn.frozen.FrozenEstimator`` (never refitted; its out-of-fold
        outputs are its predictions on the training rows). Members are fitted
        on integer-encoded labels, except prefit ones.

        What a member contributes: ``predict_proba`` if it has it; else the
        softmax of its ``decision_function`` (the sigmoid for a binary
        member), which is not a calibrated probability (use
        ``calibration="temperature"``); else a one-hot vote from ``predict``.
    fusion : {"mean", "weighted", "product", "max", "min", "median", "vote", \
"stacking"}, default="mean"
        - ``"mean"``: weighted mean of the probabilities (soft vote).
        - ``"weighted"``: the same with ``weights``, or with weights learned
          on out-of-fold probabilities by minimising the log-loss when
          ``weights=None``.
        - ``"product"``: weighted geometric mean, renormalised (log-linear
          pooling); probabilities are clipped at 1e-12 first.
        - ``"max"``, ``"min"``, ``"median"``: class-wise over the members
          present, renormalised (weights ignored).
        - ``"vote"``: weighted hard majority; ties go to the class with the
          higher mean probability. No ``predict_proba``.
        - ``"stacking"``: ``final_estimator`` fitted on the members'
          out-of-fold probabilities (the first column dropped when binary),
          as StackingClassifier does.
    weights : array-like of shape (n_members,), default=None
        Member weights for ``"mean"``, ``"weighted"``, ``"product"`` and
        ``"vote"``; ``None`` is equal weights (learned for ``"weighted"``).
    final_estimator : classifier, default=None
        The stacking classifier; ``None`` is ``LogisticRegression()``.
    calibration : {None, "temperature"}, default=None
        ``"temperature"`` fits one temperature per member on its out-of-fold
        logits (log-probabilities or decision values) and divides the logits
        by it before the softmax: it sharpens or softens a member's
        probabilities without changing its predicted class.
    cv : int, cross-validation generator or iterable, default=5
        Splits for the out-of-fold predictions, needed by ``"stacking"``,
        learned weights and calibration (otherwise the members are fitted
        once only). As in StackingClassifier; ``groups`` reaches it.
    passthrough : bool, str or list of str, default=False
        For stacking, also give the final estimator these modalities
        (numeric, flattened); ``True`` is every numeric modality (or all of
        a plain array X). Rows missing such a modality pass NaN, which the
        final estimator must accept (an error names the modality otherwise).
    memory : str, joblib.Memory or None, default=None
        Cache of the members' fits and out-of-fold predictions, keyed on the
        member's parameters and its training rows, and of the fitted members'
        outputs at predict time, keyed on the member and the rows. A
        GridSearchCV over ``fusion``, ``weights``, ``final_estimator`` or
        ``calibration`` then fits each member once per split and predicts each
        validation fold once. As with Pipeline's ``memory``, a member whose
        fit is random for fixed parameters is reused as first fitted.
    n_jobs : int, default=None
        Jobs fitting members and folds in parallel (joblib).
    verbose : int, default=0
        Verbosity of the joblib jobs.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members, in order. As in StackingClassifier, they are
        fitted on the labels' indices into ``classes_`` (prefit members
        keep their own labels).
    named_estimators_ : Bunch
        The fitted members by name.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    class_prior_ : ndarray of shape (n_classes,)
        The training class frequencies (stacking's stand-in for an absent
        member).
    modalities_ : list of str
        The modality names the members use, in order of first use (empty
        for a plain array X).
    fusion_ : str
        The rule in use.
    weights_ : ndarray of shape (n_members,)
        The member weights, summing to one.
    final_estimator_ : estimator or None
        The fitted stacking classifier (None for other rules).
    temperatures_ : ndarray of shape (n_members,)
        Each member's temperature (ones without calibration).
    output_methods_ : list of str
        The method each member contributes with.
    member_scores_ : dict or None
        Each member's out-of-fold accuracy on its rows, when out-of-fold
        predictions were computed, else None.
    n_features_in_ : int
        Number of features when X is a plain array (only then).

    See Also
    --------
    LateFusionClassifierCV : Chooses the rule by cross-validation.
    LateFusionRegressor : The same for regression.
    sklearn.ensemble.StackingClassifier : Every member sees the same X.

    Notes
    -----
    Missing modalities. A member is present for a sample when the sample has
    all of the modalities the member names (``X.is_missing``); members
    selecting by ``None``, columns or a callable are always present. At fit,
    each member trains on its present rows. At predict, each sample is fused
    from the members present, weights renormalised over them; with stacking,
    an absent member's probabilities are replaced by the training class
    frequencies (so the final estimator sees an uninformative member). A
    sample with no member present raises a ValueError.

    Which rule. The product rule suits members whose probabilities are
    calibrated (``SVC(probability=True)``, logistic regression): on AV-MNIST
    (leave-2-speakers-out), ``SVC(C=10, probability=True)`` on PCA(100) of
    HOG features of deskewed digits and ``SVC(probability=True)`` on
    standardized MFCC statistics fuse by the product rule to about 0.998
    accuracy (recipe in ``benchmarks/bench_late_fusion.py``). Members with
    poorly scaled outputs (decision values, naive Bayes) may gain from
    ``calibration="temperature"`` or ``"stacking"``, with a ``cv`` that
    holds out what the test data will lack (for example speakers, through
    ``GroupKFold`` and ``groups``); :class:`LateFusionClassifierCV` compares
    the rules on one set of out-of-fold predictions.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skfusion import LateFusionClassifier
    >>> from skfusion.datasets import make_multimodal_classification
    >>> X, y = make_multimodal_classification(120, random_state=0)
    >>> flat = FunctionTransformer(lambda a: a.reshape(len(a), -1))
    >>> clf = LateFusionClassifier([
    ...     ("img", make_pipeline(flat, LogisticRegression()), "image"),
    ...     ("tab", LogisticRegression(), "table"),
    ... ], fusion="product").fit(X, y)
    >>> clf.modalities_
    ['image', 'table']
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> X_no_image = X.with_missing("image", [0])  # sample 0 is fused from "tab" only
    >>> clf.predict(X_no_image[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **_BaseLateFusion._parameter_constraints,
        "fusion": [StrOptions(set(CLASSIFIER_RULES))],
        "calibration": [None, StrOptions({"temperature"})],
    }
    _estimator_type_is_classifier = True
    _oof_method = "auto"

    def __init__(self, estimators, *, fusion="mean", weights=None, final_estimator=None,
                 calibration=None, cv=5, passthrough=False, memory=None, n_jobs=None,
                 verbose=0):
        super().__init__(estimators, fusion=fusion, weights=weights,
                         final_estimator=final_estimator, cv=cv, passthrough=passthrough,
                         memory=memory, n_jobs=n_jobs, verbose=verbose)
        self.calibration = calibration

    @restore_on_failure
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, sample_weight=None, **fit_params):
        """Fit the members on their modalities, then the fusion.

        Parameters
        ----------
        X : ModalityDict, DataFrame or array-like
            The multimodal input.
        y : array-like of shape (n_samples,)
            Class labels (strings or integers).
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every member's fit (and the final estimator, the learned
            weights and the calibration).
        **fit_params : dict
            With metadata routing enabled, metadata for the members, the
            splitter (``groups``) and the final estimator. Without it, only
            ``groups`` (for ``cv``).

        Returns
        -------
        self : LateFusionClassifier
        """
        fitted = self._fit_members_and_oof(X, y, sample_weight, fit_params,
                                           self._needs_oof(self.fusion))
        self._fit_fusion(self.fusion, *fitted)
        return self

    def _needs_oof(self, rule):
        return (rule == "stacking" or self.calibration is not None
                or (rule == "weighted" and self.weights is None))

    def _fit_members_and_oof(self, X, y, sample_weight, fit_params, need_oof):
        """Fit the members; return what the fusion is fitted on."""
        names, _, _ = self._validate_members()
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
        X = self._check_input(X, y, reset=True)
        y = self._encode_labels(y)
        member_params, split_params, final_params = self._route(names, sample_weight,
                                                                fit_params)
        present = self._presence(X)
        oof = self._fit_members(X, y, present, member_params, split_params, need_oof)
        self.output_methods_ = [output_method(member) for member in self.estimators_]
        self.temperatures_ = np.ones(len(names))
        self.member_scores_ = None
        if not need_oof:
            return X, y, None, None, sample_weight, final_params
        logits, oof_present = self._oof_logits(oof, len(y))
        if self.calibration == "temperature":
            self._fit_temperatures(logits, oof_present, y, sample_weight)
        probas = np.stack([logits_to_proba(logits[i], t)
                           for i, t in enumerate(self.temperatures_)])
        self.member_scores_ = {
            name: float(np.mean(probas[i, oof_present[i]].argmax(axis=1)
                                == y[oof_present[i]]))
            for i, name in enumerate(names)
        }
        return X, y, probas, oof_present, sample_weight, final_params

    def _encode_labels(self, y):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        self.class_prior_ = np.bincount(encoder.transform(y)) / len(y)
        return encoder.transform(y)

    def _class_index(self, i, member_classes):
        """A member's classes as indices into ``classes_``."""
        if not self._is_prefit(self.estimators[i][1]):
            return np.asarray(member_classes, dtype=int)
        index = np.searchsorted(self.classes_, member_classes)
        index = np.clip(index, 0, len(self.classes_) - 1)
        if not np.array_equal(self.classes_[index], member_classes):
            raise ValueError(
                f"prefit member {self.estimators[i][0]!r} knows classes {member_classes}, "
                f"not all among the training labels {self.classes_}"
            )
        return index

    def _oof_logits(self, oof, n_samples):
        n_classes = len(self.classes_)
        logits = np.zeros((len(oof), n_samples, n_classes))
        present = np.zeros((len(oof), n_samples), dtype=bool)
        for i, folds in enumerate(oof):
            for test, output, classes, method in folds:
                logits[i, test] = aligned_logits(output, method, self._class_index(i, classes),
                                                 n_classes, raw_classes=classes)
                present[i, test] = True
        return logits, present

    def _fit_temperatures(self, logits, present, y, sample_weight):
        for i in range(len(logits)):
            rows = present[i]
            weight = None if sample_weight is None else np.asarray(sample_weight)[rows]
            self.temperatures_[i] = fit_temperature(logits[i, rows], y[rows], weight)

    def _fit_fusion(self, rule, X, y, probas, present, sample_weight, final_params):
        """Fit what the rule needs on out-of-fold probabilities (weights, stacker)."""
        self.fusion_ = rule
        n_members = len(self.estimators)
        if rule == "weighted" and self.weights is None:
            self.weights_ = learn_weights(probas, present, y, sample_weight=sample_weight)
        elif self.weights is not None:
            weights = np.asarray(self.weights, dtype=float)
            self.weights_ = weights / weights.sum()
        else:
            self.weights_ = np.full(n_members, 1.0 / n_members)
        self.final_estimator_ = None
        if rule == "stacking":
            self.final_estimator_ = self._fit_final_estimator(X, y, probas, present,
                                                              final_params)

    def _fit_final_estimator(self, X, y, probas, present, final_params):
        final = clone(self.final_estimator if self.final_estimator is not None
                      else LogisticRegression())
        rows = np.flatnonzero(present.any(axis=0))
        features = self._stack(self._member_features(probas, present), X)
        with self._naming_passthrough_nan(X, final):
            return final.fit(features[rows], y[rows],
                             **rows_of_params(final_params, rows, len(y)))

    def _member_features(self, probas, present):
        """Stacking features: absent members replaced by the class prior."""
        filled = np.where(present[:, :, None], probas, self.class_prior_)
        if filled.shape[2] == 2:
            filled = filled[:, :, 1:]
        return filled.transpose(1, 0, 2).reshape(filled.shape[1], -1)

    # -- prediction ------------------------------------------------------------------

    def _member_probas(self, X):
        """Members' probabilities (n_members, n_samples, n_classes) and presence."""
        X = self._check_input(X, reset=False)
        present = self._presence(X)
        names = [name for name, _, _ in self.estimators]
        self._check_coverage(present, names, "to predict")
        n_classes = len(self.classes_)
        shape = (len(names), X.shape[0], n_classes)
        # absent members' rows are never read by the rules; defined all the same
        probas = np.empty(shape) if present.all() else np.full(shape, 1.0 / n_classes)
        for i, (member, method) in enumerate(zip(self.estimators_, self.output_methods_)):
            if not present[i].any():
                continue
            rows = present_rows(present[i])
            output = self._member_output(i, method, X, rows)
            probas[i, rows] = aligned_proba(output, method, self._class_index(i, member.classes_),
                                            n_classes, self.temperatures_[i],
                                            raw_classes=member.classes_)
        return X, probas, present

    def _final_features(self, X, probas, present):
        return self._stack(self._member_features(probas, present), X)

    @available_if(_can_predict_proba)
    def predict_proba(self, X):
        """Fused class probabilities.

        Parameters
        ----------
        X : ModalityDict, DataFrame or array-like
            Samples; a sample may lack some modalities.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X, probas, present = self._member_probas(X)
        if self.fusion_ != "stacking":
            return fuse_probas(self.fusion_, probas, present, self.weights_)
        final = self.final_estimator_
        out = np.zeros((probas.shape[1], len(self.classes_)))
        with self._naming_passthrough_nan(X, final):
            out[:, final.classes_.astype(int)] = final.predict_proba(
                self._final_features(X, probas, present))
        return out

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : ModalityDict, DataFrame or array-like
            Samples; a sample may lack some modalities.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        if self.fusion_ == "vote":
            _, probas, present = self._member_probas(X)
            return self.classes_[vote(probas, present, self.weights_)]
        if self.fusion_ == "stacking":
            X, probas, present = self._member_probas(X)
            with self._naming_passthrough_nan(X, self.final_estimator_):
                codes = self.final_estimator_.predict(self._final_features(X, probas, present))
            return self.classes_[np.asarray(codes, dtype=int)]
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
