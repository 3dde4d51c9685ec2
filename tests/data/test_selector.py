"""ModalitySelector and select_modality on ModalityDicts, DataFrames, arrays and SliceDicts."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfusion import ModalityDict, ModalitySelector
from skfusion.data import modality_names, select_modality
from skfusion.data import check_multimodal


@pytest.fixture
def X():
    return ModalityDict(
        image=np.arange(5 * 4 * 4, dtype=float).reshape(5, 4, 4),
        audio=[np.ones(n, dtype=np.int16) for n in (3, 9, 4, 2, 7)],
        text=["one", "two", "three", "four", "five"],
    )


def test_name_returns_the_modality(X):
    assert ModalitySelector("image").fit_transform(X) is X["image"]
    text = ModalitySelector("text").fit_transform(X)
    assert text.ndim == 1 and text.dtype == object and text[2] == "three"


def test_list_of_names_returns_a_modality_dict(X):
    out = ModalitySelector(["text", "image"]).fit_transform(X)
    assert isinstance(out, ModalityDict)
    assert out.modalities == ("text", "image")
    assert out["image"] is X["image"]


def test_none_passes_everything_and_callable_chooses(X):
    assert ModalitySelector().fit_transform(X) is X
    chooser = ModalitySelector(lambda X: [m for m in X.modalities if m != "audio"])
    assert chooser.fit_transform(X).modalities == ("image", "text")


def test_unknown_modality_lists_those_that_exist(X):
    with pytest.raises(ValueError, match="modality 'video' is not in X; the modalities are "
                                         "'image', 'audio', 'text'"):
        ModalitySelector("video").fit(X)


def test_non_name_selection_on_a_modality_dict(X):
    with pytest.raises(TypeError, match="selected by name"):
        select_modality(X, 3)


def test_dataframe_columns_as_column_transformer_does():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"age": [1, 2, 3], "size": [4.0, 5.0, 6.0], "note": ["a", "b", "c"]})
    assert list(select_modality(df, "note")) == ["a", "b", "c"]
    assert list(select_modality(df, ["age", "size"]).columns) == ["age", "size"]
    with pytest.raises(ValueError, match=r"column 'weight' is not in the DataFrame; its columns "
                                         r"are \['age', 'size', 'note'\]"):
        select_modality(df, ["age", "weight"])


def test_array_columns_as_column_transformer_does():
    A = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(select_modality(A, 1), [1, 5, 9])
    np.testing.assert_array_equal(select_modality(A, [0, 3]), A[:, [0, 3]])
    np.testing.assert_array_equal(select_modality(A, slice(1, 3)), A[:, 1:3])
    np.testing.assert_array_equal(select_modality(A, [True, False, False, True]), A[:, [0, 3]])
    with pytest.raises(ValueError, match="is a name, but X is a ndarray"):
        select_modality(A, "image")
    with pytest.raises(ValueError, match="column 9 is out of range for 4 columns"):
        select_modality(A, 9)
    np.testing.assert_array_equal(select_modality(A, -1), A[:, 3])
    np.testing.assert_array_equal(select_modality(A, [-4, -1]), A[:, [0, 3]])
    with pytest.raises(ValueError, match="column -5 is out of range for 4 columns"):
        select_modality(A, -5)
    with pytest.raises(ValueError, match="column index out of range for 4 columns"):
        select_modality(A, [0, -9])
    with pytest.raises(ValueError,
                       match=r"boolean column mask has shape \(3,\), X has 4 columns"):
        select_modality(A, [True, False, True])
    with pytest.raises(ValueError, match=r"2-D data, got shape \(3, 2, 2\)"):
        select_modality(A.reshape(3, 2, 2), 0)


def test_same_pipeline_runs_on_a_dataframe_and_a_modality_dict():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    y = np.arange(40) % 2
    table = pd.DataFrame({"a": rng.normal(size=40) + 3 * y, "b": rng.normal(size=40)})
    pipe = make_pipeline(ModalitySelector(["a", "b"]), StandardScaler(), LogisticRegression())
    score_frame = cross_val_score(pipe, table, y, cv=4).mean()
    X = ModalityDict(table=table, other=np.zeros((40, 2)))
    pipe_md = make_pipeline(ModalitySelector("table"), StandardScaler(), LogisticRegression())
    score_md = cross_val_score(pipe_md, X, y, cv=4).mean()
    assert score_frame == pytest.approx(score_md) and score_frame > 0.8


def test_tabular_modality_through_a_column_transformer():
    pd = pytest.importorskip("pandas")
    from sklearn.preprocessing import OneHotEncoder

    table = pd.DataFrame({"colour": ["red", "blue", "red", "green"] * 5,
                          "weight": np.linspace(1, 2, 20)})
    y = (table["colour"] == "red").to_numpy().astype(int)
    X = ModalityDict(table=table, text=["x"] * 20)
    columns = ColumnTransformer([("cat", OneHotEncoder(), ["colour"]),
                                 ("num", StandardScaler(), ["weight"])])
    pipe = make_pipeline(ModalitySelector("table"), columns, LogisticRegression())
    assert cross_val_score(pipe, X, y, cv=4).mean() == 1.0


def test_skorch_slicedict_is_accepted():
    helper = pytest.importorskip("skorch.helper")
    image, audio = np.arange(16.0).reshape(4, 2, 2), -np.arange(12.0).reshape(4, 3)
    sd = helper.SliceDict(image=image, audio=audio)
    np.testing.assert_array_equal(select_modality(sd, "audio"), audio)
    both = select_modality(sd, ["audio", "image"])
    assert isinstance(both, ModalityDict) and both.modalities == ("audio", "image")
    np.testing.assert_array_equal(both["image"], image)
    np.testing.assert_array_equal(both[[3, 0]]["audio"], audio[[3, 0]])
    with pytest.raises(ValueError, match="modality 'text' is not in X"):
        select_modality(sd, "text")


def test_selector_is_stateless_and_clonable(X):
    sel = ModalitySelector(["image"])
    assert clone(sel).get_params() == {"modality": ["image"]}
    assert sel.__sklearn_tags__().requires_fit is False
    assert sel.fit(X).modalities_ == ["image"]


def test_modality_names():
    assert modality_names("a") == ["a"]
    assert modality_names(["a", "b"]) == ["a", "b"]
    assert modality_names(None) == []
    assert modality_names([0, 1]) == []


def test_check_multimodal_converts_and_checks():
    out = check_multimodal({"a": [1, 2], "b": ["x", "y"]}, modalities=["a"])
    assert isinstance(out, ModalityDict) and len(out) == 2
    with pytest.raises(ValueError,
                       match="MyModel needs modality 'c', which X lacks; X has 'a', 'b'"):
        check_multimodal(out, modalities=["a", "c"], estimator="MyModel")
    with pytest.raises(TypeError, match="expects a skfusion.ModalityDict"):
        check_multimodal(np.zeros((2, 2)))


def test_dok_sparse_matrix_is_an_array_not_a_mapping():
    from scipy import sparse

    dok = sparse.dok_matrix(np.eye(3))
    np.testing.assert_array_equal(select_modality(dok, [0, 2]).toarray(), np.eye(3)[:, [0, 2]])
    with pytest.raises(TypeError, match="expects a skfusion.ModalityDict"):
        check_multimodal(dok)


@pytest.mark.parametrize("fmt", ["coo", "dia", "bsr", "dok", "lil", "csc"])
def test_every_sparse_format_has_its_columns_selected(fmt):
    # before: COO (what sparse.hstack returns), DIA and BSR raised a TypeError or
    # NotImplementedError, though the tags promise sparse input
    from scipy import sparse

    dense = np.arange(20.0).reshape(4, 5)
    X = sparse.hstack([sparse.csr_matrix(dense[:, :2]), sparse.csr_matrix(dense[:, 2:])])
    X = X.asformat(fmt)
    out = ModalitySelector([0, 3]).fit_transform(X)
    assert sparse.issparse(out)
    np.testing.assert_array_equal(out.toarray(), dense[:, [0, 3]])


def test_a_list_of_rows_is_selected_as_column_transformer_selects_it():
    rows = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    expected = ColumnTransformer([("s", "passthrough", [0, 2])]).fit_transform(rows)
    np.testing.assert_array_equal(ModalitySelector([0, 2]).fit_transform(rows), expected)
    assert ModalitySelector(1).fit_transform(rows).tolist() == [2.0, 5.0]


def test_fitted_selector_records_and_checks_the_column_count():
    pd = pytest.importorskip("pandas")
    X = np.arange(12.0).reshape(3, 4)
    selector = ModalitySelector([0, 2]).fit(X)
    assert selector.n_features_in_ == 4 and not hasattr(selector, "feature_names_in_")
    # before: columns 0 and 2 of a 3-column X, silently
    with pytest.raises(ValueError, match="X has 3 features, but ModalitySelector is "
                                         "expecting 4 features as input"):
        selector.transform(X[:, :3])
    with pytest.raises(ValueError, match="fitted on 2-D X with 4 columns, got a 1-D array"):
        selector.transform(X[0])
    # unfitted, it selects from anything (it is stateless)
    np.testing.assert_array_equal(ModalitySelector([0, 2]).transform(X[:, :3]), X[:, [0, 2]])
    # a DataFrame is selected by name: reordered or added columns are fine, as in
    # ColumnTransformer, and its names are recorded
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    selector = ModalitySelector(["a", "c"]).fit(frame)
    assert selector.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    moved = frame[["d", "c", "b", "a"]].assign(e=0.0)
    np.testing.assert_array_equal(selector.transform(moved).to_numpy(), X[:, [0, 2]])
    # a ModalityDict has no common column count: a refit forgets it
    selector = ModalitySelector("a").fit(ModalityDict(a=X, b=["x", "y", "z"]))
    assert not hasattr(selector, "n_features_in_")
