"""Fusion layers: combine per-modality encodings into one vector.

Each layer takes ``encodings`` of shape ``(batch, n_modalities, dim)`` and the
presence mask ``present`` of shape ``(batch, n_modalities)`` (1 where the
sample has the modality, 0 where it is missing or dropped), and returns
``(batch, out_features)``; ``layer.out_features`` is set at construction. A missing modality never contributes: its
encoding is zeroed, or its weight is zero.
"""

import torch
from torch import nn

__all__ = [
    "ConcatFusion",
    "SumFusion",
    "GatedFusion",
    "TensorFusion",
    "LowRankFusion",
    "AttentionFusion",
    "FUSION_LAYERS",
]


class ConcatFusion(nn.Module):
    """Concatenate the encodings and the presence mask.

    Parameters
    ----------
    n_modalities : int
        Number of encodings.
    dim : int
        Size of each encoding.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import ConcatFusion
    >>> layer = ConcatFusion(n_modalities=2, dim=4)
    >>> encodings, present = torch.randn(3, 2, 4), torch.tensor([[1., 1.], [1., 0.], [0., 1.]])
    >>> layer(encodings, present).shape
    torch.Size([3, 10])
    """

    def __init__(self, n_modalities, dim):
        super().__init__()
        self.out_features = n_modalities * (dim + 1)

    def forward(self, encodings, present):
        """Fuse a batch of encodings.

        Parameters
        ----------
        encodings : torch.Tensor of shape (batch, n_modalities, dim)
            The per-modality encodings.
        present : torch.Tensor of shape (batch, n_modalities)
            1 where the sample has the modality, 0 where it does not.

        Returns
        -------
        fused : torch.Tensor of shape (batch, out_features)
        """
        masked = encodings * present[..., None]
        return torch.cat([masked.flatten(1), present], dim=1)


class SumFusion(nn.Module):
    """Sum the encodings of the present modalities.

    Parameters
    ----------
    n_modalities : int
        Number of encodings.
    dim : int
        Size of each encoding.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import SumFusion
    >>> layer = SumFusion(n_modalities=2, dim=4)
    >>> encodings, present = torch.randn(3, 2, 4), torch.tensor([[1., 1.], [1., 0.], [0., 1.]])
    >>> layer(encodings, present).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_modalities, dim):
        super().__init__()
        self.out_features = dim

    def forward(self, encodings, present):
        """Fuse a batch of encodings.

        Parameters
        ----------
        encodings : torch.Tensor of shape (batch, n_modalities, dim)
            The per-modality encodings.
        present : torch.Tensor of shape (batch, n_modalities)
            1 where the sample has the modality, 0 where it does not.

        Returns
        -------
        fused : torch.Tensor of shape (batch, out_features)
        """
        return (encodings * present[..., None]).sum(dim=1)


class GatedFusion(nn.Module):
    """Gated multimodal unit (Arevalo et al., 2017).

    Each modality gets a ``tanh`` transform; a gate computed from all
    encodings weighs them per feature (a softmax over the present
    modalities; with two modalities this is the unit's sigmoid gate).

    Parameters
    ----------
    n_modalities : int
        Number of encodings.
    dim : int
        Size of each encoding.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import GatedFusion
    >>> layer = GatedFusion(n_modalities=2, dim=4)
    >>> encodings, present = torch.randn(3, 2, 4), torch.tensor([[1., 1.], [1., 0.], [0., 1.]])
    >>> layer(encodings, present).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_modalities, dim):
        super().__init__()
        self.transforms = nn.ModuleList(nn.Linear(dim, dim) for _ in range(n_modalities))
        self.gate = nn.Linear(n_modalities * (dim + 1), n_modalities * dim)
        self.out_features = dim

    def forward(self, encodings, present):
        """Fuse a batch of encodings.

        Parameters
        ----------
        encodings : torch.Tensor of shape (batch, n_modalities, dim)
            The per-modality encodings.
        present : torch.Tensor of shape (batch, n_modalities)
            1 where the sample has the modality, 0 where it does not.

        Returns
        -------
        fused : torch.Tensor of shape (batch, out_features)
        """
        batch, n_modalities, dim = encodings.shape
        masked = encodings * present[..., None]
        hidden = torch.stack([torch.tanh(t(masked[:, i])) for i, t in
                              enumerate(self.transforms)], dim=1)
        logits = self.gate(torch.cat([masked.flatten(1), present], dim=1))
        logits = logits.view(batch, n_modalities, dim)
        logits = logits.masked_fill(present[..., None] == 0, float("-inf"))
        weights = torch.softmax(logits, dim=1)
        return (weights * hidden).sum(dim=1)


