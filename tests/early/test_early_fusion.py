"""EarlyFusion: block selection, balancing, sparse output, names, composition."""

import pickle

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfusion import EarlyFusion, ModalityDict, ModalitySelector, make_early_fusion

from .conftest import waveform_stats


def _standardise(A):
    std = A.std(axis=0)
    std[std == 0] = 1.0
    return (A - A.mean(axis=0)) / std


def test_early_fusion_passthrough_flattens_images_and_standardises_each_feature(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("pixels", "passthrough", "image"),
                          ("seq", waveform_stats(), "sequence")])
    Xt = fusion.fit_transform(X)
    assert Xt.shape == (60, 64 + 4)
    assert_allclose(Xt[:, :64], _standardise(X["image"].reshape(60, -1)))
    assert_allclose(Xt[:, 64:], _standardise(waveform_stats().fit_transform(X["sequence"])))
    assert_allclose(fusion.transform(X), Xt)
    # a plain dict of modalities is converted to a ModalityDict
    assert_allclose(clone(fusion).fit_transform(dict(X)), Xt)


def test_early_fusion_without_scaling_is_plain_concatenation(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("pixels", "passthrough", "image"), ("tab", "passthrough", "table")],
                         block_scaling=None)
    expected = np.hstack([X["image"].reshape(60, -1), X["table"]])
    assert_array_equal(fusion.fit_transform(X), expected)


def test_block_scaling_block_gives_every_block_the_same_total_variance(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("pixels", "passthrough", "image"), ("tab", "passthrough", "table")],
                         block_scaling="block")
    Xt = fusion.fit_transform(X)
    for name in ("pixels", "tab"):
        block = Xt[:, fusion.output_indices_[name]]
        assert_allclose(block.mean(axis=0), 0.0, atol=1e-12)
        assert block.var(axis=0).sum() == pytest.approx(1.0)
    # width no longer decides influence: each pixel is 8 times smaller than before
    assert Xt[:, :64].std(axis=0) == pytest.approx(np.full(64, 1 / 8))


def test_block_weights_multiply_the_scaled_block(Xy):
    X, _ = Xy
    blocks = [("pixels", "passthrough", "image"), ("tab", "passthrough", "table")]
    plain = EarlyFusion(blocks).fit_transform(X)
    weighted = EarlyFusion(blocks, block_weights={"tab": 3.0}).fit_transform(X)
    assert_allclose(weighted[:, :64], plain[:, :64])
    assert_allclose(weighted[:, 64:], 3.0 * plain[:, 64:])


@pytest.mark.parametrize("weights, match", [
    ({"audio": 2.0}, r"block_weights names blocks \['audio'\]"),
    ({"tab": 0.0}, r"block_weights\['tab'\] must be a positive number, got 0.0"),
])
def test_block_weights_errors(Xy, weights, match):
    X, _ = Xy
    fusion = EarlyFusion([("tab", "passthrough", "table")], block_weights=weights)
    with pytest.raises(ValueError, match=match):
        fusion.fit(X)


def test_early_fusion_matches_column_transformer_on_a_plain_array():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 6)) * np.arange(1, 7)
    blocks = [("pca", PCA(2), [0, 1, 2]), ("scaled", StandardScaler(), slice(3, 5))]
    ours = EarlyFusion(blocks, remainder="passthrough", block_scaling=None)
    theirs = ColumnTransformer(blocks, remainder="passthrough")
    assert_allclose(ours.fit_transform(X), theirs.fit_transform(X))
    assert ours.transformers_[-1][0] == "remainder"
    assert ours.transformers_[-1][2] == [5]
    assert ours.n_features_in_ == 6


def test_dataframe_columns_and_feature_names_in():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.0, 1.0, 0.0, 1.0],
                          "c": [5.0, 5.0, 6.0, 7.0]})
    fusion = EarlyFusion([("ab", "passthrough", ["a", "b"])], remainder="passthrough")
    Xt = fusion.fit_transform(frame)
    assert_allclose(Xt, _standardise(frame.to_numpy()))
    assert list(fusion.feature_names_in_) == ["a", "b", "c"]
    assert fusion.get_feature_names_out().tolist() == ["ab__a", "ab__b", "remainder__c"]


