"""ModalityAugmenter (fit_resample) and AugmentedEstimator: augmentation at fit time only."""

import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from sklearn.utils import check_array

from skfusion import ModalityDict, ModalitySelector, PairwiseCalibratedClassifier
from skfusion.augment import (
    AudioAugmenter,
    AugmentedEstimator,
    BaseAugmenter,
    ImageAugmenter,
    ModalityAugmenter,
    TextAugmenter,
)
from skfusion.features import PixelFeatures

PREDICTED_ROWS = []


class RowCounter(ClassifierMixin, BaseEstimator):
    """Records how many rows reach fit and predict, and the sample weights."""

    def fit(self, X, y, sample_weight=None):
        self.n_fit_rows_ = len(X)
        self.sample_weight_ = sample_weight
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        PREDICTED_ROWS.append(len(X))
        return np.full(len(X), self.classes_[0])


class Jitter(BaseAugmenter):
    """A tiny numeric augmenter for scikit-learn's checks on 2-D data."""

    def _check_values(self, values):
        return check_array(values)

    def _augment_one(self, value, rng):
        return value + rng.normal(0, 1e-3, size=np.shape(value))


@pytest.fixture
def multimodal():
    rng = np.random.RandomState(0)
    n = 12
    clips = np.empty(n, dtype=object)
    clips[:] = [(rng.randn(rng.randint(200, 900)) * 1000).astype(np.int16) for _ in range(n)]
    clips[3] = None
    X = ModalityDict(
        image=rng.randint(0, 256, (n, 28, 28)).astype(np.uint8),
        audio=clips,
        text=np.array([f"word{i} and more words" for i in range(n)], dtype=object),
    )
    return X, np.arange(n) % 3


def test_fit_resample_appends_labelled_copies(multimodal):
    X, y = multimodal
    sampler = ModalityAugmenter(
        {"image": ImageAugmenter(), "audio": AudioAugmenter()}, n_copies=2, random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.n_samples == 36 and X_res.modalities == X.modalities
    np.testing.assert_array_equal(y_res, np.tile(y, 3))
    np.testing.assert_array_equal(sampler.sample_indices_, np.tile(np.arange(12), 3))
    # the originals come first, unchanged; the copies differ
    np.testing.assert_array_equal(X_res["image"][:12], X["image"])
    assert not np.array_equal(X_res["image"][12:24], X["image"])
    # an unaugmented modality is repeated as it is; missing stays missing
    assert X_res["text"].tolist() == X["text"].tolist() * 3
    np.testing.assert_array_equal(X_res.is_missing("audio"), np.tile(X.is_missing("audio"), 3))


def test_fit_resample_is_reproducible(multimodal):
    X, y = multimodal
    make = lambda seed: ModalityAugmenter(  # noqa: E731
        {"image": ImageAugmenter(), "text": TextAugmenter(dropout=0.3)}, random_state=seed)
    first, _ = make(0).fit_resample(X, y)
    again, _ = make(0).fit_resample(X, y)
    other, _ = make(1).fit_resample(X, y)
    np.testing.assert_array_equal(first["image"], again["image"])
    assert first["text"].tolist() == again["text"].tolist()
    assert not np.array_equal(first["image"], other["image"])


def test_single_augmenter_on_a_single_modality_array(multimodal):
    X, y = multimodal
    images, labels = ModalityAugmenter(ImageAugmenter(), n_copies=3, random_state=0).fit_resample(
        X["image"], y)
    assert images.shape == (48, 28, 28) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels, np.tile(y, 4))
    np.testing.assert_array_equal(images[:12], X["image"])
    # every copy is a fresh draw: copies differ from the originals and from each other
    assert not np.array_equal(images[12:24], X["image"])
    assert not np.array_equal(images[12:24], images[24:36])
    clips, clip_labels = ModalityAugmenter(AudioAugmenter(), random_state=0).fit_resample(
        X["audio"], y)
    assert clips.dtype == object and len(clips) == 24 and clips[15] is None
    np.testing.assert_array_equal(clip_labels, np.tile(y, 2))
    assert all((a is None and b is None) or np.array_equal(a, b)
               for a, b in zip(clips[:12], X["audio"]))  # the originals, as they are
    assert clips[12].dtype == np.int16 and not np.array_equal(clips[12], X["audio"][0])


def test_fit_resample_errors(multimodal):
    X, y = multimodal
    with pytest.raises(ValueError, match="needs modality 'video'"):
        ModalityAugmenter({"video": ImageAugmenter()}).fit_resample(X, y)
    with pytest.raises(TypeError, match=r"augmenters=\{modality: augmenter\}"):
        ModalityAugmenter(ImageAugmenter()).fit_resample(X, y)
    with pytest.raises(ValueError, match="y has 5 samples but X has 12"):
        ModalityAugmenter({"image": ImageAugmenter()}).fit_resample(X, y[:5])


