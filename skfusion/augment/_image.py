"""Image augmentation: small random rotations, shifts, zooms and noise."""

import numbers

import numpy as np
from scipy import ndimage

from ..data import missing_mask
from ..utils._sklearn_compat import Interval, StrOptions
from ._base import BaseAugmenter, symmetric

__all__ = ["ImageAugmenter"]


class ImageAugmenter(BaseAugmenter):
    """Random affine jitter and noise for images ``(n, h, w[, c])``.

    Each image is rotated about its center by up to ``rotation`` degrees,
    zoomed by a factor in ``[1 - zoom, 1 + zoom]``, shifted by up to
    ``shift`` of its size, and given Gaussian noise with standard deviation
    ``noise`` times the dtype's range (255 for uint8, 1 for floats). The
    dtype is kept (integers are rounded and clipped). All channels move
    together.

    Parameters
    ----------
    rotation : float, default=10.0
        Largest rotation in degrees.
    shift : float, default=0.1
        Largest shift as a fraction of the height and width.
    zoom : float, default=0.1
        Largest relative change of scale.
    noise : float, default=0.0
        Standard deviation of the additive noise, relative to the dtype's range.
    mode : {"constant", "nearest", "reflect"}, default="constant"
        How pixels moved in from outside are filled (``"constant"``: zeros,
        the background of digits; ``"nearest"`` suits photographs).

    See Also
    --------
    ModalityAugmenter : Adds augmented copies to a training set (``fit_resample``).
    AugmentedEstimator : Augments the training data inside ``fit`` only.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.augment import ImageAugmenter
    >>> images = np.zeros((2, 28, 28), dtype=np.uint8)
    >>> images[:, 10:18, 12:16] = 255
    >>> moved = ImageAugmenter(rotation=15, shift=0.1).augment(images, random_state=0)
    >>> moved.shape, moved.dtype, bool((moved != images).any())
    ((2, 28, 28), dtype('uint8'), True)
    """

    _parameter_constraints = {
        "rotation": [Interval(numbers.Real, 0, 180, closed="both")],
        "shift": [Interval(numbers.Real, 0, 1, closed="both")],
        "zoom": [Interval(numbers.Real, 0, 1, closed="left")],
        "noise": [Interval(numbers.Real, 0, None, closed="left")],
        "mode": [StrOptions({"constant", "nearest", "reflect"})],
    }

    def __init__(self, *, rotation=10.0, shift=0.1, zoom=0.1, noise=0.0, mode="constant"):
        self.rotation = rotation
        self.shift = shift
        self.zoom = zoom
        self.noise = noise
        self.mode = mode

    def _check_values(self, values):
        values = np.asarray(values)
        if values.ndim not in (3, 4) or values.dtype.kind not in "biuf":
            raise ValueError(
                "ImageAugmenter expects numeric images of shape (n_samples, height, width"
                f"[, channels]); got dtype {values.dtype} and shape {values.shape}"
            )
        if values.dtype.kind == "f" and len(values):
            finite = np.isfinite(values.reshape(len(values), -1))
            missing = missing_mask(values)
            bad = np.flatnonzero(~finite.all(axis=1) & ~missing)
            if bad.size:
                raise ValueError(
                    f"ImageAugmenter got NaN or infinite pixels in {bad.size} image(s) that "
                    f"are not missing (first: image {bad[0]}); a missing image is all NaN"
                )
        return values

    def _augment_one(self, image, rng):
        height, width = image.shape[:2]
        angle = np.deg2rad(symmetric(rng, self.rotation))
        scale = 1.0 + symmetric(rng, self.zoom)
        offset_px = np.array([symmetric(rng, self.shift) * height,
                              symmetric(rng, self.shift) * width])
        # output coordinate o maps to input matrix @ (o - center - offset) + center
        cos, sin = np.cos(angle), np.sin(angle)
        matrix = np.array([[cos, -sin], [sin, cos]]) / scale
        center = (np.array([height, width]) - 1) / 2.0
        start = center - matrix @ (center + offset_px)
        planes = image[..., None] if image.ndim == 2 else image
        moved = np.stack([
            ndimage.affine_transform(planes[..., c].astype(np.float64), matrix, offset=start,
                                     order=1, mode=self.mode, cval=0.0)
            for c in range(planes.shape[2])
        ], axis=-1)
        moved = moved[..., 0] if image.ndim == 2 else moved
        return _restore_dtype(moved + self._noise(rng, moved.shape, image.dtype), image.dtype)

    def _noise(self, rng, shape, dtype):
        if not self.noise:
            return 0.0
        span = float(np.iinfo(dtype).max) if dtype.kind in "iu" else 1.0
        return rng.normal(0.0, self.noise * span, size=shape)


def _restore_dtype(values, dtype):
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    if dtype.kind == "b":
        return values > 0.5
    return values.astype(dtype)
