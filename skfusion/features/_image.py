"""Image features: raw pixels and histograms of oriented gradients (HOG).

Both take the image modality as it is stored: an array of shape
``(n_samples, height, width)`` (gray) or ``(n_samples, height, width,
channels)`` (RGB, RGBA), any numeric dtype. A 2-D array ``(n_samples,
n_pixels)`` is read as already-flattened images. Rows that are all NaN
(missing images) give all-NaN feature rows, so missing images stay missing.
Other NaN pixels: :class:`PixelFeatures` passes them on as NaN features;
:class:`HOGFeatures` (and :class:`DeskewImages`) refuse them, since one NaN
pixel would spoil the whole descriptor.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..data import missing_mask
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._base import import_optional, map_chunks

__all__ = ["HOGFeatures", "PixelFeatures"]

# ITU-R BT.709 luma weights, as in skimage.color.rgb2gray
_LUMA = np.array([0.2125, 0.7154, 0.0721])


class _BaseImageFeatures(TransformerMixin, BaseEstimator):
    """Validation shared by the image feature extractors."""

    def _check_images(self, X, *, reset):
        _check_image_dtype(self, X)
        shape = getattr(X, "shape", None)
        if not reset and shape is not None and (
                len(shape) > 2 or (len(shape) == 2 and len(self.image_shape_) > 1)):
            # images fitted as images: say so; flattened ones get scikit-learn's message
            self._check_image_shape(tuple(shape[1:]))
        X = validate_data(
            self, X, reset=reset, allow_nd=True, dtype="numeric",
            ensure_all_finite="allow-nan",
        )
        if X.ndim > 4 or (X.ndim == 4 and X.shape[3] not in (1, 2, 3, 4)):
            raise ValueError(
                f"{type(self).__name__} expects images of shape (n_samples, height, width) "
                f"or (n_samples, height, width, channels) with 1-4 channels; got shape {X.shape}"
            )
        if reset:
            self.image_shape_ = X.shape[1:]
        else:
            self._check_image_shape(X.shape[1:])
        return X

    def _check_image_shape(self, shape):
        if shape != self.image_shape_:
            raise ValueError(
                f"{type(self).__name__} was fitted on images of shape {self.image_shape_} "
                f"(height, width[, channels]); got images of shape {shape}"
                f"{_shape_hint(shape, self.image_shape_)}"
            )

    def _check_no_partial_nan(self, X):
        """Reject NaN pixels in images that are not entirely NaN (missing)."""
        if X.dtype.kind != "f":
            return
        nan = np.isnan(X.reshape(X.shape[0], -1))
        partial = np.flatnonzero(nan.any(axis=1) & ~nan.all(axis=1))
        if partial.size:
            raise ValueError(
                f"{type(self).__name__} got NaN pixels in {partial.size} image(s) that are "
                f"not missing (first: image {partial[0]}); a missing image is all NaN. "
                "Impute the pixels or blank the whole image"
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _check_image_dtype(estimator, X):
    """Clear errors for complex images and for 1-D object arrays of images."""
    dtype = getattr(X, "dtype", None)
    if dtype is None:
        return
    name = type(estimator).__name__
    if dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} expects real-valued images, got "
            f"dtype {dtype}"
        )
    if dtype == object and getattr(X, "ndim", 0) == 1:
        raise ValueError(
            f"{name} expects one numeric array of images of shape (n_samples, height, "
            f"width[, channels]); got a 1-D object array of {len(X)} entries (stack "
            "equal-size images with np.stack, or resize them first)"
        )


def _shape_hint(shape, fitted):
    """What a wrong image shape probably means."""
    if shape == (int(np.prod(fitted)),):
        return f" (flattened images? reshape them to (n_samples, {', '.join(map(str, fitted))}))"
    if shape == tuple(fitted[1:]):
        return " (a single image? pass it as image[np.newaxis])"
    return ""


def _to_float(X, scale):
    """Images as float64, divided by the dtype's maximum (integers) or ``scale``."""
    if scale is True:
        if X.dtype.kind in "iu":
            return X / float(np.iinfo(X.dtype).max)
        return X.astype(np.float64)
    if scale is False:
        return X.astype(np.float64)
    return X / float(scale)


def _convert_color(X, color):
    """Gray ``(n, h, w)`` or color ``(n, h, w, c)`` images converted to ``color``."""
    if color == "keep":
        return X
    channels = 1 if X.ndim == 3 else X.shape[3]
    if color == "gray":
        if channels >= 3:
            return X[..., :3] @ _LUMA
        return X if X.ndim == 3 else X[..., 0]
    # color == "rgb"
    if channels >= 3:
        return X[..., :3]
    gray = X if X.ndim == 3 else X[..., 0]
    return np.repeat(gray[..., None], 3, axis=3)


