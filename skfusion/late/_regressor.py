"""LateFusionRegressor: one regressor per modality, their predictions fused."""

import numpy as np
from sklearn.base import RegressorMixin, clone
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..data import rows_of_params
from ..utils._sklearn_compat import StrOptions, _fit_context
from ..utils._fit_state import restore_on_failure
from ._base import _BaseLateFusion, present_rows
from ._rules import REGRESSOR_RULES, fuse_predictions, learn_weights

__all__ = ["LateFusionRegressor"]


class LateFusionRegressor(RegressorMixin, _BaseLateFusion):
    """Fuse the predictions of one regressor per modality.

    The regression counterpart of :class:`LateFusionClassifier`: members are
    ``(name, estimator, modality)`` triples fitted on the rows that have
    their modalities; their predictions are fused per sample over the
    members present.

    Parameters
    ----------
    estimators : list of (str, estimator, modality) triples
        The members (regressors, pipelines, prefit ``FrozenEstimator``).
    fusion : {"mean", "weighted", "median", "stacking"}, default="mean"
        ``"mean"``: weighted mean; ``"weighted"``: the same with weights
        learned on out-of-fold predictions (least squares on the simplex)
        when ``weights=None``; ``"median"``: median of the members present;
        ``"stacking"``: ``final_estimator`` fitted on out-of-fold
        predictions.
    weights : array-like of shape (n_members,), default=None
        Member weights for ``"mean"`` and ``"weighted"``.
    final_estimator : regressor, default=None
        The stacking regressor; ``None`` is ``RidgeCV()``.
    cv : int, cross-validation generator or iterable, default=5
        Splits for the out-of-fold predictions (stacking, learned weights).
    passthrough : bool, str or list of str, default=False
        Modalities also given to the final estimator, as in the classifier.
    memory : str, joblib.Memory or None, default=None
        Cache of the members' fits and out-of-fold predictions.
    n_jobs : int, default=None
        Jobs fitting members and folds in parallel (joblib).
    verbose : int, default=0
        Verbosity of the joblib jobs.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members.
    named_estimators_ : Bunch
        The fitted members by name.
    modalities_ : list of str
        The modality names the members use, in order.
    fusion_ : str
        The rule in use.
    weights_ : ndarray of shape (n_members,)
        The member weights, summing to one.
    final_estimator_ : estimator or None
        The fitted stacking regressor (None for other rules).
    target_mean_ : float
        The (weighted) training mean of y (stacking's stand-in for an absent
        member).
    member_scores_ : dict or None
        Each member's out-of-fold R^2 on its rows, when out-of-fold
        predictions were computed, else None.
    n_features_in_ : int
        Number of features when X is a plain array (only then).

    See Also
    --------
    LateFusionClassifier : The same for classification.
    sklearn.ensemble.StackingRegressor : Every member sees the same X.

    Notes
    -----
    Missing modalities are handled as in :class:`LateFusionClassifier`; for
    stacking, an absent member's prediction is replaced by the training
    mean of y.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skfusion import ModalityDict, LateFusionRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = ModalityDict(a=rng.randn(60, 3), b=rng.randn(60, 2))
    >>> y = X["a"][:, 0] + X["b"][:, 1]
    >>> reg = LateFusionRegressor([("a", Ridge(), "a"), ("b", Ridge(), "b")]).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **_BaseLateFusion._parameter_constraints,
        "fusion": [StrOptions(set(REGRESSOR_RULES))],
    }
    _estimator_type_is_classifier = False

    def __init__(self, estimators, *, fusion="mean", weights=None, final_estimator=None,
                 cv=5, passthrough=False, memory=None, n_jobs=None, verbose=0):
        super().__init__(estimators, fusion=fusion, weights=weights,
                         final_estimator=final_estimator, cv=cv, passthrough=passthrough,
                         memory=memory, n_jobs=n_jobs, verbose=verbose)

    @restore_on_failure
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, sample_weight=None, **fit_params):
        """Fit the members on their modalities, then the fusion.

        Parameters
        ----------
        X : ModalityDict, DataFrame, array-like or sparse matrix
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every member's fit and to the final estimator.
        **fit_params : dict
            Metadata, routed as in :class:`LateFusionClassifier`.

        Returns
        -------
        self : LateFusionRegressor
        """
        names, _, _ = self._validate_members()
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
        X = self._check_input(X, y, reset=True)
        y = column_or_1d(y, warn=True).astype(float)
        member_params, split_params, final_params = self._route(names, sample_weight,
                                                                fit_params)
        need_oof = self.fusion == "stacking" or (self.fusion == "weighted"
                                                 and self.weights is None)
        present = self._presence(X)
        folds = self._folds(y, split_params) if need_oof else None
        oof = self._fit_members(X, y, present, member_params, folds)
        self._record_passthrough(X)
        self.target_mean_ = float(np.average(y, weights=sample_weight))
        self.member_scores_ = None
        predictions = oof_present = None
        if need_oof:
            predictions, oof_present = self._oof_predictions(oof, len(y))
            self.member_scores_ = {
                name: float(r2_score(y[oof_present[i]], predictions[i, oof_present[i]]))
                for i, name in enumerate(names)
            }
        self._fit_fusion(X, y, predictions, oof_present, sample_weight, final_params)
        return self

    @staticmethod
    def _oof_predictions(oof, n_samples):
        predictions = np.zeros((len(oof), n_samples))
        present = np.zeros((len(oof), n_samples), dtype=bool)
        for i, folds in enumerate(oof):
            for test, outputs, _ in folds:
                predictions[i, test] = np.asarray(outputs[0], dtype=float).reshape(-1)
                present[i, test] = True
        return predictions, present

    def _fit_fusion(self, X, y, predictions, present, sample_weight, final_params):
        self.fusion_ = self.fusion
        n_members = len(self._members)
        weights = self._active_weights()
        if self.fusion == "weighted" and weights is None:
            self.weights_ = learn_weights(predictions, present, y,
                                          sample_weight=sample_weight, task="regression")
        elif weights is not None:
            self.weights_ = weights / weights.sum()
        else:
            self.weights_ = np.full(n_members, 1.0 / n_members)
        self.final_estimator_ = None
        if self.fusion == "stacking":
            final = clone(self.final_estimator if self.final_estimator is not None
                          else RidgeCV())
            rows = np.flatnonzero(present.any(axis=0))
            features = self._stack_predictions(X, predictions, present)
            with self._naming_passthrough_nan(X, final):
                self.final_estimator_ = final.fit(features[rows], y[rows],
                                                  **rows_of_params(final_params, rows, len(y)))

    def _stack_predictions(self, X, predictions, present):
        filled = np.where(present, predictions, self.target_mean_)
        return self._stack(filled.T, X)

    def _member_predictions(self, X):
        """Members' predictions (n_members, n_samples) and presence."""
        X = self._check_input(X, reset=False)
        present = self._presence(X)
        self._check_coverage(present, [name for name, _, _ in self._members], "to predict")
        predictions = np.zeros(present.shape)
        for i, mask in enumerate(present):
            if mask.any():
                rows = present_rows(mask)
                output = self._member_output(i, "predict", X, rows)
                predictions[i, rows] = np.asarray(output, dtype=float).reshape(-1)
        return X, predictions, present

    def predict(self, X, **predict_params):
        """Fused predictions.

        Parameters
        ----------
        X : ModalityDict, DataFrame, array-like or sparse matrix
            Samples; a sample may lack some modalities.
        **predict_params : dict
            For ``fusion="stacking"``, passed to the final estimator's
            ``predict`` (``return_std=True``...; routed to it when metadata
            routing is enabled), as in StackingRegressor.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), or a tuple
            What the final estimator's ``predict`` returns with
            ``predict_params`` (``(y_mean, y_std)`` for ``return_std=True``).
        """
        self._check_fitted()
        predict_params = self._predict_params(predict_params)
        X, predictions, present = self._member_predictions(X)
        if self.fusion_ == "stacking":
            with self._naming_passthrough_nan(X, self.final_estimator_):
                return self.final_estimator_.predict(
                    self._stack_predictions(X, predictions, present), **predict_params)
        return fuse_predictions(self.fusion_, predictions, present, self.weights_)

    def transform(self, X):
        """The members' predictions, as StackingRegressor and VotingRegressor return them.

        One column per member (an absent member gives the training mean of
        y); with ``fusion="stacking"``, followed by the passthrough features,
        as ``StackingRegressor.transform``.

        Parameters
        ----------
        X : ModalityDict, DataFrame, array-like or sparse matrix

        Returns
        -------
        Xt : ndarray or sparse matrix of shape (n_samples, n_features_out)
        """
        check_is_fitted(self)
        X, predictions, present = self._member_predictions(X)
        if self.fusion_ == "stacking":
            return self._stack_predictions(X, predictions, present)
        return np.where(present, predictions, self.target_mean_).T

    def _output_widths(self):
        """The number of :meth:`transform` columns of each member."""
        return [1] * len(self._members)
