"""On-the-fly augmentations of training batches (for the ``augment`` parameter).

Each is a small picklable callable that takes a float32 batch tensor and
returns one of the same shape; it runs on the net's device, on scaled data.
"""

import torch

__all__ = ["GaussianNoise", "RandomShift"]


class GaussianNoise:
    """Add Gaussian noise of standard deviation ``std`` (in scaled units).

    Parameters
    ----------
    std : float, default=0.1
        Standard deviation of the noise.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import GaussianNoise
    >>> GaussianNoise(0.0)(torch.ones(2, 3)).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """

    def __init__(self, std=0.1):
        self.std = std

    def __call__(self, batch):
        return batch + self.std * torch.randn_like(batch)

    def __repr__(self):
        return f"GaussianNoise(std={self.std})"


class RandomShift:
    """Shift each sample by up to ``max_shift`` steps along its last axes, with zero fill.

    Images ``(batch, channels, h, w)`` move in both directions of the plane;
    sequences ``(batch, channels, time)`` in time.

    Parameters
    ----------
    max_shift : int, default=2
        Largest shift, in pixels or time steps.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import RandomShift
    >>> images = torch.ones(4, 1, 8, 8)
    >>> shifted = RandomShift(2)(images)
    >>> shifted.shape, bool(shifted.sum() <= images.sum())
    (torch.Size([4, 1, 8, 8]), True)
    """

    def __init__(self, max_shift=2):
        self.max_shift = max_shift

    def __call__(self, batch):
        spatial = 2 if batch.ndim >= 4 else 1
        # drawn on the batch's device: the shifts never leave it (no per-sample loop)
        shifts = torch.randint(-self.max_shift, self.max_shift + 1,
                               (batch.shape[0], spatial), device=batch.device)
        for k in range(spatial):
            batch = _shift_along(batch, batch.ndim - spatial + k, shifts[:, k])
        return batch

    def __repr__(self):
        return f"RandomShift(max_shift={self.max_shift})"


def _shift_along(batch, axis, shifts):
    """Shift each sample along ``axis`` by its own number of steps, filling with zeros."""
    size = batch.shape[axis]
    shape = [batch.shape[0]] + [1] * (batch.ndim - 1)
    shape[axis] = size
    # output step j of sample i reads input step j - shifts[i]
    source = (torch.arange(size, device=batch.device) - shifts[:, None]).view(shape)
    outside = (source < 0) | (source >= size)
    shifted = torch.gather(batch, axis, source.clamp(0, size - 1).expand(batch.shape))
    return shifted.masked_fill(outside, 0)
