"""PixelFeatures and HOGFeatures on real image shapes: 8x8 digits, 28x28 MNIST, RGB."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skfusion import ModalitySelector
from skfusion.datasets import make_multimodal_classification
from skfusion.features import HOGFeatures, PixelFeatures

pytest.importorskip("skimage")


@pytest.fixture
def mnist_like():
    rng = np.random.RandomState(0)
    images = rng.randint(0, 40, size=(6, 28, 28)).astype(np.uint8)
    images[:, 8:20, 12:16] = 255
    return images


def test_pixel_features_scales_uint8_to_unit_interval(mnist_like):
    features = PixelFeatures().fit_transform(mnist_like)
    assert features.shape == (6, 784)
    np.testing.assert_allclose(features, mnist_like.reshape(6, -1) / 255.0)
    assert features.max() == 1.0


def test_pixel_features_number_scale_and_float_images():
    X, _ = make_multimodal_classification(10, informativeness={"image": 1.0}, random_state=0)
    images = X["image"]
    assert images.shape == (10, 8, 8)
    np.testing.assert_allclose(PixelFeatures().fit_transform(images), images.reshape(10, 64))
    np.testing.assert_allclose(PixelFeatures(scale=16).fit_transform(images),
                               images.reshape(10, 64) / 16)


def test_pixel_features_gray_and_rgb_conversions():
    rgb = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    rgb[..., 0] = 255  # pure red
    gray = PixelFeatures(color="gray").fit_transform(rgb)
    assert gray.shape == (2, 16)
    np.testing.assert_allclose(gray, 0.2125)
    gray_images = np.full((2, 4, 4), 51, dtype=np.uint8)
    as_rgb = PixelFeatures(color="rgb").fit_transform(gray_images)
    assert as_rgb.shape == (2, 48)
    np.testing.assert_allclose(as_rgb, 0.2)


def test_pixel_features_resize(mnist_like):
    from skimage.transform import resize

    features = PixelFeatures(size=14).fit_transform(mnist_like)
    assert features.shape == (6, 196)
    expected = [resize(image / 255.0, (14, 14), order=1, anti_aliasing=True, mode="edge")
                for image in mnist_like]
    np.testing.assert_allclose(features, np.reshape(expected, (6, 196)))
    # the bright bar survives the resize, the dark background stays dark
    small = features.reshape(6, 14, 14)
    assert small[:, 5:9, 6:8].mean() > 0.8
    assert small[:, :3, :3].mean() < 0.2


def test_pixel_features_names_and_pandas_output():
    rgb = np.zeros((3, 2, 2, 3), dtype=np.uint8)
    est = PixelFeatures().fit(rgb)
    names = est.get_feature_names_out()
    assert names[:4].tolist() == ["pixel0_0_0", "pixel0_0_1", "pixel0_0_2", "pixel0_1_0"]
    frame = est.set_output(transform="pandas").transform(rgb)
    assert frame.shape == (3, 12)
    assert list(frame.columns) == names.tolist()


def test_pixel_features_rejects_changed_shape_and_flat_resize(mnist_like):
    est = PixelFeatures().fit(mnist_like)
    with pytest.raises(ValueError, match=r"fitted on images of shape \(28, 28\)"):
        est.transform(mnist_like[:, :20, :20])
    with pytest.raises(ValueError, match="size=.*needs images"):
        PixelFeatures(size=4).fit(mnist_like.reshape(6, -1))
    with pytest.raises(ValueError, match="1-4 channels"):
        PixelFeatures().fit(np.zeros((2, 4, 4, 7)))


@pytest.mark.parametrize(
    "shape, cell",
    [((8, 8), (2, 2)), ((28, 28), (4, 4)), ((32, 32, 3), (4, 4)), ((100, 60), (14, 8)),
     ((300, 300), (16, 16)), ((3, 3), (2, 2))],
)
def test_hog_defaults_adapt_to_image_size(shape, cell):
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(3, *shape)).astype(np.uint8)
    from skimage.feature import hog as skimage_hog

    hog = HOGFeatures().fit(images)
    assert hog.pixels_per_cell_ == cell
    n_cells = np.array(shape[:2]) // cell
    assert hog.cells_per_block_ == tuple(np.minimum(3, n_cells))  # fewer where fewer cells
    features = hog.transform(images)
    assert features.shape[0] == 3
    assert np.isfinite(features).all()
    assert features.shape[1] == len(hog.get_feature_names_out())
    expected = skimage_hog(images[0].astype(float), pixels_per_cell=cell,
                           cells_per_block=hog.cells_per_block_,
                           channel_axis=-1 if len(shape) == 3 else None)
    np.testing.assert_allclose(features[0], expected)


def test_hog_8x8_digits_give_324_features():
    from skimage.feature import hog

    X, _ = make_multimodal_classification(12, informativeness={"image": 1.0}, random_state=0)
    features = HOGFeatures().fit_transform(X["image"])
    # 4x4 cells of 2x2 pixels, 2x2 blocks of 3x3 cells, 9 orientations
    assert features.shape == (12, 324)
    expected = [hog(image, orientations=9, pixels_per_cell=(2, 2), cells_per_block=(3, 3),
                    block_norm="L2-Hys") for image in X["image"]]
    np.testing.assert_allclose(features, expected)


def test_hog_equals_scikit_image_on_mnist_and_rgb_images(mnist_like):
    from skimage.feature import hog

    features = HOGFeatures().fit_transform(mnist_like)
    expected = [hog(image.astype(float), orientations=9, pixels_per_cell=(4, 4),
                    cells_per_block=(3, 3), block_norm="L2-Hys") for image in mnist_like]
    np.testing.assert_allclose(features, expected)
    rgb = np.random.RandomState(1).randint(0, 256, size=(2, 32, 32, 4)).astype(np.uint8)
    est = HOGFeatures(orientations=6, block_norm="L1", transform_sqrt=True)
    expected = [hog(image[..., :3].astype(float), orientations=6, pixels_per_cell=(4, 4),
                    cells_per_block=(3, 3), block_norm="L1", transform_sqrt=True,
                    channel_axis=-1) for image in rgb]  # alpha dropped
    np.testing.assert_allclose(est.fit_transform(rgb), expected)


def test_hog_is_invariant_to_brightness(mnist_like):
    hog = HOGFeatures().fit(mnist_like)
    bright = hog.transform(mnist_like.astype(float))
    dim = hog.transform(mnist_like.astype(float) * 0.5)
    np.testing.assert_allclose(bright, dim, atol=1e-6)


def test_hog_missing_images_give_nan_rows(mnist_like):
    images = mnist_like.astype(float)
    images[2] = np.nan
    features = HOGFeatures().fit(images).transform(images)
    assert np.isnan(features[2]).all()
    assert np.isfinite(np.delete(features, 2, axis=0)).all()


def test_hog_parallel_equals_sequential_and_pickles(mnist_like):
    from joblib import parallel_config

    sequential = HOGFeatures().fit(mnist_like)
    with parallel_config(backend="threading"):
        parallel = clone(sequential).set_params(n_jobs=2).fit(mnist_like).transform(mnist_like)
    np.testing.assert_array_equal(parallel, sequential.transform(mnist_like))
    restored = pickle.loads(pickle.dumps(sequential))
    np.testing.assert_array_equal(restored.transform(mnist_like), parallel)


def test_hog_rejects_non_square_flat_input():
    with pytest.raises(ValueError, match="7 pixels are not a square"):
        HOGFeatures().fit(np.zeros((3, 7)))


def test_hog_pca_svc_on_real_mnist_digits(av_mnist):
    X, y = av_mnist.data[:400], av_mnist.target[:400]
    model = make_pipeline(ModalitySelector("image"), HOGFeatures(), PCA(30, random_state=0),
                          SVC())
    scores = cross_val_score(model, X, y, cv=2)
    assert scores.mean() > 0.85
