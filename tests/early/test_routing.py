"""EarlyFusion's metadata routing: as ColumnTransformer's, block by block."""

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_allclose
from sklearn import config_context
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfusion import EarlyFusion
from skfusion.features import PixelFeatures

ROUTING_OFF = "is only supported if enable_metadata_routing=True"


class _Shift(BaseEstimator):
    """Flattens X and adds a per-sample ``shift`` in transform; has no fit_transform."""

    def fit(self, X, y=None):
        self.n_fit_rows_ = len(X)
        return self

    def transform(self, X, shift=None):
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        return X if shift is None else X + np.asarray(shift, dtype=float)[:, np.newaxis]


@pytest.fixture
def routing():
    """Metadata routing on for one test (sklearn's config is restored after)."""
    with config_context(enable_metadata_routing=True):
        yield


@pytest.fixture
def weights():
    return np.random.RandomState(1).uniform(0.1, 3.0, 60)


def _weighted_fusion(**kwargs):
    """Pixels through a pipeline whose scaler wants sample_weight; a table scaler that not."""
    pixels = make_pipeline(PixelFeatures(scale=False),
                           StandardScaler().set_fit_request(sample_weight=True))
    table = StandardScaler().set_fit_request(sample_weight=False)
    return EarlyFusion([("pixels", pixels, "image"), ("tab", table, "table")], **kwargs)


def _assert_means(fusion, X, weights, rows):
    """The pixel scaler saw the weights of ``rows``, the table scaler none."""
    pixels = X["image"][rows].reshape(len(rows), -1)
    assert_allclose(fusion.named_transformers_["pixels"][-1].mean_,
                    np.average(pixels, axis=0, weights=weights[rows]))
    assert_allclose(fusion.named_transformers_["tab"].mean_, X["table"][rows].mean(axis=0))
    # the two means differ, so the assertions above tell weighted from unweighted
    assert not np.allclose(np.average(pixels, axis=0, weights=weights[rows]),
                           pixels.mean(axis=0))


@pytest.mark.parametrize("method", ["fit", "fit_transform", "transform"])
@pytest.mark.parametrize("make", [
    lambda: EarlyFusion([("tab", StandardScaler(), [0, 1])]),
    lambda: ColumnTransformer([("tab", StandardScaler(), [0, 1])]),
], ids=["EarlyFusion", "ColumnTransformer"])
def test_metadata_without_routing_raise_as_in_column_transformer(make, method, weights):
    X = np.random.RandomState(0).normal(size=(60, 2))
    estimator = make()
    if method == "transform":
        estimator.fit(X)
    name = type(estimator).__name__
    with pytest.raises(ValueError, match=f"{name}.{method} {ROUTING_OFF}") as error:
        getattr(estimator, method)(X, sample_weight=weights)
    assert "sample_weight" in str(error.value)


def test_metadata_without_routing_raise_inside_a_pipeline(Xy, weights):
    X, y = Xy
    pipe = make_pipeline(EarlyFusion([("tab", StandardScaler(), "table")]),
                         LogisticRegression())
    with pytest.raises(ValueError, match=f"EarlyFusion.fit_transform {ROUTING_OFF}"):
        pipe.fit(X, y, earlyfusion__sample_weight=weights)


@pytest.mark.parametrize("method", ["fit", "fit_transform"])
def test_sample_weight_reaches_only_the_block_that_requested_it(routing, Xy, weights, method):
    X, y = Xy
    fusion = _weighted_fusion(block_scaling=None)
    out = getattr(fusion, method)(X, y, sample_weight=weights)
    _assert_means(fusion, X, weights, np.arange(60))
    if method == "fit_transform":
        assert_allclose(out, fusion.transform(X))
        pixels = X["image"].reshape(60, -1)
        mean = np.average(pixels, axis=0, weights=weights)
        std = np.sqrt(np.average((pixels - mean) ** 2, axis=0, weights=weights))
        assert_allclose(out[:, :64], (pixels - mean) / std)


def test_routed_blocks_fitted_in_parallel(routing, Xy, weights):
    X, y = Xy
    fusion = _weighted_fusion(n_jobs=2)
    with parallel_config(backend="threading"):  # threads keep the test fast
        fusion.fit(X, y, sample_weight=weights)
    _assert_means(fusion, X, weights, np.arange(60))


