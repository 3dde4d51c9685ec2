"""FusionNetClassifier and FusionNetRegressor: intermediate fusion as sklearn estimators."""

import contextlib
import difflib
import inspect
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import torch
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import LRScheduler
from torch import nn

from ..data import ModalityDict, check_multimodal
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ..utils._fit_state import restore_on_failure
from ._convert import LAYOUTS, ModalityConverter
from ._frontend import LogMelSpectrogram
from ._fusion import FUSION_LAYERS
from ._module import FusionModule
from ._net import FusionSkorchNet

__all__ = ["FusionNetClassifier", "FusionNetRegressor"]

_OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
# prefixed parameters forwarded to the skorch net: every prefix skorch's NeuralNet routes
_PREFIXES = ("module__", "criterion__", "optimizer__", "iterator_train__", "iterator_valid__",
             "callbacks__", "dataset__", "compile__")
# module arguments set from the estimator's own parameters or from the data
_RESERVED = {"module__specs", "module__n_outputs", "module__encoders", "module__fusion",
             "module__modality_dropout", "module__aux_heads"}


class _BaseFusionNet(BaseEstimator):
    """Shared fit and prediction plumbing of the FusionNet estimators."""

    _parameter_constraints = {
        "encoders": [dict, None],
        "fusion": [StrOptions(set(FUSION_LAYERS)), nn.Module],
        "modality_dropout": [Interval(Real, 0, 1, closed="left")],
        "aux_loss_weight": [Interval(Real, 0, None, closed="left")],
        "augment": [dict, None],
        "scale": ["boolean"],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"cosine", "constant"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "train_split": [callable, None],
        "callbacks": [list, None],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(self, encoders=None, fusion="concat", *, modality_dropout=0.0,
                 aux_loss_weight=0.0, augment=None, scale=True, optimizer="adam", lr=1e-3,
                 lr_schedule="cosine", max_epochs=10, batch_size=64, train_split=None,
                 callbacks=None, device="auto", verbose=0, random_state=None, **kwargs):
        self.encoders = encoders
        self.fusion = fusion
        self.modality_dropout = modality_dropout
        self.aux_loss_weight = aux_loss_weight
        self.augment = augment
        self.scale = scale
        self.optimizer = optimizer
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.train_split = train_split
        self.callbacks = callbacks
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        _check_prefixed(type(self), kwargs)
        vars(self).update(kwargs)

    # -- skorch-style prefixed parameters (module__embed_dim, optimizer__...) -----
    def get_params(self, deep=True):
        """Get parameters, including the skorch-style prefixed ones.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of nested objects.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        params.update({k: v for k, v in vars(self).items() if k.startswith(_PREFIXES)})
        return params

    def set_params(self, **params):
        """Set parameters, including skorch-style prefixed ones (``module__embed_dim``).

        Parameters
        ----------
        **params : dict
            Parameter names mapped to their new values.

        Returns
        -------
        self : object
            The estimator.
        """
        prefixed = {k: v for k, v in params.items() if k.startswith(_PREFIXES)}
        for key, value in prefixed.items():
            setattr(self, key, value)
        return super().set_params(**{k: v for k, v in params.items() if k not in prefixed})

    def _skorch_kwargs(self):
        kwargs = {k: v for k, v in vars(self).items() if "__" in k}
        _check_prefixed(type(self), kwargs)
        reserved = sorted(_RESERVED & set(kwargs))
        if reserved:
            raise ValueError(
                f"{reserved[0]!r} is set by {type(self).__name__}; use its parameter "
                f"{reserved[0].split('__')[1]!r} instead"
            )
        return kwargs

    # -- fit ---------------------------------------------------------------------------
    @restore_on_failure
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the encoders, the fusion layer and the head jointly.

        Parameters
        ----------
        X : ModalityDict
            The modalities (a plain array is taken as one modality ``"X"``).
            Samples may lack some modalities (``None`` entries or all-NaN
            rows), but not all of them.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X_in, X = X, _as_modalities(X, self)
        y, n_outputs = self._prepare_target(y, X.n_samples)
        # after the target's validation, which forgets feature names
        _record_plain_features(self, X_in, reset=True)
        self.modalities_ = X.modalities
        self.converter_ = ModalityConverter(self._layouts(X), scale=self.scale).fit(X)
        self.net_ = self._build_net(n_outputs)
        with _torch_seed(self.random_state, self.net_.device):
            self.net_.fit(self.converter_.transform(X), y)
        return self

    def _layouts(self, X):
        encoders = self.encoders or {}
        for name in list(encoders) + list(self.augment or {}):
            if name not in X:
                raise ValueError(
                    f"{type(self).__name__} names modality {name!r}, which X lacks; X has "
                    f"{', '.join(map(repr, X.modalities))}"
                )
        for name, encoder in encoders.items():
            if not isinstance(encoder, nn.Module) and encoder not in LAYOUTS:
                raise ValueError(
                    f"unknown encoder {encoder!r} for modality {name!r}; choose one of "
                    f"{sorted(LAYOUTS)} or pass a torch.nn.Module"
                )
        # a log-mel front-end reads clips as sequences, even equal-length ones in a 2-D array
        return {name: "sequence" if isinstance(e, LogMelSpectrogram) else LAYOUTS[e]
                for name, e in encoders.items()
                if isinstance(e, (str, LogMelSpectrogram))}

    def _build_net(self, n_outputs):
        optimizer = _OPTIMIZERS.get(self.optimizer, self.optimizer)
        return FusionSkorchNet(
            module=FusionModule,
            module__specs=self.converter_.specs_,
            module__n_outputs=n_outputs,
            module__encoders=self.encoders,
            module__fusion=self.fusion,
            module__modality_dropout=self.modality_dropout,
            module__aux_heads=self.aux_loss_weight > 0,
            criterion=self._criterion,
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=self.train_split,
            callbacks=self._callbacks(),
            device=_resolve_device(self.device),
            verbose=self.verbose,
            augment=self.augment,
            aux_loss_weight=self.aux_loss_weight,
            iterator_train__shuffle=True,
            **self._skorch_kwargs(),
        )

    def _callbacks(self):
        """The user's callbacks (cloned), plus the ``lr_schedule`` unless they bring one."""
        callbacks = list(clone(self.callbacks, safe=False) or [])
        own_schedule = any(isinstance(c[1] if isinstance(c, tuple) else c, LRScheduler)
                           for c in callbacks)
        if self.lr_schedule == "cosine" and not own_schedule:
            # annealed to near zero by the last epoch: the final weights settle, and so do
            # the batch-norm running statistics that prediction uses
            callbacks.append(("lr_schedule", LRScheduler(
                torch.optim.lr_scheduler.CosineAnnealingLR, T_max=self.max_epochs)))
        return callbacks

    # -- prediction ----------------------------------------------------------------
    def _forward(self, X):
        """The net's outputs (probabilities or scaled targets) as a float64 array."""
        check_is_fitted(self)
        X_in, X = X, _as_modalities(X, self)
        _record_plain_features(self, X_in, reset=False)
        X = check_multimodal(X, modalities=self.modalities_, estimator=self)
        return self.net_.predict_proba(self.converter_.transform(X)).astype(np.float64)

    @property
    def device_(self):
        """The device the net lives on (``"cpu"`` after loading a GPU net on a CPU)."""
        check_is_fitted(self)
        return self.net_.device

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # a modality may be sparse (densified); NaN is only accepted as a whole missing row
        tags.input_tags.sparse = True
        tags.non_deterministic = self.random_state is None
        return tags


# The parameters and attributes the two FusionNet estimators share, written once:
# ``@_shared_docs`` puts them into each docstring's ``%(fusion_net_parameters)s``
# and ``%(fusion_net_attributes)s`` (as imbalanced-learn's ``Substitution``). A new
# parameter of both estimators is documented here, in signature order.
_FUSION_NET_DOCS = {
    "fusion_net_parameters": """    encoders : dict, default=None
        Modality name mapped to an encoder: ``"mlp"`` (vectors; default for
        2-D data), ``"cnn"`` (images ``(n, h, w[, c])``; default for 3-D
        and 4-D data), ``"logmel"`` (raw audio: a log-mel spectrogram
        computed inside the net, on the batch's device, then a 1-D CNN over
        its frames; default for ragged 1-D clips of which the longest has at
        least 1,024 samples; assumes 8 kHz), a :class:`LogMelSpectrogram`
        (the same with your settings, e.g. ``LogMelSpectrogram(sr=16000,
        n_mels=40)``; also for a 2-D array of equal-length clips),
        ``"cnn1d"`` (sequences, time on the last axis; default for other
        ragged arrays) or ``"gru"``, ``"embedding_bag"`` (text; default for
        strings), or a ``torch.nn.Module`` that takes the modality's batch
        (as the default encoder would see it) and returns one vector per
        sample. Modalities not named get their default.
    fusion : {"concat", "sum", "gated", "tensor", "lowrank", "attention"} or \
            torch.nn.Module, default="concat"
        How the encodings are combined: concatenation (with the presence
        mask), sum, gated multimodal unit, tensor fusion (outer product),
        low-rank multimodal fusion, or learned attention over modalities.
    modality_dropout : float, default=0.0
        During training, the probability that a sample loses each modality
        (never its last one).
    aux_loss_weight : float, default=0.0
        If positive, each modality also gets its own linear head whose loss,
        with this weight, is added to the fused loss, so that no modality is
        left untrained when another dominates.
    augment : dict, default=None
        Modality name mapped to a picklable callable applied to every
        training batch of that modality (a float32 tensor, after scaling),
        such as :class:`GaussianNoise` or :class:`RandomShift`.
    scale : bool, default=True
        Standardise numeric modalities before the net (per feature for
        vectors, per channel for images and sequences).
    optimizer : {"adam", "adamw", "sgd"} or torch optimizer class, default="adam"
        Further arguments as ``optimizer__weight_decay=...``.
    lr : float, default=1e-3
        Initial learning rate.
    lr_schedule : {"cosine", "constant"}, default="cosine"
        ``"cosine"`` anneals the learning rate to near zero over
        ``max_epochs`` (skorch's ``LRScheduler`` with ``CosineAnnealingLR``,
        stepped every epoch), so that the final weights, and the batch-norm
        statistics used at prediction, settle; ``"constant"`` keeps ``lr``.
        Ignored when ``callbacks`` hold an ``LRScheduler`` of your own.
    max_epochs : int, default=10
        Training epochs (fewer with an ``EarlyStopping`` callback).
    batch_size : int, default=64
        Samples per batch.
    train_split : callable or None, default=None
        skorch's validation split, such as ``skorch.dataset.ValidSplit(0.2)``;
        None trains on all of X (no validation loss for early stopping).
    callbacks : list, default=None
        skorch callbacks: ``LRScheduler``, ``EarlyStopping``, ``EpochScoring``...
    device : str or torch.device, default="auto"
        ``"auto"`` trains on CUDA when it is available, else on the CPU.
    verbose : int, default=0
        1 prints skorch's table of epochs.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and dropout (torch's global random
        state is restored after fit), for reproducible fits on the CPU.
    **kwargs
        skorch-style prefixed parameters, routed as skorch's ``NeuralNet``
        routes them: ``module__embed_dim`` (64), ``module__hidden_dim``
        (64), ``module__dropout`` (0.2), ``module__rank`` (4),
        ``module__tensor_dim`` (8), ``module__batch_norm`` (True) (see
        :class:`FusionModule`), ``criterion__*``, ``optimizer__*``
        (``optimizer__weight_decay``), ``iterator_train__*``
        (``iterator_train__num_workers``), ``iterator_valid__*``,
        ``callbacks__*`` (``callbacks__print_log__sink``), ``dataset__*``
        and ``compile__*``. Any other name raises a ``TypeError`` at
        construction, as a misspelled keyword does for any scikit-learn
        estimator: ``FusionNetClassifier(fusoin="sum")`` fails at once
        instead of fitting with the default fusion.""",
    "fusion_net_attributes": """    modalities_ : tuple of str
        The modalities seen at fit.
    n_features_in_ : int
        Number of features seen at fit, when X is a plain 2-D array or
        DataFrame (one modality ``"X"``); not set for a ModalityDict, whose
        modalities have no common feature count.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame X whose names are all strings.
    converter_ : ModalityConverter
        Converts a ModalityDict to the net's input (scaling, padding,
        token ids, presence mask).
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.history`` holds the per-epoch losses
        and ``net_.module_`` the :class:`FusionModule`.
    device_ : str
        The device of the trained net.""",
}


def _shared_docs(cls):
    """Fill the shared parameter and attribute text into ``cls.__doc__``."""
    cls.__doc__ = cls.__doc__ % _FUSION_NET_DOCS
    return cls


@_shared_docs
class FusionNetClassifier(ClassifierMixin, _BaseFusionNet):
    """Intermediate-fusion neural classifier: per-modality encoders, a fusion layer, a head.

    Each modality of a :class:`~skfusion.ModalityDict` goes through its own
    encoder (chosen from the data's shape unless given), the encodings are
    fused, and a small head predicts the class; all parts train jointly
    with skorch. Missing modalities are honoured at fit and predict time;
    ``modality_dropout`` teaches the net to predict without them.

    Parameters
    ----------
%(fusion_net_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
%(fusion_net_attributes)s

    See Also
    --------
    FusionNetRegressor : The same for regression.
    skfusion.LateFusionClassifier : Fusion of separately trained models.

    Examples
    --------
    >>> from skfusion.datasets import make_multimodal_classification
    >>> from skfusion.neural import FusionNetClassifier
    >>> X, y = make_multimodal_classification(
    ...     60, informativeness={"image": 1.0, "table": 0.5}, random_state=0)
    >>> clf = FusionNetClassifier(fusion="gated", max_epochs=5, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> clf.score(X, y) > 0.8
    True
    """

    _criterion = nn.CrossEntropyLoss

    def _prepare_target(self, y, n_samples):
        y = validate_data(self, X="no_validation", y=y)
        _check_length(y, n_samples)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(f"y has one class ({self.classes_[0]!r}); need at least two")
        return encoder.transform(y).astype(np.int64), len(self.classes_)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : ModalityDict
            Needs the modalities seen at fit; samples may lack some of them.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._forward(X)

    def predict(self, X):
        """Most probable class.

        Parameters
        ----------
        X : ModalityDict

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


@_shared_docs
class FusionNetRegressor(RegressorMixin, _BaseFusionNet):
    """Intermediate-fusion neural regressor: per-modality encoders, a fusion layer, a head.

    The same network as :class:`FusionNetClassifier` with a linear output
    and the mean squared error; targets are standardised for training and
    predictions mapped back.

    Parameters
    ----------
%(fusion_net_parameters)s

    Attributes
    ----------
%(fusion_net_attributes)s
    y_mean_ : ndarray of shape (n_targets,)
        Mean of the training targets.
    y_scale_ : ndarray of shape (n_targets,)
        Standard deviation of the training targets (1 where constant).

    See Also
    --------
    FusionNetClassifier : The same for classification.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion import ModalityDict
    >>> from skfusion.neural import FusionNetRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = ModalityDict(a=rng.normal(size=(80, 3)), b=rng.normal(size=(80, 2)))
    >>> y = 10 * X["a"][:, 0] + 5 * X["b"][:, 1] + 100
    >>> reg = FusionNetRegressor(max_epochs=40, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> reg.score(X, y) > 0.8
    True
    """

    _criterion = nn.MSELoss

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _prepare_target(self, y, n_samples):
        y = validate_data(self, X="no_validation", y=y, multi_output=True, y_numeric=True)
        _check_length(y, n_samples)
        self._y_1d = np.ndim(y) == 1
        y = np.reshape(y, (n_samples, -1)).astype(np.float64)
        self.y_mean_, self.y_scale_ = y.mean(axis=0), y.std(axis=0)
        self.y_scale_[self.y_scale_ == 0] = 1.0
        return ((y - self.y_mean_) / self.y_scale_).astype(np.float32), y.shape[1]

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : ModalityDict

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        y = self._forward(X) * self.y_scale_ + self.y_mean_
        return y[:, 0] if self._y_1d else y


def _as_modalities(X, estimator):
    """A ModalityDict as it is; a plain array-like as the single modality ``"X"``.

    An X without samples, or a modality without features, raises scikit-learn's
    ``ValueError`` ("0 sample(s) (shape=...) while a minimum of 1 is required"),
    naming the modality when X is a ModalityDict.
    """
    if isinstance(X, Mapping) and not sparse.issparse(X):  # a DOK matrix is not modalities
        if not isinstance(X, ModalityDict):  # converting refuses an empty modality tersely
            _check_not_empty(X.items(), estimator, plain=False)
        X = check_multimodal(X, estimator=estimator)
        _check_not_empty(X.items(), estimator, plain=False)
        return X
    if sparse.issparse(X):
        X = X.tocsr()
    elif not hasattr(X, "shape") and hasattr(X, "__array__"):
        X = np.asarray(X)
    if getattr(X, "ndim", None) == 1 and getattr(X, "dtype", object) != object:
        raise ValueError(
            f"{type(estimator).__name__} got a 1-D numeric array; pass a ModalityDict, or "
            "a 2-D array as one modality. Reshape your data with X.reshape(-1, 1) for "
            "one feature or X.reshape(1, -1) for one sample"
        )
    _check_not_empty([("X", X)], estimator, plain=True)
    return ModalityDict(X=X)


def _record_plain_features(estimator, X, reset):
    """Set (``reset``) or check ``n_features_in_`` and ``feature_names_in_``, as validate_data.

    Only a plain 2-D X (an array, sparse matrix or DataFrame: one modality ``"X"``)
    has a feature count; a ModalityDict, images and texts have none.
    """
    plain = not isinstance(X, Mapping) or sparse.issparse(X)
    if reset and not (plain and getattr(X, "ndim", None) == 2):
        for name in ("n_features_in_", "feature_names_in_"):
            vars(estimator).pop(name, None)
    elif plain:
        validate_data(estimator, X=X, reset=reset, skip_check_array=True)


def _check_not_empty(modalities, estimator, plain):
    """Refuse a modality with 0 samples, or with 0 features per sample, as check_array does."""
    for name, value in modalities:
        shape = tuple(value.shape) if hasattr(value, "shape") else (len(value),)
        if shape[0] == 0:
            what = "sample"
        elif len(shape) > 1 and 0 in shape[1:]:
            what = "feature"
        else:
            continue
        where = "Found array with" if plain else f"modality {name!r} of X has"
        raise ValueError(
            f"{where} 0 {what}(s) (shape={shape}) while a minimum of 1 is required by "
            f"{type(estimator).__name__}."
        )


def _check_prefixed(cls, kwargs):
    """Refuse keyword arguments that are neither parameters nor skorch-prefixed, as Python would.

    ``FusionNetClassifier(fusoin="sum")`` raises the ``TypeError`` a misspelled
    keyword raises for any scikit-learn estimator, naming the accepted ones.
    """
    unknown = [key for key in kwargs if not key.startswith(_PREFIXES)]
    if not unknown:
        return
    names = sorted(name for name, p in inspect.signature(cls.__init__).parameters.items()
                   if name != "self" and p.kind != p.VAR_KEYWORD)
    close = difflib.get_close_matches(unknown[0], names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise TypeError(
        f"{cls.__name__}.__init__() got an unexpected keyword argument {unknown[0]!r}.{hint} "
        f"Valid parameters are: {names}, and skorch-style ones prefixed with "
        f"{', '.join(p + '*' for p in _PREFIXES)} (e.g. module__embed_dim=32, "
        "optimizer__weight_decay=1e-4)"
    )


def _check_length(y, n_samples):
    if len(y) != n_samples:
        raise ValueError(f"X has {n_samples} samples but y has {len(y)}")


def _resolve_device(device):
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


@contextlib.contextmanager
def _torch_seed(random_state, device):
    """Seed torch for a reproducible fit on ``device``, restoring its random state after.

    A CPU fit seeds (and restores) the CPU generator only: it never initialises
    CUDA nor changes the CUDA generators. A CUDA fit seeds the CPU generator
    (batch order, augmentation shifts) and the CUDA ones (dropout, noise).
    """
    if random_state is None:
        yield
        return
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    on_cuda = torch.device(device).type == "cuda"
    devices = list(range(torch.cuda.device_count())) if on_cuda else []
    with torch.random.fork_rng(devices=devices):
        torch.default_generator.manual_seed(seed)
        if on_cuda:
            torch.cuda.manual_seed_all(seed)
        yield
