"""The fusion network: per-modality encoders, a fusion layer and a prediction head."""

import copy

import torch
from torch import nn

from ._convert import PRESENT_KEY, lengths_key
from ._encoders import make_encoder, takes_lengths, takes_presence
from ._fusion import FUSION_LAYERS

__all__ = ["FusionModule"]

_LAYER_OPTIONS = {"tensor": "tensor_dim", "lowrank": "rank"}


class FusionModule(nn.Module):
    """Encode each modality, fuse the encodings, predict.

    ``forward`` takes the modalities as keyword arguments (as skorch passes a
    dict batch) plus the presence mask ``_present`` and, for sequences, their
    lengths ``_lengths_<name>``. The built-in encoders' batch normalisation
    takes its statistics from the rows that have the modality, so the zeros
    that fill missing rows never shift them.

    Parameters
    ----------
    specs : dict
        Modality name mapped to its converted layout and per-sample shape (the
        converter's ``specs_``), in the order of the presence mask.
    n_outputs : int
        Classes (logits) or regression targets.
    encoders : dict, default=None
        Modality name mapped to an encoder name or a torch module, see
        :func:`~skfusion.neural.make_encoder`.
    fusion : str or torch.nn.Module, default="concat"
        ``"concat"``, ``"sum"``, ``"gated"``, ``"tensor"``, ``"lowrank"``,
        ``"attention"``, or a module called as ``fusion(encodings, present)``
        with an ``out_features`` attribute.
    embed_dim : int, default=64
        Size of every modality's encoding.
    hidden_dim : int, default=64
        Width of the head's hidden layer.
    dropout : float, default=0.2
        Dropout in the head.
    modality_dropout : float, default=0.0
        During training, the probability that a sample loses each of its
        modalities (never its last one): the net learns to predict when one
        is missing. A dropped modality is represented exactly as a missing
        one at prediction: its encoding is zeroed and its presence flag is 0.
        The encoder still sees the real input, so batch normalisation
        statistics never mix in blanks from dropping.
    aux_heads : bool, default=False
        Add a linear head per modality; in training mode ``forward`` then
        returns ``(output, per_modality_outputs, present)`` for an auxiliary
        loss.
    rank : int, default=4
        Rank of the ``"lowrank"`` fusion.
    tensor_dim : int, default=8
        Features per modality in the ``"tensor"`` fusion.
    batch_norm : bool, default=True
        Batch normalisation in the built-in encoders.

    See Also
    --------
    FusionNetClassifier : Builds and trains this module from a ModalityDict.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import FusionModule
    >>> specs = {"image": {"layout": "image", "shape": (1, 8, 8)},
    ...          "table": {"layout": "vector", "shape": (5,)}}
    >>> module = FusionModule(specs, n_outputs=3, fusion="attention", embed_dim=16).eval()
    >>> batch = {"image": torch.randn(4, 1, 8, 8), "table": torch.randn(4, 5),
    ...          "_present": torch.tensor([[1., 1.], [1., 0.], [0., 1.], [1., 1.]])}
    >>> module(**batch).shape
    torch.Size([4, 3])
    """

    def __init__(self, specs, n_outputs, *, encoders=None, fusion="concat", embed_dim=64,
                 hidden_dim=64, dropout=0.2, modality_dropout=0.0, aux_heads=False, rank=4,
                 tensor_dim=8, batch_norm=True):
        super().__init__()
        encoders = dict(encoders or {})
        self.names = list(specs)
        self.encoders = nn.ModuleDict({
            str(i): make_encoder(name, encoders.get(name), specs[name], embed_dim,
                                 batch_norm=batch_norm)
            for i, name in enumerate(self.names)
        })
        self.sequence_names = {name for i, name in enumerate(self.names)
                               if specs[name]["layout"] == "sequence"
                               and takes_lengths(self.encoders[str(i)])}
        self.masked_names = {name for i, name in enumerate(self.names)
                             if takes_presence(self.encoders[str(i)])}
        self.fusion = _make_fusion(fusion, len(self.names), embed_dim,
                                   {"rank": rank, "tensor_dim": tensor_dim})
        self.head = nn.Sequential(
            nn.Linear(self.fusion.out_features, hidden_dim), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden_dim, n_outputs))
        self.aux_heads = (nn.ModuleList(nn.Linear(embed_dim, n_outputs) for _ in self.names)
                          if aux_heads else None)
        self.modality_dropout = modality_dropout

    def forward(self, **inputs):
        """Predict from a batch of modalities.

        Parameters
        ----------
        **inputs : torch.Tensor
            Each modality's batch by name, the presence mask ``_present`` of
            shape (batch, n_modalities) (float, int or bool; nonzero where the
            sample has the modality), and ``_lengths_<name>`` for sequences.

        Returns
        -------
        output : torch.Tensor of shape (batch, n_outputs)
            Logits or regression outputs; in training mode with ``aux_heads``
            the tuple ``(output, per_modality_outputs, present)``.
        """
        present = inputs[PRESENT_KEY]
        if not present.is_floating_point():  # an int64 or bool mask works too
            present = present.to(torch.get_default_dtype())
        # the encoders' batch norms use the rows that have the modality in the data
        in_data = present
        if self.training and self.modality_dropout > 0:
            present = _drop_modalities(present, self.modality_dropout)
        encodings = torch.stack([self._encode(i, name, inputs, in_data[:, i])
                                 for i, name in enumerate(self.names)], dim=1)
        encodings = encodings * present[..., None]
        output = self.head(self.fusion(encodings, present))
        if self.training and self.aux_heads is not None:
            aux = torch.stack([head(encodings[:, i]) for i, head in
                               enumerate(self.aux_heads)], dim=1)
            return output, aux, present
        return output

    def _encode(self, i, name, inputs, present):
        encoder = self.encoders[str(i)]
        args = [inputs[name]]
        if name in self.sequence_names:
            args.append(inputs[lengths_key(name)])
        if name in self.masked_names:
            return encoder(*args, present=present)
        return encoder(*args)


def _drop_modalities(present, p):
    keep = (torch.rand_like(present) >= p).to(present.dtype)
    dropped = present * keep
    # a sample keeps at least one of its modalities
    emptied = dropped.sum(dim=1, keepdim=True) == 0
    return torch.where(emptied, present, dropped)


def _make_fusion(fusion, n_modalities, dim, options):
    if isinstance(fusion, nn.Module):
        if not hasattr(fusion, "out_features"):
            raise ValueError("a fusion module needs an `out_features` attribute")
        return copy.deepcopy(fusion)
    if fusion not in FUSION_LAYERS:
        raise ValueError(
            f"unknown fusion {fusion!r}; choose one of {sorted(FUSION_LAYERS)} or pass a "
            "torch.nn.Module"
        )
    extra = {_LAYER_OPTIONS[fusion]: options[_LAYER_OPTIONS[fusion]]} \
        if fusion in _LAYER_OPTIONS else {}
    return FUSION_LAYERS[fusion](n_modalities, dim, **extra)
