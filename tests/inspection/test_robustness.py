"""modality_robustness and the corruptions: missing rows, Gaussian noise, SNR, token dropout."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skfusion import ModalityDict, ModalitySelector
from skfusion.datasets import make_multimodal_classification
from skfusion.inspection import modality_robustness
from skfusion.inspection._corruption import corrupt_modality


def test_level_zero_equals_the_plain_score(fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal
    for corruption in ["missing", "gaussian"]:
        result = modality_robustness(fitted_fusion, X_test, y_test, modality="table",
                                     corruption=corruption, n_repeats=2, random_state=0)
        assert result.levels[0] == 0.0
        np.testing.assert_array_equal(result.scores[0], fitted_fusion.score(X_test, y_test))
        assert result.baseline_score == fitted_fusion.score(X_test, y_test)


def test_missing_informative_modality_falls_to_the_uninformative_one(
        fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal
    table = modality_robustness(fitted_fusion, X_test, y_test, modality="table",
                                n_repeats=3, random_state=0)
    image = modality_robustness(fitted_fusion, X_test, y_test, modality="image",
                                n_repeats=3, random_state=0)
    np.testing.assert_allclose(table.levels, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert table.scores.shape == (6, 3) and table.level_name == "share of rows missing"
    assert np.all(np.diff(table.scores_mean) < 0.02)  # nested rows: the curve falls
    assert table.scores_mean[0] - table.scores_mean[-1] > 0.4
    assert table.scores_mean[-1] < 0.55  # three classes, only noise left
    assert np.all(np.abs(image.scores_mean - image.baseline_score) < 0.05)
    assert table.scores_std[-1] == 0.0  # every row lost: nothing random is left


def test_missing_rows_are_nested_across_levels():
    X = ModalityDict(a=np.ones((50, 2)))
    rows = {}
    for level in [0.2, 0.6, 1.0]:
        damaged = corrupt_modality(X, "a", "missing", level, np.random.RandomState(7))
        rows[level] = set(np.flatnonzero(damaged.is_missing("a")))
        assert len(rows[level]) == round(50 * level)
    assert rows[0.2] <= rows[0.6] <= rows[1.0]


def test_gaussian_noise_keeps_integer_images_integer():
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(20, 6, 6)).astype(np.uint8)
    X = ModalityDict(image=images)
    noisy = corrupt_modality(X, "image", "gaussian", 1.0, np.random.RandomState(0))["image"]
    assert noisy.dtype == np.uint8 and noisy.shape == images.shape
    difference = noisy.astype(float) - images
    assert 20 < difference.std() < images.std()  # clipping at 0 and 255 shrinks it
    assert X["image"] is images  # the input is untouched


def test_gaussian_noise_on_a_dataframe_keeps_index_and_columns():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.zeros((10, 2)), columns=["u", "v"], index=np.arange(10, 20))
    noisy = corrupt_modality(ModalityDict(t=frame), "t", "gaussian", 2.0,
                             np.random.RandomState(0))["t"]
    assert list(noisy.columns) == ["u", "v"] and list(noisy.index) == list(range(10, 20))
    np.testing.assert_array_equal(noisy.to_numpy(), 0.0)  # std 0: no noise to scale
    frame["u"] = np.arange(10.0)
    noisy = corrupt_modality(ModalityDict(t=frame), "t", "gaussian", 2.0,
                             np.random.RandomState(0))["t"]
    assert np.abs(noisy.to_numpy() - frame.to_numpy()).mean() > 1.0


def test_snr_noise_on_ragged_int16_waveforms_has_the_requested_ratio():
    rng = np.random.RandomState(0)
    waves = [(3000 * np.sin(np.linspace(0, 60, n))).astype(np.int16) for n in (4000, 6000)]
    X = ModalityDict(audio=waves + [None])
    noisy = corrupt_modality(X, "audio", "snr", 10.0, rng)["audio"]
    assert noisy[2] is None
    for clean, dirty in zip(waves, noisy[:2]):
        assert dirty.dtype == np.int16 and dirty.shape == clean.shape
        noise = dirty.astype(float) - clean
        snr = 10 * np.log10(np.mean(clean.astype(float) ** 2) / np.mean(noise**2))
        assert snr == pytest.approx(10.0, abs=0.3)
    clean = corrupt_modality(X, "audio", "snr", np.inf, rng)
    assert clean["audio"] is X["audio"]


def test_token_dropout_drops_the_requested_share_of_tokens():
    texts = np.array([" ".join(f"w{i}" for i in range(200)), None, "one two"], dtype=object)
    X = ModalityDict(text=texts)
    out = corrupt_modality(X, "text", "token_dropout", 0.25, np.random.RandomState(0))["text"]
    kept = out[0].split()
    assert 120 < len(kept) < 180 and set(kept) <= set(texts[0].split())
    assert kept == sorted(kept, key=lambda w: int(w[1:]))  # order is kept
    assert out[1] is None
    everything = corrupt_modality(X, "text", "token_dropout", 1.0, np.random.RandomState(0))
    assert list(everything["text"]) == ["", None, ""]


def _bag_of_words(texts):
    words = ["good", "bad"]
    return np.array([[text.split().count(w) for w in words] for text in texts], dtype=float)


def test_token_dropout_lowers_a_text_model_score():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, size=120)
    texts = [" ".join(["good" if label else "bad"] * 2 + ["the", "film"]) for label in y]
    X = ModalityDict(text=texts, table=rng.normal(size=(120, 2)))
    model = make_pipeline(ModalitySelector("text"), FunctionTransformer(_bag_of_words),
                          LogisticRegression()).fit(X, y)
    result = modality_robustness(model, X, y, modality="text", corruption="token_dropout",
                                 levels=[0.0, 0.5, 1.0], random_state=0)
    assert result.scores_mean[0] == 1.0
    assert 0.65 < result.scores_mean[1] < 1.0
    assert result.scores_mean[2] == pytest.approx(max(np.mean(y), 1 - np.mean(y)), abs=0.1)


def test_a_callable_corruption_and_its_checks(fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal

    def zero_out(values, level, rng):
        return values * (1 - level)

    result = modality_robustness(fitted_fusion, X_test, y_test, modality="table",
                                 corruption=zero_out, levels=[0.0, 1.0])
    assert result.corruption == "zero_out" and result.level_name == "level"
    assert result.scores_mean[0] == result.baseline_score > result.scores_mean[1]
    with pytest.raises(ValueError, match="needs explicit levels"):
        modality_robustness(fitted_fusion, X_test, y_test, modality="table",
                            corruption=zero_out)
    with pytest.raises(ValueError, match="returned 3 rows for modality 'table'"):
        modality_robustness(fitted_fusion, X_test, y_test, modality="table",
                            corruption=lambda v, level, rng: v[:3], levels=[1])


def test_bad_input_gets_clear_errors(fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal
    with pytest.raises(ValueError, match="no modality 'audio' in X; X has 'image', 'table'"):
        modality_robustness(fitted_fusion, X_test, y_test, modality="audio")
    with pytest.raises(TypeError, match="one modality name"):
        modality_robustness(fitted_fusion, X_test, y_test, modality=["image"])
    with pytest.raises(ValueError, match="corruption must be one of"):
        modality_robustness(fitted_fusion, X_test, y_test, modality="image", corruption="blur")
    with pytest.raises(ValueError, match=r"shares in \[0, 1\], got 1.5"):
        modality_robustness(fitted_fusion, X_test, y_test, modality="image", levels=[1.5])
    text = ModalityDict(text=["a b"] * 4, image=np.zeros((4, 2)))
    with pytest.raises(TypeError, match="'gaussian' needs a numeric array for modality 'text'"):
        corrupt_modality(text, "text", "gaussian", 1.0, np.random.RandomState(0))
    with pytest.raises(TypeError, match="'token_dropout' needs a 1-D object array"):
        corrupt_modality(text, "image", "token_dropout", 0.5, np.random.RandomState(0))


class _ImageOnly(ClassifierMixin, BaseEstimator):
    """Fails on missing images, like most single-modality pipelines."""

    def fit(self, X, y):
        self.model_ = LogisticRegression().fit(X["image"].reshape(len(y), -1), y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X["image"].reshape(len(X), -1))


def test_an_estimator_that_cannot_handle_missing_rows_is_named():
    X, y = make_multimodal_classification(
        n_samples=60, informativeness={"image": 1.0}, image_shape=(4, 4), random_state=0)
    model = _ImageOnly().fit(X, y)
    with pytest.raises(ValueError, match="_ImageOnly could not be scored when 40% of the rows"):
        modality_robustness(model, X, y, modality="image", levels=[0.0, 0.4])