def test_sample_weight_of_samples_lacking_the_modality_is_left_out(routing, Xy, weights):
    X, y = Xy
    lacking = np.arange(0, 60, 6)
    X_missing = X.with_missing("image", lacking)
    fusion = _weighted_fusion()
    fusion.fit(X_missing, y, sample_weight=weights)
    present = np.setdiff1d(np.arange(60), lacking)
    pixels = X["image"][present].reshape(len(present), -1)
    assert_allclose(fusion.named_transformers_["pixels"][-1].mean_,
                    np.average(pixels, axis=0, weights=weights[present]))
    assert_allclose(fusion.named_transformers_["tab"].mean_, X["table"].mean(axis=0))


def test_the_remainder_is_routed_too(routing, Xy, weights):
    X, y = Xy
    fusion = EarlyFusion([("seq", "drop", "sequence"), ("pixels", "passthrough", "image")],
                         remainder=StandardScaler().set_fit_request(sample_weight=True))
    fusion.fit(X, y, sample_weight=weights)
    assert fusion.transformers_[-1][2] == "table"
    assert_allclose(fusion.named_transformers_["remainder"].mean_,
                    np.average(X["table"], axis=0, weights=weights))


def test_transform_metadata_reach_the_requesting_block_row_by_row(routing, Xy):
    X, _ = Xy
    shift = np.arange(60, dtype=float)
    lacking = [2, 7]
    X_missing = X.with_missing("table", lacking)
    fusion = EarlyFusion([("shifted", _Shift().set_transform_request(shift=True), "table"),
                          ("plain", _Shift().set_transform_request(shift=False), "image")],
                         block_scaling=None, add_indicator=False)
    # without fit_transform, fit's metadata go to the block's fit and transform
    fitted = fusion.fit_transform(X_missing, shift=shift)
    out = fusion.transform(X_missing, shift=shift)
    present = np.setdiff1d(np.arange(60), lacking)
    expected = X["table"][present] + shift[present, np.newaxis]
    assert fusion.named_transformers_["shifted"].n_fit_rows_ == 58
    for Xt in (fitted, out):
        assert_allclose(Xt[present, :10], expected)
        assert_allclose(Xt[lacking, :10], np.tile(expected.mean(axis=0), (2, 1)))
        assert_allclose(Xt[:, 10:], X["image"].reshape(60, -1))


def test_metadata_nobody_requested_raise_unset_metadata_error(routing, Xy, weights):
    X, y = Xy
    fusion = EarlyFusion([("pixels", "passthrough", "image"),
                          ("tab", StandardScaler(), "table")])
    with pytest.raises(UnsetMetadataPassedError,
                       match=r"\[sample_weight\] are passed but are not explicitly set "
                             r"as requested or not requested for StandardScaler"):
        fusion.fit(X, y, sample_weight=weights)
    with pytest.raises(TypeError, match=r"got unexpected argument\(s\) \{'groups'\}"):
        fusion.fit(X, y, groups=np.arange(60))
    # without metadata, routing on changes nothing
    routed = clone(fusion).fit_transform(X, y)
    with config_context(enable_metadata_routing=False):
        assert_allclose(routed, clone(fusion).fit_transform(X, y))


def test_pipeline_in_cross_validate_routes_sample_weight(routing, Xy, weights):
    X, y = Xy
    pipe = make_pipeline(_weighted_fusion(),
                         LogisticRegression().set_fit_request(sample_weight=True))
    # an explicit scorer: before scikit-learn 1.8 the default one (Pipeline.score)
    # read the Pipeline's own score request, not its steps', and refused the weights
    weighted_accuracy = make_scorer(accuracy_score).set_score_request(sample_weight=True)
    result = cross_validate(pipe, X, y, cv=3, params={"sample_weight": weights},
                            scoring=weighted_accuracy, return_estimator=True,
                            return_indices=True)
    assert result["test_score"].mean() > 0.7  # weighted accuracy; nan if scoring failed
    for fitted, train in zip(result["estimator"], result["indices"]["train"]):
        fusion, model = fitted
        _assert_means(fusion, X, weights, train)
        # the final estimator got the weights of the same rows
        refit = LogisticRegression().fit(fusion.transform(X[train]), y[train],
                                         sample_weight=weights[train])
        assert_allclose(model.coef_, refit.coef_, rtol=1e-6)
