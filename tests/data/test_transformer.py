"""ModalityTransformer: per-modality features that stay a ModalityDict."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skfusion import ModalityDict, ModalitySelector, ModalityTransformer


def _clip_stats(clips):
    return np.array([[np.mean(c), np.std(c), len(c)] for c in clips], dtype=float)


@pytest.fixture
def X():
    rng = np.random.RandomState(0)
    clips = [rng.randint(-500, 500, size=rng.randint(50, 400)).astype(np.int16) for _ in range(30)]
    clips[4] = None
    clips[9] = None
    return ModalityDict(image=rng.rand(30, 6, 6), audio=clips,
                        text=[f"word{i % 3} other" for i in range(30)])


def test_transforms_chosen_modalities_and_keeps_the_rest(X):
    step = ModalityTransformer([("audio", FunctionTransformer(_clip_stats), "audio"),
                                ("words", TfidfVectorizer(), "text")])
    Xt = step.fit_transform(X)
    assert isinstance(Xt, ModalityDict)
    assert Xt.modalities == ("image", "audio", "words")
    assert Xt["image"] is X["image"]
    assert Xt["audio"].shape == (30, 3)
    assert Xt["audio"][0, 2] == len(X["audio"][0])
    assert Xt["words"].shape == (30, 4)
    assert step.named_transformers_["words"].vocabulary_ == {"word0": 1, "word1": 2, "word2": 3,
                                                             "other": 0}


def test_missing_rows_are_skipped_and_stay_missing(X):
    step = ModalityTransformer([("audio", FunctionTransformer(_clip_stats), "audio")])
    Xt = step.fit_transform(X)
    np.testing.assert_array_equal(np.flatnonzero(Xt.is_missing("audio")), [4, 9])
    assert not np.isnan(Xt["audio"][[0, 5, 10]]).any()
    again = step.transform(X[[9, 0]])
    assert np.isnan(again["audio"][0]).all() and again["audio"][1, 2] == len(X["audio"][0])


def test_supervised_transformer_fits_on_the_present_rows_with_their_labels():
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    rng = np.random.RandomState(0)
    y = rng.randint(0, 3, size=40)
    table = rng.normal(size=(40, 4)) + y[:, None] * [1.0, 0.0, -1.0, 0.5]
    table[[0, 3, 4]] = np.nan
    X = ModalityDict(table=table, text=[f"t{i}" for i in range(40)])
    step = ModalityTransformer([("lda", LinearDiscriminantAnalysis(n_components=2), "table")])
    Xt = step.fit_transform(X, y)
    present = ~X.is_missing("table")
    direct = LinearDiscriminantAnalysis(n_components=2).fit(table[present], y[present])
    np.testing.assert_allclose(Xt["lda"][present], direct.transform(table[present]))
    assert np.isnan(Xt["lda"][~present]).all() and Xt["lda"].shape == (40, 2)


def test_drop_remainder_and_nested_params_in_a_grid(X):
    y = np.arange(30) % 2
    X = ModalityDict(image=X["image"] + y[:, None, None], text=X["text"])
    step = ModalityTransformer(
        [("image", make_pipeline(FunctionTransformer(lambda a: a.reshape(len(a), -1)), PCA(2)),
          "image")], remainder="drop")
    assert step.fit_transform(X).modalities == ("image",)
    model = make_pipeline(step, ModalitySelector("image"), LogisticRegression())
    grid = GridSearchCV(model, {"modalitytransformer__image__pca__n_components": [1, 3]}, cv=3)
    grid.fit(X, y)
    assert grid.best_score_ > 0.9
    assert clone(step).get_params()["image__pca__n_components"] == 2


def test_transform_checks_modalities_and_pickles(X):
    step = ModalityTransformer([("audio", FunctionTransformer(_clip_stats), "audio")]).fit(X)
    with pytest.raises(ValueError, match="needs modality 'audio', which X lacks"):
        step.transform(ModalityDict(image=X["image"], text=X["text"]))
    restored = pickle.loads(pickle.dumps(step))
    np.testing.assert_array_equal(restored.transform(X)["audio"], step.transform(X)["audio"])
    # parameter constraints, as every scikit-learn estimator checks them
    with pytest.raises(ValueError, match="The 'remainder' parameter of ModalityTransformer "
                                         "must be a str among"):
        ModalityTransformer([], remainder="keep").fit(X)


def test_transform_uses_the_fitted_state(X):
    # before: transform read the current remainder and transformers
    step = ModalityTransformer([("audio", FunctionTransformer(_clip_stats), "audio")]).fit(X)
    expected = step.transform(X)
    step.set_params(remainder="drop", transformers=[])
    got = step.transform(X)
    assert got.modalities == expected.modalities
    np.testing.assert_array_equal(got["audio"], expected["audio"])


def test_a_batch_without_the_modality_in_any_row(X):
    # before: "no sample of X has modality 'audio'"; EarlyFusion handles the same batch
    step = ModalityTransformer([("audio", FunctionTransformer(_clip_stats), "audio")]).fit(X)
    width = step.transform(X)["audio"].shape[1]
    batch = X[:3].with_missing("audio", [0, 1, 2])
    out = step.transform(batch)
    assert out["audio"].shape == (3, width) and np.isnan(out["audio"]).all()
    assert out.is_missing("audio").all()