def test_imblearn_pipeline_resamples_only_in_fit(multimodal):
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    X, y = multimodal
    PREDICTED_ROWS.clear()
    model = imblearn_pipeline.make_pipeline(
        ModalityAugmenter({"image": ImageAugmenter()}, n_copies=2, random_state=0), RowCounter())
    model.fit(X, y)
    model.predict(X)
    assert model[-1].n_fit_rows_ == 36 and PREDICTED_ROWS == [12]


def test_cross_validate_grows_only_the_training_folds(multimodal):
    X, y = multimodal
    PREDICTED_ROWS.clear()
    model = AugmentedEstimator(RowCounter(), {"image": ImageAugmenter()}, n_copies=3,
                               random_state=0)
    result = cross_validate(model, X, y, cv=3, return_estimator=True, return_indices=True)
    for fitted, train, test in zip(result["estimator"], result["indices"]["train"],
                                   result["indices"]["test"]):
        assert fitted.estimator_.n_fit_rows_ == 4 * len(train)
        assert fitted.n_samples_fit_ == 4 * len(train)
    # predict (scoring) saw the test folds as they are: 3 folds of 4 rows
    assert PREDICTED_ROWS == [len(t) for t in result["indices"]["test"]]


def test_sample_weight_is_repeated_for_the_copies(multimodal):
    X, y = multimodal
    weights = np.arange(12, dtype=float)
    model = AugmentedEstimator(RowCounter(), {"image": ImageAugmenter()}, n_copies=1)
    model.fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(model.estimator_.sample_weight_, np.tile(weights, 2))


def test_grid_search_through_the_wrapper():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 15)
    images = rng.randint(0, 80, (30, 8, 8)).astype(np.uint8)
    images[y == 1, 2:6, 3:5] = 255
    X = ModalityDict(image=images, table=rng.randn(30, 3))
    model = AugmentedEstimator(
        make_pipeline(ModalitySelector("image"), PixelFeatures(), LogisticRegression()),
        {"image": ImageAugmenter(rotation=10)}, random_state=0)
    search = GridSearchCV(
        model, {"n_copies": [0, 2], "estimator__logisticregression__C": [0.1, 1.0]}, cv=3)
    search.fit(X, y)
    assert search.best_score_ == 1.0
    assert set(search.best_params_) == {"n_copies", "estimator__logisticregression__C"}


def test_wrapper_tells_the_truth_about_methods_and_type():
    model = AugmentedEstimator(SVC(), {"image": ImageAugmenter()})
    assert is_classifier(model)
    assert not hasattr(model, "predict_proba")
    calibrated = PairwiseCalibratedClassifier(SVC())
    assert hasattr(AugmentedEstimator(calibrated, ImageAugmenter()), "predict_proba")
    assert not hasattr(model, "transform")


def test_wrapper_clones_and_pickles(multimodal):
    X, y = multimodal
    model = AugmentedEstimator(
        make_pipeline(ModalitySelector("image"), PixelFeatures(), LogisticRegression(C=0.1)),
        {"image": ImageAugmenter(), "text": TextAugmenter()}, n_copies=1, random_state=0,
    ).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert clone(model).get_params()["augmenters"]["image"].rotation == 10.0
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])


def test_wraps_a_late_fusion_classifier_on_images_and_audio():
    pytest.importorskip("librosa")
    pytest.importorskip("skimage")
    late = pytest.importorskip("skfusion.late")
    from skfusion.features import HOGFeatures, MFCCFeatures

    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 16)
    images = rng.randint(0, 60, (32, 28, 28)).astype(np.uint8)
    images[y == 1, 6:22, 12:16] = 255  # a vertical bar
    images[y == 0, 12:16, 6:22] = 255  # a horizontal bar
    t = np.arange(4000) / 8000
    clips = np.empty(32, dtype=object)
    clips[:] = [(3000 * np.sin(2 * np.pi * (300 if label else 1200) * t[: rng.randint(2000, 4000)])
                 + 300 * rng.randn(1)).astype(np.int16) for label in y]
    X = ModalityDict(image=images, audio=clips)
    fusion = late.LateFusionClassifier([
        ("image", make_pipeline(HOGFeatures(), LogisticRegression()), "image"),
        ("audio", make_pipeline(MFCCFeatures(sr=8000, n_mfcc=8), LogisticRegression()), "audio"),
    ])
    model = AugmentedEstimator(
        fusion, {"image": ImageAugmenter(), "audio": AudioAugmenter()}, n_copies=1,
        random_state=0)
    result = cross_validate(model, X, y, cv=2, return_estimator=True)
    assert result["test_score"].min() == 1.0
    assert result["estimator"][0].n_samples_fit_ == 32
    # a missing image at predict time: the fitted fusion falls back on the audio
    fitted = result["estimator"][0]
    assert fitted.predict(X.with_missing("image", [0, 20]))[[0, 20]].tolist() == [0, 1]
