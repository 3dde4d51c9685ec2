"""Batch-wise prediction equals whole prediction, on a memory-mapped ModalityDict."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skfusion import ModalityDict, ModalitySelector
from skfusion.data import iter_batches, predict_in_batches


@pytest.fixture
def mapped(tmp_path):
    rng = np.random.RandomState(0)
    y = np.arange(300) % 3
    images = (rng.normal(size=(300, 12, 12)) + y[:, None, None]).astype(np.float32)
    np.save(tmp_path / "images.npy", images)
    X = ModalityDict(image=np.load(tmp_path / "images.npy", mmap_mode="r"),
                     text=[f"row {i}" for i in range(300)])
    return X, y


def _model():
    return make_pipeline(ModalitySelector("image"),
                         FunctionTransformer(lambda a: np.asarray(a).reshape(len(a), -1)),
                         PCA(5, random_state=0), LogisticRegression())


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_batches_equal_whole(mapped, method):
    X, y = mapped
    model = _model().fit(X, y)
    whole = getattr(model, method)(X)
    np.testing.assert_allclose(predict_in_batches(model, X, method=method, batch_size=70), whole,
                               rtol=1e-6)


def test_batches_of_a_memory_map_stay_maps(mapped):
    X, _ = mapped
    batches = list(iter_batches(X, 128))
    assert [len(b) for b in batches] == [128, 128, 44]
    assert all(isinstance(b["image"], np.memmap) for b in batches)
    assert list(batches[2]["text"][:1]) == ["row 256"]
    np.testing.assert_array_equal(batches[1]["image"], np.asarray(X["image"])[128:256])
    assert batches[2]["text"].tolist() == [f"row {i}" for i in range(256, 300)]


def test_sparse_and_pandas_outputs_are_stacked_batch_by_batch():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import StandardScaler

    texts = [f"word{i % 7} and word{i % 3}" for i in range(50)]
    X = ModalityDict(text=texts, table=np.arange(100.0).reshape(50, 2))
    tfidf = make_pipeline(ModalitySelector("text"), TfidfVectorizer()).fit(X)
    stacked = predict_in_batches(tfidf, X, method="transform", batch_size=16)
    assert stacked.format == "csr" and stacked.shape == (50, 8)
    np.testing.assert_allclose(stacked.toarray(), tfidf.transform(X).toarray())
    scaler = make_pipeline(ModalitySelector("table"), StandardScaler()).fit(X)
    scaler[-1].set_output(transform="pandas")
    frame = predict_in_batches(scaler, X, method="transform", batch_size=16)
    assert frame.shape == (50, 2) and frame.columns.tolist() == ["x0", "x1"]
    np.testing.assert_allclose(frame.to_numpy(), scaler.transform(X).to_numpy())


def test_pandas_output_in_batches_has_the_index_of_the_whole_call():
    pd = pytest.importorskip("pandas")
    from sklearn.preprocessing import StandardScaler

    X = ModalityDict(table=np.arange(100.0).reshape(50, 2), text=["a"] * 50)
    scaler = make_pipeline(ModalitySelector("table"), StandardScaler()).fit(X)
    scaler[-1].set_output(transform="pandas")
    frame = predict_in_batches(scaler, X, method="transform", batch_size=16)
    assert frame.index.tolist() == scaler.transform(X).index.tolist() == list(range(50))
    # a DataFrame input's own index is kept
    table = pd.DataFrame(X["table"], columns=["a", "b"], index=np.arange(100, 150))
    model = StandardScaler().set_output(transform="pandas").fit(table)
    frame = predict_in_batches(model, table, method="transform", batch_size=16)
    assert frame.index.tolist() == list(range(100, 150))


def test_transform_in_batches_and_bad_batch_size(mapped):
    X, y = mapped
    model = _model()[:-1].fit(X)
    np.testing.assert_allclose(predict_in_batches(model, X, method="transform", batch_size=100),
                               model.transform(X), rtol=1e-5)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        predict_in_batches(model, X, batch_size=0)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_memory_mapped_modality_survives_cross_validation(mapped, n_jobs):
    from sklearn.model_selection import KFold, cross_val_predict

    X, y = mapped
    in_memory = ModalityDict(image=np.array(X["image"]), text=X["text"])
    cv = KFold(3, shuffle=True, random_state=0)
    from_map = cross_val_predict(_model(), X, y, cv=cv, n_jobs=n_jobs)
    from_memory = cross_val_predict(_model(), in_memory, y, cv=cv)
    np.testing.assert_array_equal(from_map, from_memory)
    assert np.mean(from_map == y) > 0.9
