"""Transform modalities one by one and keep a ModalityDict (a feature step before a net)."""

from numbers import Integral

import numpy as np
from sklearn.base import TransformerMixin, clone
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from ..utils._fit_state import restore_on_failure
from ..utils._sklearn_compat import StrOptions, _BaseComposition, _fit_context
from ._container import ModalityDict
from ._rows import modality_names, presence, refill_rows, take_rows
from ._selector import select_modality
from ._validation import check_multimodal, check_n_targets, naming_modality

__all__ = ["ModalityTransformer"]


def _fit_transform_one(name, transformer, modality, values, present, y):
    rows = np.flatnonzero(present)
    if len(rows) == 0:
        raise ValueError(f"transformer {name!r}: no training sample has modality {modality!r}")
    target = None if y is None else take_rows(y, rows)
    with naming_modality(modality):
        out = transformer.fit_transform(take_rows(values, rows), target)
    return transformer, _refill(name, out, present)


def _transform_one(name, transformer, modality, values, present, empty_row):
    """The fitted transformer's output; rows lacking the modality are all NaN,
    also when no row of the batch has it (``empty_row``: one such row)."""
    rows = np.flatnonzero(present)
    if len(rows) == 0:
        return np.repeat(empty_row[np.newaxis], len(present), axis=0)
    with naming_modality(modality):
        out = transformer.transform(take_rows(values, rows))
    return _refill(name, out, present)


def _empty_row(out):
    """An all-NaN row shaped as one row of a transformer's output."""
    out = out.toarray() if hasattr(out, "toarray") else np.asarray(out)
    return np.full(out.shape[1:], np.nan, dtype=np.result_type(out.dtype, np.float32)
                   if out.dtype.kind in "biuf" else object)


def _refill(name, out, present):
    """Put the transformed rows back in place; absent rows become all-NaN (missing)."""
    n_rows = out.shape[0] if hasattr(out, "shape") else len(out)
    if n_rows != present.sum():
        raise ValueError(
            f"transformer {name!r} returned {n_rows} rows for {present.sum()} samples"
        )
    if present.all():
        return out
    # dense, so that the absent rows are all-NaN and stay missing
    out = out.toarray() if hasattr(out, "toarray") else np.asarray(out, dtype=float)
    return refill_rows(out, present)


