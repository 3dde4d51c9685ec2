"""LateFusionClassifierCV: every fusion rule scored on one set of out-of-fold predictions."""

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import StratifiedKFold

from ..utils._sklearn_compat import StrOptions, _fit_context
from ..utils._fit_state import restore_on_failure
from ._classifier import LateFusionClassifier
from ._rules import CLASSIFIER_RULES, fuse_probas, learn_weights, vote

__all__ = ["LateFusionClassifierCV"]

# folds over the out-of-fold predictions for the rules that learn something
_NESTED_FOLDS = 5


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
    scoring : {"accuracy", "neg_log_loss"} or callable, default="accuracy"
        How a rule's out-of-fold predictions are scored; a callable is a
        metric ``score(y_true, y_pred)`` on labels, higher is better. With
        ``"neg_log_loss"``, ``"vote"`` (no probabilities) scores ``-inf``.
    cv : int, cross-validation generator or iterable, default=5
        Splits for the members' out-of-fold predictions.
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
        scored by a further 5-fold cross-validation over them, so that they
        are not scored on the rows they learned from.
    estimators_, named_estimators_, classes_, class_prior_, modalities_, \
weights_, final_estimator_, temperatures_, output_methods_, member_scores_
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
        "fusions": [list, None],
        "scoring": [StrOptions({"accuracy", "neg_log_loss"}), callable],
    }

    def __init__(self, estimators, *, fusions=None, weights=None, final_estimator=None,
                 calibration=None, scoring="accuracy", cv=5, passthrough=False,
                 memory=None, n_jobs=None, verbose=0):
        self.estimators = estimators
        self.fusions = fusions
        self.weights = weights
        self.final_estimator = final_estimator
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
        X : ModalityDict, DataFrame or array-like
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        **fit_params : dict
            Metadata, routed as in :class:`LateFusionClassifier`.

        Returns
        -------
        self : LateFusionClassifierCV
        """
        rules = list(self.fusions) if self.fusions is not None else list(CLASSIFIER_RULES)
        unknown = sorted(set(rules) - set(CLASSIFIER_RULES))
        if unknown or not rules:
            raise ValueError(f"fusions must be a non-empty list among {CLASSIFIER_RULES}, "
                             f"got unknown {unknown}")
        X, y, probas, present, sw, final_params = self._fit_members_and_oof(
            X, y, sample_weight, fit_params, need_oof=True)
        usable = np.flatnonzero(present.any(axis=0))
        self.scores_ = {rule: self._score_rule(rule, X, y, probas, present, usable)
                        for rule in rules}
        best = max(rules, key=lambda rule: self.scores_[rule])
        self._fit_fusion(best, X, y, probas, present, sw, final_params)
        return self

    def _score_rule(self, rule, X, y, probas, present, usable):
        proba = self._oof_rule_proba(rule, X, y, probas, present, usable)
        y_true = y[usable]
        if self.scoring == "neg_log_loss":
            if proba is None:
                return -np.inf
            return -log_loss(y_true, proba, labels=np.arange(len(self.classes_)))
        if proba is None:
            codes = vote(probas[:, usable], present[:, usable], self._rule_weights())
        else:
            codes = proba.argmax(axis=1)
        metric = accuracy_score if self.scoring == "accuracy" else self.scoring
        return float(metric(self.classes_[y_true], self.classes_[codes]))

    def _rule_weights(self):
        n_members = len(self.estimators)
        weights = np.ones(n_members) if self.weights is None else np.asarray(self.weights)
        return weights / weights.sum()

    def _oof_rule_proba(self, rule, X, y, probas, present, usable):
        """The rule's probabilities on the usable rows (None for "vote")."""
        if rule == "vote":
            return None
        learns = rule == "stacking" or (rule == "weighted" and self.weights is None)
        if not learns:
            return fuse_probas(rule, probas[:, usable], present[:, usable],
                               self._rule_weights())
        out = np.zeros((len(usable), len(self.classes_)))
        folds = StratifiedKFold(_NESTED_FOLDS, shuffle=True, random_state=0)
        for train, test in folds.split(usable, y[usable]):
            out[test] = self._learned_proba(rule, X, y, probas, present,
                                            usable[train], usable[test])
        return out

    def _learned_proba(self, rule, X, y, probas, present, train, test):
        if rule == "weighted":
            weights = learn_weights(probas[:, train], present[:, train], y[train])
            return fuse_probas("mean", probas[:, test], present[:, test], weights)
        features = self._stack(self._member_features(probas, present), X)
        final = clone(self.final_estimator if self.final_estimator is not None
                      else LogisticRegression())
        out = np.zeros((len(test), len(self.classes_)))
        with self._naming_passthrough_nan(X, final):
            final.fit(features[train], y[train])
            out[:, final.classes_.astype(int)] = final.predict_proba(features[test])
        return out
