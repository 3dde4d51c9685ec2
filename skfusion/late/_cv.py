"""LateFusionClassifierCV: every fusion rule scored on one set of out-of-fold predictions."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import check_scoring
from sklearn.utils.metaestimators import available_if

from ..utils._sklearn_compat import _fit_context
from ..utils._fit_state import restore_on_failure
from ._classifier import LateFusionClassifier
from ._rules import CLASSIFIER_RULES, fuse_probas, learn_weights, vote

__all__ = ["LateFusionClassifierCV"]

class LateFusionClassifierCV(LateFusionClassifier):
    """Late fusion whose rule is chosen by cross-validation, members fitted once.

    As ``LogisticRegressionCV`` chooses C, this fits the members and their
    out-of-fold predictions once, scores every rule in ``fusions`` on those
    predictions, and keeps the best. A GridSearchCV over
    ``LateFusionClassifier(fusion=...)`` makes the same choice by refitting
    (or, with ``memory``, reloading) the members for every candidate.

    Parameters
    ----------
    estimators : list of (str, estimator, modality) triples
        The members, as in :class:`LateFusionClassifier`.
    fusions : list of str, default=None
        The rules to compare; ``None`` is all of them: ``"mean"``,
        ``"weighted"``, ``"product"``, ``"max"``, ``"min"``, ``"median"``,
        ``"vote"``, ``"stacking"``. Ties go to the earlier rule.
    weights : array-like of shape (n_members,), default=None
        As in :class:`LateFusionClassifier` (``None``: learned for
        ``"weighted"``).
    final_estimator : classifier, default=None
        For ``"stacking"``; ``None`` is ``LogisticRegression()``.
    calibration : {None, "temperature"}, default=None
        Per-member temperature scaling, fitted on the out-of-fold logits.
    stack_method : {"auto", "predict_proba", "decision_function", "predict"}, \
default="auto"
        What each member contributes, as in :class:`LateFusionClassifier`.
    scoring : str, callable or None, default=None
        How a rule's out-of-fold outputs are scored, as ``scoring`` in
        LogisticRegressionCV: a scorer name (``"neg_log_loss"``,
        ``"balanced_accuracy"``...), a scorer ``scorer(estimator, X, y)``
        (``sklearn.metrics.make_scorer``) or None for accuracy; higher is
        better, and it receives ``sample_weight``. ``"vote"`` has no
        probabilities: with a scorer that needs them it scores ``-inf``.
    cv : int, cross-validation generator or iterable, default=5
        Splits for the members' out-of-fold predictions, and for scoring the
        rules that learn from them (``groups`` reaches it).
    passthrough : bool, str or list of str, default=False
        As in :class:`LateFusionClassifier`.
    memory : str, joblib.Memory or None, default=None
        Cache of the members' fits and out-of-fold predictions.
    n_jobs : int, default=None
        Jobs fitting members and folds in parallel.
    verbose : int, default=0
        Verbosity of the joblib jobs.

    Attributes
    ----------
    fusion_ : str
        The chosen rule.
    scores_ : dict
        Out-of-fold score of each rule. Rules that learn from the out-of-fold
        predictions (``"stacking"``, ``"weighted"`` with learned weights) are
        fitted on the other folds of ``cv`` and scored on each held-out fold,
        so that they are not scored on the rows they learned from (nor, with
        ``GroupKFold`` and ``groups``, on the groups they learned from).
    estimators_, named_estimators_, classes_, class_prior_, modalities_, \
