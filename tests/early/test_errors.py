"""EarlyFusion's errors on bad input: clear, and naming the block or modality."""

import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skfusion import EarlyFusion, ModalityDict

from .conftest import waveform_stats


class _DropsARow(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X)[1:]


def test_a_block_naming_a_missing_modality(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("voice", waveform_stats(), "audio")])
    with pytest.raises(ValueError, match="block 'voice': modality 'audio' is not in X"):
        fusion.fit(X)


def test_a_transformer_returning_the_wrong_number_of_rows(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("tab", _DropsARow(), "table")])
    with pytest.raises(ValueError, match="block 'tab' returned 59 rows for 60 samples"):
        fusion.fit(X)


class _FirstColumns(TransformerMixin, BaseEstimator):
    """Keeps the first ``width`` columns (all of them when None)."""

    def __init__(self, width=None):
        self.width = width

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X)[:, :self.width]


def test_a_transformer_returning_other_features_than_at_fit(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("tab", _FirstColumns(), "table")]).fit(X)
    fusion.named_transformers_["tab"].width = 4  # the fitted transformer changes
    with pytest.raises(ValueError, match="block 'tab' returned 4 features, but 10 at fit"):
        fusion.transform(X)


def test_modalities_with_different_numbers_of_samples(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("tab", "passthrough", "table")])
    with pytest.raises(ValueError, match="all modalities must have the same number of "
                                         "samples, got 'image': 60, 'table': 50"):
        fusion.fit({"image": X["image"], "table": X["table"][:50]})


def test_a_transformer_returning_one_dimension(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("tab", FunctionTransformer(lambda t: t.sum(axis=1)), "table")])
    with pytest.raises(ValueError, match="block 'tab' returned an array of shape \\(60,\\)"):
        fusion.fit(X)


def test_a_modality_whose_shape_changes_between_fit_and_transform(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("pixels", "passthrough", "image")]).fit(X)
    bigger = ModalityDict(image=np.zeros((5, 9, 9)))
    with pytest.raises(ValueError, match=r"modality 'image' has shape \(n_samples, 9, 9\) "
                                         r"but EarlyFusion was fitted on shape "
                                         r"\(n_samples, 8, 8\)"):
        fusion.transform(bigger)


def test_transform_without_a_modality_seen_at_fit(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("pixels", "passthrough", "image"),
                          ("seq", waveform_stats(), "sequence")]).fit(X)
    with pytest.raises(ValueError, match="needs modality 'sequence', which X lacks"):
        fusion.transform(ModalityDict(image=X["image"]))
    # a dropped block's modality is not needed
    fusion.set_params(seq="drop").fit(X)
    assert fusion.transform(ModalityDict(image=X["image"])).shape == (60, 64)


def test_modalities_at_fit_and_an_array_at_transform(Xy):
    X, _ = Xy
    fusion = EarlyFusion([("tab", "passthrough", "table")]).fit(X)
    with pytest.raises(TypeError, match="fitted on a ModalityDict with modalities "
                                        r"\['table'\], but transform got a ndarray"):
        fusion.transform(X["table"])
    fitted_on_array = EarlyFusion([("all", StandardScaler(), None)]).fit(X["table"])
    with pytest.raises(TypeError, match="fitted on 2-D data without modalities"):
        fitted_on_array.transform(X)


def test_passthrough_of_ragged_signals(Xy):
    X, _ = Xy
    with pytest.raises(TypeError, match="'passthrough' needs numeric arrays, but modality "
                                        "'sequence' has dtype object"):
        EarlyFusion([("seq", "passthrough", "sequence")]).fit(X)


@pytest.mark.parametrize("transformers, error, match", [
    ([], ValueError, "needs at least one block"),
    ([("a", StandardScaler())], ValueError, "must be \\(name, transformer, modality\\)"),
    ([("a", "passthrough", "table"), ("a", "drop", "image")], ValueError, "not unique"),
    ([("remainder", "passthrough", "table")], ValueError,
     r"conflict with constructor arguments: \['remainder'\]"),
    ([("a", "scale", "table")], TypeError, "block 'a': the transformer must be"),
    ([("a__b", "passthrough", "table")], ValueError, "must not contain __"),
    ([("a", StandardScaler, "table")], TypeError, "got the class StandardScaler"),
])
def test_malformed_blocks(Xy, transformers, error, match):
    X, _ = Xy
    with pytest.raises(error, match=match):
        EarlyFusion(transformers).fit(X)


@pytest.mark.parametrize("param, value, expected", [
    ("block_scaling", "minmax", "a str among"),
    ("missing", "zeros", "a str among"),
    ("sparse_threshold", 2.0, r"a float in the range \[0.0, 1.0\]"),
    ("remainder", "keep", "a str among"),
    ("block_weights", [1.0], "an instance of 'dict' or None"),
    ("add_indicator", "yes", "an instance of 'bool'"),
    ("n_jobs", "two", "an instance of 'int' or None"),
])
def test_invalid_parameters_are_rejected(Xy, param, value, expected):
    X, _ = Xy
    fusion = EarlyFusion([("tab", "passthrough", "table")], **{param: value})
    # sklearn's InvalidParameterError, a ValueError
    with pytest.raises(ValueError,
                       match=f"The '{param}' parameter of EarlyFusion must be {expected}.*"
                             f"Got {re.escape(repr(value))} instead"):
        fusion.fit(X)


@pytest.mark.parametrize("method", ["transform", "get_feature_names_out"])
def test_fitted_methods_need_fit(method):
    fusion = EarlyFusion([("tab", "passthrough", "table")])
    args = (ModalityDict(table=np.zeros((2, 3))),) if method == "transform" else ()
    with pytest.raises(NotFittedError, match="This EarlyFusion instance is not fitted yet"):
        getattr(fusion, method)(*args)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_a_block_transformer_error_names_its_modality_at_fit_and_transform(Xy, n_jobs):
    X, y = Xy
    table = X["table"].copy()
    table[3, 1] = np.inf
    bad = ModalityDict({**X, "table": table})
    fusion = EarlyFusion([("seq", waveform_stats(), "sequence"),
                          ("tab", FunctionTransformer(validate=True), "table")], n_jobs=n_jobs)
    # the transformer's own check (sklearn's check_array), prefixed with the modality
    message = r"^modality 'table': Input X contains infinity"
    with pytest.raises(ValueError, match=message):
        fusion.fit(bad, y)
    fusion.fit(X, y)
    with pytest.raises(ValueError, match=message):
        fusion.transform(bad)


def test_fit_refuses_a_target_of_the_wrong_length(Xy):
    X, y = Xy
    with pytest.raises(ValueError, match="EarlyFusion y has 59 samples but X has 60"):
        EarlyFusion([("tab", StandardScaler(), "table")]).fit(X, y[:-1])
