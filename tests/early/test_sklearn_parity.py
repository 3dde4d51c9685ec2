"""EarlyFusion side by side with ColumnTransformer.

On a 2-D array or a DataFrame, ``EarlyFusion(..., block_scaling=None)`` is
ColumnTransformer: the same outputs, exactly, the same feature names, the same
errors.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from scipy import sparse
from sklearn import config_context
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.decomposition import PCA
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skfusion import EarlyFusion


def _pair(transformers, **kw):
    """The same blocks as an EarlyFusion (no block scaling) and a ColumnTransformer."""
    ours = EarlyFusion([(n, t, c) for n, t, c in transformers], block_scaling=None, **kw)
    theirs = ColumnTransformer([(n, t, c) for n, t, c in transformers], **kw)
    return ours, theirs


def _assert_same(ours, theirs, X, X_test=None):
    X_test = X if X_test is None else X_test
    out, ref = ours.fit_transform(X), theirs.fit_transform(X)
    if sparse.issparse(ref):
        assert sparse.issparse(out)
        out, ref = out.toarray(), ref.toarray()
    assert_array_equal(out, ref)
    test_out, test_ref = ours.transform(X_test), theirs.transform(X_test)
    if sparse.issparse(test_ref):
        test_out, test_ref = test_out.toarray(), test_ref.toarray()
    assert_array_equal(test_out, test_ref)
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    assert ours.output_indices_ == theirs.output_indices_


@pytest.fixture
def array():
    return np.random.RandomState(0).randn(20, 4)


@pytest.fixture
def frame():
    rng = np.random.RandomState(0)
    return pd.DataFrame({"a": rng.randn(20), "b": rng.randint(0, 5, 20),
                         "c": rng.randn(20), "d": rng.choice(["x", "y", "z"], 20)})


def test_column_positions_name_the_features_as_column_transformer(array):
    # before: ['s__x0', 's__x1', 'remainder__x0', ...]; now ColumnTransformer's
    ours, theirs = _pair([("s", StandardScaler(), [1, 2])], remainder="passthrough")
    _assert_same(ours, theirs, array)
    assert list(ours.get_feature_names_out()) == ["s__x1", "s__x2", "remainder__x0",
                                                  "remainder__x3"]


@pytest.mark.parametrize("columns", [[1, 2], slice(1, 3), np.array([False, True, True, False]),
                                     [-3, -2], np.array([2, 1])])
def test_array_column_specs(array, columns):
    ours, theirs = _pair([("p", "passthrough", columns), ("s", StandardScaler(), [0])],
                         remainder="passthrough")
    _assert_same(ours, theirs, array)


@pytest.mark.parametrize("columns", [slice("b", "c"), slice(0, 2), ["a", "c"], [0, 2],
                                     make_column_selector(dtype_include=np.number)])
def test_dataframe_column_specs(frame, columns):
    # before: a slice raised "'slice' object is not iterable"
    ours, theirs = _pair([("p", StandardScaler(), columns),
                          ("d", OneHotEncoder(sparse_output=False), ["d"])])
    _assert_same(ours, theirs, frame)


def test_slice_on_a_dropped_block(frame):
    ours, theirs = _pair([("gone", "drop", slice("a", "b")),
                          ("c", StandardScaler(), ["c"])], remainder="passthrough")
    numeric = frame[["a", "b", "c"]]
    _assert_same(ours, theirs, numeric)
    assert ours.transformers_[0][1] == "drop"


@pytest.mark.parametrize("empty", [[], np.zeros(4, dtype=bool),
                                   make_column_selector(dtype_include="category")])
def test_empty_selection_keeps_a_block_with_no_column(array, empty):
    # before: it raised
    X = pd.DataFrame(array, columns=list("abcd"))
    ours, theirs = _pair([("none", StandardScaler(), empty), ("s", StandardScaler(), [0, 1])],
                         remainder="passthrough")
    _assert_same(ours, theirs, X)
    assert ours.output_indices_["none"] == slice(0, 0)
    assert [n for n, _, _ in ours.transformers_] == [n for n, _, _ in theirs.transformers_]
    # the block's transformer is kept unfitted, as ColumnTransformer keeps it
    assert not hasattr(ours.transformers_[0][1], "mean_")


def test_integer_dataframe_column_names(array):
    frame = pd.DataFrame(array)  # columns 0..3: no feature_names_in_, names x<i>
    ours, theirs = _pair([("s", StandardScaler(), [0, 2]), ("p", "passthrough", [3])],
                         remainder="passthrough")
    _assert_same(ours, theirs, frame)
    assert not hasattr(ours, "feature_names_in_")
    assert list(ours.get_feature_names_out()) == ["s__x0", "s__x2", "p__x3", "remainder__x1"]


@pytest.mark.parametrize("verbose", [False, "{feature_name}@{transformer_name}"])
def test_verbose_feature_names_out(frame, verbose):
    ours, theirs = _pair([("s", StandardScaler(), ["a", "c"]), ("p", "passthrough", ["b"])],
                         verbose_feature_names_out=verbose)
    _assert_same(ours, theirs, frame)


def test_verbose_feature_names_out_false_needs_unique_names(array):
    ours, theirs = _pair([("s", StandardScaler(), [0]), ("t", StandardScaler(), [0])],
                         verbose_feature_names_out=False)
    ours.fit(array)
    theirs.fit(array)
    with pytest.raises(ValueError, match=r"Output feature names: \['x0'\] are not unique"):
        theirs.get_feature_names_out()
    with pytest.raises(ValueError, match=r"Output feature names: \['x0'\] are not unique"):
        ours.get_feature_names_out()


@pytest.mark.parametrize("bad", [1.5, np.array([1.0]), slice(1, "s")])
def test_bad_column_specs_raise_column_transformers_error(array, bad):
    # before: IndexError or TypeError
    message = "No valid specification of the columns"
    with pytest.raises(ValueError, match=message):
        ColumnTransformer([("b", StandardScaler(), bad)]).fit(array)
    with pytest.raises(ValueError, match=message):
        EarlyFusion([("b", StandardScaler(), bad)]).fit(array)


def test_pandas_output_keeps_dtypes_and_switches_the_transformers(frame):
    # before: one float frame; the inner transformers kept numpy output
    blocks = [("p", "passthrough", ["a", "b"]), ("s", StandardScaler(), ["c"])]
    ours, theirs = _pair(blocks)
    ours.set_output(transform="pandas")
    theirs.set_output(transform="pandas")
    out, ref = ours.fit_transform(frame), theirs.fit_transform(frame)
    pd.testing.assert_frame_equal(out, ref)
    assert out["p__b"].dtype == frame["b"].dtype  # an integer column stays integer
    pd.testing.assert_frame_equal(ours.transform(frame[:5]), theirs.transform(frame[:5]))
    assert isinstance(ours.named_transformers_["s"].transform(frame[["c"]]), pd.DataFrame)


def test_pandas_output_of_scaled_blocks_is_a_named_float_frame(frame):
    fusion = EarlyFusion([("p", "passthrough", ["a", "b"]), ("s", PCA(1), ["a", "c"])])
    out = fusion.set_output(transform="pandas").fit_transform(frame)
    assert list(out.columns) == list(fusion.get_feature_names_out())
    assert (out.dtypes == np.float64).all()
    assert_array_equal(out.index, frame.index)


def test_sparse_blocks_and_threshold(frame):
    ours, theirs = _pair([("d", OneHotEncoder(), ["d"]), ("b", OneHotEncoder(), ["b"])],
                         sparse_threshold=0.8)
    _assert_same(ours, theirs, frame)
    assert ours.sparse_output_ == theirs.sparse_output_ is True


def test_tuple_of_blocks(array):
    ours, theirs = _pair([("s", StandardScaler(), [0, 1])])
    ours.set_params(transformers=tuple(ours.transformers))
    theirs.set_params(transformers=tuple(theirs.transformers))
    _assert_same(ours, theirs, array)


def test_routed_sample_weight(array):
    weight = np.linspace(0.1, 2.0, 20)
    with config_context(enable_metadata_routing=True):
        scaler = StandardScaler().set_fit_request(sample_weight=True)
        ours, theirs = _pair([("s", scaler, [0, 1])], remainder="passthrough")
        assert_array_equal(ours.fit_transform(array, sample_weight=weight),
                           theirs.fit_transform(array, sample_weight=weight))
    message = "is only supported if enable_metadata_routing=True"
    with pytest.raises(ValueError, match=message):
        ColumnTransformer([("s", StandardScaler(), [0])]).fit(array, sample_weight=weight)
    with pytest.raises(ValueError, match=message):
        EarlyFusion([("s", StandardScaler(), [0])]).fit(array, sample_weight=weight)