def test_remainder_on_modalities(Xy):
    X, _ = Xy
    several = EarlyFusion([("seq", waveform_stats(), "sequence")], remainder="passthrough")
    Xt = several.fit_transform(X)
    assert several.transformers_[-1][2] == ["image", "table"]
    assert Xt.shape == (60, 4 + 64 + 10)
    assert several.get_feature_names_out()[[4, 68]].tolist() == [
        "remainder__image0", "remainder__table0"]
    fusion = EarlyFusion([("pixels", "passthrough", "image"), ("seq", "drop", "sequence")],
                         remainder=StandardScaler(), block_scaling=None)
    Xt = fusion.fit_transform(X)
    assert fusion.transformers_[-1][2] == "table"
    assert_allclose(Xt[:, 64:], StandardScaler().fit_transform(X["table"]))
    assert fusion.modalities_ == ("image", "table")
    assert set(fusion.output_indices_) == {"pixels", "seq", "remainder"}
    assert fusion.output_indices_["seq"] == slice(0, 0)


def test_sparse_blocks_stay_sparse_below_the_threshold(text_X):
    blocks = [("words", TfidfVectorizer(), "text"), ("tab", "passthrough", "table")]
    fusion = EarlyFusion(blocks, sparse_threshold=0.9)
    Xt = fusion.fit_transform(text_X)
    assert sparse.issparse(Xt) and fusion.sparse_output_
    words = TfidfVectorizer().fit_transform(text_X["text"])
    # "auto": a sparse block is left as it is (TF-IDF keeps its unit-norm rows and
    # its weights, as in plain concatenation); the dense table is standardised
    assert Xt[:, :8].nnz == words.nnz
    assert_allclose(Xt[:, :8].toarray(), words.toarray())
    assert_allclose(Xt[:, 8:].toarray(), _standardise(text_X["table"]))
    # "block" still brings the sparse block to unit variance on average, by one factor
    block = EarlyFusion(blocks, block_scaling="block", sparse_threshold=0.9).fit_transform(
        text_X)
    scaled = block[:, :8].toarray() * np.sqrt(8)
    assert scaled.var(axis=0).mean() == pytest.approx(1.0)
    factor = scaled[words.nonzero()] / words.toarray()[words.nonzero()]
    assert_allclose(factor, factor[0])
    dense = EarlyFusion(blocks, sparse_threshold=0.0).fit_transform(text_X)
    assert isinstance(dense, np.ndarray)
    assert_allclose(dense, Xt.toarray())


def test_sparse_blocks_under_standard_and_block_scaling(text_X):
    blocks = [("words", TfidfVectorizer(), "text"), ("tab", "passthrough", "table")]
    standard = EarlyFusion(blocks, block_scaling="standard", sparse_threshold=0.9)
    Xt = standard.fit_transform(text_X)
    assert sparse.issparse(Xt)
    assert_allclose(Xt[:, :8].toarray().std(axis=0), 1.0)  # per feature, not centred
    assert Xt[:, :8].nnz == TfidfVectorizer().fit_transform(text_X["text"]).nnz
    block = EarlyFusion(blocks, block_scaling="block", sparse_threshold=0.9)
    Xt = block.fit_transform(text_X).toarray()
    assert Xt[:, :8].var(axis=0).sum() == pytest.approx(1.0)
    assert Xt[:, 8:].var(axis=0).sum() == pytest.approx(1.0)