weights_, final_estimator_, temperatures_, output_methods_, stack_method_, \
member_scores_
        As in :class:`LateFusionClassifier`, for the chosen rule.

    See Also
    --------
    LateFusionClassifier : Late fusion with a given rule.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skfusion import LateFusionClassifierCV, ModalityDict
    >>> from skfusion.datasets import make_multimodal_classification
    >>> X, y = make_multimodal_classification(150, random_state=0, image_shape=(4, 4))
    >>> X = ModalityDict(image=X["image"].reshape(150, -1), table=X["table"])
    >>> clf = LateFusionClassifierCV([
    ...     ("img", LogisticRegression(), "image"), ("tab", LogisticRegression(), "table"),
    ... ], fusions=["mean", "product", "stacking"], cv=3).fit(X, y)
    >>> sorted(clf.scores_)
    ['mean', 'product', 'stacking']
    >>> clf.fusion_ in clf.scores_
    True
    """

    _parameter_constraints = {
        **{k: v for k, v in LateFusionClassifier._parameter_constraints.items()
           if k != "fusion"},
        "fusions": [list, tuple, None],
        "scoring": [str, callable, None],
    }

    def __init__(self, estimators, *, fusions=None, weights=None, final_estimator=None,
                 stack_method="auto", calibration=None, scoring=None, cv=5,
                 passthrough=False, memory=None, n_jobs=None, verbose=0):
        self.estimators = estimators
        self.fusions = fusions
        self.weights = weights
        self.final_estimator = final_estimator
        self.stack_method = stack_method
        self.calibration = calibration
        self.scoring = scoring
        self.cv = cv
        self.passthrough = passthrough
        self.memory = memory
        self.n_jobs = n_jobs
        self.verbose = verbose

    @restore_on_failure
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, sample_weight=None, **fit_params):
        """Fit the members once, score every rule, keep the best.

        Parameters
        ----------
        X : ModalityDict, DataFrame, array-like or sparse matrix
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the members' fits, to the rules that learn (weights,
            final estimator, temperatures) and to the scorer.
        **fit_params : dict
            Metadata, routed as in :class:`LateFusionClassifier`; ``groups``
            reaches ``cv``, whose splits serve both the members' out-of-fold
            predictions and the scoring of the rules that learn.

        Returns
        -------
        self : LateFusionClassifierCV
        """
        rules = list(self.fusions) if self.fusions is not None else list(CLASSIFIER_RULES)
        unknown = sorted(set(rules) - set(CLASSIFIER_RULES))
        if unknown or not rules:
            raise ValueError(f"fusions must be a non-empty list among {CLASSIFIER_RULES}, "
                             f"got unknown {unknown}")
        scorer = check_scoring(_RuleOutputs(np.arange(2), None, None), scoring=self.scoring)
        state = self._fit_members_and_oof(X, y, sample_weight, fit_params, rules)
        usable = state.present.any(axis=0)
        self.scores_ = {rule: self._score_rule(rule, state, usable, scorer) for rule in rules}
        best = max(rules, key=lambda rule: self.scores_[rule])
        self._fit_fusion(best, state)
        return self

    def _needs_oof(self, rule):
        return True

    def _score_rule(self, rule, state, usable, scorer):
        """The scorer on the rule's out-of-fold outputs over the usable rows."""
        rows = np.flatnonzero(usable)
        proba = self._oof_rule_proba(rule, state, usable)
        if proba is None:
            codes = vote(state.votes[:, rows], state.present[:, rows],
                         self._rule_weights(), len(self.classes_))
        else:
            codes = proba.argmax(axis=1)
        outputs = _RuleOutputs(self.classes_, self.classes_[codes], proba)
        weight = None if state.sample_weight is None else state.sample_weight[rows]
        try:
            score = scorer(outputs, np.arange(len(rows))[:, None],
                           self.classes_[state.y[rows]], sample_weight=weight)
        except AttributeError:
            if proba is not None:
                raise
            return -np.inf  # the scorer needs probabilities, which "vote" lacks
        return float(score)

    def _rule_weights(self):
        weights = self._active_weights()
        return np.ones(len(self._members)) if weights is None else weights

    def _oof_rule_proba(self, rule, state, usable):
        """The rule's probabilities on the usable rows (None for "vote").

        Rules that learn are fitted on the out-of-fold outputs of the other
        folds of ``cv`` and predict the held-out fold's.
        """
        if rule == "vote":
            return None
        rows = np.flatnonzero(usable)
        learns = rule == "stacking" or (rule == "weighted" and self.weights is None)
        if not learns:
            return fuse_probas(rule, state.probas[:, rows], state.present[:, rows],
                               self._rule_weights())
        out = np.full((len(state.y), len(self.classes_)), np.nan)
        for train, test in state.folds:
            train, test = train[usable[train]], test[usable[test]]
            if len(test):
                out[test] = self._learned_proba(rule, state, train, test)
        return out[rows]

    def _learned_proba(self, rule, state, train, test):
        if rule == "weighted":
            weight = None if state.sample_weight is None else state.sample_weight[train]
            weights = learn_weights(state.probas[:, train], state.present[:, train],
                                    state.y[train], sample_weight=weight)
            return fuse_probas("mean", state.probas[:, test], state.present[:, test], weights)
        final = self._fit_final_estimator(state, rows=train)
        out = np.zeros((len(test), len(self.classes_)))
        with self._naming_passthrough_nan(state.X, final):
            out[:, final.classes_.astype(int)] = final.predict_proba(state.features[test])
        return out


class _RuleOutputs(ClassifierMixin, BaseEstimator):
    """A rule's out-of-fold outputs, replayed for a scorer.

    The scorer's "X" holds row positions into ``labels`` and ``proba``.
    """

    def __init__(self, classes, labels, proba):
        self.classes = classes
        self.labels = labels
        self.proba = proba

    @property
    def classes_(self):
        return self.classes

    def __sklearn_is_fitted__(self):
        return True

    def fit(self, X=None, y=None):
        """Nothing to fit: the outputs are given."""
        return self

    def predict(self, X):
        return self.labels[np.asarray(X)[:, 0]]

    @available_if(lambda self: self.proba is not None)
    def predict_proba(self, X):
        return self.proba[np.asarray(X)[:, 0]]
