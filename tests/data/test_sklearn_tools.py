"""One multimodal X through every scikit-learn tool, with rows that never go out of line.

Every modality of the test X encodes its row id (the image is filled with it, the
ragged clip starts with it, the caption names it), and ``AlignedNearestId`` checks in
``fit`` and ``predict`` that all modalities agree on the ids of every row they receive.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    StratifiedKFold,
    cross_val_predict,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skfusion import ModalityDict, ModalitySelector

N = 60


def _row_ids(X):
    """The row id each modality encodes; raise if they disagree."""
    from_image = X["image"][:, 0, 0].astype(int)
    from_audio = np.array([int(clip[0]) for clip in X["audio"]])
    from_text = np.array([int(caption.split()[-1]) for caption in X["text"]])
    if not (np.array_equal(from_image, from_audio) and np.array_equal(from_image, from_text)):
        raise AssertionError("rows went out of line between modalities")
    return from_image


class AlignedNearestId(ClassifierMixin, BaseEstimator):
    """Predicts the label of the training row whose id is nearest; checks alignment."""

    def __init__(self, shift=0):
        self.shift = shift

    def fit(self, X, y):
        self.ids_ = _row_ids(X)
        self.labels_ = np.asarray(y)
        self.classes_ = np.unique(y)
        self.n_fit_rows_ = len(X)
        return self

    def predict(self, X):
        ids = _row_ids(X) + self.shift
        nearest = np.abs(ids[:, None] - self.ids_[None, :]).argmin(axis=1)
        return self.labels_[nearest]


def _make_X(n=N, seed=0):
    rng = np.random.RandomState(seed)
    ids = np.arange(n)
    images = np.repeat(ids[:, None, None], 28, axis=1).repeat(28, axis=2).astype(float)
    images += rng.uniform(0, 0.4, size=images.shape)
    audio = [np.r_[i, rng.randint(-100, 100, size=rng.randint(10, 80))].astype(np.int16)
             for i in ids]
    text = [f"spoken digit sample {i}" for i in ids]
    return ModalityDict(image=images, audio=audio, text=text)


@pytest.fixture
def Xy():
    X = _make_X()
    y = np.array(["low", "high"])[np.arange(N) // 10 % 2]
    return X, y


def test_cross_validate_keeps_rows_aligned(Xy):
    X, y = Xy
    result = cross_validate(AlignedNearestId(), X, y, cv=KFold(5, shuffle=True, random_state=0),
                            return_estimator=True)
    assert result["test_score"].min() > 0.7
    assert sorted(e.n_fit_rows_ for e in result["estimator"]) == [48] * 5


def test_cross_val_predict_returns_one_prediction_per_row(Xy):
    X, y = Xy
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    pred = cross_val_predict(AlignedNearestId(), X, y, cv=cv)
    assert pred.shape == (N,)
    assert np.mean(pred == y) > 0.7


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_a_pipeline(Xy, n_jobs):
    X, y = Xy
    grid = GridSearchCV(AlignedNearestId(), {"shift": [0, 10]},
                        cv=KFold(3, shuffle=True, random_state=0), n_jobs=n_jobs)
    grid.fit(X, y)
    assert grid.best_params_ == {"shift": 0}
    assert grid.cv_results_["mean_test_score"][0] > grid.cv_results_["mean_test_score"][1]


def test_train_test_split_stratified(Xy):
    X, y = Xy
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    assert isinstance(X_train, ModalityDict) and len(X_test) == 15
    assert sorted(np.unique(y_test, return_counts=True)[1]) == [7, 8]
    # the split rows carry their own labels
    ids = _row_ids(X_test)
    np.testing.assert_array_equal(y_test, y[ids])


def test_group_kfold_never_splits_a_group(Xy):
    X, y = Xy
    groups = np.arange(N) // 10
    for train, test in GroupKFold(n_splits=3).split(X, y, groups):
        train_groups = set(groups[_row_ids(X[train])])
        test_groups = set(groups[_row_ids(X[test])])
        assert not train_groups & test_groups


def test_selector_pipeline_on_image_modality(Xy):
    X, y = Xy
    labels = (np.arange(N) >= N // 2).astype(int)
    pipe = make_pipeline(
        ModalitySelector("image"),
        FunctionTransformer(lambda images: images.reshape(len(images), -1) / N),
        LogisticRegression(C=100.0),
    )
    scores = cross_validate(pipe, X, labels, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    assert scores["test_score"].mean() > 0.9


def test_text_modality_feeds_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["a happy dog", "a sad cat", "happy happy dog", "sad old cat"] * 5
    y = np.array([1, 0, 1, 0] * 5)
    X = ModalityDict(text=texts, image=np.zeros((20, 4, 4)))
    pipe = make_pipeline(ModalitySelector("text"), TfidfVectorizer(), LogisticRegression())
    scores = cross_validate(pipe, X, y, cv=StratifiedKFold(4))
    assert scores["test_score"].mean() == 1.0


def test_clone_and_pickle_a_fitted_model(Xy):
    X, y = Xy
    model = AlignedNearestId(shift=1).fit(X, y)
    fresh = clone(model)
    assert fresh.get_params() == {"shift": 1} and not hasattr(fresh, "ids_")
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.ids_, np.arange(N))
    # shift=1 predicts the label of the next row: rows 9 and 19 end their blocks of ten
    np.testing.assert_array_equal(restored.predict(X[[9, 19, 40]]), y[[10, 20, 41]])
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_skorch_module_receives_modalities_as_keyword_arguments():
    torch = pytest.importorskip("torch")
    skorch = pytest.importorskip("skorch")
    torch.manual_seed(0)

    class TwoInputs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.image = torch.nn.Linear(16, 4)
            self.audio = torch.nn.Linear(6, 4)
            self.out = torch.nn.Linear(8, 2)

        def forward(self, image, audio):
            seen.update(image=tuple(image.shape), audio=tuple(audio.shape))
            z = torch.cat([self.image(image.flatten(1)), self.audio(audio)], dim=1)
            return torch.softmax(self.out(torch.relu(z)), dim=-1)

    seen = {}
    rng = np.random.RandomState(0)
    y = np.arange(40) % 2
    X = ModalityDict(image=(rng.normal(size=(40, 4, 4)) + y[:, None, None]).astype(np.float32),
                     audio=(rng.normal(size=(40, 6)) - y[:, None]).astype(np.float32))
    net = skorch.NeuralNetClassifier(TwoInputs, max_epochs=20, lr=0.1, batch_size=8,
                                     train_split=None, verbose=0)
    net.fit(X, y)
    assert seen["image"][1:] == (4, 4) and seen["audio"][1:] == (6,)
    assert net.score(X, y) > 0.9
    assert net.predict(X[[0, 1, 2]]).shape == (3,)
