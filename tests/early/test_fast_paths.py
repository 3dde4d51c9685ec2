"""EarlyFusion's fast paths give what the general path gives.

A block whose transformer ends with a StandardScaler is already standardised,
so the default scaling leaves it as it is instead of standardising it again;
the scaling's mean is reused for the missing-row fill. These tests pin the
outputs to the general path (a transformer EarlyFusion does not recognise).
"""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skfusion import EarlyFusion, ModalityDict
from skfusion.early._block import _ends_with_standard_scaler
from skfusion.early._scaling import fit_block_scaling


def _identity(X):
    return X


def _opaque_scaler():
    """A StandardScaler that EarlyFusion cannot see at the end of the pipeline."""
    return make_pipeline(StandardScaler(), FunctionTransformer(_identity))


@pytest.fixture
def X():
    rng = np.random.RandomState(0)
    table = rng.normal(size=(80, 6)) * [1, 10, 100, 0.1, 5, 1] + [0, 3, -50, 1, 0, 7]
    table[:, 5] = 7.0  # a constant feature
    return ModalityDict(table=table, image=rng.normal(size=(80, 4, 4)) * 30 + 2)


@pytest.mark.parametrize("block_scaling", ["auto", "standard", "block", None])
@pytest.mark.parametrize("missing", ["mean", "zero"])
def test_a_standard_scaler_block_equals_the_general_path(X, block_scaling, missing):
    train = X.with_missing("image", [2, 9, 40])
    test = X.with_missing("image", [0, 1, 77]).with_missing("table", [5])
    outputs = []
    for make in (StandardScaler, _opaque_scaler):
        fusion = EarlyFusion([("tab", make(), "table"),
                              ("img", make_pipeline(FunctionTransformer(_flat), make()), "image")],
                             block_scaling=block_scaling, missing=missing,
                             block_weights={"img": 2.0})
        outputs.append((fusion.fit_transform(train), fusion.transform(test)))
    (fit_fast, test_fast), (fit_general, test_general) = outputs
    assert fit_fast.shape == fit_general.shape == (80, 6 + 16 + 1)  # img's indicator
    assert_allclose(fit_fast, fit_general, rtol=1e-12, atol=1e-12)
    assert_allclose(test_fast, test_general, rtol=1e-12, atol=1e-12)


def _flat(images):
    return images.reshape(len(images), -1)


def test_only_a_centring_and_scaling_standard_scaler_counts():
    assert _ends_with_standard_scaler(StandardScaler())
    assert _ends_with_standard_scaler(make_pipeline(FunctionTransformer(), StandardScaler()))
    assert not _ends_with_standard_scaler(StandardScaler(with_mean=False))
    assert not _ends_with_standard_scaler(StandardScaler(with_std=False))
    assert not _ends_with_standard_scaler(_opaque_scaler())


def test_a_weighted_standard_scaler_is_standardised_again_without_weights(X):
    """With sample_weight routed to the scaler, its output is not standardised unweighted."""
    weights = np.random.RandomState(1).uniform(0.1, 3.0, 80)
    with sklearn.config_context(enable_metadata_routing=True):
        fusion = EarlyFusion([("tab", StandardScaler().set_fit_request(sample_weight=True),
                               "table")])
        Xt = fusion.fit_transform(X, sample_weight=weights)
    assert_allclose(Xt[:, :5].mean(axis=0), 0.0, atol=1e-12)
    assert_allclose(Xt[:, :5].std(axis=0), 1.0, rtol=1e-12)


@pytest.mark.parametrize("with_nan", [False, True])
def test_block_statistics_match_a_direct_computation(with_nan):
    rng = np.random.RandomState(0)
    Xt = rng.normal(size=(50, 4)) * [1, 2, 3, 4] + 5
    if with_nan:
        Xt[[1, 7], 2] = np.nan
    offset, scale, mean = fit_block_scaling(Xt, "auto")
    assert_array_equal(offset, mean)
    assert_allclose(mean, np.nanmean(Xt, axis=0), rtol=1e-14)
    assert_allclose(scale, np.nanstd(Xt, axis=0), rtol=1e-14)
