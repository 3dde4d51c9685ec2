"""LateFusionClassifier: one classifier per modality, their probabilities fused."""

import numpy as np
from sklearn.base import ClassifierMixin, clone, is_regressor
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import Bunch
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..data import rows_of_params
from ..utils._sklearn_compat import StrOptions, _fit_context
from ..utils._fit_state import restore_on_failure
from ._base import ALL_ROWS, _BaseLateFusion, present_rows
from ._calibration import (aligned_logits, aligned_proba, aligned_probas, fit_temperature,
                           logits_to_proba)
from ._rules import CLASSIFIER_RULES, fuse_probas, learn_weights, vote, weighted_mean

__all__ = ["LateFusionClassifier"]

STACK_METHODS = ("auto", "predict_proba", "decision_function", "predict")


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
    estimators : list or tuple of (str, estimator, modality) triples
        The members. ``modality`` is a modality name, a list of names (the
        member gets a ModalityDict, e.g. an EarlyFusion pipeline), columns
        of a DataFrame or 2-D array, or ``None`` for all of X. A member may be
        any classifier, a Pipeline, a skorch net, a prefit
        ``sklearn.frozen.FrozenEstimator`` (never refitted; its out-of-fold
        outputs are its predictions on the training rows), or ``"drop"`` to
        leave it out (``set_params(audio="drop")``, as in StackingClassifier).
        Members are fitted on integer-encoded labels, except prefit ones. A
        regressor member is read by ``fusion="stacking"`` only (its
        predictions are a stacking feature, as in StackingClassifier).
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
        - ``"vote"``: weighted hard majority of the members' ``predict``, as
          ``VotingClassifier(voting="hard")``: a tie goes to the lowest class
          (in the order of ``classes_``). No ``predict_proba``.
        - ``"stacking"``: ``final_estimator`` fitted on the members'
          out-of-fold outputs (see ``stack_method``), as StackingClassifier
          does.
    weights : array-like of shape (n_members,), default=None
        Member weights for ``"mean"``, ``"weighted"``, ``"product"`` and
        ``"vote"``, one per member (those of ``"drop"`` members are
        ignored); ``None`` is equal weights (learned for ``"weighted"``).
    final_estimator : classifier, default=None
        The stacking classifier; ``None`` is ``LogisticRegression()``.
    stack_method : {"auto", "predict_proba", "decision_function", "predict"}, \
