"""make_multimodal_classification: shapes, informativeness, missing modalities."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skfusion import ModalitySelector
from skfusion.datasets import make_multimodal_classification


def _flat_image_model():
    return make_pipeline(ModalitySelector("image"),
                         FunctionTransformer(lambda a: a.reshape(len(a), -1)),
                         LogisticRegression(max_iter=500))


def test_default_modalities_and_shapes():
    X, y = make_multimodal_classification(n_samples=30, n_classes=3, random_state=0)
    assert X.modalities == ("image", "sequence", "table")
    assert X["image"].shape == (30, 8, 8) and X["table"].shape == (30, 10)
    lengths = {len(s) for s in X["sequence"]}
    assert min(lengths) >= 20 and max(lengths) <= 60 and len(lengths) > 1
    assert np.bincount(y).tolist() == [10, 10, 10]


def test_informativeness_controls_the_signal():
    strong, y = make_multimodal_classification(
        n_samples=120, informativeness={"image": 1.0}, random_state=0)
    noise, y0 = make_multimodal_classification(
        n_samples=120, informativeness={"image": 0.0}, random_state=0)
    assert cross_val_score(_flat_image_model(), strong, y, cv=3).mean() > 0.9
    assert cross_val_score(_flat_image_model(), noise, y0, cv=3).mean() < 0.7


def test_rgb_images_fixed_length_sequences_and_missing():
    X, y = make_multimodal_classification(
        n_samples=20, image_shape=(6, 5, 3), sequence_length=15,
        missing={"image": 0.25, "sequence": 0.5}, random_state=1)
    assert X["image"].shape == (20, 6, 5, 3) and X["sequence"].shape == (20, 15)
    assert X.is_missing("image").sum() == 5 and X.is_missing("sequence").sum() == 10
    assert not X.is_missing("table").any()


def test_missing_shares_are_rounded_to_whole_rows():
    X, _ = make_multimodal_classification(
        n_samples=10, missing={"image": 0.29, "table": 0.04}, random_state=0)
    assert X.is_missing("image").sum() == 3 and X.is_missing("table").sum() == 0


@pytest.mark.parametrize("modality", ["table", "sequence"])
def test_each_informative_modality_carries_the_labels(modality):
    X, y = make_multimodal_classification(
        n_samples=150, n_classes=3, informativeness={modality: 1.0}, sequence_length=40,
        random_state=0)
    assert X.modalities == (modality,)
    features = X[modality] if modality == "table" else np.abs(np.fft.rfft(X[modality]))
    model = LogisticRegression(max_iter=1000)
    assert cross_val_score(model, features, y, cv=3).mean() > 0.9


def test_reproducible():
    a, ya = make_multimodal_classification(n_samples=10, random_state=3)
    b, yb = make_multimodal_classification(n_samples=10, random_state=3)
    c, _ = make_multimodal_classification(n_samples=10, random_state=4)
    np.testing.assert_array_equal(a["image"], b["image"])
    np.testing.assert_array_equal(a["table"], b["table"])
    assert all(np.array_equal(s, t) for s, t in zip(a["sequence"], b["sequence"]))
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a["image"], c["image"])
    assert not np.array_equal(a["table"], c["table"])


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"unknown modalities \['video'\]"):
        make_multimodal_classification(informativeness={"video": 1.0})
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2"):
        make_multimodal_classification(n_classes=1)
    with pytest.raises(ValueError, match="modality 'table', which is not generated"):
        make_multimodal_classification(informativeness={"image": 1.0}, missing={"table": 0.1})
