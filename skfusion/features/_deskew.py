"""Deskewing: undo the slant of handwriting before extracting image features."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn_compat import _fit_context
from ._image import _BaseImageFeatures

__all__ = ["DeskewImages"]


def deskew(image):
    """Shear one gray image so that its pixel mass stands upright.

    The shear is the one that zeroes the covariance of the pixel mass
    between rows and columns (second-moment deskewing), taken about the
    centre of mass, which moves to the image centre (as in the classic
    MNIST deskewing). A blank image is returned unchanged.
    """
    from scipy.ndimage import affine_transform

    image = np.asarray(image, dtype=np.float64)
    total = image.sum()
    rows, cols = np.mgrid[:image.shape[0], :image.shape[1]]
    if total <= 0:
        return image
    mean_r, mean_c = (rows * image).sum() / total, (cols * image).sum() / total
    var_r = ((rows - mean_r) ** 2 * image).sum() / total
    if var_r == 0:
        return image
    cov = ((rows - mean_r) * (cols - mean_c) * image).sum() / total
    shear = np.array([[1.0, 0.0], [cov / var_r, 1.0]])
    offset = np.array([mean_r, mean_c]) - shear @ (np.array(image.shape) / 2.0)
    return affine_transform(image, shear, offset=offset)


class DeskewImages(_BaseImageFeatures):
    """Straighten slanted gray images (handwriting), one by one.

    Each image is sheared so that the covariance of its pixel mass between
    rows and columns is zero, the classic second-moment deskewing of
    handwritten digits. The output has the input's shape, so it goes before
    :class:`HOGFeatures` or :class:`PixelFeatures`. Stateless: each image's
    result depends on that image only. Missing images (all-NaN) stay missing.

    Attributes
    ----------
    image_shape_ : tuple of int
        ``(height, width)`` of the images seen in ``fit``.
    n_features_in_ : int
        ``height`` (scikit-learn's count of the second axis).

    See Also
    --------
    HOGFeatures : Histograms of oriented gradients, a good next step.

    Notes
    -----
    On AV-MNIST (28x28 digits, leave-2-speakers-out) deskewing before HOG is
    part of the late-fusion recipe that reaches 0.998 accuracy; see
    ``benchmarks/bench_late_fusion.py``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.features import DeskewImages
    >>> slanted = np.zeros((1, 9, 9))
    >>> for r in range(9):
    ...     slanted[0, r, 2 + r // 2] = 1.0      # a stroke leaning to the right
    >>> upright = DeskewImages().fit_transform(slanted)
    >>> upright.shape
    (1, 9, 9)
    >>> columns = np.arange(9)
    >>> bool(np.ptp((upright[0] * columns).sum(axis=1)[1:-1] / upright[0].sum(axis=1)[1:-1]) < 1)
    True
    """

    _parameter_constraints = {}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check that the images are gray and remember their shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width)
            Gray images.
        y : None
            Ignored.

        Returns
        -------
        self : DeskewImages
        """
        self._check_no_partial_nan(self._check_gray(self._check_images(X, reset=True)))
        return self

    def transform(self, X):
        """Deskew every image.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width)
            Gray images of the shape seen in ``fit``.

        Returns
        -------
        images : ndarray of shape (n_samples, height, width)
            The straightened images, as float64.
        """
        check_is_fitted(self)
        X = self._check_gray(self._check_images(X, reset=False))
        self._check_no_partial_nan(X)
        out = np.full(X.shape, np.nan)
        for i, image in enumerate(X):
            if not np.isnan(image).all():
                out[i] = deskew(image)
        return out

    def _check_gray(self, X):
        if X.ndim != 3:
            raise ValueError(
                f"DeskewImages expects gray images of shape (n_samples, height, width); "
                f"got shape {X.shape}"
            )
        return X
