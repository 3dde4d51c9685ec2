"""EarlyFusion's missing-modality policy."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import BaseEstimator, TransformerMixin

from skfusion import EarlyFusion

from .conftest import waveform_stats


class _RecordRows(TransformerMixin, BaseEstimator):
    """Passes a 2-D table through and records how many rows fit and transform saw."""

    def fit(self, X, y=None):
        self.fit_rows_ = len(X)
        assert not np.isnan(X).any(), "missing rows reached the transformer"
        return self

    def transform(self, X):
        assert not np.isnan(X).any(), "missing rows reached the transformer"
        return np.asarray(X, dtype=float)


def test_missing_rows_get_the_training_mean_and_an_indicator(Xy):
    X, _ = Xy
    rows = np.arange(0, 60, 4)  # 15 of 60 rows lack the sequence
    X_missing = X.with_missing("sequence", rows)
    fusion = EarlyFusion([("tab", "passthrough", "table"), ("seq", waveform_stats(), "sequence")])
    Xt = fusion.fit_transform(X_missing)
    assert Xt.shape == (60, 10 + 4 + 1)
    assert fusion.get_feature_names_out()[-1] == "seq__missing"
    assert_allclose(Xt[:, -1], np.isin(np.arange(60), rows).astype(float))
    # the transformer saw only the 45 present rows; missing rows sit at the mean (0)
    present = np.setdiff1d(np.arange(60), rows)
    stats = waveform_stats().fit_transform(X["sequence"][present])
    seq = Xt[:, fusion.output_indices_["seq"]][:, :4]
    assert_allclose(seq[rows], 0.0, atol=1e-12)
    std = stats.std(axis=0)
    assert_allclose(seq[present], (stats - stats.mean(axis=0)) / std)
    # only the block with missing rows at fit gets an indicator
    assert fusion.output_indices_["tab"] == slice(0, 10)


def test_the_transformer_never_sees_missing_rows(Xy):
    X, _ = Xy
    X_missing = X.with_missing("table", [1, 2, 3])
    fusion = EarlyFusion([("tab", _RecordRows(), "table")]).fit(X_missing)
    assert fusion.named_transformers_["tab"].fit_rows_ == 57
    Xt = fusion.transform(X.with_missing("table", [0, 10, 20, 30]))
    assert_allclose(Xt[[0, 10, 20, 30], :10], 0.0, atol=1e-12)
    assert_allclose(Xt[:, 10], np.isin(np.arange(60), [0, 10, 20, 30]))


def test_missing_at_transform_only_is_filled_without_an_indicator(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("tab", "passthrough", "table")], block_scaling=None).fit(X)
    Xt = fusion.transform(X.with_missing("table", [5]))
    assert Xt.shape == (60, 10)
    assert_allclose(Xt[5], X["table"].mean(axis=0))


def test_zero_fill_and_no_indicator(Xy):
    X, _ = Xy
    X_missing = X.with_missing("table", [0, 1])
    fusion = EarlyFusion([("tab", "passthrough", "table")], block_scaling=None,
                         missing="zero", add_indicator=False)
    Xt = fusion.fit_transform(X_missing)
    assert Xt.shape == (60, 10)
    assert_allclose(Xt[:2], 0.0)
    assert_allclose(Xt[2:], X["table"][2:])
    # the zeros are filled before scaling, whose statistics come from the
    # present rows: scaled, the filled rows sit at -mean / std of those rows
    scaled = EarlyFusion([("tab", "passthrough", "table")], missing="zero",
                         add_indicator=False).fit_transform(X_missing)
    present = X["table"][2:]
    assert_allclose(scaled[:2], np.tile(-present.mean(axis=0) / present.std(axis=0), (2, 1)))
    assert_allclose(scaled[2:], (present - present.mean(axis=0)) / present.std(axis=0))


def test_mean_fill_keeps_accuracy_where_zero_fill_loses_it():
    # the AV-MNIST finding in miniature: a missing block filled with zeros
    # is a far-away point for the classifier, the training mean a neutral one
    from sklearn.linear_model import LogisticRegression

    from skfusion import ModalityDict

    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 400)
    X = ModalityDict(a=50 + y[:, None] * 4 + rng.normal(size=(400, 5)),
                     b=y[:, None] + rng.normal(scale=2.0, size=(400, 5)))
    train, test = np.arange(300), np.arange(300, 400)
    X_test = X[test].with_missing("a", np.arange(100))
    scores = {}
    for missing in ("mean", "zero"):
        fusion = EarlyFusion([("a", "passthrough", "a"), ("b", "passthrough", "b")],
                             block_scaling=None, missing=missing)
        clf = LogisticRegression(max_iter=1000).fit(fusion.fit_transform(X[train]), y[train])
        scores[missing] = clf.score(fusion.transform(X_test), y[test])
    assert scores["mean"] > scores["zero"] + 0.2


def test_missing_error_policy(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("seq", waveform_stats(), "sequence")], missing="error")
    with pytest.raises(ValueError, match="block 'seq': 2 samples lack its modality"):
        fusion.fit(X.with_missing("sequence", [3, 4]))
    fusion.fit(X)
    with pytest.raises(ValueError, match="block 'seq': 1 samples lack"):
        fusion.transform(X.with_missing("sequence", [0]))


def test_a_block_lacking_every_training_row_is_an_error(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("tab", "passthrough", "table")])
    with pytest.raises(ValueError, match="every training sample lacks its modality"):
        fusion.fit(X.with_missing("table", np.arange(60)))


def test_missing_rows_of_a_sparse_block_stay_sparse(text_X):
    from sklearn.feature_extraction.text import TfidfVectorizer

    X = text_X.with_missing("text", [0, 5])
    fusion = EarlyFusion([("words", TfidfVectorizer(), "text")], block_scaling=None,
                         sparse_threshold=1.0)
    Xt = fusion.fit_transform(X)
    assert fusion.sparse_output_
    words = TfidfVectorizer().fit_transform([t for t in X["text"] if t is not None])
    assert_allclose(Xt[[0, 5], :-1].toarray(), np.tile(words.mean(axis=0), (2, 1)))
    assert_allclose(Xt[1:5, :-1].toarray(), words[:4].toarray())
    assert_allclose(Xt[:, -1].toarray().ravel(), np.isin(np.arange(40), [0, 5]))