default="auto"
        The method each member contributes with, as in StackingClassifier:
        ``"auto"`` tries ``predict_proba``, then ``decision_function``, then
        ``predict``. Stacking reads the outputs as StackingClassifier stacks
        them (probabilities with the first column dropped when binary, decision
        values, or the predicted class index). The other rules read class
        probabilities: those of ``predict_proba``, the softmax of
        ``decision_function`` (the sigmoid when binary; not calibrated: wrap
        the member in :class:`PairwiseCalibratedClassifier`, or see
        ``calibration``), or a one-hot vote from ``predict``.
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
        a plain array X, kept sparse when X is). Rows missing such a modality
        pass NaN, which the final estimator must accept (an error names the
        modality otherwise).
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
        The fitted members, in order, without the ``"drop"`` ones. As in
        StackingClassifier, they are fitted on the labels' indices into
        ``classes_`` (prefit members keep their own labels).
    named_estimators_ : Bunch
        The fitted members by name (``"drop"`` for dropped ones).
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
        The weights of the members that are not ``"drop"``, summing to one.
    final_estimator_ : estimator or None
        The fitted stacking classifier (None for other rules).
    temperatures_ : ndarray of shape (n_members,)
        Each member's temperature (ones without calibration).
    output_methods_ : list of str
        The method each member (not ``"drop"``) contributes with.
    stack_method_ : list of str
        The same, under StackingClassifier's name.
    member_scores_ : dict or None
        Each member's out-of-fold accuracy on its rows (NaN for a regressor
        member), when out-of-fold predictions were computed, else None.
    n_features_in_ : int
        Number of features when X is a plain array (only then).

    See Also
    --------
    LateFusionClassifierCV : Chooses the rule by cross-validation.
    PairwiseCalibratedClassifier : Calibrated probabilities for SVC members.
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
    calibrated (logistic regression; an SVC wrapped in
    :class:`PairwiseCalibratedClassifier`, which computes the probabilities
    of the deprecated ``SVC(probability=True)``): on AV-MNIST
    (leave-2-speakers-out), ``PairwiseCalibratedClassifier(SVC(C=10))`` on
    PCA(100) of HOG features of deskewed digits and
    ``PairwiseCalibratedClassifier(SVC())`` on standardized MFCC statistics
    fuse by the product rule to about 0.998 accuracy (recipe in
    ``benchmarks/bench_late_fusion.py``). Members with
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
        "stack_method": [StrOptions(set(STACK_METHODS))],
        "calibration": [None, StrOptions({"temperature"})],
    }
    _estimator_type_is_classifier = True

    def __init__(self, estimators, *, fusion="mean", weights=None, final_estimator=None,
                 stack_method="auto", calibration=None, cv=5, passthrough=False,
                 memory=None, n_jobs=None, verbose=0):
        super().__init__(estimators, fusion=fusion, weights=weights,
                         final_estimator=final_estimator, cv=cv, passthrough=passthrough,
                         memory=memory, n_jobs=n_jobs, verbose=verbose)
        self.stack_method = stack_method
        self.calibration = calibration

    @restore_on_failure
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, sample_weight=None, **fit_params):
        """Fit the members on their modalities, then the fusion.

        Parameters
        ----------
        X : ModalityDict, DataFrame, array-like or sparse matrix
            The multimodal input.
        y : array-like of shape (n_samples,)
            Class labels (strings or integers).
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every member's fit (and the final estimator, the learned
            weights and the calibration).
        **fit_params : dict
            With metadata routing enabled, metadata for the members, the
            splitter (``groups``) and the final estimator. Without it, only
            ``groups`` (for ``cv``); other metadata raise a ValueError, as in
            scikit-learn.

        Returns
        -------
        self : LateFusionClassifier
        """
        state = self._fit_members_and_oof(X, y, sample_weight, fit_params, [self.fusion])
        self._fit_fusion(self.fusion, state)
        return self

    def _needs_oof(self, rule):
        return (rule == "stacking" or self.calibration is not None
                or (rule == "weighted" and self.weights is None))

    def _fit_members_and_oof(self, X, y, sample_weight, fit_params, rules):
        """Fit the members (and their out-of-fold outputs if ``rules`` need them).

        Returns a Bunch with what the fusion is fitted on: ``X``, ``y``
        (class indices), ``sample_weight``, ``final_params``, ``folds`` and,
        with out-of-fold outputs, ``probas``, ``present``, ``features`` (the
        stacking features) and ``votes`` (members' predicted class indices,
        when ``"vote"`` is among ``rules``).
        """
        names, estimators, _ = self._validate_members()
        self.output_methods_ = [self._resolve_method(name, estimator)
                                for name, estimator in zip(names, estimators)]
        self.stack_method_ = list(self.output_methods_)
        self._check_regressor_members(names, estimators, rules)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
        X = self._check_input(X, y, reset=True)
        y = self._encode_labels(y)
        member_params, split_params, final_params = self._route(names, sample_weight,
                                                                fit_params)
        present = self._presence(X)
        need_oof = any(self._needs_oof(rule) for rule in rules)
        self._oof_votes = need_oof and "vote" in rules
        folds = self._folds(y, split_params) if need_oof else None
        oof = self._fit_members(X, y, present, member_params, folds)
        self._record_passthrough(X)
        self.temperatures_ = np.ones(len(names))
        self.member_scores_ = None
        state = Bunch(X=X, y=y, sample_weight=sample_weight, final_params=final_params,
                      folds=folds)
        if not need_oof:
            return state
        logits, values, votes, oof_present = self._oof_outputs(oof, len(y))
        if self.calibration == "temperature":
            self._fit_temperatures(logits, oof_present, y, sample_weight)
        probas = np.stack([logits_to_proba(logits[i], t)
                           for i, t in enumerate(self.temperatures_)])
        self.member_scores_ = {
            name: (float(np.mean(probas[i, oof_present[i]].argmax(axis=1)
                                 == y[oof_present[i]]))
                   if not self._is_regressor_member(i) else float("nan"))
            for i, name in enumerate(names)
        }
        self._stack_fill = self._fit_stack_fill(logits, values, oof_present)
        state.update(probas=probas, present=oof_present, votes=votes,
                     features=self._stack(self._stack_features(logits, values, oof_present),
                                          X))
        return state

    def _resolve_method(self, name, estimator):
        """The method a member contributes with, as StackingClassifier resolves it."""
        if is_regressor(estimator):
            if self.stack_method not in ("auto", "predict"):
                raise ValueError(
                    f"Underlying estimator {name} does not implement the method "
                    f"{self.stack_method}: it is a regressor, which contributes its "
                    "predictions (stack_method='predict' or 'auto')"
                )
            return "predict"
        candidates = (["predict_proba", "decision_function", "predict"]
                      if self.stack_method == "auto" else [self.stack_method])
        for method in candidates:
            if hasattr(estimator, method):
                return method
        raise ValueError(
            f"Underlying estimator {name} does not implement the method {self.stack_method}."
        )

    def _check_regressor_members(self, names, estimators, rules):
        """A regressor member has no class probabilities: only stacking reads it."""
        regressors = [name for name, estimator in zip(names, estimators)
                      if is_regressor(estimator)]
        others = [rule for rule in rules if rule != "stacking"]
        if regressors and others:
            raise ValueError(
                f"member {regressors[0]!r} is a regressor: it has no class probabilities "
                f"or votes for fusion={others[0]!r}; a regressor member can only be fused "
                "by fusion='stacking', whose final estimator reads its predictions (as "
                "StackingClassifier does)"
            )

    def _is_regressor_member(self, i):
        return is_regressor(self._members[i][1])

    def _fold_methods(self, i):
        method = self.output_methods_[i]
        if self._oof_votes and method != "predict":
            return (method, "predict")
        return (method,)

    def _encode_labels(self, y):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        self.class_prior_ = np.bincount(encoder.transform(y)) / len(y)
        return encoder.transform(y)

    def _class_index(self, i, member_classes):
        """A member's classes as indices into ``classes_``."""
        if not self._is_prefit(self._members[i][1]):
            return np.asarray(member_classes, dtype=int)
        index = np.searchsorted(self.classes_, member_classes)
        index = np.clip(index, 0, len(self.classes_) - 1)
        if not np.array_equal(self.classes_[index], member_classes):
            raise ValueError(
                f"prefit member {self._members[i][0]!r} knows classes {member_classes}, "
                f"not all among the training labels {self.classes_}"
            )
        return index

    def _proba_index(self, i, member_classes):
        """``_class_index``, or None where a member fitted here saw every class
        (its classes are then the fused classes, in order)."""
        if len(member_classes) == len(self.classes_) and not self._is_prefit(self._members[i][1]):
            return None
        return self._class_index(i, member_classes)

    def _codes(self, i, labels, member_classes):
        """A member's predicted labels as indices into ``classes_``."""
        positions = np.searchsorted(member_classes, labels)
        return self._class_index(i, member_classes)[positions]

    def _read_output(self, i, method, output, member_classes, rows, logits, values):
        """Store member ``i``'s ``method`` output on ``rows`` as logits and values."""
        if self._is_regressor_member(i):
            values[i, rows] = np.asarray(output, dtype=float).reshape(-1)
            return
        if method == "predict":
            values[i, rows] = self._codes(i, output, member_classes)
        logits[i, rows] = aligned_logits(output, method,
                                         self._class_index(i, member_classes),
                                         len(self.classes_), raw_classes=member_classes)

    def _oof_outputs(self, oof, n_samples):
        """Out-of-fold logits, predict values, votes and presence, per member."""
        n_members, n_classes = len(oof), len(self.classes_)
        logits = np.zeros((n_members, n_samples, n_classes))
        values = np.zeros((n_members, n_samples))
        votes = np.zeros((n_members, n_samples), dtype=int) if self._oof_votes else None
        present = np.zeros((n_members, n_samples), dtype=bool)
        for i, folds in enumerate(oof):
            methods = self._fold_methods(i)
            for test, outputs, classes in folds:
                self._read_output(i, methods[0], outputs[0], classes, test, logits, values)
                if votes is not None:
                    votes[i, test] = self._codes(i, outputs[-1], classes)
                present[i, test] = True
        return logits, values, votes, present

    def _fit_temperatures(self, logits, present, y, sample_weight):
        for i in range(len(logits)):
            if self._is_regressor_member(i):
                continue
            rows = present[i]
            weight = None if sample_weight is None else np.asarray(sample_weight)[rows]
            self.temperatures_[i] = fit_temperature(logits[i, rows], y[rows], weight)

    # -- stacking features -------------------------------------------------------

    def _member_block(self, i, logits, values):
        """Member ``i``'s stacking features, as StackingClassifier stacks them.

        Probabilities (the first column dropped when binary), decision values
        (one column when binary) or predictions (one column), after the
        member's temperature.
        """
        method = self.output_methods_[i]
        if method == "predict":
            return values[i][:, None]
        scaled = logits[i] / self.temperatures_[i]
        binary = len(self.classes_) == 2
        if method == "predict_proba":
            proba = logits_to_proba(scaled)
            return proba[:, 1:] if binary else proba
        return scaled[:, 1:] - scaled[:, :1] if binary else scaled

    def _fit_stack_fill(self, logits, values, present):
        """What an absent member's stacking features are: the class prior for
        probabilities, else the mean of its out-of-fold features."""
        fills = []
        for i, method in enumerate(self.output_methods_):
            if method == "predict_proba":
                prior = self.class_prior_
                fills.append(prior[1:] if len(prior) == 2 else prior)
                continue
            block = self._member_block(i, logits, values)[present[i]]
            fills.append(block.mean(axis=0) if len(block) else np.zeros(block.shape[1]))
        return fills

    def _stack_features(self, logits, values, present):
        """The members' stacking features, absent members filled."""
        blocks = [np.where(present[i][:, None], self._member_block(i, logits, values),
                           self._stack_fill[i])
                  for i in range(len(self._members))]
        return np.hstack(blocks)

    # -- fitting the fusion ------------------------------------------------------

    def _fit_fusion(self, rule, state):
        """Fit what the rule needs on out-of-fold outputs (weights, stacker)."""
        self.fusion_ = rule
        n_members = len(self._members)
        weights = self._active_weights()
        if rule == "weighted" and weights is None:
            self.weights_ = learn_weights(state.probas, state.present, state.y,
                                          sample_weight=state.sample_weight)
        elif weights is not None:
            self.weights_ = weights / weights.sum()
        else:
            self.weights_ = np.full(n_members, 1.0 / n_members)
        self.final_estimator_ = None
        if rule == "stacking":
            self.final_estimator_ = self._fit_final_estimator(state)

    def _fit_final_estimator(self, state, rows=None):
        """Fit a clone of the final estimator on the stacking features of ``rows``
        (default: the rows where a member is present)."""
        final = clone(self.final_estimator if self.final_estimator is not None
                      else LogisticRegression())
        if rows is None:
            rows = np.flatnonzero(state.present.any(axis=0))
        with self._naming_passthrough_nan(state.X, final):
            return final.fit(state.features[rows], state.y[rows],
                             **rows_of_params(state.final_params, rows, len(state.y)))

    # -- prediction ------------------------------------------------------------------

    def _member_outputs(self, X, methods=None):
        """Members' logits, predict values and presence on X.

        Returns ``(X, logits, values, present)``; ``logits`` has shape
        (n_members, n_samples, n_classes), ``values`` (n_members, n_samples).
        """
        X = self._check_input(X, reset=False)
        present = self._presence(X)
        self._check_coverage(present, [name for name, _, _ in self._members], "to predict")
        methods = self.output_methods_ if methods is None else methods
        n_members, n_samples = present.shape
        logits = np.zeros((n_members, n_samples, len(self.classes_)))
        values = np.zeros((n_members, n_samples))
        for i, (member, method) in enumerate(zip(self.estimators_, methods)):
            if present[i].any():
                rows = present_rows(present[i])
                output = self._member_output(i, method, X, rows)
                self._read_output(i, method, output, getattr(member, "classes_", None),
                                  rows, logits, values)
        return X, logits, values, present

    def _member_probas(self, X):
        """Members' probabilities (n_members, n_samples, n_classes) and presence,
        read straight from their outputs (see ``aligned_proba``)."""
        X = self._check_input(X, reset=False)
        present = self._presence(X)
        return self._member_probas_of_checked(X, present)

    def _member_probas_of_checked(self, X, present):
        """``_member_probas`` of an X already checked, with its presence."""
        everywhere = present.all()
        if not everywhere:
            self._check_coverage(present, [name for name, _, _ in self._members], "to predict")
        n_classes = len(self.classes_)
        shape = (len(self._members), X.shape[0], n_classes)
        # absent members' rows are never read by the rules; defined all the same
        probas = np.empty(shape) if everywhere else np.full(shape, 1.0 / n_classes)
        for i, (member, method) in enumerate(zip(self.estimators_, self.output_methods_)):
            if not present[i].any():
                continue
            rows = present_rows(present[i])
            output = self._member_output(i, method, X, rows)
            probas[i, rows] = aligned_proba(output, method, self._proba_index(i, member.classes_),
                                            n_classes, self.temperatures_[i],
                                            raw_classes=member.classes_)
        return X, probas, present

    def _mean_of_all_members(self, X):
        """The weighted mean of the members' probabilities, every member present
        (their outputs aligned together: ``aligned_probas``)."""
        outputs = [self._member_output(i, method, X, ALL_ROWS)
                   for i, method in enumerate(self.output_methods_)]
        probas = aligned_probas(
            outputs, self.output_methods_,
            [self._proba_index(i, member.classes_) for i, member in enumerate(self.estimators_)],
            len(self.classes_), self.temperatures_.tolist(),
            [member.classes_ for member in self.estimators_])
        return weighted_mean(probas, self.weights_)

    def _member_votes(self, X):
        """Members' predicted class indices (n_members, n_samples) and presence."""
        _, _, values, present = self._member_outputs(X, ["predict"] * len(self._members))
        return values.astype(int), present

    def _final_features(self, X):
        """The checked X and the final estimator's input on it."""
        X, logits, values, present = self._member_outputs(X)
        return X, self._stack(self._stack_features(logits, values, present), X)

    @available_if(_can_predict_proba)
    def predict_proba(self, X):
        """Fused class probabilities.

        Parameters
        ----------
        X : ModalityDict, DataFrame, array-like or sparse matrix
            Samples; a sample may lack some modalities.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        self._check_fitted()
        if self.fusion_ in ("mean", "weighted"):
            X = self._check_input(X, reset=False)
            if self._every_row_present(X):
                return self._mean_of_all_members(X)
            _, probas, present = self._member_probas_of_checked(X, self._presence(X))
            return fuse_probas(self.fusion_, probas, present, self.weights_)
        if self.fusion_ != "stacking":
            _, probas, present = self._member_probas(X)
            return fuse_probas(self.fusion_, probas, present, self.weights_)
        final = self.final_estimator_
        X, features = self._final_features(X)
        out = np.zeros((features.shape[0], len(self.classes_)))
        with self._naming_passthrough_nan(X, final):
            out[:, final.classes_.astype(int)] = final.predict_proba(features)
        return out

    def predict(self, X, **predict_params):
        """Predicted class labels.

        Parameters
        ----------
        X : ModalityDict, DataFrame, array-like or sparse matrix
            Samples; a sample may lack some modalities.
        **predict_params : dict
            For ``fusion="stacking"``, passed to the final estimator's
            ``predict`` (routed to it when metadata routing is enabled), as
            in StackingClassifier.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        self._check_fitted()
        predict_params = self._predict_params(predict_params)
        if self.fusion_ == "vote":
            votes, present = self._member_votes(X)
            return self.classes_[vote(votes, present, self.weights_, len(self.classes_))]
        if self.fusion_ == "stacking":
            X, features = self._final_features(X)
            with self._naming_passthrough_nan(X, self.final_estimator_):
                codes = self.final_estimator_.predict(features, **predict_params)
            return self.classes_[np.asarray(codes, dtype=int)]
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def transform(self, X):
        """The members' outputs that the fusion reads, as scikit-learn's ensembles
        return them.

        - ``fusion="stacking"``: the final estimator's input, as
          ``StackingClassifier.transform``: per member, its probabilities
          (the first column dropped when binary), decision values or
          predicted class index, according to ``stack_method``, then the
          passthrough features;
        - ``fusion="vote"``: each member's predicted class index, as
          ``VotingClassifier(voting="hard").transform``;
        - other rules: each member's probabilities over ``classes_`` (after
          its temperature), as ``VotingClassifier(voting="soft").transform``.

        An absent member (a sample lacking its modalities) gives what stacking
        gives it (the class prior, or its mean out-of-fold features), the
        class prior, or the most frequent class.

        Parameters
        ----------
        X : ModalityDict, DataFrame, array-like or sparse matrix
            Samples; a sample may lack some modalities.

        Returns
        -------
        Xt : ndarray or sparse matrix of shape (n_samples, n_features_out)
            Sparse when stacking passes a sparse X through.
        """
        check_is_fitted(self)
        if self.fusion_ == "stacking":
            return self._final_features(X)[1]
        if self.fusion_ == "vote":
            votes, present = self._member_votes(X)
            return np.where(present, votes, np.argmax(self.class_prior_)).T
        _, probas, present = self._member_probas(X)
        probas = np.where(present[:, :, None], probas, self.class_prior_)
        return probas.transpose(1, 0, 2).reshape(probas.shape[1], -1)

    def _output_widths(self):
        """The number of :meth:`transform` columns of each member."""
        n_classes = len(self.classes_)
        if self.fusion_ == "vote":
            return [1] * len(self._members)
        if self.fusion_ != "stacking":
            return [n_classes] * len(self._members)
        return [1 if method == "predict" or n_classes == 2 else n_classes
                for method in self.output_methods_]
