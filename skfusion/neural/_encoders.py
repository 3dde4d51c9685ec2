"""Per-modality encoders: each maps one modality's batch to ``out_features`` numbers."""

import copy
import math

import torch
from torch import nn
from torch.nn import functional as F

from ._norm import _apply_layers, _MaskedBatchNorm1d, _MaskedBatchNorm2d

__all__ = [
    "MLPEncoder",
    "ConvEncoder",
    "SequenceConvEncoder",
    "GRUEncoder",
    "EmbeddingBagEncoder",
    "make_encoder",
]


class MLPEncoder(nn.Module):
    """A multi-layer perceptron for feature vectors ``(batch, in_features)``.

    Parameters
    ----------
    in_features : int
        Features per sample.
    out_features : int
        Size of the encoding.
    hidden : tuple of int, default=(128,)
        Widths of the hidden layers.
    batch_norm : bool, default=True
        Batch normalisation after each hidden layer, with statistics over
        the samples that have the modality (``forward``'s ``present``).
    dropout : float, default=0.0
        Dropout after each hidden layer.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import MLPEncoder
    >>> encoder = MLPEncoder(10, 4)
    >>> encoder(torch.randn(3, 10)).shape
    torch.Size([3, 4])
    """

    def __init__(self, in_features, out_features, hidden=(128,), *, batch_norm=True,
                 dropout=0.0):
        super().__init__()
        layers, width = [], in_features
        for size in hidden:
            layers += [nn.Linear(width, size)]
            layers += [_MaskedBatchNorm1d(size)] if batch_norm else []
            layers += [nn.ReLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, out_features))
        self.layers = nn.Sequential(*layers)
        self.out_features = out_features

    def forward(self, x, present=None):
        """Encode a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, in_features)
            The batch.
        present : torch.Tensor of shape (batch,), default=None
            Nonzero where the sample has the modality: only those samples
            enter the batch normalisation statistics. None: all do.

        Returns
        -------
        encoding : torch.Tensor of shape (batch, out_features)
        """
        return _apply_layers(self.layers, x.flatten(1), present)


class ConvEncoder(nn.Module):
    """A small 2-D CNN for gray or color images ``(batch, channels, h, w)``.

    Blocks of 3x3 convolution, batch normalisation, ReLU and 2x2 max pooling,
    then average pooling to a ``grid x grid`` map (keeping coarse layout,
    which digits and spectrograms need) and a linear layer.

    Parameters
    ----------
    in_channels : int
        1 for gray, 3 for RGB.
    out_features : int
        Size of the encoding.
    channels : tuple of int, default=(32, 64)
        Output channels of the convolution blocks.
    grid : int, default=3
        Side of the pooled map fed to the linear layer.
    batch_norm : bool, default=True
        Batch normalisation after each convolution, with statistics over
        the samples that have the modality (``forward``'s ``present``).

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import ConvEncoder
    >>> encoder = ConvEncoder(in_channels=3, out_features=4)
    >>> encoder(torch.randn(3, 3, 16, 16)).shape
    torch.Size([3, 4])
    """

    def __init__(self, in_channels, out_features, channels=(32, 64), *, grid=3,
                 batch_norm=True):
        super().__init__()
        layers, width = [], in_channels
        for size in channels:
            layers += [nn.Conv2d(width, size, 3, padding=1)]
            layers += [_MaskedBatchNorm2d(size)] if batch_norm else []
            layers += [nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True)]
            width = size
        layers.append(nn.AdaptiveAvgPool2d(grid))
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(width * grid * grid, out_features)
        self.out_features = out_features

    def forward(self, x, present=None):
        """Encode a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, in_channels, h, w)
            The batch.
        present : torch.Tensor of shape (batch,), default=None
            Nonzero where the sample has the modality: only those samples
            enter the batch normalisation statistics. None: all do.

        Returns
        -------
        encoding : torch.Tensor of shape (batch, out_features)
        """
        return self.head(_apply_layers(self.features, x, present).flatten(1))