class PixelFeatures(_BaseImageFeatures):
    """Flatten images into pixel features, scaled to [0, 1].

    Optionally converts to gray or RGB and resizes (with anti-aliasing)
    before flattening. Stateless apart from remembering the image shape.

    Parameters
    ----------
    size : int or (int, int), default=None
        Resize every image to ``(size, size)`` or ``(height, width)``; None
        keeps the size. Resizing needs scikit-image
        (``pip install skfusion[image]``).
    color : {"keep", "gray", "rgb"}, default="keep"
        ``"gray"`` converts color images to luminance (BT.709 weights, alpha
        dropped); ``"rgb"`` repeats gray images into 3 channels and drops alpha;
        ``"keep"`` leaves the channels alone.
    scale : bool or float, default=True
        True divides integer images by their dtype's maximum (uint8 by 255)
        and leaves float images as they are (assumed to be in [0, 1]); a
        number divides every image by it (16 for scikit-learn's 8x8 digits);
        False only converts to float.

    Attributes
    ----------
    image_shape_ : tuple of int
        ``(height, width[, channels])`` of the images seen in ``fit``.
    n_features_in_ : int
        The size of the input's second axis (the image height, or the
        number of pixels for flattened input).

    See Also
    --------
    HOGFeatures : Histograms of oriented gradients, robust to small shifts.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.features import PixelFeatures
    >>> images = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    >>> PixelFeatures().fit_transform(images).shape
    (2, 16)
    >>> rgb = np.full((3, 8, 8, 3), 255, dtype=np.uint8)
    >>> PixelFeatures(color="gray", size=4).fit_transform(rgb).shape
    (3, 16)
    """

    _parameter_constraints = {
        "size": [Interval(numbers.Integral, 1, None, closed="left"), tuple, None],
        "color": [StrOptions({"keep", "gray", "rgb"})],
        "scale": ["boolean", Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, *, size=None, color="keep", scale=True):
        self.size = size
        self.color = color
        self.scale = scale

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the images and remember their shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width[, channels])
            Images; a 2-D array is read as flattened images.
        y : None
            Ignored.

        Returns
        -------
        self : PixelFeatures
        """
        X = self._check_images(X, reset=True)
        self._check_size_applies(X)
        self._out_shape = self._transform_images(X[:1]).shape[1:]
        return self

    def transform(self, X):
        """Flatten (and convert, resize, scale) the images.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width[, channels])
            Images of the shape seen in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_pixels)
            Pixel values in [0, 1] for integer images (with ``scale=True``).
        """
        check_is_fitted(self)
        X = self._check_images(X, reset=False)
        return self._transform_images(X).reshape(X.shape[0], -1)

    def get_feature_names_out(self, input_features=None):
        """Pixel names: ``pixel{row}_{col}`` (``_{channel}`` for color).

        Parameters
        ----------
        input_features : None
            Ignored (pixels have no input names).

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        shape = self._out_shape
        if len(shape) == 1:
            return np.asarray([f"pixel{i}" for i in range(shape[0])], dtype=object)
        index = np.indices(shape).reshape(len(shape), -1).T
        return np.asarray(["pixel" + "_".join(map(str, idx)) for idx in index], dtype=object)

    def _check_size_applies(self, X):
        if X.ndim > 2:
            return
        if self.size is not None:
            raise ValueError(
                "PixelFeatures(size=...) needs images of shape (n_samples, height, width"
                "[, channels]); got a 2-D array of flattened pixels"
            )
        if self.color != "keep":
            raise ValueError(
                f"PixelFeatures(color={self.color!r}) needs images with their channel "
                "axis; got a 2-D array of flattened pixels"
            )

    def _transform_images(self, X):
        X = _convert_color(_to_float(X, self.scale), self.color)
        if self.size is not None:
            X = _resize(X, self.size)
        return X


def _resize(X, size):
    transform = import_optional("skimage.transform", "image", "PixelFeatures(size=...)")
    height, width = (size, size) if isinstance(size, numbers.Integral) else size
    shape = (height, width) + X.shape[3:]
    out = np.empty((X.shape[0],) + shape)
    for i, image in enumerate(X):
        out[i] = transform.resize(image, shape, order=1, anti_aliasing=True, mode="edge")
    return out


