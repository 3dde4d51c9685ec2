"""What the late-fusion classifier and regressor share: members, input, fitting jobs."""

import contextlib
import os
from abc import abstractmethod
from collections.abc import Mapping
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn import get_config
from sklearn.base import TransformerMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch, get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, validate_data

from ..data import (
    ModalityDict,
    check_multimodal,
    modality_names,
    naming_modality,
    presence,
    select_modality,
    take_rows,
)
from ..data._rows import lacks_rows
from ..data._validation import name_modality_in
from ..utils._sklearn_compat import (
    HasMethods,
    _BaseComposition,
    _check_feature_names_in,
    _VisualBlock,
)
from ..utils.validation import refuse_metadata_without_routing
from ._cache import MemberJobs, member_output, run_jobs

__all__ = ["_BaseLateFusion"]

ALL_ROWS = slice(None)


class _BaseLateFusion(TransformerMixin, _BaseComposition):
    """Members as ``(name, estimator, modality)`` triples, fitted on their rows.

    Subclasses define the fusion: how members' outputs are read, the rules
    and the final estimator.
    """

    _parameter_constraints = {
        "estimators": [list, tuple],
        "weights": ["array-like", None],
        "final_estimator": [None, HasMethods("fit")],
        "cv": ["cv_object"],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "passthrough": ["boolean", str, list],
    }

    @abstractmethod
    def __init__(self, estimators, *, fusion, weights, final_estimator, cv,
                 passthrough, memory, n_jobs, verbose):
        self.estimators = estimators
        self.fusion = fusion
        self.weights = weights
        self.final_estimator = final_estimator
        self.cv = cv
        self.passthrough = passthrough
        self.memory = memory
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- nested parameters (one private pair view, as ColumnTransformer) -------

    @property
    def _estimators(self):
        try:
            return [(name, estimator) for name, estimator, _ in self.estimators]
        except (TypeError, ValueError):
            return self.estimators

    @_estimators.setter
    def _estimators(self, value):
        self.estimators = [
            (name, estimator, modality)
            for (name, estimator), (_, _, modality) in zip(value, self.estimators)
        ]

    def get_params(self, deep=True):
        """Get the parameters, with each member's as ``<name>__<param>``.

        Parameters
        ----------
        deep : bool, default=True
            Also return the members' parameters.

        Returns
        -------
        params : dict
        """
        return self._get_params("_estimators", deep=deep)

    def set_params(self, **params):
        """Set parameters, members' included (``image__C=10``).

        Parameters
        ----------
        **params : keyword arguments

        Returns
        -------
        self : estimator
        """
        self._set_params("_estimators", **params)
        return self

    # -- validation --------------------------------------------------------------

    def _validate_members(self):
        """Check the triples and weights; return the names, estimators and
        modalities of the members that are not ``"drop"``.

        Also records them (``_members``) and their weights' positions.
        """
        if self.estimators is None or len(self.estimators) == 0:
            raise ValueError("estimators must be a non-empty list of (name, estimator, "
                             "modality) triples")
        for member in self.estimators:
            if not isinstance(member, tuple) or len(member) != 3:
                raise ValueError(
                    f"each member must be a (name, estimator, modality) triple, got {member!r}"
                )
        names, estimators, modalities = zip(*self.estimators)
        for name in names:
            if not isinstance(name, str):
                raise ValueError(
                    f"member names must be strings, got {name!r} of type "
                    f"{type(name).__name__}; name each member as in "
                    "[('image', estimator, 'image'), ...]"
                )
        self._validate_names(names)
        for name, estimator in zip(names, estimators):
            if not _is_drop(estimator) and not hasattr(estimator, "fit"):
                raise TypeError(f"member {name!r} is a {type(estimator).__name__}, "
                                "which has no fit method; give an estimator or 'drop'")
        self._check_weights(names)
        active = [i for i, estimator in enumerate(estimators) if not _is_drop(estimator)]
        if not active:
            raise ValueError("all members are 'drop'; at least one member must be an "
                             "estimator")
        self._members = [self.estimators[i] for i in active]
        self._member_positions = np.asarray(active)
        return ([names[i] for i in active], [estimators[i] for i in active],
                [modalities[i] for i in active])

    def _active_weights(self):
        """The weights of the members that are not ``"drop"`` (None when not given)."""
        if self.weights is None:
            return None
        return np.asarray(self.weights, dtype=float)[self._member_positions]

    def _check_weights(self, names):
        if self.weights is None:
            return
        weights = np.asarray(self.weights, dtype=float)
        if weights.shape != (len(names),):
            raise ValueError(
                f"weights has {weights.size} entries but there are {len(names)} members "
                f"({', '.join(names)}); give one weight per member"
            )
        if np.any(weights < 0) or not np.any(weights > 0):
            raise ValueError(f"weights must be non-negative and not all zero, got {weights}")

    def _check_input(self, X, y=None, *, reset):
        """Validate X (and y at fit); a mapping becomes a ModalityDict."""
        if y is None and reset:
            validate_data(self, "no_validation", y, skip_check_array=True)
        X = self._check_samples(X, y, modalities=None if reset else self.modalities_)
        if isinstance(X, ModalityDict):
            if reset:
                self._check_member_modalities(X)
                self.modalities_ = self._used_modalities(X)
                self._text_modalities = [name for name in self.modalities_
                                         if _looks_like_text(X[name])]
            for name in self._text_modalities:
                _check_text(name, X[name], at_fit=reset)
            return X
        if reset:
            X, _ = validate_data(self, X, y, skip_check_array=True, reset=True)
            self.modalities_, self._text_modalities = [], []
            return X
        if self.modalities_:
            raise TypeError(
                f"{type(self).__name__} was fitted on a ModalityDict with modalities "
                f"{self.modalities_}; predict needs one too, got {type(X).__name__}"
            )
        if hasattr(self, "n_features_in_") and len(X.shape) == 1:
            raise ValueError(
                f"{type(self).__name__} was fitted on 2-D X, got a 1-D array; Reshape your "
                "data with X.reshape(-1, 1) for one feature or X.reshape(1, -1) for one sample"
            )
        return validate_data(self, X, skip_check_array=True, reset=False)

    def _check_samples(self, X, y, modalities=None):
        """X as a ModalityDict (holding ``modalities``) or an array-like with a
        shape; checks len(y)."""
        if isinstance(X, ModalityDict) or (isinstance(X, Mapping) and not sparse.issparse(X)):
            X = check_multimodal(X, modalities=modalities, estimator=self)
        elif sparse.issparse(X):
            X = X.tocsr()
        elif not hasattr(X, "shape"):
            X = np.asarray(X)
        shape = X.shape
        if len(shape) == 0 or shape[0] == 0:
            raise ValueError(f"{type(self).__name__} got X of shape {shape}: it needs at "
                             "least one sample")
        n_labels = None if y is None else np.asarray(y).shape[0]
        if n_labels is not None and n_labels != shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples but y has {n_labels}; "
                             "they must have one row per sample")
        return X

    def _check_member_modalities(self, X):
        for name, _, modality in self._members:
            absent = [m for m in modality_names(modality) if m not in X]
            if absent:
                raise ValueError(
                    f"member {name!r} uses modality {absent[0]!r}, which X lacks; "
                    f"X has {', '.join(map(repr, X.modalities))}"
                )

    def _used_modalities(self, X):
        used = []
        for _, _, modality in self._members:
            names = modality_names(modality) if modality is not None else list(X.modalities)
            used += [m for m in names if m not in used]
        return used

    def _presence(self, X):
        """(n_members, n_samples) bool: True where a member has all its modalities.

        A member whose selection is not by name (``None``, columns, a callable)
        is present for every row: it handles missing values itself.
        """
        missing = {}  # each modality's mask once, however many members read it
        rows = [presence(X, modality, missing=missing) for _, _, modality in self._members]
        return np.array(rows, dtype=bool).reshape(len(self._members), X.shape[0])

    def _every_row_present(self, X):
        """Whether every member sees every row of X: ``self._presence(X).all()``,
        answered without building the masks when no modality lacks a row."""
        return not lacks_rows(X, self.modalities_)

    def _check_fitted(self):
        """check_is_fitted, without its cost when the fit's attributes are there."""
        if "estimators_" not in vars(self) or "fusion_" not in vars(self):
            check_is_fitted(self)

    @staticmethod
    def _check_coverage(present, names, where):
        lonely = np.flatnonzero(~present.any(axis=0))
        if lonely.size:
            raise ValueError(
                f"{lonely.size} sample(s) {where} (first: row {lonely[0]}) have none of the "
                f"modalities of any member ({', '.join(names)}); late fusion cannot "
                "predict them: drop those rows or add a member for what they have"
            )

    # -- metadata routing --------------------------------------------------------

    def _default_final_estimator(self):
        fitted = getattr(self, "final_estimator_", None)
        if fitted is not None:
            return fitted
        return clone(self.final_estimator) if self.final_estimator is not None else None

    def get_metadata_routing(self):
        """Route metadata as StackingClassifier does.

        ``fit`` metadata go to the members' ``fit`` (not to ``"drop"``
        members), to the splitter's ``split`` (``groups``) and to the final
        estimator's ``fit``; ``predict`` metadata go to the final estimator's
        ``predict``.

        Returns
        -------
        routing : MetadataRouter
        """
        router = MetadataRouter(owner=self)
        for name, estimator, _ in self.estimators:
            if not _is_drop(estimator):
                router.add(**{name: estimator},
                           method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        router.add(splitter=check_cv(self.cv),
                   method_mapping=MethodMapping().add(caller="fit", callee="split"))
        router.add(final_estimator=self._default_final_estimator(),
                   method_mapping=MethodMapping().add(caller="fit", callee="fit")
                   .add(caller="predict", callee="predict"))
        return router

    def _route(self, names, sample_weight, fit_params):
        """(per-member fit params, splitter params, final estimator fit params).

        Without metadata routing, ``sample_weight`` reaches every member and
        the final estimator and ``groups`` the splitter; other metadata raise
        scikit-learn's ValueError.
        """
        if sample_weight is not None:
            fit_params = {**fit_params, "sample_weight": np.asarray(sample_weight)}
        if get_config()["enable_metadata_routing"]:
            routed = process_routing(self, "fit", **fit_params)
            return ({name: routed[name].fit for name in names}, routed.splitter.split,
                    routed.final_estimator.fit)
        fit_params = dict(fit_params)
        split = {"groups": fit_params.pop("groups")} if "groups" in fit_params else {}
        refuse_metadata_without_routing(
            self, "fit", {k: v for k, v in fit_params.items() if k != "sample_weight"})
        return {name: dict(fit_params) for name in names}, split, dict(fit_params)

    def _predict_params(self, params):
        """The final estimator's ``predict`` metadata (routed when routing is on)."""
        if not params:
            return {}
        if self.fusion_ != "stacking":
            raise ValueError(
                f"predict got {sorted(params)}, which only the final estimator of "
                f"fusion='stacking' takes; this {type(self).__name__} fuses by "
                f"{self.fusion_!r}"
            )
        if get_config()["enable_metadata_routing"]:
            return process_routing(self, "predict", **params).final_estimator.predict
        return params

    # -- fitting the members -----------------------------------------------------

    def _folds(self, y, split_params):
        """The (train, test) splits of the out-of-fold predictions."""
        return list(self._splitter(y).split(np.zeros((len(y), 1)), y, **split_params))

    def _fit_members(self, X, y, present, member_params, folds):
        """Fit every member on its rows and, given ``folds``, get out-of-fold outputs.

        Sets ``estimators_`` and ``named_estimators_`` (``"drop"`` for
        dropped members, as in scikit-learn's ensembles); returns a list with,
        per member, a list of ``(test_rows, outputs, member_classes)`` per fold,
        ``outputs`` holding one array per method of ``_fold_methods`` (empty
        lists when ``folds`` is None). The full fits and the fold fits of all
        members run as one batch of joblib jobs.
        """
        jobs, owners = self._member_jobs(X, y, present, member_params, folds)
        results = run_jobs(Parallel(n_jobs=self.n_jobs, verbose=self.verbose), delayed, jobs)
        self.estimators_ = [result for (_, test), result in zip(owners, results) if test is None]
        fitted = iter(self.estimators_)
        self.named_estimators_ = Bunch(**{
            name: "drop" if _is_drop(estimator) else next(fitted)
            for name, estimator, _ in self.estimators})
        oof = [[] for _ in self._members]
        for (i, test), result in zip(owners, results):
            if test is not None:
                oof[i].append((test, *result))
        return oof

    def _member_jobs(self, X, y, present, member_params, folds):
        """The jobs, and for each the member index and held-out rows (None: full fit)."""
        factory, jobs, owners = MemberJobs(self.memory), [], []
        parts = [select_modality(X, modality) for _, _, modality in self._members]
        for i, (name, estimator, modality) in enumerate(self._members):
            rows = np.flatnonzero(present[i])
            if len(rows) == 0:
                raise ValueError(f"member {name!r} has no training row with its modalities")
            jobs.append(_naming_job(X, modality,
                                    factory.fit(estimator, parts[i], y, rows, member_params[name])))
            owners.append((i, None))
        if folds is None:
            return jobs, owners
        for i, (name, estimator, modality) in enumerate(self._members):
            for train, test in folds:
                train, test = train[present[i, train]], test[present[i, test]]
                if len(test) and len(train):
                    job = factory.fold(estimator, parts[i], y, train, test,
                                       member_params[name], self._fold_methods(i))
                    jobs.append(_naming_job(X, modality, job))
                    owners.append((i, test))
        return jobs, owners

    def _fold_methods(self, i):
        """The methods whose out-of-fold outputs member ``i`` gives."""
        return ("predict",)

    def _member_output(self, i, method, X, rows):
        """Fitted member ``i``'s ``method`` on ``rows`` of X (cached with ``memory``).

        Its errors name the member's modality (a member only knows "X").
        """
        modality = self._members[i][2]
        try:  # not naming_modality: a context manager costs a generator per call
            return member_output(self.memory, self.estimators_[i], method,
                                 member_rows(X, modality, rows))
        except (ValueError, TypeError) as exc:
            name_modality_in(exc, modality if isinstance(X, ModalityDict) else None)
            raise

    def _splitter(self, y):
        return check_cv(self.cv, y, classifier=self._estimator_type_is_classifier)

    @staticmethod
    def _is_prefit(estimator):
        return isinstance(estimator, FrozenEstimator)

    # -- stacking inputs -----------------------------------------------------------

    def _passthrough_features(self, X):
        """The features passed to the final estimator beside the members' outputs.

        A sparse X stays sparse (CSR), as in StackingClassifier.
        """
        if self.passthrough is False:
            return None
        if not isinstance(X, ModalityDict):
            if sparse.issparse(X):
                return sparse.csr_matrix(X)
            return np.asarray(X, dtype=float).reshape(X.shape[0], -1)
        names = list(X.modalities) if self.passthrough is True else modality_names(
            self.passthrough)
        blocks = []
        for name in names:
            value = X[name]
            if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
                blocks.append(value.reshape(value.shape[0], -1).astype(float))
            elif self.passthrough is not True:
                raise ValueError(
                    f"passthrough modality {name!r} must be a numeric array, got "
                    f"{type(value).__name__} of dtype {getattr(value, 'dtype', '?')}"
                )
        return np.hstack(blocks) if blocks else None

    @contextlib.contextmanager
    def _naming_passthrough_nan(self, X, final):
        """Turn the final estimator's error on NaN, when the NaN come from a
        passthrough modality that some samples lack, into one that names it
        (the final estimator only says "Input X contains NaN")."""
        try:
            yield
        except ValueError as exc:
            culprit = self._passthrough_nan(X) if "NaN" in str(exc) else None
            if culprit is None:
                raise
            name, rows, what = culprit
            raise ValueError(
                f"passthrough modality {name!r} has NaN in {rows.size} sample(s) (first: row "
                f"{rows[0]}, which {what}), and the final estimator "
                f"{type(final).__name__} does not accept NaN: leave "
                f"{name!r} out of passthrough, impute it, or use a final estimator that "
                "accepts NaN (a Pipeline starting with SimpleImputer, or HistGradientBoosting)"
            ) from exc

    def _passthrough_nan(self, X):
        """(modality, rows, how) for the first passthrough modality with NaN, or None."""
        if self.passthrough is False or not isinstance(X, ModalityDict):
            return None
        names = list(X.modalities) if self.passthrough is True else modality_names(
            self.passthrough)
        for name in names:
            value = X[name]
            if not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
                continue
            nan = np.isnan(value.reshape(len(value), -1))
            rows = np.flatnonzero(nan.any(axis=1))
            if rows.size:
                return name, rows, "lacks it" if nan[rows[0]].all() else "has NaN values in it"
        return None

    def _passthrough_names(self, X_names):
        """Feature names of the passthrough features (``X_names``: the input's)."""
        if self.passthrough is False:
            return []
        if not self.modalities_:
            return list(X_names)
        names = (self._passthrough_modalities if self.passthrough is True
                 else modality_names(self.passthrough))
        widths = self._passthrough_widths
        return [f"{name}{j}" if widths[name] > 1 else name
                for name in names if name in widths for j in range(widths[name])]

    def _record_passthrough(self, X):
        """Remember the passthrough modalities' widths (for feature names)."""
        self._passthrough_modalities, self._passthrough_widths = [], {}
        if self.passthrough is False or not isinstance(X, ModalityDict):
            return
        names = list(X.modalities) if self.passthrough is True else modality_names(
            self.passthrough)
        for name in names:
            value = X[name]
            if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
                self._passthrough_modalities.append(name)
                self._passthrough_widths[name] = int(np.prod(value.shape[1:], dtype=int))

    def _stack(self, member_features, X):
        extra = self._passthrough_features(X)
        if extra is None:
            return member_features
        if sparse.issparse(extra):
            return sparse.hstack([sparse.csr_matrix(member_features), extra], format="csr")
        return np.hstack([member_features, extra])

    def _input_feature_names(self, input_features):
        """The input's feature names for get_feature_names_out (2-D X only)."""
        if self.modalities_ or self.passthrough is False:
            return []
        return list(_check_feature_names_in(self, input_features))

    def get_feature_names_out(self, input_features=None):
        """Names of the columns of ``transform``, as scikit-learn's ensembles name them.

        ``<class>_<member>`` for a one-column member output,
        ``<class>_<member><i>`` otherwise (``<class>`` is the lowercased class
        name); with stacking, then the passthrough features: the input's
        feature names, or ``<modality><j>`` for a ModalityDict.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            The input's feature names, used only for a passthrough of a 2-D X.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        prefix = type(self).__name__.lower()
        names = []
        for (name, _, _), width in zip(self._members, self._output_widths()):
            names += ([f"{prefix}_{name}"] if width == 1
                      else [f"{prefix}_{name}{k}" for k in range(width)])
        if self.fusion_ == "stacking":
            names += self._passthrough_names(self._input_feature_names(input_features))
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # transform gives probabilities, decision values or class indices,
        # whatever the input's dtype
        tags.transformer_tags.preserves_dtype = []
        try:
            members = [get_tags(estimator) for _, estimator, _ in self.estimators
                       if not _is_drop(estimator)]
        except (AttributeError, TypeError, ValueError):
            return tags
        tags.input_tags.sparse = all(t.input_tags.sparse for t in members)
        tags.input_tags.allow_nan = all(t.input_tags.allow_nan for t in members)
        return tags

    # -- display -------------------------------------------------------------------

    def _sk_visual_block_(self):
        names, estimators, modalities = zip(*self.estimators)
        members = _VisualBlock("parallel", estimators, names=names,
                               name_details=[f"modality={m!r}" for m in modalities])
        final = getattr(self, "final_estimator_", None) or self.final_estimator
        rule = getattr(self, "fusion_", getattr(self, "fusion", None))
        if rule != "stacking" or final is None:
            return members
        final_block = _VisualBlock("parallel", [final], names=["final_estimator"],
                                   dash_wrapped=False)
        return _VisualBlock("serial", (members, final_block), dash_wrapped=False)


def _is_drop(estimator):
    return isinstance(estimator, str) and estimator == "drop"


def member_rows(X, modality, rows):
    """The rows of one member's input (``ALL_ROWS``: the input itself, not a copy)."""
    selected = select_modality(X, modality)
    return selected if rows is ALL_ROWS else take_rows(selected, rows)


def present_rows(mask):
    """The rows where ``mask`` holds, as indices, or ``ALL_ROWS`` when it holds everywhere.

    Indexing with ``ALL_ROWS`` (``slice(None)``) neither copies the members'
    input nor scatters their outputs through an index array.
    """
    return ALL_ROWS if mask.all() else np.flatnonzero(mask)


def _looks_like_text(value):
    """Whether a modality is text: a 1-D array of str, or of objects the first a str."""
    if not isinstance(value, np.ndarray) or value.ndim != 1:
        return False
    if value.dtype.kind in "US":
        return True
    first = next((item for item in value if item is not None), None) \
        if value.dtype == object else None
    return isinstance(first, str)


def _check_text(name, value, *, at_fit):
    """Refuse a text modality with entries other than str (None marks a missing one).

    Text members (TfidfVectorizer...) do not check their input's type: a
    number would fail deep inside them.
    """
    seen = "holds text" if at_fit else "held text at fit"
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "US":
        return
    if not isinstance(value, np.ndarray) or value.ndim != 1 or value.dtype != object:
        raise TypeError(
            f"modality {name!r} {seen}, but is a {type(value).__name__} of dtype "
            f"{getattr(value, 'dtype', '?')} and shape {getattr(value, 'shape', '?')}; "
            "text is a 1-D array of strings, one per sample (None marks a missing one)"
        )
    for i, item in enumerate(value):
        if item is not None and not isinstance(item, str):
            raise TypeError(
                f"modality {name!r} {seen}, but entry {i} is a {type(item).__name__}; text is "
                "a 1-D array of strings, one per sample (None marks a missing one)"
            )


def _naming_job(X, modality, job):
    """A member's ``(function, args)`` job whose errors name its modality."""
    function, args = job
    return _run_naming_modality, (modality if isinstance(X, ModalityDict) else None,
                                  function, *args)


def _run_naming_modality(modality, function, *args):
    with naming_modality(modality):
        return function(*args)
