"""On-the-fly augmentations of training batches (for the ``augment`` parameter).

Each is a small picklable callable that takes a float32 batch tensor and
returns one of the same shape; it runs on the net's device, on scaled data.
"""

import numbers

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

    With an int, images ``(batch, channels, h, w)`` move in both directions of
    the plane and sequences ``(batch, channels, time)`` in time. With a tuple,
    each of the batch's last ``len(max_shift)`` axes moves by up to its own
    largest shift: ``RandomShift((1, 4))`` moves log-mel spectrograms
    ``(batch, bands, frames)`` by up to 1 mel band and 4 frames. Each sample
    draws its own shifts, uniformly from ``-max_shift`` to ``max_shift``.

    Parameters
    ----------
    max_shift : int or tuple of int, default=2
        Largest shift in pixels or time steps, or one per trailing axis of
        the batch, the last one for the last axis (0 keeps an axis still).

    See Also
    --------
    GaussianNoise : Additive noise, for tables and embeddings.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import RandomShift
    >>> images = torch.ones(4, 1, 8, 8)
    >>> shifted = RandomShift(2)(images)
    >>> shifted.shape, bool(shifted.sum() <= images.sum())
    (torch.Size([4, 1, 8, 8]), True)

    A spectrogram moves by up to 4 frames in time but keeps its bands:

    >>> spectrograms = torch.ones(4, 32, 48)
    >>> shifted = RandomShift((0, 4))(spectrograms)
    >>> bool((shifted.sum(dim=2) >= 44).all() and (shifted.sum(dim=1) % 32 == 0).all())
    True
    """

    def __init__(self, max_shift=2):
        self.max_shift = max_shift

    def __call__(self, batch):
        maxima = self._maxima(batch)
        shifts = self._draw(maxima, batch)
        first = batch.ndim - len(maxima)
        for k in range(len(maxima)):
            batch = _shift_along(batch, first + k, shifts[:, k])
        return batch

    def __repr__(self):
        return f"RandomShift(max_shift={self.max_shift!r})"

    def _maxima(self, batch):
        """The largest shift of each trailing axis, checked against the batch's shape."""
        if _is_count(self.max_shift):
            return (int(self.max_shift),) * (2 if batch.ndim >= 4 else 1)
        maxima = tuple(self.max_shift) if isinstance(self.max_shift, (tuple, list)) else None
        if not maxima or not all(_is_count(m) for m in maxima):
            raise ValueError(
                "RandomShift's max_shift must be a non-negative int or a non-empty tuple of "
                f"them, one per trailing axis of the batch; got {self.max_shift!r}")
        if len(maxima) > batch.ndim - 1:
            raise ValueError(
                f"RandomShift(max_shift={self.max_shift!r}) has {len(maxima)} largest shifts, "
                f"one per trailing axis, but a batch of shape {tuple(batch.shape)} has only "
                f"{batch.ndim - 1} axes after the batch axis; pass at most {batch.ndim - 1}")
        return tuple(int(m) for m in maxima)

    def _draw(self, maxima, batch):
        """Shifts of shape (n_samples, len(maxima)), drawn on the batch's device (no loop
        over samples, nothing leaves the device)."""
        n_samples, device = batch.shape[0], batch.device
        if _is_count(self.max_shift):
            return torch.randint(-maxima[0], maxima[0] + 1, (n_samples, len(maxima)),
                                 device=device)
        # one draw per axis, the last axis first: RandomShift((bands, frames)) draws like a
        # shift in time followed by one across bands
        columns = [torch.randint(-m, m + 1, (n_samples,), device=device)
                   for m in reversed(maxima)]
        return torch.stack(columns[::-1], dim=1)


def _is_count(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0


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
