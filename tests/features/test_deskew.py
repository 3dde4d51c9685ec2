"""DeskewImages: slanted strokes stand upright; missing images stay missing."""

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skfusion import ModalitySelector
from skfusion.features import DeskewImages, HOGFeatures
from skfusion.features._deskew import deskew


def _slant(image_side, lean):
    """A vertical bar sheared by ``lean`` columns per row."""
    image = np.zeros((image_side, image_side))
    for r in range(2, image_side - 2):
        image[r, int(round(image_side / 2 + lean * (r - image_side / 2)))] = 1.0
    return image


def _row_column_covariance(image):
    rows, cols = np.mgrid[:image.shape[0], :image.shape[1]]
    total = image.sum()
    mr, mc = (rows * image).sum() / total, (cols * image).sum() / total
    return ((rows - mr) * (cols - mc) * image).sum() / total


@pytest.mark.parametrize("lean", [-0.4, 0.3, 0.5])
def test_slanted_strokes_become_upright(lean):
    image = _slant(28, lean)
    assert abs(_row_column_covariance(image)) > 2
    upright = DeskewImages().fit_transform(image[None])[0]
    assert abs(_row_column_covariance(upright)) < 0.2 * abs(_row_column_covariance(image))
    assert upright.sum() == pytest.approx(image.sum(), rel=0.1)


def test_a_diagonal_stroke_becomes_a_centred_vertical_bar():
    """Worked by hand: pixels (r, r) for r = 1..7 have mean (4, 4) and covariance equal to
    their row variance, so the shear is 1; the mass centre goes to the middle (5, 5) of the
    10x10 image, and every output pixel samples the input at integer coordinates (exact)."""
    image = np.zeros((10, 10))
    image[np.arange(1, 8), np.arange(1, 8)] = 1.0
    expected = np.zeros((10, 10))
    expected[2:9, 5] = 1.0
    np.testing.assert_allclose(DeskewImages().fit_transform(image[None])[0], expected,
                               atol=1e-9)


def test_the_mass_centre_moves_to_the_image_centre():
    """As in MNIST's own preprocessing (and the classic deskew); note that the docstring of
    ``_deskew.deskew`` says the image "keeps its centre of mass", which it does not."""
    from scipy import ndimage

    image = np.zeros((28, 28))
    image[3:12, 3:6] = 1.0  # an upright block in the top-left corner
    assert ndimage.center_of_mass(image) == (7.0, 4.0)
    out = DeskewImages().fit_transform(image[None])[0]
    np.testing.assert_allclose(ndimage.center_of_mass(out), (14.0, 14.0), atol=1e-6)


def test_blank_and_missing_images():
    images = np.stack([np.zeros((8, 8)), np.full((8, 8), np.nan), _slant(8, 0.4)])
    out = DeskewImages().fit_transform(images)
    np.testing.assert_array_equal(out[0], 0)
    assert np.isnan(out[1]).all()
    np.testing.assert_allclose(out[2], deskew(images[2]))


def test_color_images_are_refused_and_shapes_checked():
    with pytest.raises(ValueError, match="DeskewImages expects gray images"):
        DeskewImages().fit(np.zeros((2, 8, 8, 3)))
    fitted = DeskewImages().fit(np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(8, 8\)"):
        fitted.transform(np.zeros((2, 9, 9)))


def test_in_a_pipeline_before_hog_on_real_digits(av_mnist):
    X, y = av_mnist.data[:600], av_mnist.target[:600]
    model = make_pipeline(ModalitySelector("image"), DeskewImages(), HOGFeatures(), SVC())
    assert cross_val_score(model, X, y, cv=3).mean() > 0.85