class HOGFeatures(_BaseImageFeatures):
    """Histograms of oriented gradients (HOG) of each image (scikit-image).

    The defaults adapt to the image size: with ``pixels_per_cell="auto"``
    cells are a seventh of the image side, between 2 and 16 pixels (2x2
    pixels for 8x8 digits, 4x4 for 28x28 MNIST, 16x16 for large images), and
    blocks of 3x3 cells (fewer where the image has fewer) are normalized.
    Color images use the channel with the strongest gradient at each pixel.
    Needs scikit-image
    (``pip install skfusion[image]``).

    Parameters
    ----------
    orientations : int, default=9
        Number of orientation bins.
    pixels_per_cell : "auto" or (int, int), default="auto"
        Cell size in pixels; "auto" uses a seventh of the height and of the
        width, between 2 and 16 pixels.
    cells_per_block : (int, int), default=(3, 3)
        Cells per normalization block, reduced to the number of cells where
        the image has fewer.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}, default="L2-Hys"
        Block normalization.
    transform_sqrt : bool, default=False
        Apply power-law compression (square root) before HOG.
    n_jobs : int, default=None
        Jobs to compute HOG in parallel (joblib, via
        :mod:`sklearn.utils.parallel`); None means 1.
    verbose : int, default=0
        Show a progress bar (tqdm, if installed) over the images.

    Attributes
    ----------
    image_shape_ : tuple of int
        ``(height, width[, channels])`` of the images seen in ``fit``.
    pixels_per_cell_ : tuple of int
        The cell size used.
    cells_per_block_ : tuple of int
        The block size used.
    n_features_in_ : int
        The size of the input's second axis.

    See Also
    --------
    PixelFeatures : Raw pixels, flattened.

    Notes
    -----
    A 2-D input ``(n_samples, n_pixels)`` is read as flattened square images.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.features import HOGFeatures
    >>> rng = np.random.RandomState(0)
    >>> digits = rng.randint(0, 17, size=(5, 8, 8))
    >>> hog = HOGFeatures().fit(digits)
    >>> hog.pixels_per_cell_, hog.transform(digits).shape
    ((2, 2), (5, 324))
    >>> HOGFeatures().fit_transform(rng.randint(0, 256, (2, 28, 28, 3))).shape
    (2, 2025)
    """

    _parameter_constraints = {
        "orientations": [Interval(numbers.Integral, 1, None, closed="left")],
        "pixels_per_cell": [StrOptions({"auto"}), tuple],
        "cells_per_block": [tuple],
        "block_norm": [StrOptions({"L1", "L1-sqrt", "L2", "L2-Hys"})],
        "transform_sqrt": ["boolean"],
        "n_jobs": [numbers.Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(self, *, orientations=9, pixels_per_cell="auto", cells_per_block=(3, 3),
                 block_norm="L2-Hys", transform_sqrt=False, n_jobs=None, verbose=0):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.transform_sqrt = transform_sqrt
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the images and choose the cell and block sizes.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width[, channels])
            Images.
        y : None
            Ignored.

        Returns
        -------
        self : HOGFeatures
        """
        import_optional("skimage.feature", "image", "HOGFeatures")
        X = self._as_images(self._check_images(X, reset=True))
        self._check_no_partial_nan(X)
        height, width = X.shape[1:3]
        if self.pixels_per_cell == "auto":
            self.pixels_per_cell_ = (_auto_cell(height), _auto_cell(width))
        else:
            self.pixels_per_cell_ = tuple(int(p) for p in self.pixels_per_cell)
        n_cells = (height // self.pixels_per_cell_[0], width // self.pixels_per_cell_[1])
        if min(n_cells) < 1:
            raise ValueError(
                f"HOGFeatures(pixels_per_cell={self.pixels_per_cell_}) is larger than the "
                f"images ({height}x{width})"
            )
        self.cells_per_block_ = tuple(min(b, c) for b, c in zip(self.cells_per_block, n_cells))
        self._n_features_out = self._hog_chunk(X[:1].astype(np.float64)).shape[1]
        return self

    def transform(self, X):
        """Compute the HOG descriptor of each image.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width[, channels])
            Images of the shape seen in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features)
            HOG descriptors; all-NaN rows for all-NaN (missing) images.
        """
        check_is_fitted(self)
        X = self._as_images(self._check_images(X, reset=False)).astype(np.float64)
        self._check_no_partial_nan(X)
        missing = missing_mask(X)
        out = np.full((X.shape[0], self._n_features_out), np.nan)
        if (~missing).any():
            out[~missing] = map_chunks(self._hog_chunk, X[~missing], self.n_jobs,
                                       verbose=self.verbose, desc="HOG")
        return out

    def get_feature_names_out(self, input_features=None):
        """Names ``hog0``, ``hog1``, ...

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        return np.asarray([f"hog{i}" for i in range(self._n_features_out)], dtype=object)

    def _as_images(self, X):
        if X.ndim > 2:
            return X
        side = int(round(np.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            raise ValueError(
                "HOGFeatures expects images of shape (n_samples, height, width[, channels]); "
                f"a 2-D input is read as flattened square images, but {X.shape[1]} pixels "
                "are not a square number"
            )
        return X.reshape(X.shape[0], side, side)

    def _hog_chunk(self, images):
        from skimage.feature import hog

        color = images.ndim == 4 and images.shape[3] > 1
        if color:
            images = images[..., :3]
        elif images.ndim == 4:
            images = images[..., 0]
        return np.stack([
            hog(image, orientations=self.orientations, pixels_per_cell=self.pixels_per_cell_,
                cells_per_block=self.cells_per_block_, block_norm=self.block_norm,
                transform_sqrt=self.transform_sqrt, feature_vector=True,
                channel_axis=-1 if color else None)
            for image in images
        ])


def _auto_cell(side):
    return int(np.clip(side // 7, min(2, side), 16))