class SequenceConvEncoder(nn.Module):
    """A 1-D CNN over time for sequences or spectrograms ``(batch, channels, time)``.

    Convolution blocks with 2x max pooling in time, then a max over the
    valid (unpadded) time steps and a linear layer.

    Parameters
    ----------
    in_channels : int
        Channels per time step (1 for a waveform, mel bands for a spectrogram).
    out_features : int
        Size of the encoding.
    channels : tuple of int, default=(32, 64)
        Output channels of the convolution blocks.
    kernel_size : int, default=5
        Width of the convolutions, in time steps.
    batch_norm : bool, default=True
        Batch normalisation after each convolution, with statistics over
        the samples that have the modality (``forward``'s ``present``).

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import SequenceConvEncoder
    >>> encoder = SequenceConvEncoder(in_channels=2, out_features=4)
    >>> encoder(torch.randn(3, 2, 50), torch.tensor([50, 20, 7])).shape
    torch.Size([3, 4])
    """

    def __init__(self, in_channels, out_features, channels=(32, 64), *, kernel_size=5,
                 batch_norm=True):
        super().__init__()
        self.blocks = nn.ModuleList()
        width = in_channels
        for size in channels:
            block = [nn.Conv1d(width, size, kernel_size, padding=kernel_size // 2)]
            block += [_MaskedBatchNorm1d(size)] if batch_norm else []
            block += [nn.ReLU()]
            self.blocks.append(nn.Sequential(*block))
            width = size
        self.head = nn.Linear(width, out_features)
        self.out_features = out_features

    def forward(self, x, lengths=None, present=None):
        """Encode a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, in_channels, time)
            The batch.
        lengths : torch.Tensor of shape (batch,), default=None
            Valid time steps per sample (the rest is padding); None: all.
        present : torch.Tensor of shape (batch,), default=None
            Nonzero where the sample has the modality: only those samples
            enter the batch normalisation statistics. None: all do.

        Returns
        -------
        encoding : torch.Tensor of shape (batch, out_features)
        """
        valid = _time_mask(x, lengths)
        for i, block in enumerate(self.blocks):
            if i:
                x = F.max_pool1d(x, 2, ceil_mode=True)
                valid = F.max_pool1d(valid, 2, ceil_mode=True)
            # padded steps read as zeros, as beyond the ends: padding never leaks in
            x = _apply_layers(block, x * valid, present)
        x = x.masked_fill(valid == 0, float("-inf")).amax(dim=2)
        return self.head(x)


class GRUEncoder(nn.Module):
    """A bidirectional GRU over time for sequences ``(batch, channels, time)``.

    Parameters
    ----------
    in_channels : int
        Channels per time step.
    out_features : int
        Size of the encoding.
    hidden_size : int, default=64
        GRU state size per direction.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import GRUEncoder
    >>> encoder = GRUEncoder(in_channels=2, out_features=4)
    >>> encoder(torch.randn(3, 2, 50), torch.tensor([50, 20, 7])).shape
    torch.Size([3, 4])
    """

    def __init__(self, in_channels, out_features, hidden_size=64):
        super().__init__()
        self.gru = nn.GRU(in_channels, hidden_size, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, out_features)
        self.out_features = out_features

    def forward(self, x, lengths=None):
        """Encode a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, in_channels, time)
            The batch.
        lengths : torch.Tensor of shape (batch,), default=None
            Valid time steps per sample (the rest is padding); None: all.

        Returns
        -------
        encoding : torch.Tensor of shape (batch, out_features)
        """
        x = x.transpose(1, 2)
        if lengths is None:
            # pack_padded_sequence takes its lengths on the CPU, whatever x's device
            lengths = torch.full((x.shape[0],), x.shape[1], dtype=torch.int64)
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, state = self.gru(packed)
        return self.head(torch.cat([state[0], state[1]], dim=1))


class EmbeddingBagEncoder(nn.Module):
    """Mean of learned token embeddings for text ``(batch, max_tokens)`` of token ids.

    Parameters
    ----------
    vocabulary_size : int
        Number of token ids (0 pads and is ignored).
    out_features : int
        Size of the encoding.
    embedding_dim : int, default=64
        Size of the token embeddings.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import EmbeddingBagEncoder
    >>> encoder = EmbeddingBagEncoder(vocabulary_size=100, out_features=4)
    >>> encoder(torch.tensor([[5, 9, 0], [7, 0, 0], [2, 3, 4]])).shape
    torch.Size([3, 4])
    """

    def __init__(self, vocabulary_size, out_features, embedding_dim=64):
        super().__init__()
        self.bag = nn.EmbeddingBag(vocabulary_size, embedding_dim, mode="mean",
                                   padding_idx=0)
        self.head = nn.Linear(embedding_dim, out_features)
        self.out_features = out_features

    def forward(self, x):
        """Encode a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, max_tokens)
            The batch.

        Returns
        -------
        encoding : torch.Tensor of shape (batch, out_features)
        """
        return self.head(self.bag(x))


def _time_mask(x, lengths):
    """(batch, 1, time) float mask of the valid time steps."""
    if lengths is None:
        return x.new_ones(x.shape[0], 1, x.shape[2])
    steps = torch.arange(x.shape[2], device=x.device)
    return (steps[None, :] < lengths[:, None]).to(x.dtype)[:, None, :]


class _Projected(nn.Module):
    """A user's module followed by a linear map to the encoding size."""

    def __init__(self, module, in_features, out_features):
        super().__init__()
        self.module = module
        self.project = nn.Linear(in_features, out_features)
        self.out_features = out_features

    def forward(self, x):
        return self.project(self.module(x).flatten(1))


def takes_presence(encoder):
    """Whether ``encoder.forward`` takes ``present``, the mask of rows that have the modality."""
    from ._frontend import SpectrogramEncoder

    return isinstance(encoder, (MLPEncoder, ConvEncoder, SequenceConvEncoder,
                                SpectrogramEncoder))


def takes_lengths(encoder):
    """Whether ``encoder.forward`` takes the valid lengths of a padded sequence batch."""
    from ._frontend import SpectrogramEncoder

    return isinstance(encoder, (SequenceConvEncoder, GRUEncoder, SpectrogramEncoder))


def make_encoder(name, choice, spec, out_features, *, batch_norm=True):
    """Build the encoder for one modality.

    Parameters
    ----------
    name : str
        The modality (named in errors).
    choice : str, torch.nn.Module or None
        ``"mlp"``, ``"cnn"``, ``"cnn1d"``, ``"gru"``, ``"embedding_bag"``,
        ``"logmel"`` (a :class:`SpectrogramEncoder`: log-mel front-end and
        1-D CNN, for mono waveforms), a :class:`LogMelSpectrogram` (copied;
        the same encoder with that front-end), another module (copied; its
        output is flattened and linearly mapped to ``out_features`` unless
        it already has that many outputs), or None for the default of the
        modality's layout: ``"logmel"`` for mono sequences of at least
        1,024 samples (waveforms), ``"cnn1d"`` for other sequences.
    spec : dict
        The converter's ``layout``, per-sample ``shape`` and, for text,
        ``vocabulary_size``.
    out_features : int
        Size of the encoding.
    batch_norm : bool, default=True
        Batch normalisation in the built-in encoders.

    Returns
    -------
    encoder : torch.nn.Module

    Examples
    --------
    >>> from skfusion.neural import make_encoder
    >>> make_encoder("image", None, {"layout": "image", "shape": (1, 8, 8)}, 16)
    ConvEncoder(...)
    """
    from ._frontend import LogMelSpectrogram, SpectrogramEncoder

    shape = spec["shape"]
    if choice is None:
        choice = default_encoder(spec)
    if isinstance(choice, LogMelSpectrogram) or choice == "logmel":
        _check_mono(name, spec)
        frontend = copy.deepcopy(choice) if isinstance(choice, nn.Module) else None
        return SpectrogramEncoder(out_features, frontend, batch_norm=batch_norm)
    if isinstance(choice, nn.Module):
        return _wrap_user_module(name, copy.deepcopy(choice), spec, out_features)
    if choice == "mlp":
        return MLPEncoder(math.prod(shape), out_features, batch_norm=batch_norm)
    if choice == "cnn":
        return ConvEncoder(shape[0], out_features, batch_norm=batch_norm)
    if choice == "cnn1d":
        return SequenceConvEncoder(shape[0], out_features, batch_norm=batch_norm)
    if choice == "gru":
        return GRUEncoder(shape[0], out_features)
    if choice == "embedding_bag":
        return EmbeddingBagEncoder(spec["vocabulary_size"], out_features)
    raise ValueError(
        f"unknown encoder {choice!r} for modality {name!r}; choose one of "
        f"{sorted(ENCODER_KINDS)} or pass a torch.nn.Module"
    )


ENCODER_KINDS = ("mlp", "cnn", "cnn1d", "gru", "embedding_bag", "logmel")
_DEFAULT_FOR_LAYOUT = {"vector": "mlp", "image": "cnn", "sequence": "cnn1d",
                       "tokens": "embedding_bag"}
# mono sequences at least this long are taken for waveforms: log-mel front-end
WAVEFORM_MIN_SAMPLES = 1024


def default_encoder(spec):
    """The encoder kind for a modality's converted ``spec`` when none is named."""
    if spec["layout"] == "sequence" and spec["shape"][0] == 1 \
            and spec["shape"][1] >= WAVEFORM_MIN_SAMPLES:
        return "logmel"
    return _DEFAULT_FOR_LAYOUT[spec["layout"]]


def _check_mono(name, spec):
    if spec["layout"] != "sequence" or spec["shape"][0] != 1:
        raise ValueError(
            f"the log-mel encoder of modality {name!r} takes mono waveforms (1-D clips), "
            f"got samples of shape {tuple(spec['shape'])} ({spec['layout']} layout)"
        )


def _wrap_user_module(name, module, spec, out_features):
    dtype = torch.int64 if spec["layout"] == "tokens" else torch.float32
    # probe on the module's own device: a module already moved to a GPU works too
    device = next((t.device for t in (*module.parameters(), *module.buffers())), "cpu")
    probe = torch.zeros((2, *spec["shape"]), dtype=dtype, device=device)
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            output = module(probe)
    except Exception as exc:
        raise ValueError(
            f"the encoder module for modality {name!r} failed on a batch of shape "
            f"{tuple(probe.shape)} ({type(exc).__name__}: {exc})"
        ) from exc
    module.train(was_training)
    n_out = output.flatten(1).shape[1]
    if output.ndim == 2 and n_out == out_features:
        return module
    return _Projected(module, n_out, out_features)