def test_feature_names_named_transformers_and_pandas_output(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("pixels", "passthrough", "image"),
                          ("pca", PCA(3), "table"),
                          ("seq", waveform_stats(), "sequence")])
    fusion.fit(X)
    names = fusion.get_feature_names_out()
    assert names[0] == "pixels__image0" and names[63] == "pixels__image63"
    assert names[64:67].tolist() == ["pca__pca0", "pca__pca1", "pca__pca2"]
    # a transformer without feature names gets positional ones
    assert names[67:].tolist() == [f"seq__f{i}" for i in range(4)]
    # so does a pipeline with a step that cannot name its features
    selected = EarlyFusion([("tab", make_pipeline(ModalitySelector(None), PCA(2)), "table")])
    assert selected.fit(X).get_feature_names_out().tolist() == ["tab__f0", "tab__f1"]
    assert isinstance(fusion.named_transformers_["pca"], PCA)
    assert fusion.named_transformers_["pca"].n_components_ == 3
    frame = fusion.set_output(transform="pandas").transform(X)
    assert isinstance(frame, pd.DataFrame)
    assert frame.columns.tolist() == names.tolist()
    assert_allclose(frame.to_numpy(), fusion.set_output(transform="default").transform(X))


def test_html_repr_shows_each_block(Xy):
    fusion = EarlyFusion([("pixels", "passthrough", "image"), ("pca", PCA(3), "table")],
                         remainder=waveform_stats())
    html = fusion._repr_html_()
    assert "pixels" in html and "PCA" in html and "remainder" in html
    assert "sequence" not in html  # what the remainder reads is known only after fit
    X, _ = Xy
    fitted_html = fusion.fit(X)._repr_html_()
    assert "sequence" in fitted_html  # the remainder block shows what it read


def test_nested_params_and_a_grid_that_drops_a_modality(Xy):
    X, y = Xy
    fusion = EarlyFusion([("tab", make_pipeline(StandardScaler(), PCA(5)), "table"),
                          ("seq", waveform_stats(), "sequence")])
    params = fusion.get_params()
    assert params["tab__pca__n_components"] == 5
    assert params["seq"] is fusion.transformers[1][1]
    fusion.set_params(tab__pca__n_components=3, seq="drop")
    assert fusion.transformers[0][1][-1].n_components == 3
    assert fusion.transformers[1] == ("seq", "drop", "sequence")
    assert fusion.fit(X).get_feature_names_out().tolist() == [
        "tab__pca0", "tab__pca1", "tab__pca2"]
    pipe = make_pipeline(EarlyFusion([("tab", "passthrough", "table"),
                                      ("seq", waveform_stats(), "sequence")]),
                         LogisticRegression(max_iter=1000))
    grid = GridSearchCV(pipe, {"earlyfusion__seq": ["drop", waveform_stats()],
                               "earlyfusion__block_scaling": [None, "standard"]}, cv=3)
    grid.fit(X, y)
    # every candidate scores as the pipeline does with its parameters set by hand
    results = zip(grid.cv_results_["params"], grid.cv_results_["mean_test_score"])
    for candidate, score in results:
        by_hand = clone(pipe).set_params(**candidate)
        assert score == pytest.approx(cross_validate(by_hand, X, y, cv=3)["test_score"].mean())
    n_seq = 0 if grid.best_params_["earlyfusion__seq"] == "drop" else 4
    assert grid.best_estimator_[0].transform(X).shape == (60, 10 + n_seq)


def test_n_jobs_two_gives_the_same_output(Xy):
    X, _ = Xy
    blocks = [("pixels", "passthrough", "image"), ("seq", waveform_stats(), "sequence")]
    one = EarlyFusion(blocks).fit(X)
    # threads keep the test fast; the process-based speed-up is in the benchmark
    with parallel_config(backend="threading"):
        two = EarlyFusion(blocks, n_jobs=2).fit(X)
        assert_allclose(two.transform(X), one.transform(X))
        assert_allclose(two.fit_transform(X), one.transform(X))


def test_callable_modality_is_resolved_at_fit(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("numeric", "passthrough",
                           lambda X: [m for m in X.modalities if m != "sequence"])])
    Xt = fusion.fit_transform(X)
    assert fusion.transformers_[0][2] == ["image", "table"]
    assert_allclose(Xt, _standardise(np.hstack([X["image"].reshape(60, -1), X["table"]])))