class TensorFusion(nn.Module):
    """Tensor fusion (Zadeh et al., 2017): the outer product of ``[encoding, 1]``.

    Each encoding is first mapped to ``tensor_dim`` features, so the output
    has ``(tensor_dim + 1) ** n_modalities`` features. A missing modality
    contributes ``[0, ..., 0, 1]``, which keeps the other modalities' terms.

    Parameters
    ----------
    n_modalities : int
        Number of encodings.
    dim : int
        Size of each encoding.
    tensor_dim : int, default=8
        Features per modality in the product.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import TensorFusion
    >>> layer = TensorFusion(n_modalities=2, dim=4, tensor_dim=2)
    >>> encodings, present = torch.randn(3, 2, 4), torch.tensor([[1., 1.], [1., 0.], [0., 1.]])
    >>> layer(encodings, present).shape
    torch.Size([3, 9])
    """

    def __init__(self, n_modalities, dim, tensor_dim=8):
        super().__init__()
        self.project = nn.ModuleList(nn.Linear(dim, tensor_dim) for _ in range(n_modalities))
        self.out_features = (tensor_dim + 1) ** n_modalities

    def forward(self, encodings, present):
        """Fuse a batch of encodings.

        Parameters
        ----------
        encodings : torch.Tensor of shape (batch, n_modalities, dim)
            The per-modality encodings.
        present : torch.Tensor of shape (batch, n_modalities)
            1 where the sample has the modality, 0 where it does not.

        Returns
        -------
        fused : torch.Tensor of shape (batch, out_features)
        """
        product = None
        for i, project in enumerate(self.project):
            z = _with_one(project(encodings[:, i]) * present[:, i, None])
            product = z if product is None else (product[:, :, None] * z[:, None, :]).flatten(1)
        return product


class LowRankFusion(nn.Module):
    """Low-rank multimodal fusion (Liu et al., 2018).

    Tensor fusion's weight tensor factored into ``rank`` modality-specific
    factors: the output is a weighted sum over the rank of the product over
    modalities of ``[encoding, 1] @ factor``.

    Parameters
    ----------
    n_modalities : int
        Number of encodings.
    dim : int
        Size of each encoding.
    rank : int, default=4
        Rank of the factorisation.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import LowRankFusion
    >>> layer = LowRankFusion(n_modalities=2, dim=4)
    >>> encodings, present = torch.randn(3, 2, 4), torch.tensor([[1., 1.], [1., 0.], [0., 1.]])
    >>> layer(encodings, present).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_modalities, dim, rank=4):
        super().__init__()
        self.factors = nn.Parameter(torch.empty(n_modalities, rank, dim + 1, dim))
        nn.init.xavier_normal_(self.factors)
        with torch.no_grad():
            # the weights of the constant 1 start at 1, so that each factor starts near
            # 1 and the product near 1 plus a sum of unimodal terms
            self.factors[:, :, -1, :] = 1.0
        self.rank_weights = nn.Parameter(torch.full((1, rank), 1.0 / rank))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.out_features = dim

    def forward(self, encodings, present):
        """Fuse a batch of encodings.

        Parameters
        ----------
        encodings : torch.Tensor of shape (batch, n_modalities, dim)
            The per-modality encodings.
        present : torch.Tensor of shape (batch, n_modalities)
            1 where the sample has the modality, 0 where it does not.

        Returns
        -------
        fused : torch.Tensor of shape (batch, out_features)
        """
        product = None
        for i in range(encodings.shape[1]):
            z = _with_one(encodings[:, i] * present[:, i, None])
            term = torch.einsum("bd,rdo->bro", z, self.factors[i])
            product = term if product is None else product * term
        return torch.einsum("xr,bro->bo", self.rank_weights, product) + self.bias


class AttentionFusion(nn.Module):
    """Learned attention weights over the present modalities.

    A score ``v . tanh(W e)`` per modality, a softmax over the modalities the
    sample has, and the weighted sum of the encodings.

    Parameters
    ----------
    n_modalities : int
        Number of encodings.
    dim : int
        Size of each encoding.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import AttentionFusion
    >>> layer = AttentionFusion(n_modalities=2, dim=4)
    >>> encodings, present = torch.randn(3, 2, 4), torch.tensor([[1., 1.], [1., 0.], [0., 1.]])
    >>> layer(encodings, present).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_modalities, dim):
        super().__init__()
        self.score = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, 1))
        self.out_features = dim

    def forward(self, encodings, present):
        """Fuse a batch of encodings.

        Parameters
        ----------
        encodings : torch.Tensor of shape (batch, n_modalities, dim)
            The per-modality encodings.
        present : torch.Tensor of shape (batch, n_modalities)
            1 where the sample has the modality, 0 where it does not.

        Returns
        -------
        fused : torch.Tensor of shape (batch, out_features)
        """
        scores = self.score(encodings).squeeze(-1)
        scores = scores.masked_fill(present == 0, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        return (weights[..., None] * encodings).sum(dim=1)


def _with_one(z):
    return torch.cat([z, torch.ones_like(z[:, :1])], dim=1)


FUSION_LAYERS = {
    "concat": ConcatFusion,
    "sum": SumFusion,
    "gated": GatedFusion,
    "tensor": TensorFusion,
    "lowrank": LowRankFusion,
    "attention": AttentionFusion,
}