class ModalityTransformer(TransformerMixin, _BaseComposition):
    """Apply a transformer to each chosen modality and return a ModalityDict.

    Where :class:`EarlyFusion` concatenates its blocks into one matrix, this
    keeps every modality apart: the output is a ModalityDict whose modality
    ``name`` is ``transformer`` applied to the selected modality, beside the
    untouched remaining modalities. It is the feature step before a model that
    takes modalities separately, such as a ``FusionNetClassifier`` (MFCCs
    instead of raw waveforms) or a late-fusion ensemble.

    Samples that lack the modality are left out of ``fit`` and ``transform``
    and come out as all-NaN rows, so they stay missing; a batch in which no
    sample has the modality gives all-NaN rows of the shape seen at fit, as
    EarlyFusion fills such a batch.

    Parameters
    ----------
    transformers : list or tuple of (name, transformer, modality) tuples
        ``transformer`` is fitted on ``select_modality(X, modality)`` and its
        output becomes modality ``name``. ``modality`` is usually one name (it
        may be a list of names: the transformer then receives a ModalityDict,
        and missing rows are not handled for it).
    remainder : {"passthrough", "drop"}, default="passthrough"
        What happens to modalities no transformer reads.
    n_jobs : int, default=None
        Transformers fitted in parallel (joblib).

    Attributes
    ----------
    transformers_ : list of (name, fitted transformer, modality) tuples
    named_transformers_ : Bunch
        The fitted transformers by name.
    modalities_in_ : list of str
        The modalities of X at fit.

    See Also
    --------
    EarlyFusion : Concatenate per-modality features into one matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion import ModalityDict, ModalityTransformer
    >>> from skfusion.features import PixelFeatures
    >>> X = ModalityDict(image=np.random.RandomState(0).rand(6, 4, 4), text=list("abcdef"))
    >>> step = ModalityTransformer([("pixels", PixelFeatures(), "image")])
    >>> step.fit_transform(X)
    ModalityDict(n_samples=6, text=object(6,) str, pixels=float64(6, 16))
    """

    _parameter_constraints = {
        "transformers": [list, tuple],
        "remainder": [StrOptions({"passthrough", "drop"})],
        "n_jobs": [None, Integral],
    }

    def __init__(self, transformers, *, remainder="passthrough", n_jobs=None):
        self.transformers = transformers
        self.remainder = remainder
        self.n_jobs = n_jobs

    @property
    def _transformers(self):
        return [(name, trans) for name, trans, _ in self.transformers]

    @_transformers.setter
    def _transformers(self, value):
        self.transformers = [(name, trans, mod) for (name, trans), (_, _, mod)
                             in zip(value, self.transformers)]

    def get_params(self, deep=True):
        """Get parameters, including the transformers' as ``name__param``.

        Parameters
        ----------
        deep : bool, default=True
            Also return the transformers' parameters.

        Returns
        -------
        params : dict
        """
        return self._get_params("_transformers", deep=deep)

    def set_params(self, **params):
        """Set parameters, including the transformers' as ``name__param``.

        Parameters
        ----------
        **params : dict
            Parameters, e.g. ``audio__n_mfcc=13`` or ``transformers=[...]``.

        Returns
        -------
        self : ModalityTransformer
        """
        self._set_params("_transformers", **params)
        return self

    def _check(self):
        for entry in self.transformers:
            if not (isinstance(entry, (tuple, list)) and len(entry) == 3):
                raise ValueError(
                    "transformers must be (name, transformer, modality) triples, got "
                    f"{entry!r}"
                )
        names = [t[0] for t in self.transformers]
        self._validate_names(names)

    @staticmethod
    def _inputs(X, transformers):
        for name, transformer, modality in transformers:
            values = select_modality(X, modality)
            # a transformer of several modalities gets them all and handles missing rows
            present = presence(X, modality if isinstance(modality, str) else None)
            yield name, transformer, modality, values, present

    @restore_on_failure
    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None):
        """Fit every transformer on its modality and return the transformed X.

        Parameters
        ----------
        X : ModalityDict
        y : array-like of shape (n_samples,), default=None

        Returns
        -------
        Xt : ModalityDict
        """
        self._check()
        X = check_multimodal(X, estimator=self)
        if y is not None:
            y = check_n_targets(X, y, estimator=self)
        self.modalities_in_ = list(X.modalities)
        inputs = list(self._inputs(X, self.transformers))
        self._check_output_names(X, self.transformers, self.remainder)
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_transform_one)(name, clone(trans), modality, values, present, y)
            for name, trans, modality, values, present in inputs
        )
        self.transformers_ = [(name, fitted, mod)
                              for (name, _, mod, _, _), (fitted, _) in zip(inputs, results)]
        self._fit_remainder = self.remainder
        self._empty_rows = [_empty_row(out) for _, out in results]
        return self._assemble(X, [out for _, out in results])

    def fit(self, X, y=None):
        """Fit every transformer on its modality.

        Parameters
        ----------
        X : ModalityDict
        y : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : ModalityTransformer
        """
        self.fit_transform(X, y)
        return self

    def transform(self, X):
        """Transform each modality with its fitted transformer.

        Parameters
        ----------
        X : ModalityDict

        Returns
        -------
        Xt : ModalityDict
        """
        check_is_fitted(self)
        X = check_multimodal(X, modalities=self.modalities_in_, estimator=self)
        self._check_output_names(X, self.transformers_, self._fit_remainder)
        outputs = [_transform_one(name, trans, modality, values, present, empty)
                   for (name, trans, modality, values, present), empty
                   in zip(self._inputs(X, self.transformers_), self._empty_rows)]
        return self._assemble(X, outputs)

    @staticmethod
    def _check_output_names(X, transformers, remainder):
        """An output must not silently replace a modality that is passed through."""
        if remainder == "drop":
            return
        used = {m for _, _, mod in transformers for m in modality_names(mod)}
        for name, _, _ in transformers:
            if name in X and name not in used:
                raise ValueError(
                    f"transformer {name!r} has the name of a modality of X that it does not "
                    "read, which would replace it; rename the transformer"
                )

    def _assemble(self, X, outputs):
        """The outputs beside the kept modalities, as fitted (``transformers_``)."""
        used = {m for _, _, mod in self.transformers_ for m in modality_names(mod)}
        kept = {} if self._fit_remainder == "drop" else {
            name: X[name] for name in X.modalities if name not in used}
        produced = {name: out for (name, _, _), out in zip(self.transformers_, outputs)}
        return ModalityDict({**kept, **produced})

    @property
    def named_transformers_(self):
        """The fitted transformers, by name."""
        from sklearn.utils import Bunch

        check_is_fitted(self)
        return Bunch(**{name: trans for name, trans, _ in self.transformers_})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.transformer_tags.preserves_dtype = []
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "transformers_")