def test_make_early_fusion_names_blocks_like_make_column_transformer():
    fusion = make_early_fusion((PCA(2), "image"), (PCA(3), "table"), ("passthrough", "text"),
                               block_scaling="block", n_jobs=2)
    assert [name for name, _, _ in fusion.transformers] == ["pca-1", "pca-2", "passthrough"]
    assert fusion.block_scaling == "block" and fusion.n_jobs == 2
    with pytest.raises(ValueError, match="takes \\(transformer, modality\\) tuples"):
        make_early_fusion(PCA(2))


def test_clone_pickle_and_cross_validate(Xy):
    X, y = Xy
    pipe = make_pipeline(
        EarlyFusion([("pixels", "passthrough", "image"), ("tab", "passthrough", "table"),
                     ("seq", waveform_stats(), "sequence")]),
        LogisticRegression(C=0.1),
    )
    scores = cross_validate(pipe, X, y, cv=3)["test_score"]
    assert scores.mean() > 0.7  # image and table are informative
    fitted = clone(pipe).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    assert_allclose(restored.predict_proba(X), fitted.predict_proba(X))


def test_verbose_prints_each_block(Xy, capsys):
    X, _ = Xy
    EarlyFusion([("pixels", "passthrough", "image"), ("tab", "passthrough", "table")],
                verbose=True).fit(X)
    out = capsys.readouterr().out
    assert "(1 of 2) Processing pixels" in out and "(2 of 2) Processing tab" in out
    EarlyFusion([("pixels", "passthrough", "image")]).fit(X)
    assert capsys.readouterr().out == ""


def test_balanced_fusion_beats_plain_concatenation_when_one_block_is_wide():
    # a wide noisy block in large units next to a narrow informative one
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 200)
    X = ModalityDict(noise=rng.normal(size=(200, 300)) * 100,
                     signal=(y[:, None] + rng.normal(scale=0.5, size=(200, 3))))
    blocks = [("noise", "passthrough", "noise"), ("signal", "passthrough", "signal")]
    results = {}
    for scaling in (None, "standard", "block"):
        pipe = make_pipeline(EarlyFusion(blocks, block_scaling=scaling),
                             LogisticRegression(C=0.01))
        results[scaling] = cross_validate(pipe, X, y, cv=3)["test_score"].mean()
    assert results["block"] > results[None] + 0.1
    assert results["block"] >= results["standard"]


def test_av_mnist_images_and_int16_waveforms(av_mnist):
    rows = np.random.RandomState(0).choice(len(av_mnist.target), 300, replace=False)
    X, y = av_mnist.data[rows], np.asarray(av_mnist.target)[rows]
    X = X.with_missing("audio", np.arange(0, 300, 5))  # None entries in the object array
    fusion = EarlyFusion([("pixels", "passthrough", "image"),
                          ("voice", waveform_stats(), "audio")])
    pipe = make_pipeline(fusion, LogisticRegression(C=0.01, max_iter=500))
    scores = cross_validate(pipe, X, y, cv=3)["test_score"]
    assert scores.mean() > 0.6  # chance is 0.1
    Xt = clone(fusion).fit_transform(X)
    assert Xt.shape == (300, 28 * 28 + 4 + 1)
    assert_allclose(Xt[:, -1], np.isin(np.arange(300), np.arange(0, 300, 5)))


def test_default_is_plain_concatenation_for_sparse_and_standardised_blocks(text_X):
    """TF-IDF beside a standardised table: the default changes neither block."""
    blocks = [("words", TfidfVectorizer(), "text"), ("table", StandardScaler(), "table")]
    default = EarlyFusion(blocks, sparse_threshold=0.9).fit_transform(text_X)
    plain = EarlyFusion(blocks, block_scaling=None, sparse_threshold=0.9).fit_transform(text_X)
    assert_allclose(default.toarray(), plain.toarray(), rtol=1e-12, atol=1e-12)
