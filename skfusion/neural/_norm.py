"""Batch normalisation over the rows that have the modality.

The encoders normalise with these layers so that the zeros standing in for
missing rows never enter the batch statistics.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

class _MaskedBatchNorm:
    """Batch normalisation whose batch statistics come from the rows that have the modality.

    Mixed into :class:`torch.nn.BatchNorm1d` and :class:`torch.nn.BatchNorm2d`.
    ``forward(x, present)`` takes the per-row presence mask (nonzero where the
    row has the modality): in training mode the mean and variance that
    normalise the batch, and the running statistics used at prediction, are
    weighted sums over the present rows only, so the zeros that stand in for
    missing rows never pollute them. With every row present it computes what
    the torch layer computes. Masked arithmetic (no boolean row selection):
    no data-dependent shapes, no host-device synchronisation.

    A training batch with at most one value per channel among its present
    rows (no present row, or one present row of a vector) has no batch
    variance: it is normalised with the running statistics, which it leaves
    untouched, as in evaluation mode. Without a mask, the layer is torch's,
    except that it takes such a one-sample batch, where torch's raises.
    """

    def forward(self, x, present=None):
        if present is None:
            if not (self.training and x[:, 0].numel() == 1):
                return super().forward(x)
            present = x.new_ones(x.shape[0])
        self._check_input_dim(x)
        if not self.training and self.track_running_stats:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight,
                                self.bias, training=False, eps=self.eps)
        return self._masked_forward(x, present)

    def _masked_forward(self, x, present):
        rows = (present != 0).to(x.dtype)
        with torch.no_grad():
            count = rows.sum() * math.prod(x.shape[2:])
            mean = _sum_over_rows(x, rows) / count.clamp(min=1)
            var = _sum_over_rows((x - _per_channel(mean, x)).square(), rows) / count.clamp(min=1)
            enough = count > 1
            if self.track_running_stats:
                if self.training:
                    self._update_running_stats(mean, var, count, enough)
                # too few values for batch statistics: the running ones normalise
                mean = torch.where(enough, mean, self.running_mean)
                var = torch.where(enough, var, self.running_var)
                rows = rows * enough  # and no gradient flows through them
        return _MaskedNorm.apply(x, self.weight, self.bias, rows, count.clamp(min=1), mean,
                                 torch.rsqrt(var + self.eps))

    @torch.no_grad()
    def _update_running_stats(self, mean, var, count, enough):
        """torch's update (momentum, unbiased variance), skipped when ``enough`` is False."""
        self.num_batches_tracked.add_(enough.to(self.num_batches_tracked.dtype))
        if self.momentum is None:  # cumulative moving average
            factor = 1.0 / self.num_batches_tracked.clamp(min=1).to(mean.dtype)
        else:
            factor = self.momentum
        unbiased = var * count / (count - 1).clamp(min=1)
        for buffer, batch_value in [(self.running_mean, mean), (self.running_var, unbiased)]:
            updated = (1 - factor) * buffer + factor * batch_value
            buffer.copy_(torch.where(enough, updated, buffer))


class _MaskedBatchNorm1d(_MaskedBatchNorm, nn.BatchNorm1d):
    """:class:`torch.nn.BatchNorm1d` over the rows that have the modality."""


class _MaskedBatchNorm2d(_MaskedBatchNorm, nn.BatchNorm2d):
    """:class:`torch.nn.BatchNorm2d` over the rows that have the modality."""


class _MaskedNorm(torch.autograd.Function):
    """Normalise ``x`` with per-channel statistics of the ``rows`` it was given.

    The gradient is batch norm's, with the batch mean and variance taken over
    ``rows`` (weights 0 or 1, ``count`` values per channel in all); rows of
    weight 0 are normalised alike but do not move the statistics. Written out
    by hand, forward and backward take about half the time autograd's graph
    of the same arithmetic does on a CPU.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, rows, count, mean, invstd):
        # (in-place ops on new tensors: broadcast addcmul is several times slower on CPUs)
        normalised = (x * _per_channel(invstd, x)).add_(_per_channel(-mean * invstd, x))
        ctx.save_for_backward(normalised, weight, rows, count, invstd)
        if weight is None:
            return normalised
        return (normalised * _per_channel(weight, x)).add_(_per_channel(bias, x))

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        normalised, weight, rows, count, invstd = ctx.saved_tensors
        dims = [0, *range(2, grad.ndim)]
        # every row's output depends on the statistics, which only ``rows`` move
        sum_grad = grad.sum(dims)
        sum_grad_normalised = (grad * normalised).sum(dims)
        through_stats = (normalised * _per_channel(sum_grad_normalised / count, grad)).add_(
            _per_channel(sum_grad / count, grad)).mul_(_per_row(rows, grad))
        scale = invstd if weight is None else invstd * weight
        grad_x = (grad - through_stats).mul_(_per_channel(scale, grad))
        if weight is None:
            return grad_x, None, None, None, None, None, None
        return grad_x, sum_grad_normalised, sum_grad, None, None, None, None


def _per_channel(values, x):
    """``values`` of shape (channels,) shaped to broadcast over ``x`` (batch, channels, ...)."""
    return values.reshape(-1, *([1] * (x.ndim - 2)))


def _per_row(values, x):
    """``values`` of shape (batch,) shaped to broadcast over ``x``."""
    return values.reshape(-1, *([1] * (x.ndim - 1)))


def _sum_over_rows(x, rows):
    """Per-channel sum of ``x`` (batch, channels, ...) over the rows weighted by ``rows``."""
    return (rows @ x.reshape(x.shape[0], -1)).reshape(x.shape[1], -1).sum(dim=1)


def _apply_layers(layers, x, present):
    """Run ``layers`` in order, handing the presence mask to the masked batch norms."""
    for layer in layers:
        x = layer(x, present) if isinstance(layer, _MaskedBatchNorm) else layer(x)
    return x
